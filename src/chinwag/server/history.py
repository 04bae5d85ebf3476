"""Relayed messages on their way to the store, written in batches off the hot path.

Issue 4: "Writes of messages are batched for throughput but a message is durable before it is
echoed or acknowledged to its sender." The hot path only appends (:meth:`HistoryWriter.push`)
and gets the message's sequence number; the writer hands what queued up to the store in
batches and then tells :class:`~chinwag.server.delivery.Delivery` which sequence number is
durable, which releases the replies held on their senders' gates. Other recipients are not
held: a message reaches the room at once, and only its sender's confirmation waits for the
disk.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from chinwag.protocol.casemap import Folded
from chinwag.protocol.message import Message
from chinwag.server import sources
from chinwag.server.delivery import Delivery
from chinwag.server.effects import Effects
from chinwag.server.state import Channel, User
from chinwag.storage.base import (
    Forget,
    HistoryChange,
    MemberChange,
    MoveTarget,
    Redact,
    Store,
    StoredMessage,
    account_identity,
    conversation_key,
    session_identity,
    to_stored,
)

log = logging.getLogger("chinwag.server")

T = TypeVar("T")

RETRY_MAX = 30.0
"""Longest pause, in seconds, between attempts to store a batch the store refused."""

COMMIT_SPACING = 0.01
"""Seconds from the start of one history commit to the start of the next, at most one
commit per this while messages keep coming. A lone message is committed at once (the last
commit is long past); under sustained traffic each commit carries every message of its
spacing instead of one or two, which at 1000 messages/s cut the writer's system calls and
thread hand-offs from about 700 commits/s to 100, at the cost of up to this much more wait
for an echo that must be durable first."""


TRANSIENT_TAGS = frozenset({"+typing", "+draft/typing"})
"""Client-only tags that say something about now, not about the conversation: a TAGMSG
carrying only these (typing notifications, https://ircv3.net/specs/client-tags/typing) is
relayed but not kept."""


def kept_tagmsg(message: Message) -> bool:
    """Whether a relayed ``TAGMSG`` is kept in history: it carries a client-only tag (one
    starting with ``+``, message-tags spec) other than the transient ones, e.g. a reaction
    or a reply marker. Kept ones are stored as events, so CHATHISTORY plays them back only
    to sessions with draft/event-playback (chathistory spec, "Returned message notes") and
    message-tags, and search never sees them."""
    return any(key.startswith("+") and key not in TRANSIENT_TAGS for key in message.tags)


def identity(user: User) -> Folded:
    """Who ``user`` is for history (docs/security.md, "Who owns what"): their account's id
    if logged in, else a token of this user alone, never their nick, which the next person
    to hold it would inherit."""
    if user.account_id is not None:
        return account_identity(user.account_id)
    return session_identity(user.token)


def direct_key(sender: User, recipient: Folded) -> Folded:
    """The history target of a direct message from ``sender`` to identity ``recipient``."""
    return conversation_key(identity(sender), recipient)


def remember_conversation(user: User, key: Folded) -> None:
    """Note that conversation ``key`` is stored under ``user``'s token, if they have no
    account: it is deleted when they leave (:meth:`HistoryWriter.forget`)."""
    if user.account_id is None:
        if user.conversations is None:
            user.conversations = set()
        user.conversations.add(key)


class HistoryWriter:
    """Messages relayed but not yet stored, and the task that stores them.

    :meth:`push` only appends (the hot path) and returns the message's sequence number. The
    first push after the queue ran dry starts one write for the whole burst; the write
    spaces its commits by :data:`COMMIT_SPACING`, retries a batch the store refuses, and
    after each commit tells ``delivery`` and then calls ``committed`` (the core closes any
    session whose released replies overflowed it).
    """

    __slots__ = (
        "_busy",
        "_changes",
        "_changes_pushed",
        "_changes_stored",
        "_clock",
        "_commit_waiters",
        "_committed",
        "_delivery",
        "_effects",
        "_items",
        "_last_commit",
        "_observe",
        "_store",
        "_task",
        "keeping",
        "pushed_seq",
    )

    def __init__(
        self,
        store: Store,
        effects: Effects,
        delivery: Delivery,
        clock: Callable[[], float],
        committed: Callable[[], None],
        observe: Callable[[float, int], None] | None = None,
    ) -> None:
        self._store = store
        self._observe = observe
        """Told each commit's seconds and size (``/metrics``; once per commit, not per
        message, so it may be slow-ish)."""
        self._effects = effects
        self._delivery = delivery
        self._clock = clock
        self._committed = committed
        self._items: list[tuple[Folded, Message, bool, Folded | None, bool]] = []
        self._changes: list[HistoryChange] = []
        self._changes_pushed = 0
        self._changes_stored = 0
        self._busy = False
        self._task: Awaitable[None] | None = None
        self._last_commit = float("-inf")
        self._commit_waiters: list[asyncio.Future[None]] = []
        """Callers of :meth:`stored` waiting for the next commit (or the writer's end)."""
        self.pushed_seq = 0
        """Sequence number of the last message pushed."""
        self.keeping = True
        """Whether what is pushed now is for this writer to store. A cluster node
        (:class:`chinwag.server.replica.ReplicatedCore`) turns it off while it applies what
        happened on another node: that node stores it, and nobody here waits for it."""

    @property
    def committed_seq(self) -> int:
        """Every message up to this sequence number is durable."""
        return self._delivery.committed_seq

    def __len__(self) -> int:
        return len(self._items)

    def push(
        self,
        target: Folded,
        message: Message,
        *,
        event: bool = False,
        offline_for: Folded | None = None,
        private: bool = False,
    ) -> int:
        """Queue one relayed message to ``target``; return its sequence number. ``private``:
        said in a channel while it was private (:meth:`to_channel` works it out).
        Not :attr:`keeping`: nothing is queued, and 0 is returned (nothing to wait for)."""
        if not self.keeping:
            return 0
        self._items.append((target, message, event, offline_for, private))
        self.pushed_seq += 1
        if not self._busy:
            self._start()
        return self.pushed_seq

    def to_channel(
        self, channel: Channel, message: Message, *, event: bool = False, private: bool = False
    ) -> int:
        """Queue ``message`` said in ``channel``: private if the channel is private now (or
        ``private``: a mode change that made it public was said while it was not)."""
        return self.push(
            channel.folded, message, event=event, private=private or channel.is_private
        )

    # -- who may read a private channel's history (docs/security.md) --------------------------

    def joined(self, channel: Channel, user: User) -> None:
        """``user`` is now a member of ``channel``: if the channel is private, they may read
        what is said there from now until :meth:`left`."""
        if channel.is_private:
            self._change(MemberChange(channel.folded, identity(user), sources.now(), joined=True))

    def left(self, channel: Channel, user: User) -> None:
        """``user`` is no longer a member of ``channel`` (or it is about to go public)."""
        if channel.is_private:
            self._change(MemberChange(channel.folded, identity(user), sources.now(), joined=False))

    def privacy_changed(self, channel: Channel, was_private: bool) -> None:
        """A mode change made ``channel`` private (every member may read from now) or public
        (private reading ends: what is said now is open to later members anyway)."""
        if channel.is_private == was_private:
            return
        now = sources.now()
        for user in channel.members:
            self._change(MemberChange(channel.folded, identity(user), now, joined=not was_private))

    def renamed(self, old: Folded, new: Folded) -> None:
        """A channel was renamed from ``old`` to ``new`` (draft/channel-rename): its history
        moves to the new name after every message queued before, and the old name is free."""
        if old != new:
            self._change(MoveTarget(old, new))

    def identity_changed(self, user: User, old: Folded) -> None:
        """``user`` logged in or out: their private memberships move to the new identity
        from now, and a user's own-token direct conversations end with it."""
        new = identity(user)
        if new == old:
            return
        now = sources.now()
        for channel in user.channels.values():
            if channel.is_private:
                self._change(MemberChange(channel.folded, old, now, joined=False))
                self._change(MemberChange(channel.folded, new, now, joined=True))
        if old.startswith("s:"):
            self.forget(user, old)

    def forget(self, user: User, old: Folded | None = None) -> None:
        """``user`` (or their former identity ``old``) is gone for good: without an account,
        their direct conversations are deleted (they lived as long as the user did)."""
        who = identity(user) if old is None else old
        if not who.startswith("s:"):
            return
        if user.conversations:
            self._change(Forget(who, frozenset(user.conversations)))
        user.conversations = None

    def redact(self, target: Folded, msgid: str) -> None:
        """The message ``msgid`` to ``target`` was redacted: delete it from history."""
        self._change(Redact(target, msgid))

    def _change(self, change: HistoryChange) -> None:
        if not self.keeping:
            return
        self._changes.append(change)
        self._changes_pushed += 1
        if not self._busy:
            self._start()

    def drain(self) -> tuple[int, list[StoredMessage]]:
        """Take every message queued so far: the last sequence number taken, and the records
        (the membership changes and forgetting stay for :meth:`drain_changes`)."""
        items, self._items = self._items, []
        records = [
            to_stored(target, message, event=event, offline_for=offline_for, private=private)
            for target, message, event, offline_for, private in items
        ]
        return self.pushed_seq, records

    def drain_changes(self) -> list[HistoryChange]:
        """Take the membership changes and forgetting queued so far, in order."""
        changes, self._changes = self._changes, []
        return changes

    def _start(self) -> None:
        self._busy = True
        self._task = self._effects.run(self._write(), self._written)

    async def _write(self) -> None:
        """Hand queued messages to the store in batches until the queue stays empty.

        A batch the store refuses is tried again, with growing pauses, until it is taken:
        its senders' echoes wait meanwhile, because telling them it was kept would be a lie.
        """
        # Let the current burst of lines finish queuing first: one write per burst.
        await self._effects.next_turn()
        while self._items or self._changes:
            wait = self._last_commit + COMMIT_SPACING - self._clock()
            if wait > 0:
                await self._effects.coalesce(wait)
            self._last_commit = self._clock()
            seq, batch = self.drain()
            changes = self.drain_changes()
            pause = 0.5
            while True:
                try:
                    started = time.perf_counter()
                    await self._store.append(batch, changes)
                    if self._observe is not None:
                        self._observe(time.perf_counter() - started, len(batch) + len(changes))
                    break
                except Exception:
                    log.exception("could not store %d messages; trying again", len(batch))
                    await self._effects.sleep(pause)
                    pause = min(pause * 2, RETRY_MAX)
            self._changes_stored += len(changes)
            self._delivery.committed(seq)
            self._committed()
            self._wake()

    def _wake(self) -> None:
        """Let every :meth:`stored` caller look again at what is durable now."""
        waiters, self._commit_waiters = self._commit_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _written(self, result: object, error: BaseException | None) -> None:
        self._busy = False
        self._task = None
        self._wake()
        if isinstance(error, Exception):  # not a cancellation at shutdown
            log.error("history writer stopped: %r", error)
        elif self._items or self._changes:
            self._start()

    def writing(self) -> Awaitable[None] | None:
        """The write in progress (started if messages are waiting), or ``None`` when
        everything relayed is stored."""
        if not self._busy and (self._items or self._changes):
            self._start()
        return self._task if self._busy else None

    async def stored(self, upto: int | None = None) -> None:
        """Return once everything relayed before this call (or up to sequence number
        ``upto``) is in the store. The application's stop waits here before closing the
        store; tests await it instead of polling the store."""
        target = self.pushed_seq if upto is None else upto
        # Without ``upto``, membership changes and forgetting queued so far count too.
        changes = self._changes_pushed if upto is None else 0
        while self.committed_seq < target or self._changes_stored < changes:
            writing = self.writing()
            if writing is None:
                break
            await self._next_commit(writing)
            await self._effects.next_turn()

    async def _next_commit(self, writing: Awaitable[None]) -> None:
        """Wait for the writer's next commit, or its end, whichever comes first.

        Not for the whole ``writing``: the writer goes on for as long as messages keep
        coming, so under steady traffic (a busy room, a JOIN storm) a JOIN's replay or a
        CHATHISTORY query waiting for the message before it would wait for a commit that
        finds nothing more queued. Without a running loop (a harness stepping the work by
        hand) the whole write is awaited.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            await writing
            return
        waiter: asyncio.Future[None] = loop.create_future()
        self._commit_waiters.append(waiter)
        await waiter
        if isinstance(writing, asyncio.Future) and writing.done():
            await writing  # the writer stopped: its error or cancellation is ours, as before

    async def after(self, work: Awaitable[T], upto: int | None = None) -> T:
        """``work``'s result, once everything relayed before this call (or up to ``upto``)
        is stored: a history query then sees the messages its sender has just said."""
        await self.stored(upto)
        return await work

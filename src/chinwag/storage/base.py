"""The ``Store`` interface the server persists through (design.md section 2, rule 8).

The server core never awaits storage: relayed messages go on a queue on the hot path
(:class:`chinwag.server.history.HistoryWriter`) and are written in batches off that path; the
rest (accounts, read markers, chathistory queries) run as the core's deferred work. Every
implementation is tested by tests/storage/test_store_suite.py.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.message import Message


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """One relayed message or channel event as history keeps it.

    ``target`` is the folded channel name or, for a direct message, the conversation's key
    (:func:`conversation_key`); ``line`` is the full message as relayed (tags included), so a
    replay can be exact; ``time`` is the Unix time it was relayed. ``account`` is the sender's
    account, if logged in. ``event`` marks JOIN/PART/KICK/TOPIC/MODE lines and kept TAGMSGs
    (reactions, not typing), which chathistory only plays back to clients with
    draft/event-playback and search never sees. ``offline_for`` names the (folded)
    account of a recipient who had no session: the message waits for its next login.
    """

    msgid: str
    target: Folded
    sender: str
    time: float
    line: str
    account: str | None = None
    event: bool = False
    offline_for: Folded | None = None
    private: bool = False


def to_stored(
    target: Folded,
    message: Message,
    *,
    event: bool = False,
    offline_for: Folded | None = None,
    private: bool = False,
) -> StoredMessage:
    """The history record of a relayed ``message`` (which carries ``msgid`` and ``time``)."""
    tags = message.tags
    stamp = tags.get("time")
    when = datetime.fromisoformat(stamp).timestamp() if stamp else time.time()
    return StoredMessage(
        tags.get("msgid", ""),
        target,
        message.source or "",
        when,
        message.to_line(),
        tags.get("account") or None,
        event,
        offline_for,
        private,
    )


def new_account_id() -> str:
    """A fresh account id: random, so never the id of an account dropped before."""
    return secrets.token_hex(8)


def account_identity(account_id: str) -> Folded:
    """Who an account is for history: its id (never its name, which a later account may
    take), marked so it cannot be mistaken for a session's."""
    return Folded(f"a:{account_id}")


def session_identity(token: str) -> Folded:
    """Who a user without an account is for history: a token of that user alone, so the
    next holder of the nick is someone else."""
    return Folded(f"s:{token}")


def identity_kind(identity: Folded) -> str:
    """``"a"`` for an account's identity, ``"s"`` for a session's."""
    return identity.partition(":")[0]


def identity_value(identity: Folded) -> str:
    """The account id or session token inside an identity."""
    return identity.partition(":")[2]


@dataclass(frozen=True, slots=True)
class MemberChange:
    """Someone (an identity) began or stopped being a member of a channel while it was
    private: they may read what was said privately between the two moments.

    Only private periods are recorded: a join to a public channel, or a member of a
    channel that stays public, needs no record, since its history is open to later members.
    """

    target: Folded
    identity: Folded
    time: float
    joined: bool

    @property
    def stored_time(self) -> float:
        """:attr:`time` as history compares it (:func:`membership_time`)."""
        return membership_time(self.time)


def membership_time(when: float) -> float:
    """A membership's moment as history compares it: whole milliseconds, cut as
    ``server-time`` stamps are (:func:`chinwag.server.tags.server_time`), so the JOIN that
    opened a membership and the PART that closed it both fall inside it."""
    return math.floor(when * 1000) / 1000


@dataclass(frozen=True, slots=True)
class Forget:
    """Delete every direct conversation ``identity`` took part in, and its memberships: the
    identity is gone for good (a user without an account left, or an account was dropped).

    ``targets``, when known, are those conversations' keys: only those of them that
    include ``identity`` are deleted, without a search through every target.
    """

    identity: Folded
    targets: frozenset[Folded] | None = None


@dataclass(frozen=True, slots=True)
class Redact:
    """Delete the message ``msgid`` to ``target`` (IRCv3 draft/message-redaction): it is no
    longer played back nor found by a search."""

    target: Folded
    msgid: str


@dataclass(frozen=True, slots=True)
class MoveTarget:
    """A channel was renamed (draft/channel-rename): its messages, private memberships and
    read markers move from ``old`` to ``new`` (both folded), and ``old`` is free. The stored
    lines are kept as they were relayed (they name the channel as it was called then)."""

    old: Folded
    new: Folded


HistoryChange = MemberChange | Forget | Redact | MoveTarget
"""What :meth:`Store.append` applies after the messages of its batch."""


def conversation_key(one: Folded, other: Folded) -> Folded:
    """The history target of the direct conversation between two identities.

    An identity is :func:`account_identity` or :func:`session_identity`. The key is the same
    whichever of the two asks: the pair in order, joined by a space (which no identity
    holds), so ``"a:1f a:2e"`` for both sides.
    """
    low, high = sorted((one, other))
    return Folded(f"{low} {high}")


def is_conversation(target: Folded) -> bool:
    """Whether ``target`` is a direct conversation's key rather than a channel."""
    return " " in target


@dataclass(frozen=True, slots=True)
class Bound:
    """One end of a history range: a moment, or a stored message named by its msgid.

    Bounds are exclusive. A msgid bound sits exactly at that message (ties in time are broken
    by the order messages were stored); a msgid that is not stored for the target matches
    nothing, so a range bounded by it is empty.
    """

    time: float | None = None
    msgid: str | None = None


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """One search: where, by whom, when and which words, and who asks.

    ``channels`` are the channels whose history the asker may read now (the rooms they are
    in, as ``CHATHISTORY`` allows); the asker's direct conversations are those whose key holds
    ``reader`` (:func:`conversation_key`). A private message counts only
    if ``reader`` was a member when it was said, as in :meth:`Store.history`. ``target``, when
    given, narrows the search to that one channel or conversation key (still only if it is one
    of those); ``sender`` to messages whose source's nick folds to it. ``after`` and
    ``before`` are inclusive Unix times. ``terms`` are words, all of which a message must
    contain (:func:`chinwag.storage.search.search_terms`); none means any text. At most
    ``limit`` messages.
    """

    reader: Folded
    channels: frozenset[Folded]
    terms: tuple[str, ...] = ()
    target: Folded | None = None
    sender: Folded | None = None
    after: float | None = None
    before: float | None = None
    limit: int = 100

    def may_search(self, target: Folded) -> bool:
        """Whether messages to ``target`` are the asker's to search (before privacy of the
        single message): one of their channels, or a conversation of theirs."""
        if self.target is not None and target != self.target:
            return False
        if is_conversation(target):
            return self.reader in target.split(" ")
        return target in self.channels


@dataclass(frozen=True, slots=True)
class Account:
    """A registered account: its name, password hash, SCRAM keys, metadata and certificates.

    ``password_hash`` is an argon2id PHC string (argon2-cffi). The SCRAM-SHA-256 fields are
    RFC 5802's salt, iteration count, StoredKey and ServerKey, from which a SCRAM exchange can
    be checked without the password. ``metadata`` holds the keys (``color``...) the user set
    while logged in, restored at every login. ``id`` is what history and offline messages
    belong to (:func:`account_identity`): random, never reused, so an account registered
    later under a dropped account's name reaches nothing of it. ``certfps`` are the
    fingerprints (SHA-256, lowercase hex) of the client certificates that log in to it (SASL
    EXTERNAL); one fingerprint belongs to at most one account.
    """

    name: str
    password_hash: str
    scram_salt: bytes
    scram_iterations: int
    scram_stored_key: bytes
    scram_server_key: bytes
    created: float
    metadata: Mapping[str, str] = field(default_factory=dict)
    id: str = field(default_factory=new_account_id)
    certfps: tuple[str, ...] = ()
    settings: Mapping[str, str] = field(default_factory=dict)
    """The account's own choices that only the server reads (never metadata, which others
    may see): ``always-on`` (``on``/``off``) and ``away-message`` (issue 16)."""

    @property
    def folded(self) -> Folded:
        """The account's name folded: how people name it (logins, NickServ)."""
        return fold(self.name)

    @property
    def identity(self) -> Folded:
        """What the account's history and offline messages belong to."""
        return account_identity(self.id)

    def with_metadata(self, key: str, value: str | None) -> Account:
        """This account with ``key`` set to ``value`` (``None``: removed)."""
        metadata = dict(self.metadata)
        if value is None:
            metadata.pop(key, None)
        else:
            metadata[key] = value
        return replace(self, metadata=metadata)

    def with_setting(self, key: str, value: str | None) -> Account:
        """This account with setting ``key`` set to ``value`` (``None``: back to default)."""
        settings = dict(self.settings)
        if value is None:
            settings.pop(key, None)
        else:
            settings[key] = value
        return replace(self, settings=settings)


BAN_KINDS = ("ip", "mask", "account")
"""What a :class:`ServerBan` names: an address or range, a ``nick!user@host`` mask, an
account."""


@dataclass(frozen=True, slots=True)
class ServerBan:
    """An operator's server ban (``UBAN``, issue 17): who it is against, why, who set it,
    when (Unix time) and until when (``None``: until removed).

    ``target`` is normalised by its ``kind`` (:data:`BAN_KINDS`): a network in CIDR form
    (``203.0.113.7/32``), a complete ``nick!user@host`` mask, or a folded account name. A
    kind and a target name one ban: adding it again replaces it.
    """

    kind: str
    target: str
    reason: str
    set_by: str
    set_at: float
    expires_at: float | None = None

    def expired(self, now: float) -> bool:
        """Whether the ban has run out at Unix time ``now``."""
        return self.expires_at is not None and self.expires_at <= now


@dataclass(frozen=True, slots=True)
class AlwaysOnUser:
    """An always-on user as a restart finds it again (issue 16): who it is logged in as,
    how it is seen, the channels it is in with its status modes there (``"o"``, ``"v"``,
    ``""``), its away text, and when its last session ended (Unix time; ``None`` if one was
    still connected when this was saved).

    ``channels`` are channel names as shown; ``account`` is the account's folded name.
    """

    account: Folded
    nick: str
    username: str
    host: str
    realname: str
    channels: tuple[tuple[str, str], ...] = ()
    away: str | None = None
    left_at: float | None = None


@dataclass(frozen=True, slots=True)
class SavedMask:
    """One entry of a channel list mode as a restart finds it again (Modern IRC "Ban
    Channel Mode", "Exception Channel Mode", "Invite-Exception Channel Mode"): the mask, who
    set it and when (Unix time), as ``RPL_BANLIST`` and its kin show them."""

    mask: str
    set_by: str
    set_at: int


@dataclass(frozen=True, slots=True)
class SavedChannel:
    """A channel with an always-on member as a restart finds it again (issue 16): a room
    that was invite-only, keyed, secret, moderated or banned comes back so, never open.

    ``modes`` are its flag modes (type D in ``CHANMODES``: ``i``, ``m``, ``n``, ``s``...,
    sorted); ``key`` (``+k``) and ``limit`` (``+l``) its parameter modes; the topic with who
    set it and when (Modern IRC ``RPL_TOPICWHOTIME``); the list modes ``+b``, ``+e`` and
    ``+I``; ``created`` its creation time (``RPL_CREATIONTIME``); ``metadata`` the keys its
    operators set (draft/metadata). Members are not here: each always-on user names its own
    channels (:attr:`AlwaysOnUser.channels`), and no one else survives a restart.
    """

    name: str
    created: int
    modes: str = ""
    key: str | None = None
    limit: int | None = None
    topic: str = ""
    topic_by: str = ""
    topic_at: int = 0
    bans: tuple[SavedMask, ...] = ()
    excepts: tuple[SavedMask, ...] = ()
    invexes: tuple[SavedMask, ...] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)

    @property
    def folded(self) -> Folded:
        """The channel's name folded: how it is looked up."""
        return fold(self.name)


@dataclass(frozen=True, slots=True)
class RegisteredChannel:
    """A channel registered with ChanServ (issue 17, after Ergo's ``CS REGISTER``): it exists
    across restarts even when empty, in the state ``state`` records (modes, key, limit,
    topic, list modes, metadata), and its founder and access list get their status when
    they join.

    ``founder`` is the folded name of the founder's account; ``registered_at`` the Unix time
    of the registration; ``access`` each other account (folded) with the status it gets on
    joining (``"o"`` or ``"v"``), sorted by account.
    """

    state: SavedChannel
    founder: Folded
    registered_at: int
    access: tuple[tuple[Folded, str], ...] = ()

    @property
    def folded(self) -> Folded:
        """The channel's name folded: how it is looked up."""
        return self.state.folded


class StoreError(Exception):
    """A store that cannot be opened or used; the message names the file or server and why."""


class Store(Protocol):
    """Where history, accounts and read markers go.

    Implementations: SQLite (default), PostgreSQL, memory (tests). Every one is tested
    by tests/storage/test_store_suite.py. Methods return once what they wrote is durable.
    """

    # -- history -------------------------------------------------------------------------

    async def append(
        self, messages: Sequence[StoredMessage], changes: Sequence[HistoryChange] = ()
    ) -> None:
        """Persist ``messages`` (already in order), then apply ``changes`` in order; returns
        once both are durable.

        A message whose msgid is already stored is skipped (the first copy kept), so a retried
        batch is harmless. Otherwise a batch is all or nothing: if the store refuses one
        message it raises and keeps none. A message with ``offline_for`` is also queued for
        that account (:meth:`offline_messages`) if an account with that identity exists.
        A :class:`MemberChange` opens or closes a private membership; a :class:`Forget`
        deletes an identity's conversations and memberships; a :class:`Redact` deletes one
        message; a :class:`MoveTarget` moves a renamed channel's history (:meth:`move_target`).
        """

    async def move_target(self, old: Folded, new: Folded) -> None:
        """Move the history of channel ``old`` (messages, private memberships, read markers)
        to ``new``, which a rename gave it; ``old`` is left with none. Whatever ``new``
        already held is kept beside it."""

    async def latest(
        self, target: Folded, limit: int, *, reader: Folded | None = None
    ) -> list[StoredMessage]:
        """The last ``limit`` messages to ``target`` (events included) that ``reader`` may
        read (:meth:`history`), oldest first."""

    async def find(
        self, target: Folded, msgid: str, *, reader: Folded | None = None
    ) -> StoredMessage | None:
        """The message to ``target`` with this msgid, if stored and ``reader`` may read it."""

    async def history(
        self,
        target: Folded,
        *,
        after: Bound | None = None,
        before: Bound | None = None,
        limit: int,
        newest: bool = True,
        events: bool = False,
        reader: Folded | None = None,
    ) -> list[StoredMessage]:
        """Messages to ``target`` strictly between ``after`` and ``before``, oldest first.

        At most ``limit`` of them: the newest of the range when ``newest``, else the oldest.
        Events (``StoredMessage.event``) are included only with ``events``. A private message
        is included only if ``reader`` (an identity) was a member when it was said
        (:class:`MemberChange`); without a reader, none is. This one query answers every
        draft/chathistory selector.
        """

    async def targets(
        self,
        channels: Collection[Folded],
        identity: Folded,
        after: float,
        before: float,
        limit: int,
    ) -> list[tuple[Folded, float]]:
        """Targets whose latest message is in the time range ``(after, before)``, and its
        time, earliest first, at most ``limit`` (CHATHISTORY TARGETS). A target with messages
        in the range but a newer one after it is left out: its latest time is that newer one.

        The targets considered are ``channels`` and every direct conversation ``identity``
        is part of (:func:`conversation_key`). Events do not count, nor private messages
        ``identity`` may not read.
        """

    async def search(self, query: SearchQuery) -> list[StoredMessage]:
        """The newest ``query.limit`` PRIVMSG and NOTICE lines that answer ``query``
        (:class:`SearchQuery`), oldest first (issue 15, soju.im/search).

        Only what the asker may read: messages to ``query.channels`` or to a direct
        conversation of ``query.reader``, and of those a private one only if the reader was a
        member when it was said (as :meth:`history` decides). Text is matched word by word,
        case and accents aside; events never match. "Newest" is the order messages were
        stored in, which is time order unless the clock stepped back.
        """

    async def prune(self, *, older_than: float | None, keep_per_target: int | None) -> int:
        """Delete messages older than ``older_than`` (Unix time) and all but the newest
        ``keep_per_target`` of each target; return how many went. Messages still waiting
        for an offline account are kept."""

    # -- offline delivery -------------------------------------------------------------------

    async def offline_messages(self, account: Folded) -> list[StoredMessage]:
        """Messages waiting for ``account``, oldest first."""

    async def clear_offline(self, account: Folded, msgids: Collection[str]) -> None:
        """Forget that these messages wait for ``account`` (they were delivered); history
        keeps them."""

    # -- accounts -----------------------------------------------------------------------------

    async def accounts(self) -> list[Account]:
        """Every registered account, metadata included."""

    async def create_account(self, account: Account) -> bool:
        """Register ``account``; ``False`` (and nothing written) if its name is taken."""

    async def update_password(self, account: Account) -> None:
        """Replace the stored password hash and SCRAM keys with ``account``'s."""

    async def drop_account(self, name: Folded) -> None:
        """Delete the account with its metadata, certificate fingerprints, read markers and
        waiting messages, and every direct conversation it took part in (for both sides:
        docs/security.md)."""

    async def end_memberships(self, when: float) -> None:
        """Close every private membership still open: nobody is a member of anything after
        a restart, so the next incarnation of a room gives no one its old private lines."""

    async def set_account_metadata(self, name: Folded, key: str, value: str | None) -> None:
        """Set (or with ``None`` delete) one metadata key of an account."""

    async def add_certfp(self, name: Folded, fingerprint: str) -> bool:
        """Let the client certificate ``fingerprint`` log in to account ``name``; ``False``
        (nothing written) if another account holds it or ``name`` is not registered. Adding
        one the account already holds is ``True`` and changes nothing."""

    async def remove_certfp(self, name: Folded, fingerprint: str) -> bool:
        """Stop ``fingerprint`` logging in to ``name``; ``False`` if that account did not
        hold it (another account's fingerprint is left alone)."""

    async def set_account_setting(self, name: Folded, key: str, value: str | None) -> None:
        """Set (or with ``None`` delete) one setting of an existing account
        (:attr:`Account.settings`); an account that does not exist keeps none."""

    # -- always-on users (issue 16) ---------------------------------------------------------------

    async def always_on_users(self) -> list[AlwaysOnUser]:
        """The always-on users saved last (:meth:`save_always_on_users`), by account; those
        of accounts dropped since are not among them."""

    async def always_on_channels(self) -> list[SavedChannel]:
        """The channels saved last with the always-on users (:meth:`save_always_on_users`),
        in the order they were given."""

    async def save_always_on_users(
        self, users: Sequence[AlwaysOnUser], channels: Sequence[SavedChannel]
    ) -> None:
        """Replace the saved always-on users with ``users`` (at most one per account; one of
        an account that does not exist is not kept) and the saved channels with ``channels``
        (at most one per folded name: the last given, in the first one's place), both at
        once: a restart never finds the users of one save with the channels of another."""

    # -- registered channels (ChanServ, issue 17) ------------------------------------------------

    async def registered_channels(self) -> list[RegisteredChannel]:
        """The channels registered with ChanServ as saved last
        (:meth:`save_registered_channels`), in the order given; those whose founder's account
        was dropped since are not among them, and no access entry names a dropped account."""

    async def save_registered_channels(self, channels: Sequence[RegisteredChannel]) -> None:
        """Replace the saved registered channels with ``channels`` (at most one per folded
        name: the last given; one whose founder has no account is not kept)."""

    # -- server bans (UBAN, issue 17) ------------------------------------------------------------

    async def server_bans(self) -> list[ServerBan]:
        """Every stored server ban, expired ones too, in the order they were first added."""

    async def add_server_ban(self, ban: ServerBan) -> None:
        """Store ``ban``, replacing the one of the same kind and target if there is one."""

    async def remove_server_ban(self, kind: str, target: str) -> bool:
        """Delete the ban of ``kind`` on ``target``; ``False`` if there was none."""

    # -- read markers (draft/read-marker) --------------------------------------------------------

    async def read_markers(self, account: Folded) -> dict[Folded, float]:
        """Every read marker of ``account``: target to Unix time."""

    async def set_read_marker(self, account: Folded, target: Folded, when: float) -> float:
        """Move the marker of ``target`` forward to ``when``; a marker never goes back.
        Returns the marker as stored."""

    async def ping(self) -> None:
        """Answer a trivial query, to show the store is there (``/healthz``); raises when it
        is closed or cannot be reached."""

    async def close(self) -> None:
        """Release resources; only another ``close`` may follow, and it does nothing."""

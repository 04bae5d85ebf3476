"""The sans-I/O server: sessions in, bytes out, no sockets and no awaiting.

The transport calls :meth:`ServerCore.connect` for a new connection, :meth:`receive` with
whatever bytes arrive, :meth:`connection_lost` when the peer goes, and :meth:`tick` every few
seconds for timeouts. Everything the server says is written to the sessions' outboxes. Tests
drive the same object through an in-memory harness (tests/server/harness.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from chinwag import __version__
from chinwag.config import Config
from chinwag.protocol import caps, isupport
from chinwag.protocol import numerics as n
from chinwag.protocol.errors import EmptyMessage, ProtocolError
from chinwag.protocol.message import Message, parse
from chinwag.server import commands, presence
from chinwag.server.accounts import AccountRegistry, LoginThrottle
from chinwag.server.commands.accounts import enforce_nick_protection
from chinwag.server.dispatch import Context, dispatch
from chinwag.server.effects import Effects, ImmediateEffects
from chinwag.server.history import HistoryQueue
from chinwag.server.replies import (
    begin_batch,
    deliver,
    end_batch,
    event_tags,
    send,
    serialize_for,
    settle,
)
from chinwag.server.state import Network, Outbox, Session, User
from chinwag.storage.base import Store
from chinwag.storage.memory import MemoryStore

log = logging.getLogger("chinwag.server")

commands.load_all()

T = TypeVar("T")

MAX_HELD_LINES = 1000
"""Lines a session may send while one of its commands waits for the store; more is a flood."""

RELEASE_BYTES = 4096
"""Bytes of held lines handled per loop turn once the command they waited on is done: the
same slice the transport hands over per turn, so a paste that piled up during a wait is
fanned out in slices each member's outbox can drain, not in one go."""

_RELEASING = object()
"""``Session.waiting`` while held lines are being handled over several turns: lines that
arrive meanwhile queue behind them."""

HISTORY_RETRY_MAX = 30.0
"""Longest pause, in seconds, between attempts to store a batch the store refused."""

LOST_GRACE = 10.0
"""Seconds a session whose connection is gone may wait to handle the lines it sent."""

COMMIT_SPACING = 0.01
"""Seconds from the start of one history commit to the start of the next, at most one
commit per this while messages keep coming. A lone message is committed at once (the last
commit is long past); under sustained traffic each commit carries every message of its
spacing instead of one or two, which at 1000 messages/s cut the writer's system calls and
thread hand-offs from about 700 commits/s to 100, at the cost of up to this much more wait
for an echo that must be durable first."""


class ServerCore:
    """All server behaviour behind four entry points: connect, receive, connection_lost, tick.

    ``clock`` is the monotonic clock used for timeouts; tests pass their own. ``store`` keeps
    history and accounts (in memory unless given) and ``effects`` runs the work that waits for
    it (:mod:`chinwag.server.effects`; at once unless given, as the in-memory harness wants).
    """

    def __init__(
        self,
        config: Config,
        clock: Callable[[], float] = time.monotonic,
        store: Store | None = None,
        effects: Effects | None = None,
    ) -> None:
        self.config = config
        self.store: Store = store if store is not None else MemoryStore()
        self.effects: Effects = effects if effects is not None else ImmediateEffects()
        self.limits = config.limits
        self.name = config.server.name
        self.clock = clock
        self.network = Network(config.server.name, config.limits.whowas)
        self.version = f"chinwag-{__version__}"
        self.started = time.time()
        limits = config.limits
        self.isupport_lines = list(
            isupport.lines(
                isupport.SupportLimits(
                    network=config.server.network,
                    nicklen=limits.nicklen,
                    channellen=limits.channellen,
                    topiclen=limits.topiclen,
                    kicklen=limits.kicklen,
                    awaylen=limits.awaylen,
                    userlen=limits.userlen,
                    max_channels=limits.max_channels,
                    max_targets=limits.max_targets,
                    max_bans=limits.max_bans,
                    monitor=limits.monitor,
                    max_list_modes=limits.max_bans,
                    chathistory=config.history.chathistory_limit,
                ),
                config.server.name,
            )
        )
        self.cap_values = {
            caps.METADATA: caps.metadata_value(
                limits.metadata_max_subs, limits.metadata_max_keys, limits.metadata_max_value_bytes
            )
        }
        """Capability values that depend on the configuration, for ``CAP LS 302``."""
        self._next_id = 1
        self._doomed: list[tuple[Session, str]] = []
        self._shutting_down = False
        self.max_local_users = 0
        self.lusers_cache: tuple[float, tuple[int, int, int]] | None = None
        """When LUSERS last counted over every user, and the counts (see commands.info)."""
        self.accounts = AccountRegistry()
        """Every registered account; the application loads it from the store at start-up."""
        self.login_throttle = LoginThrottle(
            config.accounts.login_failures, config.accounts.login_window
        )
        self.nick_deadlines: dict[User, float] = {}
        """Users holding a registered nick without its login, and when they get renamed."""
        self.history = HistoryQueue(on_first=self._schedule_history_write)
        """Relayed messages on their way to the store, written in batches off the hot path."""
        self._history_busy = False
        self._last_commit = float("-inf")
        self._history_task: Awaitable[None] | None = None

    # -- entry points -------------------------------------------------------------------

    def connect(self, outbox: Outbox, ip: str, host: str | None = None) -> Session:
        """Start a session for a new connection from ``ip`` and return it."""
        shown = host or ip
        if shown.startswith(":"):
            # "::1" cannot be a middle parameter (WHO, WHOIS); show it as "0::1", as ircds do.
            shown = "0" + shown
        session = Session(self._next_id, outbox, ip, shown, self.clock())
        self._next_id += 1
        self.network.sessions[session.id] = session
        log.debug("session %d connected from %s", session.id, ip)
        return session

    def receive(self, session: Session, data: bytes) -> None:
        """Handle bytes received on ``session``: frame, parse and dispatch each line."""
        if session.closed:
            return
        session.last_activity = self.clock()
        session.ping_sent_at = None
        begin_batch()
        try:
            for item in session.framer.feed(data):
                if session.closed:
                    break
                if session.waiting is not None:
                    self._hold(session, item)
                elif isinstance(item, str):
                    self.handle_line(session, item)
                else:
                    self._refuse(session, item)
        finally:
            end_batch()
        self._reap()

    def connection_lost(self, session: Session, reason: str = "Connection closed") -> None:
        """The peer went away (or the socket broke): end the session as a quit.

        Lines it sent before going that still wait behind a deferred command (a JOIN's
        history, a login) are handled first, as if the peer were still there: ``printf
        'JOIN #a\r\nPRIVMSG #a :hi\r\n' | nc`` is heard. Replies to it are dropped.
        """
        if session.closed:
            pass
        elif session.waiting is not None and session.held_lines:
            if session.lost is None:
                session.lost = (reason, self.clock())
        else:
            self._end(session, reason)
        self._reap()

    def tick(self) -> None:
        """Enforce the registration and PING timeouts; call every few seconds."""
        now = self.clock()
        limits = self.limits
        for session in list(self.network.sessions.values()):
            if session.lost is not None:
                if now - session.lost[1] > LOST_GRACE:
                    self._end(session, session.lost[0])
                continue
            if session.user is None:
                if now - session.connected_at > limits.registration_timeout:
                    self.close(session, "Registration timed out")
                continue
            if session.ping_sent_at is not None:
                if now - session.ping_sent_at > limits.ping_timeout:
                    seconds = int(now - session.last_activity)
                    self.close(session, f"Ping timeout: {seconds} seconds")
            elif now - session.last_activity > limits.ping_interval:
                session.ping_sent_at = now
                send(session, Message("PING", (self.name,), self.name))
        if self.nick_deadlines:
            enforce_nick_protection(self)
        self._reap()

    def shutdown(self, reason: str = "Server shutting down") -> None:
        """Say goodbye to every session with ``ERROR`` and close them all.

        Nobody is sent anyone else's QUIT: everyone is leaving at once, and telling each of
        N users about the other N - 1 would be N² messages just when the server is stopping.
        """
        self._shutting_down = True
        for session in list(self.network.sessions.values()):
            self.close(session, reason, error_text=reason)
        self._reap()

    # -- used by handlers and outboxes -----------------------------------------------------

    def overflowed(self, session: Session) -> None:
        """An outbox went over its SendQ limit; the session is closed once the current work
        is done (never in the middle of a fan-out)."""
        self._doomed.append((session, "SendQ exceeded"))

    def close(self, session: Session, reason: str, error_text: str | None = None) -> None:
        """Close ``session`` on the server's initiative: ``ERROR``, a quit, then the socket."""
        if session.closed:
            return
        text = error_text or f"Closing Link: {session.host} ({reason})"
        goodbye = Message("ERROR", (text,))
        if session.gate:
            # Replies waiting for the disk (echoes of the last messages) go first.
            self.history.hold(session, 0, serialize_for(goodbye, session.tag_mask))
        else:
            send(session, goodbye)
        self._end(session, reason)

    def handle_line(self, session: Session, line: str) -> None:
        """Parse and dispatch one decoded line; errors get their reply, never a crash."""
        try:
            message = parse(line)
        except ProtocolError as error:
            self._refuse(session, error)
            return
        ctx = Context(self, session, message)
        try:
            dispatch(ctx)
        except Exception:
            self._internal_error(ctx)
            return
        self._finish(ctx)

    # -- deferred work (see Context.later) -------------------------------------------------

    def _finish(self, ctx: Context) -> None:
        """Send a command's replies, or start the work it waits for."""
        if ctx.pending is not None:
            self._start(ctx)
            return
        try:
            ctx.reply.flush()  # all or nothing: raises before writing if a reply is unsendable
        except Exception:
            self._internal_error(ctx)

    def _internal_error(self, ctx: Context) -> None:
        log.exception("session %d: error handling %s", ctx.session.id, ctx.message.command)
        if ctx.pending is not None:
            ctx.pending[0].close()
            ctx.pending = None
        ctx.reply.messages.clear()
        ctx.numeric(n.ERR_UNKNOWNERROR, ctx.message.command, "Internal error; try again")
        ctx.reply.flush()

    def _start(self, ctx: Context) -> None:
        assert ctx.pending is not None
        work, then, failed = ctx.pending
        ctx.pending = None
        session = ctx.session
        session.waiting = ctx

        def done(result: object, error: BaseException | None) -> None:
            self._resume(ctx, then, failed, result, error)

        self.effects.run(work, done)

    def _resume(
        self,
        ctx: Context,
        then: Callable[[Context, object], None],
        failed: Callable[[Context, Exception], None] | None,
        result: object,
        error: BaseException | None,
    ) -> None:
        session = ctx.session
        session.waiting = None
        if session.closed:
            session.held_lines = None
            return
        try:
            if error is None:
                then(ctx, result)
            elif failed is not None and isinstance(error, Exception):
                log.warning("session %d: %s failed: %r", session.id, ctx.message.command, error)
                failed(ctx, error)
            else:
                raise error
        except Exception:
            self._internal_error(ctx)
        else:
            self._finish(ctx)
        self._release_held(session)
        self._reap()

    def _hold(self, session: Session, item: str | ProtocolError) -> None:
        held = session.held_lines
        if held is None:
            held = session.held_lines = []
        if len(held) >= MAX_HELD_LINES:
            self.close(session, "Excess flood")
            return
        held.append(item)

    def _release_held(self, session: Session) -> None:
        """Handle the lines that arrived while the session waited, until it waits again or
        this turn's :data:`RELEASE_BYTES` are used up (then the rest goes next turn)."""
        held = session.held_lines
        budget = RELEASE_BYTES
        while held and session.waiting is None and not session.closed:
            if budget <= 0:
                session.waiting = _RELEASING
                self.effects.run(self.effects.next_turn(), lambda *_: self._go_on(session))
                return
            item = held.pop(0)
            if not held:
                session.held_lines = None
            if isinstance(item, str):
                budget -= len(item) + 2
                self.handle_line(session, item)
            elif isinstance(item, ProtocolError):
                self._refuse(session, item)
        lost = session.lost
        if lost is not None and not held and session.waiting is None and not session.closed:
            self._end(session, lost[0])

    def _go_on(self, session: Session) -> None:
        if session.waiting is _RELEASING:
            session.waiting = None
        begin_batch()
        try:
            self._release_held(session)
        finally:
            end_batch()
        self._reap()

    # -- history writes --------------------------------------------------------------------

    def _schedule_history_write(self) -> None:
        if not self._history_busy:
            self._history_busy = True
            self._history_task = self.effects.run(self._write_history(), self._history_written)

    async def _write_history(self) -> None:
        """Hand queued messages to the store in batches until the queue stays empty.

        A batch the store refuses is tried again, with growing pauses, until it is taken:
        its senders' echoes wait meanwhile, because telling them it was kept would be a lie.
        """
        # Let the current burst of lines finish queuing first: one write per burst.
        await self.effects.next_turn()
        while len(self.history):
            wait = self._last_commit + COMMIT_SPACING - self.clock()
            if wait > 0:
                await self.effects.coalesce(wait)
            self._last_commit = self.clock()
            seq, batch = self.history.drain()
            pause = 0.5
            while True:
                try:
                    await self.store.append(batch)
                    break
                except Exception:
                    log.exception("could not store %d messages; trying again", len(batch))
                    await self.effects.sleep(pause)
                    pause = min(pause * 2, HISTORY_RETRY_MAX)
            self.history.committed(seq)
            self._reap()

    def _history_written(self, result: object, error: BaseException | None) -> None:
        self._history_busy = False
        self._history_task = None
        if isinstance(error, Exception):  # not a cancellation at shutdown
            log.error("history writer stopped: %r", error)
        elif len(self.history):
            self._schedule_history_write()

    async def after_history(self, work: Awaitable[T], upto: int | None = None) -> T:
        """``work``'s result, once everything relayed before this call (or up to sequence
        number ``upto``) is in the store: a history query then sees the messages its sender
        has just said."""
        target = self.history.pushed_seq if upto is None else upto
        while self.history.committed_seq < target:
            writing = self.history_write()
            if writing is None:
                break
            await writing
            await self.effects.next_turn()
        return await work

    def history_write(self) -> Awaitable[None] | None:
        """The history write in progress (started if messages are waiting), or ``None`` when
        everything relayed is stored; the application's stop awaits it until ``None``."""
        if not self._history_busy and len(self.history):
            self._schedule_history_write()
        return self._history_task if self._history_busy else None

    # -- user lifecycle --------------------------------------------------------------------

    def add_user(self, session: Session, user: User) -> None:
        """Make ``user`` known to the network as reached through ``session``."""
        user.add_session(session)
        session.user = user
        self.network.users[user.folded] = user
        self.max_local_users = max(self.max_local_users, len(self.network.users))
        log.info("%s connected from %s", user.nick, session.ip)
        presence.monitor_online(self.network, user)

    def quit_user(self, user: User, reason: str) -> None:
        """Remove ``user`` from every channel and the network, telling those who share one."""
        network = self.network
        if not self._shutting_down:
            quit_ = Message("QUIT", (reason,), user.source, event_tags(user.account))
            deliver(network.neighbour_sessions(user), quit_)
        for channel in list(user.channels.values()):
            channel.remove_member(user)
            if not channel.members:
                del network.channels[channel.folded]
        user.channels.clear()
        network.remember(user)
        self.nick_deadlines.pop(user, None)
        if network.users.get(user.folded) is user:
            del network.users[user.folded]
        presence.monitor_offline(network, user.nick)
        log.info("%s left (%s)", user.nick, reason)

    # -- internals -------------------------------------------------------------------------

    def _refuse(self, session: Session, error: ProtocolError) -> None:
        if isinstance(error, EmptyMessage):
            return
        buffer = Context(self, session, Message(error.command)).reply
        if error.numeric == n.ERR_UNKNOWNERROR:
            buffer.numeric(error.numeric, error.command, error.description)
        elif error.numeric is not None:
            buffer.numeric(error.numeric, error.description)
        elif error.fail_code is not None:
            fail = Message("FAIL", (error.command, error.fail_code, error.description), self.name)
            buffer.add(fail)
        buffer.flush()

    def _end(self, session: Session, reason: str) -> None:
        session.closed = True
        self.network.sessions.pop(session.id, None)
        for nick in list(session.monitoring):
            presence.unwatch(self.network, session, nick)
        user = session.user
        if user is not None:
            user.remove_session(session)
            if not user.sessions:
                self.quit_user(user, reason)
        else:
            log.debug("session %d closed before registering (%s)", session.id, reason)
        if session.gate:
            self.history.hold(session, 0, None)  # closed once the held replies are out
        else:
            settle()  # what was relayed to the session before it closed still reaches it
            session.outbox.close()

    def _reap(self) -> None:
        settle()
        while self._doomed:
            session, reason = self._doomed.pop()
            self.close(session, reason)

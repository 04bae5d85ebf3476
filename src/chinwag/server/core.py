"""The sans-I/O server: lines in, outbox writes out, no sockets and no awaiting.

The transport calls :meth:`ServerCore.connect` for a new connection, :meth:`receive` with the
lines it framed, :meth:`overflowed` when an outbox passes its SendQ, :meth:`connection_lost`
when the peer goes, and :meth:`tick` every few seconds for timeouts. Everything the server
says goes through the core's one :class:`~chinwag.server.delivery.Delivery`. Tests drive the
same object through an in-memory harness (tests/server/harness.py).

The core owns the order of each session's commands: a command that waits for the store
(:meth:`~chinwag.server.context.Context.later`) holds the session's later lines until it is
done, so replies come in the order the commands were sent.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import time
from collections.abc import Callable, Iterable

from chinwag.config import Config
from chinwag.protocol import numerics as n
from chinwag.protocol.errors import EmptyMessage, ProtocolError
from chinwag.protocol.message import Message, parse
from chinwag.server import commands
from chinwag.server.accounts import AccountRegistry, LoginThrottle
from chinwag.server.context import Context
from chinwag.server.delivery import Delivery
from chinwag.server.deps import Deps, ServerFacts
from chinwag.server.dispatch import dispatch
from chinwag.server.effects import Effects
from chinwag.server.history import HistoryWriter
from chinwag.server.metrics import Metrics
from chinwag.server.replies import ReplyBuffer
from chinwag.server.services import alwayson
from chinwag.server.services.cloaks import cloak_host
from chinwag.server.services.nicks import enforce_nick_protection
from chinwag.server.services.presence import Presence
from chinwag.server.services.sessions import Sessions
from chinwag.server.state import Network, Outbox, Session, User
from chinwag.storage.base import AlwaysOnUser, SavedChannel, Store

log = logging.getLogger("chinwag.server")

commands.load_all()

Item = str | ProtocolError
"""One framed line: decoded text, or the error to refuse it with
(:func:`chinwag.protocol.framing.check_line`)."""

MAX_HELD_LINES = 1000
"""Lines a session may send while one of its commands waits for the store; more is a flood."""

RELEASE_BYTES = 4096
"""Bytes of held lines handled per loop turn once the command they waited on is done: the
same slice the transport hands over per turn, so a paste that piled up during a wait is
fanned out in slices each member's outbox can drain, not in one go."""

_RELEASING = object()
"""``Session.waiting`` while held lines are being handled over several turns: lines that
arrive meanwhile queue behind them."""

LOST_GRACE = 10.0
"""Seconds a session whose connection is gone may wait to handle the lines it sent."""


class ServerCore:
    """All server behaviour behind its entry points: connect, receive, overflowed,
    connection_lost, tick and shutdown.

    ``store`` keeps history and accounts; ``effects`` runs the work that waits for it
    (:mod:`chinwag.server.effects`: asyncio tasks in the application, at once in the
    in-memory harness); ``clock`` is the monotonic clock of timeouts (tests pass their own).
    ``cloak_key`` is the key of host cloaks when ``[server] cloak_secret`` is empty (the
    application's kept one); without either, a key lives as long as the core. Two cores share
    nothing but the command table.
    """

    def __init__(
        self,
        config: Config,
        store: Store,
        effects: Effects,
        clock: Callable[[], float] = time.monotonic,
        cloak_key: bytes | None = None,
    ) -> None:
        self.config = config
        self._cloak_key: bytes | None = None
        if config.server.cloak_hosts:
            self._cloak_key = (
                config.server.cloak_secret.encode() or cloak_key or secrets.token_bytes(32)
            )
        self.network = Network(config.server.name, config.limits.whowas)
        # network, _delivery, _sessions and _clock are the same objects as in deps below,
        # kept here too because every line received reaches them.
        self.metrics = Metrics()
        """The counters and histograms ``/metrics`` reads; the application registers what
        only it knows (open connections) with :meth:`Metrics.watch`."""
        counters = self.metrics.counters
        self._delivery = delivery = Delivery(counters)
        presence = Presence(self.network, delivery)
        nick_deadlines: dict[User, float] = {}
        # The writer tells the sessions when a commit released replies; the sessions tell
        # the writer who left. Each gets the other through a method, not a cycle of imports.
        history = HistoryWriter(
            store, effects, delivery, clock, self._reap, self.metrics.observe_commit
        )
        self._sessions = sessions = Sessions(
            self.network, delivery, presence, nick_deadlines, history
        )
        self.deps = Deps(
            config=config,
            facts=ServerFacts.from_config(config),
            clock=clock,
            network=self.network,
            delivery=delivery,
            history=history,
            store=store,
            effects=effects,
            accounts=AccountRegistry(),
            throttle=LoginThrottle(config.accounts.login_failures, config.accounts.login_window),
            presence=presence,
            sessions=sessions,
            nick_deadlines=nick_deadlines,
            counters=counters,
        )
        """Everything handlers use (:class:`~chinwag.server.deps.Deps`); the application
        loads ``deps.accounts`` from the store at start-up."""
        self._clock = clock
        self._always_on_saved: alwayson.Snapshot | None = None
        """The always-on users and their channels as last handed to the store
        (:meth:`save_always_on`)."""
        self._always_on_saving = False

    def reconfigure(self, config: Config) -> None:
        """Work with ``config`` from now on (a reload): handlers read settings through
        :attr:`deps`, so every later command sees the new MOTD, operators and limits;
        ISUPPORT and capability values are made anew for clients that register from now on;
        the always-on mode applies at once to the users here.
        The caller keeps what cannot change live as it was
        (:func:`chinwag.server.reloading.kept_until_restart`)."""
        facts = dataclasses.replace(
            ServerFacts.from_config(config), started=self.deps.facts.started
        )
        self.deps.throttle.limit = config.accounts.login_failures
        self.deps.throttle.window = config.accounts.login_window
        self.config = config
        self.deps = dataclasses.replace(self.deps, config=config, facts=facts)
        # A new [accounts] always_on applies to the users already here (issue 16): one no
        # longer always-on and without a session quits now.
        for user in list(self.network.users.values()):
            if user.account is not None:
                alwayson.refresh(self.deps, user)
                if user.always_on is None and not user.sessions:
                    alwayson.remove(self.deps, user, "Always-on turned off")

    def _reap(self) -> None:
        self._sessions.reap()

    @property
    def tls_port(self) -> int | None:
        """The port of the server's first ``tls`` listener, as bound: the ``port`` of the
        ``sts`` capability (``None`` until the application sets it)."""
        sts = self.deps.facts.sts
        return None if sts is None else sts.port

    @tls_port.setter
    def tls_port(self, port: int) -> None:
        sts = self.deps.facts.sts
        if sts is not None:
            sts.port = port

    # -- entry points -------------------------------------------------------------------

    def connect(
        self,
        outbox: Outbox,
        ip: str,
        host: str | None = None,
        *,
        secure: bool = False,
        certfp: str | None = None,
    ) -> Session:
        """Start a session for a new connection from ``ip`` writing to ``outbox``; others
        see its cloak (:func:`~chinwag.server.services.cloaks.cloak_host`) unless cloaking
        is off. ``secure``: the connection is encrypted; ``certfp``: the fingerprint of the
        client certificate it presented (:func:`chinwag.transport.certificates.certfp`)."""
        if self._cloak_key is not None:
            shown = cloak_host(ip, self._cloak_key)
        else:
            shown = host or ip
            if shown.startswith(":"):
                # "::1" cannot be a middle parameter (WHO, WHOIS): "0::1", as ircds do.
                shown = "0" + shown
        return self._sessions.open(outbox, ip, shown, self._clock(), secure=secure, certfp=certfp)

    def receive(self, session: Session, items: Iterable[Item]) -> None:
        """Handle lines received on ``session``, in order: parse and dispatch each."""
        if session.closed:
            return
        session.last_activity = self._clock()
        session.ping_sent_at = None
        delivery = self._delivery
        delivery.begin()
        try:
            for item in items:
                if session.closed:
                    break
                if session.waiting is not None:
                    self._hold(session, item)
                elif isinstance(item, str):
                    self.handle_line(session, item)
                else:
                    self._refuse(session, item)
        finally:
            delivery.end()
        self._sessions.reap()

    def overflowed(self, session: Session) -> None:
        """An outbox went over its SendQ limit; the session is closed once the current work
        is done (never in the middle of a fan-out)."""
        self.deps.counters.sendq_disconnects += 1
        self._sessions.doom(session, "SendQ exceeded")

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
                session.lost = (reason, self._clock())
        else:
            self._sessions.end(session, reason)
        self._sessions.reap()

    def tick(self) -> None:
        """Enforce the registration and PING timeouts and nick protection; call every few
        seconds."""
        now = self._clock()
        limits = self.config.limits
        sessions = self._sessions
        for session in list(self.network.sessions.values()):
            if session.lost is not None:
                if now - session.lost[1] > LOST_GRACE:
                    sessions.end(session, session.lost[0])
                continue
            if session.user is None:
                if now - session.connected_at > limits.registration_timeout:
                    sessions.close(session, "Registration timed out")
                continue
            if session.ping_sent_at is not None:
                if now - session.ping_sent_at > limits.ping_timeout:
                    seconds = int(now - session.last_activity)
                    sessions.close(session, f"Ping timeout: {seconds} seconds")
            elif now - session.last_activity > limits.ping_interval:
                session.ping_sent_at = now
                name = self.config.server.name
                self._delivery.send(session, Message("PING", (name,), name))
        if self.deps.nick_deadlines:
            enforce_nick_protection(self.deps)
        sessions.reap()
        self.save_always_on()

    def save_always_on(self) -> None:
        """Hand the always-on users and the state of their channels to the store if either
        changed since the last time (issue 16: they survive a restart, and a private room
        stays private); the ticker calls this, so a crash loses at most a tick's changes.
        One save at a time; a failed one is tried again next tick."""
        if self._always_on_saving:
            return
        now = alwayson.snapshot(self.network)
        if now == self._always_on_saved:
            return
        self._always_on_saving = True

        def done(_: object, error: BaseException | None) -> None:
            self._always_on_saving = False
            if error is None:
                self._always_on_saved = now
            else:
                log.error("could not save the always-on users: %r", error)

        saving = self.deps.store.save_always_on_users(now.users, now.channels)
        self.deps.effects.run(saving, done)

    def restore_always_on(
        self, saved: list[AlwaysOnUser], channels: list[SavedChannel]
    ) -> list[User]:
        """Put the always-on users saved before a restart back in their channels, made
        again as ``channels`` has them (the application calls this at start, before it
        listens); returns them."""
        self._always_on_saved = alwayson.Snapshot(tuple(saved), tuple(channels))
        return alwayson.restore(self.deps, saved, channels)

    def shutdown(self, reason: str = "Server shutting down") -> None:
        """Say goodbye to every session with ``ERROR`` and close them all.

        Nobody is sent anyone else's QUIT: everyone is leaving at once, and telling each of
        N users about the other N - 1 would be N² messages just when the server is stopping.
        """
        sessions = self._sessions
        sessions.shutting_down = True
        for session in list(self.network.sessions.values()):
            sessions.close(session, reason, error_text=reason)
        sessions.reap()

    # -- one line ----------------------------------------------------------------------------

    def handle_line(self, session: Session, line: str) -> None:
        """Parse and dispatch one decoded line; errors get their reply, never a crash."""
        try:
            message = parse(line)
        except ProtocolError as error:
            self._refuse(session, error)
            return
        ctx = Context(self.deps, session, message)
        try:
            dispatch(ctx)
        except Exception:
            self._internal_error(ctx)
            return
        self._finish(ctx)

    def _refuse(self, session: Session, error: ProtocolError) -> None:
        if isinstance(error, EmptyMessage):
            return
        name = self.config.server.name
        buffer = ReplyBuffer(session, self._delivery, name, None)
        if error.numeric == n.ERR_UNKNOWNERROR:
            buffer.numeric(error.numeric, error.command, error.description)
        elif error.numeric is not None:
            buffer.numeric(error.numeric, error.description)
        elif error.fail_code is not None:
            buffer.add(Message("FAIL", (error.command, error.fail_code, error.description), name))
        buffer.flush()

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
        self.deps.counters.handler_errors += 1
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
        ctx.session.waiting = ctx

        def done(result: object, error: BaseException | None) -> None:
            self._resume(ctx, then, failed, result, error)

        self.deps.effects.run(work, done)

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
        delivery = self._delivery
        delivery.begin()
        try:
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
        finally:
            delivery.end()
        self._sessions.reap()

    def _hold(self, session: Session, item: Item) -> None:
        held = session.held_lines
        if held is None:
            held = session.held_lines = []
        if len(held) >= MAX_HELD_LINES:
            self._sessions.close(session, "Excess flood")
            return
        held.append(item)

    def _release_held(self, session: Session) -> None:
        """Handle the lines that arrived while the session waited, until it waits again or
        this turn's :data:`RELEASE_BYTES` are used up (then the rest goes next turn)."""
        held = session.held_lines
        budget = RELEASE_BYTES
        effects = self.deps.effects
        while held and session.waiting is None and not session.closed:
            if budget <= 0:
                session.waiting = _RELEASING
                effects.run(effects.next_turn(), lambda *_: self._go_on(session))
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
            self._sessions.end(session, lost[0])

    def _go_on(self, session: Session) -> None:
        if session.waiting is _RELEASING:
            session.waiting = None
        delivery = self._delivery
        delivery.begin()
        try:
            self._release_held(session)
        finally:
            delivery.end()
        self._sessions.reap()

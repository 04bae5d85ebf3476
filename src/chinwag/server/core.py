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
import ipaddress
import logging
import time
from collections.abc import Callable, Coroutine, Iterable
from typing import Generic, TypeVar

from chinwag.config import Config
from chinwag.protocol import numerics as n
from chinwag.protocol.errors import EmptyMessage, ProtocolError
from chinwag.protocol.fakelag import TokenBucket, line_cost
from chinwag.protocol.message import Message, parse
from chinwag.server import commands, sources
from chinwag.server.accounts import AccountRegistry, LoginThrottle
from chinwag.server.context import Context
from chinwag.server.delivery import CROWD, Delivery
from chinwag.server.deps import Deps, ServerFacts
from chinwag.server.dispatch import dispatch
from chinwag.server.effects import Effects
from chinwag.server.history import HistoryWriter
from chinwag.server.metrics import Metrics
from chinwag.server.replies import ReplyBuffer
from chinwag.server.services import alwayson, chanreg
from chinwag.server.services.bans import reason_text
from chinwag.server.services.cloaks import cloak_host
from chinwag.server.services.connlimits import AddressLimiter
from chinwag.server.services.nicks import enforce_nick_protection
from chinwag.server.services.presence import Presence
from chinwag.server.services.sessions import Sessions
from chinwag.server.state import Network, Outbox, Session, User
from chinwag.storage.base import AlwaysOnUser, RegisteredChannel, SavedChannel, Store

log = logging.getLogger("chinwag.server")

T = TypeVar("T")

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

_LAGGED = object()
"""``Session.waiting`` while fakelag holds its lines (docs/security.md "Flood control"): the
first of them is due at ``Session.lagged_until``."""

EXCESS_FLOOD = "Excess Flood"
"""The quit reason of a session whose held lines passed ``[limits] flood_max_lag``."""

LOST_GRACE = 10.0
"""Seconds a session whose connection is gone may wait to handle the lines it sent."""


class _SavedWhenChanged(Generic[T]):
    """Hands a snapshot of some kept state to the store when it differs from the last one
    handed over (the ticker asks every tick; a crash loses at most a tick's changes): one
    save at a time, and a failed one is tried again next tick."""

    __slots__ = ("_effects", "_saved", "_saving", "_what")

    def __init__(self, effects: Effects, what: str) -> None:
        self._effects = effects
        self._what = what
        self._saved: T | None = None
        self._saving = False

    def saved(self, snapshot: T) -> None:
        """``snapshot`` is what the store holds already (it was just loaded from it)."""
        self._saved = snapshot

    def save(self, snapshot: T, write: Callable[[T], Coroutine[object, object, None]]) -> None:
        """Save ``snapshot`` with ``write`` unless it is what was saved last, or a save is
        still going on."""
        if self._saving or snapshot == self._saved:
            return
        self._saving = True

        def done(_: object, error: BaseException | None) -> None:
            self._saving = False
            if error is None:
                self._saved = snapshot
            else:
                log.error("could not save the %s: %r", self._what, error)

        self._effects.run(write(snapshot), done)


_CROWD_VERBS = frozenset({"JOIN", "NAMES", "WHO"})
"""The commands whose cost grows with the room they name (:meth:`ServerCore.crowd_work`)."""


class ServerCore:
    """All server behaviour behind its entry points: connect, receive, overflowed,
    connection_lost, tick and shutdown.

    ``store`` keeps history and accounts; ``effects`` runs the work that waits for it
    (:mod:`chinwag.server.effects`: asyncio tasks in the application, at once in the
    in-memory harness); ``clock`` is the monotonic clock of timeouts (tests pass their own).
    ``cloak_key`` is the key of host cloaks when ``[server] cloak_secret`` is empty (the
    application's kept one); without either, a key lives as long as the core. Two cores share
    nothing but the command table. ``local_effects``: what the history writer's batches run
    on when it is not ``effects`` (a cluster node replicates ``effects`` between nodes, but
    each node writes only what was said on it); ``local_clock``: the clock that spaces the
    history writer's commits when it is not ``clock`` (a node's own, not the log's).
    """

    def __init__(
        self,
        config: Config,
        store: Store,
        effects: Effects,
        clock: Callable[[], float] = time.monotonic,
        cloak_key: bytes | None = None,
        local_effects: Effects | None = None,
        local_clock: Callable[[], float] | None = None,
    ) -> None:
        self.config = config
        self._cloak_key: bytes | None = None
        if config.server.cloak_hosts:
            self._cloak_key = (
                config.server.cloak_secret.encode() or cloak_key or sources.token_bytes(32)
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
            store,
            effects if local_effects is None else local_effects,
            delivery,
            # Its commits are spaced in this process's own time: a cluster node's ``clock``
            # is the log's, which stands still between entries.
            clock if local_clock is None else local_clock,
            self._reap,
            self.metrics.observe_commit,
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
        self.limiter = AddressLimiter()
        """The open connections and recent connection times of each address
        (``[connections]``): :meth:`admit` and :meth:`release`."""
        self._flood_exempt = _FloodExempt(config)
        self._always_on: _SavedWhenChanged[alwayson.Snapshot] = _SavedWhenChanged(
            self.deps.effects, "always-on users"
        )
        """The always-on users and their channels as last handed to the store
        (:meth:`save_always_on`)."""
        self._registered: _SavedWhenChanged[tuple[RegisteredChannel, ...]] = _SavedWhenChanged(
            self.deps.effects, "registered channels"
        )
        """The registered channels as last handed to the store (:meth:`save_registered`)."""

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
        self._flood_exempt = _FloodExempt(config)
        self.deps = dataclasses.replace(self.deps, config=config, facts=facts)
        # A new [accounts] always_on applies to the users already here (issue 16): one no
        # longer always-on and without a session quits now.
        for user in list(self.network.users.values()):
            if user.account is not None:
                alwayson.refresh(self.deps, user)
                if user.always_on is None and not user.sessions:
                    alwayson.remove(self.deps, user, "Always-on turned off")

    def unready_reason(self) -> str | None:
        """Why this server should get no new connections now, in words for anyone to read
        (``/healthz``), or ``None``: one server on its own always can."""
        return None

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

    def admit(self, ip: str, *, rate: bool = True) -> tuple[str, str] | None:
        """A connection from ``ip`` was just accepted, nothing read from it yet: ``None``
        if it may go on (then counted, and :meth:`release` must follow when it ends), else
        why not: the ``/metrics`` reason (:data:`~chinwag.server.metrics.REFUSAL_REASONS`:
        an operator's ban on the address, ``UBAN``, or a full ``[connections]`` limit) and
        the ``ERROR`` text to close it with. ``rate=False``: not yet against the throttle
        (a web connection, which may only fetch the page; :meth:`admit_session` then)."""
        refused = self.deps.counters.connections_refused
        ban = self.deps.bans.for_address(ip, sources.now())
        if ban is not None:
            refused["banned"] += 1
            return "banned", f"Closing Link: {ip} ({reason_text(ban)})"
        limited = self.limiter.admit(ip, self.config.connections, self._clock(), rate=rate)
        return None if limited is None else self._refused(ip, limited)

    def admit_session(self, ip: str) -> tuple[str, str] | None:
        """A web connection :meth:`admit` let in with ``rate=False`` is opening a WebSocket,
        an IRC session: ``None``, or why the connection-rate throttle refuses it."""
        limited = self.limiter.check_rate(ip, self.config.connections, self._clock())
        return None if limited is None else self._refused(ip, limited)

    def _refused(self, ip: str, limited: tuple[str, str]) -> tuple[str, str]:
        reason, text = limited
        self.deps.counters.connections_refused[reason] += 1
        return reason, f"Closing Link: {ip} ({text})"

    def release(self, ip: str) -> None:
        """A connection :meth:`admit` let in has ended."""
        self.limiter.release(ip, self.config.connections)

    def connect(
        self,
        outbox: Outbox,
        ip: str,
        host: str | None = None,
        *,
        secure: bool = False,
        certfp: str | None = None,
        made: Session | None = None,
    ) -> Session:
        """Start a session for a new connection from ``ip`` writing to ``outbox``; others
        see its cloak (:func:`~chinwag.server.services.cloaks.cloak_host`) unless cloaking
        is off. ``secure``: the connection is encrypted; ``certfp``: the fingerprint of the
        client certificate it presented (:func:`chinwag.transport.certificates.certfp`).
        ``made``: the session object to start, if the caller made it already
        (:class:`chinwag.server.replica.ReplicatedCore`)."""
        if self._cloak_key is not None:
            shown = cloak_host(ip, self._cloak_key)
        else:
            shown = host or ip
            if shown.startswith(":"):
                # "::1" cannot be a middle parameter (WHO, WHOIS): "0::1", as ircds do.
                shown = "0" + shown
        now = self._clock()
        session = self._sessions.open(
            outbox, ip, shown, now, secure=secure, certfp=certfp, made=made
        )
        limits = self.config.limits
        if limits.fakelag and not self._flood_exempt.address(ip):
            session.flood = TokenBucket(limits.flood_burst, limits.flood_rate, now)
        return session

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

    def crowd_work(self, session: Session, item: Item) -> bool:
        """Whether handling ``item`` walks a crowd: a JOIN, NAMES or WHO naming a channel of
        :data:`~chinwag.server.delivery.CROWD` members or more, which costs the loop time in
        proportion to the room (a JOIN is told to every member, NAMES and WHO list them).

        A look at the state, changing nothing: the transport asks it of each line before
        handing it over, to space such lines out so that a JOIN storm in one room leaves the
        loop free between them for everyone else (issue 20). It must be cheap for the lines
        that are not (a PRIVMSG is told apart by its verb), and it may be wrong either way
        for an odd line, which then merely waits or does not.
        """
        if not isinstance(item, str) or session.user is None:
            return False
        line = item
        if line[:1] == "@":
            line = line.partition(" ")[2].lstrip(" ")
        if line[:1] == ":":
            line = line.partition(" ")[2].lstrip(" ")
        verb, _, rest = line.partition(" ")
        if verb.upper() not in _CROWD_VERBS:
            return False
        targets = rest.lstrip(" ").removeprefix(":").partition(" ")[0]
        network = self.network
        for name in targets.split(","):
            channel = network.find_channel(name) if name else None
            if channel is not None and len(channel.members) >= CROWD:
                return True
        return False

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
            due = session.lagged_until
            if due is not None and now >= due:
                # The timer of :meth:`_lag` releases them on time; this is the fallback
                # where there is none (the in-memory harness).
                self._unlag(session)
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
        self.limiter.prune(self.config.connections, now)
        self._forget_expired_bans()
        sessions.reap()
        self.save_always_on()
        self.save_registered()

    def _forget_expired_bans(self) -> None:
        """Bans that have run out leave the list, and the store (issue 17)."""
        deps = self.deps
        for ban in deps.bans.prune(sources.now()):
            log.info("the ban on %s %s has expired", ban.kind, ban.target)

            def done(_: object, error: BaseException | None) -> None:
                if error is not None:
                    log.error("could not delete an expired ban: %r", error)

            deps.effects.run(deps.store.remove_server_ban(ban.kind, ban.target), done)

    def save_always_on(self) -> None:
        """Hand the always-on users and the state of their channels to the store if either
        changed since the last time (issue 16: they survive a restart, and a private room
        stays private); the ticker calls this, so a crash loses at most a tick's changes."""
        store = self.deps.store
        self._always_on.save(
            alwayson.snapshot(self.network),
            lambda now: store.save_always_on_users(now.users, now.channels),
        )

    def save_registered(self) -> None:
        """Hand the registered channels to the store if any changed since the last time
        (issue 17: MODE, TOPIC and RENAME of a registered room survive a restart; ChanServ
        saves its own changes at once); the ticker calls this."""
        self._registered.save(
            chanreg.snapshot(self.network), self.deps.store.save_registered_channels
        )

    def restore_registered(self, saved: list[RegisteredChannel]) -> None:
        """Make the registered channels saved before a restart again (the application calls
        this at start, before the always-on users come back and before it listens)."""
        chanreg.restore(self.deps, saved)
        self._registered.saved(chanreg.snapshot(self.network))

    def restore_always_on(
        self, saved: list[AlwaysOnUser], channels: list[SavedChannel]
    ) -> list[User]:
        """Put the always-on users saved before a restart back in their channels, made
        again as ``channels`` has them (the application calls this at start, before it
        listens); returns them."""
        self._always_on.saved(alwayson.Snapshot(tuple(saved), tuple(channels)))
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
        bucket = session.flood
        if bucket is not None:
            in_batch = session.multiline is not None and "batch" in message.tags
            wait = bucket.charge(line_cost(message.command, in_batch), self._clock())
            if wait > 0.0 and not self._flood_exempt.session(session):
                self._lag(session, message, wait)
                return
        self.handle_message(session, message)

    def handle_message(self, session: Session, message: Message) -> None:
        """Dispatch one parsed line (fakelag already charged for it)."""
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
        work, then, failed, settle = ctx.pending
        ctx.pending = None
        ctx.session.waiting = ctx

        def done(result: object, error: BaseException | None) -> None:
            if settle is not None:
                try:
                    settle(result, error)
                except Exception:
                    log.exception("session %d: error settling %s", ctx.session.id, ctx.message)
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
            self._excess_flood(session)
            return
        if session.waiting is _LAGGED:
            # Lines read while fakelag holds the session: each costs about a line, so the
            # ones waiting put it len(held) / rate seconds further behind. Past the hard
            # limit the peer is not slowing down for us: cut it off (RFC 1459 8.10).
            bucket = session.flood
            if bucket is not None:
                limits = self.config.limits
                behind = bucket.lag(self._clock()) + (len(held) + 1) / bucket.rate
                if behind > limits.flood_max_lag:
                    self._excess_flood(session)
                    return
        held.append(item)

    def _excess_flood(self, session: Session) -> None:
        self.deps.counters.excess_flood_disconnects += 1
        session.held_lines = None
        self._sessions.close(session, EXCESS_FLOOD)

    # -- fakelag (docs/security.md "Flood control") -------------------------------------

    def _lag(self, session: Session, message: Message, wait: float) -> None:
        """Hold ``message`` (and every later line of the session) for ``wait`` seconds: the
        session sent faster than its allowance. The transport sees ``lagged_until`` and
        stops reading from the peer until :meth:`_unlag` has handled what it holds."""
        if wait > self.config.limits.flood_max_lag:
            self._excess_flood(session)
            return
        self.deps.counters.lines_delayed += 1
        due = self._clock() + wait
        session.waiting = _LAGGED
        session.lagged_until = due
        held = session.held_lines
        if held is None:
            session.held_lines = [message]
        else:
            held.insert(0, message)

        def due_now() -> None:
            if session.lagged_until == due:
                self._unlag(session)

        self.deps.effects.call_later(wait, due_now)

    def _unlag(self, session: Session) -> None:
        """The held line's turn came: handle the lines fakelag held, in order, until the
        session is ahead of its allowance again; then let the transport read on."""
        if session.waiting is not _LAGGED:
            return
        session.waiting = None
        session.lagged_until = None
        if session.closed:
            session.held_lines = None
            return
        delivery = self._delivery
        delivery.begin()
        try:
            self._release_held(session)
        finally:
            delivery.end()
        self._sessions.reap()
        reader = session.reader
        if session.waiting is None and not session.closed and reader is not None:
            reader.resume_input()

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
            elif isinstance(item, Message):
                # The line fakelag held: charged when it first came.
                budget -= 64
                self.handle_message(session, item)
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


class _FloodExempt:
    """Who fakelag never delays (``[limits] flood_exempt_cidrs`` and
    ``flood_exempt_accounts``, and IRC operators); asked only when a line would wait, so
    the common path pays nothing for it."""

    __slots__ = ("_accounts", "_networks")

    def __init__(self, config: Config) -> None:
        limits = config.limits
        self._networks = tuple(
            ipaddress.ip_network(cidr, strict=False) for cidr in limits.flood_exempt_cidrs
        )
        self._accounts = frozenset(name.casefold() for name in limits.flood_exempt_accounts)

    def address(self, ip: str) -> bool:
        """Whether connections from ``ip`` are exempt."""
        if not self._networks:
            return False
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(address in network for network in self._networks)

    def session(self, session: Session) -> bool:
        """Whether ``session`` is exempt now: its user is an operator or logged in to an
        exempt account."""
        user = session.user
        if user is None:
            return False
        if user.is_oper:
            return True
        account = user.account
        return account is not None and account.casefold() in self._accounts

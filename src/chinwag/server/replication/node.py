"""One node of a cluster: the server core, driven by the network's log (docs/scaling.md).

Every node holds the whole network: every user, channel and session, wherever its
connection is. Nothing a node's connections do changes its state directly. The node appends
what happened (:mod:`chinwag.server.replication.codec`) to the network log, and every node,
this one too, applies the log's entries in the log's order to the same
:class:`~chinwag.server.core.ServerCore` code. Equal inputs in equal order give equal
state, so the network agrees on everything without asking anyone: two nodes racing for a
nick are ordered by the log, and the second gets ``433`` everywhere; a room's messages reach
every member in the log's order, whichever nodes they are on.

What keeps the replicas equal:

- the clock of an entry is the log's (the time it was appended), and randomness comes from
  a generator seeded with the epoch's secret and the entry's id
  (:mod:`chinwag.server.sources`), so msgids, SCRAM nonces and verification codes agree;
- deferred work runs on the node whose entry started it, and its outcome travels in the log
  (:class:`~chinwag.server.replication.effects.ReplicatedEffects`);
- each node writes only its own connections; the others have an outbox that drops
  everything (:class:`~chinwag.server.state.NullOutbox`), left out of channels' fan-out
  lists, and history is stored by the node where it was said.

The log is the sequencer and the node leases are the failure detector
(:mod:`chinwag.cluster`): when a node's lease lapses, one survivor appends ``node-lost`` and
every node ends that node's sessions at that point of the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from chinwag.cluster.base import (
    READ_LIMIT,
    Entry,
    Joined,
    LeaseLost,
    LogUnavailable,
    NetworkLog,
    position,
)
from chinwag.config import Config
from chinwag.protocol.casemap import fold
from chinwag.protocol.message import Message
from chinwag.server import sources
from chinwag.server.core import Item, ServerCore
from chinwag.server.effects import AsyncioEffects
from chinwag.server.replication.codec import adopt, decode, decode_state, encode, encode_state
from chinwag.server.replication.effects import ReplicatedEffects
from chinwag.server.state import NULL_OUTBOX, Channel, Outbox, Session
from chinwag.storage.base import Store

log = logging.getLogger("chinwag.cluster")

LOG_GONE = (
    "This server has lost touch with the rest of the network; what you send waits until it "
    "is back (nothing is lost)."
)
LOG_BACK = "This server is in touch with the network again."

UNREACHABLE = "Closing Link: this server cannot reach its network just now, try another or later"

SNAPSHOT_ENTRIES = 20_000
"""Entries applied between two snapshots (at most; a snapshot waits for a quiet moment)."""

SNAPSHOT_SECONDS = 600.0
"""Seconds between two snapshots while anything at all happens."""

READ_BLOCK = 1.0
"""Seconds one read of the log waits for an entry before asking again."""

RETRY_PAUSE = 0.5
"""Seconds between attempts to reach the log while it is unreachable."""

CONNECTION_SLICE = 4096
"""Bytes of one connection's lines applied per loop turn at most: what the link hands a core
per turn (``chinwag.transport.link.RECEIVE_SLICE``; the transport sits above the core, so the
number is repeated here and a test holds the two equal)."""

APPLY_SLICE = 65536
"""Bytes of log entries applied per loop turn at most, and of one connection's lines at most
what the link hands the core per turn (:data:`CONNECTION_SLICE`): outboxes flush between turns, as
on a node on its own. Applying a whole read (hundreds of entries) in one turn would queue it
all to every reader at once, and a healthy reader with a small SendQ would be cut off for it;
4 KiB a turn whatever the source flushed so often that the two-node fan-out lost a fifth of
its deliveries per CPU-second, and a node behind by many small entries of one sender (each
its own ``lines`` entry) fell further behind taking one a turn (bench/cluster.py)."""


class _OnlyOwnInfo(logging.Filter):
    """Passes the server's INFO lines (connects, joins, quits) only for what happened on this
    node: every node applies everything, and each node's log should tell its own story, not
    repeat the network's N times. Warnings and errors always pass."""

    def __init__(self) -> None:
        super().__init__()
        self.remote = False

    def filter(self, record: logging.LogRecord) -> bool:
        return not self.remote or record.levelno >= logging.WARNING


Restore = Callable[[], Awaitable[dict[str, Any]]]
"""Loads the kept state from the store (:meth:`ReplicatedCore.join`)."""


class ReplicatedCore(ServerCore):
    """A :class:`~chinwag.server.core.ServerCore` whose entry points append to the network
    log instead of acting, and which acts when it applies the log (module docstring).

    Transports use it exactly like a core: :meth:`connect` returns the session at once
    (numbered when the log orders the connection), :meth:`receive` hands over lines. It is
    ready for connections once :meth:`join` returns.
    """

    def __init__(
        self,
        config: Config,
        store: Store,
        local_effects: AsyncioEffects,
        network_log: NetworkLog,
        cloak_key: bytes | None = None,
    ) -> None:
        self.node = network_log.node
        """This node's name in the log."""
        self._log = network_log
        self._now = time.time()
        self._origin = self.node
        self._secret = b""
        self._replicated = ReplicatedEffects(
            local_effects, self.node, lambda: self._origin, self._publish
        )
        super().__init__(
            config,
            store,
            self._replicated,
            self._log_clock,
            cloak_key=cloak_key,
            local_effects=local_effects,
            local_clock=time.monotonic,
        )
        self._log_filter = _OnlyOwnInfo()
        logging.getLogger("chinwag.server").addFilter(self._log_filter)
        self._outgoing: list[bytes] = []
        self._wake = asyncio.Event()
        self._appending = False
        self._flushed = asyncio.Event()
        """Set whenever everything appended so far has reached the log."""
        self._keys: dict[Session, str] = {}
        """This node's own sessions and their names in the log."""
        self._made: dict[str, Session] = {}
        """This node's sessions whose opening the log has not ordered yet."""
        self._sequence = 0
        self._seen: dict[str, int] = {}
        """The last sequence number applied of each node: an append retried after a lost
        answer may have reached the log twice, and the second copy is skipped."""
        self._connections = 0
        self._by_key: dict[str, Session] = {}
        """Every session of the network by its name in the log (``node/number``)."""
        self._by_node: dict[str, dict[str, Session]] = {}
        self._applied = ""
        self._restored = asyncio.Event()
        self._left = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.fenced: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        """Done with a reason when this node must stop serving (the network declared it lost,
        or its log went away for good)."""
        self.lease_rtt = 0.0
        """Seconds the last lease renewal took (a Redis round trip, for ``/metrics``)."""
        self.lease_renewed_at = time.monotonic()
        self.nodes_seen = 1
        """Nodes holding a lease at the last look."""
        self.entries_applied = 0
        self.snapshot_loaded: str | None = None
        """The log position of the snapshot this node started from, if it did."""
        self.snapshots_taken = 0
        self._since_snapshot = 0
        self._snapshot_at = time.monotonic()
        self._snapshotting = False
        self._first_node = True
        """Whether this node is the one that ticks and takes snapshots: the first of the live
        nodes by name, at the last look (two doing it for a moment is harmless: a tick more,
        and the log keeps the later snapshot)."""
        self._in_touch_since: float | None = time.monotonic()
        """When this node's lease renewals last began to succeed without a break (None while
        the log is unreachable): others' leases are judged only a lease after it."""
        self.log_reachable = True
        """False while appends or reads fail (the node says so to its users and refuses new
        connections meanwhile)."""

    @property
    def applied_position(self) -> str:
        """The id of the last log entry this node applied (``""`` before the first)."""
        return self._applied

    @property
    def entries_waiting(self) -> int:
        """Entries made here that the log has not taken yet."""
        return len(self._outgoing)

    # -- the clock and randomness of the entry being applied --------------------------

    def _log_clock(self) -> float:
        return self._now

    # -- joining -----------------------------------------------------------------------

    async def join(self, joined: Joined, restore: Restore) -> None:
        """Take part in the network: if this node began the epoch, load the kept state with
        ``restore`` and append it first; then apply the log from its start until it is
        caught up. The caller listens once this returns."""
        self._secret = joined.secret
        if self._cloak_key is not None and not self.config.server.cloak_secret:
            # Every node must cloak an address alike: the epoch's secret makes the key.
            self._cloak_key = hmac.new(joined.secret, b"cloak", hashlib.sha256).digest()
        if joined.created:
            self._publish(("restore", await restore()))
        else:
            kept = await self._log.snapshot()
            if kept is not None:
                self._load_snapshot(kept.position, kept.data)
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self._append_forever()))
        await self._catch_up()
        self._tasks.append(loop.create_task(self._read_forever()))
        self._tasks.append(loop.create_task(self._keep_lease_forever()))
        log.info("node %s joined epoch %s", self.node, joined.epoch)

    async def _catch_up(self) -> None:
        """Apply the log until the kept state is in and a read reached the log's end.

        A read short of :data:`READ_LIMIT` ended at the end of the log as it was then: that
        is caught up, although other nodes keep appending (their ticks alone come every few
        seconds, so waiting for a read that finds nothing at all may never end on a busy
        network); what comes after is applied by the reader like everything else."""
        while True:
            entries = await self._read(0.2 if self._restored.is_set() else READ_BLOCK)
            self._apply_all(entries)
            if len(entries) < READ_LIMIT and self._restored.is_set():
                return

    # -- appending -----------------------------------------------------------------------

    def _publish(self, entry: tuple[Any, ...]) -> None:
        """Append ``entry`` after everything this node appended before (soon, in a batch
        with whatever else this loop turn appends)."""
        self._sequence += 1
        self._outgoing.append(encode(entry, self._sequence))
        self._flushed.clear()
        self._wake.set()

    async def _append_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._outgoing = self._outgoing, []
            self._appending = True
            while batch:
                try:
                    await self._log.append(batch)
                    batch = []
                    self._reachable(True)
                except LogUnavailable as error:
                    log.warning("cannot append to the network log (%s); trying again", error)
                    self._reachable(False)
                    await asyncio.sleep(RETRY_PAUSE)
                except LeaseLost as error:
                    self._fence(f"the network log refused this node: {error}")
                    return
            self._appending = False
            if not self._outgoing:
                self._flushed.set()

    # -- reading and applying --------------------------------------------------------

    async def _read(self, block: float) -> list[Entry]:
        while True:
            try:
                entries = await self._log.read(self._applied or "0", block)
            except LogUnavailable as error:
                log.warning("cannot read the network log (%s); trying again", error)
                self._reachable(False)
                await asyncio.sleep(RETRY_PAUSE)
            else:
                self._reachable(True)
                return entries

    def _reachable(self, reachable: bool) -> None:
        """Note whether the log answers; when that changes, tell this node's users (their
        lines wait meanwhile: nothing is done that the rest of the network would not see)."""
        if reachable == self.log_reachable:
            return
        self.log_reachable = reachable
        if not reachable:
            self._in_touch_since = None  # the lease loop waits a lease before judging others
        if reachable:
            log.info("node %s reaches the network log again", self.node)
            self._notice_local(LOG_BACK)
        else:
            log.error("node %s cannot reach the network log", self.node)
            self._notice_local(LOG_GONE)

    def _notice_local(self, text: str) -> None:
        name = self.config.server.name
        for session in list(self._keys):
            if session.id >= 0 and not session.closed:
                target = session.user.nick if session.user is not None else "*"
                self._delivery.send(session, Message("NOTICE", (target, text), name))

    async def _read_forever(self) -> None:
        try:
            while True:
                entries = await self._read(READ_BLOCK)
                turn: dict[str, int] = {}
                size = 0
                for entry in entries:
                    decoded = self._decoded(entry)
                    if decoded is None:
                        continue
                    sequence, what = decoded
                    length = len(entry.data)
                    key = what[1] if what[0] == "lines" else ""
                    spent = turn.get(key, 0)
                    if size + length > APPLY_SLICE or (key and spent + length > CONNECTION_SLICE):
                        # Outboxes flush before the next slice (APPLY_SLICE).
                        turn.clear()
                        size = spent = 0
                        await asyncio.sleep(0)
                    turn[key] = spent + length
                    size += length
                    self._apply_decoded(entry, sequence, what)
                self._maybe_snapshot()
        except LeaseLost as error:  # EpochLost: the log this state was built from is gone
            self._fence(f"the network log is gone: {error}")

    def _apply_all(self, entries: Iterable[Entry]) -> None:
        for entry in entries:
            decoded = self._decoded(entry)
            if decoded is not None:
                self._apply_decoded(entry, *decoded)

    def _decoded(self, entry: Entry) -> tuple[int | None, tuple[Any, ...]] | None:
        try:
            return decode(entry.data)
        except ValueError:
            self._applied = entry.id  # nothing any node can apply: every node skips it
            log.error("node %s: log entry %s is not one chinwag wrote", self.node, entry.id)
            return None

    def _apply_decoded(self, entry: Entry, sequence: int | None, what: tuple[Any, ...]) -> None:
        self._applied = entry.id
        try:
            self.apply(entry, sequence, what)
        except Exception:
            log.exception("node %s: could not apply log entry %s", self.node, entry.id)

    # -- snapshots (docs/scaling.md "Snapshots") -------------------------------------------

    def _maybe_snapshot(self, force: bool = False) -> bool:
        """Take a snapshot if it is time, this node is the one to, and nothing is half done
        (no deferred work or timer pending: their continuations cannot be written down)."""
        due = (
            self._since_snapshot >= SNAPSHOT_ENTRIES
            or time.monotonic() - self._snapshot_at >= SNAPSHOT_SECONDS
        )
        if not force and not (due and self._first_node and self._since_snapshot):
            return False
        if self._snapshotting or self._replicated.pending or not self._applied:
            return False
        position, data = self._applied, encode_state(self._state())
        self._since_snapshot = 0
        self._snapshot_at = time.monotonic()
        self._snapshotting = True
        task = asyncio.get_running_loop().create_task(self._save_snapshot(position, data))
        self._tasks.append(task)
        return True

    def snapshot_now(self) -> asyncio.Task[None] | None:
        """Take a snapshot now if nothing is half done (tests, and an operator's tool); the
        task that keeps it, or ``None`` when it could not be taken now."""
        if not self._maybe_snapshot(force=True):
            return None
        return self._tasks[-1]

    async def _save_snapshot(self, position: str, data: bytes) -> None:
        try:
            if await self._log.save_snapshot(position, data):
                self.snapshots_taken += 1
                log.info("snapshot at %s: %d bytes", position, len(data))
        except (LogUnavailable, LeaseLost) as error:
            log.warning("could not keep a snapshot: %s", error)
        finally:
            self._snapshotting = False

    def _state(self) -> dict[str, Any]:
        """Everything every node holds alike, for a snapshot (what
        :func:`chinwag.server.digest.describe` compares, and the counters that keep
        numbering the same)."""
        deps = self.deps
        return {
            "network": self.network,
            "accounts": deps.accounts,
            "throttle": deps.throttle,
            "pending_accounts": deps.pending_accounts,
            "bans": deps.bans,
            "nick_deadlines": deps.nick_deadlines,
            "next_session": self._sessions.next_id,
            "next_work": self._replicated.next_number,
            "seen": self._seen,
            "sessions": {key: s.id for key, s in self._by_key.items() if not s.closed},
        }

    def _load_snapshot(self, position: str, data: bytes) -> None:
        """Start from the snapshot after entry ``position`` instead of the log's start."""
        state = decode_state(data, NULL_OUTBOX)
        deps = self.deps
        adopt(self.network, state["network"])
        adopt(deps.accounts, state["accounts"])
        adopt(deps.throttle, state["throttle"])
        adopt(deps.pending_accounts, state["pending_accounts"])
        adopt(deps.bans, state["bans"])
        deps.nick_deadlines.clear()
        deps.nick_deadlines.update(state["nick_deadlines"])
        self._sessions.next_id = state["next_session"]
        self._replicated.next_number = state["next_work"]
        self._seen = dict(state["seen"])
        for session in self.network.sessions.values():
            session.gate = None  # replies held for another node's connection
        for channel in self.network.channels.values():
            channel.member_sessions_changed()  # its list held the writer's own sessions
        for key, number in state["sessions"].items():
            session = self.network.sessions[number]
            self._by_key[key] = session
            self._by_node.setdefault(key.rpartition("/")[0], {})[key] = session
        self._applied = position
        self.snapshot_loaded = position
        self._restored.set()
        log.info("node %s starts from the snapshot at %s", self.node, position)

    def apply(self, entry: Entry, sequence: int | None, what: tuple[Any, ...]) -> None:
        """Apply one entry of the log (decoded: its ``sequence`` number and ``what``
        happened on ``entry.node``), at the log's time."""
        if sequence is not None:
            if sequence <= self._seen.get(entry.node, 0):
                return
            self._seen[entry.node] = sequence
        self.entries_applied += 1
        self._since_snapshot += 1
        self._now = entry.millis / 1000.0
        self._origin = entry.node
        self.deps.history.keeping = entry.node == self.node
        # The epoch's secret (32 bytes, so the join is unambiguous) and the entry's id: the
        # sources key their generator with it (an HMAC key), unpredictable without the secret.
        seed = self._secret + entry.id.encode()
        self._log_filter.remote = entry.node != self.node
        previous = sources.use(sources.SeededSources(seed, self._log_clock))
        try:
            self._apply(entry.node, what)
        finally:
            sources.use(previous)
            self._log_filter.remote = False

    def _apply(self, origin: str, what: tuple[Any, ...]) -> None:
        kind = what[0]
        if kind == "lines":
            session = self._by_key.get(what[1])
            if session is not None:
                ServerCore.receive(self, session, what[2])
                reader = session.reader
                if reader is not None and session.lagged_until is not None:
                    # One of ours: fakelag holds it, so stop reading from the peer.
                    reader.hold_input()
        elif kind == "done":
            self._replicated.ended(what[1], what[2], what[3], self._resolve)
        elif kind == "connect":
            self._apply_connect(origin, *what[1:])
        elif kind == "lost":
            session = self._by_key.get(what[1])
            if session is not None:
                ServerCore.connection_lost(self, session, what[2])
                self._forget(what[1], session)
        elif kind == "overflow":
            session = self._by_key.get(what[1])
            if session is not None:
                ServerCore.overflowed(self, session)
                # On one node the overflow comes during some work, which closes the session
                # when it ends; here the entry is that work. Left doomed, the session would
                # quit for whatever came next ("Connection closed"), not for its SendQ.
                self._sessions.reap()
        elif kind == "timer":
            self._replicated.fired(what[1])
        elif kind == "tick":
            ServerCore.tick(self)
            self._forget_closed()
        elif kind == "node-lost":
            name = what[1].rpartition("~")[0] or what[1]  # its name without the suffix
            self._end_node(what[1], f"{name} lost", error_text=None)
        elif kind == "node-left":
            self._end_node(what[1], what[2], error_text=what[2])
            if what[1] == self.node:
                self._left.set()
        elif kind == "restore":
            self._apply_restore(what[1])
        elif kind == "config":
            ServerCore.reconfigure(self, what[1])
            log.info("node %s applies the configuration %s re-read", self.node, origin)

    def _resolve(self, kind: str, key: Any) -> object:
        """The object of this node's state a reference in a ``done`` entry names."""
        network = self.network
        if kind == "channel":
            channel = network.channels.get(key)
            # A channel that emptied meanwhile: a detached one of that name, as on every node.
            return channel if channel is not None else Channel(key)
        found: object = None
        if kind == "user":
            found = network.tokens.get(key)
        elif kind == "session":
            found = network.sessions.get(key)
        elif kind == "network":
            found = network
        if found is None:
            raise LookupError(f"{kind} {key!r}")
        return found

    def _apply_connect(
        self, origin: str, key: str, ip: str, secure: bool, certfp: str | None
    ) -> None:
        made = None
        if origin == self.node:
            made = self._made.pop(key, None)
            if made is None:  # the connection is already gone here
                return
        # A session made here keeps the outbox it was made with; the others drop everything.
        session = ServerCore.connect(self, NULL_OUTBOX, ip, secure=secure, certfp=certfp, made=made)
        self._by_key[key] = session
        self._by_node.setdefault(origin, {})[key] = session

    def _apply_restore(self, kept: dict[str, Any]) -> None:
        deps = self.deps
        deps.accounts.load(kept["accounts"])
        deps.bans.load(kept["bans"])
        self.restore_registered(kept["registered"])
        users = self.restore_always_on(kept["always_on"], kept["always_on_channels"])
        markers = kept["read_markers"]
        for user in users:
            for target, when in markers.get(fold(user.account or ""), {}).items():
                user.move_marker(target, when)
        self._restored.set()

    def _end_node(self, node: str, reason: str, error_text: str | None) -> None:
        """``node`` is gone: its work fails, and its sessions end (each user with a quit
        everyone sees, unless always-on) at this point of the log."""
        self._replicated.node_lost(node)
        sessions = self._sessions
        delivery = self._delivery
        delivery.begin()
        try:
            for key, session in list(self._by_node.pop(node, {}).items()):
                self._by_key.pop(key, None)
                if not session.closed:
                    sessions.close(session, reason, error_text=error_text)
        finally:
            delivery.end()
        sessions.reap()

    def _forget(self, key: str, session: Session) -> None:
        if session.closed:
            self._by_key.pop(key, None)
            node = key.rpartition("/")[0]
            self._by_node.get(node, {}).pop(key, None)
            self._keys.pop(session, None)

    def _forget_closed(self) -> None:
        for key, session in list(self._by_key.items()):
            self._forget(key, session)

    # -- the entry points, as transports call them ---------------------------------------

    def unready_reason(self) -> str | None:
        """Unready while the network's log cannot be reached (a load balancer then sends
        new clients to another node)."""
        return None if self.log_reachable else "this node cannot reach its network"

    def admit(self, ip: str, *, rate: bool = True) -> tuple[str, str] | None:
        """As :meth:`ServerCore.admit`, and no new connection while the log is unreachable:
        it could not even register."""
        if not self.log_reachable:
            self.deps.counters.connections_refused["unreachable"] += 1
            return "unreachable", UNREACHABLE
        return ServerCore.admit(self, ip, rate=rate)

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
        """A connection opened here: append it, and return its session now (it is numbered
        and started when the log orders it)."""
        self._connections += 1
        key = f"{self.node}/{self._connections}"
        session = Session(-1, outbox, ip, ip, self._now, secure=secure, certfp=certfp)
        self._made[key] = session
        self._keys[session] = key
        self._publish(("connect", key, ip, secure, certfp))
        return session

    def receive(self, session: Session, items: Iterable[Item]) -> None:
        """Lines from a connection here: append them."""
        key = self._keys.get(session)
        if key is not None and not session.closed:
            self._publish(("lines", key, list(items)))

    def overflowed(self, session: Session) -> None:
        """A connection here passed its SendQ: append that."""
        key = self._keys.get(session)
        if key is not None and not session.closed:
            self._publish(("overflow", key))

    def connection_lost(self, session: Session, reason: str = "Connection closed") -> None:
        """A connection here closed: append that."""
        key = self._keys.pop(session, None)
        if key is not None:
            self._publish(("lost", key, reason))

    def reconfigure(self, config: Config) -> None:
        """This node re-read its configuration: every node applies it at the same point of
        the log, so the network keeps deciding alike (docs/scaling.md "Reload")."""
        self._publish(("config", config))

    def tick(self) -> None:
        """The application's ticker: the first live node appends a tick, and every node
        checks timeouts at that point, at the log's time. One node ticking is enough (each
        tick walks every session of the network on every node); if it dies, the next first
        node takes over at its next lease renewal."""
        if self._first_node:
            self._publish(("tick",))

    def shutdown(self, reason: str = "Server shutting down") -> None:
        """Stopping this node: its own sessions get ``ERROR`` and their users quit (the
        rest of the network carries on). :meth:`leave` does the work; this only starts it."""
        self._leaving = asyncio.get_running_loop().create_task(self.leave(reason))

    async def leave(self, reason: str, timeout: float = 5.0) -> None:
        """Leave the network: append ``node-left`` and give up the lease in one step, then
        wait until this node has applied it (its sessions are closed then)."""
        try:
            # What this node appended before (a connection just opened, its first lines)
            # goes in before the node-left, so those sessions end with ERROR like the rest.
            if self._outgoing or self._appending:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._flushed.wait(), timeout)
            await self._log.leave(encode(("node-left", self.node, reason), None))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._left.wait(), timeout)
        except (LogUnavailable, LeaseLost) as error:
            log.warning("node %s could not leave the network cleanly: %s", self.node, error)
            ServerCore.shutdown(self, reason)
        await self.close()

    async def close(self) -> None:
        """Stop reading and appending (after :meth:`leave`, or when fenced)."""
        logging.getLogger("chinwag.server").removeFilter(self._log_filter)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    # -- the lease --------------------------------------------------------------------

    async def _keep_lease_forever(self) -> None:
        lease = self._log.lease
        self._in_touch_since = time.monotonic()
        while True:
            await asyncio.sleep(lease / 3)
            try:
                self.lease_rtt = await self._log.renew()
                self.lease_renewed_at = now = time.monotonic()
                if self._in_touch_since is None:
                    self._in_touch_since = now
                live = await self._log.live_nodes()
                self.nodes_seen = len(live)
                self._first_node = min(live, default=self.node) == self.node
                trimmed = await self._log.trimmed()
                if self._applied and position(self._applied) < position(trimmed):
                    self._fence(f"this node fell behind the log's start ({trimmed})")
                    return
                # A lapsed lease means a dead node only to one that could have seen it renewed:
                # after an outage of the log (a Redis restart) every lease has lapsed, and
                # the nodes must give each other a lease's time to renew before judging, or
                # the first one back would declare all the others lost.
                if now - self._in_touch_since >= lease:
                    await self._log.declare_lapsed(lambda node: encode(("node-lost", node), None))
            except LeaseLost:
                self._fence("this node was declared lost by the network")
                return
            except LogUnavailable as error:
                self._in_touch_since = None
                log.warning("cannot renew this node's lease (%s)", error)

    def _fence(self, reason: str) -> None:
        if self._left.is_set():
            return  # it left on purpose: the log refuses it now, as it should
        log.error("node %s stops: %s", self.node, reason)
        if not self.fenced.done():
            self.fenced.set_result(reason)

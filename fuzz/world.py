"""A small server world for the core target: one core, an in-memory store, four sessions.

It builds the core the way ``tests/server/harness.py`` does (memory store, deferred work run
at once, a clock moved by hand) but every outbox checks each line written to it
(:func:`fuzz.invariants.check_server_line`) and the core's error log is captured, so a
handler exception that the dispatcher turned into ``400`` is a finding, not a quiet reply.

The sessions are seeded so the fuzzer starts deep: ``ana`` (every capability but the older
metadata draft, an account, an IRC operator) and ``bo`` (a few capabilities, that metadata
draft among them) share ``#room``; ``cy`` is registered with none; the fourth connection has
not registered.
"""

from __future__ import annotations

import logging
import traceback
from functools import cache

from argon2 import PasswordHasher

from chinwag.config import AccountSettings, Config, Limits, Operator, ServerInfo
from chinwag.protocol.caps import CAPABILITIES
from chinwag.protocol.framing import LineFramer
from chinwag.server.core import ServerCore
from chinwag.server.effects import ImmediateEffects
from chinwag.server.state import Lines, Session
from chinwag.storage.memory import MemoryStore
from fuzz.invariants import Finding, check_network, check_server_line

OPER_PASSWORD = "fuzz-oper"
"""The password of the one operator block, which ``ana`` uses."""


@cache
def _oper_hash() -> str:
    # Cheapest argon2 settings: the fuzzer builds many worlds.
    return PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash(OPER_PASSWORD)


class ErrorCatcher(logging.Handler):
    """Keeps every ERROR record of the server's logger: a handler that raised, a failed save."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


CATCHER = ErrorCatcher()
_LOGGER = logging.getLogger("chinwag")


def catch_errors() -> None:
    """Have :data:`CATCHER` keep the server logger's ERROR records (each :class:`World` does
    this; nothing changes at import, so importing the targets leaves the logging of a test
    run as it was)."""
    if CATCHER not in _LOGGER.handlers:
        _LOGGER.addHandler(CATCHER)


def stop_catching() -> None:
    """Undo :func:`catch_errors` (the replay tests, once done)."""
    _LOGGER.removeHandler(CATCHER)
    CATCHER.records.clear()


class CheckingOutbox:
    """An outbox that checks every line written to it and keeps nothing (the SendQ limit
    still applies, counted in bytes written since the last :meth:`drain`)."""

    def __init__(self, core: ServerCore) -> None:
        self.core = core
        self.session: Session | None = None
        self.closed = False
        self.queued = 0
        self.overflowed = False

    def write_line(self, line: bytes) -> None:
        self.write_lines(Lines([line]))

    def write_lines(self, lines: Lines) -> None:
        if self.closed or self.overflowed:
            return
        for line in lines.items:
            check_server_line(line)
        self.queued += lines.size
        if self.queued > self.core.config.limits.sendq and self.session is not None:
            self.overflowed = True
            self.core.overflowed(self.session)

    def close(self) -> None:
        self.closed = True

    def drain(self) -> None:
        """The peer read everything queued."""
        self.queued = 0


class Conn:
    """One simulated connection: its framer, outbox and session."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.outbox = CheckingOutbox(world.core)
        self.session = world.core.connect(self.outbox, "127.0.0.1")
        self.outbox.session = self.session
        self.framer = LineFramer()

    def send(self, data: bytes) -> None:
        """Bytes received on this connection, framed and handed to the core."""
        self.world.core.receive(self.session, self.framer.feed(data))
        self.outbox.drain()


class World:
    """The core and its four connections; :meth:`step` feeds one and checks everything."""

    SEEDED = 4

    def __init__(self) -> None:
        config = Config(
            server=ServerInfo(name="irc.fuzz", network="FuzzNet"),
            limits=Limits(),
            operators=(Operator("admin", _oper_hash(), "*"),),
            accounts=AccountSettings(
                argon2_time_cost=1,
                argon2_memory_kib=64,
                argon2_parallelism=1,
                always_on="opt-in",
            ),
        )
        self.now = 1000.0
        self.core = ServerCore(
            config, MemoryStore(), ImmediateEffects(), lambda: self.now, cloak_key=b"fuzz"
        )
        catch_errors()
        CATCHER.records.clear()
        # Every capability but the older metadata draft, which bo takes (one of the two).
        every = " ".join(cap.name for cap in CAPABILITIES if cap.name != "draft/metadata-2")
        self.conns = [Conn(self) for _ in range(self.SEEDED)]
        ana, bo, cy, _ = self.conns
        ana.send(f"CAP LS 302\r\nCAP REQ :{every}\r\nNICK ana\r\nUSER ana 0 * :Ana\r\n".encode())
        ana.send(b"CAP END\r\nREGISTER * * :fuzz-password\r\n")
        ana.send(f"OPER admin {OPER_PASSWORD}\r\n".encode())
        bo.send(b"CAP REQ :message-tags batch server-time draft/metadata-2 multi-prefix\r\n")
        bo.send(b"NICK bo\r\nUSER bo 0 * :Bo\r\nCAP END\r\n")
        cy.send(b"NICK cy\r\nUSER cy 0 * :Cy\r\n")
        ana.send(b"JOIN #room\r\n")
        bo.send(b"JOIN #room\r\n")
        self.errors = 0
        self.check()

    def step(self, index: int, data: bytes) -> None:
        """Connection ``index`` (any int: taken modulo the connections) receives ``data``;
        a closed one is replaced by a new, unregistered connection first."""
        conn = self.conns[index % len(self.conns)]
        if conn.session.closed:
            conn = self.conns[index % len(self.conns)] = Conn(self)
        conn.send(data)
        self.check()

    def lose(self, index: int) -> None:
        """Connection ``index`` drops (as a quit)."""
        conn = self.conns[index % len(self.conns)]
        self.core.connection_lost(conn.session)
        self.check()

    def tick(self, seconds: float) -> None:
        """Time passes and the core's ticker runs (timeouts, PINGs, nick protection)."""
        self.now += seconds
        self.core.tick()
        self.check()

    def check(self) -> None:
        """No handler error was logged, and the state is consistent."""
        if CATCHER.records:
            record = CATCHER.records[0]
            CATCHER.records.clear()
            trace = "".join(traceback.format_exception(*record.exc_info)) if record.exc_info else ""
            raise Finding(f"server logged an error: {record.getMessage()}\n{trace}")
        counters = self.core.deps.counters
        if counters.handler_errors != self.errors:
            self.errors = counters.handler_errors
            raise Finding("a handler raised (counted, no log record)")
        check_network(self.core.network)

    @property
    def healthy(self) -> bool:
        """Whether the world is still worth reusing: some registered users left, not grown
        large (a reused world should stay quick and near its seeded shape)."""
        network = self.core.network
        return 1 <= len(network.users) <= 40 and len(network.channels) <= 32

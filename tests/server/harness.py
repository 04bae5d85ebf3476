"""An in-memory harness: drive the sans-I/O server core as clients would, without sockets.

``Harness().client("ana")`` registers a client; ``client.send("JOIN #x")`` feeds a line;
``client.take()`` returns the parsed messages the server queued for it since the last take
(``lines()``, ``replies()`` and ``events()`` give the same as tuples, for compact assertions).
``h.join("#x", ana, bo)`` and ``h.room("ana", "bo")`` put clients in a channel; ``h.user(nick)``
and ``h.channel(name)`` look up the server's state.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from chinwag.config import AccountSettings, Config, Limits, ServerInfo
from chinwag.protocol.framing import LineFramer
from chinwag.protocol.message import Message, parse
from chinwag.server.core import ServerCore
from chinwag.server.effects import Effects, ImmediateEffects
from chinwag.server.lines import Lines
from chinwag.server.services.cloaks import cloak_host
from chinwag.server.state import Channel, Session, User
from chinwag.storage.base import Store
from chinwag.storage.memory import MemoryStore

ADDRESS = "127.0.0.1"
"""The address every harness client connects from, unless told otherwise."""

CLOAK_KEY = b"harness cloak key"
"""The cloak key of every harness core (unless its config names a secret), so tests can name
the host others see."""

HOST = cloak_host(ADDRESS, CLOAK_KEY)
"""The host shown for :data:`ADDRESS`: its cloak (host cloaking is on by default)."""


class MemoryOutbox:
    """An outbox that keeps bytes in memory and enforces the SendQ limit like the real one.

    ``writes`` counts the calls it was given (a run of lines is one write); what is written
    after the close is kept apart in ``after_close`` (it would never reach the peer)."""

    def __init__(self, core: ServerCore) -> None:
        self.core = core
        self.buffer = bytearray()
        self.closed = False
        self.session: Session | None = None
        self.overflowed = False
        self.writes = 0
        self.after_close: list[bytes] = []

    def write_line(self, line: bytes) -> None:
        self.write_lines(Lines([line]))

    def write_bulk_line(self, line: bytes) -> None:
        self.write_lines(Lines([line]))

    def write_bulk_lines(self, lines: Lines) -> None:
        self.write_lines(lines)

    def write_lines(self, lines: Lines) -> None:
        self.writes += 1
        if self.closed:
            self.after_close.extend(lines.items)
            return
        if self.overflowed:
            return
        for line in lines.items:
            assert line.endswith(b"\r\n") and line.count(b"\n") == 1, f"not one line: {line!r}"
        assert lines.size == len(lines.data)
        self.buffer += lines.data
        if len(self.buffer) > self.core.config.limits.sendq and self.session is not None:
            self.overflowed = True
            self.core.overflowed(self.session)

    def close(self) -> None:
        self.closed = True

    @property
    def queued(self) -> int:
        return len(self.buffer)


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Client:
    """One simulated connection."""

    def __init__(
        self,
        harness: Harness,
        ip: str = ADDRESS,
        *,
        secure: bool = False,
        certfp: str | None = None,
    ) -> None:
        self.harness = harness
        self.outbox = MemoryOutbox(harness.core)
        self.session = harness.core.connect(self.outbox, ip, secure=secure, certfp=certfp)
        self.outbox.session = self.session
        self.framer = LineFramer()

    def send_bytes(self, data: bytes) -> None:
        """Bytes as a stream transport would receive them: framed, then given to the core
        in one piece (a paste arrives as one read)."""
        self.harness.core.receive(self.session, self.framer.feed(data))

    def send(self, *lines: str) -> None:
        for line in lines:
            self.send_bytes(line.encode() + b"\r\n")

    def raw(self) -> list[str]:
        """The lines queued for this client since the last read, as text."""
        data = bytes(self.outbox.buffer)
        self.outbox.buffer.clear()
        return [line for line in data.decode().split("\r\n") if line]

    def take(self) -> list[Message]:
        """The messages queued for this client since the last read."""
        return [parse(line) for line in self.raw()]

    def commands(self) -> list[str]:
        """Just the commands of :meth:`take`, for compact assertions."""
        return [message.command for message in self.take()]

    def lines(self) -> list[tuple[str, ...]]:
        """:meth:`take` as ``(command, *params)`` tuples."""
        return [(message.command, *message.params) for message in self.take()]

    def replies(self) -> list[tuple[str, tuple[str, ...]]]:
        """:meth:`take` as ``(command, params)`` pairs."""
        return [(message.command, message.params) for message in self.take()]

    def events(self) -> list[tuple[str | None, str, tuple[str, ...]]]:
        """:meth:`take` as ``(source, command, params)`` triples."""
        return [(message.source, message.command, message.params) for message in self.take()]

    def register(self, nick: str, caps: Iterable[str] = ()) -> Client:
        caps = list(caps)
        if caps:
            self.send("CAP LS 302", "CAP REQ :" + " ".join(caps))
        self.send(f"NICK {nick}", f"USER {nick} 0 * :{nick} Example")
        if caps:
            self.send("CAP END")
        return self

    @property
    def closed(self) -> bool:
        return self.outbox.closed


class Harness:
    """A server core with in-memory clients and a hand-moved clock; ``store`` and ``effects``
    default to an in-memory store and deferred work run at once."""

    def __init__(
        self,
        config: Config | None = None,
        accounts: AccountSettings | None = None,
        store: Store | None = None,
        effects: Effects | None = None,
        fakelag: bool = False,
        **limits: object,
    ) -> None:
        if config is None:
            config = Config(
                server=ServerInfo(name="irc.test", network="TestNet"),
                limits=Limits(**limits),  # type: ignore[arg-type]
                # Quick argon2 so registering in a test takes a millisecond. Always-on is
                # opt-in here (the server's default is opt-out) so that a client that quits
                # is gone, as most tests expect; tests/server/services/test_alwayson.py
                # chooses its modes itself.
                accounts=accounts
                or AccountSettings(
                    argon2_time_cost=1,
                    argon2_memory_kib=64,
                    argon2_parallelism=1,
                    always_on="opt-in",
                ),
            )
        # Fakelag is opt-in here (``fakelag=True``): the hand-moved clock never refills a
        # bucket, and most tests send more lines at one instant than a person could type.
        config = dataclasses.replace(
            config, limits=dataclasses.replace(config.limits, fakelag=fakelag)
        )
        self.clock = Clock()
        self.store: Store = store if store is not None else MemoryStore()
        self.core = ServerCore(
            config,
            self.store,
            effects if effects is not None else ImmediateEffects(),
            self.clock,
            cloak_key=CLOAK_KEY,
        )

    def connect(
        self, ip: str = ADDRESS, *, secure: bool = False, certfp: str | None = None
    ) -> Client:
        """A new connection (``secure``: over TLS, with client certificate ``certfp``)."""
        return Client(self, ip, secure=secure, certfp=certfp)

    def client(
        self,
        nick: str,
        caps: Iterable[str] = (),
        *,
        secure: bool = False,
        certfp: str | None = None,
    ) -> Client:
        """A registered client whose welcome burst has already been read."""
        client = self.connect(secure=secure, certfp=certfp).register(nick, caps)
        client.take()
        return client

    def join(self, channel: str, *clients: Client) -> None:
        """Every client joins ``channel`` in turn (the first one creates it and is its
        operator); then every inbox is emptied."""
        for client in clients:
            client.send(f"JOIN {channel}")
        for client in clients:
            client.take()

    def room(self, *nicks: str, channel: str = "#room") -> list[Client]:
        """New registered clients who all joined ``channel`` (see :meth:`join`)."""
        clients = [self.client(nick) for nick in nicks]
        self.join(channel, *clients)
        return clients

    def user(self, nick: str) -> User:
        """The registered user called ``nick`` (which must exist)."""
        user = self.core.network.find_user(nick)
        assert user is not None, f"no user {nick}"
        return user

    def channel(self, name: str) -> Channel:
        """The channel called ``name`` (which must exist)."""
        channel = self.core.network.find_channel(name)
        assert channel is not None, f"no channel {name}"
        return channel

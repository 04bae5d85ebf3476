"""A small IRC client for tests over real sockets, built on ``irctokens``.

Lines are tokenised by irctokens' :class:`~irctokens.StatefulDecoder` and written through its
:class:`~irctokens.StatefulEncoder`, so what the server sends is read by a parser nobody here
wrote. Every line received is kept in :attr:`IrcClient.received`; :meth:`IrcClient.expect`
waits (with a deadline, never a fixed sleep) for the next line that matches.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable
from typing import ClassVar

from irctokens.line import Line, build
from irctokens.stateful import StatefulDecoder, StatefulEncoder

Address = tuple[str, int]
Match = Callable[[Line], bool]

TIMEOUT = 5.0
"""Seconds any single expectation may take before the test fails."""


def is_(command: str, *params: str) -> Match:
    """A matcher: ``command`` whose parameters start with ``params``."""

    def match(line: Line) -> bool:
        return line.command == command and list(line.params[: len(params)]) == list(params)

    match.__name__ = " ".join((command, *params))
    return match


class IrcClient:
    """One connection; send with :meth:`send`, wait for replies with :meth:`expect`.

    Clients a test leaves open are closed by :meth:`close_all`, which the server fixtures
    call at teardown.
    """

    _open: ClassVar[list[IrcClient]] = []

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.decoder = StatefulDecoder()
        self.encoder = StatefulEncoder()
        self.received: list[Line] = []
        self.raw = bytearray()
        """Every byte received, as it came: for tests about the lines themselves (lengths)."""
        self.eof = False
        self.nick = "*"
        self._cursor = 0
        IrcClient._open.append(self)

    @classmethod
    async def connect(
        cls, address: Address, *, rcvbuf: int | None = None, source: str | None = None
    ) -> IrcClient:
        """Open a connection; ``rcvbuf`` sets a (small) receive buffer before connecting;
        ``source`` is the local address to connect from (any 127.x.y.z on loopback, so a test
        can play clients at several addresses)."""
        if source is not None:
            reader, writer = await asyncio.open_connection(*address, local_addr=(source, 0))
        elif rcvbuf is None:
            reader, writer = await asyncio.open_connection(*address)
        else:
            sock = socket.socket(socket.AF_INET6 if ":" in address[0] else socket.AF_INET)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            sock.setblocking(False)
            await asyncio.get_running_loop().sock_connect(sock, address)
            reader, writer = await asyncio.open_connection(sock=sock, limit=rcvbuf)
        return cls(reader, writer)

    @classmethod
    async def registered(
        cls, address: Address, nick: str, *channels: str, rcvbuf: int | None = None
    ) -> IrcClient:
        """A connection (see :meth:`connect`) registered as ``nick`` that joined ``channels``."""
        client = await cls.connect(address, rcvbuf=rcvbuf)
        await client.register(nick)
        for channel in channels:
            await client.join(channel)
        return client

    # -- sending -------------------------------------------------------------------------

    async def send(self, command: str, *params: str) -> None:
        """Send one message, encoded by irctokens."""
        self.encoder.push(build(command, list(params)))
        data = self.encoder.pending()
        self.encoder.pop(len(data))
        self.writer.write(data)
        await self.writer.drain()

    async def send_raw(self, data: bytes) -> None:
        """Send bytes exactly as given (for input no well-behaved encoder would produce)."""
        self.writer.write(data)
        await self.writer.drain()

    async def register(self, nick: str) -> Line:
        """NICK and USER; returns RPL_WELCOME once the MOTD (or its absence) has arrived."""
        self.nick = nick
        await self.send("NICK", nick)
        await self.send("USER", nick, "0", "*", f"{nick} the tester")
        welcome = await self.expect(is_("001", nick))
        await self.expect(lambda line: line.command in ("376", "422"))
        return welcome

    async def join(self, channel: str) -> list[str]:
        """JOIN and wait for the end of NAMES; returns the nicks listed (prefixes kept)."""
        await self.send("JOIN", channel)
        await self.expect(lambda line: line.command == "JOIN" and line.params[0] == channel)
        names: list[str] = []
        while True:
            line = await self.expect(
                lambda line: line.command in ("353", "366") and channel in line.params
            )
            if line.command == "366":
                return names
            names += line.params[-1].split()

    # -- receiving -----------------------------------------------------------------------

    async def expect(self, match: Match, timeout: float = TIMEOUT) -> Line:
        """The next unseen line that ``match`` accepts; lines before it are passed over."""
        deadline = time.monotonic() + timeout
        while True:
            for index in range(self._cursor, len(self.received)):
                if match(self.received[index]):
                    self._cursor = index + 1
                    return self.received[index]
            self._cursor = len(self.received)
            if self.eof:
                raise AssertionError(f"{self.nick}: closed before {_name(match)}; {self._tail()}")
            if not await self._read_more(deadline):
                raise AssertionError(f"{self.nick}: no {_name(match)} in time; {self._tail()}")

    async def read_until(self, done: Callable[[], bool], timeout: float = TIMEOUT) -> None:
        """Keep reading until ``done()`` holds or the server closes the connection."""
        deadline = time.monotonic() + timeout
        while not done() and not self.eof:
            if not await self._read_more(deadline):
                raise AssertionError(f"{self.nick}: condition not met in time; {self._tail()}")

    async def expect_closed(self, timeout: float = TIMEOUT) -> list[Line]:
        """Read until the server closes the connection; returns the lines not yet expected."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            if not await self._read_more(deadline):
                raise AssertionError(f"{self.nick}: still open after {timeout}s; {self._tail()}")
        rest = self.received[self._cursor :]
        self._cursor = len(self.received)
        return rest

    async def _read_more(self, deadline: float) -> bool:
        """Read one chunk; False when the deadline passed first."""
        try:
            async with asyncio.timeout_at(_loop_time(deadline)):
                data = await self.reader.read(65536)
        except TimeoutError:
            return False
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
            return True
        self.raw += data
        self.received += self.decoder.push(data) or []
        return True

    def _tail(self) -> str:
        return "last lines: " + repr([line.format() for line in self.received[-8:]])

    async def close(self) -> None:
        """Close our side (without QUIT) and wait for the socket to go."""
        if self in IrcClient._open:
            IrcClient._open.remove(self)
        with contextlib.suppress(ConnectionError, OSError, RuntimeError):  # RuntimeError:
            self.writer.close()  # a client left over from a failed test on a closed loop
            await self.writer.wait_closed()

    @classmethod
    async def close_all(cls) -> None:
        """Close every client still open."""
        for client in list(cls._open):
            await client.close()


def _name(match: Match) -> str:
    return getattr(match, "__name__", "matching line")


def _loop_time(deadline: float) -> float:
    """Convert a ``time.monotonic`` deadline to the running loop's clock."""
    loop = asyncio.get_running_loop()
    return loop.time() + (deadline - time.monotonic())

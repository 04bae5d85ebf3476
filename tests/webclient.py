"""Helpers for tests of the web listener: a server with a TCP and an HTTP listener, an IRC
client over WebSocket (the ``websockets`` asyncio client, so what the server sends is read
by a WebSocket implementation nobody here wrote), and raw HTTP requests."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator

from irctokens.line import Line, tokenise
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from chinwag.config import Config, HttpSettings, Listener
from chinwag.server.app import ChinwagServer
from chinwag.storage.memory import MemoryStore
from tests.conftest import test_config
from tests.ircclient import TIMEOUT, Address, Match


def web_config(**http: object) -> Config:
    """:func:`tests.conftest.test_config` with a TCP and an HTTP listener on loopback and
    the given ``[http]`` settings."""
    return dataclasses.replace(
        test_config(),
        listeners=(Listener("127.0.0.1", 0, "tcp"), Listener("127.0.0.1", 0, "http")),
        http=HttpSettings(**http),  # type: ignore[arg-type]
    )


@contextlib.asynccontextmanager
async def web_server(**http: object) -> AsyncIterator[ChinwagServer]:
    """``async with web_server(ping_interval=0.2) as server``: a started server (TCP first,
    then HTTP) with those ``[http]`` settings, stopped at the end."""
    running = ChinwagServer(web_config(**http), MemoryStore())
    await running.start()
    try:
        yield running
    finally:
        await running.stop(grace=1.0)


def tcp_address(server: ChinwagServer) -> Address:
    return server.addresses[0]


def web_address(server: ChinwagServer) -> Address:
    return server.addresses[1]


class WsClient:
    """An IRC client over WebSocket: one line per message, read with :meth:`expect`."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.received: list[Line] = []
        self.messages: list[str | bytes] = []
        self.nick = "*"
        self._cursor = 0
        self.closed = False

    @classmethod
    async def connect(
        cls,
        address: Address,
        subprotocols: list[str] | None = None,
        origin: str | None = None,
    ) -> WsClient:
        host, port = address
        ws = await connect(
            f"ws://{host}:{port}/ws",
            subprotocols=subprotocols,  # type: ignore[arg-type]
            origin=origin,  # type: ignore[arg-type]
            ping_interval=None,
            max_size=None,
        )
        return cls(ws)

    async def send(self, line: str | bytes) -> None:
        await self.ws.send(line)

    async def register(self, nick: str, caps: tuple[str, ...] = ()) -> None:
        self.nick = nick
        if caps:
            await self.send("CAP REQ :" + " ".join(caps))
        await self.send(f"NICK {nick}")
        await self.send(f"USER {nick} 0 * :{nick} on the web")
        if caps:
            await self.send("CAP END")
        await self.expect(lambda line: line.command in ("376", "422"))

    async def expect(self, match: Match, timeout: float = TIMEOUT) -> Line:
        deadline = time.monotonic() + timeout
        while True:
            for index in range(self._cursor, len(self.received)):
                if match(self.received[index]):
                    self._cursor = index + 1
                    return self.received[index]
            self._cursor = len(self.received)
            if self.closed:
                raise AssertionError(f"{self.nick}: closed; last {self._tail()}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{self.nick}: no match in time; last {self._tail()}")
            try:
                message = await asyncio.wait_for(self.ws.recv(), remaining)
            except TimeoutError:
                continue
            except ConnectionClosed:
                self.closed = True
                continue
            self.messages.append(message)
            text = message.decode() if isinstance(message, bytes) else message
            self.received.append(tokenise(text))

    async def expect_closed(self, timeout: float = TIMEOUT) -> list[Line]:
        """Read until the server closes; returns the lines not yet expected."""
        async with asyncio.timeout(timeout):
            while not self.closed:
                try:
                    message = await self.ws.recv()
                except ConnectionClosed:
                    self.closed = True
                    break
                self.messages.append(message)
                text = message.decode() if isinstance(message, bytes) else message
                self.received.append(tokenise(text))
        rest = self.received[self._cursor :]
        self._cursor = len(self.received)
        return rest

    def _tail(self) -> list[str]:
        return [line.format() for line in self.received[-8:]]


async def http_request(address: Address, request: bytes, timeout: float = TIMEOUT) -> bytes:
    """Send ``request`` as it is and read until the server closes."""
    reader, writer = await asyncio.open_connection(*address)
    try:
        writer.write(request)
        await writer.drain()
        async with asyncio.timeout(timeout):
            return await reader.read()
    finally:
        writer.close()


def get(path: str, *headers: str) -> bytes:
    """A GET request for ``path`` with ``headers`` (``Name: value``)."""
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", *headers, "", ""]
    return "\r\n".join(lines).encode()


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def headers_of(response: bytes) -> dict[str, str]:
    head = response.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")[1:]
    return {name.lower(): value.strip() for name, _, value in (h.partition(":") for h in head)}


def body_of(response: bytes) -> bytes:
    return response.partition(b"\r\n\r\n")[2]

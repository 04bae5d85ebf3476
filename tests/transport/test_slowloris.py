"""A slowloris is dropped, on every transport (issue 17).

A slowloris holds connections open by sending a byte now and then, never finishing what it
started. Whatever it trickles, a connection gets a fixed time from when it was accepted:
the TLS handshake its ``[tls] handshake_timeout``, an HTTP request the shorter of 10 seconds
and the registration timeout, and registration itself ``[limits] registration_timeout``,
counted from the moment the session began, not from the last byte. Here the timeouts are
short and the peer trickles a byte every tenth of a second, well within any per-read idle
timeout, and is dropped all the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from chinwag.config import Config, Listener, TlsSettings
from chinwag.server import app
from chinwag.server.app import ChinwagServer
from chinwag.storage.memory import MemoryStore
from tests.conftest import test_config
from tests.ircclient import IrcClient, is_
from tests.webclient import WsClient

REGISTRATION_TIMEOUT = 1.0
DRIP = 0.1
"""Seconds between two bytes of the slowloris."""
GIVE_UP = 8.0
"""Seconds after which a test fails: the connection outlived every timeout by far."""

Start = Callable[[Config], Awaitable[ChinwagServer]]


@pytest.fixture
async def start(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Start]:
    """``await start(config)``: a started server whose ticker checks timeouts often."""
    monkeypatch.setattr(app, "TICK_SECONDS", 0.05)
    started: list[ChinwagServer] = []

    async def make(config: Config) -> ChinwagServer:
        server = ChinwagServer(config, MemoryStore())
        await server.start()
        started.append(server)
        return server

    yield make
    await IrcClient.close_all()
    for server in started:
        await server.stop(grace=1.0)


def config_with(*listeners: Listener, certificate: tuple[Path, Path] | None = None) -> Config:
    """Short timeouts, the given listeners, and ``certificate`` for TLS."""
    config = dataclasses.replace(
        test_config(registration_timeout=REGISTRATION_TIMEOUT), listeners=listeners
    )
    if certificate is not None:
        cert, key = certificate
        tls = TlsSettings(cert=str(cert), key=str(key), handshake_timeout=REGISTRATION_TIMEOUT)
        config = dataclasses.replace(config, tls=tls)
    return config


def client_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def drip_until_closed(
    writer: asyncio.StreamWriter, reader: asyncio.StreamReader, data: bytes
) -> tuple[float, bytes]:
    """Send ``data`` a byte every :data:`DRIP` seconds until the server closes the
    connection; how long that took, and what the server sent."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    received = bytearray()

    async def read() -> None:
        # A byte sent after the server closed is answered with a reset: the end too.
        with contextlib.suppress(ConnectionResetError):
            while chunk := await reader.read(4096):
                received.extend(chunk)

    reading = asyncio.create_task(read())
    try:
        async with asyncio.timeout(GIVE_UP):
            for byte in data * 100:
                if reading.done():
                    break
                try:
                    writer.write(bytes([byte]))
                    await writer.drain()
                except (ConnectionError, RuntimeError):
                    break
                await asyncio.sleep(DRIP)
            await reading
    finally:
        reading.cancel()
        writer.close()
    return loop.time() - began, bytes(received)


async def test_tcp_a_nick_trickled_byte_by_byte_is_dropped_at_the_registration_timeout(
    start: Start,
) -> None:
    server = await start(config_with(Listener("127.0.0.1", 0, "tcp")))
    reader, writer = await asyncio.open_connection(*server.addresses[0])

    took, said = await drip_until_closed(writer, reader, b"NICK slowloris")

    assert REGISTRATION_TIMEOUT <= took < REGISTRATION_TIMEOUT + 2
    assert b"ERROR :Closing Link:" in said and b"(Registration timed out)" in said
    assert not server.core.network.sessions


async def test_tls_a_handshake_trickled_byte_by_byte_is_dropped_at_the_handshake_timeout(
    start: Start, certificate: tuple[Path, Path]
) -> None:
    server = await start(config_with(Listener("127.0.0.1", 0, "tls"), certificate=certificate))
    reader, writer = await asyncio.open_connection(*server.addresses[0])
    # A TLS handshake record header announcing 16 KiB that never all come.
    record = b"\x16\x03\x01\x40\x00" + b"\x01" * 64

    took, said = await drip_until_closed(writer, reader, record)

    assert REGISTRATION_TIMEOUT <= took < REGISTRATION_TIMEOUT + 2
    assert said == b""
    assert not server.links


async def test_tls_a_nick_trickled_after_the_handshake_is_dropped_at_the_registration_timeout(
    start: Start, certificate: tuple[Path, Path]
) -> None:
    server = await start(config_with(Listener("127.0.0.1", 0, "tls"), certificate=certificate))
    reader, writer = await asyncio.open_connection(
        *server.addresses[0], ssl=client_context(), server_hostname="localhost"
    )

    took, said = await drip_until_closed(writer, reader, b"NICK slowloris")

    assert REGISTRATION_TIMEOUT <= took < REGISTRATION_TIMEOUT + 2
    assert b"(Registration timed out)" in said


async def test_websocket_an_upgrade_request_trickled_byte_by_byte_is_dropped(
    start: Start,
) -> None:
    server = await start(config_with(Listener("127.0.0.1", 0, "http")))
    reader, writer = await asyncio.open_connection(*server.addresses[0])
    request = (
        b"GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        b"X-Padding: " + b"a" * 4000
    )

    took, said = await drip_until_closed(writer, reader, request)

    assert REGISTRATION_TIMEOUT <= took < REGISTRATION_TIMEOUT + 2
    assert said == b""  # dropped, not answered
    assert server.core.deps.counters.bad_input["http_timeout"] == 1


async def test_websocket_a_page_request_trickled_byte_by_byte_is_dropped(start: Start) -> None:
    server = await start(config_with(Listener("127.0.0.1", 0, "http")))
    reader, writer = await asyncio.open_connection(*server.addresses[0])

    took, _ = await drip_until_closed(writer, reader, b"GET / HTTP/1.1\r\nX-" + b"a" * 4000)

    assert REGISTRATION_TIMEOUT <= took < REGISTRATION_TIMEOUT + 2


async def test_websocket_after_the_upgrade_a_client_that_never_registers_is_dropped(
    start: Start,
) -> None:
    server = await start(config_with(Listener("127.0.0.1", 0, "http")))
    client = await WsClient.connect(server.addresses[0])
    loop = asyncio.get_running_loop()
    began = loop.time()

    async def trickle() -> None:
        # One message after another, none of them completing registration.
        for index in range(100):
            await client.send(f"PING :{index}")
            await asyncio.sleep(DRIP)

    sending = asyncio.create_task(trickle())
    try:
        error = await client.expect(is_("ERROR"), timeout=GIVE_UP)
    finally:
        sending.cancel()
    assert "Registration timed out" in error.params[0]
    assert REGISTRATION_TIMEOUT <= loop.time() - began < REGISTRATION_TIMEOUT + 2


async def test_a_registered_client_trickling_lines_is_not_dropped(start: Start) -> None:
    server = await start(config_with(Listener("127.0.0.1", 0, "tcp")))
    client = await IrcClient.registered(server.addresses[0], "steady")
    for index in range(int(REGISTRATION_TIMEOUT / DRIP) + 5):
        await client.send("PING", str(index))
        await client.expect(is_("PONG"))
        await asyncio.sleep(DRIP)
    assert len(server.core.network.sessions) == 1

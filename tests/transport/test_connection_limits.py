"""Per-address connection limits over real sockets (issue 17, "Connection limits").

``[connections]`` caps the connections one address holds open at once and the connections it
may open within a window, on every listener, before the server reads anything: a refused IRC
client gets ``ERROR`` saying why and the socket closes; a refused web client gets an HTTP
error whose text is that ``ERROR``. Other addresses are not affected, exempt ranges are not
limited, and ``/metrics`` counts the refusals.

Every client connects from its own loopback address (Linux routes all of 127/8 to ``lo``),
and every server here sets its limits explicitly: the default exempts loopback.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from chinwag.config import Config, ConnectionLimits, Listener, TlsSettings
from chinwag.server.app import ChinwagServer
from chinwag.server.services.bans import enforce
from chinwag.storage.base import ServerBan
from chinwag.storage.memory import MemoryStore
from tests.conftest import test_config
from tests.ircclient import IrcClient, is_
from tests.waiting import until
from tests.webclient import WsClient, http_request

NOISY = "127.0.0.2"
"""The address that opens too many connections."""
NEIGHBOUR = "127.0.0.3"
"""Another address, which must not notice."""

Start = Callable[..., Awaitable[ChinwagServer]]


def limited(*listeners: Listener, **connections: object) -> Config:
    """The test configuration with ``listeners`` (one TCP one by default) and the given
    ``[connections]`` settings; nothing exempt unless said."""
    settings = {"exempt": (), **connections}
    return dataclasses.replace(
        test_config(),
        listeners=listeners or (Listener("127.0.0.1", 0, "tcp"),),
        connections=ConnectionLimits(**settings),  # type: ignore[arg-type]
    )


@pytest.fixture
async def start() -> AsyncIterator[Start]:
    """``await start(config)``: a started server, stopped after the test."""
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


async def refusal(client: IrcClient) -> str:
    """The ERROR text a refused client got before its socket closed."""
    rest = await client.expect_closed()
    assert [line.command for line in rest] == ["ERROR"], rest
    return rest[0].params[0]


async def test_two_hundred_connections_from_one_address_are_capped_and_another_connects(
    start: Start,
) -> None:
    server = await start(limited(max_per_address=10, throttle_connections=0))
    address = server.addresses[0]
    clients = [await IrcClient.connect(address, source=NOISY) for _ in range(200)]

    refused = [client for client in clients[10:] if "Too many connections" in await refusal(client)]
    assert len(refused) == 190
    for index, client in enumerate(clients[:10]):
        await client.register(f"noisy{index}")  # the first ten are still served
    neighbour = await IrcClient.connect(address, source=NEIGHBOUR)
    await neighbour.register("neighbour")
    assert server.core.limiter.open_from(NOISY, server.config.connections) == 10

    # A slot freed is a slot to take again.
    await clients[0].send("QUIT", "bye")
    await clients[0].expect_closed()
    await until(
        lambda: server.core.limiter.open_from(NOISY, server.config.connections) == 9,
        "the closed connection to be released",
    )
    again = await IrcClient.connect(address, source=NOISY)
    await again.register("noisy10")


async def test_the_error_says_why_and_metrics_count_it(start: Start) -> None:
    server = await start(limited(max_per_address=1, throttle_connections=0))
    address = server.addresses[0]
    first = await IrcClient.connect(address, source=NOISY)
    await first.register("first")
    second = await IrcClient.connect(address, source=NOISY)

    assert (
        await refusal(second) == f"Closing Link: {NOISY} (Too many connections from your address)"
    )
    assert server.core.deps.counters.connections_refused["too_many"] == 1
    assert server.core.deps.counters.connections_refused["throttled"] == 0


async def test_connecting_too_often_is_throttled_for_the_window(start: Start) -> None:
    server = await start(limited(max_per_address=0, throttle_connections=3, throttle_window=600.0))
    address = server.addresses[0]
    for index in range(3):
        client = await IrcClient.connect(address, source=NOISY)
        await client.register(f"quick{index}")
        await client.send("QUIT")
        await client.expect_closed()

    fourth = await IrcClient.connect(address, source=NOISY)
    text = await refusal(fourth)
    assert "Too many connections from your address recently; wait" in text
    assert server.core.deps.counters.connections_refused["throttled"] == 1
    neighbour = await IrcClient.connect(address, source=NEIGHBOUR)
    await neighbour.register("neighbour")


async def test_the_throttle_forgets_connections_older_than_its_window(start: Start) -> None:
    server = await start(limited(max_per_address=0, throttle_connections=2, throttle_window=0.3))
    address = server.addresses[0]
    for index in range(2):
        client = await IrcClient.connect(address, source=NOISY)
        await client.register(f"early{index}")
    assert "recently" in await refusal(await IrcClient.connect(address, source=NOISY))

    await asyncio.sleep(0.4)
    later = await IrcClient.connect(address, source=NOISY)
    await later.register("later")


async def test_an_exempt_range_is_not_limited(start: Start) -> None:
    server = await start(
        limited(max_per_address=1, throttle_connections=1, exempt=("127.0.0.0/30",))
    )
    address = server.addresses[0]
    exempt = [await IrcClient.connect(address, source=NOISY) for _ in range(5)]  # 127.0.0.2
    for index, client in enumerate(exempt):
        await client.register(f"bouncer{index}")
    outside = await IrcClient.connect(address, source="127.0.0.5")
    await outside.register("outside")
    assert "Too many" in await refusal(await IrcClient.connect(address, source="127.0.0.5"))


async def test_the_default_exempts_loopback_only() -> None:
    defaults = ConnectionLimits()
    assert defaults.max_per_address > 0 and defaults.throttle_connections > 0
    assert defaults.exempt == ("127.0.0.0/8", "::1/128")


async def test_tls_connections_count_against_the_same_address(
    start: Start, certificate: tuple[Path, Path]
) -> None:
    cert, key = certificate
    config = dataclasses.replace(
        limited(
            Listener("127.0.0.1", 0, "tcp"),
            Listener("127.0.0.1", 0, "tls"),
            max_per_address=1,
            throttle_connections=0,
        ),
        tls=TlsSettings(cert=str(cert), key=str(key)),
    )
    server = await start(config)
    plain, secure = server.addresses[0], server.addresses[1]
    first = await IrcClient.connect(plain, source=NOISY)
    await first.register("plain")

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    reader, writer = await asyncio.open_connection(
        *secure, ssl=context, server_hostname="localhost", local_addr=(NOISY, 0)
    )
    over_tls = IrcClient(reader, writer)
    assert "Too many connections" in await refusal(over_tls)
    neighbour_reader, neighbour_writer = await asyncio.open_connection(
        *secure, ssl=context, server_hostname="localhost", local_addr=(NEIGHBOUR, 0)
    )
    await IrcClient(neighbour_reader, neighbour_writer).register("neighbour")


async def test_a_web_connection_over_the_limit_gets_an_http_error_saying_why(
    start: Start,
) -> None:
    server = await start(
        limited(
            Listener("127.0.0.1", 0, "tcp"),
            Listener("127.0.0.1", 0, "http"),
            max_per_address=1,
            throttle_connections=0,
        )
    )
    plain, web = server.addresses[0], server.addresses[1]
    first = await IrcClient.connect(plain, source=NOISY)
    await first.register("plain")

    reader, writer = await asyncio.open_connection(*web, local_addr=(NOISY, 0))
    writer.write(b"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")
    answer = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 503")
    assert b"ERROR :Closing Link: 127.0.0.2 (Too many connections from your address)" in answer

    # Someone else still gets the page.
    page = await http_request(web, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert page.startswith(b"HTTP/1.1 200")


async def test_metrics_export_the_refusals(start: Start) -> None:
    server = await start(
        limited(
            Listener("127.0.0.1", 0, "tcp"),
            Listener("127.0.0.1", 0, "http"),
            max_per_address=1,
            throttle_connections=0,
            exempt=("127.0.0.1/32",),
        )
    )
    plain, web = server.addresses[0], server.addresses[1]
    first = await IrcClient.connect(plain, source=NOISY)
    await first.register("plain")
    await refusal(await IrcClient.connect(plain, source=NOISY))

    text = await http_request(web, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    assert b'chinwag_connections_refused_total{reason="too_many"} 1.0' in text
    assert b'chinwag_connections_refused_total{reason="banned"} 0.0' in text


async def test_a_refused_connection_never_becomes_a_session(start: Start) -> None:
    server = await start(limited(max_per_address=1, throttle_connections=0))
    address = server.addresses[0]
    first = await IrcClient.connect(address, source=NOISY)
    await first.register("first")
    second = await IrcClient.connect(address, source=NOISY)
    await second.send_raw(b"NICK sneaky\r\nUSER s 0 * :s\r\n")
    await refusal(second)
    watcher = await IrcClient.connect(address, source=NEIGHBOUR)
    await watcher.register("watcher")
    await watcher.send("WHOIS", "sneaky")
    await watcher.expect(is_("401", "watcher", "sneaky"))


async def test_a_banned_address_gets_403_on_the_web_listener_and_its_websocket_is_closed(
    start: Start,
) -> None:
    server = await start(limited(Listener("127.0.0.1", 0, "tcp"), Listener("127.0.0.1", 0, "http")))
    web = server.addresses[1]
    ws = await WsClient.connect(web)
    await ws.register("webby")

    # What UBAN ADD does once the ban is stored (tests/server/commands/test_serverbans.py).
    server.core.deps.bans.add(ServerBan("ip", "127.0.0.1/32", "web spam", "olga", time.time()))
    enforce(server.core.deps, time.time())

    rest = await ws.expect_closed()
    assert rest[-1].command == "ERROR" and "Banned: web spam" in rest[-1].params[0]
    reader, writer = await asyncio.open_connection(*web)
    writer.write(b"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")
    answer = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 403")
    assert b"ERROR :Closing Link: 127.0.0.1 (Banned: web spam)" in answer
    assert server.core.deps.counters.connections_refused["banned"] == 1


UPGRADE = (
    b"GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


async def web_answer(address: tuple[str, int], request: bytes) -> bytes:
    """The first bytes the web listener answers ``request`` with, from :data:`NOISY`."""
    reader, writer = await asyncio.open_connection(*address, local_addr=(NOISY, 0))
    writer.write(request)
    answer = await asyncio.wait_for(reader.read(4096), 5)
    writer.close()
    return answer


async def test_page_requests_do_not_use_up_the_throttle_but_websockets_do(start: Start) -> None:
    server = await start(
        limited(
            Listener("127.0.0.1", 0, "tcp"),
            Listener("127.0.0.1", 0, "http"),
            max_per_address=0,
            throttle_connections=2,
        )
    )
    web = server.addresses[1]
    # A page load is many connections of one request each: none counts.
    for _ in range(10):
        assert (await web_answer(web, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")).startswith(
            b"HTTP/1.1 200"
        )
    for _ in range(2):
        assert (await web_answer(web, UPGRADE)).startswith(b"HTTP/1.1 101")

    refused = await web_answer(web, UPGRADE)
    assert refused.startswith(b"HTTP/1.1 503")
    assert b"Too many connections from your address recently" in refused
    assert server.core.deps.counters.connections_refused["throttled"] == 1
    # An IRC connection is a session too: the same throttle.
    assert "recently" in await refusal(await IrcClient.connect(server.addresses[0], source=NOISY))

"""Fakelag over real sockets (docs/security.md "Flood control"): a flooder is slowed, then
cut off with ``Excess Flood``, while the others in its room notice nothing; over TCP, TLS
and WebSocket alike (they share :class:`~chinwag.transport.link.Link`)."""

from __future__ import annotations

import asyncio
import dataclasses
import ssl
from pathlib import Path

from chinwag.config import Limits, Listener, TlsSettings
from chinwag.server.app import ChinwagServer
from chinwag.storage.memory import MemoryStore
from tests.conftest import ServerFactory, test_config
from tests.ircclient import IrcClient, is_
from tests.webclient import WsClient, web_config

FLOOD = 5000
"""Lines the flooder writes as fast as its socket takes them."""

CHAT = 10
"""Lines the person beside it says meanwhile, at a person's pace."""


def privmsgs(client: IrcClient, nick: str) -> list[str]:
    return [
        line.params[1]
        for line in client.received
        if line.command == "PRIVMSG" and line.hostmask.nickname == nick
    ]


async def test_a_tcp_flooder_is_slowed_then_cut_off_and_its_room_notices_nothing(
    make_server: ServerFactory,
) -> None:
    server = await make_server(fakelag=True)
    address = server.addresses[0]
    ana = await IrcClient.registered(address, "ana", "#lobby")
    bo = await IrcClient.registered(address, "bo", "#lobby")
    cy = await IrcClient.registered(address, "cy", "#lobby")
    await asyncio.sleep(2.0)  # registering used some allowance; let it come back

    flood = b"".join(b"PRIVMSG #lobby :flood %05d\r\n" % i for i in range(FLOOD))
    cy.writer.write(flood)  # not drained: the server stops reading, and that is the point
    for i in range(CHAT):
        await bo.send("PRIVMSG", "#lobby", f"chat {i}")
        await asyncio.sleep(0.1)

    error = await cy.expect(is_("ERROR"))
    assert "Excess Flood" in error.params[0]
    quit_ = await ana.expect(lambda line: line.command == "QUIT" and "cy" in line.source)
    assert "Excess Flood" in quit_.params[0]
    await bo.send("PING", "still-here")
    await bo.expect(is_("PONG"))
    await ana.read_until(lambda: len(privmsgs(ana, "bo")) == CHAT)

    assert privmsgs(ana, "bo") == [f"chat {i}" for i in range(CHAT)]
    flooded = privmsgs(ana, "cy")
    # Slowed and cut off: what got through is the start of what it sent, in order, and
    # far from all of it.
    assert flooded == [f"flood {i:05d}" for i in range(len(flooded))]
    assert 0 < len(flooded) < FLOOD // 10
    counters = server.core.metrics.counters
    assert counters.lines_delayed >= 1
    assert counters.excess_flood_disconnects == 1
    assert server.core.network.find_user("bo") is not None


async def test_a_websocket_flooder_is_cut_off_too() -> None:
    # A short hard limit: how much a WebSocket read hands over at once depends on how the
    # client's frames and the server's reads interleave, and with the default 30 s a run on
    # a loaded machine once held the flooder paused, harmless but not yet cut off, past the
    # test's timeout. Two seconds of lag is a handful of lines, however they were read.
    config = dataclasses.replace(web_config(), limits=Limits(fakelag=True, flood_max_lag=2.0))
    server = ChinwagServer(config, MemoryStore())
    await server.start()
    try:
        ana = await IrcClient.registered(server.addresses[0], "ana", "#lobby")
        flooder = await WsClient.connect(server.addresses[1])
        await flooder.register("cy")
        await flooder.send("JOIN #lobby")
        await flooder.expect(is_("366"))
        for i in range(FLOOD // 5):
            await flooder.send(f"PRIVMSG #lobby :flood {i:05d}")
        rest = await flooder.expect_closed()
        assert any(line.command == "ERROR" and "Excess Flood" in line.params[0] for line in rest)
        await ana.send("PING", "x")
        await ana.expect(is_("PONG"))
        flooded = privmsgs(ana, "cy")
        assert flooded == [f"flood {i:05d}" for i in range(len(flooded))]
    finally:
        await server.stop(grace=1.0)


async def test_a_tls_flooder_is_cut_off_too(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    config = dataclasses.replace(
        test_config(fakelag=True),
        listeners=(Listener("127.0.0.1", 0, "tcp"), Listener("127.0.0.1", 0, "tls")),
        tls=TlsSettings(cert=str(cert), key=str(key)),
    )
    server = ChinwagServer(config, MemoryStore())
    await server.start()
    try:
        ana = await IrcClient.registered(server.addresses[0], "ana", "#lobby")
        context = ssl.create_default_context(cafile=str(cert))
        host, port = server.addresses[1]
        reader, writer = await asyncio.open_connection(
            host, port, ssl=context, server_hostname="localhost"
        )
        cy = IrcClient(reader, writer)
        await cy.register("cy")
        await cy.join("#lobby")
        await asyncio.sleep(2.0)
        cy.writer.write(b"".join(b"PRIVMSG #lobby :flood %05d\r\n" % i for i in range(FLOOD)))
        error = await cy.expect(is_("ERROR"))
        assert "Excess Flood" in error.params[0]
        await ana.send("PING", "x")
        await ana.expect(is_("PONG"))
        flooded = privmsgs(ana, "cy")
        assert flooded == [f"flood {i:05d}" for i in range(len(flooded))]
        assert len(flooded) < FLOOD // 10
    finally:
        await server.stop(grace=1.0)


async def test_reading_from_a_held_peer_pauses_and_resumes_and_it_is_not_cut_off(
    make_server: ServerFactory,
) -> None:
    server = await make_server(fakelag=True, flood_burst=10, flood_rate=20.0, flood_max_lag=5.0)
    address = server.addresses[0]
    ana = await IrcClient.registered(address, "ana", "#lobby")
    cy = await IrcClient.registered(address, "cy", "#lobby")
    await asyncio.sleep(1.0)
    link = next(link for link in server.links if link.session and link.session.nick == "cy")

    cy.writer.write(b"".join(b"PRIVMSG #lobby :%d\r\n" % i for i in range(40)))
    await ana.read_until(lambda: len(privmsgs(ana, "cy")) >= 11)
    paused_while_held = link.reading_paused
    await ana.read_until(lambda: len(privmsgs(ana, "cy")) == 40)

    assert paused_while_held
    assert privmsgs(ana, "cy") == [str(i) for i in range(40)]
    await cy.send("PING", "after")
    await cy.expect(is_("PONG"))
    assert not link.reading_paused
    assert server.core.metrics.counters.lines_delayed >= 1


async def test_a_held_session_does_not_delay_the_server_stop(make_server: ServerFactory) -> None:
    server = await make_server(fakelag=True, flood_burst=5, flood_rate=0.5, flood_max_lag=60.0)
    cy = await IrcClient.registered(server.addresses[0], "cy", "#lobby")
    await asyncio.sleep(0.5)
    cy.writer.write(b"".join(b"PRIVMSG #lobby :%d\r\n" % i for i in range(20)))
    await cy.send("PING", "x")  # read, so the lines above are held
    await asyncio.sleep(0.2)
    assert server.core.network.find_user("cy") is not None
    await asyncio.wait_for(server.stop(grace=1.0), 10)  # not the minute of held lines

"""Chat over real TCP sockets, driven by IRC client libraries nobody here wrote.

``irctokens`` (through tests/ircclient.py) and jaraco's ``irc`` package register, join
``#lobby``, talk in the room and in private, and watch others come and go, against a started
:class:`~chinwag.server.app.ChinwagServer` on a loopback port.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import irc.client
import irc.client_aio
import pytest

from chinwag.config import Config, Limits, Listener, ServerInfo
from chinwag.server.app import ChinwagServer
from chinwag.storage.memory import MemoryStore
from tests.conftest import LOOPBACK_CLOAK, ServerFactory
from tests.ircclient import TIMEOUT, IrcClient, is_

Connect = Callable[[str], Awaitable[IrcClient]]


@pytest.fixture
async def connect(server: ChinwagServer) -> AsyncIterator[Connect]:
    """``await connect("ana")``: a client registered as ``ana`` on the test server."""
    clients: list[IrcClient] = []

    async def make(nick: str) -> IrcClient:
        client = await IrcClient.registered(server.addresses[0], nick)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


# -- irctokens ---------------------------------------------------------------------------


async def test_registration_is_welcomed_with_the_network_name(server: ChinwagServer) -> None:
    ana = await IrcClient.connect(server.addresses[0])
    welcome = await ana.register("ana")
    assert welcome.source == "irc.test"
    assert "ana" in welcome.params[-1]
    isupport = [token for line in ana.received if line.command == "005" for token in line.params]
    assert "NETWORK=TestNet" in isupport
    await ana.close()


async def test_a_channel_message_reaches_every_other_member_but_not_the_sender(
    connect: Connect,
) -> None:
    ana, bo, cy = await connect("ana"), await connect("bo"), await connect("cy")
    for client in (ana, bo, cy):
        await client.join("#lobby")

    await ana.send("PRIVMSG", "#lobby", "hello, room: ünïcödé ok")

    for other in (bo, cy):
        line = await other.expect(is_("PRIVMSG", "#lobby"))
        assert line.hostmask.nickname == "ana"
        assert line.params == ["#lobby", "hello, room: ünïcödé ok"]
    await ana.send("PING", "after")
    await ana.expect(is_("PONG"))
    assert not [line for line in ana.received if line.command == "PRIVMSG"]


async def test_a_direct_message_reaches_only_its_target(connect: Connect) -> None:
    ana, bo, cy = await connect("ana"), await connect("bo"), await connect("cy")
    for client in (ana, bo, cy):
        await client.join("#lobby")

    await ana.send("PRIVMSG", "bo", "just between us")
    line = await bo.expect(is_("PRIVMSG", "bo"))
    assert line.source == f"ana!~ana@{LOOPBACK_CLOAK}"
    assert line.params[1] == "just between us"

    await bo.send("PRIVMSG", "ana", "agreed")
    assert (await ana.expect(is_("PRIVMSG", "ana"))).params[1] == "agreed"

    await cy.send("PING", "sync")
    await cy.expect(is_("PONG"))
    assert not [line for line in cy.received if line.command == "PRIVMSG"]


async def test_members_see_others_join_part_and_quit(connect: Connect) -> None:
    ana = await connect("ana")
    await ana.join("#lobby")

    bo = await connect("bo")
    await bo.join("#lobby")
    joined = await ana.expect(is_("JOIN", "#lobby"))
    assert joined.source == f"bo!~bo@{LOOPBACK_CLOAK}"

    await bo.send("PART", "#lobby", "off to lunch")
    parted = await ana.expect(is_("PART", "#lobby"))
    assert parted.hostmask.nickname == "bo"
    assert parted.params == ["#lobby", "off to lunch"]

    cy = await connect("cy")
    await cy.join("#lobby")
    await ana.expect(is_("JOIN", "#lobby"))
    await cy.send("QUIT", "good night")
    quit_ = await ana.expect(is_("QUIT"))
    assert quit_.hostmask.nickname == "cy"
    assert "good night" in quit_.params[0]

    rest = await cy.expect_closed()
    assert [line.command for line in rest][-1:] == ["ERROR"]


async def test_names_lists_everyone_in_the_lobby(connect: Connect) -> None:
    ana, bo, cy = await connect("ana"), await connect("bo"), await connect("cy")
    await ana.join("#lobby")
    await bo.join("#lobby")
    names_on_join = await cy.join("#lobby")
    assert sorted(names_on_join) == ["@ana", "bo", "cy"]

    await bo.send("NAMES", "#lobby")
    reply = await bo.expect(is_("353", "bo"))
    assert reply.params[2] == "#lobby"
    assert sorted(reply.params[3].split()) == ["@ana", "bo", "cy"]
    await bo.expect(is_("366", "bo", "#lobby"))


async def test_a_line_split_over_many_segments_is_put_back_together(
    server: ChinwagServer,
) -> None:
    ana = await IrcClient.connect(server.addresses[0])
    ana.writer.transport.get_extra_info("socket").setsockopt(
        socket.IPPROTO_TCP, socket.TCP_NODELAY, 1
    )
    for byte in b"NICK ana\r\nUSER ana 0 * :Ana\r\n":
        await ana.send_raw(bytes([byte]))
    await ana.expect(is_("001", "ana"))
    await ana.close()


async def test_many_commands_in_one_write_with_bare_lf_endings(server: ChinwagServer) -> None:
    ana = await IrcClient.connect(server.addresses[0])
    await ana.send_raw(b"NICK ana\nUSER ana 0 * :Ana\nJOIN #lobby\nPING one\r\nPING two\n")
    await ana.expect(is_("001", "ana"))
    await ana.expect(is_("366", "ana", "#lobby"))
    assert (await ana.expect(is_("PONG"))).params[-1] == "one"
    assert (await ana.expect(is_("PONG"))).params[-1] == "two"
    await ana.close()


async def test_an_ipv6_peer_has_a_host_that_cannot_be_read_as_a_trailing_parameter() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 in this Python")
    # Cloaking off: the address itself is the host (a cloak never starts with ":").
    config = Config(
        server=ServerInfo(name="irc.test", cloak_hosts=False),
        limits=Limits(),
        listeners=(Listener("::1", 0),),
    )
    server = ChinwagServer(config, MemoryStore())
    try:
        await server.start()
    except OSError as error:
        pytest.skip(f"no IPv6 loopback here: {error}")
    try:
        ana = await IrcClient.connect(server.addresses[0])
        bo = await IrcClient.connect(server.addresses[0])
        await ana.register("ana")
        await bo.register("bo")
        await bo.send("PRIVMSG", "ana", "hi over v6")
        line = await ana.expect(is_("PRIVMSG", "ana"))
        assert line.source == "bo!~bo@0::1"
        assert line.params == ["ana", "hi over v6"]
        await ana.close()
        await bo.close()
    finally:
        await server.stop(grace=1.0)


@pytest.mark.one_node(
    reason="[limits] max_clients counts one process's connections (each node's own in a "
    "cluster); a second connection through the balancer lands on the other node"
)
async def test_a_full_server_says_so_and_closes_the_extra_connection(
    make_server: ServerFactory,
) -> None:
    server = await make_server(max_clients=1)
    ana = await IrcClient.registered(server.addresses[0], "ana")

    extra = await IrcClient.connect(server.addresses[0])
    rest = await extra.expect_closed()
    assert [line.command for line in rest] == ["ERROR"]
    assert "server is full" in rest[0].params[0]

    await ana.send("PING", "still here")
    await ana.expect(is_("PONG"))
    await ana.close()


# -- jaraco's irc package ----------------------------------------------------------------


class JaracoClient:
    """An ``irc.client_aio`` connection whose events are recorded for the test to await."""

    def __init__(self) -> None:
        self.reactor = irc.client_aio.AioReactor(loop=asyncio.get_running_loop())
        self.connection = self.reactor.server()
        self.events: list[irc.client.Event] = []
        self._arrived = asyncio.Event()
        self._cursor = 0
        self.reactor.add_global_handler("all_events", self._record)

    def _record(self, _connection: irc.client.ServerConnection, event: irc.client.Event) -> None:
        self.events.append(event)
        self._arrived.set()

    async def expect(
        self, kind: str, match: Callable[[irc.client.Event], bool] = lambda _: True
    ) -> irc.client.Event:
        """The next unseen event of type ``kind`` that ``match`` accepts."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            for index in range(self._cursor, len(self.events)):
                event = self.events[index]
                if event.type == kind and match(event):
                    self._cursor = index + 1
                    return event
            self._cursor = len(self.events)
            self._arrived.clear()
            remaining = deadline - time.monotonic()
            try:
                await asyncio.wait_for(self._arrived.wait(), max(remaining, 0))
            except TimeoutError:
                seen = [(e.type, e.arguments) for e in self.events[-8:]]
                raise AssertionError(f"no {kind} event in time; last: {seen}") from None


async def test_a_jaraco_irc_client_chats_with_an_irctokens_client(
    server: ChinwagServer, connect: Connect
) -> None:
    host, port = server.addresses[0]
    ana = await connect("ana")
    await ana.join("#lobby")

    jay = JaracoClient()
    await jay.connection.connect(host, port, "jay")
    await jay.expect("welcome")
    jay.connection.join("#lobby")
    await jay.expect("join", lambda e: e.source.nick == "jay")
    names = await jay.expect("namreply")
    assert names.arguments[1] == "#lobby"
    assert sorted(names.arguments[2].split()) == ["@ana", "jay"]
    await jay.expect("endofnames")
    await ana.expect(is_("JOIN", "#lobby"))

    await ana.send("PRIVMSG", "#lobby", "hi jay")
    said = await jay.expect("pubmsg")
    assert (said.source.nick, said.target, said.arguments) == ("ana", "#lobby", ["hi jay"])

    jay.connection.privmsg("#lobby", "hi ana, from jaraco")
    heard = await ana.expect(is_("PRIVMSG", "#lobby"))
    assert heard.source == f"jay!~jay@{LOOPBACK_CLOAK}"
    assert heard.params[1] == "hi ana, from jaraco"

    await ana.send("PRIVMSG", "jay", "psst")
    whispered = await jay.expect("privmsg")
    assert (whispered.source.nick, whispered.arguments) == ("ana", ["psst"])
    jay.connection.privmsg("ana", "psst back")
    assert (await ana.expect(is_("PRIVMSG", "ana"))).params[1] == "psst back"

    bo = await connect("bo")
    await bo.join("#lobby")
    await jay.expect("join", lambda e: e.source.nick == "bo")
    await bo.send("PART", "#lobby", "brb")
    parted = await jay.expect("part")
    assert (parted.source.nick, parted.target, parted.arguments) == ("bo", "#lobby", ["brb"])

    await ana.send("QUIT", "bye all")
    quit_ = await jay.expect("quit")
    assert quit_.source.nick == "ana"
    assert "bye all" in quit_.arguments[0]

    jay.connection.disconnect("done")
    await jay.expect("disconnect")

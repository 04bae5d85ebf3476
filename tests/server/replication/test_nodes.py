"""Several nodes, one network (issue 18): servers in one process joined by one in-process log
(:class:`chinwag.cluster.local.LocalNetwork`), real sockets, clients spread over the nodes.

Each node is a whole :class:`~chinwag.server.app.ChinwagServer` with its own listener; the
nodes share the log and one store (as nodes share PostgreSQL). A client on one node sees the
people, rooms and messages of the others exactly as if they were on its own.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from chinwag.cluster.local import LocalLog, LocalNetwork
from chinwag.server.app import ChinwagServer
from chinwag.server.replication.node import ReplicatedCore
from chinwag.storage.memory import MemoryStore
from tests.conftest import test_config
from tests.ircclient import IrcClient, is_
from tests.twonodes import settled

Address = tuple[str, int]
StartNode = Callable[..., Awaitable[ChinwagServer]]


@pytest.fixture
async def start_node() -> AsyncIterator[StartNode]:
    """``await start_node("a")``: a started node of one network; stopped after the test."""
    network = LocalNetwork()
    store = MemoryStore()
    started: list[ChinwagServer] = []

    async def start(name: str, lease: float = 10.0, **limits: object) -> ChinwagServer:
        node = ChinwagServer(
            test_config(**limits), store, network_log=LocalLog(network, name, lease=lease)
        )
        await node.start()
        started.append(node)
        return node

    yield start
    for node in reversed(started):
        if not node.stopped:
            await node.stop(grace=1.0)
    await IrcClient.close_all()


def address(node: ChinwagServer) -> Address:
    return node.addresses[0]


async def in_the_lobby(a: ChinwagServer, b: ChinwagServer) -> tuple[IrcClient, IrcClient]:
    """ana on node ``a`` and bo on node ``b``, both in #lobby, ana having seen bo join."""
    ana = await IrcClient.registered(address(a), "ana", "#lobby")
    bo = await IrcClient.registered(address(b), "bo", "#lobby")
    await ana.expect(is_("JOIN", "#lobby"))
    return ana, bo


async def test_a_message_in_a_room_reaches_a_member_on_another_node(
    start_node: StartNode,
) -> None:
    a, b = await start_node("a"), await start_node("b")
    ana = await IrcClient.registered(address(a), "ana", "#lobby")
    bo = await IrcClient.registered(address(b), "bo", "#lobby")
    joined = await ana.expect(is_("JOIN", "#lobby"))
    assert joined.source is not None and joined.source.startswith("bo!")
    await ana.send("PRIVMSG", "#lobby", "hello from node a")
    heard = await bo.expect(is_("PRIVMSG", "#lobby"))
    assert heard.params[1] == "hello from node a"
    assert heard.source is not None and heard.source.startswith("ana!")
    await bo.send("PRIVMSG", "ana", "and a direct one back")
    direct = await ana.expect(is_("PRIVMSG", "ana"))
    assert direct.params[1] == "and a direct one back"
    await settled(a, b)


async def test_two_clients_racing_for_one_nick_on_two_nodes_never_both_hold_it(
    start_node: StartNode,
) -> None:
    a, b = await start_node("a"), await start_node("b")
    for round_ in range(5):
        left = await IrcClient.connect(address(a))
        right = await IrcClient.connect(address(b))
        nick = f"racer{round_}"
        await asyncio.gather(
            left.send_raw(f"NICK {nick}\r\nUSER l 0 * :l\r\n".encode()),
            right.send_raw(f"NICK {nick}\r\nUSER r 0 * :r\r\n".encode()),
        )
        outcomes = []
        for client in (left, right):
            line = await client.expect(lambda line: line.command in {"001", "433"})
            outcomes.append(line.command)
        assert sorted(outcomes) == ["001", "433"], outcomes
        await left.close()
        await right.close()
    await settled(a, b)


async def test_members_on_three_nodes_hear_a_rooms_messages_in_one_order(
    start_node: StartNode,
) -> None:
    nodes = [await start_node(name) for name in ("a", "b", "c")]
    senders = [
        await IrcClient.registered(address(node), f"talker{i}", "#order")
        for i, node in enumerate(nodes)
    ]
    listeners = [
        await IrcClient.registered(address(node), f"listener{i}", "#order")
        for i, node in enumerate(nodes)
    ]
    each = 20

    async def talk(i: int, client: IrcClient) -> None:
        for n in range(each):
            await client.send("PRIVMSG", "#order", f"{i}:{n}")

    await asyncio.gather(*(talk(i, client) for i, client in enumerate(senders)))

    async def hear(client: IrcClient, count: int) -> list[str]:
        texts: list[str] = []
        while len(texts) < count:
            texts.append((await client.expect(is_("PRIVMSG", "#order"))).params[1])
        return texts

    total = each * len(senders)
    heard = [await hear(client, total) for client in listeners]
    assert heard[0] == heard[1] == heard[2]  # one order on every node
    for i in range(len(senders)):
        own = [text for text in heard[0] if text.startswith(f"{i}:")]
        assert own == [f"{i}:{n}" for n in range(each)]  # each sender's order kept
    for i, sender in enumerate(senders):  # a sender hears the others in that order too
        others = [text for text in heard[0] if not text.startswith(f"{i}:")]
        assert await hear(sender, len(others)) == others
    await settled(*nodes)


async def test_an_account_registered_on_one_node_logs_in_on_another(
    start_node: StartNode,
) -> None:
    a, b = await start_node("a"), await start_node("b")
    ana = await IrcClient.registered(address(a), "ana")
    await ana.send("REGISTER", "*", "*", "a long secret")
    await ana.expect(is_("REGISTER", "SUCCESS"))
    other = await IrcClient.connect(address(b))
    await other.send("CAP", "REQ", "sasl")
    await other.expect(is_("CAP", "*", "ACK"))
    await other.send("NICK", "ana2")
    await other.send("USER", "a", "0", "*", "a")
    await other.send("AUTHENTICATE", "PLAIN")
    await other.expect(is_("AUTHENTICATE", "+"))
    await other.send("AUTHENTICATE", base64.b64encode(b"\0ana\0a long secret").decode())
    logged_in = await other.expect(is_("900"))
    assert logged_in.params[2] == "ana"
    await other.expect(is_("903"))
    await settled(a, b)


async def test_a_node_that_stops_takes_only_its_own_users_with_it(
    start_node: StartNode,
) -> None:
    a, b = await start_node("a"), await start_node("b")
    ana, bo = await in_the_lobby(a, b)
    await b.stop()
    goodbye = await bo.expect_closed()
    assert goodbye and goodbye[-1].command == "ERROR"
    quit_ = await ana.expect(is_("QUIT"))
    assert quit_.source is not None and quit_.source.startswith("bo!")
    await ana.send("PRIVMSG", "#lobby", "still here")
    await ana.send("PING", "x")
    await ana.expect(is_("PONG"))


async def test_a_node_that_dies_is_declared_lost_and_its_users_quit_everywhere(
    start_node: StartNode,
) -> None:
    a = await start_node("a", lease=1.0)
    b = await start_node("b", lease=1.0)
    ana, bo = await in_the_lobby(a, b)
    # Node b dies: it stops renewing its lease and nothing more of it reaches the log.
    core = b.core
    assert isinstance(core, ReplicatedCore)
    await core.close()
    quit_ = await ana.expect(is_("QUIT"), timeout=5.0)
    assert quit_.source is not None and quit_.source.startswith("bo!")
    fresh = await IrcClient.registered(address(a), "bo")  # the nick is free again
    assert fresh.nick == "bo"
    del bo


async def test_when_the_log_loses_its_data_every_node_stops_serving_rather_than_guess(
    start_node: StartNode,
) -> None:
    a, b = await start_node("a", lease=1.0), await start_node("b", lease=1.0)
    await IrcClient.registered(address(a), "ana", "#lobby")
    cores = [node.core for node in (a, b)]
    assert all(isinstance(core, ReplicatedCore) for core in cores)
    network_log = a.network_log
    assert isinstance(network_log, LocalLog)
    network_log.network.wipe()  # as a Redis restarted without persistence
    for core in cores:
        assert isinstance(core, ReplicatedCore)
        reason = await asyncio.wait_for(asyncio.shield(core.fenced), 5.0)
        assert "gone" in reason or "lost" in reason


async def test_a_node_that_joins_later_starts_from_a_snapshot_and_agrees_with_the_others(
    start_node: StartNode,
) -> None:
    a, b = await start_node("a"), await start_node("b")
    core = a.core
    assert isinstance(core, ReplicatedCore)
    ana = await IrcClient.registered(address(a), "ana", "#lobby")
    await ana.send("REGISTER", "*", "*", "a long secret")
    await ana.expect(is_("REGISTER", "SUCCESS"))
    await ana.send("TOPIC", "#lobby", "before the first snapshot")
    await ana.send("MONITOR", "+", "bo")
    bo = await IrcClient.registered(address(b), "bo", "#lobby")
    await bo.send("AWAY", "gone fishing")
    await bo.send("PING", "sync")
    await bo.expect(is_("PONG"))
    await settled(a, b)
    first = core.snapshot_now()
    assert first is not None
    await first
    await ana.send("TOPIC", "#lobby", "between the snapshots")
    await ana.send("PING", "sync")
    await ana.expect(is_("PONG"))
    await settled(a, b)
    second = core.snapshot_now()
    assert second is not None
    await second
    assert core.snapshots_taken == 2

    c = await start_node("c")
    joined = c.core
    assert isinstance(joined, ReplicatedCore)
    assert joined.snapshot_loaded is not None  # it did not replay the log from its start
    await settled(a, b, c)
    cy = await IrcClient.registered(address(c), "cy")
    names = await cy.join("#lobby")
    assert {name.lstrip("@+") for name in names} == {"ana", "bo", "cy"}
    topic = [line for line in cy.received if line.command == "332"]
    assert topic and topic[-1].params[2] == "between the snapshots"
    await cy.send("PRIVMSG", "#lobby", "hello from the newcomer")
    assert (await ana.expect(is_("PRIVMSG", "#lobby"))).params[1] == "hello from the newcomer"
    await cy.send("WHOIS", "bo")
    away = await cy.expect(is_("301"))
    assert away.params[2] == "gone fishing"
    await settled(a, b, c)


async def test_while_the_log_is_unreachable_a_node_says_so_refuses_newcomers_and_loses_nothing(
    start_node: StartNode,
) -> None:
    a, b = await start_node("a"), await start_node("b")
    ana, bo = await in_the_lobby(a, b)
    network_log = a.network_log
    assert isinstance(network_log, LocalLog)
    network_log.network.available = False
    notice = await ana.expect(is_("NOTICE", "ana"))
    assert "lost touch with the rest of the network" in notice.params[1]
    await ana.send("PRIVMSG", "#lobby", "said while the log was down")
    late = await IrcClient.connect(address(a))
    refused = await late.expect_closed()
    assert refused and refused[-1].command == "ERROR"
    assert "cannot reach its network" in refused[-1].params[0]
    network_log.network.available = True
    back = await ana.expect(is_("NOTICE", "ana"))
    assert "in touch with the network again" in back.params[1]
    heard = await bo.expect(is_("PRIVMSG", "#lobby"))
    assert heard.params[1] == "said while the log was down"
    await settled(a, b)


async def test_a_node_joins_a_network_whose_log_never_goes_quiet(start_node: StartNode) -> None:
    a = await start_node("a")
    core = a.core
    busy = True

    async def keep_appending() -> None:
        while busy:  # faster than a joining node's read waits for the log to go quiet
            core.tick()
            await asyncio.sleep(0.02)

    appending = asyncio.create_task(keep_appending())
    try:
        b = await asyncio.wait_for(start_node("b"), 5.0)
    finally:
        busy = False
        await appending
    bo = await IrcClient.registered(address(b), "bo")
    assert bo.nick == "bo"
    await settled(a, b)


async def test_what_a_node_appended_just_before_it_leaves_goes_in_before_its_leaving(
    start_node: StartNode,
) -> None:
    a, b = await start_node("a"), await start_node("b")
    _, bo = await in_the_lobby(a, b)
    core = a.core
    assert isinstance(core, ReplicatedCore)
    (session,) = (link.session for link in a.links if link.session is not None)
    core.receive(session, ["PRIVMSG #lobby :last words"])  # appended, not yet in the log
    await core.leave("Server shutting down")
    heard = await bo.expect(lambda line: line.command in {"PRIVMSG", "QUIT"})
    assert (heard.command, heard.params[-1]) == ("PRIVMSG", "last words")
    await bo.expect(is_("QUIT"))


async def test_a_session_over_its_sendq_quits_for_that_even_when_its_connection_closes_next(
    start_node: StartNode,
) -> None:
    a, b = await start_node("a"), await start_node("b")
    await IrcClient.registered(address(a), "slow", "#lobby")
    bo = await IrcClient.registered(address(b), "bo", "#lobby")
    core = a.core
    assert isinstance(core, ReplicatedCore)
    (session,) = (link.session for link in a.links if link.session is not None)
    # As a transport does when a peer stops reading: the overflow, then the closed socket,
    # appended back to back (nothing of anyone else's between them in the log).
    core.overflowed(session)
    core.connection_lost(session)
    quit_ = await bo.expect(is_("QUIT"))
    assert quit_.source is not None and quit_.source.startswith("slow!")
    assert "SendQ exceeded" in quit_.params[0]
    await settled(a, b)


def test_a_node_applies_as_much_of_one_connection_per_turn_as_a_link_hands_a_core() -> None:
    from chinwag.server.replication.node import CONNECTION_SLICE
    from chinwag.transport.link import RECEIVE_SLICE

    assert CONNECTION_SLICE == RECEIVE_SLICE

"""The cluster under faults, with real node processes, Redis and PostgreSQL (issue 18 "Tests").

Every node is a real ``chinwag serve`` (tests/e2e/cluster.py) with a two-second lease. What
is checked is what a person on the network would see: one nick per person however close two
registrations come; one order of a room's messages for every member, whichever node each is
on; a node killed with SIGKILL leaves with a QUIT everywhere within its lease, its nicks free
and its always-on users staying; Redis and PostgreSQL restarted under traffic lose nothing a
client was told was done.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from irctokens.line import Line

from chinwag.server.replication.node import LOG_BACK, LOG_GONE, UNREACHABLE
from tests.cluster.redis_service import reachable_redis
from tests.e2e.cluster import (
    LEASE,
    PASSWORD,
    Cluster,
    Node,
    chat_client,
    cluster,
    echoes,
    history,
    private_redis,
    said,
    synced,
    texts,
)
from tests.ircclient import IrcClient, Match, is_
from tests.storage.postgres import fresh_dsn, private_server
from tests.waiting import until

if sys.platform == "win32":
    pytest.skip("the nodes are killed with SIGKILL, a POSIX signal", allow_module_level=True)


@pytest.fixture
async def redis_url() -> str:
    """The shared test Redis (skipped without it, failed under ``CI=true``)."""
    return await reachable_redis()


@pytest.fixture
async def dsn() -> AsyncIterator[str]:
    """A fresh schema on the shared test PostgreSQL (skipped without it, failed under CI)."""
    async with fresh_dsn() as fresh:
        yield fresh


@pytest.fixture
async def network(tmp_path: Path, redis_url: str, dsn: str) -> AsyncIterator[Cluster]:
    """A network of its own on the shared Redis and PostgreSQL, no node started yet."""
    async with cluster(tmp_path, redis_url, dsn) as running:
        yield running


ROUNDS = 25


async def test_two_clients_racing_for_one_nick_on_two_nodes_never_both_get_it(
    network: Cluster,
) -> None:
    first, second = await asyncio.gather(network.start("n0"), network.start("n1"))
    for round_ in range(ROUNDS):
        nick = f"race{round_}"
        clients = await asyncio.gather(
            IrcClient.connect(first.address), IrcClient.connect(second.address)
        )
        registration = f"NICK {nick}\r\nUSER {nick} 0 * :racer\r\n".encode()
        # Both registrations leave at once, one to each node.
        await asyncio.gather(*(client.send_raw(registration) for client in clients))
        outcomes = await asyncio.gather(
            *(client.expect(lambda line: line.command in ("001", "433")) for client in clients)
        )

        assert sorted(line.command for line in outcomes) == ["001", "433"], (
            f"round {round_}: {[line.format() for line in outcomes]}"
        )
        for client in clients:
            await client.close()


SENDERS = 3
MESSAGES = 40


async def test_a_room_with_members_on_three_nodes_hears_one_order(network: Cluster) -> None:
    nodes = await asyncio.gather(*(network.start(f"n{index}") for index in range(3)))
    senders = [
        await chat_client(node.address, f"sender{index}") for index, node in enumerate(nodes)
    ]
    listeners = [
        await chat_client(node.address, f"listener{index}") for index, node in enumerate(nodes)
    ]
    everyone = senders + listeners
    for client in everyone:
        await client.join("#room")
    for client in everyone:
        await synced(client)

    async def speak(index: int, client: IrcClient) -> None:
        for number in range(MESSAGES):
            await client.send("PRIVMSG", "#room", f"sender{index} {number}")

    await asyncio.gather(*(speak(index, client) for index, client in enumerate(senders)))
    total = SENDERS * MESSAGES
    for client in everyone:
        await client.read_until(lambda client=client: len(said(client, "#room")) >= total, 15)

    # A sender's own echo waits for its node's history commit (durable before echo), so
    # the order to compare is the listeners' and, in a sender's view, everyone else's.
    heard = [texts(said(client, "#room")) for client in listeners]
    order = heard[0]
    assert len(order) == total
    assert heard == [order] * len(listeners), "every listener hears one order"
    for index, sender in enumerate(senders):
        others = [text for text in order if not text.startswith(f"sender{index} ")]
        assert [
            text for text in texts(said(sender, "#room")) if not text.startswith(f"sender{index} ")
        ] == others
        own = [text for text in order if text.startswith(f"sender{index} ")]
        assert own == [f"sender{index} {number}" for number in range(MESSAGES)]
        assert texts(echoes(sender, "#room")) == own, "each sender's order is kept"
    msgids = [[line.tags["msgid"] for line in said(client, "#room")] for client in listeners]
    assert msgids == [msgids[0]] * len(listeners), "each message has one msgid everywhere"


class Chatter:
    """A client saying numbered lines to ``#room`` every few milliseconds until stopped (or
    until its node is gone); what its node acknowledged is in its echoes."""

    def __init__(self, client: IrcClient) -> None:
        self.client = client
        self.sent = 0
        self._stop = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while not self._stop.is_set():
                await self.client.send("PRIVMSG", "#room", f"{self.client.nick} {self.sent}")
                self.sent += 1
                await asyncio.sleep(PACE)

    async def stop(self) -> None:
        self._stop.set()
        await self._task


PACE = 0.02
"""Seconds between one chatter's lines."""

SLACK = 3.0
"""Seconds allowed beyond the lease for a survivor to notice (it looks every lease/3) and
for the QUIT to reach the clients."""


async def register_account(client: IrcClient) -> None:
    """Register ``client``'s nick as an account (password :data:`PASSWORD`) and turn its
    always-on setting on."""
    await client.send("REGISTER", "*", "*", PASSWORD)
    await client.expect(is_("REGISTER", "SUCCESS", client.nick), 10)
    await client.send("PRIVMSG", "NickServ", "SET ALWAYS-ON ON")
    await client.expect(
        lambda line: line.command == "NOTICE" and line.params[-1].startswith("Always-on is on"),
        10,
    )


async def test_a_node_killed_mid_traffic_leaves_with_a_quit_everywhere_within_its_lease(
    network: Cluster,
) -> None:
    survivor, other, victim = await asyncio.gather(
        network.start("n0"), network.start("n1"), network.start("n2")
    )
    ana = await chat_client(victim.address, "ana")
    await register_account(ana)
    gone = [await chat_client(victim.address, nick) for nick in ("gone0", "gone1")]
    stays = [
        await chat_client(survivor.address, "stay0"),
        await chat_client(other.address, "stay1"),
    ]
    for client in [ana, *gone, *stays]:
        await client.join("#room")
    for client in [ana, *gone, *stays]:
        await synced(client)

    chatters = [Chatter(client) for client in (gone[1], *stays)]
    await gone[1].read_until(lambda: len(echoes(gone[1], "#room")) >= 10)
    await victim.kill()
    killed_at = time.monotonic()

    for client in stays:
        for nick in ("gone0", "gone1"):
            quit_ = await client.expect(
                lambda line, nick=nick: (
                    line.command == "QUIT"
                    and line.hostmask is not None
                    and line.hostmask.nickname == nick
                ),
                timeout=LEASE + SLACK,
            )
            assert quit_.params == ["n2 lost"]
    assert time.monotonic() - killed_at < LEASE + SLACK
    await asyncio.gather(*(chatter.stop() for chatter in chatters))

    taker = await chat_client(survivor.address, "gone0")  # the dead node's nick is free
    await taker.join("#room")
    watcher = stays[1]
    await watcher.send("NAMES", "#room")
    names = await watcher.expect(is_("353", "stay1"))
    assert "ana" in [name.lstrip("@") for name in names.params[-1].split()]
    await watcher.send("WHOIS", "ana")
    await watcher.expect(is_("301", "stay1", "ana"))  # away: not connected
    assert not [
        line
        for client in stays
        for line in client.received
        if line.command == "QUIT" and line.hostmask is not None and line.hostmask.nickname == "ana"
    ], "an always-on user stays when its node dies"

    for client in [*stays, taker]:
        await synced(client)
    acknowledged = [
        line.tags["msgid"] for client in (gone[1], *stays) for line in echoes(client, "#room")
    ]
    kept = {line.tags["msgid"] for line in await history(taker, "#room")}
    assert len(acknowledged) > 20
    assert [msgid for msgid in acknowledged if msgid not in kept] == []


async def say(client: IrcClient, phase: str, count: int = 5) -> None:
    for number in range(count):
        await client.send("PRIVMSG", "#room", f"{client.nick} {phase} {number}")


async def test_redis_restarted_mid_traffic_loses_nothing_and_the_nodes_go_on(
    tmp_path: Path, dsn: str
) -> None:
    async with private_redis() as redis, cluster(tmp_path, redis.url, dsn) as network:
        first, second = await asyncio.gather(network.start("n0"), network.start("n1"))
        senders = [await chat_client(first.address, "ana"), await chat_client(second.address, "bo")]
        listeners = [
            await chat_client(first.address, "carol"),
            await chat_client(second.address, "dan"),
        ]
        everyone = senders + listeners
        for client in everyone:
            await client.join("#room")
        for client in everyone:
            await synced(client)
        for client in senders:
            await say(client, "before")

        await redis.stop()
        for client in everyone:
            await client.expect(is_("NOTICE", client.nick, LOG_GONE), timeout=10)
        refused = await IrcClient.connect(first.address)
        error = await refused.expect(is_("ERROR"))
        assert error.params == [UNREACHABLE]
        for client in senders:
            await say(client, "during")  # they wait, in order
        # Longer than a lease: no node may take another's silence for its death, since
        # none of them could renew.
        await asyncio.sleep(LEASE + 0.5)
        heard_meanwhile = [text for c in everyone for text in texts(said(c, "#room"))]
        assert not [text for text in heard_meanwhile if " during " in text], (
            "nothing is done while the log is gone"
        )

        await redis.start()
        for client in everyone:
            await client.expect(is_("NOTICE", client.nick, LOG_BACK), timeout=10)
        for client in senders:
            await say(client, "after")
        total = 30
        for client in everyone:
            await client.read_until(
                lambda client=client: len(said(client, "#room")) >= total, timeout=15
            )
        for client in everyone:
            await synced(client)

        heard = [texts(said(client, "#room")) for client in listeners]
        assert heard[0] == heard[1], "one order"
        expected = {
            f"{nick} {phase} {number}"
            for nick in ("ana", "bo")
            for phase in ("before", "during", "after")
            for number in range(5)
        }
        assert sorted(heard[0]) == sorted(expected), "each message delivered once"
        for client in senders:
            own = [text for text in heard[0] if text.startswith(f"{client.nick} ")]
            assert texts(echoes(client, "#room")) == own
        # The nodes go on: a lease later, nobody was declared lost for the silence.
        await asyncio.sleep(LEASE + 1)
        for client in senders:
            await client.send("PRIVMSG", "#room", f"{client.nick} later")
        for client in listeners:
            await client.read_until(
                lambda client=client: len(said(client, "#room")) >= total + 2, timeout=10
            )
        assert first.process.returncode is None and second.process.returncode is None
        assert not [line for c in everyone for line in c.received if line.command == "QUIT"]
        kept = {line.tags["msgid"] for line in await history(listeners[1], "#room")}
        acknowledged = [line.tags["msgid"] for c in senders for line in echoes(c, "#room")]
        assert [msgid for msgid in acknowledged if msgid not in kept] == []


def own(client: IrcClient, text: str) -> Match:
    """A matcher: ``client``'s own message ``text`` to ``#room`` (its echo)."""

    def match(line: Line) -> bool:
        return (
            line.command == "PRIVMSG"
            and line.params == ["#room", text]
            and line.hostmask is not None
            and line.hostmask.nickname == client.nick
        )

    match.__name__ = f"the echo of {text!r}"
    return match


async def test_postgresql_restarted_mid_traffic_echoes_wait_and_nothing_echoed_is_lost(
    tmp_path: Path, redis_url: str
) -> None:
    async with private_server() as database, cluster(tmp_path, redis_url, database.dsn) as network:
        first, second = await asyncio.gather(network.start("n0"), network.start("n1"))
        ana = await chat_client(first.address, "ana")
        bo = await chat_client(second.address, "bo")
        for client in (ana, bo):
            await client.join("#room")
        for client in (ana, bo):
            await synced(client)
            await say(client, "before", 3)
        for client in (ana, bo):
            await client.expect(own(client, f"{client.nick} before 2"), timeout=10)

        await database.stop()
        for client in (ana, bo):
            await say(client, "during", 3)
        # The room hears them at once: the log ordered them; only the store is away.
        await bo.expect(is_("PRIVMSG", "#room", "ana during 2"), timeout=10)
        await ana.expect(is_("PRIVMSG", "#room", "bo during 2"), timeout=10)
        # An echo says "kept": it waits for the node's history commit.
        await asyncio.sleep(1.0)
        assert [texts(echoes(client, "#room")) for client in (ana, bo)] == [
            [f"{client.nick} before {number}" for number in range(3)] for client in (ana, bo)
        ]

        await database.start()
        for client in (ana, bo):
            await client.expect(own(client, f"{client.nick} during 2"), timeout=20)
            await say(client, "after", 3)
        for client in (ana, bo):
            await client.expect(own(client, f"{client.nick} after 2"), timeout=10)

        for client in (ana, bo):
            assert texts(echoes(client, "#room")) == [
                f"{client.nick} {phase} {number}"
                for phase in ("before", "during", "after")
                for number in range(3)
            ]
        acknowledged = [line.tags["msgid"] for c in (ana, bo) for line in echoes(c, "#room")]
        for client in (ana, bo):  # each node's history has what both nodes kept
            kept = {line.tags["msgid"] for line in await history(client, "#room")}
            assert [msgid for msgid in acknowledged if msgid not in kept] == []


def worker_of(node: Node, nick: str) -> str:
    """The worker whose log says ``nick`` connected (``wk-0``, ``wk-1``)."""
    found = re.search(rf"\[(wk-\d)\] {nick} connected from", node.log())
    assert found, f"no worker logged {nick} connecting"
    return found.group(1)


@pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="no SO_REUSEPORT here")
async def test_workers_sharing_a_port_are_one_network(network: Cluster) -> None:
    serve = await network.start("wk", workers=2)
    assert len(serve.workers) == 2
    clients = [await chat_client(serve.address, f"user{index}") for index in range(16)]
    for client in clients:
        await client.join("#room")
    for client in clients:
        await synced(client)
    await until(
        lambda: all(f"{client.nick} connected from" in serve.log() for client in clients),
        "every connection logged",
    )
    by_worker: dict[str, list[IrcClient]] = {}
    for client in clients:
        by_worker.setdefault(worker_of(serve, client.nick), []).append(client)
    assert sorted(by_worker) == ["wk-0", "wk-1"], "the kernel spread them over both workers"

    for worker, members in sorted(by_worker.items()):
        await members[0].send("PRIVMSG", "#room", f"hello from {worker}")
    for client in clients:
        await client.read_until(lambda client=client: len(said(client, "#room")) >= 2, 10)
        assert sorted(texts(said(client, "#room"))) == ["hello from wk-0", "hello from wk-1"]
    first, second = by_worker["wk-0"][0], by_worker["wk-1"][0]
    await first.send("PRIVMSG", second.nick, "a direct message across workers")
    direct = await second.expect(is_("PRIVMSG", second.nick))
    assert direct.params[-1] == "a direct message across workers"

"""``UBAN``: operators ban an address, a range, a ``nick!user@host`` mask or an account
(issue 17), over real sockets and a real SQLite file.

A ban is enforced when a connection is accepted (address), when it registers (mask), when it
logs in (account) and, the moment it is added, on everyone already connected: they get
``ERROR`` with the reason and those who share a channel see them ``QUIT``. Bans survive a
restart, run out after their duration, and only operators may set, lift or even see them.

Clients connect from their own loopback addresses; the operator from 127.0.0.1.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from chinwag.config import Operator
from chinwag.server import app
from chinwag.server.app import ChinwagServer
from chinwag.storage.sqlite import SqliteStore
from tests.conftest import test_config
from tests.ircclient import IrcClient, Line, is_
from tests.waiting import until

PASSWORD = "oper-sesame-42"
HASHED = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash(PASSWORD)
OPER_HOME = "127.0.0.1"
MALLORY = "127.0.0.2"
BYSTANDER = "127.0.0.3"

Start = Callable[[], Awaitable[ChinwagServer]]


@pytest.fixture
async def start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Start]:
    """``await start()``: a server with an operator block over ``tmp_path``'s SQLite file;
    calling it again after a stop is a restart on the same file and port."""
    monkeypatch.setattr(app, "TICK_SECONDS", 0.05)
    started: list[ChinwagServer] = []
    ports: list[int] = []

    async def make() -> ChinwagServer:
        store = await SqliteStore.open(tmp_path / "chinwag.db")
        config = test_config(ports[-1] if ports else 0, operators=(Operator("admin", HASHED),))
        server = ChinwagServer(config, store)
        await server.start()
        started.append(server)
        ports.append(server.addresses[0][1])
        return server

    yield make
    await IrcClient.close_all()
    for server in started:
        if not server.stopped:
            await server.stop(grace=1.0)


async def operator(server: ChinwagServer) -> IrcClient:
    olga = await IrcClient.connect(server.addresses[0], source=OPER_HOME)
    await olga.register("olga")
    await olga.send("OPER", "admin", PASSWORD)
    await olga.expect(is_("381"))
    return olga


async def user(server: ChinwagServer, nick: str, source: str, *channels: str) -> IrcClient:
    client = await IrcClient.connect(server.addresses[0], source=source)
    await client.register(nick)
    for channel in channels:
        await client.join(channel)
    return client


def notice(text: str) -> Callable[[Line], bool]:
    def match(line: Line) -> bool:
        return line.command == "NOTICE" and text in line.params[-1]

    return match


async def refused(server: ChinwagServer, source: str) -> str:
    """The ERROR a new connection from ``source`` gets before it is closed, unread."""
    client = await IrcClient.connect(server.addresses[0], source=source)
    rest = await client.expect_closed()
    assert [line.command for line in rest] == ["ERROR"], rest
    return rest[0].params[0]


async def test_an_address_ban_closes_the_user_others_see_them_quit_and_they_cannot_return(
    start: Start,
) -> None:
    server = await start()
    olga = await operator(server)
    mallory = await user(server, "mallory", MALLORY, "#lobby")
    bystander = await user(server, "bystander", BYSTANDER, "#lobby")

    await olga.send("UBAN", "ADD", MALLORY, "DURATION", "1h", "spamming", "the", "lobby")

    added = await olga.expect(notice("Added UBAN"))
    assert f"ip {MALLORY}/32 (spamming the lobby) set by olga" in added.params[-1]
    await olga.expect(notice("Disconnected by it: mallory"))
    rest = await mallory.expect_closed()
    assert rest[-1].command == "ERROR"
    assert "(Banned: spamming the lobby)" in rest[-1].params[0]
    quit_ = await bystander.expect(is_("QUIT"))
    assert quit_.hostmask.nickname == "mallory"
    assert quit_.params == ["Banned: spamming the lobby"]

    text = await refused(server, MALLORY)
    assert text == f"Closing Link: {MALLORY} (Banned: spamming the lobby)"
    assert server.core.deps.counters.connections_refused["banned"] == 1
    await user(server, "newcomer", "127.0.0.4")  # anyone else is welcome


async def test_a_range_ban_covers_every_address_in_it(start: Start) -> None:
    server = await start()
    olga = await operator(server)
    inside = await user(server, "inside", "127.0.1.9")

    await olga.send("UBAN", "ADD", "127.0.1.0/24", "whole", "subnet")
    await olga.expect(notice("Added UBAN"))

    assert "Banned: whole subnet" in (await inside.expect_closed())[-1].params[0]
    assert "Banned" in await refused(server, "127.0.1.200")
    await user(server, "outside", "127.0.2.1")


async def test_a_mask_ban_refuses_registration_and_closes_those_connected(start: Start) -> None:
    server = await start()
    olga = await operator(server)
    troll = await user(server, "troll1", BYSTANDER)
    fine = await user(server, "fine", BYSTANDER)

    await olga.send("UBAN", "ADD", "troll*!*@*", "no trolls")
    await olga.expect(notice("Added UBAN"))
    assert "Banned: no trolls" in (await troll.expect_closed())[-1].params[0]

    again = await IrcClient.connect(server.addresses[0], source=BYSTANDER)
    await again.send("NICK", "troll2")
    await again.send("USER", "t", "0", "*", "t")
    rest = await again.expect_closed()
    assert [line.command for line in rest if line.command == "001"] == []
    assert "Banned: no trolls" in rest[-1].params[0]
    await fine.send("PING", "still here")
    await fine.expect(is_("PONG"))


async def test_an_account_ban_closes_its_user_and_refuses_its_login(start: Start) -> None:
    server = await start()
    olga = await operator(server)
    mallory = await user(server, "mallory", MALLORY, "#lobby")
    await mallory.send("REGISTER", "*", "*", "mallory-password")
    await mallory.expect(is_("REGISTER", "SUCCESS"))

    await olga.send("UBAN", "ADD", "Mallory", "account", "suspended")
    await olga.expect(notice("Added UBAN"))
    assert "Banned: account suspended" in (await mallory.expect_closed())[-1].params[0]
    # Always-on or not, the banned account's user is gone.
    await until(lambda: server.core.network.find_user("mallory") is None, "mallory to go")

    # The right password from anywhere does not bring the account back.
    back = await user(server, "someone", BYSTANDER)
    await back.send("PRIVMSG", "NickServ", "IDENTIFY mallory mallory-password")
    rest = await back.expect_closed()
    assert "Banned: account suspended" in rest[-1].params[0]
    assert not [line for line in rest if line.command == "900"]


async def test_a_ban_survives_a_restart(start: Start) -> None:
    server = await start()
    olga = await operator(server)
    await olga.send("UBAN", "ADD", MALLORY, "kept", "for", "good")
    await olga.expect(notice("Added UBAN"))
    await server.stop()

    again = await start()

    assert "Banned: kept for good" in await refused(again, MALLORY)
    olga = await operator(again)
    await olga.send("UBAN", "LIST")
    await olga.expect(notice(f"ip {MALLORY}/32 (kept for good) set by olga, until removed"))
    await olga.expect(notice("End of UBAN LIST (1 bans)"))


async def test_a_ban_runs_out_after_its_duration_and_leaves_the_store(start: Start) -> None:
    server = await start()
    olga = await operator(server)
    await olga.send("UBAN", "ADD", MALLORY, "DURATION", "1", "cool", "off")
    await olga.expect(notice("Added UBAN"))
    assert "cool off" in await refused(server, MALLORY)

    await asyncio.sleep(1.1)

    await user(server, "mallory", MALLORY)
    await until(
        lambda: not server.core.deps.bans.bans, "the expired ban to be pruned from the list"
    )
    assert await server.store.server_bans() == []


async def test_del_lifts_a_ban_and_info_describes_one(start: Start) -> None:
    server = await start()
    olga = await operator(server)
    await olga.send("UBAN", "ADD", MALLORY, "for", "now")
    await olga.expect(notice("Added UBAN"))
    await olga.send("UBAN", "INFO", MALLORY)
    await olga.expect(notice(f"ip {MALLORY}/32 (for now) set by olga, until removed"))

    await olga.send("UBAN", "DEL", MALLORY)
    await olga.expect(notice(f"Removed UBAN on ip {MALLORY}/32"))
    await user(server, "mallory", MALLORY)
    assert await server.store.server_bans() == []
    await olga.send("UBAN", "INFO", MALLORY)
    await olga.expect(notice(f"No ban on ip {MALLORY}/32"))
    await olga.send("UBAN", "DEL", MALLORY)
    await olga.expect(is_("FAIL", "UBAN", "INVALID_PARAMS"))


async def test_bad_input_gets_a_fail_not_a_ban(start: Start) -> None:
    server = await start()
    olga = await operator(server)
    await olga.send("UBAN", "FROB")
    await olga.expect(is_("FAIL", "UBAN", "UNKNOWN_COMMAND"))
    await olga.send("UBAN", "ADD")
    await olga.expect(is_("FAIL", "UBAN", "INVALID_PARAMS"))
    await olga.send("UBAN", "ADD", "#channel")
    await olga.expect(is_("FAIL", "UBAN", "INVALID_PARAMS"))
    await olga.send("UBAN", "ADD", MALLORY, "DURATION", "soon")
    await olga.expect(is_("FAIL", "UBAN", "INVALID_PARAMS"))
    assert server.core.deps.bans.bans == {}
    assert await server.store.server_bans() == []


async def test_the_operators_own_connection_is_spared_but_told(start: Start) -> None:
    server = await start()
    olga = await operator(server)
    await olga.send("UBAN", "ADD", "127.0.0.0/8", "oops")
    await olga.expect(notice("covers your own connection"))
    await olga.send("PING", "alive")
    await olga.expect(is_("PONG"))


async def test_only_operators_may_set_lift_or_see_bans(start: Start) -> None:
    server = await start()
    olga = await operator(server)
    await olga.send("UBAN", "ADD", "127.0.5.5", "secret", "reason")
    await olga.expect(notice("Added UBAN"))
    nosy = await user(server, "nosy", BYSTANDER)

    for params in (
        ("LIST",),
        ("INFO", "127.0.5.5"),
        ("ADD", "127.0.0.1"),
        ("DEL", "127.0.5.5"),
    ):
        await nosy.send("UBAN", *params)
        await nosy.expect(is_("481", "nosy"))
    assert not [line for line in nosy.received if "secret" in line.format()]
    assert [(ban.kind, ban.target) for ban in await server.store.server_bans()] == [
        ("ip", "127.0.5.5/32")
    ]
    # The operator does see it.
    await olga.send("UBAN", "LIST")
    await olga.expect(notice("(secret reason)"))

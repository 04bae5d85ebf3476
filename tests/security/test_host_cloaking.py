"""Nobody sees another user's address unless they are an operator (issue 24, item 12).

Every user's host is shown to others as a keyed hash of their address (a cloak), stable per
address and across restarts; the user sees their own cloak (RPL_VISIBLEHOST, their prefix)
and operators see the real address in WHOIS (RPL_WHOISACTUALLY, Modern IRC "WHOIS message").
"""

from __future__ import annotations

import dataclasses
import stat
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from chinwag.config import Config, Operator, ServerInfo, StorageSettings
from chinwag.server.app import ChinwagServer
from chinwag.server.services.cloaks import cloak_host
from chinwag.storage.sqlite import SqliteStore
from tests.conftest import test_config
from tests.ircclient import IrcClient, is_

REAL = "127.0.0.1"
"""Where every test client connects from: what nobody but an operator may see."""

Start = Callable[..., Awaitable[ChinwagServer]]


def visible_host(client: IrcClient) -> str:
    """The host RPL_VISIBLEHOST told the client in its welcome burst."""
    [shown] = [line for line in client.received if line.command == "396"]
    assert shown.params[0] == client.nick
    return shown.params[1]


@pytest.fixture
async def start(tmp_path: Path) -> AsyncIterator[Start]:
    """``await start(server=..., storage=...)``: a server over SQLite in ``tmp_path`` with
    an operator ``boss`` (password ``bosspass``) and the given config sections."""
    started: list[ChinwagServer] = []
    hashed = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash("bosspass")

    async def make(**sections: object) -> ChinwagServer:
        config = dataclasses.replace(
            test_config(), operators=(Operator("boss", hashed),), **sections
        )
        assert isinstance(config, Config)
        running = ChinwagServer(config, await SqliteStore.open(tmp_path / "chinwag.db"))
        await running.start()
        started.append(running)
        return running

    yield make
    await IrcClient.close_all()
    for running in started:
        if not running.stopped:
            await running.stop(grace=1.0)


async def test_others_see_a_cloak_and_never_the_address(start: Start) -> None:
    server = await start()
    address = server.addresses[0]
    ana = await IrcClient.connect(address)
    await ana.send("CAP", "REQ", "extended-join")
    await ana.send("CAP", "END")
    welcome = await ana.register("ana")
    cloak = visible_host(ana)
    assert REAL not in cloak and cloak.endswith(".cloak")
    assert welcome.params[-1].endswith(f"ana!~ana@{cloak}")  # her own prefix shows the cloak
    await ana.join("#room")

    mal = await IrcClient.connect(address)
    await mal.send("CAP", "REQ", "userhost-in-names")
    await mal.send("CAP", "END")
    await mal.register("mal")
    await mal.join("#room")
    for query in (("WHO", "#room"), ("WHOIS", "ana"), ("USERHOST", "ana")):
        await mal.send(*query)
    await mal.expect(is_("311", "mal", "ana", "~ana", cloak))
    await mal.expect(is_("318"))
    await mal.expect(is_("302"))
    await ana.send("PRIVMSG", "#room", "hello")
    heard = await mal.expect(is_("PRIVMSG", "#room", "hello"))
    assert heard.source == f"ana!~ana@{cloak}"
    await ana.send("QUIT", "bye")
    await mal.expect(is_("QUIT"))
    await mal.send("WHOWAS", "ana")
    await mal.expect(is_("314", "mal", "ana", "~ana", cloak))
    await mal.send("PING", "done")
    await mal.expect(is_("PONG"))
    assert REAL.encode() not in mal.raw


async def test_an_operator_sees_the_real_address_in_whois(start: Start) -> None:
    server = await start()
    address = server.addresses[0]
    ana = await IrcClient.connect(address)
    await ana.register("ana")
    boss = await IrcClient.connect(address)
    await boss.register("boss")
    await boss.send("WHOIS", "ana")
    await boss.expect(is_("318"))
    assert not [line for line in boss.received if line.command == "338"]  # not yet an oper

    await boss.send("OPER", "boss", "bosspass")
    await boss.expect(is_("381"))
    await boss.send("WHOIS", "ana")
    actually = await boss.expect(is_("338", "boss", "ana"))
    assert REAL in actually.params


async def test_a_cloak_is_stable_across_restarts_and_its_key_is_private(
    start: Start, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    storage = StorageSettings(data_dir=data, path=tmp_path / "chinwag.db")
    unset = ServerInfo(name="irc.test", network="TestNet")  # no secret: the kept key decides
    first = await start(storage=storage, server=unset)
    ana = await IrcClient.connect(first.addresses[0])
    await ana.register("ana")
    cloak = visible_host(ana)
    await first.stop()

    key = data / "cloak.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    second = await start(storage=storage, server=unset)
    again = await IrcClient.connect(second.addresses[0])
    await again.register("ana")
    assert visible_host(again) == cloak


async def test_a_configured_secret_decides_the_cloak_and_cloaking_can_be_turned_off(
    start: Start,
) -> None:
    secret = ServerInfo(name="irc.test", network="TestNet", cloak_secret="s3cret")
    server = await start(server=secret)
    ana = await IrcClient.connect(server.addresses[0])
    await ana.register("ana")
    assert visible_host(ana) == cloak_host(REAL, b"s3cret")

    plain = ServerInfo(name="irc.test", network="TestNet", cloak_hosts=False)
    open_server = await start(server=plain)
    bob = await IrcClient.connect(open_server.addresses[0])
    welcome = await bob.register("bob")
    assert welcome.params[-1].endswith(f"bob!~bob@{REAL}")


def test_cloaks_are_stable_per_address_and_hide_it() -> None:
    key = b"k" * 32
    for address in ("203.0.113.7", "2001:db8::1", "::1"):
        cloak = cloak_host(address, key)
        assert cloak == cloak_host(address, key)
        assert address not in cloak and " " not in cloak and not cloak.startswith(":")
        assert cloak != cloak_host(address, b"another key")
    assert cloak_host("203.0.113.7", key) != cloak_host("203.0.113.8", key)
    # An IPv4 client on a dual-stack socket is the same client.
    assert cloak_host("::ffff:203.0.113.7", key) == cloak_host("203.0.113.7", key)
    # Neighbours on one network share the last part, so a ban can cover the network.
    assert (
        cloak_host("203.0.113.7", key).split(".", 1)[1]
        == (cloak_host("203.0.113.9", key).split(".", 1)[1])
    )

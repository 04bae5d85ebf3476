"""Registered rooms survive a restart (issue 17): a real server on a SQLite file stops with a
room registered with ChanServ and nobody in it; the next one on the same file starts with
the room as it was (key, ban, topic enforced and shown), a stranger who joins first gets no
status, and the founder, logging in and joining, gets +o from ChanServ. With an always-on
founder in the room the registered state is the one saved, once."""

from __future__ import annotations

import base64
import dataclasses
from pathlib import Path

from chinwag.server.app import ChinwagServer
from chinwag.storage.sqlite import SqliteStore
from tests.conftest import FAST_ACCOUNTS, test_config
from tests.ircclient import Address, IrcClient, is_

PASSWORD = "correct-horse-battery"
CHANSERV = "ChanServ!ChanServ@services"


async def start(path: Path, always_on: str = "disabled") -> ChinwagServer:
    accounts = dataclasses.replace(FAST_ACCOUNTS, always_on=always_on)
    server = ChinwagServer(test_config(accounts=accounts), store=await SqliteStore.open(path))
    await server.start()
    return server


async def log_in(address: Address, nick: str) -> IrcClient:
    """A new connection that logs in to the account ``ana`` with SASL as it registers."""
    back = await IrcClient.connect(address)
    token = base64.b64encode(f"\0ana\0{PASSWORD}".encode()).decode()
    await back.send("CAP", "LS", "302")
    await back.send("CAP", "REQ", "sasl")
    await back.send("NICK", nick)
    await back.send("USER", "ana", "0", "*", "Ana")
    await back.send("AUTHENTICATE", "PLAIN")
    await back.expect(is_("AUTHENTICATE", "+"))
    await back.send("AUTHENTICATE", token)
    await back.expect(is_("903"))
    await back.send("CAP", "END")
    await back.expect(is_("001"))
    return back


async def register_room(address: Address, channel: str, *modes: str) -> IrcClient:
    """ana registers an account, creates ``channel``, registers it with ChanServ and sets
    ``modes`` (each a MODE's arguments), a ban and a topic."""
    ana = await IrcClient.registered(address, "ana", channel)
    await ana.send("REGISTER", "*", PASSWORD)
    await ana.expect(is_("REGISTER", "SUCCESS"))
    await ana.send("PRIVMSG", "ChanServ", f"REGISTER {channel}")
    notice = await ana.expect(lambda line: line.command == "NOTICE" and line.source == CHANSERV)
    assert notice.params[1] == f"{channel} is registered; ana is its founder."
    for change in modes:
        await ana.send("MODE", channel, *change.split())
        await ana.expect(is_("MODE", channel))
    await ana.send("MODE", channel, "+b", "mal!*@*")
    await ana.expect(is_("MODE", channel, "+b", "mal!*@*"))
    await ana.send("TOPIC", channel, "members only")
    await ana.expect(is_("TOPIC", channel, "members only"))
    return ana


async def test_a_registered_room_comes_back_empty_as_it_was_and_its_founder_gets_op(
    tmp_path: Path,
) -> None:
    path = tmp_path / "chinwag.db"
    first = await start(path)
    try:
        ana = await register_room(first.addresses[0], "#vault", "+k sekrit")
        await ana.send("QUIT", "bye")
        await ana.expect_closed()
    finally:
        await first.stop(grace=1.0)

    second = await start(path)
    try:
        address = second.addresses[0]
        eve = await IrcClient.registered(address, "eve")
        await eve.send("JOIN", "#vault")
        await eve.expect(is_("475", "eve", "#vault"))
        await eve.send("JOIN", "#vault", "sekrit")
        await eve.expect(is_("JOIN", "#vault"))
        await eve.expect(is_("332", "eve", "#vault", "members only"))
        names = await eve.expect(is_("353"))
        assert names.params[-1] == "eve"  # first in, and no operator
        await eve.send("MODE", "#vault", "+b")
        await eve.expect(is_("367", "eve", "#vault", "mal!*@*"))

        back = await log_in(address, "ana")
        await back.send("JOIN", "#vault", "sekrit")
        opped = await back.expect(is_("MODE", "#vault", "+o", "ana"))
        assert opped.source == CHANSERV
        seen = await eve.expect(is_("MODE", "#vault", "+o", "ana"))
        assert seen.source == CHANSERV
    finally:
        await second.stop(grace=1.0)
        await IrcClient.close_all()


async def test_a_registered_room_with_an_always_on_founder_is_saved_once(tmp_path: Path) -> None:
    path = tmp_path / "chinwag.db"
    first = await start(path, always_on="opt-out")
    try:
        ana = await register_room(first.addresses[0], "#den", "+k sekrit")
        await ana.send("QUIT", "bye")
        await ana.expect_closed()
    finally:
        await first.stop(grace=1.0)

    store = await SqliteStore.open(path)
    try:
        [registered] = await store.registered_channels()
        assert (registered.state.name, registered.state.key) == ("#den", "sekrit")
        assert await store.always_on_channels() == []  # no second, conflicting state
        [ghost] = await store.always_on_users()
        assert ghost.channels == (("#den", "o"),)
    finally:
        await store.close()

    second = await start(path, always_on="opt-out")
    try:
        bo = await IrcClient.registered(second.addresses[0], "bo")
        await bo.send("JOIN", "#den")
        await bo.expect(is_("475", "bo", "#den"))
        await bo.send("JOIN", "#den", "sekrit")
        names = await bo.expect(is_("353"))
        assert sorted(names.params[-1].split()) == ["@ana", "bo"]
    finally:
        await second.stop(grace=1.0)
        await IrcClient.close_all()

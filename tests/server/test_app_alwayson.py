"""Always-on users survive a restart (issue 16): a real server on a SQLite file stops with an
always-on user in a room, the next one on the same file starts with it still there (seen by
another client's NAMES and WHOIS), and its next login gets the room and what was said there
after the restart. The room comes back as it was: a private room stays private (its modes,
key, topic and bans kept), while a room nobody always-on was in is gone as before."""

from __future__ import annotations

import base64
from pathlib import Path

from chinwag.server.app import ChinwagServer
from chinwag.storage.sqlite import SqliteStore
from tests.conftest import test_config
from tests.ircclient import Address, IrcClient, is_

PASSWORD = "correct-horse-battery"


async def start(path: Path) -> ChinwagServer:
    server = ChinwagServer(test_config(), store=await SqliteStore.open(path))
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
    return back


async def synced(client: IrcClient) -> None:
    """Wait until the server has handled everything ``client`` sent."""
    await client.send("PING", "synced")
    await client.expect(is_("PONG"))


async def test_an_always_on_user_is_still_in_its_room_after_a_restart_and_gets_what_it_missed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "data" / "chinwag.db"
    first = await start(path)
    try:
        ana = await IrcClient.registered(first.addresses[0], "ana", "#lobby")
        await ana.send("REGISTER", "*", PASSWORD)
        await ana.expect(is_("REGISTER", "SUCCESS"))
        await ana.send("QUIT", "bye")
        await ana.expect_closed()
    finally:
        await first.stop(grace=1.0)

    second = await start(path)
    try:
        address = second.addresses[0]
        bo = await IrcClient.registered(address, "bo")
        assert await bo.join("#lobby") == ["@ana", "bo"]
        await bo.send("WHOIS", "ana")
        await bo.expect(is_("301", "bo", "ana", "Not connected"))
        await bo.send("PRIVMSG", "#lobby", "said after the restart")
        await bo.send("PING", "stored")
        await bo.expect(is_("PONG"))

        back = await log_in(address, "someone")
        await back.expect(is_("001", "ana"))
        await back.expect(is_("JOIN", "#lobby"))
        said = await back.expect(lambda line: line.command == "PRIVMSG")
        assert said.params == ["#lobby", "said after the restart"]
        assert said.source is not None and said.source.startswith("bo!")
    finally:
        await second.stop(grace=1.0)
        await IrcClient.close_all()


async def test_a_private_room_with_an_always_on_operator_comes_back_private_after_a_restart(
    tmp_path: Path,
) -> None:
    path = tmp_path / "chinwag.db"
    first = await start(path)
    try:
        address = first.addresses[0]
        ana = await IrcClient.registered(address, "ana", "#vault")
        await ana.send("REGISTER", "*", PASSWORD)
        await ana.expect(is_("REGISTER", "SUCCESS"))
        await ana.send("MODE", "#vault", "+ik", "sekrit")
        await ana.expect(is_("MODE", "#vault", "+ik", "sekrit"))
        await ana.send("MODE", "#vault", "+b", "mal!*@*")
        await ana.expect(is_("MODE", "#vault", "+b", "mal!*@*"))
        await ana.send("TOPIC", "#vault", "members only")
        await ana.expect(is_("TOPIC", "#vault", "members only"))
        await ana.send("MODE", "#vault", "+b")
        ban = await ana.expect(is_("367", "ana", "#vault", "mal!*@*"))
        await ana.send("TOPIC", "#vault")
        topic_time = await ana.expect(is_("333", "ana", "#vault"))
        await ana.send("QUIT", "bye")
        await ana.expect_closed()
    finally:
        await first.stop(grace=1.0)

    second = await start(path)
    try:
        address = second.addresses[0]
        eve = await IrcClient.registered(address, "eve")
        await eve.send("CAP", "REQ", "draft/chathistory batch server-time")
        await eve.expect(is_("CAP", "eve", "ACK"))
        # The room is as locked as it was: no key, no entry; the key alone, still none.
        await eve.send("JOIN", "#vault")
        await eve.expect(is_("475", "eve", "#vault"))
        await eve.send("JOIN", "#vault", "sekrit")
        await eve.expect(is_("473", "eve", "#vault"))

        back = await log_in(address, "ana_phone")
        await back.expect(is_("001", "ana"))
        await back.expect(is_("JOIN", "#vault"))
        await back.expect(is_("332", "ana", "#vault", "members only"))
        assert (await back.expect(is_("333", "ana", "#vault"))).params == topic_time.params
        assert "@ana" in (await back.expect(is_("353", "ana"))).params[-1].split()
        await back.send("MODE", "#vault")
        modes = await back.expect(is_("324", "ana", "#vault"))
        assert modes.params[2:] == ["+intk", "sekrit"]
        await back.send("MODE", "#vault", "+b")
        assert (await back.expect(is_("367", "ana", "#vault"))).params == ban.params
        await back.expect(is_("368", "ana", "#vault"))
        # What the members say next is theirs: eve, outside, reads none of it.
        await back.send("PRIVMSG", "#vault", "the plans")
        await synced(back)
        await eve.send("CHATHISTORY", "LATEST", "#vault", "*", "10")
        await synced(eve)
        assert not [line for line in eve.received if "the plans" in line.params]
        # mal is still banned once ana lets everyone with the key in.
        await back.send("MODE", "#vault", "-i")
        await back.expect(is_("MODE", "#vault", "-i"))
        mal = await IrcClient.registered(address, "mal")
        await mal.send("JOIN", "#vault", "sekrit")
        await mal.expect(is_("474", "mal", "#vault"))
        await eve.send("JOIN", "#vault", "sekrit")
        names = await eve.expect(is_("353", "eve"))
        assert names.params[-1].split() == ["@ana", "eve"]
    finally:
        await second.stop(grace=1.0)
        await IrcClient.close_all()


async def test_a_room_with_nobody_always_on_in_it_is_gone_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "chinwag.db"
    first = await start(path)
    try:
        address = first.addresses[0]
        ana = await IrcClient.registered(address, "ana", "#lobby")
        await ana.send("REGISTER", "*", PASSWORD)
        await ana.expect(is_("REGISTER", "SUCCESS"))
        bo = await IrcClient.registered(address, "bo", "#club")
        await bo.send("MODE", "#club", "+ik", "sekrit")
        await bo.expect(is_("MODE", "#club", "+ik", "sekrit"))
        await bo.send("TOPIC", "#club", "bo's club")
        await bo.expect(is_("TOPIC", "#club"))
    finally:
        await first.stop(grace=1.0)

    second = await start(path)
    try:
        eve = await IrcClient.registered(second.addresses[0], "eve")
        assert await eve.join("#club") == ["@eve"]  # a new room, hers
        await eve.send("MODE", "#club")
        assert (await eve.expect(is_("324", "eve", "#club"))).params[2:] == ["+nt"]
        await synced(eve)
        assert not [line for line in eve.received if line.command == "332"]
        assert await eve.join("#lobby") == ["@ana", "eve"]
    finally:
        await second.stop(grace=1.0)
        await IrcClient.close_all()

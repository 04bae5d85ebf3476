"""Always-on users survive a restart (issue 16): a real server on a SQLite file stops with an
always-on user in a room, the next one on the same file starts with it still there (seen by
another client's NAMES and WHOIS), and its next login gets the room and what was said there
after the restart."""

from __future__ import annotations

import base64
from pathlib import Path

from chinwag.server.app import ChinwagServer
from chinwag.storage.sqlite import SqliteStore
from tests.conftest import test_config
from tests.ircclient import IrcClient, is_

PASSWORD = "correct-horse-battery"


async def start(path: Path) -> ChinwagServer:
    server = ChinwagServer(test_config(), store=await SqliteStore.open(path))
    await server.start()
    return server


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

        back = await IrcClient.connect(address)
        token = base64.b64encode(f"\0ana\0{PASSWORD}".encode()).decode()
        await back.send("CAP", "LS", "302")
        await back.send("CAP", "REQ", "sasl")
        await back.send("NICK", "someone")
        await back.send("USER", "ana", "0", "*", "Ana")
        await back.send("AUTHENTICATE", "PLAIN")
        await back.expect(is_("AUTHENTICATE", "+"))
        await back.send("AUTHENTICATE", token)
        await back.expect(is_("903"))
        await back.send("CAP", "END")
        await back.expect(is_("001", "ana"))
        await back.expect(is_("JOIN", "#lobby"))
        said = await back.expect(lambda line: line.command == "PRIVMSG")
        assert said.params == ["#lobby", "said after the restart"]
        assert said.source is not None and said.source.startswith("bo!")
    finally:
        await second.stop(grace=1.0)
        await IrcClient.close_all()

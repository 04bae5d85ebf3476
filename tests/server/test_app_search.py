"""SEARCH (soju.im/search) over real sockets, with the SQLite store and its FTS5 index:
what was said is found by the people who may read it, and by nobody else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from irctokens.line import Line

from chinwag.server.app import ChinwagServer
from chinwag.storage.sqlite import SqliteStore
from tests.conftest import test_config
from tests.ircclient import IrcClient, is_

CAPS = "soju.im/search batch server-time message-tags echo-message"


@pytest.fixture
async def sqlite_server(tmp_path: Path) -> AsyncIterator[ChinwagServer]:
    store = await SqliteStore.open(tmp_path / "chinwag.db")
    running = ChinwagServer(test_config(), store)
    await running.start()
    yield running
    await running.stop(grace=1.0)
    await IrcClient.close_all()


async def searcher(server: ChinwagServer, nick: str, *rooms: str) -> IrcClient:
    client = await IrcClient.connect(server.addresses[0])
    await client.send("CAP", "REQ", CAPS)
    await client.expect(is_("CAP", "*", "ACK"))
    await client.send("CAP", "END")
    await client.register(nick)
    for room in rooms:
        await client.join(room)
    return client


async def search(client: IrcClient, attributes: str) -> list[Line]:
    await client.send("SEARCH", attributes)
    opening = await client.expect(is_("BATCH"))
    assert opening.params[1:] == ["soju.im/search"]
    found: list[Line] = []
    while (line := await client.expect(lambda _: True)).command != "BATCH":
        found.append(line)
    assert line.params == ["-" + opening.params[0][1:]]
    return found


async def test_search_finds_words_in_rooms_and_own_direct_messages_only(
    sqlite_server: ChinwagServer,
) -> None:
    ana = await searcher(sqlite_server, "ana", "#room")
    bo = await searcher(sqlite_server, "bo", "#room")
    carol = await searcher(sqlite_server, "carol")
    await ana.send("PRIVMSG", "#room", "Où est le Café?")
    await ana.send("PRIVMSG", "bo", "the café secret")
    # A sender's echo comes only once the message is stored.
    await ana.expect(is_("PRIVMSG", "bo", "the café secret"))

    found = await search(bo, "text=cafe")
    assert [line.params for line in found] == [
        ["#room", "Où est le Café?"],
        ["bo", "the café secret"],
    ]
    assert all(line.tags and "msgid" in line.tags and "time" in line.tags for line in found)
    assert [line.params[1] for line in await search(bo, "text=cafe;in=ana")] == ["the café secret"]
    assert await search(carol, "text=cafe") == []
    assert await search(carol, "text=cafe;in=ana") == []
    await carol.send("SEARCH", "text=*")
    await carol.expect(is_("FAIL", "SEARCH", "INVALID_PARAMS", "text"))

"""draft/multiline over real sockets with the SQLite store: a batch from one client reaches a
capable client as one batch and a plain one as lines, and comes back from CHATHISTORY and
SEARCH whole after it was stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from irctokens.line import Line

from chinwag.server.app import ChinwagServer
from chinwag.storage.sqlite import SqliteStore
from tests.conftest import test_config
from tests.ircclient import IrcClient, is_

CAPS = "draft/multiline batch server-time message-tags echo-message draft/chathistory"


@pytest.fixture
async def sqlite_server(tmp_path: Path) -> AsyncIterator[ChinwagServer]:
    store = await SqliteStore.open(tmp_path / "chinwag.db")
    running = ChinwagServer(test_config(), store)
    await running.start()
    yield running
    await running.stop(grace=1.0)
    await IrcClient.close_all()


async def member(server: ChinwagServer, nick: str, caps: str) -> IrcClient:
    client = await IrcClient.connect(server.addresses[0])
    if caps:
        await client.send("CAP", "REQ", caps)
        await client.expect(is_("CAP", "*", "ACK"))
        await client.send("CAP", "END")
    await client.register(nick)
    await client.join("#room")
    return client


async def until_batch_end(client: IrcClient, ref: str) -> list[Line]:
    lines: list[Line] = []
    while (line := await client.expect(lambda _: True)).params[:1] != ["-" + ref]:
        lines.append(line)
    return lines


async def test_a_multiline_message_between_two_real_clients_and_back_from_history(
    sqlite_server: ChinwagServer,
) -> None:
    ana = await member(sqlite_server, "ana", CAPS)
    bo = await member(sqlite_server, "bo", CAPS)
    cy = await member(sqlite_server, "cy", "server-time")
    await ana.send_raw(
        b"BATCH +p draft/multiline #room\r\n"
        b"@batch=p PRIVMSG #room :def f():\r\n"
        b"@batch=p PRIVMSG #room :    return 1\r\n"
        b"@batch=p PRIVMSG #room :a long \r\n"
        b"@batch=p;draft/multiline-concat PRIVMSG #room :line\r\n"
        b"BATCH -p\r\n"
    )
    echo = await ana.expect(is_("BATCH"))
    assert echo.params[1:] == ["draft/multiline", "#room"]
    opening = await bo.expect(is_("BATCH"))
    ref = opening.params[0][1:]
    assert opening.tags and opening.tags["msgid"] == (echo.tags or {})["msgid"]
    got = await until_batch_end(bo, ref)
    assert [(line.params[1], "draft/multiline-concat" in (line.tags or {})) for line in got] == [
        ("def f():", False),
        ("    return 1", False),
        ("a long ", False),
        ("line", True),
    ]
    for text in ("def f():", "    return 1", "a long ", "line"):
        await cy.expect(is_("PRIVMSG", "#room", text))

    await bo.send("CHATHISTORY", "LATEST", "#room", "*", "10")
    outer = await bo.expect(is_("BATCH"))
    assert outer.params[1:] == ["chathistory", "#room"]
    inner = await bo.expect(is_("BATCH"))
    assert inner.params[1:] == ["draft/multiline", "#room"]
    assert (inner.tags or {})["msgid"] == (echo.tags or {})["msgid"]
    texts = [line.params[1] for line in await until_batch_end(bo, inner.params[0][1:])]
    assert texts == ["def f():", "    return 1", "a long ", "line"]

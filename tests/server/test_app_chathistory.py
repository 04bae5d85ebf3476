"""CHATHISTORY over real sockets: what others said reaches the store and comes back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from irctokens.line import Line

from chinwag.protocol.message import Message, parse
from chinwag.server.app import ChinwagServer
from chinwag.storage.sqlite import SqliteStore
from tests.conftest import test_config
from tests.ircclient import IrcClient, is_
from tests.server.commands.test_chathistory import as_sent, expected, selectors

pytestmark = pytest.mark.on_redis  # also on two nodes whose log is on Redis

CAPS = "draft/chathistory batch server-time message-tags"


async def with_caps(address: tuple[str, int], nick: str, caps: str) -> IrcClient:
    """A client registered as ``nick`` with ``caps`` enabled, in ``#room``."""
    client = await IrcClient.connect(address)
    await client.send("CAP", "REQ", caps)
    await client.expect(is_("CAP", "*", "ACK"))
    await client.send("CAP", "END")
    await client.register(nick)
    await client.join("#room")
    return client


async def test_a_client_reads_what_others_said_with_chathistory_latest(
    server: ChinwagServer,
) -> None:
    address = server.addresses[0]
    ana = await with_caps(address, "ana", "echo-message")
    bo = await with_caps(address, "bo", "echo-message")
    for text in ["one", "two", "three"]:
        await ana.send("PRIVMSG", "#room", text)
    await bo.send("PRIVMSG", "#room", "four")
    # A sender's echo comes only once the message is stored.
    await ana.expect(is_("PRIVMSG", "#room", "three"))
    await bo.expect(is_("PRIVMSG", "#room", "four"))

    carol = await with_caps(address, "carol", CAPS)
    await carol.send("CHATHISTORY", "LATEST", "#room", "*", "3")

    opening = await carol.expect(is_("BATCH"))
    assert opening.params[1:] == ["chathistory", "#room"]
    ref = opening.params[0][1:]
    lines: list[Line] = []
    while (line := await carol.expect(lambda _: True)).command != "BATCH":
        lines.append(line)
    assert line.params == ["-" + ref]
    assert [(item.hostmask.nickname, item.params) for item in lines if item.hostmask] == [
        ("ana", ["#room", "two"]),
        ("ana", ["#room", "three"]),
        ("bo", ["#room", "four"]),
    ]
    assert all(item.tags and item.tags["batch"] == ref for item in lines)
    assert all(item.tags and "msgid" in item.tags and "time" in item.tags for item in lines)


@pytest.fixture
async def sqlite_server(tmp_path: Path) -> AsyncIterator[ChinwagServer]:
    store = await SqliteStore.open(tmp_path / "chinwag.db")
    running = ChinwagServer(test_config(), store)
    await running.start()
    yield running
    await running.stop(grace=1.0)
    await IrcClient.close_all()


async def history(client: IrcClient, *params: str) -> tuple[list[str], list[Message]]:
    """Send ``CHATHISTORY <params>``; the batch's parameters and its lines."""
    await client.send("CHATHISTORY", *params)
    opening = await client.expect(is_("BATCH"))
    lines: list[Message] = []
    while (line := await client.expect(lambda _: True)).command != "BATCH":
        lines.append(parse(line.format()))
    assert line.params == ["-" + opening.params[0][1:]]
    return opening.params[1:], lines


async def test_a_direct_conversation_in_sqlite_comes_back_as_sent_through_every_selector(
    sqlite_server: ChinwagServer,
) -> None:
    address = sqlite_server.addresses[0]
    ana = await with_caps(address, "Ana", f"{CAPS} echo-message")
    bob = await with_caps(address, "Bob", f"{CAPS} echo-message")
    sent: list[Message] = []
    for index in range(6):
        for client, raw, text in [
            (ana, f"@+draft/reply=r{index} PRIVMSG bob :to bob {index}", f"to bob {index}"),
            (ana, "@+typing=active TAGMSG Bob", None),
            (bob, f"@+draft/react=x NOTICE ana :to ana {index}", f"to ana {index}"),
            (ana, f"PRIVMSG ana :note {index}", f"note {index}"),
        ]:
            await client.send_raw(raw.encode() + b"\r\n")
            if text is not None:
                line = await ana.expect(lambda line, text=text: line.params[-1:] == [text])
                sent.append(parse(line.format()))
    notes = [m for m in sent if m.params[0] == "Ana" and (m.source or "").startswith("Ana!")]
    conversation = [m for m in sent if m not in notes]
    assert len(conversation) == 12 and len(notes) == 6
    for client, target, stored, shown in [
        (ana, "BOB", conversation, "Bob"),
        (bob, "ana", conversation, "Ana"),
        (ana, "ana", notes, "Ana"),
    ]:
        for limit in (3, 100):
            for selector in selectors(stored):
                params, got = await history(
                    client, *selector.split()[:1], target, *selector.split()[1:], str(limit)
                )
                assert params == ["chathistory", shown], selector
                want = expected(stored, selector, limit)
                assert [as_sent(m) for m in got] == [as_sent(m) for m in want], (target, selector)


async def test_a_reaction_in_sqlite_comes_back_as_sent_and_the_last_page_says_so(
    sqlite_server: ChinwagServer,
) -> None:
    address = sqlite_server.addresses[0]
    ana = await with_caps(address, "ana", f"{CAPS} echo-message")
    await ana.send_raw(b"PRIVMSG #room :hello\r\n")
    await ana.expect(is_("PRIVMSG", "#room", "hello"))
    await ana.send_raw(b"@+typing=active TAGMSG #room\r\n")
    await ana.send_raw(b"@+draft/react=ok TAGMSG #room\r\n")
    reaction = await ana.expect(
        lambda line: line.command == "TAGMSG" and "+draft/react" in (line.tags or {})
    )
    bo = await with_caps(address, "bo", f"{CAPS} draft/event-playback")
    await bo.send("CHATHISTORY", "LATEST", "#room", "*", "10")
    opening = await bo.expect(is_("BATCH"))
    assert "draft/chathistory-end" in (opening.tags or {})
    lines: list[Message] = []
    while (line := await bo.expect(lambda _: True)).command != "BATCH":
        lines.append(parse(line.format()))
    played = [m for m in lines if m.command == "TAGMSG"]
    assert [as_sent(m) for m in played] == [as_sent(parse(reaction.format()))]
    assert [m.command for m in lines].count("JOIN") >= 1  # events: the joins too

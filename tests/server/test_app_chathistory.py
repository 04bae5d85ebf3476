"""CHATHISTORY over real sockets: what others said reaches the store and comes back."""

from __future__ import annotations

from irctokens.line import Line

from chinwag.server.app import ChinwagServer
from tests.ircclient import IrcClient, is_

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

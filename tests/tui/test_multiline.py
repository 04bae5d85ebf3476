"""A pasted block in the terminal client: sent as one multiline message (IRCv3
draft/multiline), and a received one shown as one message of several lines."""

from __future__ import annotations

from textual import events

from chinwag.server.app import ChinwagServer
from tests.ircclient import IrcClient, is_
from tests.tui.test_app import chatting


async def listener(server: ChinwagServer, nick: str) -> IrcClient:
    """A raw client with draft/multiline in #lobby."""
    client = await IrcClient.connect(server.addresses[0])
    await client.send("CAP", "REQ", "draft/multiline batch message-tags")
    await client.expect(is_("CAP", "*", "ACK"))
    await client.send("CAP", "END")
    await client.register(nick)
    await client.join("#lobby")
    return client


async def test_a_pasted_block_arrives_as_one_multiline_message(server: ChinwagServer) -> None:
    async with chatting(server, "ana") as ana:
        cy = await listener(server, "cy")
        await ana.until(lambda: "cy" in ana.member_nicks(), "cy in the member list")
        await ana.pilot.click("#input")
        await ana.pilot.press(*"look: ")
        ana.input.post_message(events.Paste("def f():\n    return 1\n"))
        opening = await cy.expect(is_("BATCH"))
        assert opening.params[1:] == ["draft/multiline", "#lobby"]
        first = await cy.expect(is_("PRIVMSG"))
        second = await cy.expect(is_("PRIVMSG"))
        assert [first.params[1], second.params[1]] == ["look: def f():", "    return 1"]
        await cy.expect(is_("BATCH", "-" + opening.params[0][1:]))
        assert ana.input.value == ""

        # Its echo is one message: the nick once, the second line under the first.
        await ana.until(lambda: ana.said("<ana> look: def f():"), "the echo")
        log = ana.log()
        at = next(i for i, line in enumerate(log) if "<ana> look: def f():" in line)
        assert log[at + 1].strip() == "return 1" and "<" not in log[at + 1]


async def test_a_received_multiline_message_is_shown_as_one_message(
    server: ChinwagServer,
) -> None:
    async with chatting(server, "ana") as ana:
        cy = await listener(server, "cy")
        await ana.until(lambda: "cy" in ana.member_nicks(), "cy in the member list")
        await cy.send_raw(
            b"BATCH +p draft/multiline #lobby\r\n"
            b"@batch=p PRIVMSG #lobby :first line\r\n"
            b"@batch=p PRIVMSG #lobby :\x1b[31msecond line\r\n"
            b"BATCH -p\r\n"
        )
        await ana.until(lambda: ana.said("<cy> first line"), "cy's message")
        log = ana.log()
        at = next(i for i, line in enumerate(log) if "<cy> first line" in line)
        assert log[at + 1].strip() == "second line"  # the escape sequence cleaned away
        assert sum("<cy>" in line for line in log) == 1

"""Moderation in the terminal client, driven by Textual's Pilot against a real server
(issue 17): an operator's ``/mute`` and ``/kick`` typed in one app, and the other app's
screen saying so: muted (a message refused says why), kicked with who and why, the room
left; no control character from the kick's reason reaches the screen."""

from __future__ import annotations

from chinwag.server.app import ChinwagServer
from tests.ircclient import IrcClient
from tests.tui.test_app import CONTROL, chatting


async def test_the_muted_and_kicked_person_sees_it_said_on_their_screen(
    server: ChinwagServer,
) -> None:
    async with chatting(server, "ana") as ana, chatting(server, "bo") as bo:
        await ana.until(lambda: "bo" in ana.member_nicks(), "bo in ana's member list")
        await ana.say("/mute bo")
        await bo.until(lambda: bo.said("ana muted you in #lobby"), "the mute on bo's screen")
        await bo.say("hello?")
        await bo.until(lambda: bo.said("You are muted in #lobby"), "why hello? was refused")
        assert not ana.said("hello?")
        await ana.say("/kick bo enough")
        await bo.until(
            lambda: "ana kicked you from #lobby: enough" in bo.log_text(), "the kick on bo's screen"
        )
        await ana.until(lambda: "bo" not in ana.member_nicks(), "bo gone from the list")


async def test_a_kick_reason_with_control_characters_is_drawn_clean(
    server: ChinwagServer,
) -> None:
    op = await IrcClient.registered(server.addresses[0], "op", "#lobby")
    async with chatting(server, "bo") as bo:
        await op.send("KICK", "#lobby", "bo", "\x1b[2Jgo\x07 \x0304away\x03")
        await bo.until(lambda: "op kicked you from #lobby: go away" in bo.log_text(), "the kick")
        assert not any(CONTROL.search(line) for line in bo.log())

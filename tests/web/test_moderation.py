"""Moderation from the page against a real server (issue 17): ``/mute``, ``/voice``, ``/op``,
``/kick`` and ``/ban`` typed on one page change the room on the server, and the page of the
person they concern says so in words: muted (and a refused message says why), voiced, made an
operator, kicked (the room left, who and why shown), banned by host.

References: Modern IRC "KICK message", "MODE message"; the server's ``m:`` mute extban.
"""

from __future__ import annotations

from playwright.async_api import Browser, expect

from chinwag.server.app import ChinwagServer
from chinwag.server.state import Channel
from tests.waiting import until
from tests.web.conftest import login, opened, row_with, say


def lobby(server: ChinwagServer) -> Channel:
    found = server.core.network.find_channel("#lobby")
    assert found is not None
    return found


def masks(server: ChinwagServer) -> list[str]:
    return [entry.mask for entry in lobby(server).bans]


async def test_mute_voice_op_kick_and_ban_from_the_page_and_what_the_other_page_shows(
    browser: Browser, web: ChinwagServer
) -> None:
    async with opened(browser, web) as (ana, errors_a), opened(browser, web) as (bob, errors_b):
        await login(ana, "ana")
        await login(bob, "bob")
        await expect(ana.locator("#member-list")).to_contain_text("bob")
        host = next(user.host for user in lobby(web).members if user.nick == "bob")
        await say(ana, "/mute bob")
        await expect(bob.locator(row_with("ana muted you in #lobby"))).to_be_visible()
        assert masks(web) == [f"m:*!*@{host}"]
        await say(bob, "anyone there")
        await expect(bob.locator(row_with("You are muted in #lobby"))).to_be_visible()
        await expect(ana.locator(row_with("anyone there"))).to_have_count(0)
        await say(ana, "/unmute bob")
        await expect(bob.locator(row_with("ana unmuted you in #lobby"))).to_be_visible()
        assert masks(web) == []
        await say(ana, "/voice bob")
        await expect(bob.locator(row_with("ana gave you voice in #lobby"))).to_be_visible()
        await say(ana, "/op bob")
        await expect(bob.locator(row_with("ana made you an operator of #lobby"))).to_be_visible()
        await expect(ana.locator(".member", has_text="bob").locator(".prefix")).to_have_text("@")
        await say(ana, "/deop bob")
        await say(ana, "/kick bob <b>behave</b>")
        kicked = bob.locator(row_with("ana kicked you from #lobby"))
        await expect(kicked).to_contain_text("<b>behave</b>")  # as text, never markup
        await expect(bob.locator("#log b")).to_have_count(0)
        await until(lambda: [u.nick for u in lobby(web).members] == ["ana"], "bob kicked")
        await say(bob, "/join #lobby")
        await until(lambda: len(lobby(web).members) == 2, "bob back")
        await say(ana, "/ban bob")
        await expect(bob.locator(row_with("ana banned you from #lobby"))).to_be_visible()
        assert masks(web) == [f"*!*@{host}"]
        await say(bob, "/kick ana")
        await expect(
            bob.locator(row_with("You are not a channel operator in #lobby"))
        ).to_be_visible()
        assert not errors_a.errors and not errors_b.errors
        assert not errors_a.dialogs and not errors_b.dialogs

"""The page and the metadata drafts: it takes draft/metadata-3 when the server offers it
(ircv3-specifications pull request #613) and shows colour changes told with its RPL_KEYVALUE
and RPL_KEYNOTSET notifications, as it did with draft/metadata-2's METADATA messages."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from chinwag.server.app import ChinwagServer
from tests.web.conftest import login, opened, say

PURPLE = "rgb(135, 0, 255)"
"""#8700ff, the palette's purple, as the light theme shows it."""


def caps_of(web: ChinwagServer, nick: str) -> set[str]:
    """The capabilities ``nick``'s (only) session enabled, read from the server."""
    user = web.core.network.find_user(nick)
    assert user is not None
    [session] = list(user.sessions)
    return set(session.caps)


async def test_the_page_speaks_metadata_3_and_shows_a_colour_change(
    browser: Browser, web: ChinwagServer
) -> None:
    async with (
        opened(browser, web, color_scheme="light") as (ana, errors_a),
        opened(browser, web, color_scheme="light") as (bob, errors_b),
    ):
        await login(ana, "ana")
        await login(bob, "bob")
        for nick in ("ana", "bob"):
            caps = caps_of(web, nick)
            assert "draft/metadata-3" in caps and "draft/metadata-2" not in caps
        member = ana.locator('#member-list [data-nick="bob"]')
        await expect(member).to_be_visible()
        derived = await member.evaluate("(node) => node.style.color")
        assert derived != PURPLE

        await say(bob, "/color purple")  # 761 to ana
        await expect(member).to_have_css("color", PURPLE)

        await say(bob, "/color none")  # 766 to ana: back to the colour from the nick
        await expect(member).not_to_have_css("color", PURPLE)
        assert await member.evaluate("(node) => node.style.color") == derived
        assert not errors_a.errors and not errors_b.errors

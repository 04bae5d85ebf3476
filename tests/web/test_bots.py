"""Bots on the page in Chromium: a marker by a ``+B`` user's nick (IRCv3 bot-mode) in the log
and the member list, and a board sent as monospace lines (``\\x11``) drawn in a fixed-width
font, spaces kept, its columns at the same x on every line."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from chinwag.server.app import ChinwagServer
from tests.bots.harness import raw_bot
from tests.web.conftest import login, opened, row_with

BOARD = [" X | O | X ", "---+---+---", "   | O |   ", "---+---+---", " O |   | X "]


async def test_a_bot_is_marked_in_the_member_list_and_by_its_messages(
    browser: Browser, web: ChinwagServer
) -> None:
    dice = await raw_bot(web.addresses[0])
    async with opened(browser, web) as (page, errors):
        await login(page, "ana")
        # Known from the WHO the page asks on joining: marked before it says a word.
        member = page.locator("#member-list .member", has_text="dice")
        await expect(member.locator(".bot-mark")).to_have_text("bot")
        ana = page.locator("#member-list .member", has_text="ana")
        await expect(ana).to_have_count(1)
        await expect(ana.locator(".bot-mark")).to_have_count(0)

        await dice.send("PRIVMSG", "#lobby", "rolled <b>4</b>")
        row = page.locator(row_with("rolled"))
        await expect(row).to_have_count(1)
        assert await row.locator(".body").text_content() == "dice bot rolled <b>4</b>"
        assert await row.locator(".body .bot-mark").count() == 1
        assert await row.locator("b").count() == 0  # text, never markup
        nick = row.locator(".nick")
        assert await nick.evaluate("n => n.style.color") != ""  # coloured as nicks are
        assert not errors.errors


async def test_a_board_sent_as_monospace_lines_lines_up(
    browser: Browser, web: ChinwagServer
) -> None:
    dice = await raw_bot(web.addresses[0])
    async with opened(browser, web) as (page, errors):
        await login(page, "ana")
        await expect(page.locator("#member-list .member", has_text="dice")).to_have_count(1)
        lines = b"".join(
            b"@batch=b PRIVMSG #lobby :\x11" + row.encode() + b"\x1b[31m\x11\r\n" for row in BOARD
        )
        await dice.send_raw(b"BATCH +b draft/multiline #lobby\r\n" + lines + b"BATCH -b\r\n")
        row = page.locator(row_with(BOARD[1]))
        await expect(row).to_have_count(1)
        codes = row.locator("code.mono")
        await expect(codes).to_have_count(len(BOARD))
        # Spaces kept (no collapsing), the escape sequence cleaned away.
        assert await codes.all_text_contents() == BOARD
        assert await codes.first.evaluate("c => getComputedStyle(c).whiteSpace") == "pre"
        # The same column is at the same x on every line: each row's "|" (and the rules'
        # "+"), measured with a range around the character.
        xs = await codes.evaluate_all(
            """codes => [3, 7].map(column => codes.map(code => {
                 const range = document.createRange();
                 range.setStart(code.firstChild, column);
                 range.setEnd(code.firstChild, column + 1);
                 return Math.round(range.getBoundingClientRect().left * 10) / 10;
               }))"""
        )
        for column in xs:
            assert len(set(column)) == 1, xs
        # Each board row on a line of its own: distinct tops, in order.
        tops = await codes.evaluate_all("cs => cs.map(c => c.getBoundingClientRect().top)")
        assert tops == sorted(tops) and len(set(tops)) == len(BOARD)
        assert not errors.errors

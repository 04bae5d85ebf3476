"""Bots on the page in Chromium: a marker by a ``+B`` user's nick (IRCv3 bot-mode) in the log
and the member list, and a board sent as monospace lines (``\\x11``) drawn in a fixed-width
font, spaces kept, its columns at the same x on every line."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect

from chinwag.bots.games.boardgames import BoardGamesBot
from chinwag.server.app import ChinwagServer
from tests.bots.harness import raw_bot, running_bot
from tests.web.conftest import login, opened, row_with, say

GAP_AFTER_TWO_FRAMES = """() => new Promise(done => requestAnimationFrame(() =>
    requestAnimationFrame(() => {
        const log = document.getElementById("log");
        done(log.scrollHeight - log.scrollTop - log.clientHeight);
    })))"""
"""How far the log is from its bottom once two frames have been drawn (rows skipped while
off screen are laid out, and would have grown, by then)."""

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


async def test_connect_four_with_the_real_bot_on_two_pages(
    browser: Browser, web: ChinwagServer, shots: Path, tmp_path: Path
) -> None:
    """Two pages play connect four refereed by the real ``boards`` bot: its messages carry the
    marker and its boards line up (this test takes docs/web-bots.png)."""
    async with (
        running_bot(web.addresses[0], BoardGamesBot, tmp_path, "#lobby"),
        opened(browser, web) as (ana, errors_a),
        opened(browser, web) as (bob, errors_b),
    ):
        await login(ana, "ana", color="teal")
        await login(bob, "bob", color="orange")
        await expect(ana.locator("#member-list .member", has_text="boards")).to_have_count(1)
        await say(ana, "!c4 bob")
        await expect(bob.locator(row_with("ana challenges you"))).to_have_count(1)
        await say(bob, "!accept")
        for turn, (page, column) in enumerate(
            [(ana, "4"), (bob, "4"), (ana, "3"), (bob, "5"), (ana, "2"), (bob, "5"), (ana, "1")]
        ):
            await expect(
                page.locator(row_with(f"{'ana' if turn % 2 == 0 else 'bob'}'s turn")).last
            ).to_be_visible()
            await say(page, column)
        won = ana.locator(row_with("ana wins!"))
        await expect(won).to_have_count(1)
        assert await won.locator(".bot-mark").count() == 1
        codes = won.locator("code.mono")
        await expect(codes).to_have_count(8)  # six rows, the frame, the column numbers
        # Each row's frame "|" at the same x on every line of the board.
        lefts = await codes.evaluate_all(
            """cs => cs.slice(0, 6).map(c => {
                const r = document.createRange();
                r.setStart(c.firstChild, 0); r.setEnd(c.firstChild, 1);
                return Math.round(r.getBoundingClientRect().left);
            })"""
        )
        assert len(set(lefts)) == 1, lefts
        # The page followed the game to its end: tall rows (a board is nine lines) are laid
        # out before it scrolls down, not counted as one line each and then grown.
        assert await ana.evaluate(GAP_AFTER_TWO_FRAMES) < 40
        await ana.screenshot(path=shots / "web-bots.png")
        assert not errors_a.errors and not errors_b.errors

"""Bots in the window under Xvfb: a marker by a ``+B`` user's nick (IRCv3 bot-mode) in the
log and the member list, and a board sent as monospace lines (``\\x11``) drawn in a
fixed-width font whose columns line up on screen."""

from __future__ import annotations

from pathlib import Path
from tkinter import font as tkfont

import pytest

from chinwag.gui.view import BOT, MONO
from chinwag.server.app import ChinwagServer
from tests.bots.harness import raw_bot
from tests.gui.test_window import opened, options_for

BOARD = [" X | O | X ", "---+---+---", "   | O |   ", "---+---+---", " O |   | X "]


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where the window's screenshots would go (none are taken here)."""
    return tmp_path


async def test_a_bot_is_marked_in_the_log_and_the_member_list(
    display: str, shots: Path, server: ChinwagServer
) -> None:
    dice = await raw_bot(server.addresses[0])
    async with opened(display, shots, options_for(server), ask=False) as window:
        await window.landed()
        # Known from the WHO the window asks on joining: marked before it says a word.
        await window.until(lambda: "@dice [bot]" in window.members(), "the bot in the list")
        await dice.send("PRIVMSG", "#lobby", "rolled 4")
        await window.until(lambda: window.said("<dice bot> rolled 4"), "the bot's message")
        log = window.chat.log
        number = next(i for i, line in enumerate(window.log(), 1) if "<dice bot>" in line)
        column = window.log()[number - 1].index("bot>")
        assert BOT in log.tag_names(f"{number}.{column}")
        assert window.nick_color_at("<dice bot>", "dice") is not None  # coloured as nicks are


async def test_a_board_sent_as_monospace_lines_is_fixed_width_and_lines_up(
    display: str, shots: Path, server: ChinwagServer
) -> None:
    dice = await raw_bot(server.addresses[0])
    async with opened(display, shots, options_for(server), ask=False) as window:
        await window.landed()
        lines = b"".join(
            b"@batch=b PRIVMSG #lobby :\x11" + row.encode() + b"\x11\r\n" for row in BOARD
        )
        await dice.send_raw(b"BATCH +b draft/multiline #lobby\r\n" + lines + b"BATCH -b\r\n")
        await window.until(lambda: window.said(BOARD[-1]), "the board")
        shown = window.log()
        first = next(i for i, line in enumerate(shown, 1) if "<dice bot>" in line) + 1
        assert shown[first - 1 : first - 1 + len(BOARD)] == BOARD  # each row of its own
        log = window.chat.log
        assert MONO in log.tag_names(f"{first}.0")
        mono = tkfont.nametofont(str(log.tag_cget(MONO, "font")), root=log)
        assert mono.metrics("fixed") == 1
        log.see(f"{first + len(BOARD)}.0")
        window.gui.root.update()
        # The same column is at the same x on every row: "|" of each board row, and the "+"
        # of the rules under them.
        for column in (3, 7):
            xs = set()
            for row in range(len(BOARD)):
                box = log.bbox(f"{first + row}.{column}")
                assert box is not None, (row, column)
                xs.add(box[0])
            assert len(xs) == 1, (column, xs)

"""Bots in the terminal client: a marker by a ``+B`` user's nick (IRCv3 bot-mode) in the log
and the member list, and a board sent as monospace lines (``\\x11``) lined up in the log."""

from __future__ import annotations

from chinwag.server.app import ChinwagServer
from tests.bots.harness import raw_bot
from tests.tui.test_app import chatting

BOARD = [" X | O | X ", "---+---+---", "   | O |   ", "---+---+---", " O |   | X "]


def start_of(row: str, line: str) -> int:
    """The column of ``line`` where ``row`` starts (found by its first visible character)."""
    first = row.strip()[0]
    return line.index(first) - row.index(first)


async def test_a_bot_is_marked_in_the_member_list_and_by_its_messages(
    server: ChinwagServer,
) -> None:
    async with chatting(server, "ana") as ana:
        dice = await raw_bot(server.addresses[0])
        # The marker comes once the bot is known to be one: its first message says so.
        await dice.send("PRIVMSG", "#lobby", "rolled 4")
        await ana.until(lambda: ana.said("<dice bot> rolled 4"), "the bot's message")
        await ana.until(lambda: " dice bot" in ana.members(), "the marker in the member list")
        await ana.say("hello")
        await ana.until(lambda: ana.said("<ana> hello"), "our message, not a bot's")


async def test_a_board_sent_as_monospace_lines_lines_up_in_the_log(server: ChinwagServer) -> None:
    async with chatting(server, "ana") as ana:
        dice = await raw_bot(server.addresses[0])
        await ana.until(lambda: any("dice" in entry for entry in ana.members()), "the bot")
        lines = b"".join(
            b"@batch=b PRIVMSG #lobby :\x11" + row.encode() + b"\x11\r\n" for row in BOARD
        )
        await dice.send_raw(b"BATCH +b draft/multiline #lobby\r\n" + lines + b"BATCH -b\r\n")
        await ana.until(lambda: ana.said("<dice bot>"), "the board")
        log = ana.log()
        at = next(i for i, line in enumerate(log) if "<dice bot>" in line)
        board = log[at + 1 : at + 1 + len(BOARD)]
        # Every row of the board starts in the same column, the first one too (it starts on
        # a row of its own, not after the nick), and reads as sent.
        columns = {start_of(row, line) for line, row in zip(board, BOARD, strict=True)}
        assert len(columns) == 1, board
        column = columns.pop()
        assert [line[column:].rstrip() for line in board] == [row.rstrip() for row in BOARD]

"""A game bot in a real terminal: ``chinwag chat`` in tmux plays tic-tac-toe against a raw
client, refereed by the real ``boards`` bot on the client core.

What the person sees is checked on the screen tmux draws: the bot's ``bot`` marker after its
nick, and the board sent as monospace lines lined up in one column, move after move.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chinwag.bots.games.boardgames import BoardGamesBot
from chinwag.server.app import ChinwagServer
from tests.bots.harness import bot_says, player, running_bot
from tests.e2e.test_tmux_chat import TMUX, Tmux, say, start_chat

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
async def terminal(tmp_path: Path) -> AsyncIterator[Tmux]:
    """A private tmux server (the module imported above skips without tmux, but under CI)."""
    if TMUX is None:
        pytest.fail("tmux is required under CI=true but is not installed")
    tmux = Tmux(f"chinwag-bots-{os.getpid()}-{uuid.uuid4().hex[:8]}", tmp_path)
    try:
        yield tmux
    finally:
        await tmux.kill()


def board_rows(shown: str, marker: str) -> list[str]:
    """The lines of the screen from the last one holding ``marker``: the newest board."""
    lines = shown.splitlines()
    last = max(i for i, line in enumerate(lines) if marker in line)
    return lines[last:]


async def test_tic_tac_toe_in_the_terminal_client(
    server: ChinwagServer, terminal: Tmux, tmp_path: Path
) -> None:
    tmux = terminal
    address = server.addresses[0]
    async with running_bot(address, BoardGamesBot, tmp_path, "#lobby"):
        await start_chat(server, tmux)
        bob = await player(address, "bob", "#lobby", account=False)
        await tmux.until_shows(r"→ bob joined #lobby")
        await say(tmux, "!ttt bob")
        await tmux.until_shows(r"<boards bot> bob: ana challenges you to tic-tac-toe")
        await bob.send("PRIVMSG", "#lobby", "!accept")
        shown = await tmux.until_shows(r"<boards bot> Game on!")
        rows = [line for line in board_rows(shown, "Game on!") if "|" in line or "---" in line]
        assert len(rows) == 5
        columns = {line.index("|") for line in rows if "|" in line}
        assert len(columns) == 1, f"the board's rows do not line up:\n{shown}"
        assert re.search(r" 1 \| 2 \| 3 ", shown)
        for mover, cell in (("ana", "1"), ("bob", "4"), ("ana", "2"), ("bob", "5"), ("ana", "3")):
            if mover == "ana":
                await say(tmux, cell)
            else:
                await bot_says(bob, "boards", "#lobby")  # ana's move shown: bob's turn
                await bob.send("PRIVMSG", "#lobby", cell)
        shown = await tmux.until_shows(r"tic-tac-toe: ana wins!")
        rows = [line for line in board_rows(shown, "ana wins!") if "|" in line]
        assert "[X]|[X]|[X]" in rows[0]
        assert len({line.index("|") for line in rows}) == 1

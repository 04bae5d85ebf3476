"""Moderation in the window (issue 17), under Xvfb against a real server: the person muted
and kicked by a room operator sees it said in the log, a message refused while muted says
why, the kick names who and why, and nothing of the kick's reason is drawn as a control
character; and an operator's ``/voice`` typed in the window reaches the server."""

from __future__ import annotations

from pathlib import Path

import pytest

from chinwag.server.app import ChinwagServer
from tests.gui.test_window import opened, options_for, person
from tests.ircclient import is_


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where the window's screenshots would go (none are taken here)."""
    return tmp_path


async def test_the_window_says_when_we_are_muted_voiced_and_kicked(
    display: str, shots: Path, server: ChinwagServer
) -> None:
    op = await person(server, "op")
    async with opened(display, shots, options_for(server, "bo"), ask=False) as window:
        await window.landed("bo")
        found = server.core.network.find_user("bo")
        assert found is not None
        host = found.host
        await op.send("MODE", "#lobby", "+b", f"m:*!*@{host}")
        await window.until(lambda: window.said("op muted you in #lobby"), "the mute line")
        window.say("let me speak")
        await window.until(lambda: window.said("You are muted in #lobby"), "why it was refused")
        await op.send("MODE", "#lobby", "+v", "bo")
        await window.until(lambda: window.said("op gave you voice in #lobby"), "the voice line")
        await op.send("KICK", "#lobby", "bo", "\x1b[31mtime\x07 out")
        await window.until(
            lambda: window.said("op kicked you from #lobby: time out"), "the kick line"
        )
        assert not any(ch < " " for line in window.log() for ch in line)


async def test_an_operator_voices_someone_from_the_window(
    display: str, shots: Path, server: ChinwagServer
) -> None:
    async with opened(display, shots, options_for(server, "ana"), ask=False) as window:
        await window.landed("ana")
        cy = await person(server, "cy")
        await window.until(lambda: "cy" in window.members(), "cy in the member list")
        window.say("/voice cy")
        await cy.expect(is_("MODE", "#lobby", "+v", "cy"))
        await window.until(lambda: "+cy" in window.members(), "cy voiced")

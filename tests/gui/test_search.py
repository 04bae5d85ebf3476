"""/search in the real window under Xvfb (issue 15): the results as rows, and a double-click
on one shows it, marked, in its conversation with the lines around it."""

from __future__ import annotations

from pathlib import Path

from chinwag.gui.chat import FOCUS
from chinwag.server.app import ChinwagServer
from tests.gui import test_window
from tests.gui.test_window import opened, options_for, person

shots = test_window.shots
"""The window tests' screenshot folder fixture."""


async def test_double_clicking_a_search_result_shows_it_in_its_context(
    display: str, shots: Path, server: ChinwagServer
) -> None:
    async with opened(display, shots, options_for(server), ask=False) as window:
        await window.landed()
        bo = await person(server, "bo")
        await window.until(lambda: "bo" in window.members(), "bo in the member list")
        await bo.send("PRIVMSG", "#lobby", "before the cake")
        await bo.send("PRIVMSG", "#lobby", "the cake is ready")
        for n in range(80):
            await bo.send("PRIVMSG", "#lobby", f"filler line {n}")
        await window.until(lambda: window.said("filler line 79"), "bo's last line")

        window.say("/search cake")
        await window.until(lambda: window.said("Search: 2 results"), "the results")
        log = window.chat.log
        number = next(i for i, line in enumerate(window.log(), 1) if "[2] " in line)
        log.see(f"{number}.0")
        log.update()
        x, y, _, height = log.bbox(f"{number}.0")  # type: ignore[misc]
        for _ in range(2):  # a double click, as the X server would report it
            log.event_generate("<ButtonPress-1>", x=x + 30, y=y + height // 2)
            log.event_generate("<ButtonRelease-1>", x=x + 30, y=y + height // 2)

        def focused() -> str:
            ranges = log.tag_ranges(FOCUS)
            return str(log.get(ranges[0], ranges[1])) if ranges else ""

        await window.until(lambda: "the cake is ready" in focused(), "the result marked")
        assert "<bo>" in focused()
        assert not window.newest_in_sight()
        first, last = log.yview()
        rows = len(window.log())
        shown = window.log()[int(first * rows) : int(last * rows) + 1]
        assert any("the cake is ready" in line and "[" not in line for line in shown)
        assert any("before the cake" in line and "[" not in line for line in shown)
        window.screenshot("gui-search.png")
        await bo.close()

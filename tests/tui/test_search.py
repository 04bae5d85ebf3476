"""/search and /goto in the terminal client (issue 15), against a real server: the results
as numbered rows, and going to one shows it with the lines around it, not the newest."""

from __future__ import annotations

from textual.widgets import RichLog

from chinwag.server.app import ChinwagServer
from tests.tui.test_app import chatting, joined_by


async def test_a_search_lists_results_and_goto_shows_one_in_its_context(
    server: ChinwagServer,
) -> None:
    async with chatting(server, "ana") as ui:
        bo = await joined_by(ui, server, "bo")
        await bo.send("PRIVMSG", "#lobby", "before the cake")
        await bo.send("PRIVMSG", "#lobby", "the cake is ready")
        for n in range(60):
            await bo.send("PRIVMSG", "#lobby", f"filler line {n}")
        await ui.until(lambda: ui.said("filler line 59"), "bo's last line")

        await ui.say("/search cake")
        await ui.until(lambda: ui.said("Search: 2 results"), "the results")
        assert ui.said("[2]") and ui.said("#lobby <bo> the cake is ready")
        log = ui.screen.query_one("#log", RichLog)
        assert log.is_vertical_scroll_end

        await ui.say("/goto 2")
        await ui.until(lambda: not log.is_vertical_scroll_end, "the log scrolled to the result")
        top = int(log.scroll_offset.y)
        shown = ui.log()[top : top + log.size.height]
        assert any(line.endswith("the cake is ready") and "<bo>" in line for line in shown)
        assert any("before the cake" in line for line in shown)  # what was said around it
        await bo.close()

"""The page paces what it sends (docs/security.md "Flood control"): a burst of 200 lines
against a server with fakelag on arrives whole and in order, and the page stays connected;
it paces by the limits the server announces with ``CHANLIMITS *``."""

from __future__ import annotations

import dataclasses

from playwright.async_api import Browser

from chinwag.config import Limits
from chinwag.server.app import ChinwagServer
from tests.ircclient import IrcClient, is_
from tests.web.conftest import login, opened, server_on


async def test_a_burst_of_200_lines_from_the_page_never_trips_fakelag(browser: Browser) -> None:
    plain = server_on()
    # A quick allowance, so that the test is quick: announced as 20 messages a second.
    limits = Limits(fakelag=True, flood_burst=20, flood_rate=40.0, flood_max_lag=2.0)
    server = ChinwagServer(dataclasses.replace(plain.config, limits=limits), plain.store)
    await server.start()
    try:
        watcher = await IrcClient.registered(server.addresses[0], "watcher", "#lobby")
        async with opened(browser, server) as (page, errors):
            await login(page, "ana")
            await watcher.expect(is_("JOIN", "#lobby"))
            assert await page.evaluate(
                "import('./connection.js').then((m) => [m.pace.burst, m.pace.rate])"
            ) == [16, 16]
            await page.evaluate(
                """import('./connection.js').then((m) => {
                    for (let i = 0; i < 200; i++) m.send('PRIVMSG', ['#lobby', `line ${i}`]);
                })"""
            )
            heard = [
                (await watcher.expect(is_("PRIVMSG"), timeout=60)).params[1] for _ in range(200)
            ]
            assert heard == [f"line {i}" for i in range(200)]
            assert await page.evaluate("import('./connection.js').then((m) => m.pace.held)") > 0
            counters = server.core.metrics.counters
            assert counters.excess_flood_disconnects == 0
            assert counters.lines_delayed == 0
            assert server.core.network.find_user("ana") is not None
            assert errors.errors == [] and errors.dialogs == []
    finally:
        await server.stop(grace=1.0)
        await IrcClient.close_all()


async def test_lines_held_at_the_default_pace_go_at_once_when_the_server_lifts_the_limits(
    browser: Browser, web: ChinwagServer
) -> None:
    """What was already spent is counted in lines, not seconds: a backlog paced at the
    default 1.6 lines a second must not keep the queue waiting once ``CHANLIMITS * *`` says
    there are no limits (the page's reconnection was held for seconds by this)."""
    watcher = await IrcClient.registered(web.addresses[0], "watcher", "#lobby")
    async with opened(browser, web) as (page, errors):
        await login(page, "ana")
        await watcher.expect(is_("JOIN", "#lobby"))
        waiting = await page.evaluate(
            """import('./connection.js').then((m) => {
                m.setFloodLimits(16, 10);  // the default pace, as before any CHANLIMITS
                for (let i = 0; i < 40; i++) m.send('PRIVMSG', ['#lobby', `line ${i}`]);
                const held = m.pace.queue.length;
                m.setFloodLimits(1e9, 1);  // CHANLIMITS * *: no limits for us
                return [held, m.pace.queue.length];
            })"""
        )
        assert waiting[0] > 0  # the default pace held some back
        assert waiting[1] == 0  # and lifting the limits sent them at once
        heard = [(await watcher.expect(is_("PRIVMSG"))).params[1] for _ in range(40)]
        assert heard == [f"line {i}" for i in range(40)]
        assert errors.errors == []

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

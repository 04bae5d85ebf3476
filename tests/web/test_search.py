"""Search from the page (``soju.im/search``): the box shows when the server offers the
capability, results come in a ``soju.im/search`` batch, and a result opens its conversation
at the message with what was said around it (``CHATHISTORY AROUND``)."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from chinwag.server.app import ChinwagServer
from tests.ircclient import IrcClient, is_
from tests.web.conftest import login, opened, row_with, say


async def test_a_search_result_jumps_to_the_message_in_context(
    browser: Browser, web: ChinwagServer
) -> None:
    carol = await IrcClient.registered(web.addresses[0], "carol", "#lobby")
    await carol.send("PRIVMSG", "#lobby", "before the needle")
    await carol.send("PRIVMSG", "#lobby", "the needle is here")
    await carol.send("PRIVMSG", "#lobby", "after the needle")
    for number in range(120):  # more than the page asks for on join
        await carol.send("PRIVMSG", "#lobby", f"filler {number:03}")
    await carol.send("PING", "done")
    await carol.expect(is_("PONG"))
    async with opened(browser, web) as (page, errors):
        await login(page, "ana")
        await expect(page.locator(row_with("filler 119"))).to_be_visible()
        offered = await page.evaluate("() => window.chinwag.offered.has('soju.im/search')")
        if not offered:
            pytest.skip("the server does not offer soju.im/search (the search branch not merged)")
        await expect(page.locator("#search")).to_be_visible()
        assert await page.locator(row_with("the needle is here")).count() == 0
        await page.fill("#search", "from:carol is here")
        await page.press("#search", "Enter")
        result = page.locator("#result-list .result", has_text="the needle is here")
        await expect(result).to_be_visible()
        await expect(result).to_contain_text("#lobby")
        await result.locator("button").click()
        await expect(page.locator("#results")).to_be_hidden()
        found = page.locator("#log .row.found")
        await expect(found).to_contain_text("the needle is here")
        await expect(found).to_be_in_viewport()
        await expect(page.locator(row_with("before the needle"))).to_be_visible()
        await expect(page.locator(row_with("after the needle"))).to_be_visible()
        # The same from the message box: /search, then /goto a numbered result.
        await page.locator('.conv[data-key="#lobby"] button').click()
        await say(page, "/search needle in:#lobby")
        await expect(page.locator("#result-list .result")).to_have_count(3)
        await expect(page.locator("#result-list .result").first).to_contain_text("[1]")
        texts = await page.locator("#result-list .result").all_text_contents()
        number = next(n for n, text in enumerate(texts, 1) if "is here" in text)
        assert texts[number - 1].startswith(f"[{number}] ")
        await say(page, f"/goto {number}")
        await expect(page.locator("#log .row.found")).to_contain_text("the needle is here")
        assert not errors.errors

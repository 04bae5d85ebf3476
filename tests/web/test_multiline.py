"""Multiline messages (IRCv3 draft/multiline) on the page: a Shift+Enter block goes as one
message and arrives at another page as one message of several lines; a multiline message
from elsewhere, live or from history, is shown the same way."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from chinwag.client.text import clean_message
from chinwag.protocol import multiline as ml
from chinwag.server.app import ChinwagServer
from tests.ircclient import IrcClient, is_
from tests.web.conftest import login, opened, row_with


async def multiline_client(server: ChinwagServer, nick: str) -> IrcClient:
    client = await IrcClient.connect(server.addresses[0])
    await client.send("CAP", "REQ", "draft/multiline batch message-tags")
    await client.expect(is_("CAP", "*", "ACK"))
    await client.send("CAP", "END")
    await client.register(nick)
    await client.join("#lobby")
    return client


async def test_a_shift_enter_block_arrives_at_another_page_as_one_message(
    browser: Browser, web: ChinwagServer
) -> None:
    async with opened(browser, web) as (ana, ana_errors), opened(browser, web) as (bo, bo_errors):
        await login(ana, "ana")
        await login(bo, "bo")
        watcher = await multiline_client(web, "watcher")
        await ana.type("#input", "first line")
        await ana.press("#input", "Shift+Enter")
        await ana.type("#input", "<b>second</b> line")
        await ana.press("#input", "Enter")

        opening = await watcher.expect(is_("BATCH"))
        assert opening.params[1:] == ["draft/multiline", "#lobby"]
        texts = [(await watcher.expect(is_("PRIVMSG"))).params[1] for _ in range(2)]
        assert texts == ["first line", "<b>second</b> line"]

        row = bo.locator(row_with("first line"))
        await expect(row).to_have_count(1)
        # The line break itself (to_have_text would take a space for it).
        assert await row.locator(".body").text_content() == "ana first line\n<b>second</b> line"
        assert await row.locator("b").count() == 0  # shown as text, never as markup
        # Our own, as echoed: one row too.
        await expect(ana.locator(row_with("first line"))).to_have_count(1)
        assert not ana_errors.errors and not bo_errors.errors


async def test_a_multiline_message_from_a_client_and_from_history_is_one_row(
    browser: Browser, web: ChinwagServer
) -> None:
    cy = await multiline_client(web, "cy")
    await cy.send_raw(
        b"BATCH +p draft/multiline #lobby\r\n"
        b"@batch=p PRIVMSG #lobby :said before\r\n"
        b"@batch=p PRIVMSG #lobby :you came \r\n"
        b"@batch=p;draft/multiline-concat PRIVMSG #lobby :in\r\n"
        b"BATCH -p\r\n"
    )
    async with opened(browser, web) as (page, errors):
        await login(page, "ana")
        row = page.locator(row_with("said before"))  # from CHATHISTORY on joining
        await expect(row).to_have_count(1)
        assert await row.locator(".body").text_content() == "cy said before\nyou came in"
        await cy.send_raw(
            b"BATCH +q draft/multiline #lobby\r\n"
            b"@batch=q PRIVMSG #lobby :live one\r\n"
            b"@batch=q PRIVMSG #lobby :\x1b[31mlive two\r\n"
            b"BATCH -q\r\n"
        )
        live = page.locator(row_with("live one"))
        await expect(live).to_have_count(1)
        assert await live.locator(".body").text_content() == "cy live one\nlive two"
        assert not errors.errors


SPLITS = [
    ("one\n\n  two\n", 350),
    ("\n\nword " * 3, 350),
    (" ".join(f"wörd{n}" for n in range(120)), 40),
    ("é" * 30 + " tail", 7),
    ("nospacesatallinthisveryverylongline", 10),
]


async def test_the_page_cuts_and_batches_lines_as_the_python_clients_do(
    browser: Browser, web: ChinwagServer
) -> None:
    async with opened(browser, web) as (page, _):
        got = await page.evaluate(
            """async ([splits, cleans]) => {
                const irc = await import('/irc.js');
                return {
                    lines: splits.map(([t, room]) => irc.multilineLines(t, room)),
                    batches: splits.map(([t, room]) =>
                        irc.multilineBatches(irc.multilineLines(t, room), 60, 3)),
                    limits: ['max-bytes=40000', 'x,max-lines=5', ''].map(irc.multilineLimits),
                    cleans: cleans.map(irc.cleanMessage),
                };
            }""",
            [SPLITS, ["a\n\x1b[31mb\x07\r\u2028c", "plain"]],
        )
    as_dicts = [
        [{"text": line.text, "concat": line.concat} for line in ml.split_text(text, room)]
        for text, room in SPLITS
    ]
    assert got["lines"] == as_dicts
    assert got["batches"] == [
        [
            [{"text": line.text, "concat": line.concat} for line in group]
            for group in ml.batches(ml.split_text(text, room), 60, 3)
        ]
        for text, room in SPLITS
    ]
    assert got["limits"] == [[40000, None], [4096, 5], [4096, None]]
    assert got["cleans"] == [clean_message("a\n\x1b[31mb\x07\r\u2028c"), "plain"]

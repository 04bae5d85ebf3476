"""The page shows message redactions (draft/message-redaction) and channel renames
(draft/channel-rename): a deleted message reads "message deleted" (with the reason, as text)
live and once loaded from history, one's own messages can be deleted from the page (by mouse
or keyboard), and a renamed room moves in the list with its messages and unread count."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from chinwag.server.app import ChinwagServer
from tests.ircclient import IrcClient, is_
from tests.web.conftest import login, opened, row_with, say

CAPS = "message-tags echo-message draft/message-redaction draft/channel-rename"


async def capable(web: ChinwagServer, nick: str, *channels: str) -> IrcClient:
    """A raw client with msgids echoed back, redaction and rename, in ``channels``."""
    client = await IrcClient.connect(web.addresses[0])
    await client.send("CAP", "REQ", CAPS)
    await client.send("CAP", "END")
    await client.register(nick)
    for channel in channels:
        await client.join(channel)
    return client


async def said(client: IrcClient, target: str, text: str) -> str:
    """``client`` says ``text`` to ``target``; the msgid of the echo."""
    await client.send("PRIVMSG", target, text)
    echo = await client.expect(is_("PRIVMSG", target, text))
    return str(echo.tags["msgid"])


async def test_a_redacted_message_reads_message_deleted_with_its_reason_as_text(
    browser: Browser, web: ChinwagServer
) -> None:
    carol = await capable(web, "carol", "#lobby")
    earlier = await said(carol, "#lobby", "said before ana came")
    async with opened(browser, web) as (page, errors):
        await login(page, "ana")
        await expect(page.locator(row_with("said before ana came"))).to_be_visible()  # history
        live = await said(carol, "#lobby", "a secret by mistake")
        await expect(page.locator(row_with("a secret by mistake"))).to_be_visible()
        await carol.send("REDACT", "#lobby", live, "<img src=x onerror=alert(1)>")
        row = page.locator(f'#log .row[data-msgid="{live}"]')
        await expect(row).to_have_class("row msg redacted")
        await expect(row.locator(".body")).to_have_text(
            "carol message deleted (<img src=x onerror=alert(1)>)"
        )
        assert await page.locator("#log img").count() == 0
        await carol.send("REDACT", "#lobby", earlier)
        await expect(page.locator(f'#log .row[data-msgid="{earlier}"] .body')).to_have_text(
            "carol message deleted"
        )
        assert await page.locator(row_with("a secret by mistake")).count() == 0
        assert not errors.errors and not errors.dialogs


async def test_ones_own_message_can_be_deleted_with_the_keyboard(
    browser: Browser, web: ChinwagServer
) -> None:
    carol = await capable(web, "carol", "#lobby")
    async with opened(browser, web) as (page, errors):
        await login(page, "ana")
        await say(page, "oops, wrong room")
        mine = page.locator(row_with("oops, wrong room"))
        await expect(mine).to_be_visible()
        heard = await carol.expect(is_("PRIVMSG", "#lobby", "oops, wrong room"))
        button = mine.locator("button.delete")
        await button.focus()
        await page.keyboard.press("Enter")  # asks first
        await expect(button).to_have_text("Delete?")
        await page.keyboard.press("Enter")
        await carol.expect(is_("REDACT", "#lobby", str(heard.tags["msgid"])))
        await expect(page.locator("#log .row.redacted .body")).to_have_text("ana message deleted")
        # Others' messages have no delete button.
        await carol.send("PRIVMSG", "#lobby", "mine to keep")
        theirs = page.locator(row_with("mine to keep"))
        await expect(theirs).to_be_visible()
        assert await theirs.locator("button.delete").count() == 0
        assert not errors.errors and not errors.dialogs


async def test_a_renamed_room_moves_in_the_list_with_its_messages_and_unread_count(
    browser: Browser, web: ChinwagServer
) -> None:
    carol = await capable(web, "carol", "#lobby")  # first in: its operator
    async with opened(browser, web) as (page, errors):
        await login(page, "ana")
        await carol.send("PRIVMSG", "#lobby", "hello lobby")
        await expect(page.locator(row_with("hello lobby"))).to_be_visible()
        await say(page, "/join #elsewhere")
        await expect(page.locator("#conv-name")).to_have_text("#elsewhere")
        await carol.send("PRIVMSG", "#lobby", "news one")
        await carol.send("PRIVMSG", "#lobby", "news two")
        await expect(page.locator('.conv[data-key="#lobby"] .unread')).to_have_text("2")
        await carol.send("RENAME", "#lobby", "#hall", "a better name")
        await expect(page.locator('.conv[data-key="#hall"] .unread')).to_have_text("2")
        assert await page.locator('.conv[data-key="#lobby"]').count() == 0
        await expect(page.locator("#conv-name")).to_have_text("#elsewhere")
        await page.click('.conv[data-key="#hall"] button')
        await expect(page.locator("#conv-name")).to_have_text("#hall")
        await expect(page.locator(row_with("hello lobby"))).to_be_visible()
        await expect(page.locator(row_with("news two"))).to_be_visible()
        await expect(
            page.locator(row_with("carol renamed #lobby to #hall (a better name)"))
        ).to_be_visible()
        await say(page, "still here")
        await carol.expect(is_("PRIVMSG", "#hall", "still here"))
        assert not errors.errors and not errors.dialogs

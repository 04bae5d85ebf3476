"""History on the page: scrolling back through CHATHISTORY, read markers kept in step with
another device of the same account, direct messages missed while away, and the banner and
return when the connection is lost (the gap it left filled)."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, Page, expect

from chinwag.server.app import ChinwagServer
from chinwag.storage.memory import MemoryStore
from tests.ircclient import IrcClient, is_
from tests.web.conftest import PASSWORD, login, opened, row_with, say, server_on


async def account(server: ChinwagServer, nick: str) -> None:
    """``nick`` is a registered account with :data:`PASSWORD`, nobody connected as it (not
    always-on, issue 16, so the nick is free once the client left)."""
    client = await IrcClient.registered(server.addresses[0], nick)
    await client.send("REGISTER", "*", PASSWORD)
    await client.expect(is_("REGISTER", "SUCCESS"))
    await client.send("PRIVMSG", "NickServ", "SET ALWAYS-ON OFF")
    await client.expect(is_("NOTICE", nick))
    await client.send("QUIT")
    await client.expect_closed()


async def flush(client: IrcClient) -> None:
    """Everything ``client`` sent has been handled (its PING answered)."""
    await client.send("PING", "flushed")
    await client.expect(is_("PONG"))


async def scroll_back_until(page: Page, text: str) -> None:
    """Scroll the log to its top, again and again, until ``text`` is in it."""
    await page.wait_for_function(
        """(text) => {
            const log = document.getElementById('log');
            log.scrollTop = 0;
            log.dispatchEvent(new Event('scroll'));
            return log.textContent.includes(text);
        }""",
        arg=text,
        polling=250,
        timeout=15_000,
    )


async def test_scrolling_up_pages_back_through_history(
    browser: Browser, web: ChinwagServer
) -> None:
    carol = await IrcClient.registered(web.addresses[0], "carol", "#lobby")
    for number in range(260):
        await carol.send("PRIVMSG", "#lobby", f"line {number:03}")
    await flush(carol)
    async with opened(browser, web) as (page, errors):
        await login(page, "ana")
        await expect(page.locator(row_with("line 259"))).to_be_visible()
        assert await page.locator(row_with("line 100")).count() == 0  # not yet: 50 at first
        await scroll_back_until(page, "line 000")
        rows = await page.locator("#log .row.msg").count()
        assert rows == 260
        order = await page.locator("#log .row.msg .body").all_text_contents()
        assert order == [f"carol line {number:03}" for number in range(260)]
        assert not errors.errors


async def test_the_read_marker_follows_the_other_device(
    browser: Browser, web: ChinwagServer
) -> None:
    await account(web, "ana")
    carol = await IrcClient.registered(web.addresses[0], "carol", "#lobby")
    async with opened(browser, web) as (phone, _), opened(browser, web) as (laptop, errors):
        await login(laptop, "ana", password=PASSWORD)
        await login(phone, "ana", password=PASSWORD)
        # Each device looks at a room of its own; the other's JOIN only lists it there.
        await say(laptop, "/join #elsewhere")
        await expect(laptop.locator("#conv-name")).to_have_text("#elsewhere")
        await say(phone, "/join #phone")
        await expect(phone.locator("#conv-name")).to_have_text("#phone")
        await expect(laptop.locator('.conv[data-key="#phone"]')).to_be_visible()
        await expect(laptop.locator("#conv-name")).to_have_text("#elsewhere")
        # Nobody looks at #lobby: the news wait, unread, on both.
        await carol.send("PRIVMSG", "#lobby", "news one")
        await carol.send("PRIVMSG", "#lobby", "news two")
        lobby = laptop.locator('.conv[data-key="#lobby"] .unread')
        await expect(lobby).to_have_text("2")
        await expect(phone.locator('.conv[data-key="#lobby"] .unread')).to_have_text("2")
        # The phone opens #lobby: it reads them, and says so (MARKREAD).
        await phone.locator('.conv[data-key="#lobby"] button').click()
        await expect(phone.locator(row_with("news two"))).to_be_visible()
        await expect(lobby).to_have_count(0)
        # The laptop's marker is where the phone's is: no divider before what was read.
        await phone.locator('.conv[data-key="#phone"] button').click()
        await carol.send("PRIVMSG", "#lobby", "news three")
        await expect(lobby).to_have_text("1")
        await laptop.locator('.conv[data-key="#lobby"] button').click()
        divider = laptop.locator("#log .divider + .row")
        await expect(divider).to_contain_text("news three")
        assert not errors.errors


async def test_a_room_another_device_joined_is_listed_not_opened(
    browser: Browser, web: ChinwagServer
) -> None:
    """A JOIN the page did not ask for (the rooms of the account's user it attached to at
    login, another device's /join) adds the room to the list; the page stays where it is."""
    await account(web, "ana")
    async with opened(browser, web) as (laptop, _), opened(browser, web) as (phone, errors):
        await login(laptop, "ana", password=PASSWORD)
        # #lobby is left and joined again: the account's user is in #side first, then #lobby.
        await say(laptop, "/join #side")
        await expect(laptop.locator("#conv-name")).to_have_text("#side")
        await say(laptop, "/part #lobby")
        await expect(laptop.locator('.conv[data-key="#lobby"]')).to_have_count(0)
        await say(laptop, "/join #lobby")
        await expect(laptop.locator("#conv-name")).to_have_text("#lobby")

        # The phone logs in: it is shown both rooms, and opens the one a login opens.
        await login(phone, "ana", password=PASSWORD)
        await expect(phone.locator('.conv[data-key="#side"]')).to_be_visible()
        await expect(phone.locator("#conv-name")).to_have_text("#lobby")
        # A room the laptop joins appears on the phone without taking it there.
        await say(laptop, "/join #news")
        await expect(laptop.locator("#conv-name")).to_have_text("#news")
        await expect(phone.locator('.conv[data-key="#news"]')).to_be_visible()
        await expect(phone.locator("#conv-name")).to_have_text("#lobby")
        # What the phone asks for it opens, as ever.
        await say(phone, "/join #side")
        await expect(phone.locator("#conv-name")).to_have_text("#side")
        assert not errors.errors


async def test_a_login_whose_lobby_is_refused_opens_a_room_the_account_is_in(
    browser: Browser, web: ChinwagServer
) -> None:
    await account(web, "ana")
    carol = await IrcClient.registered(web.addresses[0], "carol", "#lobby")
    await carol.send("MODE", "#lobby", "+i")
    await carol.expect(is_("MODE", "#lobby", "+i"))
    async with opened(browser, web) as (laptop, _), opened(browser, web) as (phone, errors):
        await login(laptop, "ana", password=PASSWORD, wait=False)
        await expect(laptop.locator("#chat")).to_be_visible()
        await say(laptop, "/join #side")
        await expect(laptop.locator("#conv-name")).to_have_text("#side")
        # The phone's login asks for #lobby (refused: invite-only) and is shown #side.
        await login(phone, "ana", password=PASSWORD)
        await expect(phone.locator("#conv-name")).to_have_text("#side")
        assert not errors.errors


async def test_direct_messages_missed_while_away_arrive_on_login(
    browser: Browser, web: ChinwagServer
) -> None:
    await account(web, "ana")
    carol = await IrcClient.registered(web.addresses[0], "carol")
    await carol.send("PRIVMSG", "ana", "while you were out")
    await flush(carol)
    async with opened(browser, web) as (page, errors):
        await login(page, "ana", password=PASSWORD)
        dm = page.locator('.conv[data-key="carol"]')
        await expect(dm.locator(".unread")).to_have_text("1")
        await dm.locator("button").click()
        await expect(page.locator(row_with("while you were out"))).to_be_visible()
        assert not errors.errors


async def test_direct_conversations_from_before_are_listed_on_login(
    browser: Browser, web: ChinwagServer
) -> None:
    """Not only those with missed messages: CHATHISTORY TARGETS lists the account's recent
    direct conversations, none marked unread, each with its lines."""
    await account(web, "ana")
    bea = await IrcClient.registered(web.addresses[0], "bea")
    async with opened(browser, web) as (page, errors):
        await login(page, "ana", password=PASSWORD)
        await say(page, "/msg bea hello from before")
        await bea.expect(is_("PRIVMSG", "bea", "hello from before"))
        await bea.send("PRIVMSG", "ana", "hello back")
        await expect(page.locator('.conv[data-key="bea"] .unread')).to_have_text("1")
        assert not errors.errors
    async with opened(browser, web) as (page, errors):
        await login(page, "ana", password=PASSWORD)
        dm = page.locator('.conv[data-key="bea"]')
        await expect(dm).to_be_visible()
        await expect(page.locator("#conv-name")).to_have_text("#lobby")  # not switched to
        await page.wait_for_function("() => window.chinwag.convs.get('bea').messages.length == 2")
        await expect(dm.locator(".unread")).to_have_count(0)
        await dm.locator("button").click()
        await expect(page.locator(row_with("hello from before"))).to_be_visible()
        await expect(page.locator(row_with("hello back"))).to_be_visible()
        assert not errors.errors


async def test_the_banner_counts_down_and_the_page_comes_back_as_it_was(
    browser: Browser, shots: Path
) -> None:
    store = MemoryStore()
    first = server_on(store=store)
    await first.start()
    port = first.addresses[1][1]
    second: ChinwagServer | None = None
    try:
        async with opened(browser, first) as (page, errors):
            await login(page, "ana", color="orange")
            await say(page, "/join #games")
            await expect(page.locator("#conv-name")).to_have_text("#games")
            await first.stop(grace=0.5)
            banner = page.locator("#banner")
            await expect(banner).to_be_visible()
            await expect(banner).to_contain_text("Reconnecting in")
            await page.screenshot(path=shots / "web-down.png")
            second = server_on(port, store)
            await second.start()
            await expect(banner).to_be_hidden(timeout=15_000)
            await expect(page.locator("#me")).to_contain_text("ana")
            carol = await IrcClient.registered(second.addresses[0], "carol")
            names = await carol.join("#games")
            assert any(name.lstrip("@+") == "ana" for name in names)
            await carol.send("METADATA", "ana", "GET", "color")
            assert (await carol.expect(is_("761"))).params[-1] == "#ffaf00"
            # A drop of the page's own connection: what was said meanwhile is fetched, page
            # after page (more than one CHATHISTORY AFTER answers).
            await carol.send("PRIVMSG", "#games", "before the drop")
            await expect(page.locator(row_with("before the drop"))).to_be_visible()
            await page.evaluate("window.chinwag.ws.close()")
            await expect(banner).to_be_visible()
            await carol.expect(is_("QUIT"))
            for number in range(130):
                await carol.send("PRIVMSG", "#games", f"gap {number:03}")
            await carol.send("PING", "sent")
            await carol.expect(is_("PONG"))
            await expect(banner).to_be_hidden(timeout=15_000)
            await expect(page.locator(row_with("gap 129"))).to_be_visible()
            said = await page.locator("#log .row.msg .body").all_text_contents()
            assert said == ["carol before the drop"] + [f"carol gap {n:03}" for n in range(130)]
            assert not [e for e in errors.errors if "WebSocket" not in e]
    finally:
        if second is not None:
            await second.stop(grace=0.5)
        await IrcClient.close_all()


async def test_login_later_with_the_command_asks_for_the_password_hidden(
    browser: Browser, web: ChinwagServer
) -> None:
    await account(web, "ana")
    async with opened(browser, web) as (page, errors):
        await login(page, "ana")
        await say(page, "/login")
        secret = page.locator("#secret")
        await expect(secret).to_have_attribute("type", "password")
        await secret.fill("not the password")
        await secret.press("Enter")
        await expect(page.locator(row_with("Logging in failed"))).to_be_visible()
        await say(page, "/login")
        await secret.fill(PASSWORD)
        await secret.press("Enter")
        await expect(page.locator("#me")).to_contain_text("account ana")
        # The password is not in what Up recalls.
        await page.press("#input", "ArrowUp")
        await expect(page.locator("#input")).to_have_value("/login")
        assert not errors.errors


async def test_back_after_a_drop_with_the_nick_taken_meanwhile(
    browser: Browser, web: ChinwagServer
) -> None:
    async with opened(browser, web) as (page, errors):
        await login(page, "ana")
        await say(page, "/join #games")
        await expect(page.locator("#conv-name")).to_have_text("#games")
        await page.evaluate("window.chinwag.ws.close()")
        await expect(page.locator("#banner")).to_be_visible()
        await IrcClient.registered(web.addresses[0], "ana")
        await expect(page.locator("#banner")).to_be_hidden(timeout=15_000)
        await expect(page.locator("#me")).to_have_text("You are ana_")
        await expect(page.locator("#member-list")).to_contain_text("ana_")
        assert not [e for e in errors.errors if "WebSocket" not in e]


async def test_the_log_keeps_at_most_its_cap_of_rows_and_pages_older_ones_in(
    browser: Browser, web: ChinwagServer
) -> None:
    async with opened(browser, web) as (page, errors):
        await login(page, "ana")
        await page.evaluate(
            """() => {
                const app = window.chinwag;
                app.receiveLine(':irc.test BATCH +big chathistory #big');
                for (let i = 0; i < 2500; i++) {
                    const time = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
                    app.receiveLine(`@batch=big;time=${time};msgid=big${i} `
                                    + `:carol!c@h PRIVMSG #big :old line ${i}`);
                }
                app.receiveLine(':irc.test BATCH -big');
                app.select('#big');
            }"""
        )
        rows = page.locator("#log .row")
        await expect(rows).to_have_count(2000)
        await expect(rows.first).to_contain_text("old line 500")
        await expect(rows.last).to_contain_text("old line 2499")
        await page.wait_for_function(
            """() => {
                const log = document.getElementById('log');
                log.scrollTop = 0;
                log.dispatchEvent(new Event('scroll'));
                return log.querySelector('.row .body').textContent === 'carol old line 0';
            }""",
            polling=250,
            timeout=15_000,
        )
        assert await rows.count() <= 2000
        assert not errors.errors


async def test_lines_read_as_they_come_get_no_new_since_line(
    browser: Browser, web: ChinwagServer
) -> None:
    await account(web, "ana")
    carol = await IrcClient.registered(web.addresses[0], "carol", "#lobby")
    async with opened(browser, web) as (page, errors):
        await login(page, "ana", password=PASSWORD)
        await carol.send("PRIVMSG", "#lobby", "one")
        await expect(page.locator(row_with("one"))).to_be_visible()
        await say(page, "/join #other")
        await expect(page.locator("#conv-name")).to_have_text("#other")
        await page.locator('.conv[data-key="#lobby"] button').click()
        await carol.send("PRIVMSG", "#lobby", "two")
        await expect(page.locator(row_with("two"))).to_be_visible()
        await expect(page.locator("#log .divider")).to_have_count(0)
        await say(page, "/join #other")
        await carol.send("PRIVMSG", "#lobby", "three")
        await expect(page.locator('.conv[data-key="#lobby"] .unread')).to_have_text("1")
        await page.locator('.conv[data-key="#lobby"] button').click()
        await expect(page.locator("#log .divider + .row")).to_contain_text("three")
        assert not errors.errors


async def test_a_first_page_marked_as_the_last_asks_for_nothing_older(
    browser: Browser, web: ChinwagServer
) -> None:
    # Exactly as many lines as the page asks for on joining: only draft/chathistory-end
    # tells the page there is nothing before them.
    carol = await IrcClient.registered(web.addresses[0], "carol", "#lobby")
    for number in range(50):
        await carol.send("PRIVMSG", "#lobby", f"line {number:03}")
    await flush(carol)
    async with opened(browser, web) as (page, errors):
        asked: list[str] = []
        page.on(
            "websocket",
            lambda ws: ws.on(
                "framesent",
                lambda frame: asked.append(str(frame)) if "CHATHISTORY" in str(frame) else None,
            ),
        )
        await login(page, "ana")
        await expect(page.locator(row_with("line 000"))).to_be_visible()
        for _ in range(5):
            await page.evaluate(
                """() => {
                    const log = document.getElementById('log');
                    log.scrollTop = 0;
                    log.dispatchEvent(new Event('scroll'));
                }"""
            )
            await page.wait_for_timeout(100)
        assert [line for line in asked if "#lobby" in line and "BEFORE" in line] == []
        assert any("LATEST #lobby" in line for line in asked)
        assert not errors.errors

"""The page in a real browser against a real server: logging in (colour, password,
registration, every mistake next to its field), chatting with other pages and with a raw
IRC client, direct messages and unread counts, commands, replies, typing, the keyboard."""

from __future__ import annotations

import dataclasses
import re
import ssl
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from chinwag.config import Listener
from chinwag.server.app import ChinwagServer
from chinwag.storage.memory import MemoryStore
from tests.ircclient import IrcClient, is_
from tests.waiting import until
from tests.web.conftest import PASSWORD, login, opened, row_with, say
from tests.webclient import web_config


async def test_login_with_a_colour_sets_it_as_metadata(
    browser: Browser, web: ChinwagServer, shots: Path
) -> None:
    async with opened(browser, web) as (page, errors):
        await page.fill("#nick", "ana")
        await page.click('.swatch[title="light blue"]')
        await expect(page.locator('.swatch[title="light blue"]')).to_have_attribute(
            "aria-pressed", "true"
        )
        await page.screenshot(path=shots / "web-login.png")
        await page.click("#login-button")
        await page.wait_for_selector(".conv.current")
        await expect(page.locator("#conv-name")).to_have_text("#lobby")
        watcher = await IrcClient.registered(web.addresses[0], "watcher")
        await watcher.send("METADATA", "ana", "GET", "color")
        value = await watcher.expect(is_("761", "watcher", "ana", "color"))
        assert value.params[-1] == "#afd7ff"
        assert not errors.errors and not errors.dialogs


async def test_each_mistake_is_shown_next_to_its_field(
    browser: Browser, web: ChinwagServer
) -> None:
    holder = await IrcClient.registered(web.addresses[0], "taken")
    await holder.send("REGISTER", "*", PASSWORD)
    await holder.expect(is_("REGISTER", "SUCCESS"))
    async with opened(browser, web) as (page, errors):
        await page.fill("#nick", "")
        await page.click("#login-button")
        await expect(page.locator("#nick-error")).to_have_text("Choose a nick.")
        await login(page, "taken", wait=False)
        await expect(page.locator("#nick-error")).to_contain_text("in use")
        await login(page, "bad!nick", wait=False)
        await expect(page.locator("#nick-error")).to_contain_text("one word")
        await holder.send("QUIT")
        await holder.expect_closed()
        await login(page, "taken", password="wrong password", wait=False)
        await expect(page.locator("#password-error")).to_contain_text("not right")
        await login(page, "taken", register=True, wait=False)
        await expect(page.locator("#password-error")).to_contain_text("needs a password")
        await login(page, "taken", password=PASSWORD)
        await expect(page.locator("#me")).to_contain_text("account taken")
        assert not errors.errors


async def test_the_server_unreachable_is_said_on_the_form(
    browser: Browser, web: ChinwagServer
) -> None:
    async with opened(browser, web) as (page, _):
        await web.stop(grace=0.1)
        await login(page, "ana", wait=False)
        await expect(page.locator("#server-error")).to_contain_text("cannot be reached")


async def test_register_this_nick_makes_an_account(browser: Browser, web: ChinwagServer) -> None:
    async with opened(browser, web) as (page, errors):
        await login(page, "newbie", password=PASSWORD, register=True)
        await expect(page.locator("#me")).to_contain_text("account newbie")
    checker = await IrcClient.registered(web.addresses[0], "checker")
    await checker.send("WHOIS", "newbie")
    await checker.expect(is_("318"))
    async with opened(browser, web) as (page, errors):
        await login(page, "newbie", password=PASSWORD)
        await expect(page.locator("#me")).to_contain_text("account newbie")
        assert not errors.errors


async def test_two_pages_and_an_irc_client_chat_in_a_room(
    browser: Browser, web: ChinwagServer, shots: Path
) -> None:
    irc = await IrcClient.registered(web.addresses[0], "carol", "#lobby")
    async with opened(browser, web) as (ana, errors_a), opened(browser, web) as (bob, errors_b):
        await login(ana, "ana", color="pink")
        await login(bob, "bob", color="teal")
        await expect(ana.locator("#member-list")).to_contain_text("bob")
        await expect(ana.locator("#member-list")).to_contain_text("carol")
        await say(ana, "hello bob, see https://example.org/x?y=1.")
        row = bob.locator(row_with("hello bob"))
        await expect(row).to_be_visible()
        await expect(row.locator(".time")).to_have_text(re.compile(r"^\d\d:\d\d$"))
        assert await row.locator(".nick").get_attribute("data-nick") == "ana"
        link = row.locator("a")
        await expect(link).to_have_attribute("href", "https://example.org/x?y=1")
        await expect(link).to_have_attribute("rel", "noopener noreferrer")
        heard = await irc.expect(is_("PRIVMSG", "#lobby"))
        assert heard.params[1] == "hello bob, see https://example.org/x?y=1."
        await irc.send("PRIVMSG", "#lobby", "hi from a plain client")
        await expect(ana.locator(row_with("hi from a plain client"))).to_be_visible()
        await say(bob, "/me waves")
        await expect(ana.locator(row_with("* bob waves"))).to_have_class("row action")
        await irc.send("TOPIC", "#lobby", "the topic of the day")
        await expect(bob.locator("#topic")).to_have_text("the topic of the day")
        await expect(bob.locator(row_with("set the topic"))).to_be_visible()
        await irc.send("MODE", "#lobby", "+o", "bob")
        await expect(ana.locator(".member", has_text="bob").locator(".prefix")).to_have_text("@")
        await expect(ana.locator(row_with("set mode +o bob"))).to_be_visible()
        await irc.send("AWAY", "out for lunch")
        await expect(ana.locator(".member.away")).to_contain_text("carol")
        # A reply quotes the message answered.
        await bob.locator(row_with("hello bob")).hover()
        await bob.locator(row_with("hello bob")).locator(".reply").click()
        await say(bob, "thanks")
        quote = ana.locator(row_with("thanks")).locator(".quote")
        await expect(quote).to_contain_text("hello bob")
        # Typing shows on the other page.
        await bob.fill("#input", "")
        await bob.type("#input", "typing")
        await expect(ana.locator("#typing")).to_have_text("bob is typing…")
        await bob.press("#input", "Enter")
        await expect(ana.locator("#typing")).to_have_text("")
        # Nick changes, parts and quits are lines in the log.
        await irc.send("NICK", "carla")
        await expect(ana.locator(row_with("carol is now carla"))).to_be_visible()
        await irc.send("QUIT", "bye now")
        await expect(ana.locator(row_with("carla quit"))).to_contain_text("bye now")
        await ana.screenshot(path=shots / "web-chat.png")
        assert not errors_a.errors and not errors_b.errors


async def test_a_direct_message_has_unread_counts_and_a_mention_mark(
    browser: Browser, web: ChinwagServer
) -> None:
    async with opened(browser, web) as (ana, errors_a), opened(browser, web) as (bob, errors_b):
        await login(ana, "ana")
        await login(bob, "bob")
        await say(bob, "@ana psst, a secret")
        dm = ana.locator('.conv[data-key="bob"]')
        await expect(dm.locator(".unread")).to_have_text("1")
        await expect(dm.locator(".mention")).to_be_visible()
        await expect(ana).to_have_title("(1) chinwag")
        await say(bob, "@ana another one")
        await expect(dm.locator(".unread")).to_have_text("2")
        await dm.locator("button").click()
        await expect(ana.locator(row_with("psst, a secret"))).to_be_visible()
        await expect(dm.locator(".unread")).to_have_count(0)
        await expect(ana).to_have_title("chinwag")
        # A mention in a room the page is not looking at.
        await say(ana, "/join #games")
        await expect(ana.locator("#conv-name")).to_have_text("#games")
        await say(bob, "hey ana, lunch?")
        lobby = ana.locator('.conv[data-key="#lobby"]')
        await expect(lobby.locator(".mention")).to_be_visible()
        # Alt+Up/Down switch conversations.
        await ana.press("#input", "Alt+ArrowUp")
        await expect(ana.locator("#conv-name")).not_to_have_text("#games")
        assert not errors_a.errors and not errors_b.errors


async def test_commands_and_the_keyboard(browser: Browser, web: ChinwagServer) -> None:
    irc = await IrcClient.registered(web.addresses[0], "carol", "#lobby")
    async with opened(browser, web) as (page, errors):
        await login(page, "ana")
        await say(page, "@help")
        await expect(page.locator(row_with("/whois <nick>: about someone"))).to_be_visible()
        await say(page, "@online")
        await expect(page.locator(row_with("In #lobby (2)"))).to_be_visible()
        await say(page, "@all everyone listen")
        assert (await irc.expect(is_("PRIVMSG", "#lobby"))).params[1] == "everyone listen"
        await say(page, "@carol just you")
        assert (await irc.expect(is_("PRIVMSG", "carol"))).params[1] == "just you"
        await say(page, "hello /join is not a command")
        assert (await irc.expect(is_("PRIVMSG", "#lobby"))).params[1].startswith("hello /join")
        await say(page, "/color purple")
        await irc.send("METADATA", "ana", "GET", "color")
        assert (await irc.expect(is_("761"))).params[-1] == "#8700ff"
        await say(page, "/color mauve-ish")
        await expect(page.locator(row_with("Unknown colour"))).to_be_visible()
        await say(page, "/topic a new topic")  # carol made #lobby: only she may
        await expect(page.locator(row_with("operator"))).to_be_visible()
        await say(page, "/whois carol")
        await expect(page.locator(row_with("carol is in"))).to_contain_text("#lobby")
        await say(page, "/away gone fishing")
        await expect(page.locator(row_with("marked as being away"))).to_be_visible()
        await say(page, "/away")
        await say(page, "/list")
        await expect(page.locator(row_with("End of the room list"))).to_be_visible()
        await say(page, "/nick anna")
        await expect(page.locator("#me")).to_contain_text("anna")
        await say(page, "/bogus")
        await expect(page.locator(row_with("/bogus is not a command"))).to_be_visible()
        # Up recalls what was sent; Tab completes a nick.
        await page.press("#input", "ArrowUp")
        await expect(page.locator("#input")).to_have_value("/bogus")
        await page.fill("#input", "car")
        await page.press("#input", "Tab")
        await expect(page.locator("#input")).to_have_value("carol: ")
        # Shift+Enter makes a new line; the page sends the lines as one multiline message,
        # which reaches a client without draft/multiline as a message per line.
        await page.fill("#input", "")
        await page.type("#input", "first line")
        await page.press("#input", "Shift+Enter")
        await page.type("#input", "second line")
        await page.press("#input", "Enter")
        assert (await irc.expect(is_("PRIVMSG", "#lobby"))).params[1] == "first line"
        assert (await irc.expect(is_("PRIVMSG", "#lobby"))).params[1] == "second line"
        # /register asks for the password without echo, in a password field.
        await say(page, "/register")
        await expect(page.locator("#secret")).to_be_visible()
        await expect(page.locator("#secret")).to_have_attribute("type", "password")
        await page.fill("#secret", PASSWORD)
        await page.press("#secret", "Enter")
        await expect(page.locator(row_with("is now your account"))).to_be_visible()
        await say(page, "/join games")
        await expect(page.locator("#conv-name")).to_have_text("#games")
        await say(page, "/topic a new topic")
        await expect(page.locator("#topic")).to_have_text("a new topic")
        await say(page, "/leave")
        await expect(page.locator('.conv[data-key="#games"]')).to_have_count(0)
        await say(page, "@disconnect")
        await expect(page.locator("#login")).to_be_visible()
        # The account is always-on (issue 16): anna stays in #lobby, away, and quits nothing.
        anna = web.core.network.find_user("anna")
        assert anna is not None
        await until(lambda: not anna.sessions and anna.away, "anna left behind, away")
        assert all(line.command != "QUIT" for line in irc.received)
        assert not errors.errors


async def test_notifications_are_opt_in_and_come_for_mentions_and_direct_messages(
    browser: Browser, web: ChinwagServer
) -> None:
    record = """
        window.__notes = [];
        window.Notification = class {
            static permission = 'default';
            static async requestPermission() { this.permission = 'granted'; return 'granted'; }
            constructor(title, options) { window.__notes.push([title, options.body]); }
        };
    """
    irc = await IrcClient.registered(web.addresses[0], "carol", "#lobby")
    async with opened(browser, web) as (page, errors):
        await page.add_init_script(record)
        await page.reload()
        await login(page, "ana")
        await say(page, "/join #quiet")
        await expect(page.locator("#conv-name")).to_have_text("#quiet")
        await irc.send("PRIVMSG", "#lobby", "ana: before opting in")
        await expect(page.locator('.conv[data-key="#lobby"] .unread')).to_have_text("1")
        assert await page.evaluate("window.__notes") == []
        await page.click("#notify-toggle")
        await expect(page.locator("#notify-toggle")).to_have_text("Stop notifications")
        await irc.send("PRIVMSG", "#lobby", "nothing for ana's eyes... well, ana")
        await irc.send("PRIVMSG", "#lobby", "no mention here")
        await irc.send("PRIVMSG", "ana", "a direct one")
        await expect(page.locator('.conv[data-key="carol"] .unread')).to_have_text("1")
        notes = await page.evaluate("window.__notes")
        assert notes == [
            ["carol in #lobby", "nothing for ana's eyes... well, ana"],
            ["carol (direct)", "a direct one"],
        ]
        await expect(page).to_have_title("(4) chinwag")
        assert not errors.errors


async def test_the_page_over_https_talks_over_wss(
    browser: Browser, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    monkeypatch.setattr(ChinwagServer, "_tls_context", lambda self: server_context)
    config = dataclasses.replace(web_config(), listeners=(Listener("127.0.0.1", 0, "https"),))
    server = ChinwagServer(config, MemoryStore())
    await server.start()
    try:
        host, port = server.addresses[0]
        context = await browser.new_context(ignore_https_errors=True)
        page = await context.new_page()
        sockets: list[str] = []
        page.on("websocket", lambda ws: sockets.append(ws.url))
        await page.goto(f"https://{host}:{port}/")
        await login(page, "secure")
        assert sockets == [f"wss://{host}:{port}/ws"]
        assert server.connections() == {"https": 1}
        await context.close()
    finally:
        await server.stop(grace=1.0)


async def test_the_nick_and_colour_are_remembered_never_the_password(
    browser: Browser, web: ChinwagServer
) -> None:
    async with opened(browser, web) as (page, errors):
        await login(page, "ana", color="teal", password=PASSWORD, register=True)
        await page.reload()
        await expect(page.locator("#nick")).to_have_value("ana")
        await expect(page.locator('.swatch[title="teal"]')).to_have_attribute(
            "aria-pressed", "true"
        )
        await expect(page.locator("#password")).to_have_value("")
        stored = await page.evaluate("() => JSON.stringify(localStorage)")
        assert PASSWORD not in stored
        assert not errors.errors

"""Nothing from the network is ever HTML: a corpus of XSS payloads sent as nicks (where the
server allows the characters), messages, actions, topics, part and quit reasons, away
messages, real names, room names and metadata reaches the page inert: no dialog, no script
run, no element made from it; only http(s) links become links. And the page on a phone:
no horizontal scrolling, the conversation list as a drawer, touch-sized targets."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Browser, expect

from chinwag.client.webtables import shipped_path
from chinwag.server.app import ChinwagServer
from tests.ircclient import IrcClient, is_
from tests.web.conftest import login, opened, row_with, say

HTML_SINKS = re.compile(
    r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|"
    r"setAttribute\(\"on|\.srcdoc|createContextualFragment|DOMParser"
)
"""Ways a script turns a string into markup or code: none is used anywhere in the page."""


def test_the_page_never_makes_html_or_code_from_strings() -> None:
    folder = shipped_path().parent
    scripts = sorted(folder.glob("*.js"))
    assert len(scripts) > 3  # the page's modules, found
    for script in scripts:
        source = script.read_text(encoding="utf-8")
        assert HTML_SINKS.search(source) is None, script.name
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "style=" not in page and "<script>" not in page
    assert re.search(r"\son[a-z]+=", page) is None  # no inline event handler


PAYLOADS = [
    "<img src=x onerror=window.__xss=1;alert(1)>",
    "<script>window.__xss=2;alert(2)</script>",
    '"><svg onload=window.__xss=3;alert(3)>',
    "javascript:alert(4)",
    '<a href="javascript:alert(5)">click</a>',
    'http://example.org/"><img src=x onerror=alert(6)>',
    "<iframe src=javascript:alert(7)></iframe>",
    "{{constructor.constructor('alert(8)')()}}",
    "\u202e<b>reversed</b>\x1b[31m\x03" + "4red",
]


async def test_xss_payloads_are_shown_as_text_and_run_nothing(
    browser: Browser, web: ChinwagServer
) -> None:
    mallory = await IrcClient.connect(web.addresses[0])
    mallory.nick = "mallory"
    await mallory.send("CAP", "REQ", "draft/metadata-2 message-tags")
    await mallory.send("NICK", "mallory")
    await mallory.send("USER", "m", "0", "*", PAYLOADS[0])
    await mallory.send("CAP", "END")
    await mallory.expect(lambda line: line.command in ("376", "422"))
    await mallory.join("#lobby")
    async with opened(browser, web) as (page, errors):
        await login(page, "ana")
        await expect(page.locator("#member-list")).to_contain_text("mallory")
        await mallory.send("METADATA", "*", "SET", "color", PAYLOADS[2])
        await mallory.send("TOPIC", "#lobby", PAYLOADS[1])
        for payload in PAYLOADS:
            await mallory.send("PRIVMSG", "#lobby", payload)
            await mallory.send("PRIVMSG", "#lobby", f"\x01ACTION {payload}\x01")
            await mallory.send("PRIVMSG", "ana", payload)
            await mallory.send("NOTICE", "#lobby", payload)
        await mallory.send("AWAY", PAYLOADS[3])
        # Nicks with what the server lets a nick hold: [ ] \ ` ^ { } | and friends.
        for nick in ("m{}|[]^`\\", "x_-y"):
            await mallory.send("NICK", nick)
            await mallory.expect(is_("NICK"))
        await say(page, f"/whois {'x_-y'}")
        # A room whose name and topic are payloads, seen through an invitation and /list.
        room = "#<img/src=x/onerror=alert(9)>"
        await mallory.join(room)
        await mallory.send("TOPIC", room, PAYLOADS[2])
        await mallory.send("INVITE", "ana", room)
        await expect(page.locator(row_with("invites you"))).to_contain_text(room)
        await say(page, "/list")
        await expect(page.locator(row_with("End of the room list"))).to_be_visible()
        await expect(page.locator("#log")).to_contain_text(f"{room} (1): {PAYLOADS[2]}")
        await mallory.send("PART", "#lobby", PAYLOADS[2])
        await mallory.join("#lobby")
        await mallory.send("QUIT", PAYLOADS[0])
        await expect(page.locator(row_with("quit"))).to_be_visible()
        await expect(page.locator("#topic")).to_have_text(PAYLOADS[1])
        log = page.locator("#log")
        await expect(log).to_contain_text("<script>window.__xss=2;alert(2)</script>")
        await expect(log).to_contain_text("reversed")
        await page.locator('.conv[data-key="mallory"] button').click()
        await expect(page.locator(row_with("onerror"))).not_to_have_count(0)
        await page.locator('.conv[data-key="#lobby"] button').click()
        injected = await page.evaluate(
            """() => ({
                xss: window.__xss ?? null,
                elements: document.querySelectorAll(
                    '#chat img, #chat svg, #chat script, #chat iframe, #chat b, #chat [onerror],'
                    + ' #chat [onload]').length,
                links: [...document.querySelectorAll('#chat a')].map((a) => a.href),
                controls: /[\\u0000-\\u001f\\u202e]/.test(
                    document.getElementById('log').textContent),
            })"""
        )
        assert injected["xss"] is None
        assert injected["elements"] == 0
        assert all(link.startswith(("http://", "https://")) for link in injected["links"])
        assert injected["links"]  # the http one was made a link, the javascript: ones not
        assert not injected["controls"]
        assert not errors.dialogs
        assert not errors.errors


async def test_the_page_on_a_phone(browser: Browser, web: ChinwagServer, shots: Path) -> None:
    carol = await IrcClient.registered(web.addresses[0], "carol", "#lobby")
    phone = {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    }
    async with opened(browser, web, **phone) as (page, errors):
        await login(page, "ana", color="green")
        await carol.send(
            "PRIVMSG",
            "#lobby",
            "a long line without spaces "
            + "x" * 150
            + " and a link https://example.org/"
            + "y" * 150,
        )
        await carol.send("PRIVMSG", "#lobby", "hello from carol, ana")
        await expect(page.locator(row_with("hello from carol"))).to_have_class(
            re.compile("mentions-me")
        )
        await expect(page.locator(row_with("a long line"))).to_be_visible()
        await say(page, "/join #phones")
        await expect(page.locator("#conv-name")).to_have_text("#phones")
        widths = await page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], "the page scrolls sideways"
        sidebar = page.locator("#sidebar")
        await expect(sidebar).to_be_hidden()
        for target in ("#drawer-toggle", "#members-toggle", "#compose button"):
            box = await page.locator(target).bounding_box()
            assert box is not None and box["height"] >= 44 and box["width"] >= 44, target
        await page.tap("#drawer-toggle")
        await expect(sidebar).to_be_visible()
        await expect(page.locator('.conv[data-key="#lobby"] .unread')).to_have_count(0)
        await page.screenshot(path=shots / "web-phone-drawer.png")
        await page.locator('.conv[data-key="#lobby"] button').tap()
        await expect(sidebar).to_be_hidden()
        await expect(page.locator("#conv-name")).to_have_text("#lobby")
        widths = await page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], "the page scrolls sideways"
        await page.screenshot(path=shots / "web-phone.png")
        await page.tap("#members-toggle")
        await expect(page.locator("#members")).to_be_visible()
        await expect(page.locator("#member-list")).to_contain_text("carol")
        await page.tap("#log", position={"x": 20, "y": 200})
        await expect(page.locator("#members")).to_be_hidden()
        await page.tap("#drawer-toggle")
        await expect(sidebar).to_be_visible()
        await page.tap("#log", position={"x": 370, "y": 300})
        await expect(sidebar).to_be_hidden()
        assert not errors.errors


async def test_light_and_dark_follow_the_system(browser: Browser, web: ChinwagServer) -> None:
    for scheme, background in (("light", "rgb(255, 255, 255)"), ("dark", "rgb(22, 24, 28)")):
        async with opened(browser, web, color_scheme=scheme) as (page, _):
            await login(page, "ana" if scheme == "light" else "bea", color="black")
            got = await page.evaluate("() => getComputedStyle(document.body).backgroundColor")
            assert got == background
            me = page.locator("#me .nick")
            color = await me.evaluate("(node) => node.style.color")
            # Black is lifted on the dark theme, kept on the light one.
            assert (color == "rgb(8, 8, 8)") == (scheme == "light")

"""Where the page and the Python clients must agree, one source of truth checks the other:
``web/shared.js`` is what :mod:`chinwag.client.webtables` makes from the palette and the
command table, and the page's own command parser, text cleaning and colour functions
(``web/irc.js``) give what the Python ones give on the same inputs, run in the browser."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from playwright.async_api import Browser

from chinwag.client import colors, commands, text
from chinwag.client.webtables import render, shipped_path
from chinwag.server.app import ChinwagServer
from tests.web.conftest import opened


def test_shared_js_is_what_the_python_tables_make() -> None:
    assert shipped_path().read_text(encoding="utf-8") == render(), (
        "web/shared.js is stale: run python -m chinwag.client.webtables"
    )


INPUTS = [
    "",
    "   ",
    "hello",
    "  hello  ",
    "//join",
    "@@ana",
    "@help",
    "@HELP",
    "@online",
    "@all",
    "@all  hi there",
    "@disconnect",
    "@disconnect gone home",
    "@ana",
    "@ana hi  there",
    "@ ana",
    "@",
    "/help",
    "/who",
    "/names",
    "/list",
    "/quit",
    "/exit bye",
    "/msg",
    "/msg ana",
    "/msg ana hello there",
    "/query",
    "/query bob",
    "/query bob hi",
    "/me",
    "/me   ",
    "/me waves",
    "/me  waves  twice ",
    "/join",
    "/join games",
    "/join #games key x",
    "/leave",
    "/part",
    "/part #games",
    "/part #games so long",
    "/leave tired now",
    "/nick",
    "/nick ana",
    "/nick ana bob",
    "/color",
    "/color Light Blue",
    "/topic",
    "/topic  new topic ",
    "/whois",
    "/whois ana",
    "/away",
    "/away lunch",
    "/register",
    "/register pw",
    "/login",
    "/login ana",
    "/login ana pw",
    "/cert",
    "/cert add",
    "/cert list",
    "/cert del ab:cd",
    "/cert del",
    "/bogus",
    "/Join #x",
    "hi /join #x",
    "@all",
    "/ME dances",
    "ünïcödé",
    "/search",
    "/search cake from:ana",
    "/goto",
    "/goto 2",
    "/goto two",
    "/kick",
    "/kick bo",
    "/kick bo  be  nice ",
    "/KICKBAN bo spam",
    "/ban *!*@example.org",
    "/ban bo spam",
    "/unban a:bo",
    "/mute bo",
    "/mute bo now",
    "/unmute bo",
    "/op bo",
    "/op bo cy",
    "/deop bo",
    "/voice bo",
    "/devoice",
    "/invite",
    "/invite bo",
    "/invite bo games",
    "/invite bo #a #b",
    "/mode",
    "/mode +m",
    "/mode #games",
    "/mode #games +b a:bo",
]

CLEAN_INPUTS = [
    "plain",
    "tab\there",
    "line\r\nbreak",
    "\x1b[31mred\x1b[0m",
    "\x1b]0;title\x07after",
    "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
    "\x02bold\x02 \x1funder\x1f",
    "\x0304,12col\x03",
    "\x04ff0000hex",
    "bidi\u202eevil\u202c",
    "\u2066iso\u2069",
    "c1\x9b31m",
    "\x90dcs\x9c ok",
    "emoji 🎉 and 中文",
    "nul\x00byte",
    "\x1b(0line",
    "unterminated \x1b]osc",
]

COLOR_INPUTS = [
    "Light Blue",
    "light-blue",
    "LIGHT_BLUE",
    "lightblue",
    "#F0A",
    "ff00af",
    "#123456",
    "bad",
    "",
    "purple",
    "#12345",
    "teal ",
]

NICKS = ["ana", "ANA", "bob", "Zoë", "a[b]c", "x" * 30, "日本"]


def python_input(line: str) -> dict[str, Any] | None:
    parsed = commands.parse_input(line)
    if parsed is None:
        return None
    return {"kind": type(parsed).__name__, **dataclasses.asdict(parsed)}


def python_color(value: str) -> str:
    try:
        return colors.parse_color(value)
    except colors.ColorError as error:
        return f"error: {error}"


async def test_the_page_parses_cleans_and_colours_as_the_python_clients_do(
    browser: Browser, web: ChinwagServer
) -> None:
    async with opened(browser, web) as (page, _):
        script = """async ([inputs, cleans, colorsIn, nicks]) => {
            const irc = await import('/irc.js');
            const color = (v) => { try { return irc.parseColor(v); }
                                   catch (e) { return 'error: ' + e.message; } };
            const both = [];
            for (const n of nicks) for (const dark of [true, false])
                both.push(irc.readable(irc.nickColor(n), dark));
            for (const hex of ['#080808', '#ffffff', '#ffff00', '#0000ff', '#00ffff'])
                for (const dark of [true, false]) both.push(irc.readable(hex, dark));
            return {
                inputs: inputs.map(irc.parseInput),
                cleans: cleans.map(irc.clean),
                colors: colorsIn.map(color),
                nicks: nicks.map(irc.nickColor),
                readable: both,
            };
        }"""
        got = await page.evaluate(script, [INPUTS, CLEAN_INPUTS, COLOR_INPUTS, NICKS])
    expected_readable = [
        colors.readable(colors.nick_color(n), dark_background=dark)
        for n in NICKS
        for dark in (True, False)
    ] + [
        colors.readable(hex_color, dark_background=dark)
        for hex_color in ("#080808", "#ffffff", "#ffff00", "#0000ff", "#00ffff")
        for dark in (True, False)
    ]
    for line, js in zip(INPUTS, got["inputs"], strict=True):
        assert js == python_input(line), line
    assert got["cleans"] == [text.clean(each) for each in CLEAN_INPUTS]
    # Python's repr quotes with ' as the JS message does; the rest of the text is shared.
    assert got["colors"] == [python_color(each) for each in COLOR_INPUTS]
    assert got["nicks"] == [colors.nick_color(n) for n in NICKS]
    assert got["readable"] == expected_readable
    json.dumps(got)  # plain data, nothing a browser object could hide in


SEARCHES = ["cake", "the cake from:ana in:#lobby", "in:ana", "from: x", "a;b c\\d", "   "]


async def test_the_search_box_asks_what_the_python_clients_ask(
    browser: Browser, web: ChinwagServer
) -> None:
    try:
        from chinwag.client.search import search_attributes  # type: ignore[import-not-found]
    except ImportError:
        pytest.skip("chinwag.client.search (the search branch) is not merged yet")
    async with opened(browser, web) as (page, _):
        got = await page.evaluate(
            "async (queries) => { const irc = await import('/irc.js');"
            " return queries.map((query) => irc.searchAttributes(query)); }",
            SEARCHES,
        )
    assert got == [search_attributes(query) for query in SEARCHES]


MONOSPACE_INPUTS = [
    "plain",
    "say \x11a  b\x11 then \x11c\x11",
    "\x11ab\x0fcd\x11ef",
    "\x11ab\x11\x11cd\x11",
    "\x11 X | O \x11\n\x11---+---\x11\n\x11   | X \x11",
    "\x11\x1b[2J\x1b]0;pwned\x07\u202eevil\x034,1red\x11",
    "a\x1b]0;\x11b\x07c\x11",
    "\x11🎉 wide 中文\x11 after",
]


async def test_the_page_finds_the_monospace_runs_the_python_clients_find(
    browser: Browser, web: ChinwagServer
) -> None:
    async with opened(browser, web) as (page, _):
        got = await page.evaluate(
            """async (inputs) => {
                const irc = await import('/irc.js');
                return inputs.map((input) => {
                    const { text, mono } = irc.cleanMonospace(input);
                    return [text, mono.map(([start, end]) => text.slice(start, end))];
                });
            }""",
            MONOSPACE_INPUTS,
        )
    expected = []
    for each in MONOSPACE_INPUTS:
        formatted = text.clean_monospace(each)
        runs = [formatted.text[start:end] for start, end in formatted.monospace]
        expected.append([formatted.text, runs])
    assert got == expected

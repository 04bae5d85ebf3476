"""Fixtures for the web page's tests: Debian's Chromium driven by Playwright (headless,
never a browser Playwright downloads) against a real chinwag server with an HTTP listener.

Without ``/usr/bin/chromium`` (or the ``playwright`` package) the tests skip with the reason;
under ``CI=true`` that is a failure, since ``./dev test`` installs both.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from chinwag.config import Listener
from chinwag.server.app import ChinwagServer
from chinwag.storage.memory import MemoryStore
from tests.ircclient import IrcClient
from tests.webclient import web_config

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

CHROMIUM = os.environ.get("CHINWAG_CHROMIUM", "/usr/bin/chromium")
"""The browser the tests drive: Debian's package (``./dev test`` installs it)."""

PASSWORD = "correct horse battery"
STEP = 5000
"""Milliseconds any one thing on the page may take to appear before the test fails."""


def _unavailable(reason: str) -> None:
    """Skip on a workstation without it; fail in CI, where ``./dev test`` installs it."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: ./dev test should have installed it)")
    pytest.skip(f"{reason}: ./dev test installs it (apt-get install chromium)")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium (Debian's), closed after the test."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _unavailable("the playwright package is missing (pip install -e '.[test]')")
        raise AssertionError("unreachable") from None
    if shutil.which(CHROMIUM) is None:
        _unavailable(f"no Chromium at {CHROMIUM}")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield launched
        finally:
            await launched.close()


def server_on(port: int = 0, store: MemoryStore | None = None) -> ChinwagServer:
    """A server with a TCP listener (for raw test clients) and an HTTP listener on ``port``
    (0: any), with ``store`` (to start it again on the same port with the same history)."""
    config = dataclasses.replace(
        web_config(),
        listeners=(Listener("127.0.0.1", 0, "tcp"), Listener("127.0.0.1", port, "http")),
    )
    return ChinwagServer(config, store or MemoryStore())


@pytest.fixture
async def web() -> AsyncIterator[ChinwagServer]:
    """A started server with an HTTP listener; stopped after the test."""
    running = server_on()
    await running.start()
    try:
        yield running
    finally:
        await running.stop(grace=1.0)
        await IrcClient.close_all()


def url_of(server: ChinwagServer) -> str:
    host, port = server.addresses[1]
    return f"http://{host}:{port}/"


class PageErrors:
    """What went wrong on a page: uncaught errors, console errors and dialogs (an XSS that
    ran would open one); a test asserts there were none."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "console",
            lambda message: self.errors.append(message.text) if message.type == "error" else None,
        )

        async def dialog(d: Any) -> None:
            self.dialogs.append(d.message)
            await d.dismiss()

        page.on("dialog", dialog)


@contextlib.asynccontextmanager
async def opened(
    browser: Browser, server: ChinwagServer, **context: Any
) -> AsyncIterator[tuple[Page, PageErrors]]:
    """A new page (its own context: storage and cookies apart) on the server's page."""
    made = await browser.new_context(**context)
    page = await made.new_page()
    page.set_default_timeout(STEP)
    errors = PageErrors()
    errors.watch(page)
    await page.goto(url_of(server))
    try:
        yield page, errors
    finally:
        await made.close()


async def login(
    page: Page,
    nick: str,
    color: str | None = None,
    password: str | None = None,
    register: bool = False,
    wait: bool = True,
) -> None:
    """Fill the login form and press Chat; with ``wait``, until the chat shows."""
    await page.fill("#nick", nick)
    if color is not None:
        await page.click(f'.swatch[title="{color}"]')
    await page.fill("#password", password or "")
    await page.set_checked("#register", register)
    await page.click("#login-button")
    if wait:
        await page.wait_for_selector("#chat:not([hidden])")
        await page.wait_for_selector(".conv.current", state="attached")


async def say(page: Page, text: str) -> None:
    """Type ``text`` in the message box and press Enter."""
    await page.fill("#input", text)
    await page.press("#input", "Enter")


def row_with(text: str) -> str:
    """A selector for the log row that contains ``text``."""
    return f'#log .row:has-text("{text}")'


@pytest.fixture
def shots(tmp_path: Path) -> Iterator[Path]:
    """Where screenshots go: ``$CHINWAG_SCREENSHOTS`` if set (``docs`` makes the README's
    ``docs/web-*.png``), else a temporary folder."""
    folder = os.environ.get("CHINWAG_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    yield path

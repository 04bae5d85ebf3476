"""The real window under Xvfb, against a real server, used as a person would.

Tk runs in the test's (main) thread and is driven by ``root.update()``; between updates the
test's event loop turns, so the server (in that loop) answers; the window's client runs in its
worker thread as it does in ``chinwag gui``. The other people are raw IRC connections
(:class:`~tests.ircclient.IrcClient`). Nothing sleeps for a fixed time: every wait polls the
window until it shows what is expected.

Screenshots of the three main screens are saved to ``$CHINWAG_SCREENSHOTS`` when set (that is
how ``docs/gui-*.png`` are made: ``CHINWAG_SCREENSHOTS=docs ./dev test tests/gui``), else to
the test's temporary folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from chinwag.client.banner import NOT_CONNECTED
from chinwag.client.colors import PALETTE
from chinwag.client.options import ChatOptions
from chinwag.client.runner import Backoff
from chinwag.gui.app import ChinwagGui
from chinwag.gui.chat import ChatFrame
from chinwag.gui.glyphs import NO_GLYPHS, system_glyphs
from chinwag.gui.password import PasswordDialog
from chinwag.gui.text import displayable
from chinwag.gui.view import tag_color
from chinwag.server.app import ChinwagServer
from tests.conftest import ServerFactory, free_port
from tests.gui.conftest import PASSWORD, register_account, restore_display
from tests.ircclient import IrcClient, is_
from tests.waiting import until

WAIT = 10.0
"""Seconds the window may take to show something before the test fails."""


class Window:
    """A :class:`ChinwagGui`, read and worked the way a person would."""

    def __init__(self, gui: ChinwagGui, display: str, shots: Path) -> None:
        self.gui = gui
        self.display = display
        self.shots = shots

    # -- waiting -------------------------------------------------------------------------------

    async def until(self, predicate: Callable[[], object], what: str) -> None:
        """Let the window and the server run until ``predicate()`` holds."""

        def look() -> object:
            if not self.gui.closed:
                self.gui.root.update()
            return predicate()

        await until(
            look,
            f"shown: {what}",
            timeout=WAIT,
            step=lambda: asyncio.sleep(0.01),
            describe=self.describe,
        )

    async def settle(self, seconds: float = 0.2) -> None:
        """Let everything run a moment (to see that something does *not* happen)."""
        end = time.monotonic() + seconds
        await self.until(lambda: time.monotonic() > end, "time passing")

    # -- the login form ------------------------------------------------------------------------

    def problem(self, field: str) -> str | None:
        return self.gui.login.problem(field)

    def fill(self, field: str, text: str) -> None:
        entry = self.gui.login.entries[field]
        entry.delete(0, "end")
        entry.insert(0, text)

    def fill_in(self, server: ChinwagServer, nick: str = "ana", **more: str) -> None:
        """Type the server's address and port, the nick and ``more`` fields."""
        host, port = server.addresses[0][:2]
        self.fill("server", host)
        self.fill("port", str(port))
        self.fill("nick", nick)
        for field, text in more.items():
            self.fill(field, text)

    def log_in(self, server: ChinwagServer, nick: str = "ana", **more: str) -> None:
        """Fill in the form and press Connect."""
        self.fill_in(server, nick, **more)
        self.gui.login.connect_button.invoke()

    # -- the chat ------------------------------------------------------------------------------

    @property
    def chat(self) -> ChatFrame:
        assert self.gui.chat is not None, "the chat window is not open"
        return self.gui.chat

    def log(self) -> list[str]:
        if self.gui.chat is None or self.gui.closed:
            return []
        return self.chat.log.get("1.0", "end-1c").splitlines()

    def said(self, text: str) -> bool:
        return any(text in line for line in self.log())

    def members(self) -> list[str]:
        if self.gui.chat is None or self.gui.closed:
            return []
        listing = self.chat.member_list
        return [str(listing.item(iid, "text")) for iid in listing.get_children()]

    def conversations(self) -> list[str]:
        if self.gui.chat is None or self.gui.closed:
            return []
        sidebar = self.chat.sidebar
        return [
            f"{sidebar.item(iid, 'text')} {sidebar.set(iid, 'badge')}".strip()
            for iid in sidebar.get_children()
        ]

    def newest_in_sight(self) -> bool:
        """Whether the log shows its last line (it follows the talk)."""
        log = self.chat.log
        log.count("1.0", "end", "update")
        return log.yview()[1] == 1.0 and log.bbox("end-1c linestart") is not None

    def title(self) -> str:
        return str(self.chat.title_label.cget("text")) if self.gui.chat is not None else ""

    def banner(self) -> str | None:
        chat = self.gui.chat
        if chat is None or self.gui.closed or not chat.banner.winfo_ismapped():
            return None
        return str(chat.banner_label.cget("text"))

    async def landed(self, nick: str = "ana", room: str = "#lobby") -> None:
        await self.until(
            lambda: self.title() == room and any(m.lstrip("@+") == nick for m in self.members()),
            f"{room} with {nick} in it",
        )

    def say(self, line: str) -> None:
        """Type ``line`` into the input and press Enter."""
        self.chat.entry.delete(0, "end")
        self.chat.entry.insert(0, line)
        self.chat.entry.event_generate("<Return>")

    def nick_color_at(self, line_text: str, nick: str) -> str | None:
        """The colour the log shows ``nick`` in, on the first line containing ``line_text``."""
        log = self.chat.log
        number = next(i for i, line in enumerate(self.log(), 1) if line_text in line)
        column = self.log()[number - 1].index(nick)
        colors = [tag_color(tag) for tag in log.tag_names(f"{number}.{column}")]
        return next((color for color in colors if color), None)

    def describe(self) -> str:
        if self.gui.closed:
            return "closed"
        if self.gui.chat is None:
            problems = {field: self.problem(field) for field in self.gui.login.problems}
            return f"login form, problems: {problems}, status: {self.gui.login.status['text']!r}"
        return "\n".join(
            [
                f"banner: {self.banner()!r}, title: {self.title()!r}",
                f"conversations: {self.conversations()}",
                f"members: {self.members()}",
                "log:",
                *("  " + line for line in self.log()[-15:]),
            ]
        )

    # -- pictures ------------------------------------------------------------------------------

    def screenshot(self, name: str) -> Path:
        """The window as it is on screen, saved as ``name``; checked to be a real picture."""
        from PIL import ImageGrab

        root = self.gui.root
        root.update()
        x, y = root.winfo_rootx(), root.winfo_rooty()
        box = (x, y, x + root.winfo_width(), y + root.winfo_height())
        image = ImageGrab.grab(bbox=box, xdisplay=self.display)
        path = self.shots / name
        image.save(path, optimize=True)
        assert image.size == (root.winfo_width(), root.winfo_height())
        colors = image.getcolors(maxcolors=1_000_000)
        assert colors is None or len(colors) > 20, "a blank screenshot"
        return path


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: ``$CHINWAG_SCREENSHOTS`` if set, else a temporary folder."""
    folder = os.environ.get("CHINWAG_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.asynccontextmanager
async def opened(
    display: str, shots: Path, options: ChatOptions | None = None, **settings: object
) -> AsyncIterator[Window]:
    """The window on ``display``; closed (and its client stopped) after the test."""
    settings.setdefault("theme", "light")
    gui = ChinwagGui(
        options or ChatOptions(),
        display=display,
        rng=random.Random(1),
        connect_timeout=5.0,
        **settings,  # type: ignore[arg-type]
    )
    window = Window(gui, display, shots)
    try:
        await window.until(lambda: gui.root.winfo_ismapped(), "the window on screen")
        yield window
    finally:
        if not gui.closed:
            gui.close()
            await window.until(lambda: gui.closed, "the window closed")
        restore_display()


def options_for(server: ChinwagServer, nick: str = "ana", color: str | None = None) -> ChatOptions:
    host, port = server.addresses[0][:2]
    return ChatOptions(host=host, port=port, nick=nick, color=color)


async def person(
    server: ChinwagServer, nick: str, color: str | None = None, *rooms: str
) -> IrcClient:
    """A raw IRC client ``nick`` with a colour, in ``rooms`` (default #lobby)."""
    client = await IrcClient.connect(server.addresses[0])
    await client.send("CAP", "REQ", "draft/metadata-2")
    await client.send("CAP", "END")
    await client.register(nick)
    if color is not None:
        await client.send("METADATA", "*", "SET", "color", color)
        await client.expect(is_("761", nick, nick, "color"))
    for room in rooms or ("#lobby",):
        await client.join(room)
    return client


# -- logging in ----------------------------------------------------------------------------------


async def test_the_window_logs_in_chats_with_others_and_shows_each_nick_in_its_colour(
    display: str,
    shots: Path,
    server: ChinwagServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Emoji as their names whatever fonts this machine has (tests/gui/test_chat_frame.py
    # checks the glyphs where a font has them).
    monkeypatch.setattr("chinwag.gui.text.system_glyphs", lambda: NO_GLYPHS)
    bo = await person(server, "bo", PALETTE["pink"])
    await bo.send("TOPIC", "#lobby", "Friday board games 🎲 — bring snacks")
    cy = await person(server, "cy", PALETTE["orange"])
    dee = await person(server, "dee", PALETTE["purple"])
    settings = tmp_path / "gui.json"
    async with opened(display, shots, settings_path=settings) as window:
        window.fill("server", "192.168.1.5")  # as a friend on the LAN would type it
        window.fill("port", "6667")
        window.fill("nick", "ana")
        window.gui.login.swatches["teal"].event_generate("<Button-1>")
        assert window.gui.login.value("color") == "teal"
        window.screenshot("gui-login.png")
        window.fill_in(server, "ana")  # where the test server really is
        window.gui.login.connect_button.invoke()
        await window.landed("ana")
        assert window.conversations()[1:] == ["#lobby"]
        assert window.members() == ["@bo", "ana", "cy", "dee"]
        assert window.chat.topic_label.cget("text") == (
            "Friday board games [game die] — bring snacks"
        )

        await bo.send("PRIVMSG", "#lobby", "hi ana! 👋 are you coming tonight?")
        await window.until(
            lambda: window.said("<bo> hi ana! [waving hand sign] are you coming tonight?"),
            "bo's line, the emoji replaced",
        )
        assert window.nick_color_at("are you coming", "bo") == window.gui.palette.nick(
            PALETTE["pink"]
        )
        window.say("yes! I'll bring the cards 🃏")
        heard = await bo.expect(is_("PRIVMSG", "#lobby"))
        assert heard.params[-1] == "yes! I'll bring the cards 🃏"  # sent as typed
        assert heard.hostmask.nickname == "ana"
        await window.until(lambda: window.said("<ana> yes! I'll bring"), "our own line")
        assert window.nick_color_at("bring the cards", "ana") == window.gui.palette.nick(
            PALETTE["teal"]
        )
        await cy.send("PRIVMSG", "#lobby", "\x01ACTION brings crisps\x01")
        await cy.send("PRIVMSG", "#lobby", "count me in 🇫🇷")
        await window.until(lambda: window.said("<cy> count me in [flag FR]"), "cy's lines")
        assert window.nick_color_at("brings crisps", "cy") == window.gui.palette.nick(
            PALETTE["orange"]
        )
        await dee.send("PRIVMSG", "ana", "psst, can you bring the dice?")
        await window.until(lambda: "@dee 1!" in window.conversations(), "an unread @dee")
        assert not window.said("bring the dice")  # not on screen until chosen
        window.screenshot("gui-chat.png")

        await dee.send("PART", "#lobby", "off to the shop")
        await window.until(lambda: window.said("← dee left #lobby (off to the shop)"), "dee left")
        await window.until(lambda: "dee" not in window.members(), "dee gone from the list")

    saved = json.loads(settings.read_text())
    assert (saved["nick"], saved["color"], saved["port"]) == (
        "ana",
        "#008787",
        server.addresses[0][1],
    )
    assert saved["geometry"]
    assert "password" not in saved


async def test_up_recalls_what_was_sent(display: str, shots: Path, server: ChinwagServer) -> None:
    async with opened(display, shots, options_for(server), ask=False) as window:
        await window.landed()
        window.say("first")
        window.say("second")
        await window.until(lambda: window.said("<ana> second"), "both lines sent")
        entry = window.chat.entry
        entry.insert(0, "draft")
        entry.event_generate("<Up>")
        assert entry.get() == "second"
        entry.event_generate("<Up>")
        assert entry.get() == "first"
        entry.event_generate("<Down>")
        entry.event_generate("<Down>")
        assert entry.get() == "draft"


async def test_a_port_out_of_range_is_shown_next_to_the_port_field_without_connecting(
    display: str, shots: Path, server: ChinwagServer
) -> None:
    async with opened(display, shots) as window:
        window.log_in(server, "ana", port="99999")
        await window.settle()
        assert window.problem("port") == "The port must be between 1 and 65535, not 99999"
        assert window.problem("server") is None and window.problem("nick") is None
        assert window.gui.bridge is None and window.gui.chat is None
        assert window.gui.root.focus_get() is window.gui.login.entries["port"]

        window.fill("port", "")
        window.fill("server", "not a host")
        window.fill("nick", "")
        window.gui.login.connect_button.invoke()
        await window.settle(0.05)
        assert window.problem("port") is None
        assert window.problem("server") == "'not a host' is not a host name or an IP address"
        assert window.problem("nick") == "Choose a nick"


async def test_a_server_nobody_listens_on_is_shown_next_to_the_address_then_it_can_be_retried(
    display: str, shots: Path, make_server: ServerFactory
) -> None:
    port = free_port()
    async with opened(display, shots) as window:
        window.fill("server", "127.0.0.1")
        window.fill("port", str(port))
        window.fill("nick", "ana")
        window.gui.login.connect_button.invoke()
        await window.until(lambda: window.problem("server"), "a problem with the server")
        assert (
            window.problem("server")
            == f"Nobody is listening on 127.0.0.1:{port} — is the server started?"
        )
        assert window.gui.chat is None

        await make_server(port=port)
        window.gui.login.connect_button.invoke()
        await window.landed("ana")


async def test_a_nick_in_use_shows_the_servers_reason_and_another_nick_gets_in(
    display: str, shots: Path, server: ChinwagServer
) -> None:
    await IrcClient.registered(server.addresses[0], "ana")
    async with opened(display, shots) as window:
        window.log_in(server, "ana")
        await window.until(lambda: window.problem("nick"), "the server's reason")
        assert (
            window.problem("nick")
            == "ana is taken; pick another nick, or give the password if it is yours"
        )
        window.fill("nick", "ana2")
        window.gui.login.entries["nick"].event_generate("<Return>")
        await window.landed("ana2")


async def test_a_wrong_password_is_shown_next_to_the_password_field(
    display: str, shots: Path, server: ChinwagServer
) -> None:
    await register_account(server, "ana")
    async with opened(display, shots) as window:
        window.log_in(server, "ana", password="not the password")
        await window.until(lambda: window.problem("password"), "a problem with the password")
        problem = window.problem("password")
        assert problem is not None and problem.startswith("Cannot log in as ana: ")
        assert window.gui.chat is None

        window.fill("password", PASSWORD)
        window.gui.login.connect_button.invoke()
        await window.landed("ana")
        window.chat.sidebar.selection_set("*")  # the server's conversation says how it went
        await window.until(lambda: window.said("You are logged in as ana"), "logged in")


# -- chatting ------------------------------------------------------------------------------------


async def test_double_clicking_a_member_opens_a_direct_conversation(
    display: str, shots: Path, server: ChinwagServer
) -> None:
    async with opened(display, shots, options_for(server), ask=False) as window:
        await window.landed()
        bo = await person(server, "bo")
        await window.until(lambda: "bo" in window.members(), "bo in the member list")
        listing = window.chat.member_list
        [row] = [iid for iid in listing.get_children() if listing.item(iid, "text") == "bo"]
        x, y, _, height = listing.bbox(row)  # type: ignore[misc]
        for _ in range(2):  # a double click, as the X server would report it
            listing.event_generate("<ButtonPress-1>", x=x + 5, y=y + height // 2)
            listing.event_generate("<ButtonRelease-1>", x=x + 5, y=y + height // 2)
        await window.until(lambda: window.title() == "bo", "the conversation with bo")
        assert window.conversations()[1:] == ["#lobby", "@bo"]

        window.say("psst")
        await bo.expect(is_("PRIVMSG", "bo", "psst"))
        window.chat.entry.event_generate("<Control-p>")
        await window.until(lambda: window.title() == "#lobby", "back in #lobby")
        await bo.send("PRIVMSG", "ana", "what?")
        await window.until(lambda: "@bo 1!" in window.conversations(), "an unread @bo")


async def test_register_asks_for_a_password_in_a_masked_prompt_and_logs_in(
    display: str, shots: Path, server: ChinwagServer
) -> None:
    async with opened(display, shots, options_for(server), ask=False) as window:
        await window.landed()
        window.say("/register")
        await window.until(lambda: window.gui.password_dialog is not None, "the prompt")
        dialog = window.gui.password_dialog
        assert isinstance(dialog, PasswordDialog) and dialog.again is not None
        assert dialog.password.cget("show") == "•"
        await window.until(lambda: dialog.focus_get() is dialog.password, "the cursor in it")
        dialog.password.insert(0, PASSWORD)
        dialog.password.event_generate("<Return>")
        await window.until(lambda: dialog.focus_get() is dialog.again, "the cursor in the second")
        dialog.again.insert(0, PASSWORD)
        dialog.again.event_generate("<Return>")
        success = "Account ana registered; you are logged in"
        await window.until(lambda: window.said(success), "registered and logged in")
        assert not any(PASSWORD in line for line in window.log())
        assert window.gui.password_dialog is None


async def test_register_shows_the_servers_minimum_and_refuses_a_short_password_in_place(
    display: str, shots: Path, server: ChinwagServer
) -> None:
    # The test server keeps chinwag's default minimum (8) and advertises it in its CAP value.
    async with opened(display, shots, options_for(server), ask=False) as window:
        await window.landed()
        window.say("/register")
        await window.until(lambda: window.gui.password_dialog is not None, "the prompt")
        dialog = window.gui.password_dialog
        assert isinstance(dialog, PasswordDialog) and dialog.again is not None
        assert dialog.rule is not None and dialog.rule.cget("text") == "At least 8 characters"
        assert dialog.password.winfo_y() < dialog.rule.winfo_y() < dialog.again.winfo_y()
        await window.until(lambda: dialog.focus_get() is dialog.password, "the cursor in it")

        dialog.password.event_generate("<Tab>")
        await window.until(lambda: dialog.focus_get() is dialog.again, "Tab to the second field")
        dialog.again.event_generate("<Tab>")
        await window.until(lambda: dialog.focus_get() is dialog.ok, "Tab on to Register")
        dialog.ok.event_generate("<Shift-Tab>")
        await window.until(lambda: dialog.focus_get() is dialog.again, "Shift-Tab back")
        dialog.again.event_generate("<Shift-Tab>")
        await window.until(lambda: dialog.focus_get() is dialog.password, "and to the first")

        refusal = "Too short: this server wants at least 8 characters (that was 5)"
        dialog.password.insert(0, "short")
        dialog.password.event_generate("<Return>")
        await window.until(lambda: dialog.problem.cget("text") == refusal, "the refusal")
        assert str(dialog.problem.cget("style")) == "Problem.TLabel"
        assert dialog.focus_get() is dialog.password, "Enter did not move on to the second field"

        dialog.again.insert(0, "short")
        dialog.problem.configure(text="")
        dialog.again.focus_set()
        await window.until(lambda: dialog.focus_get() is dialog.again, "the second field")
        dialog.again.event_generate("<Return>")
        await window.until(lambda: dialog.problem.cget("text") == refusal, "refused again")
        await window.until(lambda: dialog.focus_get() is dialog.password, "back to the first")
        await window.settle()
        assert window.gui.password_dialog is dialog and dialog.winfo_exists()
        assert not window.said("registered")

        for entry in (dialog.password, dialog.again):
            entry.delete(0, "end")
            entry.insert(0, PASSWORD)
        dialog.again.focus_set()
        await window.until(lambda: dialog.focus_get() is dialog.again, "the second field")
        dialog.again.event_generate("<Return>")
        success = "Account ana registered; you are logged in"
        await window.until(lambda: window.said(success), "registered with a long enough one")
        assert window.gui.password_dialog is None


async def test_the_minimum_is_for_new_passwords_so_logging_in_takes_a_short_one(
    display: str, shots: Path, server: ChinwagServer
) -> None:
    async with opened(display, shots, options_for(server), ask=False) as window:
        await window.landed()
        window.say("/login")
        await window.until(lambda: window.gui.password_dialog is not None, "the prompt")
        dialog = window.gui.password_dialog
        assert isinstance(dialog, PasswordDialog) and dialog.again is None
        assert dialog.rule is None
        await window.until(lambda: dialog.focus_get() is dialog.password, "the cursor in it")
        dialog.password.insert(0, "short")
        dialog.password.event_generate("<Return>")
        await window.until(lambda: window.gui.password_dialog is None, "the prompt sent it")


async def test_control_q_says_goodbye_and_closes_the_window(
    display: str, shots: Path, server: ChinwagServer
) -> None:
    async with opened(display, shots, options_for(server), ask=False) as window:
        await window.landed()
        bo = await person(server, "bo")
        window.chat.entry.event_generate("<Control-q>")
        gone = await bo.expect(lambda line: line.command == "QUIT")
        assert gone.hostmask.nickname == "ana"
        await window.until(lambda: window.gui.closed, "the window closed")


# -- the server goes away and comes back ---------------------------------------------------------


async def test_the_server_going_down_shows_a_bar_with_a_countdown_until_it_is_back(
    display: str, shots: Path, make_server: ServerFactory
) -> None:
    port = free_port()
    first = await make_server(port=port)
    bo = await person(first, "bo", PALETTE["pink"])
    options = options_for(first, "ana", PALETTE["teal"])
    backoff = Backoff(initial=2.0, maximum=2.0, jitter=0.0)
    async with opened(display, shots, options, ask=False, theme="dark", backoff=backoff) as window:
        await window.landed()
        await bo.send("PRIVMSG", "#lobby", "the server restarts for an update, back soon")
        for number in range(40):  # more than the log can show at once
            await bo.send("PRIVMSG", "#lobby", f"filler {number}")
        window.say("ok, see you in a minute")
        await window.until(lambda: window.said("<ana> ok, see you"), "our line")
        assert window.banner() is None
        assert window.newest_in_sight()

        await first.stop(grace=1.0)
        await window.until(lambda: window.banner() is not None, "the bar")
        await window.until(
            lambda: window.banner() in ("Server is down — reconnecting in 2s",
                                        "Server is down — reconnecting in 1s"),
            "the countdown",
        )  # fmt: skip
        assert window.said("The server is shutting down")
        assert window.chat.hint.cget("text") == NOT_CONNECTED
        window.screenshot("gui-down.png")
        shown = window.banner()
        await window.until(lambda: window.banner() != shown, "the countdown moving")

        await make_server(port=port)
        await window.until(lambda: window.said("Reconnected"), "Reconnected")
        await window.until(lambda: window.banner() is None, "the bar gone")
        await window.landed()
        assert window.said("<ana> ok, see you")  # the conversation so far is kept
        await window.until(window.newest_in_sight, "the log following the newest line")
        log = window.chat.log
        assert log.bbox(log.search("Reconnected", "1.0", "end")) is not None


async def test_retry_now_on_the_bar_reconnects_without_waiting_for_the_countdown(
    display: str, shots: Path, make_server: ServerFactory
) -> None:
    port = free_port()
    first = await make_server(port=port)
    options = options_for(first, "ana")
    # A wait far longer than the test may take: only the button can bring the window back.
    backoff = Backoff(initial=60.0, maximum=60.0, jitter=0.0)
    async with opened(display, shots, options, ask=False, backoff=backoff) as window:
        await window.landed()
        assert not window.chat.retry_button.winfo_ismapped()

        await first.stop(grace=1.0)
        await window.until(
            lambda: (window.banner() or "").startswith("Server is down — reconnecting in "),
            "the countdown",
        )
        assert window.chat.retry_button.winfo_ismapped()
        await make_server(port=port)
        window.chat.retry_button.invoke()
        await window.until(lambda: window.said("Reconnected"), "Reconnected at once")
        await window.until(lambda: window.banner() is None, "the bar gone")
        await window.landed()


# -- typing indicators ---------------------------------------------------------------------------


async def typist(server: ChinwagServer, nick: str) -> IrcClient:
    """A raw client with message-tags (client tags travel only between such clients)."""
    client = await IrcClient.connect(server.addresses[0])
    await client.send("CAP", "REQ", "message-tags")
    await client.expect(is_("CAP", "*", "ACK"))
    await client.send("CAP", "END")
    await client.register(nick)
    await client.join("#lobby")
    return client


def typing_row(window: Window) -> str:
    return str(window.chat.typing_row.cget("text"))


async def test_who_is_typing_shows_under_the_log_without_moving_it_and_ours_is_sent(
    display: str, shots: Path, server: ChinwagServer, tmp_path: Path
) -> None:
    settings = tmp_path / "gui.json"
    async with opened(
        display, shots, options_for(server), ask=False, settings_path=settings
    ) as window:
        await window.landed()
        bob = await typist(server, "bob")
        await window.until(lambda: "bob" in window.members(), "bob in the member list")
        log_height = window.chat.log.winfo_height()

        await bob.send_raw(b"@+typing=active TAGMSG #lobby\r\n")
        await window.until(lambda: typing_row(window) == "bob is typing…", "bob typing")
        assert window.chat.log.winfo_height() == log_height  # the row's line was kept for it
        await bob.send("PRIVMSG", "#lobby", "hello")
        await window.until(lambda: typing_row(window) == "", "the row emptied by bob's message")

        window.chat.entry.insert("end", "hi bo")
        line = await bob.expect(is_("TAGMSG", "#lobby"))
        assert (line.tags or {}).get("+typing") == "active"
        assert line.source is not None and line.source.startswith("ana!")


async def test_show_typing_off_hides_others_typing_and_is_remembered(
    display: str, shots: Path, server: ChinwagServer, tmp_path: Path
) -> None:
    settings = tmp_path / "gui.json"
    async with opened(
        display, shots, options_for(server), ask=False, settings_path=settings
    ) as window:
        await window.landed()
        bob = await typist(server, "bob")
        await window.until(lambda: "bob" in window.members(), "bob in the member list")
        await bob.send_raw(b"@+typing=active TAGMSG #lobby\r\n")
        await window.until(lambda: typing_row(window) == "bob is typing…", "bob typing")

        window.chat.typing_switch.invoke()
        await window.until(lambda: typing_row(window) == "", "the row emptied")
        assert json.loads(settings.read_text())["typing"] is False
        # bob types again, then says something elsewhere: by then his typing has arrived.
        await bob.send_raw(b"@+typing=active TAGMSG #lobby\r\n")
        await bob.send("PRIVMSG", "ana", "psst")
        await window.until(lambda: any("bob" in c for c in window.conversations()), "bob's DM")
        assert typing_row(window) == ""

    async with opened(
        display, shots, options_for(server, "ana2"), ask=False, settings_path=settings
    ) as window:
        await window.landed("ana2")
        assert not window.chat.show_typing.get()


# -- what other people send is shown as text -----------------------------------------------------

TCL_LOOKALIKES = '[exec rm -rf ~] $env(HOME) {unbalanced \\ "quoted"'


async def test_braces_brackets_escapes_and_emoji_from_the_network_are_shown_as_sent(
    display: str, shots: Path, server: ChinwagServer
) -> None:
    mallory = await person(server, "[m{a}l]")
    await mallory.send("TOPIC", "#lobby", f"{TCL_LOOKALIKES} \x1b[5m\U0001f389")
    async with opened(display, shots, options_for(server), ask=False) as window:
        await window.landed()
        assert window.members() == ["@[m{a}l]", "ana"]
        # Drawn as sent where a font here has it (./dev installs Symbola), else by name.
        party = "\U0001f389" if system_glyphs().drawable("\U0001f389") else "[party popper]"
        assert window.chat.topic_label.cget("text") == f"{TCL_LOOKALIKES} {party}"
        await mallory.send("PRIVMSG", "ana", f"\x1b[31m{TCL_LOOKALIKES}\x07 \U0001f600\U0001f3fd")
        await window.until(lambda: "@[m{a}l] 1!" in window.conversations(), "mallory's message")
        window.chat.sidebar.selection_set("[m{a}l]")
        await window.until(lambda: window.title() == "[m{a}l]", "the conversation with mallory")
        face = displayable("\U0001f600\U0001f3fd")
        assert face in ("\U0001f600\U0001f3fd", "[grinning face]")
        assert window.said(f"<[m{{a}}l]> {TCL_LOOKALIKES} {face}")
        window.say("{still here}")
        heard = await mallory.expect(is_("PRIVMSG", "[m{a}l]"))
        assert heard.params[-1] == "{still here}"

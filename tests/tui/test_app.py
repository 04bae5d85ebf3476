"""The terminal client as a person uses it, driven by Textual's Pilot against a real server.

Every test starts a chinwag server on a loopback port, runs :class:`ChinwagApp` headless,
clicks and types into it, and reads back what the screen shows: the log, the conversation
and member lists, the topic bar, the banner and the login form's problems. The other people
in the room are raw IRC connections (:class:`~tests.ircclient.IrcClient`) or a second app.
Nothing sleeps for a fixed time: every wait polls the screen until it shows what is expected,
with a generous deadline (the test machines are small and shared).
"""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import replace

import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, OptionList, RichLog, Static

from chinwag.client.commands import HELP, HELP_FOOTER
from chinwag.client.options import ChatOptions
from chinwag.client.runner import Backoff
from chinwag.client.wording import NICK_RULE
from chinwag.server import app as server_app
from chinwag.server.app import ChinwagServer
from chinwag.storage.memory import MemoryStore
from chinwag.tui.app import ChinwagApp
from chinwag.tui.chat import ChatScreen
from chinwag.tui.help import HelpScreen
from chinwag.tui.login import LoginScreen
from chinwag.tui.password import PasswordScreen
from chinwag.tui.widgets import ChatInput
from tests.conftest import FAST_ACCOUNTS, ServerFactory, free_port, test_config
from tests.ircclient import IrcClient, is_
from tests.waiting import until

SIZE = (100, 30)
WAIT = 10.0
"""Seconds the screen may take to show something before the test fails."""
CLOCK = re.compile(r"^\d\d:\d\d ")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
"""C0 controls, DEL and C1 controls: none may reach the screen."""
COUNTDOWN = r"Server is down — reconnecting in \d+s \(F5 to retry now, Ctrl-C to quit\)"


# -- reading the screen ------------------------------------------------------------------------


def plain(content: object) -> str:
    """The text of a Static's content or an option's prompt."""
    return content.plain if isinstance(content, Text) else str(content)


class Ui:
    """One app under Pilot, read the way a person reads the screen."""

    def __init__(self, app: ChinwagApp, pilot: Pilot[int]) -> None:
        self.app = app
        self.pilot = pilot

    @property
    def screen(self) -> Screen[object]:
        return self.app.screen

    @property
    def on_chat(self) -> bool:
        return isinstance(self.screen, ChatScreen)

    @property
    def on_login(self) -> bool:
        return isinstance(self.screen, LoginScreen)

    # chat screen

    def log(self) -> list[str]:
        """The log's lines as drawn (wrapped lines are several)."""
        if not self.on_chat:
            return []
        return [strip.text.rstrip() for strip in self.screen.query_one("#log", RichLog).lines]

    def said(self, text: str) -> bool:
        """Whether some line of the log contains ``text``."""
        return any(text in line for line in self.log())

    def log_text(self) -> str:
        """The whole log as one string, runs of spaces (and wrapped lines) made one space."""
        return " ".join(" ".join(self.log()).split())

    def conversations(self) -> list[str]:
        return self._options("#conversations")

    def members(self) -> list[str]:
        """The member list as shown: status prefix (or a space), nick, ``(away)``."""
        return self._options("#members")

    def member_nicks(self) -> list[str]:
        return [entry[1:].removesuffix(" (away)") for entry in self.members()]

    def topic(self) -> str:
        return plain(self.screen.query_one("#topic", Static).content) if self.on_chat else ""

    def banner(self) -> str | None:
        """The banner's text while it is shown, else None."""
        if not self.on_chat:
            return None
        banner = self.screen.query_one("#banner", Static)
        return plain(banner.content) if banner.display else None

    @property
    def input(self) -> ChatInput:
        return self.screen.query_one("#input", ChatInput)

    def _options(self, selector: str) -> list[str]:
        if not self.on_chat:
            return []
        listing = self.screen.query_one(selector, OptionList)
        return [
            plain(listing.get_option_at_index(index).prompt)
            for index in range(listing.option_count)
        ]

    # login screen

    def problem(self, field: str) -> str | None:
        """The problem shown under a field of the login form, or None."""
        if not self.on_login:
            return None
        widget = self.screen.query_one(f"#{field}-problem", Static)
        return plain(widget.content) if widget.display else None

    # waiting

    async def until(self, predicate: Callable[[], object], what: str) -> None:
        """Let the app run until ``predicate()`` holds; fail after :data:`WAIT` seconds."""
        await until(
            predicate,
            f"shown: {what}",
            timeout=WAIT,
            step=lambda: self.pilot.pause(0.05),
            describe=self.describe,
        )

    def describe(self) -> str:
        """Everything the tests read, for a failure message."""
        if self.on_login:
            problems = {field: self.problem(field) for field in ("server", "nick", "color")}
            return f"login screen, problems: {problems}"
        return "\n".join(
            [
                f"screen: {type(self.screen).__name__}",
                f"banner: {self.banner()!r}",
                f"topic: {self.topic()!r}",
                f"conversations: {self.conversations()}",
                f"members: {self.members()}",
                "log:",
                *("  " + line for line in self.log()[-15:]),
            ]
        )

    # acting

    async def fill(self, field: str, text: str) -> None:
        """Click a field of the login form, empty it and type ``text``."""
        await self.pilot.click(f"#{field}")
        await self.pilot.press("ctrl+a", "ctrl+k", *text)

    async def log_in(self, server: str, nick: str, color: str | None = None) -> None:
        """Fill in the login form and press Connect."""
        await self.fill("server", server)
        await self.fill("nick", nick)
        if color is not None:
            await self.fill("color", color)
        await self.pilot.click("#connect")

    async def say(self, line: str) -> None:
        """Type ``line`` into the chat input and press Enter."""
        await self.pilot.click("#input")
        await self.pilot.press(*line, "enter")

    async def landed(self, nick: str, room: str = "#lobby") -> None:
        """Wait for the chat screen showing ``room`` with ``nick`` among its members."""
        await self.until(
            lambda: self.topic().startswith(room) and nick in self.member_nicks(),
            f"{room} with {nick} in it",
        )


# -- servers and apps --------------------------------------------------------------------------


def address_of(server: ChinwagServer) -> str:
    host, port = server.addresses[0][:2]
    return f"{host}:{port}"


def options_for(server: ChinwagServer, nick: str, color: str | None = None) -> ChatOptions:
    host, port = server.addresses[0][:2]
    return ChatOptions(host=host, port=port, nick=nick, color=color)


@contextlib.asynccontextmanager
async def running(app: ChinwagApp) -> AsyncIterator[Ui]:
    """Run ``app`` headless; its connection is closed when the test is done with it."""
    try:
        async with app.run_test(size=SIZE) as pilot:
            yield Ui(app, pilot)
    finally:
        if app.runner is not None:  # the test did not quit: leave no connection behind
            await app._stop_runner()


@contextlib.asynccontextmanager
async def chatting(
    server: ChinwagServer, nick: str = "ana", color: str | None = None, **settings: object
) -> AsyncIterator[Ui]:
    """An app that connected at once (``chinwag chat host --nick ana``) and is in #lobby."""
    app = ChinwagApp(
        options_for(server, nick, color),
        ask=False,
        environ={},
        **settings,  # type: ignore[arg-type]
    )
    async with running(app) as ui:
        await ui.landed(nick)
        yield ui


async def joined_by(ui: Ui, server: ChinwagServer, nick: str, *rooms: str) -> IrcClient:
    """A raw IRC client ``nick`` in ``rooms`` (default #lobby), once the app has seen it."""
    rooms = rooms or ("#lobby",)
    client = await IrcClient.registered(server.addresses[0], nick, *rooms)
    if "#lobby" in rooms:
        await ui.until(lambda: nick in ui.member_nicks(), f"{nick} in the member list")
    return client


# -- logging in --------------------------------------------------------------------------------


async def test_logging_in_lands_in_the_lobby_with_our_nick_in_the_member_list(
    server: ChinwagServer,
) -> None:
    async with running(ChinwagApp(ChatOptions(), environ={})) as ui:
        assert ui.on_login
        await ui.log_in(address_of(server), "ana")
        await ui.landed("ana")
        assert ui.conversations()[1:] == ["#lobby"]
        assert ui.members() == ["@ana"]
        assert ui.topic().startswith("#lobby  1 here")
        assert ui.said("ana joined #lobby")
        assert all(CLOCK.match(line) for line in ui.log() if line.strip())
        assert ui.app.focused is ui.input


async def test_a_clicked_swatch_is_the_colour_everyone_sees(server: ChinwagServer) -> None:
    async with running(ChinwagApp(ChatOptions(), environ={})) as ui:
        await ui.fill("server", address_of(server))
        await ui.fill("nick", "ana")
        await ui.pilot.click("#swatch-teal")
        assert ui.screen.query_one("#color", Input).value == "teal"
        await ui.pilot.click("#connect")
        await ui.landed("ana")

        bo = await joined_by(ui, server, "bo")
        await bo.send("METADATA", "ana", "GET", "color")
        reply = await bo.expect(is_("761", "bo", "ana", "color"))
        assert reply.params[-1] == "#008787"


async def test_a_typed_colour_is_the_colour_everyone_sees(server: ChinwagServer) -> None:
    async with running(ChinwagApp(ChatOptions(), environ={})) as ui:
        await ui.log_in(address_of(server), "ana", color="#ff8800")
        await ui.landed("ana")

        bo = await joined_by(ui, server, "bo")
        await bo.send("METADATA", "ana", "GET", "color")
        reply = await bo.expect(is_("761", "bo", "ana", "color"))
        assert reply.params[-1] == "#ff8800"


async def test_an_unknown_colour_is_shown_next_to_the_colour_field_without_connecting(
    server: ChinwagServer,
) -> None:
    async with running(ChinwagApp(ChatOptions(), environ={})) as ui:
        await ui.log_in(address_of(server), "ana", color="mauve")
        await ui.until(lambda: ui.problem("color"), "a problem with the colour")
        problem = ui.problem("color")
        assert problem is not None and "mauve" in problem
        assert ui.problem("nick") is None and ui.problem("server") is None
        assert ui.app.focused is ui.screen.query_one("#color", Input)
        await ui.pilot.pause(0.2)
        assert ui.on_login and ui.app.runner is None
        # Nobody connected: the nick is still free for someone else.
        await IrcClient.registered(server.addresses[0], "ana")


async def test_a_nick_in_use_is_refused_next_to_the_nick_field_and_another_one_gets_in(
    server: ChinwagServer,
) -> None:
    await IrcClient.registered(server.addresses[0], "ana")
    async with running(ChinwagApp(ChatOptions(), environ={})) as ui:
        await ui.log_in(address_of(server), "ana")
        await ui.until(lambda: ui.problem("nick"), "the server's reason for refusing the nick")
        assert (
            ui.problem("nick")
            == "ana is taken; pick another nick, or give the password if it is yours"
        )
        assert ui.on_login
        assert ui.app.focused is ui.screen.query_one("#nick", Input)

        await ui.fill("nick", "ana2")
        assert ui.problem("nick") is None  # typing clears the problem
        await ui.pilot.click("#connect")
        await ui.landed("ana2")
        assert ui.members() == ["@ana2"]


async def test_an_erroneous_nick_shows_what_a_nick_may_be(server: ChinwagServer) -> None:
    async with running(ChinwagApp(ChatOptions(), environ={})) as ui:
        await ui.log_in(address_of(server), "9lives")
        await ui.until(lambda: ui.problem("nick"), "the server's reason for refusing the nick")
        assert ui.problem("nick") == f"9lives cannot be a nick: {NICK_RULE}"
        assert ui.on_login

        await ui.fill("nick", "lives9")
        await ui.pilot.press("enter")
        await ui.landed("lives9")


async def test_a_server_nobody_listens_on_is_shown_next_to_the_server_field(
    make_server: ServerFactory,
) -> None:
    port = free_port()
    async with running(ChinwagApp(ChatOptions(), environ={})) as ui:
        await ui.log_in(f"127.0.0.1:{port}", "ana")
        await ui.until(lambda: ui.problem("server"), "a problem with the server")
        assert (
            ui.problem("server")
            == f"Nobody is listening on 127.0.0.1:{port} — is the server started?"
        )
        assert ui.on_login

        await make_server(port=port)
        await ui.pilot.click("#connect")
        await ui.landed("ana")


# -- chatting ----------------------------------------------------------------------------------


async def test_two_people_chat_in_the_lobby(server: ChinwagServer) -> None:
    async with chatting(server, "ana") as ana, chatting(server, "bo") as bo:
        await ana.until(lambda: "bo" in ana.member_nicks(), "bo in ana's member list")

        await ana.say("hello bo")
        await bo.until(lambda: bo.said("<ana> hello bo"), "ana's line on bo's screen")
        await bo.say("hi ana")
        await ana.until(lambda: ana.said("<bo> hi ana"), "bo's line on ana's screen")

        heard = [line for line in ana.log() if "<bo> hi ana" in line]
        assert CLOCK.match(heard[0]), heard
        assert ana.said("<ana> hello bo")  # our own line, as the server echoed it
        assert ana.members() == ["@ana", " bo"]
        assert bo.members() == ["@ana", " bo"]


async def test_a_direct_message_opens_its_own_conversation_and_is_counted_when_unseen(
    server: ChinwagServer,
) -> None:
    async with chatting(server, "ana") as ui:
        bo = await joined_by(ui, server, "bo")

        await ui.say("/query bo psst")
        await ui.until(lambda: ui.topic().startswith("bo"), "the conversation with bo")
        assert ui.conversations()[1:] == ["#lobby", "@bo"]
        assert "direct conversation" in ui.topic()
        heard = await bo.expect(is_("PRIVMSG", "bo", "psst"))
        assert heard.hostmask.nickname == "ana"
        await ui.until(lambda: ui.said("<ana> psst"), "our line in the conversation")

        await ui.pilot.press("ctrl+p")  # back to #lobby
        await ui.until(lambda: ui.topic().startswith("#lobby"), "#lobby")
        await bo.send("PRIVMSG", "ana", "are you there?")
        await ui.until(lambda: "@bo 1!" in ui.conversations(), "an unread, highlighted @bo")
        assert not ui.said("are you there?")

        await ui.pilot.click("#conversations", offset=(2, ui.conversations().index("@bo 1!")))
        await ui.until(lambda: ui.topic().startswith("bo"), "the conversation with bo")
        assert ui.said("<bo> are you there?")
        assert ui.conversations()[1:] == ["#lobby", "@bo"]


async def test_at_online_lists_who_is_in_the_room(server: ChinwagServer) -> None:
    async with chatting(server, "ana") as ui:
        await joined_by(ui, server, "bo")
        await ui.say("@online")
        await ui.until(lambda: ui.said("In #lobby (2):"), "who is in #lobby")
        line = next(line for line in ui.log() if "In #lobby (2):" in line)
        assert line.endswith("In #lobby (2): @ana, bo")


async def test_join_opens_and_shows_a_room_and_leave_closes_it(server: ChinwagServer) -> None:
    async with chatting(server, "ana") as ui:
        bo = await joined_by(ui, server, "bo", "#games")

        await ui.say("/join #games")
        await ui.landed("bo", room="#games")
        assert ui.conversations()[1:] == ["#lobby", "#games"]
        assert ui.member_nicks() == ["bo", "ana"]  # bo opened it: bo is the operator
        assert ui.said("ana joined #games")

        await ui.say("/leave")
        parted = await bo.expect(is_("PART", "#games"))
        assert parted.hostmask.nickname == "ana"
        await ui.until(lambda: ui.conversations()[1:] == ["#lobby"], "#games gone from the list")
        assert ui.topic().startswith("#lobby")


async def test_the_input_remembers_lines_and_completes_nicks_and_commands(
    server: ChinwagServer,
) -> None:
    async with chatting(server, "ana") as ui:
        await joined_by(ui, server, "bo")
        await ui.say("first")
        await ui.say("second")
        await ui.until(lambda: ui.said("<ana> second"), "both lines sent")
        assert ui.input.value == ""

        await ui.pilot.press(*"draft")
        await ui.pilot.press("up")
        assert ui.input.value == "second"
        await ui.pilot.press("up")
        assert ui.input.value == "first"
        await ui.pilot.press("down")
        assert ui.input.value == "second"
        await ui.pilot.press("down")
        assert ui.input.value == "draft"  # past the newest line: what was being typed

        await ui.pilot.press("ctrl+a", "ctrl+k", "b", "tab")
        assert ui.input.value == "bo: "
        await ui.pilot.press("ctrl+a", "ctrl+k", *"/jo", "tab")
        assert ui.input.value == "/join "
        await ui.pilot.press(*"#games", "enter")
        await ui.landed("ana", room="#games")


async def test_a_narrow_terminal_hides_the_members_and_keeps_the_newest_line_in_view(
    server: ChinwagServer,
) -> None:
    async with chatting(server, "ana") as ui:
        bo = await joined_by(ui, server, "bo")
        for number in range(1, 31):
            await bo.send("PRIVMSG", "#lobby", f"line {number}")
        await ui.until(lambda: ui.said("<bo> line 30"), "bo's last line")
        members = ui.screen.query_one("#members", OptionList)
        assert members.display

        await ui.pilot.resize_terminal(50, 20)
        await ui.until(lambda: not members.display, "the member list hidden")
        log = ui.screen.query_one("#log", RichLog)
        await ui.until(
            lambda: ui.said("<bo> line 30") and log.scroll_offset.y == log.max_scroll_y > 0,
            "the log scrolled to its newest line",
        )
        assert log.size.width < 50
        assert ui.screen.query_one("#conversations", OptionList).display


async def test_reading_further_up_is_not_interrupted_by_new_lines_until_back_at_the_end(
    server: ChinwagServer,
) -> None:
    async with chatting(server, "ana") as ui:
        bo = await joined_by(ui, server, "bo")
        for number in range(1, 41):
            await bo.send("PRIVMSG", "#lobby", f"line {number}")
        await ui.until(lambda: ui.said("<bo> line 40"), "bo's last line")
        log = ui.screen.query_one("#log", RichLog)
        await ui.until(lambda: log.scroll_offset.y == log.max_scroll_y > 0, "the log at its end")

        await ui.pilot.press("pageup")
        await ui.until(lambda: log.scroll_offset.y < log.max_scroll_y, "scrolled up")
        reading = log.scroll_offset.y
        await bo.send("PRIVMSG", "#lobby", "line 41")
        await ui.until(lambda: ui.said("<bo> line 41"), "the new line in the log")
        assert log.scroll_offset.y == reading  # still where the person was reading

        await ui.pilot.press("pagedown", "pagedown", "pagedown")
        await ui.until(lambda: log.scroll_offset.y == log.max_scroll_y, "back at the end")
        await bo.send("PRIVMSG", "#lobby", "line 42")
        await ui.until(
            lambda: ui.said("<bo> line 42") and log.scroll_offset.y == log.max_scroll_y,
            "following the conversation again",
        )


async def test_ctrl_c_says_goodbye_to_the_room_and_exits_with_status_0(
    server: ChinwagServer,
) -> None:
    app = ChinwagApp(options_for(server, "ana"), ask=False, environ={})
    async with running(app) as ui:
        await ui.landed("ana")
        bo = await joined_by(ui, server, "bo")
        await ui.pilot.press("ctrl+c")
        gone = await bo.expect(lambda line: line.command == "QUIT")
        assert gone.hostmask.nickname == "ana"
    assert app.return_value == 0


# -- the server goes away and comes back -------------------------------------------------------


async def test_the_server_going_down_shows_a_banner_and_coming_back_restores_the_chat(
    make_server: ServerFactory,
) -> None:
    port = free_port()
    first: ChinwagServer = await make_server(port=port)
    settings = {"backoff": Backoff(initial=0.2, maximum=0.5), "keepalive": 5.0}
    async with chatting(first, "ana", "teal", **settings) as ui:
        await ui.say("before the break")
        await ui.until(lambda: ui.said("<ana> before the break"), "our line")
        assert ui.banner() is None

        await first.stop(grace=1.0)
        await ui.until(lambda: ui.said("The server is shutting down"), "the server's goodbye")
        await ui.until(lambda: ui.banner() is not None, "the banner")
        # It counts down between attempts ("reconnecting now" while one is under way).
        await ui.until(lambda: re.fullmatch(COUNTDOWN, ui.banner() or ""), "the banner's countdown")
        assert ui.input.placeholder.startswith("Not connected")

        second: ChinwagServer = await make_server(port=port)
        await ui.until(lambda: ui.banner() is None, "the banner gone")
        await ui.until(lambda: ui.said("Reconnected"), "Reconnected")
        await ui.landed("ana")
        assert ui.said("<ana> before the break")  # the conversation so far is kept

        bo = await joined_by(ui, second, "bo")
        await bo.send("METADATA", "ana", "GET", "color")
        reply = await bo.expect(is_("761", "bo", "ana", "color"))
        assert reply.params[-1] == "#008787"  # the colour was restored too


async def test_f5_reconnects_at_once_instead_of_waiting_for_the_countdown(
    make_server: ServerFactory,
) -> None:
    port = free_port()
    first: ChinwagServer = await make_server(port=port)
    slow = {"backoff": Backoff(initial=600.0, maximum=600.0, jitter=0.0), "keepalive": 5.0}
    async with chatting(first, "ana", "teal", **slow) as ui:
        await first.stop(grace=1.0)
        await ui.until(lambda: re.fullmatch(COUNTDOWN, ui.banner() or ""), "the countdown")
        assert "F5 to retry now" in (ui.banner() or "")
        await make_server(port=port)
        await ui.pilot.press("f5")
        # Ten minutes before the next attempt were due: only F5 can have brought it back.
        await ui.until(lambda: ui.banner() is None, "the banner gone")
        await ui.until(lambda: ui.said("Reconnected"), "Reconnected")
        # The drop was said once, in words; the attempts in between added nothing.
        dropped = [text for text in ui.log() if "Disconnected" in text or "shutting" in text]
        assert len(dropped) == 1 and dropped[0].endswith("The server is shutting down")


# -- what other people send cannot take over the terminal --------------------------------------

HOSTILE = (
    "\x1b[31mred\x1b[0m \x07bell \x1b]0;pwned\x07title \x1b[2Jclear \x9b1mcsi "
    "[bold red]markup[/] [link=http://x]y[/link]"
)


async def test_control_characters_escapes_and_markup_from_the_network_are_shown_inert(
    server: ChinwagServer,
) -> None:
    # mallory opens #lobby (so may set its topic) before ana arrives.
    mallory = await IrcClient.registered(server.addresses[0], "mallory", "#lobby")
    await mallory.send("TOPIC", "#lobby", "\x1b[5mblink\x1b[0m topic\x07 [b]here[/b]")
    await mallory.expect(is_("TOPIC", "#lobby"))

    async with chatting(server, "ana") as ui:
        await ui.until(lambda: "here" in ui.topic(), "the topic")
        await mallory.send("PRIVMSG", "#lobby", HOSTILE)
        await mallory.send("NOTICE", "#lobby", "\x1b[1;1H\x1b[Knotice [i]x[/i]")
        await mallory.send("QUIT", "\x1b[5mgone\x1b[0m \x1b]8;;http://x\x1b\\link")
        await ui.until(lambda: ui.said("mallory quit"), "mallory's quit")
        await ui.until(lambda: ui.said("notice [i]x[/i]"), "mallory's notice")

        text = ui.log_text()
        assert "<mallory> red bell title clear csi [bold red]markup[/] [link=http://x]y[/link]" in (
            text
        ), ui.describe()
        assert "pwned" not in text
        assert "mallory quit (Quit: gone link)" in text
        assert ui.topic().endswith("blink topic [b]here[/b]")
        shown = [*ui.log(), *ui.members(), *ui.conversations(), ui.topic()]
        assert not [line for line in shown if CONTROL.search(line)]

        # Nothing in the drawn log is styled as a link, and the whole screen is clean.
        log = ui.screen.query_one("#log", RichLog)
        assert not [
            segment
            for strip in log.lines
            for segment in strip
            if segment.style and segment.style.link
        ]
        screenshot = ui.app.export_screenshot()
        assert not CONTROL.search(screenshot.replace("\n", ""))


# -- accounts: /register, passwords, missed messages, history since last read ---------------

PASSWORD = "correct horse battery"


def password_prompt(ui: Ui) -> PasswordScreen | None:
    """The password prompt, while it is on top."""
    return ui.screen if isinstance(ui.screen, PasswordScreen) else None


async def type_password(ui: Ui, password: str = PASSWORD) -> None:
    """Wait for the password prompt and type ``password`` into it (Enter submits)."""
    await ui.until(lambda: password_prompt(ui), "the password prompt")
    await ui.pilot.press(*password, "enter")


async def register_account(server: ChinwagServer, nick: str = "ana") -> None:
    """``nick`` is a registered account (made by a raw client that then leaves)."""
    client = await IrcClient.registered(server.addresses[0], nick)
    await client.send("REGISTER", "*", PASSWORD)
    await client.expect(is_("REGISTER", "SUCCESS"))
    # Not always-on (issue 16): once it left, nobody holds the nick.
    await client.send("PRIVMSG", "NickServ", "SET ALWAYS-ON OFF")
    await client.expect(is_("NOTICE", nick))
    await client.send("QUIT")
    await client.expect_closed()


def with_password(server: ChinwagServer, nick: str, password: str | None) -> ChinwagApp:
    """``chinwag chat host --nick <nick>`` with a password from the command line (or not)."""
    options = replace(options_for(server, nick), password=password)
    return ChinwagApp(options, ask=False, environ={})


def account_of(ui: Ui) -> str | None:
    model = ui.app.model
    return model.account if model is not None else None


def everything_shown(ui: Ui) -> str:
    """All the lines of every conversation, and the screen as drawn."""
    model = ui.app.model
    lines = [
        line.text
        for conversation in (model.conversations.values() if model is not None else [])
        for line in conversation.lines
    ]
    return "\n".join([*lines, ui.app.export_screenshot()])


async def test_register_asks_twice_in_a_masked_prompt_and_logs_in(server: ChinwagServer) -> None:
    async with chatting(server, "ana") as ui:
        await ui.say("/register")
        await ui.until(lambda: password_prompt(ui), "the password prompt")
        first = ui.screen.query_one("#password", Input)
        assert first.password and ui.app.focused is first
        await ui.pilot.press(*PASSWORD)
        screen = ui.app.export_screenshot()
        assert PASSWORD not in screen and "•" * len(PASSWORD) in screen  # masked
        await ui.pilot.press("enter")
        second = ui.screen.query_one("#again", Input)
        assert second.password and ui.app.focused is second
        await ui.pilot.press(*PASSWORD, "enter")

        success = "Account ana registered; you are logged in"
        await ui.until(lambda: success in ui.log_text(), "registered")
        assert account_of(ui) == "ana"
        assert ui.log_text().count("logged in") == 1  # said once, not again by RPL_LOGGEDIN
        assert PASSWORD not in everything_shown(ui)
        assert all(PASSWORD not in line and "/register" not in line for line in ui.input.history)

    # The nick is an always-on account now (issue 16): it stays ana's once the client left.
    other = await IrcClient.connect(server.addresses[0])
    await other.send("NICK", "ana")
    await other.expect(is_("433", "*", "ana"))


# -- help ------------------------------------------------------------------------------------


def help_overlay(ui: Ui) -> HelpScreen | None:
    """The command list overlay, while it is on top."""
    return ui.screen if isinstance(ui.screen, HelpScreen) else None


async def test_f1_shows_the_commands_over_the_chat_and_escape_closes_them(
    server: ChinwagServer,
) -> None:
    async with chatting(server, "ana") as ui:
        await ui.pilot.press("f1")
        await ui.until(lambda: help_overlay(ui), "the help overlay")
        screen = html.unescape(ui.app.export_screenshot()).replace("\xa0", " ")
        for row in HELP:
            # How to type each is one unbroken line; what it does may wrap in 100 columns.
            assert row.usage in screen and row.does.split()[0] in screen
        assert HELP_FOOTER.split(";")[0] in screen and "Esc closes this" in screen

        await ui.pilot.press("escape")
        await ui.until(lambda: ui.on_chat, "the chat again")
        assert ui.app.focused is ui.input
        assert not ui.said("Commands:")  # shown over the log, not dumped into it


@pytest.mark.parametrize("line", ["@help", "/help"])
async def test_typed_help_opens_the_same_overlay(server: ChinwagServer, line: str) -> None:
    async with chatting(server, "ana") as ui:
        await ui.say(line)
        await ui.until(lambda: help_overlay(ui), "the help overlay")
        await ui.pilot.press("escape")
        await ui.until(lambda: ui.on_chat, "the chat again")
        assert not ui.said("Commands:")


async def test_a_password_shorter_than_the_server_takes_is_refused_in_the_prompt(
    server: ChinwagServer,
) -> None:
    async with chatting(server, "ana") as ui:
        await ui.say("/register")
        await ui.until(lambda: password_prompt(ui), "the password prompt")
        prompt = password_prompt(ui)
        assert prompt is not None
        rule = prompt.query_one("#password-rule", Static)
        assert plain(rule.content) == "At least 8 characters"  # the server's default minimum

        await ui.pilot.press(*"short", "enter")

        problem = prompt.query_one("#password-problem", Static)
        too_short = "Too short: this server wants at least 8 characters (that was 5)"
        await ui.until(lambda: plain(problem.content) == too_short, "the rule in words")
        assert password_prompt(ui) is prompt
        assert ui.app.focused is prompt.query_one("#password", Input)
        await ui.pilot.press("escape")
        await ui.until(lambda: ui.on_chat, "the chat again")
        assert not ui.said("Registering") and not ui.said("Could not register")
        assert account_of(ui) is None


async def test_tab_moves_between_the_two_password_fields(server: ChinwagServer) -> None:
    async with chatting(server, "ana") as ui:
        await ui.say("/register")
        await ui.until(lambda: password_prompt(ui), "the password prompt")
        first = ui.screen.query_one("#password", Input)
        second = ui.screen.query_one("#again", Input)

        await ui.pilot.press(*PASSWORD, "tab")
        await ui.until(lambda: ui.app.focused is second, "the second field focused by Tab")
        await ui.pilot.press("shift+tab")
        await ui.until(lambda: ui.app.focused is first, "the first field focused by Shift-Tab")
        assert first.value == PASSWORD
        await ui.pilot.press("escape")


async def test_two_different_passwords_are_refused_in_the_prompt(server: ChinwagServer) -> None:
    async with chatting(server, "ana") as ui:
        await ui.say("/register")
        await type_password(ui)
        await ui.pilot.press(*"something else", "enter")
        prompt = password_prompt(ui)
        assert prompt is not None
        problem = prompt.query_one("#password-problem", Static)
        assert plain(problem.content) == "The two passwords are not the same"
        await ui.pilot.press("escape")
        await ui.until(lambda: ui.on_chat, "the chat again")
        assert account_of(ui) is None


async def test_a_password_on_the_login_screen_logs_in_while_connecting(
    server: ChinwagServer,
) -> None:
    await register_account(server)
    async with running(ChinwagApp(ChatOptions(), environ={})) as ui:
        await ui.fill("server", address_of(server))
        await ui.fill("nick", "ana")
        await ui.fill("password", PASSWORD)
        assert PASSWORD not in ui.app.export_screenshot()
        await ui.pilot.click("#connect")
        await ui.landed("ana")
        assert account_of(ui) == "ana"
        await ui.pilot.pause(0.3)
        assert password_prompt(ui) is None  # nothing more to ask


async def test_a_wrong_password_typed_into_the_form_is_shown_next_to_it_and_ends_the_attempt(
    server: ChinwagServer,
) -> None:
    await register_account(server)
    async with running(ChinwagApp(ChatOptions(), environ={})) as ui:
        await ui.fill("server", address_of(server))
        await ui.fill("nick", "ana")
        await ui.fill("password", "not the password")
        await ui.pilot.click("#connect")
        await ui.until(lambda: ui.problem("password"), "a problem with the password")
        problem = ui.problem("password")
        assert problem is not None and problem.startswith("Cannot log in as ana: "), problem
        assert ui.app.focused is ui.screen.query_one("#password", Input)
        await ui.until(lambda: ui.app.runner is None, "the attempt ended")
        await ui.pilot.pause(0.2)
        assert ui.on_login and password_prompt(ui) is None  # no chat behind the form

        await ui.fill("password", PASSWORD)
        assert ui.problem("password") is None  # typing clears the problem
        await ui.pilot.click("#connect")
        await ui.landed("ana")
        await ui.until(lambda: account_of(ui) == "ana", "logged in")


async def test_a_protected_nick_opens_the_password_prompt_and_logs_in(
    server: ChinwagServer,
) -> None:
    await register_account(server)
    async with running(with_password(server, "ana", None)) as ui:
        await type_password(ui)
        await ui.landed("ana")
        await ui.until(lambda: ui.said("You are logged in as ana"), "logged in")
        shown = everything_shown(ui)
        assert "ana belongs to a registered account: type /login within 30 seconds" in shown
        assert PASSWORD not in shown


async def test_a_wrong_password_from_the_command_line_is_asked_again_with_the_reason(
    server: ChinwagServer,
) -> None:
    await register_account(server)
    async with running(with_password(server, "ana", "not the password")) as ui:
        await ui.until(lambda: password_prompt(ui), "the password prompt")
        prompt = password_prompt(ui)
        assert prompt is not None and prompt.request.reason
        reason = plain(prompt.query_one("#password-reason", Static).content)
        assert "fail" in reason.lower() or "incorrect" in reason.lower(), reason
        await type_password(ui)
        await ui.until(lambda: account_of(ui) == "ana", "logged in")


async def test_direct_messages_sent_while_away_arrive_on_login_after_a_divider(
    server: ChinwagServer,
) -> None:
    await register_account(server)
    bo = await IrcClient.registered(server.addresses[0], "bo")
    await bo.send("PRIVMSG", "ana", "are you coming tonight?")
    await bo.expect(lambda line: "delivered when they next log in" in line.params[-1])

    async with running(with_password(server, "ana", PASSWORD)) as ui:
        await ui.landed("ana")
        await ui.until(lambda: "@bo 1!" in ui.conversations(), "bo's conversation, unread")
        # Said where the person was looking when it came (the server window, at login).
        assert "1 message from bo arrived while you were away" in everything_shown(ui)
        await ui.say("@bo")
        await ui.until(lambda: ui.said("<bo> are you coming tonight?"), "the missed message")
        log = [line.strip() for line in ui.log() if line.strip()]
        divider = log.index("— missed while you were away —")
        assert "<bo> are you coming tonight?" in log[divider + 1]


async def test_rejoining_shows_what_was_said_since_we_last_read_it(server: ChinwagServer) -> None:
    await register_account(server)
    bo = await IrcClient.registered(server.addresses[0], "bo", "#lobby")
    async with running(with_password(server, "ana", PASSWORD)) as ui:
        await ui.landed("ana")
        await bo.send("PRIVMSG", "#lobby", "read this")
        await ui.until(lambda: ui.said("<bo> read this"), "bo's line")
        model = ui.app.model
        assert model is not None
        # On screen, so read: the server has the marker (it answers our MARKREAD).
        await ui.until(lambda: model.protocol.read_marker("#lobby") is not None, "marked read")
        await ui.app.action_leave()

    await bo.send("PRIVMSG", "#lobby", "while you were out")
    async with running(with_password(server, "ana", PASSWORD)) as ui:
        await ui.landed("ana")
        await ui.until(lambda: ui.said("<bo> while you were out"), "what was said since")
        log = [line.strip() for line in ui.log() if line.strip()]
        divider = next(i for i, line in enumerate(log) if line.startswith("— new since "))
        assert re.fullmatch(r"— new since \d\d:\d\d —", log[divider])
        assert any("<bo> read this" in line for line in log[:divider])
        assert any("<bo> while you were out" in line for line in log[divider + 1 :])


async def test_renamed_to_a_guest_then_login_takes_the_nick_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(server_app, "TICK_SECONDS", 0.1)
    quick = ChinwagServer(
        test_config(accounts=replace(FAST_ACCOUNTS, guest_grace=0.3)), MemoryStore()
    )
    await quick.start()
    try:
        await register_account(quick)
        async with running(with_password(quick, "ana", None)) as ui:
            await ui.until(lambda: password_prompt(ui), "the password prompt")
            await ui.pilot.press("escape")  # not now
            await ui.until(
                lambda: ui.app.model is not None and ui.app.model.nick.startswith("Guest"),
                "renamed to a guest nick",
            )
            await ui.until(lambda: "/login to log in and take it back" in ui.log_text(), "a hint")
            await ui.say("/login")
            await type_password(ui)
            await ui.until(lambda: ui.app.model is not None and ui.app.model.nick == "ana", "ana")
            await ui.landed("ana")
            assert account_of(ui) == "ana"
    finally:
        await quick.stop(grace=1.0)
        await IrcClient.close_all()


# -- typing and presence -----------------------------------------------------------------------


async def tagged_client(server: ChinwagServer, nick: str) -> IrcClient:
    """A raw client with message-tags (client tags travel only between such clients)."""
    client = await IrcClient.connect(server.addresses[0])
    await client.send("CAP", "REQ", "message-tags")
    await client.expect(is_("CAP", "*", "ACK"))
    await client.send("CAP", "END")
    await client.register(nick)
    return client


def typing_row(ui: Ui) -> str:
    row = ui.screen.query_one("#typing", Static)
    return plain(row.content) if row.display else ""


async def test_typing_is_shown_under_the_log_and_sent_while_we_type(
    server: ChinwagServer,
) -> None:
    async with chatting(server) as ui:
        bob = await tagged_client(server, "bob")
        await bob.join("#lobby")
        await ui.until(lambda: "bob" in ui.member_nicks(), "bob in the member list")
        await bob.send_raw(b"@+typing=active TAGMSG #lobby\r\n")
        await ui.until(lambda: typing_row(ui) == "bob is typing…", "bob typing under the log")
        await bob.send("PRIVMSG", "#lobby", "hello")
        await ui.until(lambda: typing_row(ui) == "", "the indicator gone with bob's message")
        await ui.pilot.click("#input")
        await ui.pilot.press(*"hi bo")
        line = await bob.expect(is_("TAGMSG", "#lobby"))
        assert (line.tags or {}).get("+typing") == "active"


async def test_a_direct_conversation_says_when_its_person_quits_and_drops_them(
    server: ChinwagServer,
) -> None:
    async with chatting(server) as ui:
        bob = await joined_by(ui, server, "bob")
        await ui.say("/msg bob")
        await ui.until(lambda: ui.topic().startswith("bob"), "the conversation with bob")
        await ui.until(lambda: ui.member_nicks() == ["ana", "bob"], "bob as its other member")
        await bob.send("QUIT", "bye")
        await ui.until(lambda: ui.said("bob quit (Quit: bye)"), "bob's quit in the conversation")
        await ui.until(lambda: ui.member_nicks() == ["ana"], "bob gone from its members")

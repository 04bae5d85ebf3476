"""Snapshots of the terminal client's main screens (pytest-textual-snapshot).

No network: the chat screen draws a :class:`ChatModel` whose :class:`ClientProtocol` was fed
canned server lines with fixed ``server-time`` tags, the model's clock is fixed (so the
"Server is down" countdown stands still) and the local time zone is UTC (so every ``HH:MM``
is the same on every machine). After a deliberate change of the look, regenerate with
``pytest tests/tui/test_snapshots.py --snapshot-update`` and look at the SVGs in
``tests/tui/__snapshots__/`` before committing them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from textual import on
from textual.events import Mount
from textual.pilot import Pilot

from chinwag.client import events as ev
from chinwag.client.chat import ChatModel
from chinwag.client.options import ChatOptions
from chinwag.client.protocol import ClientProtocol
from chinwag.tui.app import ChinwagApp
from chinwag.tui.chat import ChatScreen

SIZE = (100, 30)
NOW = datetime(2024, 5, 1, 18, 30, tzinfo=UTC)
MONOTONIC = 1000.0
CAPS = (
    "server-time echo-message draft/metadata-2 away-notify batch labeled-response "
    "message-tags multi-prefix"
)
ANA = "ana!~ana@10.0.0.2"
BO = "bo!~bo@10.0.0.3"
CY = "cy!~cy@10.0.0.4"
DEE = "dee!~dee@10.0.0.5"
EVE = "eve!~eve@10.0.0.6"

SnapCompare = Callable[..., bool]


@pytest.fixture(autouse=True)
def utc() -> Iterator[None]:
    """Times on screen are local: make local time UTC for the test."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


# -- a chat fed canned server lines ------------------------------------------------------------


class Chat:
    """A ChatModel on a ClientProtocol that receives the lines a server would send."""

    def __init__(self) -> None:
        self.protocol = ClientProtocol(
            "ana", rooms=["#lobby"], metadata={"color": "#008787"}, clock=lambda: NOW
        )
        self.model = ChatModel(self.protocol, server_name="irc.test", clock=lambda: MONOTONIC)

    def at(self, minute: int, line: str) -> None:
        """The server sends ``line`` stamped 18:``minute``."""
        stamp = NOW.replace(minute=minute).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        self.feed(f"@time={stamp} {line}")

    def feed(self, *lines: str) -> None:
        events = self.protocol.receive("".join(line + "\r\n" for line in lines).encode())
        for event in events:
            self.model.handle(event)
        self.protocol.data_to_send()

    def connect(self) -> None:
        self.protocol.register()
        self.feed(f":irc.test CAP * LS :{CAPS}")
        self.feed(f":irc.test CAP * ACK :{CAPS}")
        self.feed(
            ":irc.test 001 ana :Welcome to the TestNet IRC Network ana",
            ":irc.test 004 ana irc.test chinwag-0.1 Bio biklmnst bkl",
            ":irc.test 005 ana PREFIX=(ov)@+ CHANTYPES=# NETWORK=TestNet NICKLEN=30 :are supported",
            ":irc.test 376 ana :End of /MOTD command.",
        )

    def go_down(self) -> None:
        """The server says goodbye and closes; the runner will retry in 5 seconds."""
        self.at(30, "ERROR :Server shutting down")
        for event in self.protocol.connection_lost("Connection closed by the server"):
            self.model.handle(event)
        self.model.handle(ev.Reconnecting(5.0, 1, time=NOW))


def lively_lobby() -> ChatModel:
    """#lobby with talk of every kind, an away member and an unread direct conversation."""
    chat = Chat()
    chat.connect()
    chat.at(0, f":{ANA} JOIN #lobby")
    chat.at(0, ":irc.test 332 ana #lobby :Board games on Friday, bring snacks")
    chat.feed(
        ":irc.test 353 ana = #lobby :@ana bo +cy dee",
        ":irc.test 366 ana #lobby :End of /NAMES list.",
        ":irc.test 352 ana #lobby ~bo 10.0.0.3 irc.test bo H :0 bo",
        ":irc.test 352 ana #lobby ~cy 10.0.0.4 irc.test cy H+ :0 cy",
        ":irc.test 352 ana #lobby ~dee 10.0.0.5 irc.test dee G :0 dee",
        ":irc.test 352 ana #lobby ~ana 10.0.0.2 irc.test ana H@ :0 ana",
        ":irc.test 315 ana #lobby :End of /WHO list.",
        ":irc.test METADATA bo color * :#ff00af",
        ":irc.test METADATA cy color * :#00d700",
        ":irc.test METADATA dee color * :#ffaf00",
    )
    chat.at(0, f":{ANA} JOIN #games")
    chat.feed(
        ":irc.test 353 ana = #games :@cy ana",
        ":irc.test 366 ana #games :End of /NAMES list.",
    )
    chat.at(1, f":{BO} PRIVMSG #lobby :good evening everyone")
    chat.at(2, f":{ANA} PRIVMSG #lobby :hi bo! who is in for Friday?")
    chat.at(3, f":{CY} PRIVMSG #lobby :\x01ACTION raises a hand\x01")
    chat.at(4, f":{EVE} JOIN #lobby")
    chat.at(5, f":{EVE} PRIVMSG #lobby :[bold]me too[/bold] if there is room")
    chat.at(6, f":{EVE} PART #lobby :dinner")
    chat.at(7, f":{BO} PRIVMSG #lobby :ana: can you bring the dice?")
    chat.at(7, f":{CY} PRIVMSG #games :anyone up for chess?")
    chat.at(8, ":irc.test 482 ana #lobby :You're not channel operator")
    chat.at(9, f":{DEE} PRIVMSG ana :psst, are you coming?")
    chat.at(10, f":{DEE} PRIVMSG ana :I can give you a lift")
    return chat.model


def lobby_then_down() -> ChatModel:
    chat = Chat()
    chat.connect()
    chat.at(0, f":{ANA} JOIN #lobby")
    chat.feed(
        ":irc.test 353 ana = #lobby :@ana bo",
        ":irc.test 366 ana #lobby :End of /NAMES list.",
        ":irc.test METADATA bo color * :#ff00af",
    )
    chat.at(1, f":{BO} PRIVMSG #lobby :the server is restarting in a minute")
    chat.go_down()
    return chat.model


class ChatOnly(ChinwagApp):
    """The real app, but showing the chat screen of a ready-made model: nothing connects."""

    def __init__(self, model: ChatModel, theme: str = "dark") -> None:
        super().__init__(ChatOptions(host="irc.test", nick="ana"), theme=theme, environ={})
        self.ready_model = model

    @on(Mount)
    async def _show_the_chat(self, event: Mount) -> None:
        event.prevent_default()  # ChinwagApp.on_mount is skipped: no login screen, no connection
        self.model = self.ready_model
        self.chat = ChatScreen(self.model, self.submit, self.palette)
        await self.push_screen(self.chat)


# -- the snapshots -----------------------------------------------------------------------------


def test_login_screen_empty(snap_compare: SnapCompare) -> None:
    assert snap_compare(ChinwagApp(ChatOptions(), environ={}), terminal_size=SIZE)


def test_login_screen_with_a_refused_nick(snap_compare: SnapCompare) -> None:
    app = ChinwagApp(
        ChatOptions(host="127.0.0.1", port=6667, nick="ana", color="#008787"), environ={}
    )

    async def refused(pilot: Pilot[int]) -> None:
        assert app.login is not None
        app.login.show_problem("nick", "ana: Nickname is already in use")

    assert snap_compare(app, terminal_size=SIZE, run_before=refused)


def test_chat_screen_with_a_lively_lobby(snap_compare: SnapCompare) -> None:
    assert snap_compare(ChatOnly(lively_lobby()), terminal_size=SIZE)


def test_chat_screen_while_the_server_is_down(snap_compare: SnapCompare) -> None:
    assert snap_compare(ChatOnly(lobby_then_down()), terminal_size=SIZE)


def test_chat_screen_in_the_light_theme(snap_compare: SnapCompare) -> None:
    assert snap_compare(ChatOnly(lively_lobby(), theme="light"), terminal_size=SIZE)

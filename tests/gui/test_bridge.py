"""The client core in its worker thread, against a real server, with no window: what the
window would be told arrives on the queue in order, what the window asks for reaches the server,
and stopping ends the thread."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import replace

from chinwag.client.login import LoginNews
from chinwag.client.options import ChatOptions
from chinwag.gui.bridge import Bridge, Finished, Update
from chinwag.gui.view import ChatUpdate, GuiPalette
from chinwag.server.app import ChinwagServer
from tests.conftest import free_port
from tests.gui.conftest import register_account
from tests.ircclient import IrcClient, is_
from tests.waiting import until

WAIT = 10.0
PALETTE = GuiPalette.for_theme(dark=False)


class Window:
    """Stands in for Tk: drains the bridge's queue while the test's event loop turns."""

    def __init__(self, bridge: Bridge) -> None:
        self.bridge = bridge
        self.seen: list[Update] = []

    async def until(self, predicate: Callable[[Update], object], what: str) -> Update:
        """The next update for which ``predicate`` holds (earlier ones are kept in seen)."""

        def next_match() -> Update | None:
            while not self.bridge.updates.empty():
                update = self.bridge.updates.get_nowait()
                self.seen.append(update)
                if predicate(update):
                    return update
            return None

        return await until(
            next_match,
            f"told {what}",
            timeout=WAIT,
            step=lambda: asyncio.sleep(0.01),
            describe=lambda: f"seen: {self.seen}",
        )

    def log(self) -> list[str]:
        """Every row drawn in the log so far, as text."""
        return [
            row.text
            for update in self.seen
            if isinstance(update, ChatUpdate)
            for row in update.rows
        ]


def options_for(server: ChinwagServer, nick: str = "ana", **more: object) -> ChatOptions:
    host, port = server.addresses[0][:2]
    return replace(ChatOptions(host=host, port=port, nick=nick), **more)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def bridged(options: ChatOptions) -> AsyncIterator[Window]:
    """A started bridge; stopped, and its thread ended, after the test."""
    bridge = Bridge(options, PALETTE, connect_timeout=5.0, quit_timeout=1.0)
    bridge.start()
    try:
        yield Window(bridge)
    finally:
        bridge.stop()
        # The server (in this loop) must turn to say goodbye before the thread can end.
        await until(
            lambda: bridge.finished,
            "the bridge's thread ended",
            timeout=WAIT,
            step=lambda: asyncio.sleep(0.01),
        )


def ready(update: Update) -> bool:
    return isinstance(update, LoginNews) and update.ready


def is_finished(update: Update) -> bool:
    return isinstance(update, Finished)


async def test_connecting_reports_progress_then_opens_the_chat_with_everything(
    server: ChinwagServer,
) -> None:
    async with bridged(options_for(server)) as window:
        await window.until(ready, "accepted by the server")
        news = [update for update in window.seen if isinstance(update, LoginNews)]
        assert news[0].status is not None and news[0].status.startswith("Connected to 127.0.0.1")
        full = await window.until(lambda u: isinstance(u, ChatUpdate), "the whole chat")
        assert isinstance(full, ChatUpdate) and full.clear_log
        await window.until(
            lambda u: isinstance(u, ChatUpdate) and u.header is not None
            and u.header.title == "#lobby",
            "#lobby on screen",
        )  # fmt: skip


async def test_a_line_typed_in_the_window_reaches_the_room_and_a_reply_comes_back(
    server: ChinwagServer,
) -> None:
    async with bridged(options_for(server)) as window:
        await window.until(lambda u: "→ ana joined #lobby" in " ".join(window.log()), "joined")
        bo = await IrcClient.registered(server.addresses[0], "bo", "#lobby")
        await window.until(
            lambda u: (
                isinstance(u, ChatUpdate)
                and u.members is not None
                and [m.nick for m in u.members] == ["ana", "bo"]
            ),
            "bo among the members",
        )
        assert window.bridge.submit("hello bo")
        heard = await bo.expect(is_("PRIVMSG", "#lobby", "hello bo"))
        assert heard.hostmask.nickname == "ana"
        await bo.send("PRIVMSG", "#lobby", "hi ana")
        await window.until(lambda u: any(t.endswith("<bo> hi ana") for t in window.log()), "reply")


async def test_stopping_says_goodbye_and_ends_the_thread(server: ChinwagServer) -> None:
    async with bridged(options_for(server)) as window:
        await window.until(lambda u: "→ ana joined #lobby" in " ".join(window.log()), "joined")
        bo = await IrcClient.registered(server.addresses[0], "bo", "#lobby")
        assert window.bridge.stop("see you")
        gone = await bo.expect(lambda line: line.command == "QUIT")
        assert gone.hostmask.nickname == "ana" and "see you" in gone.params[-1]
        await window.until(is_finished, "the client finished")
        window.bridge.join(WAIT)
        assert window.bridge.finished
        assert not window.bridge.submit("too late")  # the loop is closed: nothing is sent


async def test_quit_typed_in_the_window_stops_the_client(server: ChinwagServer) -> None:
    async with bridged(options_for(server)) as window:
        await window.until(lambda u: "→ ana joined #lobby" in " ".join(window.log()), "joined")
        window.bridge.submit("/quit bye now")
        update = await window.until(lambda u: isinstance(u, ChatUpdate) and u.quit, "quit")
        assert isinstance(update, ChatUpdate) and update.quit == "bye now"
        await window.until(is_finished, "the client finished")


async def test_a_refused_nick_is_news_for_the_nick_field_and_another_is_tried_on_the_same_line(
    server: ChinwagServer,
) -> None:
    await IrcClient.registered(server.addresses[0], "ana")
    async with bridged(options_for(server)) as window:
        news = await window.until(lambda u: isinstance(u, LoginNews) and u.field, "a problem")
        assert isinstance(news, LoginNews)
        assert (news.field, news.problem, news.stop) == (
            "nick",
            "ana is taken; pick another nick, or give the password if it is yours",
            False,
        )
        window.bridge.retry(options_for(server, "ana2"))
        await window.until(ready, "accepted as ana2")
        connected = [
            u for u in window.seen if isinstance(u, LoginNews) and u.status and "Conn" in u.status
        ]
        assert len(connected) == 1  # the same connection


async def test_nobody_listening_is_news_for_the_address_and_the_thread_ends() -> None:
    port = free_port()
    async with bridged(ChatOptions(host="127.0.0.1", port=port, nick="ana")) as window:
        news = await window.until(lambda u: isinstance(u, LoginNews) and u.field, "a problem")
        assert news == LoginNews(
            status="",
            field="server",
            problem=f"Nobody is listening on 127.0.0.1:{port} — is the server started?",
            stop=True,
        )
        await window.until(is_finished, "the client finished")


async def test_a_wrong_password_is_news_for_the_password_field_and_ends_the_attempt(
    server: ChinwagServer,
) -> None:
    await register_account(server, "ana")
    async with bridged(options_for(server, password="not the password")) as window:
        news = await window.until(lambda u: isinstance(u, LoginNews) and u.field, "a problem")
        assert isinstance(news, LoginNews)
        assert (news.field, news.stop) == ("password", True)
        assert news.problem is not None and news.problem.startswith("Cannot log in as ana: ")
        await window.until(is_finished, "the client finished")
        assert not any(isinstance(update, ChatUpdate) for update in window.seen)

"""The values the chat model hands to a screen (:mod:`chinwag.client.values`), on their own."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime

from chinwag.client.values import (
    SERVER_KEY,
    Changes,
    Conversation,
    ConversationKind,
    Line,
    LineKind,
    PasswordRequest,
    hhmm,
)

NOON = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def test_a_lines_clock_is_its_local_hours_and_minutes() -> None:
    line = Line(NOON, LineKind.MESSAGE, "hi", "ana")
    assert line.clock == hhmm(NOON) == NOON.astimezone().strftime("%H:%M")


def test_the_server_conversation_has_its_own_key_and_others_are_keyed_folded() -> None:
    server = Conversation("irc.test", ConversationKind.SERVER, deque())
    room = Conversation("#Lobby", ConversationKind.ROOM, deque())
    direct = Conversation("Bo", ConversationKind.DIRECT, deque())
    assert (server.key, room.key, direct.key) == (SERVER_KEY, "#lobby", "bo")


def test_a_password_request_says_what_it_is_for_with_the_account_cleaned() -> None:
    login = PasswordRequest("login", "a\x1b[31mna\x07")
    assert login.title == "Log in as ana" and not login.confirm
    register = PasswordRequest("register", "ana")
    assert register.title == "Register the account ana" and register.confirm


def test_changes_merge_every_flag_and_keep_the_latest_quit_and_password() -> None:
    first = Changes(conversations=True, quit="bye")
    room = Conversation("#lobby", ConversationKind.ROOM, deque())
    line = Line(NOON, LineKind.INFO, "hello")
    request = PasswordRequest("login", "ana")
    first.merge(Changes(lines=[(room, line)], members=True, nick=True, password=request))
    first.merge(Changes(topic=True, status=True, redraw=True))
    assert first.lines == [(room, line)]
    assert first.conversations and first.members and first.nick
    assert first.topic and first.status and first.redraw
    assert (first.quit, first.password) == ("bye", request)
    first.merge(Changes(quit=""))
    assert first.quit == ""  # an empty reason is still a request to leave

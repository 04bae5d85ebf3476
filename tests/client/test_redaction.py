"""A received REDACT (IRCv3 draft/message-redaction) turns the message's row into "message
deleted", in a room and in a direct conversation, whichever first-party client draws it."""

from __future__ import annotations

from chinwag.client.negotiation import WANTED_CAPS
from chinwag.client.presentation import line_row
from chinwag.client.values import REDACTED_TEXT, Line, LineKind
from tests.client.chat_harness import BO, in_lobby, online


def talk(chat_lines: list[Line]) -> list[str]:
    return [line.text for line in chat_lines if line.kind is LineKind.MESSAGE]


def test_the_client_asks_for_the_capability() -> None:
    assert "draft/message-redaction" in WANTED_CAPS


def test_a_redacted_room_message_says_message_deleted() -> None:
    chat = in_lobby()
    chat.feed(
        f"@time=2024-05-01T11:00:00.000Z;msgid=m1 {BO} PRIVMSG #lobby :first",
        f"@time=2024-05-01T11:01:00.000Z;msgid=m2 {BO} PRIVMSG #lobby :oops",
    )
    changes = chat.feed(f"{BO} REDACT #lobby m2 :typo")
    assert changes.redraw  # the current conversation is drawn again
    assert talk(chat.lines("#lobby")) == ["first", REDACTED_TEXT]
    gone = chat.lines("#lobby")[-1]
    assert gone.redacted and gone.nick == "bo" and gone.msgid == "m2"
    assert "oops" not in line_row(gone, None).text
    assert REDACTED_TEXT in line_row(gone, None).text


def test_an_unknown_msgid_changes_nothing() -> None:
    chat = in_lobby()
    chat.feed(f"@time=2024-05-01T11:00:00.000Z;msgid=m1 {BO} PRIVMSG #lobby :first")
    changes = chat.feed(f"{BO} REDACT #lobby nosuch")
    assert not changes.redraw
    assert talk(chat.lines("#lobby")) == ["first"]


def test_a_redacted_direct_message_says_message_deleted() -> None:
    chat = online()
    chat.feed(f"@time=2024-05-01T11:00:00.000Z;msgid=d1 {BO} PRIVMSG ana :secret")
    chat.feed(f"{BO} REDACT ana d1")
    assert talk(chat.lines("bo")) == [REDACTED_TEXT]

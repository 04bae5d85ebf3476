"""The presentation model on its own: the rows every front end draws, their segments and roles.

The front ends' own tests (tests/tui, tests/gui/test_view.py, tests/tui/test_plain.py) check
what each makes of these rows; here the decisions made once are checked: what each kind of
line says and in which parts, which rows are mentions, history or dividers, and that no
string from the network reaches a row uncleaned.
"""

from __future__ import annotations

import re
from collections import deque
from datetime import UTC, datetime

import pytest

from chinwag.client.presentation import (
    EVENT_MARKS,
    EVENTS,
    UNICODE_MARKS,
    Marks,
    Role,
    Row,
    Segment,
    conversation_row,
    line_row,
    member_row,
)
from chinwag.client.values import Conversation, ConversationKind, Line, LineKind, MemberView

NOON = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
HOSTILE = "\x1b[31mred\x1b[0m \x07bell \x1b]0;title\x07 \x9b2J"


def colour(nick: str) -> str:
    return {"ana": "#008787", "bo": "#ff00af"}.get(nick, "#123456")


def line(kind: LineKind, text: str, nick: str | None = None, **flags: bool) -> Line:
    return Line(NOON, kind, text, nick, **flags)


def parts(row: Row) -> list[tuple[str, set[Role]]]:
    """The row's segments as (text, roles), easy to compare."""
    return [(segment.text, set(segment.roles)) for segment in row.segments]


# -- chat lines --------------------------------------------------------------------------------


def test_a_message_is_the_nick_in_angle_brackets_then_the_text() -> None:
    row = line_row(line(LineKind.MESSAGE, "hello", "bo"), colour)
    assert row.time == line(LineKind.INFO, "").clock
    assert row.text == "<bo> hello"
    assert parts(row) == [
        ("<", {Role.DIM}),
        ("bo", {Role.NICK}),
        ("> ", {Role.DIM}),
        ("hello", set()),
    ]
    assert row.segments[1].color == "#ff00af"  # as chosen: each front end makes it readable
    assert row.roles == frozenset()


def test_an_action_is_a_star_the_nick_and_the_words_with_the_space_before_them() -> None:
    row = line_row(line(LineKind.ACTION, "waves", "bo"), colour)
    assert row.text == "* bo waves"
    assert parts(row) == [
        ("* ", {Role.DIM}),
        ("bo", {Role.NICK}),
        (" ", {Role.GAP, Role.ACTION}),
        ("waves", {Role.ACTION}),
    ]


def test_a_notice_is_the_nick_between_dashes() -> None:
    row = line_row(line(LineKind.NOTICE, "heads up", "NickServ"), colour)
    assert row.text == "-NickServ- heads up"
    assert [text for text, roles in parts(row) if Role.NICK in roles] == ["NickServ"]


@pytest.mark.parametrize("kind", sorted(EVENTS))
def test_an_event_is_its_mark_who_did_it_and_the_rest_of_the_sentence(kind: LineKind) -> None:
    row = line_row(line(kind, "did something", "bo"), colour)
    mark = EVENT_MARKS[kind]
    assert row.text == f"{mark} bo did something"
    assert parts(row) == [
        (f"{mark} ", {Role.DIM}),
        ("bo", {Role.NICK}),
        (" ", {Role.GAP}),
        ("did something", {Role.DIM}),
    ]


def test_an_event_without_a_nick_is_its_mark_and_the_text() -> None:
    row = line_row(line(LineKind.TOPIC, "Topic: games"), colour)
    assert parts(row) == [("~ ", {Role.DIM}), ("Topic: games", {Role.DIM})]


def test_joins_go_in_and_parts_and_quits_go_out() -> None:
    marks = [line_row(line(kind, "x", "bo"), None).text[0] for kind in EVENTS]
    assert set(marks) == {"→", "←", "~"}
    assert line_row(line(LineKind.JOIN, "joined #a", "bo"), None).text.startswith("→ ")
    assert line_row(line(LineKind.QUIT, "quit", "bo"), None).text.startswith("← ")


def test_errors_and_information_have_their_marks_and_roles() -> None:
    error = line_row(line(LineKind.ERROR, "Not connected"), colour)
    assert parts(error) == [("! ", {Role.ERROR}), ("Not connected", {Role.ERROR})]
    info = line_row(line(LineKind.INFO, "Commands:"), colour)
    assert parts(info) == [("- ", {Role.DIM, Role.INFO}), ("Commands:", {Role.INFO})]


def test_a_divider_is_one_segment_and_a_divider_row() -> None:
    row = line_row(line(LineKind.DIVIDER, "— new since 14:02 —"), colour)
    assert parts(row) == [("— new since 14:02 —", {Role.DIVIDER})]
    assert row.roles == {Role.DIVIDER}


def test_a_line_that_names_us_is_a_mention_row() -> None:
    row = line_row(line(LineKind.MESSAGE, "ana, look", "bo", mention=True), colour)
    assert row.roles == {Role.MENTION}


def test_replayed_history_is_a_history_row_but_what_was_missed_is_news() -> None:
    replayed = line_row(line(LineKind.MESSAGE, "old", "bo", history=True), colour)
    assert replayed.roles == {Role.HISTORY}
    missed = line_row(line(LineKind.MESSAGE, "psst", "bo", history=True, missed=True), colour)
    assert missed.roles == frozenset()
    both = line_row(line(LineKind.MESSAGE, "ana?", "bo", history=True, mention=True), colour)
    assert both.roles == {Role.MENTION, Role.HISTORY}


def test_without_colours_no_segment_has_one() -> None:
    row = line_row(line(LineKind.MESSAGE, "hi", "bo"), None)
    assert all(segment.color is None for segment in row.segments)


def test_other_marks_change_only_the_marks() -> None:
    ascii_marks = Marks(
        events=dict.fromkeys(EVENTS, "-->"), error="!!", info="--", divider="== {} ==", nobody="?"
    )
    assert line_row(line(LineKind.JOIN, "joined", "bo"), None, ascii_marks).text == "--> bo joined"
    assert line_row(line(LineKind.ERROR, "oops"), None, ascii_marks).text == "!! oops"
    assert line_row(line(LineKind.INFO, "fyi"), None, ascii_marks).text == "-- fyi"
    divider = line(LineKind.DIVIDER, "— missed while you were away —")
    assert line_row(divider, None, ascii_marks).text == "== missed while you were away =="
    assert line_row(line(LineKind.MESSAGE, "hi"), None, ascii_marks).text == "<?> hi"
    assert line_row(line(LineKind.MESSAGE, "hi"), None, UNICODE_MARKS).text == "<> hi"


def test_nothing_from_the_network_reaches_a_segment_uncleaned() -> None:
    seen: list[str] = []

    def remember(nick: str) -> str:
        seen.append(nick)
        return "#ffffff"

    rows = [line_row(line(kind, HOSTILE, "b\x1b[31mo\x07"), remember) for kind in LineKind]
    texts = [segment.text for row in rows for segment in row.segments]
    assert not [text for text in texts if CONTROL.search(text)]
    assert "red bell  " in line_row(line(LineKind.MESSAGE, HOSTILE, "bo"), None).text
    assert set(seen) == {"bo"}  # the colour is asked for the nick as shown


# -- lists -------------------------------------------------------------------------------------


def conversation(kind: ConversationKind, name: str, **state: object) -> Conversation:
    return Conversation(name, kind, deque(), **state)  # type: ignore[arg-type]


def test_the_server_window_is_its_name() -> None:
    row = conversation_row(
        conversation(ConversationKind.SERVER, "irc.test"), current=False, color_of=colour
    )
    assert parts(row) == [("irc.test", {Role.NAME, Role.SERVER})]
    assert row.roles == frozenset()


def test_a_direct_conversation_is_the_person_in_their_colour_and_its_unread_count() -> None:
    direct = conversation(ConversationKind.DIRECT, "bo", unread=2, mentioned=True)
    row = conversation_row(direct, current=False, color_of=colour)
    assert row.text == "@bo 2!"
    assert parts(row) == [
        ("@", {Role.DIM}),
        ("bo", {Role.NAME}),
        (" 2!", {Role.UNREAD, Role.MENTION}),
    ]
    assert row.segments[1].color == "#ff00af"


def test_a_room_we_left_is_parted_and_the_one_on_screen_is_current() -> None:
    left = conversation(ConversationKind.ROOM, "#games", unread=3)
    row = conversation_row(left, current=False, color_of=colour)
    assert parts(row) == [("#games", {Role.NAME, Role.PARTED}), (" 3", {Role.UNREAD})]
    joined = conversation(ConversationKind.ROOM, "#lobby", joined=True)
    row = conversation_row(joined, current=True, color_of=colour)
    assert parts(row) == [("#lobby", {Role.NAME})]
    assert row.roles == {Role.CURRENT}


def test_a_member_is_their_prefix_and_nick_and_a_note_when_away() -> None:
    row = member_row(MemberView("bo", "@", False, "#ff00af"))
    assert parts(row) == [("@", {Role.PREFIX}), ("bo", {Role.NAME})]
    assert row.segments[1].color == "#ff00af"
    away = member_row(MemberView("dee", "", True, "#ffaf00"))
    assert away.text == "dee (away)"
    assert parts(away) == [
        ("", {Role.PREFIX}),
        ("dee", {Role.NAME, Role.AWAY}),
        (" (away)", {Role.DIM, Role.AWAY}),
    ]


def test_names_in_lists_are_cleaned() -> None:
    rows = [
        conversation_row(
            conversation(ConversationKind.DIRECT, "b\x1b[31mo"), current=True, color_of=colour
        ),
        member_row(MemberView("d\x07ee", "@\x1b[5m", True, "#ffaf00")),
    ]
    assert [row.text for row in rows] == ["@bo", "@dee (away)"]


def test_a_segment_is_a_value() -> None:
    assert Segment("x", frozenset({Role.DIM})) == Segment("x", frozenset({Role.DIM}))
    assert Segment("x").roles == frozenset() and Segment("x").color is None


# -- bots and monospace --------------------------------------------------------------------------


def test_a_bots_message_has_the_marker_after_its_nick_which_keeps_its_colour() -> None:
    row = line_row(Line(NOON, LineKind.MESSAGE, "rolled 4", "bo", bot=True), colour)
    assert row.text == "<bo bot> rolled 4"
    assert parts(row) == [
        ("<", {Role.DIM}),
        ("bo", {Role.NICK}),
        (" ", {Role.GAP}),
        ("bot", {Role.BOT}),
        ("> ", {Role.DIM}),
        ("rolled 4", set()),
    ]
    assert row.segments[1].color == "#ff00af"
    assert row.segments[3].color is None  # the marker has no colour of its own


def test_a_bots_action_and_notice_have_the_marker_too() -> None:
    action = line_row(Line(NOON, LineKind.ACTION, "shuffles", "bo", bot=True), colour)
    notice = line_row(Line(NOON, LineKind.NOTICE, "your turn", "bo", bot=True), colour)
    assert action.text == "* bo bot shuffles"
    assert notice.text == "-bo bot- your turn"
    assert [s.text for s in action.segments + notice.segments if Role.BOT in s.roles] == [
        "bot",
        "bot",
    ]


def test_a_person_has_no_marker() -> None:
    row = line_row(line(LineKind.MESSAGE, "hi", "ana"), colour)
    assert not any(Role.BOT in segment.roles for segment in row.segments)


def test_a_bot_in_the_member_list_has_the_marker_after_the_nick() -> None:
    row = member_row(MemberView("dice", "+", True, "#008787", bot=True))
    assert parts(row) == [
        ("+", {Role.PREFIX}),
        ("dice", {Role.NAME, Role.AWAY}),
        (" ", {Role.GAP}),
        ("bot", {Role.BOT}),
        (" (away)", {Role.DIM, Role.AWAY}),
    ]


def test_monospace_runs_are_segments_of_their_own() -> None:
    text = "board: X|O and more"
    row = line_row(Line(NOON, LineKind.MESSAGE, text, "bo", monospace=((7, 10),)), colour)
    assert parts(row)[3:] == [("board: ", set()), ("X|O", {Role.MONO}), (" and more", set())]
    action = line_row(Line(NOON, LineKind.ACTION, text, "bo", monospace=((7, 10),)), colour)
    assert ("X|O", {Role.ACTION, Role.MONO}) in parts(action)


def test_a_multiline_board_starts_on_a_row_of_its_own_so_its_lines_line_up() -> None:
    board = " X | O\n---+---\n   | X"
    spans = ((0, 6), (7, 14), (15, 21))
    row = line_row(Line(NOON, LineKind.MESSAGE, board, "bo", bot=True, monospace=spans), colour)
    assert row.text == "<bo bot> \n X | O\n---+---\n   | X"
    assert [s.text for s in row.segments if Role.MONO in s.roles] == [" X | O", "---+---", "   | X"]
    titled = "Your move:\n X | O"
    row = line_row(Line(NOON, LineKind.MESSAGE, titled, "bo", monospace=((11, 17),)), colour)
    assert row.text == "<bo> Your move:\n X | O"  # the title line is before the block already


def test_spans_that_do_not_fit_the_text_are_ignored_not_trusted() -> None:
    row = line_row(Line(NOON, LineKind.MESSAGE, "abc", "bo", monospace=((2, 9), (1, 2))), colour)
    assert row.text == "<bo> abc"
    assert [s.text for s in row.segments if Role.MONO in s.roles] == ["c"]


def test_monospace_text_from_the_network_reaches_a_segment_cleaned() -> None:
    chat_line = Line(NOON, LineKind.MESSAGE, "\x11" + HOSTILE + "\x11", "bo", monospace=((0, 5),))
    row = line_row(chat_line, colour)
    assert not any(CONTROL.search(segment.text) for segment in row.segments)

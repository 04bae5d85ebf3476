"""A direct conversation says each change of its person once, however often it is reported."""

from __future__ import annotations

from chinwag.client.presence_lines import PresenceNotes
from chinwag.protocol.casemap import fold

BO = fold("bo")


def test_online_when_the_conversation_opens_goes_without_saying_then_changes_are_said_once() -> (
    None
):
    notes = PresenceNotes()
    assert notes.online(BO, "bo", True) is None
    assert notes.online(BO, "bo", False) == "bo is offline"
    assert notes.online(BO, "bo", False) is None
    assert notes.online(BO, "bo", True) == "bo is online"


def test_away_and_back_are_said_once_each_and_cleaned() -> None:
    notes = PresenceNotes()
    assert notes.away(BO, "bo", "lunch\x1b[31m") == "bo is away: lunch"
    assert notes.away(BO, "bo", "lunch\x1b[31m") is None
    assert notes.away(BO, "bo", None) == "bo is back"


def test_after_a_quit_line_the_offline_report_says_nothing() -> None:
    notes = PresenceNotes()
    notes.online(BO, "bo", True)
    notes.quit(BO)
    assert notes.online(BO, "bo", False) is None

"""The input line's memory: Up and Down as in the terminal client."""

from __future__ import annotations

from chinwag.gui.history import InputHistory


def test_up_goes_back_through_what_was_sent_and_down_returns_to_the_draft() -> None:
    history = InputHistory()
    for line in ("first", "second", "third"):
        history.remember(line)
    assert history.back("half typed") == "third"
    assert history.back("third") == "second"
    assert history.back("second") == "first"
    assert history.back("first") == "first"  # the oldest stays
    assert history.forward() == "second"
    assert history.forward() == "third"
    assert history.forward() == "half typed"
    assert history.forward() is None  # not browsing any more


def test_nothing_to_recall_is_none() -> None:
    history = InputHistory()
    assert history.back("typed") is None
    assert history.forward() is None


def test_repeats_empty_lines_and_passwords_are_not_remembered() -> None:
    history = InputHistory()
    for line in ("hello", "hello", "  ", "/login", "/register hunter2", "/msg NickServ IDENTIFY x"):
        history.remember(line)
    assert history.lines == ["hello"]


def test_sending_starts_again_from_the_newest_and_old_lines_are_dropped() -> None:
    history = InputHistory(limit=3)
    for number in range(5):
        history.remember(f"line {number}")
    assert history.lines == ["line 2", "line 3", "line 4"]
    history.back("")
    history.back("")
    history.remember("new")
    assert history.back("") == "new"

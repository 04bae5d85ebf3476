"""Rock, paper, scissors as rules: secret throws, rounds, ties, the match, saving."""

from __future__ import annotations

import pytest

from chinwag.bots.games.rps_rules import RockPaperScissors, choice_of


def test_throws_are_named_in_full_or_by_letter() -> None:
    assert [choice_of(t) for t in ("Rock", " paper ", "s", "P", "lizard", "")] == [
        "rock",
        "paper",
        "scissors",
        "paper",
        None,
        None,
    ]


def test_a_round_waits_for_both_throws_then_says_who_took_it() -> None:
    match = RockPaperScissors(("ana", "bob"))
    waiting = match.throw("ana", "rock")
    assert waiting.accepted and not waiting.complete and match.waiting_for() == ["bob"]
    done = match.throw("bob", "scissors")
    assert done.complete and done.throws == ("rock", "scissors") and done.round_winner == "ana"
    assert match.score() == "1-0" and match.waiting_for() == ["ana", "bob"]


def test_a_tie_takes_no_round_and_the_first_to_two_wins_best_of_three() -> None:
    match = RockPaperScissors(("ana", "bob"), best_of=3)
    for a, b in (("paper", "paper"), ("paper", "rock"), ("rock", "paper"), ("scissors", "paper")):
        match.throw("ana", a)
        last = match.throw("bob", b)
    assert last.winner == "ana" and match.over and match.score() == "2-1" and match.rounds == 4
    assert match.throw("ana", "rock").reason == "The match is over."


@pytest.mark.parametrize(
    ("player", "text", "reason"),
    [
        ("eve", "rock", "You are not playing in this match."),
        ("ana", "lizard", "Throw rock, paper or scissors."),
    ],
)
def test_refused_throws_say_why(player: str, text: str, reason: str) -> None:
    assert RockPaperScissors(("ana", "bob")).throw(player, text).reason == reason


def test_a_second_throw_in_one_round_is_refused() -> None:
    match = RockPaperScissors(("ana", "bob"))
    match.throw("ana", "rock")
    assert match.throw("ana", "paper").reason == "You have thrown this round already."
    assert match.pending == {"ana": "rock"}


def test_a_forfeit_gives_the_match_to_the_other_player() -> None:
    match = RockPaperScissors(("ana", "bob"))
    assert match.forfeit("bob") and match.winner == "ana"
    assert not match.forfeit("ana")


def test_a_saved_match_carries_on_with_the_secret_throw_kept() -> None:
    match = RockPaperScissors(("ana", "bob"), best_of=5)
    match.throw("ana", "rock")
    match.throw("bob", "paper")
    match.throw("ana", "scissors")
    again = RockPaperScissors.from_json(match.to_json())
    assert again.pending == {"ana": "scissors"} and again.score() == "0-1" and again.best_of == 5
    assert again.throw("bob", "paper").round_winner == "ana"


@pytest.mark.parametrize("text", ["", "[]", '{"players": ["a"]}', '{"players": ["a", "b"]}'])
def test_a_damaged_save_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        RockPaperScissors.from_json(text)

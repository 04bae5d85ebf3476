"""When a trivia guess counts as right, and the hints that lead to an answer."""

from __future__ import annotations

import time

import pytest

from chinwag.bots.games.trivia_answers import hint, is_right, normalise
from chinwag.bots.games.trivia_questions import Question, bundled_questions


def ask(*answers: str) -> Question:
    return Question("?", answers, "test")


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("The Beatles", "beatles"),
        ("  PARIS!  ", "paris"),
        ("Pokémon", "pokemon"),
        ("Ærø Straße", "ærø strasse"),
        ("an octave", "octave"),
        ("a", "a"),
        ("The", "the"),
        ("Hadrian's Wall", "hadrians wall"),
        ("Hadrian\u2019s   Wall", "hadrians wall"),
        ("Moby-Dick", "moby dick"),
        ("input/output", "input output"),
        ("salt & pepper", "salt and pepper"),
        ("eight", "8"),
        ("Twenty-One", "21"),
        ("two hundred and six", "206"),
        ("one hundred forty-seven", "147"),
        ("a hundred", "100"),
        ("two thousand and six", "2006"),
        ("zero", "0"),
        ("one one", "1 1"),
        ("Henry the Eighth", "henry the 8th"),
        ("1,440", "1440"),
        ("3.14", "3.14"),
        (".25", "0.25"),
        ("end.", "end"),
        ("Sputnik one", "sputnik 1"),
        ("\x02bold\x02 \x0304red", "bold 04red"),
        ("", ""),
    ],
)
def test_normalise(text: str, plain: str) -> None:
    assert normalise(text) == plain


@pytest.mark.parametrize(
    ("guess", "answers"),
    [
        ("canberra", ("Canberra",)),
        ("CANBERRA", ("Canberra",)),
        ("Pokemon", ("Pokémon",)),
        ("pokémon", ("Pokemon",)),
        ("the pacific", ("Pacific",)),
        ("Beatles", ("The Beatles",)),
        ("eight", ("8",)),
        ("8", ("eight",)),
        ("Two hundred and six", ("206",)),
        ("halleys comet", ("Halley's Comet",)),
        ("homepage", ("home page",)),
        ("Canbera", ("Canberra",)),
        ("Cnaberra", ("Canberra",)),
        ("Canberrra", ("Canberra",)),
        ("Canberra.", ("Canberra",)),
        ("fotosynthesis", ("photosynthesis",)),
        ("Neil Armstrnog", ("Neil Armstrong",)),
        ("Paris", ("Lyon", "Paris")),
    ],
)
def test_right_answers(guess: str, answers: tuple[str, ...]) -> None:
    assert is_right(guess, ask(*answers))


@pytest.mark.parametrize(
    ("guess", "answers"),
    [
        ("Sydney", ("Canberra",)),
        ("Canbrr", ("Canberra",)),
        ("Mark", ("Mars",)),
        ("Vulcan", ("Venus",)),
        ("fotosyntesis", ("photosynthesis",)),
        ("1913", ("1912",)),
        ("19 12", ("1912",)),
        ("7", ("8",)),
        ("seven", ("8",)),
        ("3.15", ("3.14",)),
        ("25", ("0.25",)),
        ("42 km", ("43 km",)),
        ("", ("Canberra",)),
        ("?!", ("Canberra",)),
        ("the", ("Canberra",)),
    ],
)
def test_wrong_answers(guess: str, answers: tuple[str, ...]) -> None:
    assert not is_right(guess, ask(*answers))


def test_a_10_kb_guess_is_refused_at_once() -> None:
    question = ask("Canberra")
    started = time.perf_counter()
    assert not is_right("Canberra " * 1200, question)
    assert not is_right("\x1b[31m" * 2000, question)
    assert time.perf_counter() - started < 0.5


def test_control_characters_in_a_guess_do_not_hide_a_right_answer() -> None:
    assert is_right("\x02Canberra\x0f", ask("Canberra"))


def test_the_first_hint_is_the_shape_of_the_answer() -> None:
    assert hint("Canberra", 1) == "_ _ _ _ _ _ _ _"
    assert hint("Hadrian's Wall", 1) == "_ _ _ _ _ _ _ ' _   _ _ _ _"
    assert hint("1912", 1) == "_ _ _ _"


def test_the_second_hint_shows_each_words_first_letter() -> None:
    assert hint("Canberra", 2) == "C _ _ _ _ _ _ _"
    assert hint("Buenos Aires", 2) == "B _ _ _ _ _   A _ _ _ _"


def test_later_hints_reveal_more_and_keep_what_was_shown() -> None:
    answer = "Tim Berners-Lee"
    previous = hint(answer, 1)
    shown_before = 0
    for level in range(2, 8):
        current = hint(answer, level)
        assert len(current) == len(previous)
        for before, now in zip(previous, current, strict=True):
            assert before in {"_", now}
        shown = sum(ch.isalnum() for ch in current)
        assert shown >= shown_before
        shown_before = shown
        previous = current
    assert shown_before > 3


def test_hints_are_deterministic() -> None:
    assert [hint("Tutankhamun", n) for n in range(1, 6)] == [
        hint("Tutankhamun", n) for n in range(1, 6)
    ]


@pytest.mark.parametrize("level", [1, 2, 3, 4, 6, 10, 100])
def test_no_hint_gives_away_a_bundled_answer(level: int) -> None:
    for question in bundled_questions():
        answer = question.answers[0]
        shown = hint(answer, level)
        letters = sum(ch.isalnum() for ch in answer)
        assert shown.count("_") >= max(1, (letters + 1) // 2), (answer, shown)
        revealed = shown.replace("_", "")
        for candidate in (revealed, revealed.replace(" ", ""), *revealed.split()):
            assert not is_right(candidate, question), shown


def test_a_hint_level_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="level"):
        hint("Canberra", 0)

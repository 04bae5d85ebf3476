"""Hangman on a shared board (chinwag.bots.games.hangman_rules): the bundled words, words
people set, whole games won and lost with their points, each refusal with its reason, the
gallows growing in lines that line up, and a saved game that carries on after a restart."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from chinwag.bots.games.hangman_rules import (
    BOARD_WIDTH,
    DEFAULT_MISSES,
    MAX_NAME,
    SOLVE_BONUS,
    HangmanGame,
    Outcome,
    Refusal,
    Verdict,
    bundled_words,
    check_word,
    normalise,
    random_word,
)

ANN, BOB, CAT = "ann", "bob", "cat"


def guesses(game: HangmanGame, *turns: tuple[str, str]) -> list[Outcome]:
    """Each (player, guess) in order; every one must be counted."""
    outcomes = [game.guess(player, text) for player, text in turns]
    for outcome in outcomes:
        assert outcome.accepted, outcome.message
    return outcomes


def drawn(game: HangmanGame) -> int:
    """How many marks of the figure and rope the gallows shows (its first six lines, less
    the empty gallows)."""
    empty = HangmanGame("word").board()[:6]
    pairs = zip(game.board()[:6], empty, strict=True)
    return sum(a != b for line, blank in pairs for a, b in zip(line, blank, strict=False))


# Words -----------------------------------------------------------------------------------


def test_the_bundled_words_are_many_distinct_plain_words() -> None:
    words = bundled_words()
    assert len(words) >= 800
    assert len(set(words)) == len(words)
    assert all(re.fullmatch("[a-z]{5,12}", word) for word in words)
    assert bundled_words() is words  # read once


def test_a_random_word_comes_from_the_list_and_follows_the_seed() -> None:
    picks = [random_word(random.Random(7)) for _ in range(3)]
    assert len(set(picks)) == 1 and picks[0] in bundled_words()
    spread = {random_word(random.Random(seed)) for seed in range(50)}
    assert len(spread) > 30


def test_a_word_set_by_a_person_is_normalised_or_refused_with_a_reason() -> None:
    assert check_word("  Éclair ").word == "eclair"
    assert check_word("NAÏVE").ok and check_word("NAÏVE").word == "naive"
    assert check_word("cat").ok and check_word("a" * 20).ok
    refusals = {
        "no": "That word is too short: at least 3 letters.",
        "a" * 21: "That word is too long: at most 20 letters.",
        "two words": "A word to guess is one word of letters a-z only.",
        "r2d2": "A word to guess is one word of letters a-z only.",
        "<b>bold</b>": "A word to guess is one word of letters a-z only.",
        "\x1b[31mred": "A word to guess is one word of letters a-z only.",
        "слово": "A word to guess is one word of letters a-z only.",
        "": "A word to guess is one word of letters a-z only.",
    }
    for text, reason in refusals.items():
        checked = check_word(text)
        assert not checked.ok and checked.reason == reason and checked.word == ""
    with pytest.raises(ValueError):
        HangmanGame("no")
    with pytest.raises(ValueError):
        HangmanGame("word", max_misses=0)


def test_guesses_are_compared_without_case_or_accents() -> None:
    assert normalise(" É ") == "e"
    game = HangmanGame("cafe")
    outcome = game.guess(ANN, "É")
    assert outcome.verdict is Verdict.HIT and game.tried == {"e"}


# Whole games -----------------------------------------------------------------------------


def test_a_game_won_letter_by_letter_scores_each_letter_where_it_shows_and_the_solver() -> None:
    game = HangmanGame("banana")
    first, miss, second, last = guesses(game, (ANN, "a"), (BOB, "z"), (BOB, "n"), (CAT, "b"))
    assert (first.verdict, first.points) == (Verdict.HIT, 3)
    assert first.message == "'a' is in the word 3 times: ann +3."
    assert (miss.verdict, miss.points) == (Verdict.MISS, 0)
    assert miss.message == "No 'z' in the word. Misses: 1 of 7."
    assert second.points == 2 and second.message == "'n' is in the word twice: bob +2."
    assert last.points == 1 + SOLVE_BONUS and last.finished
    assert last.message == "'b' completes the word banana! cat +6 (1 + 5 for solving)."
    assert game.won and game.over and not game.lost and game.solver == CAT
    assert game.scores == {ANN: 3, BOB: 2, CAT: 6}
    assert game.summary() == "The word was banana, solved by cat. Points: cat 6, ann 3, bob 2."
    assert game.pattern == "b a n a n a"


def test_guessing_the_whole_word_scores_the_letters_it_uncovers_and_the_bonus() -> None:
    game = HangmanGame("planet")
    guesses(game, (ANN, "e"), (ANN, "t"))
    (solved,) = guesses(game, (BOB, "PLANET"))
    assert solved.verdict is Verdict.HIT and solved.finished
    assert solved.points == 4 + SOLVE_BONUS
    assert solved.message == "bob solved it: planet! +9 (4 hidden + 5 for solving)."
    assert game.solver == BOB and game.pattern == "p l a n e t"
    assert game.summary() == "The word was planet, solved by bob. Points: bob 9, ann 2."


def test_a_game_is_lost_after_the_last_miss_and_wrong_words_cost_a_miss() -> None:
    game = HangmanGame("quiz")
    wrong = guesses(game, (ANN, "e"), (BOB, "quit"), (ANN, "a"), (BOB, "o"), (CAT, "s"))
    assert wrong[1].verdict is Verdict.MISS
    assert wrong[1].message == "'quit' is not the word. Misses: 2 of 7."
    assert game.misses == 5 and not game.over
    (hit,) = guesses(game, (CAT, "u"))
    assert hit.verdict is Verdict.HIT and game.misses == 5
    sixth, last = guesses(game, (ANN, "t"), (BOB, "r"))
    assert not sixth.finished
    assert last.finished and last.verdict is Verdict.MISS
    assert last.message == "No 'r' in the word. Hanged! The word was quiz."
    assert game.lost and game.over and not game.won and game.solver is None
    assert game.summary() == "The word was quiz; nobody found it. Points: cat 1, ann 0, bob 0."


def test_the_gallows_grows_with_every_miss_up_to_the_whole_figure() -> None:
    game = HangmanGame("quiz")
    seen = [drawn(game)]
    for letter in "abcdefg":
        guesses(game, (ANN, letter))
        seen.append(drawn(game))
    assert seen == list(range(DEFAULT_MISSES + 1))
    assert [line.rstrip() for line in game.board()[:6]] == [
        " +---+",
        " |   |",
        " |   O",
        " |  /|\\",
        " |  / \\",
        "=+=====",
    ]


def test_with_fewer_misses_allowed_the_figure_is_whole_only_at_the_end() -> None:
    game = HangmanGame("quiz", max_misses=3)
    counts = []
    for letter in "abc":
        guesses(game, (ANN, letter))
        counts.append(drawn(game))
    assert counts == sorted(counts) and counts[-1] == 7 and counts[-2] < 7
    assert game.lost


def test_the_board_shows_the_word_so_far_and_the_letters_tried_in_even_lines() -> None:
    game = HangmanGame("example")
    guesses(game, (ANN, "a"), (BOB, "m"), (ANN, "q"), (BOB, "z"), (CAT, "exampel"))
    board = game.board()
    assert [line.rstrip() for line in board[6:]] == [
        "_ _ a m _ _ _",
        "Tried: a m q z",
        "Misses: 3 of 7",
    ]
    assert len(board) == 9
    assert len({len(line) for line in board}) == 1
    assert game.status() == "_ _ a m _ _ _  (misses: 3 of 7)"


def test_the_longest_board_still_fits_and_is_plain_ascii() -> None:
    game = HangmanGame("abcdefghijklmnopqrst", max_misses=26)
    for letter in "abcdefghijklmnopqrsuvwxyz":
        guesses(game, (ANN, letter))
    board = game.board()
    assert "Tried: abcdefghijklmnopqrsuvwxyz" in [line.rstrip() for line in board]
    assert len({len(line) for line in board}) == 1 and len(board[0]) <= BOARD_WIDTH
    for character in "".join(board):
        assert character.isascii() and character.isprintable()
        assert unicodedata.east_asian_width(character) == "Na"


# Refusals --------------------------------------------------------------------------------


def test_refused_guesses_say_why_and_change_nothing() -> None:
    game = HangmanGame("kettle", setter=CAT)
    guesses(game, (ANN, "e"), (BOB, "z"), (ANN, "battle"))
    before = (set(game.tried), list(game.wrong_words), dict(game.scores), game.misses)
    not_letters = "Guess one letter or the whole word, letters a-z only."
    cases = [
        (CAT, "k", Refusal.SETTER, "You set this word, so you cannot guess it."),
        (BOB, "E", Refusal.TRIED, "That letter has been tried already."),
        (BOB, "z", Refusal.TRIED, "That letter has been tried already."),
        (BOB, "Battle", Refusal.TRIED, "That word has been tried already."),
        (BOB, "kett", Refusal.LENGTH, "The word has 6 letters."),
        (BOB, "k" * 10_000, Refusal.LENGTH, "The word has 6 letters."),
        (BOB, "7", Refusal.NOT_LETTERS, not_letters),
        (BOB, "", Refusal.NOT_LETTERS, not_letters),
        (BOB, "k t", Refusal.NOT_LETTERS, not_letters),
        (
            BOB,
            "\x03k",
            Refusal.NOT_LETTERS,
            "Guess one letter or the whole word, letters a-z only.",
        ),
        (BOB, "<k>", Refusal.NOT_LETTERS, not_letters),
    ]
    for player, text, refusal, reason in cases:
        outcome = game.guess(player, text)
        assert (outcome.verdict, outcome.refusal, outcome.message) == (
            Verdict.REFUSED,
            refusal,
            reason,
        )
        assert not outcome.accepted and outcome.points == 0 and not outcome.finished
    assert (set(game.tried), list(game.wrong_words), dict(game.scores), game.misses) == before
    assert CAT not in game.scores


def test_nothing_is_counted_once_the_game_is_over() -> None:
    game = HangmanGame("cat")
    guesses(game, (ANN, "cat"))
    for text in ("x", "c", "cat", "dog"):
        outcome = game.guess(BOB, text)
        assert (outcome.refusal, outcome.message) == (Refusal.OVER, "The game is over.")
    assert game.scores == {ANN: 3 + SOLVE_BONUS}


def test_shown_names_lose_control_characters_and_are_cut_short() -> None:
    game = HangmanGame("banana")
    outcome = game.guess(ANN, "a", name="\x1b[31mAnn\u202e" + "n" * 50)
    assert "\x1b" not in outcome.message and "\u202e" not in outcome.message
    assert game.names[ANN] == ("[31mAnn" + "n" * 50)[:MAX_NAME]
    game.guess(BOB, "n", name="Bob")
    assert game.summary().endswith("Points: " + game.names[ANN] + " 3, Bob 2.")


# Saving ----------------------------------------------------------------------------------


def test_a_saved_game_carries_on_after_a_restart() -> None:
    game = HangmanGame("lantern", setter=CAT, max_misses=5)
    game.guess(ANN, "n", name="Ann")
    game.guess(BOB, "q", name="Bob")
    game.guess(BOB, "lanterm", name="Bob")
    restored = HangmanGame.from_json(game.to_json())
    assert restored.board() == game.board()
    assert restored.scores == {ANN: 2, BOB: 0} and restored.names == {ANN: "Ann", BOB: "Bob"}
    assert restored.misses == 2 and restored.max_misses == 5 and restored.setter == CAT
    assert restored.guess(CAT, "l").refusal is Refusal.SETTER
    assert restored.guess(ANN, "n").refusal is Refusal.TRIED
    (win,) = guesses(restored, (BOB, "lantern"))
    assert win.finished and restored.solver == BOB
    assert restored.summary() == "The word was lantern, solved by Bob. Points: Bob 10, Ann 2."
    finished = HangmanGame.from_json(restored.to_json())
    assert finished.over and finished.guess(ANN, "x").refusal is Refusal.OVER


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[]",
        '{"game": "tictactoe"}',
        '{"game": "hangman", "word": "x1", "setter": null, "max_misses": 7, '
        '"guesses": [], "names": {}}',
        '{"game": "hangman", "word": "cat", "setter": 3, "max_misses": 7, '
        '"guesses": [], "names": {}}',
        '{"game": "hangman", "word": "cat", "setter": null, "max_misses": 7, '
        '"guesses": [["ann", "a"], ["bob", "a"]], "names": {}}',
        '{"game": "hangman", "word": "cat", "setter": null, "max_misses": 7, '
        '"guesses": [["ann", 1]], "names": {}}',
        '{"game": "hangman", "word": "cat", "setter": null, "max_misses": 7, '
        '"guesses": [["ann", "a"]], "names": []}',
    ],
)
def test_what_is_not_a_saved_game_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        HangmanGame.from_json(text)

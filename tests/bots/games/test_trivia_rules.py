"""A room's round of trivia, driven with explicit times as a bot would drive it."""

from __future__ import annotations

import json
import random

import pytest

from chinwag.bots.games.trivia_rules import (
    Outcome,
    Phase,
    Question,
    RoundStateError,
    Standing,
    Timing,
    TriviaRound,
    bundled_questions,
)

POOL = (
    Question("What is the capital of Australia?", ("Canberra",), "geography"),
    Question("How many legs does a spider have?", ("8", "eight"), "nature"),
    Question("Which planet is known as the Red Planet?", ("Mars",), "space"),
    Question("Who wrote 'Pride and Prejudice'?", ("Jane Austen", "Austen"), "books"),
)
TIMING = Timing(answer_seconds=30, hint_every=10, max_hints=2, pause=5)


def new_round(count: int = 3, seed: int = 1) -> TriviaRound:
    return TriviaRound(POOL, count, random.Random(seed), TIMING)


def answer_to(round_: TriviaRound) -> str:
    question = round_.question
    assert question is not None
    return question.answers[0]


def test_starting_announces_the_round_and_asks_the_first_question() -> None:
    round_ = new_round()
    assert round_.phase is Phase.READY
    assert round_.next_due(0.0) is None
    lines = round_.start(100.0)
    question = round_.question
    assert question is not None
    assert lines[0].startswith("Trivia! 3 questions, 30 seconds to answer each.")
    assert lines[1] == f"Question 1/3 ({question.category}): {question.text}"
    assert round_.number == 1
    with pytest.raises(RuntimeError):
        round_.start(101.0)


def test_a_right_answer_before_any_hint_scores_the_most() -> None:
    round_ = new_round()
    round_.start(100.0)
    answer = answer_to(round_)
    outcome = round_.guess("acct-ann", "Ann", answer.upper(), 103.0)
    assert outcome.right
    assert outcome.points == TIMING.max_hints + 1
    assert outcome.lines == (f"Ann got it: {answer}! +3 points (3 this round)",)
    assert round_.phase is Phase.PAUSE
    assert round_.standings() == [Standing("acct-ann", "Ann", 3)]


def test_the_open_question_can_be_asked_again() -> None:
    round_ = new_round()
    assert round_.repeat() == []
    first = round_.start(100.0)[1]
    assert round_.repeat() == [first]
    round_.tick(130.0)
    assert round_.repeat() == []


def test_a_wrong_answer_scores_nothing_and_says_nothing() -> None:
    round_ = new_round()
    round_.start(100.0)
    assert round_.guess("acct-bob", "Bob", "Atlantis", 101.0) == Outcome(False, 0, ())
    assert round_.standings() == []
    assert round_.phase is Phase.ASKING


def test_only_the_first_right_answer_scores() -> None:
    round_ = new_round()
    round_.start(100.0)
    answer = answer_to(round_)
    assert round_.guess("acct-ann", "Ann", answer, 104.0).right
    late = round_.guess("acct-bob", "Bob", answer, 104.5)
    assert late == Outcome(False, 0, ())
    assert [s.player for s in round_.standings()] == ["acct-ann"]


def test_hints_come_on_time_and_each_costs_a_point() -> None:
    round_ = TriviaRound(POOL[:1], 1, random.Random(1), TIMING)
    round_.start(100.0)
    assert round_.next_due(100.0) == 110.0
    assert round_.tick(109.9) == []
    assert round_.tick(110.0) == ["Hint: _ _ _ _ _ _ _ _"]
    assert round_.tick(115.0) == []
    assert round_.next_due(115.0) == 120.0
    assert round_.tick(120.0) == ["Hint: C _ _ _ _ _ _ _"]
    # No third hint (max_hints=2): what is due next is the time-out.
    assert round_.next_due(121.0) == 130.0
    outcome = round_.guess("acct-ann", "Ann", "canberra", 125.0)
    assert outcome.right
    assert outcome.points == 1
    assert outcome.lines[0] == "Ann got it: Canberra! +1 point (1 this round)"


def test_a_late_tick_shows_only_the_latest_hint() -> None:
    round_ = new_round()
    round_.start(100.0)
    lines = round_.tick(125.0)
    assert len(lines) == 1
    assert lines[0].startswith("Hint: ")
    assert round_.next_due(125.0) == 130.0


def test_a_question_nobody_answers_times_out_then_the_next_is_asked() -> None:
    round_ = new_round()
    round_.start(100.0)
    answer = answer_to(round_)
    asked = round_.question
    assert round_.tick(130.0) == [f"Time's up! The answer was: {answer}"]
    assert round_.question is None
    assert round_.next_due(130.0) == 135.0
    assert round_.guess("acct-ann", "Ann", answer, 131.0) == Outcome(False, 0, ())
    assert round_.tick(134.0) == []
    lines = round_.tick(135.0)
    assert len(lines) == 1
    assert lines[0].startswith("Question 2/3 ")
    assert round_.question is not None
    assert round_.question != asked


def test_a_guess_after_the_time_out_finds_the_question_closed() -> None:
    round_ = new_round()
    round_.start(100.0)
    answer = answer_to(round_)
    outcome = round_.guess("acct-ann", "Ann", answer, 131.0)
    assert outcome == Outcome(False, 0, (f"Time's up! The answer was: {answer}",))


def play(round_: TriviaRound, now: float, winners: list[tuple[str, str] | None]) -> list[str]:
    """Play ``round_`` from ``now``: each entry answers a question (player, name) or lets it
    time out; the lines said, in order."""
    said = round_.start(now)
    for winner in winners:
        if winner is None:
            now += TIMING.answer_seconds
            said += round_.tick(now)
        else:
            now += 1
            said += round_.guess(*winner, answer_to(round_), now).lines
        due = round_.next_due(now)
        if due is not None:
            now = due
            said += round_.tick(now)
    return said


def test_a_whole_round_ends_with_a_summary() -> None:
    round_ = new_round(count=3)
    said = play(round_, 0.0, [("acct-ann", "Ann"), None, ("acct-bob", "Bob")])
    assert round_.finished
    assert round_.next_due(999.0) is None
    assert said[-1] == "Round over! Ann and Bob tie with 3 points each."
    assert sum(line.startswith("Question ") for line in said) == 3
    assert sum(line.startswith("Time's up!") for line in said) == 1
    assert round_.tick(999.0) == []
    assert round_.stop() == []


def test_the_summary_names_the_winner_then_the_others() -> None:
    round_ = new_round(count=4)
    play(round_, 0.0, [("a", "Ann"), ("b", "Bob"), ("a", "Ann"), ("c", "Cy")])
    assert round_.summary() == "Round over! Ann wins with 6 points. Then: Bob 3, Cy 3."
    assert round_.standings()[0] == Standing("a", "Ann", 6)


def test_a_round_nobody_scores_in_says_so() -> None:
    round_ = new_round(count=2)
    said = play(round_, 0.0, [None, None])
    assert said[-1] == "Round over: nobody scored this time."


def test_no_question_repeats_within_a_round() -> None:
    round_ = TriviaRound(POOL, 10, random.Random(7), TIMING)
    assert round_.count == len(POOL)
    texts = []
    now = 0.0
    round_.start(now)
    while not round_.finished:
        question = round_.question
        assert question is not None
        texts.append(question.text)
        now += TIMING.answer_seconds
        round_.tick(now)
        now += TIMING.pause
        round_.tick(now)
    assert sorted(texts) == sorted(q.text for q in POOL)


def test_the_same_seed_asks_the_same_questions() -> None:
    pool = bundled_questions()
    first = TriviaRound(pool, 10, random.Random(42))
    again = TriviaRound(pool, 10, random.Random(42))
    assert first.indices == again.indices
    assert len(set(first.indices)) == 10


def test_recent_questions_are_asked_only_when_nothing_else_is_left() -> None:
    round_ = TriviaRound(POOL, 2, random.Random(3), TIMING, recent={0, 1})
    assert set(round_.indices) == {2, 3}
    round_ = TriviaRound(POOL, 3, random.Random(3), TIMING, recent={0, 1, 2})
    assert round_.indices[0] == 3
    assert set(round_.indices[1:]) <= {0, 1, 2}


def test_stopping_mid_question_tells_the_answer_and_the_summary() -> None:
    round_ = new_round()
    round_.start(0.0)
    answer = answer_to(round_)
    assert round_.stop() == [
        f"Stopped. The answer was: {answer}",
        "Round over: nobody scored this time.",
    ]
    assert round_.finished
    assert round_.guess("a", "Ann", answer, 1.0) == Outcome(False, 0, ())


def test_a_hostile_display_name_is_shown_tame_and_short() -> None:
    round_ = new_round()
    round_.start(0.0)
    name = "\x1b]0;pwned\x07Eve\u202e" + "x" * 100
    outcome = round_.guess("acct-eve", name, answer_to(round_), 1.0)
    line = outcome.lines[0]
    assert line.isprintable()
    assert line.startswith("]0;pwnedEve")
    assert len(line.split(" got it")[0]) <= 30


def test_a_huge_guess_is_just_wrong() -> None:
    round_ = new_round()
    round_.start(0.0)
    assert round_.guess("a", "Ann", "\x03" + "A" * 10_000, 1.0) == Outcome(False, 0, ())


def test_a_saved_round_continues_after_a_restart_with_a_new_clock() -> None:
    round_ = new_round(count=3)
    round_.start(100.0)
    round_.guess("acct-ann", "Ann", answer_to(round_), 101.0)
    round_.tick(106.0)  # question 2 asked at 106
    round_.tick(116.0)  # its first hint
    saved = round_.to_json(118.0)

    restored = TriviaRound.from_json(saved, POOL, 5000.0)
    assert restored.phase is Phase.ASKING
    assert restored.number == 2
    assert restored.question == round_.question
    assert restored.indices == round_.indices
    assert restored.standings() == round_.standings()
    # Open for 12 s when saved: the second hint is 8 s after the restart.
    assert restored.next_due(5000.0) == 5008.0
    outcome = restored.guess("acct-bob", "Bob", answer_to(restored), 5001.0)
    assert outcome.points == TIMING.max_hints  # one hint was shown before the restart
    said = list(outcome.lines)
    while not restored.finished:
        due = restored.next_due(5001.0)
        assert due is not None
        said += restored.tick(due + TIMING.answer_seconds)
    assert said[-1] == "Round over! Ann wins with 3 points. Then: Bob 2."


def test_a_round_saved_in_the_pause_keeps_the_rest_of_the_pause() -> None:
    round_ = new_round()
    round_.start(0.0)
    round_.tick(30.0)  # time's up; the pause runs to 35
    restored = TriviaRound.from_json(round_.to_json(32.0), POOL, 7.0)
    assert restored.phase is Phase.PAUSE
    assert restored.next_due(7.0) == 10.0
    assert restored.tick(10.0)[0].startswith("Question 2/3 ")


def test_a_finished_or_unstarted_round_survives_a_round_trip() -> None:
    fresh = new_round()
    again = TriviaRound.from_json(fresh.to_json(0.0), POOL, 50.0)
    assert again.phase is Phase.READY
    assert again.start(50.0)[1].startswith("Question 1/3 ")
    fresh.stop()
    assert TriviaRound.from_json(fresh.to_json(0.0), POOL, 0.0).finished


def test_a_changed_pool_is_noticed() -> None:
    saved = new_round().to_json(0.0)
    changed = (*POOL[:3], Question("Who wrote 'Emma'?", ("Jane Austen",), "books"))
    with pytest.raises(RoundStateError, match="question set changed"):
        TriviaRound.from_json(saved, changed, 0.0)
    with pytest.raises(RoundStateError, match="question set changed"):
        TriviaRound.from_json(saved, POOL[:3], 0.0)


@pytest.mark.parametrize(
    "damage",
    [
        {"order": [0, 0, 1]},
        {"order": [0, 1, 99]},
        {"order": []},
        {"phase": "dancing"},
        {"position": 7},
        {"points": {"a": -1}},
        {"points": ["a"]},
        {"names": {"a": 3}},
        {"open_for": "soon"},
        {"open_for": float("inf")},
        {"hints": 1.5},
        {"timing": {"answer_seconds": -1, "hint_every": 1, "max_hints": 1, "pause": 1}},
        {"timing": None},
        {"version": 99},
    ],
)
def test_damaged_state_is_refused(damage: dict[str, object]) -> None:
    state = json.loads(new_round().to_json(0.0))
    state.update(damage)
    with pytest.raises(RoundStateError):
        TriviaRound.from_json(json.dumps(state), POOL, 0.0)


def test_text_that_is_not_a_saved_round_is_refused() -> None:
    for text in ("", "not json", "[]", "{}"):
        with pytest.raises(RoundStateError):
            TriviaRound.from_json(text, POOL, 0.0)


def test_nonsense_timing_and_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="answer_seconds"):
        Timing(answer_seconds=0)
    with pytest.raises(ValueError, match="max_hints"):
        Timing(max_hints=-1)
    with pytest.raises(ValueError, match="at least one"):
        TriviaRound(POOL, 0, random.Random(1))
    with pytest.raises(ValueError, match="empty"):
        TriviaRound((), 3, random.Random(1))

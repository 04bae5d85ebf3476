"""The trivia question set that ships with chinwag, and an operator's own question file."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from chinwag.bots.games.trivia_answers import is_right, normalise
from chinwag.bots.games.trivia_questions import (
    DEFAULT_CATEGORY,
    Question,
    QuestionsError,
    bundled_questions,
    fingerprint,
    load_questions,
)


def test_the_bundled_set_has_at_least_300_distinct_questions() -> None:
    questions = bundled_questions()
    assert len(questions) >= 300
    texts = [normalise(q.text) for q in questions]
    assert len(set(texts)) == len(texts)


def test_the_bundled_set_spans_ten_categories_of_twenty_or_more() -> None:
    sizes = Counter(q.category for q in bundled_questions())
    assert len(sizes) >= 10
    assert min(sizes.values()) >= 20, sizes


def test_every_bundled_answer_is_short_and_accepted_for_its_question() -> None:
    for question in bundled_questions():
        assert question.answers, question
        # The first answer is the one announced and hinted: a few words at most.
        assert len(question.answers[0].split()) <= 3, question
        for answer in question.answers:
            assert is_right(answer, question), (answer, question)


def test_the_bundled_set_is_read_once() -> None:
    assert bundled_questions() is bundled_questions()


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "questions.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_an_operator_file_in_the_same_format_loads(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            {"q": " Who made chinwag? ", "a": ["friends", "some friends"], "c": "us"},
            {"q": "Which port is plain IRC?", "a": ["6667"]},
        ],
    )
    assert load_questions(path) == (
        Question("Who made chinwag?", ("friends", "some friends"), "us"),
        Question("Which port is plain IRC?", ("6667",), DEFAULT_CATEGORY),
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"q": "x", "a": ["y"]}, "questions.json: must be a JSON list of questions"),
        ([], "questions.json: has no questions"),
        (
            [{"q": "Fine?", "a": ["yes"]}, {"q": "x", "a": "y"}],
            "question 2: 'a' must be a list of strings",
        ),
        ([{"q": "x", "a": [1]}], "question 1: 'a' must be a list of strings"),
        ([{"q": "x", "a": []}], "question 1: 'a' must list at least one answer"),
        ([{"q": "", "a": ["y"]}], "question 1: 'q' must be a non-empty string"),
        ([{"a": ["y"]}], "question 1: 'q' must be a non-empty string"),
        ([{"q": "x", "a": ["y"], "answer": "y"}], "question 1: unknown key 'answer'"),
        (["x"], 'question 1: must be an object with "q" and "a"'),
        ([{"q": "x", "a": ["?!"]}], "question 1: answer 1 has no letters or digits"),
        ([{"q": "x", "a": ["y", " "]}], "question 1: answer 2 must be a non-empty string"),
        ([{"q": "x\x1b[2J", "a": ["y"]}], "question 1: 'q' contains a control character"),
        ([{"q": "x", "a": ["y"], "c": "a\u202ez"}], "question 1: 'c' contains a control character"),
        ([{"q": "x" * 301, "a": ["y"]}], "question 1: 'q' is longer than 300 characters"),
        ([{"q": "x", "a": ["y" * 61]}], "question 1: answer 1 is longer than 60 characters"),
        (
            [{"q": "Same?", "a": ["y"]}, {"q": "  same? ", "a": ["n"]}],
            "question 2: the same question as question 1",
        ),
    ],
)
def test_a_broken_operator_file_says_which_question_and_what_to_fix(
    tmp_path: Path, data: object, message: str
) -> None:
    with pytest.raises(QuestionsError) as raised:
        load_questions(write(tmp_path, data))
    assert message in str(raised.value)
    assert str(raised.value).startswith("questions.json")


def test_a_file_that_is_not_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "questions.json"
    path.write_text('[\n{"q": "x", "a": ["y"]},\n]', encoding="utf-8")
    with pytest.raises(QuestionsError, match=r"questions.json: not valid JSON \(line 3"):
        load_questions(path)


def test_a_missing_or_binary_file_is_a_questions_error(tmp_path: Path) -> None:
    with pytest.raises(QuestionsError, match="cannot be read"):
        load_questions(tmp_path / "nowhere.json")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(QuestionsError, match=r"binary\.json: not UTF-8"):
        load_questions(binary)


def test_questions_errors_are_value_errors() -> None:
    assert issubclass(QuestionsError, ValueError)


def test_the_fingerprint_changes_with_any_question() -> None:
    pool = bundled_questions()[:5]
    changed = (*pool[:4], Question(pool[4].text, (*pool[4].answers, "more"), pool[4].category))
    assert fingerprint(pool) == fingerprint(tuple(pool))
    assert fingerprint(pool) != fingerprint(changed)
    assert fingerprint(pool) != fingerprint(pool[::-1])

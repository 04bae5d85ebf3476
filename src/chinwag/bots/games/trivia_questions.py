"""Trivia questions: the bundled set and an operator's own file, both in one JSON format.

The format is a JSON list of objects, one per question::

    [{"q": "What is the capital of Australia?", "a": ["Canberra"], "c": "geography"}]

``q`` is the question, ``a`` the accepted answers (the first is the one announced and hinted),
``c`` an optional category. A file that breaks the format raises :class:`QuestionsError`
naming the file, the question's number and what to change. Standard library only.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

# A question line is "Question 10/10 (category): text" in one IRC message, so the parts are
# capped well under the 512-byte line an IRC server relays.
MAX_QUESTION = 300
MAX_ANSWER = 60
MAX_CATEGORY = 30
MAX_ANSWERS = 20
DEFAULT_CATEGORY = "general"

_KEYS = frozenset({"q", "a", "c"})


@dataclass(frozen=True)
class Question:
    """One trivia question: its text, the answers accepted (first = the one to announce) and
    its category."""

    text: str
    answers: tuple[str, ...]
    category: str


class QuestionsError(ValueError):
    """A question file that cannot be used; the message says which question and what to fix."""


def load_questions(path: Path) -> tuple[Question, ...]:
    """The questions in an operator's JSON file at ``path`` (the bundled set's format).

    Raises :class:`QuestionsError` when the file cannot be read or breaks the format.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise QuestionsError(f"{path.name}: not UTF-8 text") from None
    except OSError as error:
        raise QuestionsError(f"{path}: cannot be read ({error.strerror or error})") from None
    return parse_questions(text, path.name)


@functools.cache
def bundled_questions() -> tuple[Question, ...]:
    """The question set shipped with chinwag (read once, then shared)."""
    data = resources.files("chinwag.bots.games").joinpath("data", "trivia.json")
    return parse_questions(data.read_text(encoding="utf-8"), "trivia.json")


def parse_questions(text: str, source: str) -> tuple[Question, ...]:
    """The questions in JSON ``text``; ``source`` names it in error messages.

    Raises :class:`QuestionsError` on invalid JSON, a question that breaks the format, or a
    question asked twice.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise QuestionsError(
            f"{source}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    if not isinstance(data, list):
        raise QuestionsError(
            f'{source}: must be a JSON list of questions, like [{{"q": "...", "a": ["..."]}}]'
        )
    if not data:
        raise QuestionsError(f"{source}: has no questions")
    questions: list[Question] = []
    first_seen: dict[str, int] = {}
    for number, item in enumerate(data, 1):
        where = f"{source}, question {number}"
        question = _question(item, where)
        key = " ".join(question.text.casefold().split())
        if key in first_seen:
            raise QuestionsError(f"{where}: the same question as question {first_seen[key]}")
        first_seen[key] = number
        questions.append(question)
    return tuple(questions)


def fingerprint(questions: tuple[Question, ...]) -> str:
    """A short digest of ``questions`` in order, to notice that a saved round's pool changed."""
    canonical = json.dumps(
        [[q.text, list(q.answers), q.category] for q in questions], ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _question(item: object, where: str) -> Question:
    if not isinstance(item, dict):
        raise QuestionsError(f'{where}: must be an object with "q" and "a" (and "c")')
    for key in item:
        if key not in _KEYS:
            raise QuestionsError(f'{where}: unknown key {key!r} (a question has "q", "a", "c")')
    text = _text(item.get("q"), where, "'q'", MAX_QUESTION)
    raw_answers = item.get("a")
    if not isinstance(raw_answers, list) or not all(isinstance(a, str) for a in raw_answers):
        raise QuestionsError(f"{where}: 'a' must be a list of strings")
    if not raw_answers:
        raise QuestionsError(f"{where}: 'a' must list at least one answer")
    if len(raw_answers) > MAX_ANSWERS:
        raise QuestionsError(f"{where}: 'a' lists more than {MAX_ANSWERS} answers")
    answers: list[str] = []
    for index, raw in enumerate(raw_answers, 1):
        answer = _text(raw, where, f"answer {index}", MAX_ANSWER)
        if not any(ch.isalnum() for ch in answer):
            raise QuestionsError(f"{where}: answer {index} has no letters or digits")
        answers.append(answer)
    category = DEFAULT_CATEGORY
    if "c" in item:
        category = _text(item["c"], where, "'c'", MAX_CATEGORY)
    return Question(text, tuple(answers), category)


def _text(value: object, where: str, what: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise QuestionsError(f"{where}: {what} must be a non-empty string")
    text = value.strip()
    if len(text) > limit:
        raise QuestionsError(f"{where}: {what} is longer than {limit} characters")
    # The room reads these lines as they are, so nothing may carry control characters.
    if not text.isprintable():
        raise QuestionsError(f"{where}: {what} contains a control character")
    return text

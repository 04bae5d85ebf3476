"""Trivia rules: one room's round of questions as a sans-I/O state machine.

A :class:`TriviaRound` asks ``count`` questions drawn from a pool, none twice. Whoever first
sends a right answer scores, more when fewer hints were shown; a question nobody answers
times out and the answer is told. The caller passes the time in (``now``, seconds on any
monotonic clock) and says the lines each method returns in the room; after every call it
asks :meth:`TriviaRound.next_due` when to call :meth:`TriviaRound.tick` next.
:meth:`TriviaRound.to_json` and :meth:`TriviaRound.from_json` let a restarted bot carry on
with the same round. Standard library only.

The questions and the answer matching live in :mod:`.trivia_questions` and
:mod:`.trivia_answers`; their public names are re-exported here for the bot.
"""

from __future__ import annotations

import enum
import json
import math
import random
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass

from chinwag.bots.games.trivia_answers import hint, is_right, normalise
from chinwag.bots.games.trivia_questions import (
    Question,
    QuestionsError,
    bundled_questions,
    fingerprint,
    load_questions,
)

__all__ = [
    "Outcome",
    "Phase",
    "Question",
    "QuestionsError",
    "RoundStateError",
    "Standing",
    "Timing",
    "TriviaRound",
    "bundled_questions",
    "hint",
    "is_right",
    "load_questions",
    "normalise",
]

_STATE_VERSION = 1
_NAME_LIMIT = 30
_SUMMARY_PLACES = 10


@dataclass(frozen=True)
class Timing:
    """How long each question stays open, when its hints come, and the pause between
    questions (all in seconds)."""

    answer_seconds: float = 45.0
    hint_every: float = 12.0
    max_hints: int = 3
    pause: float = 6.0

    def __post_init__(self) -> None:
        for name in ("answer_seconds", "hint_every", "pause"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0 or (value == 0 and name != "pause"):
                raise ValueError(f"{name} must be a positive number of seconds, got {value}")
        if self.max_hints < 0:
            raise ValueError(f"max_hints must not be negative, got {self.max_hints}")


@dataclass(frozen=True)
class Outcome:
    """What a guess did: whether it was right, the points it scored, and the lines to say
    (any due hint or time-out first, then the right answer's announcement; none for a
    wrong guess)."""

    right: bool
    points: int
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Standing:
    """One player's place in the round's tally."""

    player: str
    name: str
    points: int


class RoundStateError(ValueError):
    """Saved round state that cannot be continued (damaged, or the question pool changed)."""


class Phase(enum.StrEnum):
    """Where a round is: before :meth:`~TriviaRound.start`, with a question open, in the
    pause before the next one, or over."""

    READY = "ready"
    ASKING = "asking"
    PAUSE = "pause"
    FINISHED = "finished"


class TriviaRound:
    """One room's round of trivia (see the module docstring for how a bot drives it).

    ``pool`` is the question set, ``count`` how many to ask (fewer if the pool is smaller),
    ``rng`` chooses them, preferring those not in ``recent`` (indices into ``pool``, say the
    room's previous round). Raises :class:`ValueError` for an empty pool or a count below 1.
    """

    def __init__(
        self,
        pool: Sequence[Question],
        count: int,
        rng: random.Random,
        timing: Timing | None = None,
        *,
        recent: Collection[int] = (),
    ) -> None:
        if not pool:
            raise ValueError("the question pool is empty")
        if count < 1:
            raise ValueError(f"a round needs at least one question, got {count}")
        avoid = set(recent)
        fresh = [i for i in range(len(pool)) if i not in avoid]
        stale = [i for i in range(len(pool)) if i in avoid]
        order = rng.sample(fresh, min(count, len(fresh)))
        order += rng.sample(stale, min(count - len(order), len(stale)))
        self._pool = tuple(pool)
        self._timing = timing or Timing()
        self._order = tuple(order)
        self._fingerprint = fingerprint(self._pool)
        self._phase = Phase.READY
        self._position = -1
        self._asked_at = 0.0
        self._hints = 0
        self._next_at = 0.0
        self._points: dict[str, int] = {}
        self._names: dict[str, str] = {}

    # -- what the bot reads ------------------------------------------------------------

    @property
    def phase(self) -> Phase:
        """Where the round is."""
        return self._phase

    @property
    def finished(self) -> bool:
        """Whether the round is over (all asked, or stopped)."""
        return self._phase is Phase.FINISHED

    @property
    def count(self) -> int:
        """How many questions the round asks."""
        return len(self._order)

    @property
    def number(self) -> int:
        """The current or last question's number, from 1; 0 before the round starts."""
        return self._position + 1

    @property
    def question(self) -> Question | None:
        """The question open for answers, if any."""
        if self._phase is Phase.ASKING:
            return self._pool[self._order[self._position]]
        return None

    @property
    def indices(self) -> tuple[int, ...]:
        """The pool indices this round asks, in order (``recent`` for the room's next round)."""
        return self._order

    @property
    def timing(self) -> Timing:
        """The round's timing."""
        return self._timing

    def standings(self) -> list[Standing]:
        """Everyone who scored this round, most points first (ties by name)."""
        return sorted(
            (Standing(p, self._names.get(p, p), n) for p, n in self._points.items()),
            key=lambda s: (-s.points, s.name.casefold(), s.player),
        )

    def summary(self) -> str:
        """The line that closes the round: the winner and the others' points."""
        places = self.standings()
        if not places:
            return "Round over: nobody scored this time."
        best = places[0].points
        winners = [s.name for s in places if s.points == best]
        others = [f"{s.name} {s.points}" for s in places if s.points < best]
        if len(winners) == 1:
            line = f"Round over! {winners[0]} wins with {_points(best)}."
        else:
            line = f"Round over! {_and_list(winners)} tie with {_points(best)} each."
        shown = others[: max(0, _SUMMARY_PLACES - len(winners))]
        if shown:
            line += " Then: " + ", ".join(shown) + ("." if len(shown) == len(others) else ", ...")
        return line

    # -- what the bot calls --------------------------------------------------------------

    def start(self, now: float) -> list[str]:
        """Begin the round at ``now``: the lines announcing it and its first question.

        Raises :class:`RuntimeError` if it was started already.
        """
        if self._phase is not Phase.READY:
            raise RuntimeError("this round has already started")
        seconds = _seconds(self._timing.answer_seconds)
        intro = (
            f"Trivia! {self.count} question{'s' if self.count != 1 else ''},"
            f" {seconds} to answer each. First right answer scores;"
            " the fewer hints you need, the more points."
        )
        return [intro, *self._ask(now)]

    def guess(self, player: str, display_name: str, text: str, now: float) -> Outcome:
        """``player`` (shown as ``display_name``) answers ``text`` at ``now``.

        Anything due by ``now`` happens first (a late guess finds the question closed). A
        right answer scores, is announced and closes the question (and, after the last
        one, the round, with the summary). A wrong guess, or one while no question is open,
        scores nothing and says nothing. The guess itself is never repeated to the room.
        """
        lines = self.tick(now)
        question = self.question
        if question is None or not is_right(text, question):
            return Outcome(False, 0, tuple(lines))
        points = max(1, self._timing.max_hints + 1 - self._hints)
        self._points[player] = self._points.get(player, 0) + points
        self._names[player] = _shown_name(display_name, player)
        lines.append(
            f"{self._names[player]} got it: {question.answers[0]}! +{_points(points)}"
            f" ({self._points[player]} this round)"
        )
        lines += self._close(now)
        return Outcome(True, points, tuple(lines))

    def tick(self, now: float) -> list[str]:
        """Whatever is due by ``now``: a hint, "time's up" with the answer, the next
        question, the summary after the last. Call it at :meth:`next_due`; an early call
        says nothing, a late one catches up (showing only the latest due hint)."""
        lines: list[str] = []
        if self._phase is Phase.ASKING:
            question = self._pool[self._order[self._position]]
            if now >= self._asked_at + self._timing.answer_seconds:
                lines.append(f"Time's up! The answer was: {question.answers[0]}")
                lines += self._close(now)
            else:
                due = self._hints_due(now)
                if due > self._hints:
                    self._hints = due
                    lines.append(f"Hint: {hint(question.answers[0], due)}")
        elif self._phase is Phase.PAUSE and now >= self._next_at:
            lines += self._ask(now)
        return lines

    def next_due(self, now: float) -> float | None:
        """When :meth:`tick` must next be called (never before ``now``); ``None`` when
        nothing is waiting (before the start, and after the end)."""
        if self._phase is Phase.ASKING:
            due = self._asked_at + self._timing.answer_seconds
            if self._hints < self._timing.max_hints:
                next_hint = self._asked_at + (self._hints + 1) * self._timing.hint_every
                due = min(due, next_hint)
            return max(now, due)
        if self._phase is Phase.PAUSE:
            return max(now, self._next_at)
        return None

    def repeat(self) -> list[str]:
        """The open question again, as it was asked (for someone who missed it); nothing
        while no question is open."""
        return [self._question_line()] if self._phase is Phase.ASKING else []

    def stop(self) -> list[str]:
        """End the round now: the open question's answer, if any, and the summary. Nothing
        when it was over already."""
        if self._phase is Phase.FINISHED:
            return []
        lines: list[str] = []
        question = self.question
        if question is not None:
            lines.append(f"Stopped. The answer was: {question.answers[0]}")
        self._phase = Phase.FINISHED
        lines.append(self.summary())
        return lines

    # -- saving and restoring ----------------------------------------------------------

    def to_json(self, now: float) -> str:
        """The round's state as JSON text, for :meth:`from_json` after a restart.

        Times are kept relative to ``now`` (how long the question has been open, how much
        pause is left) because a new process has a new clock; the time the bot was down is
        not counted against the players.
        """
        state = {
            "version": _STATE_VERSION,
            "pool": self._fingerprint,
            "size": len(self._pool),
            "order": list(self._order),
            "timing": asdict(self._timing),
            "phase": self._phase.value,
            "position": self._position,
            "open_for": max(0.0, now - self._asked_at) if self._phase is Phase.ASKING else 0.0,
            "pause_left": max(0.0, self._next_at - now) if self._phase is Phase.PAUSE else 0.0,
            "hints": self._hints,
            "points": self._points,
            "names": self._names,
        }
        return json.dumps(state, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, pool: Sequence[Question], now: float) -> TriviaRound:
        """The round saved by :meth:`to_json`, continuing at ``now`` over the same ``pool``.

        Raises :class:`RoundStateError` if ``text`` is not a saved round or the pool is not
        the one the round was saved with (its questions are kept by index).
        """
        try:
            state = json.loads(text)
        except json.JSONDecodeError as error:
            raise RoundStateError(f"saved trivia round is not JSON: {error.msg}") from None
        if not isinstance(state, dict) or state.get("version") != _STATE_VERSION:
            raise RoundStateError("saved trivia round has an unknown format")
        pool = tuple(pool)
        digest = fingerprint(pool)
        if state.get("size") != len(pool) or state.get("pool") != digest:
            raise RoundStateError("the question set changed since the trivia round was saved")
        try:
            return cls._restored(state, pool, digest, now)
        except (KeyError, TypeError, ValueError) as error:
            raise RoundStateError(f"saved trivia round is damaged: {error}") from None

    @classmethod
    def _restored(
        cls, state: dict[str, object], pool: tuple[Question, ...], digest: str, now: float
    ) -> TriviaRound:
        timing_fields = state["timing"]
        if not isinstance(timing_fields, dict):
            raise TypeError("timing is not an object")
        timing = Timing(
            answer_seconds=_number(timing_fields["answer_seconds"]),
            hint_every=_number(timing_fields["hint_every"]),
            max_hints=_whole(timing_fields["max_hints"]),
            pause=_number(timing_fields["pause"]),
        )
        order = state["order"]
        if (
            not isinstance(order, list)
            or not order
            or len(set(order)) != len(order)
            or not all(type(i) is int and 0 <= i < len(pool) for i in order)
        ):
            raise ValueError("order is not a list of distinct question indices")
        phase = Phase(str(state["phase"]))
        position = _whole(state["position"])
        lowest = 0 if phase in {Phase.ASKING, Phase.PAUSE} else -1
        if not lowest <= position < len(order):
            raise ValueError(f"position {position} is outside the round")
        points = state["points"]
        names = state["names"]
        if not isinstance(points, dict) or not all(
            isinstance(p, str) and type(n) is int and n >= 0 for p, n in points.items()
        ):
            raise ValueError("points is not a map of players to points")
        if not isinstance(names, dict) or not all(
            isinstance(p, str) and isinstance(n, str) for p, n in names.items()
        ):
            raise ValueError("names is not a map of players to names")
        round_ = cls.__new__(cls)
        round_._pool = pool
        round_._timing = timing
        round_._order = tuple(order)
        round_._fingerprint = digest
        round_._phase = phase
        round_._position = position
        round_._asked_at = now - _number(state["open_for"])
        round_._hints = min(_whole(state["hints"]), timing.max_hints)
        round_._next_at = now + _number(state["pause_left"])
        round_._points = dict(points)
        round_._names = {p: _shown_name(n, p) for p, n in names.items()}
        return round_

    # -- inside ------------------------------------------------------------------------

    def _ask(self, now: float) -> list[str]:
        self._position += 1
        self._phase = Phase.ASKING
        self._asked_at = now
        self._hints = 0
        return [self._question_line()]

    def _question_line(self) -> str:
        question = self._pool[self._order[self._position]]
        return f"Question {self.number}/{self.count} ({question.category}): {question.text}"

    def _close(self, now: float) -> list[str]:
        """The open question is done: pause before the next, or end the round."""
        if self._position + 1 >= len(self._order):
            self._phase = Phase.FINISHED
            return [self.summary()]
        self._phase = Phase.PAUSE
        self._next_at = now + self._timing.pause
        return []

    def _hints_due(self, now: float) -> int:
        timing = self._timing
        elapsed = now - self._asked_at
        due = min(timing.max_hints, math.floor(elapsed / timing.hint_every))
        # A hint whose time is at or after the time-out would never be seen.
        while due > 0 and due * timing.hint_every >= timing.answer_seconds:
            due -= 1
        return max(0, due)


def _shown_name(name: str, player: str) -> str:
    """A display name safe and short enough to repeat in the room (the bot cleans names,
    this only makes sure)."""
    shown = "".join(ch for ch in name if ch.isprintable()).strip()[:_NAME_LIMIT].strip()
    return shown or "".join(ch for ch in player if ch.isprintable())[:_NAME_LIMIT] or "someone"


def _points(n: int) -> str:
    return f"{n} point{'s' if n != 1 else ''}"


def _seconds(value: float) -> str:
    shown = f"{value:g}"
    return f"{shown} second{'s' if shown != '1' else ''}"


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{value!r} is not a finite number")
    return float(value)


def _whole(value: object) -> int:
    if type(value) is not int:
        raise ValueError(f"{value!r} is not a whole number")
    return value

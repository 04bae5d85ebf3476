"""Hangman on a shared board: everyone in a room guesses the same word, turn or no turn.

Sans-I/O and deterministic: the bot picks the word (:func:`random_word` with its own
``random.Random``, or a word a person sent by direct message, checked by :func:`check_word`),
feeds every guess to :meth:`HangmanGame.guess` and says the :class:`Outcome`'s line in the
room; :meth:`HangmanGame.board` draws the gallows and the word for a monospace block, and
:meth:`HangmanGame.to_json` / :meth:`HangmanGame.from_json` carry a game across a restart.

Scoring (decided here, shown by :meth:`HangmanGame.summary`): a right new letter scores one
point for each place it shows up in the word; whoever completes the word, by its last letter
or by guessing it whole, scores :data:`SOLVE_BONUS` more, and a whole-word guess also scores
one point for each letter it uncovers. Wrong guesses cost the room a miss, never a player's
points, so guessing stays friendly; a wrong whole-word guess costs one miss like a letter.
The person who set a word scores nothing and may not guess it.

Players are opaque ids (an account or a nick); the names shown are given separately with each
guess. Nothing a player typed is echoed except the letters a-z of their guess.
"""

from __future__ import annotations

import enum
import functools
import json
import random
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Any

MIN_WORD = 3
MAX_WORD = 20
"""The lengths a word set by a person may have (bundled words are 5 to 12 letters)."""

DEFAULT_MISSES = 7
"""Misses before the room loses: one for each part of the drawing."""

SOLVE_BONUS = 5
"""Points for completing the word, on top of the letters it uncovers."""

MAX_NAME = 30
"""Display names are cut to this many characters (the server's NICKLEN)."""

ECHO_LIMIT = 60
"""No guess is repeated back longer than this (defence in depth: guesses are a-z already)."""

BOARD_WIDTH = 40
"""No line of :meth:`HangmanGame.board` is wider than this."""

# The gallows, drawn part by part: digit n shows part n once the drawing has reached stage n
# (rope, head, body, left arm, right arm, left leg, right leg) and a space before.
_GALLOWS = (
    " +---+ ",
    " |   1 ",
    " |   2 ",
    " |  435",
    " |  6 7",
    "=+=====",
)
_PARTS = {"1": "|", "2": "O", "3": "|", "4": "/", "5": "\\", "6": "/", "7": "\\"}
_STAGES = len(_PARTS)
_BLANK = "_"


@functools.cache
def bundled_words() -> tuple[str, ...]:
    """The bundled word list (``data/words.txt``: common English words, 5 to 12 letters a-z),
    read once."""
    data = resources.files("chinwag.bots.games").joinpath("data", "words.txt")
    lines = data.read_text("utf-8").split("\n")
    return tuple(word for word in map(str.strip, lines) if word)


def random_word(rng: random.Random) -> str:
    """A word from :func:`bundled_words`, chosen by ``rng`` (the bot's own, so tests can seed
    it)."""
    return rng.choice(bundled_words())


def normalise(text: str) -> str:
    """``text`` without surrounding space, accents or case (``" Éclair "`` is ``"eclair"``):
    how words and guesses are compared."""
    decomposed = unicodedata.normalize("NFKD", text.strip())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _is_letters(text: str) -> bool:
    return bool(text) and all("a" <= c <= "z" for c in text)


@dataclass(frozen=True)
class WordCheck:
    """What :func:`check_word` made of a word a person wants to set: the word to play, or
    why not."""

    word: str = ""
    reason: str = ""

    @property
    def ok(self) -> bool:
        """Whether the word may be played (then :attr:`word` is it, normalised)."""
        return not self.reason


def check_word(text: str) -> WordCheck:
    """Check a word a person sent to set a game: after :func:`normalise` it must be
    :data:`MIN_WORD` to :data:`MAX_WORD` letters a-z. The reason for a refusal is a sentence
    to send back to that person; it never repeats what they sent."""
    word = normalise(text)
    if not _is_letters(word):
        return WordCheck(reason="A word to guess is one word of letters a-z only.")
    if len(word) < MIN_WORD:
        return WordCheck(reason=f"That word is too short: at least {MIN_WORD} letters.")
    if len(word) > MAX_WORD:
        return WordCheck(reason=f"That word is too long: at most {MAX_WORD} letters.")
    return WordCheck(word=word)


def display_name(name: str) -> str:
    """``name`` fit to show: printable characters only, at most :data:`MAX_NAME` of them (the
    bot cleans names already; this is a second line of defence)."""
    return "".join(c for c in name if c.isprintable())[:MAX_NAME]


class Verdict(enum.Enum):
    """What a guess did."""

    REFUSED = "refused"
    """Not counted: :attr:`Outcome.refusal` says why."""
    HIT = "hit"
    """A new letter in the word (or the whole word, guessed right)."""
    MISS = "miss"
    """A letter not in the word, or a wrong whole-word guess: one miss."""


class Refusal(enum.Enum):
    """Why a guess was not counted."""

    OVER = "over"
    SETTER = "setter"
    NOT_LETTERS = "not letters"
    LENGTH = "length"
    TRIED = "tried"


@dataclass(frozen=True)
class Outcome:
    """The result of one :meth:`HangmanGame.guess`: a line for the room (or, when refused, the
    reason to tell the guesser), the points it scored and whether the game ended with it."""

    verdict: Verdict
    message: str
    refusal: Refusal | None = None
    points: int = 0
    finished: bool = False

    @property
    def accepted(self) -> bool:
        """Whether the guess counted (a hit or a miss)."""
        return self.verdict is not Verdict.REFUSED


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


class HangmanGame:
    """One word being guessed in one room.

    ``word`` must pass :func:`check_word` (it is normalised); ``setter`` is the player who set
    it by direct message, or None when the bot chose it; the room loses after ``max_misses``
    misses (1 to 26). After each :meth:`guess` the caller says the outcome's message, and
    when it is ``finished`` the :meth:`summary`.
    """

    def __init__(
        self, word: str, *, setter: str | None = None, max_misses: int = DEFAULT_MISSES
    ) -> None:
        checked = check_word(word)
        if not checked.ok:
            raise ValueError(checked.reason)
        if not 1 <= max_misses <= 26:
            raise ValueError("max_misses must be from 1 to 26")
        self.word = checked.word
        self.setter = setter
        self.max_misses = max_misses
        self.tried: set[str] = set()
        """Letters guessed so far, right or wrong."""
        self.wrong_words: list[str] = []
        """Whole-word guesses that were not the word, in order."""
        self.scores: dict[str, int] = {}
        """Points of every player who had a guess counted, in the order they first guessed."""
        self.names: dict[str, str] = {}
        """The name each player was last shown by."""
        self.solver: str | None = None
        self._guesses: list[tuple[str, str]] = []

    @property
    def misses(self) -> int:
        """Wrong letters and wrong whole-word guesses so far."""
        return len(self.tried - set(self.word)) + len(self.wrong_words)

    @property
    def won(self) -> bool:
        """Whether the word has been completed."""
        return self.solver is not None

    @property
    def lost(self) -> bool:
        """Whether the room ran out of misses."""
        return not self.won and self.misses >= self.max_misses

    @property
    def over(self) -> bool:
        """Whether the game has ended (no more guesses are counted)."""
        return self.won or self.lost

    @property
    def pattern(self) -> str:
        """The word as the room sees it: found letters in place, blanks elsewhere, spaced
        (``_ a _ _ m a _``)."""
        return " ".join(c if c in self.tried or self.won else _BLANK for c in self.word)

    def guess(self, player: str, text: str, name: str | None = None) -> Outcome:
        """Count ``player``'s guess ``text``: one letter, or the whole word (accents and case
        do not matter). ``name`` is how to show the player (when None: as last time, else
        by their id).

        Refused, with a reason and nothing changed: any guess once the game is over, the
        setter's, anything but letters, a whole word of the wrong length, a letter or word
        already tried.
        """
        if self.over:
            return self._refuse(Refusal.OVER, "The game is over.")
        if self.setter is not None and player == self.setter:
            return self._refuse(Refusal.SETTER, "You set this word, so you cannot guess it.")
        guess = normalise(text)
        if not _is_letters(guess):
            return self._refuse(
                Refusal.NOT_LETTERS, "Guess one letter or the whole word, letters a-z only."
            )
        if len(guess) > 1 and len(guess) != len(self.word):
            return self._refuse(Refusal.LENGTH, f"The word has {len(self.word)} letters.")
        if guess in self.tried or guess in self.wrong_words:
            what = "letter" if len(guess) == 1 else "word"
            return self._refuse(Refusal.TRIED, f"That {what} has been tried already.")

        if name is not None:
            shown = display_name(name) or "?"
        else:
            shown = self.names.get(player) or display_name(player) or "?"
        self.names[player] = shown
        self.scores.setdefault(player, 0)
        self._guesses.append((player, guess))
        if len(guess) == 1:
            return self._letter(player, shown, guess)
        return self._word(player, shown, guess)

    def _refuse(self, refusal: Refusal, reason: str) -> Outcome:
        return Outcome(Verdict.REFUSED, reason, refusal=refusal)

    def _letter(self, player: str, shown: str, letter: str) -> Outcome:
        self.tried.add(letter)
        count = self.word.count(letter)
        if not count:
            return self._missed(f"No '{letter}' in the word.")
        points = count
        message = f"'{letter}' is in the word {_times(count)}: {shown} +{count}."
        if all(c in self.tried for c in self.word):
            self.solver = player
            points += SOLVE_BONUS
            message = (
                f"'{letter}' completes the word {self.word}! {shown} +{points} "
                f"({count} + {SOLVE_BONUS} for solving)."
            )
        self.scores[player] += points
        return Outcome(Verdict.HIT, message, points=points, finished=self.over)

    def _word(self, player: str, shown: str, guess: str) -> Outcome:
        if guess != self.word:
            self.wrong_words.append(guess)
            return self._missed(f"'{guess[:ECHO_LIMIT]}' is not the word.")
        hidden = sum(1 for c in self.word if c not in self.tried)
        points = hidden + SOLVE_BONUS
        self.solver = player
        self.scores[player] += points
        message = (
            f"{shown} solved it: {self.word}! +{points} "
            f"({hidden} hidden + {SOLVE_BONUS} for solving)."
        )
        return Outcome(Verdict.HIT, message, points=points, finished=True)

    def _missed(self, said: str) -> Outcome:
        if self.lost:
            message = f"{said} Hanged! The word was {self.word}."
        else:
            message = f"{said} Misses: {self.misses} of {self.max_misses}."
        return Outcome(Verdict.MISS, message, finished=self.over)

    def status(self) -> str:
        """One line for the room: the word so far and the misses."""
        return f"{self.pattern}  (misses: {self.misses} of {self.max_misses})"

    def board(self) -> list[str]:
        """The board for a monospace block, every line the same width (at most
        :data:`BOARD_WIDTH`) and plain ASCII: the gallows as far as the misses have drawn it,
        the word so far, the letters tried and the misses."""
        stage = self.misses * _STAGES // self.max_misses
        gallows = [
            "".join((_PARTS[c] if int(c) <= stage else " ") if c in _PARTS else c for c in line)
            for line in _GALLOWS
        ]
        letters = sorted(self.tried)
        spaced = "Tried: " + (" ".join(letters) if letters else "none yet")
        tried = spaced if len(spaced) <= BOARD_WIDTH else "Tried: " + "".join(letters)
        lines = [*gallows, self.pattern, tried, f"Misses: {self.misses} of {self.max_misses}"]
        width = max(map(len, lines))
        return [line.ljust(width) for line in lines]

    def summary(self) -> str:
        """The closing line: the word, who solved it, and everyone's points, best first."""
        if self.won and self.solver is not None:
            head = f"The word was {self.word}, solved by {self.names[self.solver]}."
        elif self.lost:
            head = f"The word was {self.word}; nobody found it."
        else:
            head = f"The word is still hidden ({len(self.word)} letters)."
        ranked = sorted(self.scores.items(), key=lambda item: -item[1])
        if not ranked:
            return f"{head} Nobody guessed."
        tally = ", ".join(f"{self.names[player]} {points}" for player, points in ranked)
        return f"{head} Points: {tally}."

    def to_json(self) -> str:
        """The game as JSON text, for :meth:`from_json` after a restart."""
        return json.dumps(
            {
                "game": "hangman",
                "word": self.word,
                "setter": self.setter,
                "max_misses": self.max_misses,
                "guesses": self._guesses,
                "names": self.names,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> HangmanGame:
        """The game :meth:`to_json` saved, its guesses played again in order (so the scores
        and the board come out as they were). Raises ValueError if ``text`` is not such a
        game."""
        try:
            data: Any = json.loads(text)
            if data.get("game") != "hangman":
                raise ValueError("not a saved hangman game")
            setter = data["setter"]
            if setter is not None and not isinstance(setter, str):
                raise ValueError("bad setter")
            game = cls(str(data["word"]), setter=setter, max_misses=int(data["max_misses"]))
            names = data["names"]
            for player, guess in data["guesses"]:
                if not isinstance(player, str) or not isinstance(guess, str):
                    raise ValueError("bad guess")
                if not game.guess(player, guess, names.get(player)).accepted:
                    raise ValueError("a saved guess does not replay")
        except (AttributeError, KeyError, TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a saved hangman game: {exc}") from exc
        return game

"""Rock, paper, scissors between two players, best of N: throws are secret until both are in.

Sans-I/O: the bot passes each throw (sent to it in a direct message, so the other player
cannot see it) to :meth:`RockPaperScissors.throw` and says the :class:`Throw` it gets back:
a refusal's reason to the thrower, and when a round is complete both throws and who took it.
:meth:`~RockPaperScissors.to_json` / :meth:`~RockPaperScissors.from_json` keep the game
(throws of an unfinished round included) for a restarted bot.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

BEATS = {"rock": "scissors", "paper": "rock", "scissors": "paper"}
"""Each throw and the throw it beats."""

SHORT = {"r": "rock", "p": "paper", "s": "scissors"}


def choice_of(text: str) -> str | None:
    """The throw ``text`` names (``rock``, ``Paper``, ``s``...), or None."""
    word = text.strip().lower()
    word = SHORT.get(word, word)
    return word if word in BEATS else None


@dataclass(frozen=True)
class Throw:
    """What a throw did: refused (``reason``), waiting for the other player, or a finished
    round (``round_winner``: a player, or None for a tie) that may end the game (``winner``)."""

    reason: str = ""
    complete: bool = False
    throws: tuple[str, str] = ("", "")
    round_winner: str | None = None
    winner: str | None = None

    @property
    def accepted(self) -> bool:
        """Whether the throw counted."""
        return not self.reason


class RockPaperScissors:
    """A best-of-``best_of`` match between ``players`` (two opaque ids); ties are replayed."""

    def __init__(self, players: tuple[str, str], best_of: int = 3) -> None:
        if len(players) != 2 or players[0] == players[1]:
            raise ValueError("rock, paper, scissors needs two different players")
        if best_of < 1 or best_of % 2 == 0:
            raise ValueError("best_of is an odd number")
        self.players = players
        self.best_of = best_of
        self.pending: dict[str, str] = {}
        """This round's throws so far, by player (secret until both are in)."""
        self.wins = dict.fromkeys(players, 0)
        self.rounds = 0
        self.winner: str | None = None

    @property
    def needed(self) -> int:
        """Rounds to win the match."""
        return self.best_of // 2 + 1

    @property
    def over(self) -> bool:
        """Whether someone has won the match."""
        return self.winner is not None

    def waiting_for(self) -> list[str]:
        """The players who have not thrown in this round."""
        return [p for p in self.players if p not in self.pending] if not self.over else []

    def throw(self, player: str, text: str) -> Throw:
        """``player`` throws what ``text`` names."""
        if self.over:
            return Throw("The match is over.")
        if player not in self.players:
            return Throw("You are not playing in this match.")
        choice = choice_of(text)
        if choice is None:
            return Throw("Throw rock, paper or scissors.")
        if player in self.pending:
            return Throw("You have thrown this round already.")
        self.pending[player] = choice
        if len(self.pending) < 2:
            return Throw()
        first, second = (self.pending[p] for p in self.players)
        self.pending = {}
        self.rounds += 1
        round_winner = None
        if BEATS[first] == second:
            round_winner = self.players[0]
        elif BEATS[second] == first:
            round_winner = self.players[1]
        if round_winner is not None:
            self.wins[round_winner] += 1
            if self.wins[round_winner] >= self.needed:
                self.winner = round_winner
        return Throw(
            complete=True, throws=(first, second), round_winner=round_winner, winner=self.winner
        )

    def forfeit(self, player: str) -> bool:
        """``player`` gives up or left: the other wins. False if not playing or over."""
        if self.over or player not in self.players:
            return False
        self.winner = self.players[1 - self.players.index(player)]
        return True

    def score(self) -> str:
        """``2-1``: the rounds each player has taken, first player first."""
        return "-".join(str(self.wins[p]) for p in self.players)

    def to_json(self) -> str:
        """The match as JSON text, for :meth:`from_json`."""
        return json.dumps(
            {
                "players": list(self.players),
                "best_of": self.best_of,
                "pending": self.pending,
                "wins": self.wins,
                "rounds": self.rounds,
                "winner": self.winner,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> RockPaperScissors:
        """The match :meth:`to_json` saved; ValueError if ``text`` is not one."""
        try:
            data: Any = json.loads(text)
            first, second = data["players"]
            game = cls((str(first), str(second)), int(data["best_of"]))
            pending = {str(k): str(v) for k, v in data["pending"].items()}
            wins = {str(k): int(v) for k, v in data["wins"].items()}
            if set(wins) != set(game.players) or not set(pending) <= set(game.players):
                raise ValueError("players do not match")
            if any(v not in BEATS for v in pending.values()):
                raise ValueError("bad throw")
            winner = data["winner"]
            if winner is not None and winner not in game.players:
                raise ValueError("bad winner")
        except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a saved match: {exc}") from exc
        game.pending, game.wins, game.rounds, game.winner = (
            pending,
            wins,
            int(data["rounds"]),
            winner,
        )
        return game

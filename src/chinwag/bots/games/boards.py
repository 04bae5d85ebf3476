"""Tic-tac-toe and connect four: two players, turns, a board drawn in monospace text.

Sans-I/O: the bot makes a game with the two players' ids (the first plays ``X`` and moves
first), passes each move as typed to :meth:`BoardGame.play`, says the :class:`MoveResult`
(a refusal's reason goes to the player) and shows :meth:`BoardGame.board` as a monospace
block. A player who leaves or gives up :meth:`~BoardGame.forfeit`\\s and the other wins.
:meth:`BoardGame.to_json` keeps the players and the moves; :meth:`BoardGame.from_json`
plays the moves again, so a restarted bot continues where it was.

Boards are plain ASCII, one character a cell wide in every terminal and font, every line
the same width. The winning line is marked by brackets round its cells (``[X]``).
"""

from __future__ import annotations

import abc
import enum
import json
from dataclasses import dataclass
from typing import Any, ClassVar

MARKS = ("X", "O")
"""The marks of the first and the second player."""

_EMPTY = ""
_DIRECTIONS = ((1, 0), (0, 1), (1, 1), (1, -1))


class Refusal(enum.Enum):
    """Why a move (or a forfeit) was refused."""

    OVER = "over"
    NOT_PLAYER = "not a player"
    NOT_TURN = "not your turn"
    BAD_MOVE = "bad move"
    TAKEN = "cell taken"
    FULL = "column full"


@dataclass(frozen=True)
class MoveResult:
    """The result of :meth:`BoardGame.play` or :meth:`BoardGame.forfeit`: refused (with
    :attr:`reason`, a sentence for the player), or played, and then where the mark went and
    whether it ended the game."""

    refusal: Refusal | None = None
    reason: str = ""
    cell: int | None = None
    """The cell the mark went into, 0-based, row by row from the top left."""
    winner: str | None = None
    draw: bool = False

    @property
    def accepted(self) -> bool:
        """Whether the move was played (or the forfeit taken)."""
        return self.refusal is None

    @property
    def over(self) -> bool:
        """Whether the game ended with this move."""
        return self.winner is not None or self.draw


class BoardGame(abc.ABC):
    """What tic-tac-toe and connect four share: two players taking turns on a grid of
    :attr:`columns` by :attr:`rows` cells, won by :attr:`run` marks in a line (across, down
    or diagonally) and drawn when the grid fills up first."""

    kind: ClassVar[str]
    columns: ClassVar[int]
    rows: ClassVar[int]
    run: ClassVar[int]
    choices: ClassVar[int]
    """How many moves there are to choose from (cells or columns), numbered from 1."""
    bad_move: ClassVar[str]
    """The reason given for a move that is not one of them."""
    _kinds: ClassVar[dict[str, type[BoardGame]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        BoardGame._kinds[cls.kind] = cls

    def __init__(self, players: tuple[str, str]) -> None:
        if len(players) != 2 or players[0] == players[1]:
            raise ValueError("a board game needs two different players")
        self.players = players
        self.cells = [_EMPTY] * (self.columns * self.rows)
        """Each cell's mark (``X``, ``O``) or ``""``, row by row from the top left."""
        self.moves: list[int] = []
        """The moves as typed (1-based cell or column), in order."""
        self.winner: str | None = None
        self.winning: frozenset[int] = frozenset()
        """The cells of the winning line(s), empty unless someone made one."""
        self.forfeited: str | None = None
        self.draw = False

    @property
    def over(self) -> bool:
        """Whether the game has ended (a win, a forfeit or a draw)."""
        return self.winner is not None or self.draw

    @property
    def turn(self) -> str | None:
        """Whose move it is, None once the game is over."""
        return None if self.over else self.players[len(self.moves) % 2]

    def mark(self, player: str) -> str:
        """The mark ``player`` plays (``X`` for the first player, ``O`` for the second)."""
        return MARKS[self.players.index(player)]

    def play(self, player: str, move: str) -> MoveResult:
        """Play ``move`` (as typed: a number) for ``player``. Refused, with nothing changed,
        once the game is over, from anyone but the player whose turn it is, and for a move
        the board has no room for."""
        if self.over:
            return MoveResult(Refusal.OVER, "The game is over.")
        if player not in self.players:
            return MoveResult(Refusal.NOT_PLAYER, "You are not playing in this game.")
        if player != self.turn:
            return MoveResult(Refusal.NOT_TURN, "It is not your turn.")
        # A lookup rather than int(): only the ASCII digits of a real choice are a move.
        number = {str(n): n for n in range(1, self.choices + 1)}.get(move.strip())
        if number is None:
            return MoveResult(Refusal.BAD_MOVE, self.bad_move)
        placed = self._place(number - 1)
        if isinstance(placed, MoveResult):
            return placed
        self.cells[placed] = self.mark(player)
        self.moves.append(number)
        self.winning = self._lines_through(placed)
        if self.winning:
            self.winner = player
        elif _EMPTY not in self.cells:
            self.draw = True
        return MoveResult(cell=placed, winner=self.winner, draw=self.draw)

    def forfeit(self, player: str) -> MoveResult:
        """``player`` gives up (or left): the other player wins. Refused once the game is
        over and from anyone not playing."""
        if self.over:
            return MoveResult(Refusal.OVER, "The game is over.")
        if player not in self.players:
            return MoveResult(Refusal.NOT_PLAYER, "You are not playing in this game.")
        self.forfeited = player
        self.winner = self.players[1 - self.players.index(player)]
        return MoveResult(winner=self.winner)

    @abc.abstractmethod
    def _place(self, choice: int) -> int | MoveResult:
        """The cell a move's 0-based ``choice`` fills, or the refusal if it cannot."""

    @abc.abstractmethod
    def board(self) -> list[str]:
        """The board as lines of the same width, for a monospace block."""

    def _cell(self, index: int, empty: str) -> str:
        """One cell three characters wide: its mark (bracketed when on the winning line)
        or ``empty``."""
        mark = self.cells[index] or empty
        return f"[{mark}]" if index in self.winning else f" {mark} "

    def _lines_through(self, cell: int) -> frozenset[int]:
        """The cells of every line of :attr:`run` or more like marks through ``cell``."""
        mark = self.cells[cell]
        row, column = divmod(cell, self.columns)
        found: set[int] = set()
        for dx, dy in _DIRECTIONS:
            line = [cell]
            for sign in (1, -1):
                x, y = column + sign * dx, row + sign * dy
                while 0 <= x < self.columns and 0 <= y < self.rows:
                    if self.cells[y * self.columns + x] != mark:
                        break
                    line.append(y * self.columns + x)
                    x, y = x + sign * dx, y + sign * dy
            if len(line) >= self.run:
                found.update(line)
        return frozenset(found)

    def to_json(self) -> str:
        """The game as JSON text (its kind, the players, the moves and any forfeit), for
        :meth:`from_json` after a restart."""
        return json.dumps(
            {
                "game": self.kind,
                "players": list(self.players),
                "moves": self.moves,
                "forfeited": self.forfeited,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> BoardGame:
        """The game :meth:`to_json` saved, its moves played again. Called on
        :class:`BoardGame` it makes whichever kind was saved; on a subclass, only that kind.
        Raises ValueError if ``text`` is not such a game."""
        try:
            data: Any = json.loads(text)
            kind = BoardGame._kinds.get(data.get("game"))
            if kind is None or not issubclass(kind, cls):
                raise ValueError("not a saved game of this kind")
            first, second = data["players"]
            if not isinstance(first, str) or not isinstance(second, str):
                raise ValueError("bad players")
            game = kind((first, second))
            for number in data["moves"]:
                player = game.turn
                if type(number) is not int or player is None:
                    raise ValueError("bad move")
                if not game.play(player, str(number)).accepted:
                    raise ValueError("a saved move does not replay")
            forfeited = data["forfeited"]
            if forfeited is not None and not game.forfeit(forfeited).accepted:
                raise ValueError("a saved forfeit does not replay")
        except (AttributeError, KeyError, TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a saved board game: {exc}") from exc
        return game


class TicTacToe(BoardGame):
    """Tic-tac-toe: 3 by 3 cells numbered 1 to 9 row by row from the top left; three in a
    line wins."""

    kind = "tictactoe"
    columns = 3
    rows = 3
    run = 3
    choices = 9
    bad_move = "Choose a free cell by its number, 1 to 9."

    def _place(self, choice: int) -> int | MoveResult:
        if self.cells[choice]:
            return MoveResult(Refusal.TAKEN, f"Cell {choice + 1} is taken.")
        return choice

    def board(self) -> list[str]:
        """Three rows of cells, each showing its mark or, while free, its number::

         1 | X | 3
        ---+---+---
         O |[X]| 6
        """
        rows = [
            "|".join(self._cell(r * 3 + c, str(r * 3 + c + 1)) for c in range(3)) for r in range(3)
        ]
        return [rows[0], "---+---+---", rows[1], "---+---+---", rows[2]]


class ConnectFour(BoardGame):
    """Connect four: 7 columns of 6, numbered 1 to 7; a disc drops to the lowest free cell
    of its column; four in a line wins."""

    kind = "connect4"
    columns = 7
    rows = 6
    run = 4
    choices = 7
    bad_move = "Choose a column by its number, 1 to 7."

    def _place(self, choice: int) -> int | MoveResult:
        for row in reversed(range(self.rows)):
            cell = row * self.columns + choice
            if not self.cells[cell]:
                return cell
        return MoveResult(Refusal.FULL, f"Column {choice + 1} is full.")

    def board(self) -> list[str]:
        """The grid in a frame, free cells as dots, column numbers underneath::

        | .  .  .  .  .  .  . |
        | .  .  O [X] .  .  . |
        +---------------------+
          1  2  3  4  5  6  7
        """
        grid = [
            "|" + "".join(self._cell(r * self.columns + c, ".") for c in range(self.columns)) + "|"
            for r in range(self.rows)
        ]
        numbers = " " + "".join(f" {c + 1} " for c in range(self.columns)) + " "
        return [*grid, "+" + "-" * (3 * self.columns) + "+", numbers]

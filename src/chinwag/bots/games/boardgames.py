"""Two-player games in a room: tic-tac-toe and connect four on a monospace board, and rock,
paper, scissors with the throws sent by direct message.

How a game goes (docs/bots/boards.md): ``!ttt bob``, ``!c4 bob`` or ``!rps bob`` challenges
bob, who answers ``!accept`` (or ``!decline``). On a board the challenger plays X and moves
first; the player whose turn it is types a cell or column number (``5``, or ``!move 5``), and
after each move the bot shows the board. In rock, paper, scissors both players send their throw
to the bot privately (``/msg boards rock``), since a throw said in the room would give it away;
the bot reveals both once both are in. ``!resign`` gives up. One game per room at a time; each
room its own.

Someone who leaves the room mid-game has ``forfeit_seconds`` to come back; then the other
player wins. A game in progress is kept in the bot's store after every move, so a restarted
bot carries on. A win scores ``win_points`` for the winner's account, a draw ``draw_points``
for both (guests play, but their points are not kept).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

from chinwag.bots import Bot, Call, Said, command
from chinwag.bots.bot import Timer
from chinwag.bots.games.boards import BoardGame, ConnectFour, TicTacToe
from chinwag.bots.games.rps_rules import RockPaperScissors, choice_of
from chinwag.bots.said import GUEST_PREFIX, is_guest, player_id
from chinwag.bots.store import room_scope
from chinwag.protocol.casemap import fold

KEY = "board-game"
"""Where a room's game in progress is kept in the store."""

KINDS: dict[str, type[BoardGame]] = {"tictactoe": TicTacToe, "connect4": ConnectFour}
RPS = "rps"
TITLES = {"tictactoe": "tic-tac-toe", "connect4": "connect four", RPS: "rock, paper, scissors"}

Game = BoardGame | RockPaperScissors


@dataclass(frozen=True)
class BoardSettings:
    """How long a challenge waits, how long a player who left may be away, and points."""

    challenge_seconds: float = 120.0
    forfeit_seconds: float = 60.0
    win_points: int = 3
    draw_points: int = 1
    rps_best_of: int = 3

    def __post_init__(self) -> None:
        if self.challenge_seconds <= 0 or self.forfeit_seconds < 0:
            raise ValueError("challenge_seconds must be above 0, forfeit_seconds not below 0")
        if self.rps_best_of < 1 or self.rps_best_of % 2 == 0 or self.rps_best_of > 99:
            raise ValueError("rps_best_of must be an odd number from 1 to 99")


@dataclass
class Challenge:
    """Someone asked someone else to play; waiting for ``!accept``."""

    kind: str
    challenger: str
    challenged: str
    names: dict[str, str]
    timer: Timer | None = None


@dataclass
class Table:
    """A room's game in progress: the game, the players' nicks now, and who is away."""

    game: Game
    names: dict[str, str]
    away: dict[str, Timer] = field(default_factory=dict)

    def name(self, player: str | None) -> str:
        """The nick a player is shown by."""
        return self.names.get(player or "", player or "?")

    @property
    def kind(self) -> str:
        """``tictactoe``, ``connect4`` or ``rps``."""
        return self.game.kind if isinstance(self.game, BoardGame) else RPS

    def to_json(self) -> str:
        """The game and the nicks, for the store."""
        return json.dumps({"kind": self.kind, "game": self.game.to_json(), "names": self.names})

    @classmethod
    def from_json(cls, text: str) -> Table:
        """A saved table; ValueError if it is not one."""
        data: Any = json.loads(text)
        names = data.get("names")
        if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
            raise ValueError("bad names")
        game: Game
        if data.get("kind") == RPS:
            game = RockPaperScissors.from_json(data["game"])
        else:
            game = BoardGame.from_json(data["game"])
        return cls(game, dict(names))


class BoardGamesBot(Bot):
    """Tic-tac-toe and connect four: challenges, turns, boards, forfeits and scores."""

    name = "boards"
    summary = (
        "I referee tic-tac-toe (!ttt NICK), connect four (!c4 NICK) and rock, paper, "
        "scissors (!rps NICK)."
    )
    game = "boards"
    Settings = BoardSettings
    settings: BoardSettings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tables: dict[str, Table] = {}
        """Games in progress by folded room."""
        self.challenges: dict[str, Challenge] = {}
        """Open challenges by folded room."""
        self.rooms: dict[str, str] = {}
        """Each folded room's name as written."""

    # -- starting --------------------------------------------------------------------------

    async def on_start(self) -> None:
        for scope, text in (await self.store.scopes_with(KEY)).items():
            room = scope.removeprefix("room:")
            try:
                table = Table.from_json(text["table"])
                self.rooms[room] = str(text["room"])
            except (ValueError, KeyError, TypeError):
                await self.store.delete(scope, KEY)
                continue
            self.tables[room] = table

    async def on_joined(self, room: str) -> None:
        table = self.tables.get(fold(room))
        if table is not None:
            self._show(room, table, "The game goes on.")

    @command("ttt", help="challenge NICK to tic-tac-toe", aliases=("tictactoe",), where="room")
    async def tictactoe(self, call: Call, nick: str) -> None:
        await self._challenge(call, "tictactoe", nick)

    @command("c4", help="challenge NICK to connect four", aliases=("connect4",), where="room")
    async def connect_four(self, call: Call, nick: str) -> None:
        await self._challenge(call, "connect4", nick)

    @command("rps", help="challenge NICK to rock, paper, scissors (throws by DM)", where="room")
    async def rock_paper_scissors(self, call: Call, nick: str) -> None:
        await self._challenge(call, RPS, nick)

    async def _challenge(self, call: Call, kind: str, nick: str) -> None:
        room = call.room or ""
        key = fold(room)
        if key in self.tables or key in self.challenges:
            self.reply(call, f"{call.nick}: a game is already on here; one at a time")
            return
        nick = nick.lstrip("@")
        if fold(nick) == fold(call.nick) or fold(nick) == fold(self.nick):
            self.reply(call, f"{call.nick}: pick someone else in the room to play against")
            return
        if fold(nick) not in {fold(member) for member in self.members(room)}:
            self.reply(call, f"{call.nick}: {nick[:30]} is not in {room}")
            return
        other = player_id(nick, None)  # until they accept: their account is on their answer
        challenge = Challenge(kind, call.player, other, {call.player: call.nick, other: nick})
        self.challenges[key] = challenge
        self.rooms[key] = room
        challenge.timer = self.later(
            self.settings.challenge_seconds, lambda: self._lapse(room, challenge)
        )
        self.reply(
            call,
            f"{nick}: {call.nick} challenges you to {TITLES[kind]}! "
            f"{self.prefix}accept or {self.prefix}decline",
        )

    async def _lapse(self, room: str, challenge: Challenge) -> None:
        if self.challenges.get(fold(room)) is challenge:
            del self.challenges[fold(room)]
            self.say(room, f"Nobody accepted {challenge.names[challenge.challenger]}'s challenge.")

    @command("accept", help="accept a challenge to a game", where="room")
    async def accept(self, call: Call) -> None:
        room = call.room or ""
        challenge = self.challenges.get(fold(room))
        if challenge is None or fold(challenge.names[challenge.challenged]) != fold(call.nick):
            self.reply(call, f"{call.nick}: nobody challenged you here")
            return
        del self.challenges[fold(room)]
        if challenge.timer is not None:
            challenge.timer.cancel()
        if call.player == challenge.challenger:
            self.reply(call, f"{call.nick}: you cannot play against yourself")
            return
        names = {challenge.challenger: challenge.names[challenge.challenger]}
        names[call.player] = call.nick
        players = (challenge.challenger, call.player)
        game: Game
        if challenge.kind == RPS:
            game = RockPaperScissors(players, self.settings.rps_best_of)
            note = f"Game on! Send me your throw privately: /msg {self.nick} rock"
        else:
            game = KINDS[challenge.kind](players)
            how = "a cell" if challenge.kind == "tictactoe" else "a column"
            note = f"Game on! Type {how} number when it is your turn."
        table = self.tables[fold(room)] = Table(game, names)
        await self._save(room, table)
        self._show(room, table, note)

    @command("decline", help="turn a challenge down (or withdraw yours)", where="room")
    async def decline(self, call: Call) -> None:
        room = call.room or ""
        challenge = self.challenges.get(fold(room))
        if challenge is None:
            return
        involved = {fold(name) for name in challenge.names.values()}
        if fold(call.nick) not in involved:
            return
        del self.challenges[fold(room)]
        if challenge.timer is not None:
            challenge.timer.cancel()
        self.reply(call, f"The challenge to {TITLES[challenge.kind]} is off.")

    # -- playing ---------------------------------------------------------------------------

    @command("move", help="play cell or column N (or just type N)", aliases=("m",), where="room")
    async def move(self, call: Call, where: str) -> None:
        await self._play(call, where, quiet=False)

    async def on_message(self, said: Said) -> None:
        text = said.text.strip()
        if said.direct and choice_of(text) is not None:
            await self._throw(said, text)
        elif said.room is not None and text.isdigit() and len(text) == 1:
            await self._play(said, text, quiet=True)
        elif said.room is not None and choice_of(text) is not None:
            table = self.tables.get(fold(said.room))
            if table is not None and table.kind == RPS and said.player in table.game.players:
                self.tell(
                    said.nick,
                    f"Everyone in {said.room} saw that! Send your throw to me here, privately "
                    "(it did not count).",
                )

    @command("throw", help="(by direct message) your rock, paper or scissors", where="direct")
    async def throw(self, call: Call, choice: str) -> None:
        await self._throw(call, choice)

    async def _throw(self, said: Said, text: str) -> None:
        playing = [
            (key, table)
            for key, table in self.tables.items()
            if table.kind == RPS and said.player in table.game.players and not table.game.over
        ]
        if not playing:
            self.reply(said, "You are not in a game of rock, paper, scissors.")
            return
        if len(playing) > 1:
            self.reply(said, "You are in two matches at once: finish one first.")
            return
        key, table = playing[0]
        game = table.game
        assert isinstance(game, RockPaperScissors)
        room = self.rooms.get(key, key)
        result = game.throw(said.player, text)
        if not result.accepted:
            self.reply(said, result.reason)
            return
        if not result.complete:
            self.reply(said, f"Got it: {choice_of(text)}.")
            await self._save(room, table)
            waiting = ", ".join(table.name(p) for p in game.waiting_for())
            self.say(room, f"{said.nick} has thrown; waiting for {waiting}.")
            return
        first, second = game.players
        shown = f"{table.name(first)}: {result.throws[0]}, {table.name(second)}: {result.throws[1]}"
        if result.round_winner is None:
            verdict = "a tie, throw again"
        else:
            verdict = f"{table.name(result.round_winner)} takes the round ({game.score()})"
        self.say(room, f"{shown} — {verdict}.")
        if game.over:
            await self._finish(room, table)
        else:
            await self._save(room, table)

    async def _play(self, said: Said, move: str, *, quiet: bool) -> None:
        room = said.room or ""
        table = self.tables.get(fold(room))
        if table is None or not isinstance(table.game, BoardGame):
            if not quiet:
                self.reply(said, f"{said.nick}: no board game here; start one with !ttt NICK")
            return
        result = table.game.play(said.player, move)
        if not result.accepted:
            if not quiet or said.player in table.game.players:
                self.reply(said, f"{said.nick}: {result.reason}")
            return
        if result.over:
            await self._finish(room, table)
            return
        await self._save(room, table)
        self._show(room, table)

    @command("resign", help="give up the game you are playing", where="room")
    async def resign(self, call: Call) -> None:
        room = call.room or ""
        table = self.tables.get(fold(room))
        if table is None or call.player not in table.game.players:
            self.reply(call, f"{call.nick}: you are not playing here")
            return
        table.game.forfeit(call.player)
        self.say(room, f"{call.nick} resigns.")
        await self._finish(room, table)

    @command("board", help="show the game in this room again", where="room")
    async def board(self, call: Call) -> None:
        table = self.tables.get(fold(call.room or ""))
        if table is None:
            self.reply(call, f"{call.nick}: no game here")
            return
        self._show(call.room or "", table)

    # -- people coming and going -----------------------------------------------------------

    async def on_leave(self, room: str, nick: str) -> None:
        key = fold(room)
        challenge = self.challenges.get(key)
        if challenge is not None and fold(nick) in {fold(n) for n in challenge.names.values()}:
            del self.challenges[key]
            if challenge.timer is not None:
                challenge.timer.cancel()
            self.say(room, f"{nick} left: the challenge is off.")
        table = self.tables.get(key)
        if table is None:
            return
        for player in table.game.players:
            if fold(table.name(player)) == fold(nick) and player not in table.away:
                seconds = self.settings.forfeit_seconds
                table.away[player] = self.later(
                    seconds, functools.partial(self._forfeit_if_gone, room, table, player)
                )
                self.say(room, f"{nick} left the game: back within {seconds:g} s, or they lose.")

    async def on_left(self, room: str) -> None:
        """Sent away from a room (``!leave``, a kick): its challenge and game end there."""
        key = fold(room)
        challenge = self.challenges.pop(key, None)
        if challenge is not None and challenge.timer is not None:
            challenge.timer.cancel()
        table = self.tables.pop(key, None)
        if table is not None:
            for timer in table.away.values():
                timer.cancel()
            await self.store.delete(room_scope(room), KEY)

    async def _forfeit_if_gone(self, room: str, table: Table, player: str) -> None:
        table.away.pop(player, None)
        if self.tables.get(fold(room)) is not table or table.game.over:
            return
        present = {fold(member) for member in self.members(room)}
        if fold(table.name(player)) in present:
            self.say(room, f"{table.name(player)} is back: the game goes on.")
            self._show(room, table)
            return
        table.game.forfeit(player)
        self.say(room, f"{table.name(player)} did not come back.")
        await self._finish(room, table)

    async def on_nick(self, old: str, new: str) -> None:
        for table in self.tables.values():
            for player, name in list(table.names.items()):
                if fold(name) != fold(old):
                    continue
                table.names[player] = new
                if is_guest(player):  # a guest is known by their nick: follow it
                    renamed = GUEST_PREFIX + fold(new)
                    table.names[renamed] = table.names.pop(player)
                    game = table.game
                    first, second = (renamed if p == player else p for p in game.players)
                    game.players = (first, second)
                    if isinstance(game, RockPaperScissors):
                        if player in game.wins:
                            game.wins[renamed] = game.wins.pop(player)
                        if player in game.pending:
                            game.pending[renamed] = game.pending.pop(player)
                    if player in table.away:
                        table.away[renamed] = table.away.pop(player)

    # -- showing and ending ----------------------------------------------------------------

    def _show(self, room: str, table: Table, note: str = "") -> None:
        game = table.game
        first, second = game.players
        if isinstance(game, RockPaperScissors):
            waiting = ", ".join(table.name(p) for p in game.waiting_for()) or "nobody"
            self.say(
                room,
                f"{note} rock, paper, scissors: {table.name(first)} vs {table.name(second)}, "
                f"best of {game.best_of} ({game.score()}) — waiting for {waiting}.".strip(),
            )
            return
        caption = (
            f"{TITLES[game.kind]}: {table.name(first)} (X) vs {table.name(second)} (O)"
            f" — {table.name(game.turn)}'s turn ({game.mark(game.turn or first)})"
        )
        self.show_board(room, game.board(), f"{note} {caption}".strip())

    async def _finish(self, room: str, table: Table) -> None:
        game = table.game
        for timer in table.away.values():
            timer.cancel()
        self.tables.pop(fold(room), None)
        await self.store.delete(room_scope(room), KEY)
        if isinstance(game, RockPaperScissors):
            saved = await self.score(room, game.winner or "", self.settings.win_points)
            guests = "" if saved else " (guests' points are not kept: log in to keep yours)"
            self.say(room, f"{table.name(game.winner)} wins the match {game.score()}!{guests}")
            return
        if game.draw:
            outcome = "A draw!"
            kept = [await self.score(room, p, self.settings.draw_points) for p in game.players]
        else:
            outcome = f"{table.name(game.winner)} wins!"
            kept = [await self.score(room, game.winner or "", self.settings.win_points)]
        if not all(kept):
            outcome += " (guests' points are not kept: log in to an account to keep yours)"
        self.show_board(room, game.board(), f"{TITLES[game.kind]}: {outcome}")

    async def _save(self, room: str, table: Table) -> None:
        await self.store.put(room_scope(room), KEY, {"room": room, "table": table.to_json()})

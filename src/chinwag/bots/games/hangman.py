"""The hangman bot: a word on a shared board that everyone in the room guesses together.

``!hangman`` starts a game with a bundled word; a person can instead set a word for a room by
direct message (``setword #room WORD``), so nobody else sees it, and then may not guess it.
Anyone in the room guesses with ``!guess`` (a letter or the whole word) or, with the
``bare_letters`` setting on, by saying a single letter. The rules, the points and the drawing
are :mod:`chinwag.bots.games.hangman_rules`; this module only talks, keeps each room's game in
the bot's store after every guess (a restarted bot carries on) and records the points as they
are scored (under the account: a guest's are not kept).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chinwag.bots import Bot, Call, Said, command
from chinwag.bots.bot import Timer
from chinwag.bots.games.hangman_rules import (
    DEFAULT_MISSES,
    HangmanGame,
    Outcome,
    Verdict,
    check_word,
    normalise,
    random_word,
)
from chinwag.bots.said import is_guest
from chinwag.bots.store import room_scope
from chinwag.protocol.casemap import fold

STATE_KEY = "hangman"
"""Where each room's game in progress is kept in the store (a room scope)."""


@dataclass(frozen=True)
class HangmanSettings:
    """What ``chinwag bot hangman --set key=value`` can change."""

    misses: int = DEFAULT_MISSES
    """Misses before the room loses (1 to 26)."""
    idle_seconds: float = 900.0
    """A game nobody guesses in for this long ends, and the word is told."""
    bare_letters: bool = True
    """Whether a message of one letter alone, said in a room with a game on, is a guess."""


@dataclass
class _Round:
    """A room's game in progress and what the bot knows around it."""

    room: str
    game: HangmanGame
    starter: str
    """The player who started it (or set its word): they, or an operator, may stop it."""
    starter_nick: str
    timer: Timer | None = None


class HangmanBot(Bot):
    """Runs one hangman game per room, each on a board the whole room shares."""

    name = "hangman"
    summary = "Hangman for the whole room: guess the letters of a hidden word together."
    game = "hangman"
    Settings = HangmanSettings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rounds: dict[str, _Round] = {}
        self._told_guests: set[str] = set()

    @property
    def _misses(self) -> int:
        """The ``misses`` setting, kept to what the rules allow (1 to 26)."""
        return min(26, max(1, int(self.settings.misses)))

    # -- commands ----------------------------------------------------------------------------

    @command(
        "hangman",
        help="start a game with a word of mine (or show the one on); 'hangman stop' ends it",
        where="room",
    )
    async def start(self, call: Call, action: str = "") -> None:
        """Start a game in the room, show the one on, or stop it."""
        room = call.room
        if room is None:  # where="room" keeps direct messages out
            return
        current = self._rounds.get(fold(room))
        if action.lower() == "stop":
            await self._stop(call, room, current)
        elif action:
            self.reply(call, f"{call.nick}: !hangman starts a game; !hangman stop ends it")
        elif current is not None:
            self.show_board(room, current.game.board(), caption="A game is on:")
        else:
            game = HangmanGame(random_word(self.random), max_misses=self._misses)
            await self._begin(_Round(room, game, call.player, call.nick), f"{call.nick} starts")

    @command(
        "setword",
        help="set a word for a room's next game, in a direct message: setword #room WORD",
        where="direct",
    )
    async def set_word(self, call: Call, room: str, word: str) -> None:
        """A person sets the word of a room's game, out of sight of the room."""
        if not self.runtime.members(room):
            self.reply(call, "I am not in that room.")
            return
        if fold(call.nick) not in {fold(nick) for nick in self.members(room)}:
            self.reply(call, f"Join {room} first: the game is played there.")
            return
        if fold(room) in self._rounds:
            self.reply(call, f"A game is on in {room} already: set a word when it ends.")
            return
        checked = check_word(word)
        if not checked.ok:
            self.reply(call, checked.reason)
            return
        game = HangmanGame(checked.word, setter=call.player, max_misses=self._misses)
        self.reply(call, f"Your word is set in {room}. You cannot guess it, of course.")
        await self._begin(_Round(room, game, call.player, call.nick), f"{call.nick} set a word")

    @command("guess", help="guess a letter or the whole word: !guess e", where="room")
    async def guess(self, call: Call, letters: str) -> None:
        """Guess in the room's game."""
        room = call.room
        if room is None:  # where="room" keeps direct messages out
            return
        current = self._rounds.get(fold(room))
        if current is None:
            self.reply(call, f"{call.nick}: no game is on here: !hangman starts one")
            return
        await self._guess(current, call, letters)

    # -- hooks -------------------------------------------------------------------------------

    async def on_start(self) -> None:
        """Pick up the games a restart interrupted."""
        for saved in (await self.store.scopes_with(STATE_KEY)).values():
            try:
                current = _Round(
                    str(saved["room"]),
                    HangmanGame.from_json(str(saved["game"])),
                    str(saved["starter"]),
                    str(saved["starter_nick"]),
                )
            except (KeyError, TypeError, ValueError):
                continue  # not a game this version can carry on: let it go
            self._rounds[fold(current.room)] = current
            self._keep_awake(current)

    async def on_joined(self, room: str) -> None:
        """Back in a room after a restart or a reconnection: say where its game stands."""
        current = self._rounds.get(fold(room))
        if current is not None:
            self.say(room, f"The game goes on: {current.game.status()}")

    async def on_message(self, said: Said) -> None:
        """A letter said alone in a room with a game on is a guess (``bare_letters``)."""
        if said.room is None or not self.settings.bare_letters:
            return
        current = self._rounds.get(fold(said.room))
        text = said.text.strip()
        letter = normalise(text) if len(text) == 1 else ""
        if current is not None and len(letter) == 1 and "a" <= letter <= "z":
            await self._guess(current, said, letter)

    async def on_leave(self, room: str, nick: str) -> None:
        """Someone left: the game goes on without them (their points stay theirs); once
        nobody is left to guess, it ends."""
        current = self._rounds.get(fold(room))
        if current is None:
            return
        if not self.members(room):
            await self._end(current, "Everybody left, so the game ends.")
            return
        game = current.game
        gone = [p for p, shown in game.names.items() if fold(shown) == fold(nick)]
        if fold(nick) == fold(current.starter_nick) and game.setter is not None:
            self.say(room, f"{nick}, who set the word, has left; the game goes on.")
        elif gone and game.scores.get(gone[0], 0):
            points = game.scores[gone[0]]
            plural = "" if points == 1 else "s"
            self.say(room, f"{nick} has left with {points} point{plural} in this game.")

    async def on_nick(self, old: str, new: str) -> None:
        """Show players by the nick they have now (their points follow the account)."""
        for current in self._rounds.values():
            names = current.game.names
            renamed = [player for player, shown in names.items() if fold(shown) == fold(old)]
            names.update(dict.fromkeys(renamed, new))
            if fold(current.starter_nick) == fold(old):
                current.starter_nick = new
            elif not renamed:
                continue
            await self._save(current)

    # -- the game ----------------------------------------------------------------------------

    async def _begin(self, current: _Round, who: str) -> None:
        self._rounds[fold(current.room)] = current
        await self._save(current)
        self._keep_awake(current)
        how = " (or just say a letter)" if self.settings.bare_letters else ""
        letters = len(current.game.word)
        self.show_board(
            current.room,
            current.game.board(),
            caption=f"Hangman! {who}: {letters} letters. !guess a letter{how}, or the word.",
        )

    async def _guess(self, current: _Round, said: Said, text: str) -> None:
        game = current.game
        outcome = game.guess(said.player, text, said.nick)
        if not outcome.accepted:
            self.reply(said, f"{said.nick}: {outcome.message}")
            return
        if outcome.points:
            await self._score(current, said, outcome)
        if outcome.finished:
            await self._end(current, outcome.message, board=game.lost)
            return
        await self._save(current)
        self._keep_awake(current)
        if outcome.verdict is Verdict.MISS:
            self.show_board(current.room, game.board(), caption=outcome.message)
        else:
            self.say(current.room, f"{outcome.message} {game.status()}")

    async def _score(self, current: _Round, said: Said, outcome: Outcome) -> None:
        if await self.score(current.room, said.player, outcome.points):
            return
        if is_guest(said.player) and said.player not in self._told_guests:
            self._told_guests.add(said.player)
            self.tell(said.nick, "Log in to an account to keep your points: guests' are not kept.")

    async def _stop(self, call: Call, room: str, current: _Round | None) -> None:
        if current is None:
            self.reply(call, f"{call.nick}: no game is on here")
        elif call.player != current.starter and not self.is_operator(room, call.nick):
            self.reply(
                call,
                f"{call.nick}: only {current.starter_nick}, who started it, "
                "or an operator can stop this game",
            )
        else:
            await self._end(current, f"{call.nick} stops the game.")

    async def _end(self, current: _Round, message: str, *, board: bool = False) -> None:
        """Say how the game ended and its summary, and forget it."""
        if current.timer is not None:
            current.timer.cancel()
        self._rounds.pop(fold(current.room), None)
        await self.store.delete(room_scope(current.room), STATE_KEY)
        if board:
            self.show_board(current.room, current.game.board(), caption=message)
        else:
            self.say(current.room, message)
        self.say(current.room, current.game.summary())

    async def on_left(self, room: str) -> None:
        """Sent away from a room (``!leave``, a kick): its game ends, unsaid."""
        current = self._rounds.pop(fold(room), None)
        if current is not None:
            if current.timer is not None:
                current.timer.cancel()
            await self.store.delete(room_scope(room), STATE_KEY)

    def _keep_awake(self, current: _Round) -> None:
        """(Re)start the wait after which a game nobody plays ends."""
        if current.timer is not None:
            current.timer.cancel()

        async def idle() -> None:
            if self._rounds.get(fold(current.room)) is current:
                await self._end(current, "Nobody has guessed for a while, so the game ends.")

        current.timer = self.later(self.settings.idle_seconds, idle)

    async def _save(self, current: _Round) -> None:
        await self.store.put(
            room_scope(current.room),
            STATE_KEY,
            {
                "room": current.room,
                "game": current.game.to_json(),
                "starter": current.starter,
                "starter_nick": current.starter_nick,
            },
        )

"""The trivia bot: rounds of questions in a room, answered by whoever is quickest.

``!trivia`` starts a round (``!trivia 5`` for five questions); everyone in the room answers by
just saying the answer. The first right answer scores, more when fewer hints were shown; hints
come by themselves, and an unanswered question times out with its answer told. Points are
kept per room under the player's account (``!scores``, weekly and all time). The round in
progress is saved after every step, so a restarted bot carries on where it was.

The rules are :mod:`chinwag.bots.games.trivia_rules`; this module only talks and remembers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chinwag.bots import Bot, Call, Said, command
from chinwag.bots.bot import Timer
from chinwag.bots.games.trivia_rules import (
    Question,
    RoundStateError,
    Timing,
    TriviaRound,
    bundled_questions,
    load_questions,
)
from chinwag.bots.host import BotStopped
from chinwag.bots.said import is_guest
from chinwag.bots.store import room_scope
from chinwag.protocol.casemap import fold

log = logging.getLogger("chinwag.bots.trivia")

ROUND_KEY = "trivia-round"
"""The store key (in a room's scope) of the round in progress there."""

RECENT_KEY = "trivia-recent"
"""The store key (in a room's scope) of the questions the room was asked lately."""

MAX_QUESTIONS = 50
"""The most questions one round may ask."""


@dataclass(frozen=True)
class TriviaSettings:
    """The trivia bot's settings (``chinwag bot trivia --set key=value``)."""

    questions: int = 10
    """Questions in a round when ``!trivia`` is given no number."""
    answer_seconds: float = 45.0
    """How long each question stays open."""
    hint_every: float = 12.0
    """Seconds between hints."""
    max_hints: int = 3
    """Hints per question at most (each one shown costs a point of the answer's worth)."""
    pause: float = 6.0
    """Seconds between a question's end and the next question."""
    question_file: str = ""
    """An operator's own questions (JSON, the bundled set's format); empty: the bundled set."""


@dataclass
class _Game:
    """A round in one room, and what the bot keeps beside it."""

    room: str
    round: TriviaRound
    starter: str
    timer: Timer | None = None
    guests_told: set[str] = field(default_factory=set)


class TriviaBot(Bot):
    """Runs rounds of trivia in its rooms and keeps each room's scores."""

    name = "trivia"
    summary = "I ask trivia questions: !trivia starts a round, then just say the answer."
    game = "trivia"
    Settings = TriviaSettings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._games: dict[str, _Game] = {}
        self._saved: dict[str, Any] = {}
        self._pool: tuple[Question, ...] = ()
        self._timing = Timing()

    # -- hooks -----------------------------------------------------------------------------

    async def on_start(self) -> None:
        """Read the questions, check the timing, and find rounds a restart interrupted (they
        carry on once the bot is back in their rooms). Raises
        :class:`~chinwag.bots.host.BotStopped` for a bad question file or timing."""
        settings: TriviaSettings = self.settings
        try:
            self._timing = Timing(
                answer_seconds=settings.answer_seconds,
                hint_every=settings.hint_every,
                max_hints=settings.max_hints,
                pause=settings.pause,
            )
            if settings.question_file:
                self._pool = load_questions(Path(settings.question_file).expanduser())
            else:
                self._pool = bundled_questions()
        except ValueError as error:  # QuestionsError too: the operator has something to fix
            raise BotStopped(f"trivia: {error}") from None
        self._saved = await self.store.scopes_with(ROUND_KEY)

    async def on_joined(self, room: str) -> None:
        """Carry on with the round this room had when the bot stopped, if any."""
        scope = room_scope(room)
        saved = self._saved.pop(scope, None)
        if saved is None or fold(room) in self._games:
            return
        try:
            if not isinstance(saved, dict):
                raise RoundStateError("not a saved round")
            round_ = TriviaRound.from_json(str(saved["round"]), self._pool, self.monotonic())
            starter = str(saved["starter"])
        except (KeyError, RoundStateError) as error:
            log.warning("dropped the trivia round saved for %s: %s", room, error)
            await self.store.delete(scope, ROUND_KEY)
            self.say(room, "I could not carry on with the trivia round I was running here.")
            return
        game = self._games[fold(room)] = _Game(room, round_, starter)
        if round_.finished:
            await self._end(game)
            return
        self.say(room, "\n".join(["Trivia carries on where it stopped.", *round_.repeat()]))
        await self._save(game)
        self._schedule(game)

    async def on_message(self, said: Said) -> None:
        """A possible answer to the open question of its room."""
        if said.room is None:
            return
        game = self._games.get(fold(said.room))
        if game is None:
            return
        outcome = game.round.guess(said.player, said.nick, said.text, self.monotonic())
        if outcome.right:
            kept = await self.score(game.room, said.player, outcome.points)
            if not kept and is_guest(said.player) and said.player not in game.guests_told:
                game.guests_told.add(said.player)
                self.tell(
                    said.nick,
                    f"Your points in {game.room} count for this round only: I keep scores"
                    " for accounts. Log in (or /register) to keep yours.",
                )
        if outcome.lines:  # a wrong guess changes nothing: nothing to say or save
            await self._said(game, list(outcome.lines))

    async def on_leave(self, room: str, nick: str) -> None:
        """When the last person leaves a room, its round stops (nobody is left to play)."""
        game = self._games.get(fold(room))
        if game is None or self.members(room):
            return
        self.say(room, "\n".join(["Everyone left, so trivia stops.", *game.round.stop()]))
        await self._end(game)

    async def on_left(self, room: str) -> None:
        """Sent away from a room (``!leave``, a kick): its round ends there."""
        game = self._games.get(fold(room))
        if game is not None:
            game.round.stop()
            await self._end(game)

    async def on_stop(self) -> None:
        """Save every round with its time left, to carry on after the restart."""
        for game in list(self._games.values()):
            if game.timer is not None:
                game.timer.cancel()
            await self._save(game)

    # -- commands --------------------------------------------------------------------------

    @command(
        "trivia",
        help="!trivia starts a round (!trivia 5: five questions); !trivia again repeats the "
        "question; !trivia stop ends the round (who started it, or a room operator)",
        aliases=("quiz",),
        where="room",
    )
    async def trivia(self, call: Call, action: str = "") -> None:
        room = call.room
        if room is None:
            return
        word = action.lower()
        if word in ("stop", "end"):
            await self._stop(call, room)
        elif word in ("again", "repeat", "question"):
            game = self._games.get(fold(room))
            lines = game.round.repeat() if game is not None else []
            self.reply(call, lines[0] if lines else "No question is open right now.")
        elif word == "" or word.isdigit():
            await self._start(call, room, int(word) if word else self.settings.questions)
        else:
            self.reply(
                call,
                f"{call.nick}: !trivia takes a number of questions (1 to {MAX_QUESTIONS}),"
                " 'again' or 'stop'",
            )

    async def _start(self, call: Call, room: str, count: int) -> None:
        running = self._games.get(fold(room))
        if running is not None:
            self.reply(
                call,
                f"A round is already on here (question {running.round.number} of"
                f" {running.round.count}); !trivia stop ends it.",
            )
            return
        if not 1 <= count <= MAX_QUESTIONS:
            self.reply(call, f"{call.nick}: a round has 1 to {MAX_QUESTIONS} questions")
            return
        recent = await self.store.get(room_scope(room), RECENT_KEY, [])
        round_ = TriviaRound(
            self._pool,
            count,
            self.random,
            self._timing,
            recent={i for i in recent if isinstance(i, int)},
        )
        game = self._games[fold(room)] = _Game(room, round_, call.player)
        await self._said(game, round_.start(self.monotonic()))

    async def _stop(self, call: Call, room: str) -> None:
        game = self._games.get(fold(room))
        if game is None:
            self.reply(call, "No trivia round is on here.")
            return
        if call.player != game.starter and not self.is_operator(room, call.nick):
            self.reply(
                call, f"{call.nick}: only whoever started the round or a room operator can stop it"
            )
            return
        self.say(room, "\n".join(game.round.stop()))
        await self._end(game)

    # -- inside ----------------------------------------------------------------------------

    async def _said(self, game: _Game, lines: list[str]) -> None:
        """Say what the round said, then save it and wait for what comes next."""
        if lines:
            self.say(game.room, "\n".join(lines))
        if game.round.finished:
            await self._end(game)
            return
        await self._save(game)
        self._schedule(game)

    def _schedule(self, game: _Game) -> None:
        if game.timer is not None:
            game.timer.cancel()
            game.timer = None
        now = self.monotonic()
        due = game.round.next_due(now)
        if due is None:
            return
        round_ = game.round

        async def tick() -> None:
            if self._games.get(fold(game.room)) is not game or game.round is not round_:
                return  # the round ended or was replaced meanwhile
            await self._said(game, round_.tick(self.monotonic()))

        game.timer = self.later(due - now, tick)

    async def _save(self, game: _Game) -> None:
        state = {"round": game.round.to_json(self.monotonic()), "starter": game.starter}
        await self.store.put(room_scope(game.room), ROUND_KEY, state)

    async def _end(self, game: _Game) -> None:
        """Forget the finished round; remember its questions so the next rounds differ."""
        if game.timer is not None:
            game.timer.cancel()
        if self._games.get(fold(game.room)) is game:
            del self._games[fold(game.room)]
        scope = room_scope(game.room)
        await self.store.delete(scope, ROUND_KEY)
        recent = [i for i in await self.store.get(scope, RECENT_KEY, []) if isinstance(i, int)]
        # Remember up to half the pool: a room meets many questions before one comes back,
        # and a round never runs short of fresh ones.
        asked = [*recent, *game.round.indices]
        await self.store.put(scope, RECENT_KEY, asked[len(asked) - len(self._pool) // 2 :])

"""The base class of every bot: commands, replies, state, scores and timers.

A bot is a subclass with ``async`` command methods (:func:`~chinwag.bots.commands.command`)
and, where it needs them, hooks: :meth:`Bot.on_message` for what is said that is not a
command (a trivia answer), :meth:`Bot.on_leave` for someone leaving a room (a player gone
mid-game), :meth:`Bot.on_nick`, :meth:`Bot.on_start` once its store is open (to pick up a game
a restart interrupted). It talks with :meth:`Bot.say`, :meth:`Bot.reply`, :meth:`Bot.tell` and
:meth:`Bot.show_board`, remembers with :attr:`Bot.store`, scores with :meth:`Bot.score`, and
waits with :meth:`Bot.later`.

One thing at a time: the host (:mod:`chinwag.bots.host`) runs every command, hook and timer of
a bot one after another, each to its end, so a game's state never changes under a handler
between two ``await``\\ s.

Everything a bot is given is already safe (:mod:`chinwag.bots.said`); what it sends goes
through the client core, paced under the server's flood limits
(:mod:`chinwag.client.pacing`). Each person may make the bot act :data:`BURST` times at once
and then once every :data:`REFILL_SECONDS`; more is ignored, so nobody can make the bot flood a
room, and one warning says so.

Built-in commands: ``help`` (every bot), ``scores`` (a bot with a :attr:`Bot.game`), and
``leave`` (a room operator sends the bot away; it is not rejoined).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol

from chinwag.bots.commands import Command, Text, UsageError, command, commands_of, invocation
from chinwag.bots.said import Call, Said, is_guest
from chinwag.bots.store import BotStore, Standing, week_start
from chinwag.client.text import MONOSPACE
from chinwag.protocol.casemap import fold
from chinwag.protocol.fakelag import TokenBucket

log = logging.getLogger("chinwag.bots")

BURST = 6
"""Things a person may make the bot do at once."""

REFILL_SECONDS = 1.5
"""Then one more every this many seconds."""

NO_TEXT = Text("")
"""An empty :class:`~chinwag.bots.commands.Text`, the default of an optional one."""

OPERATOR_PREFIXES = "~&@%"
"""Member prefixes that let someone send the bot away (founder, protected, op, half-op)."""


class Timer(Protocol):
    """A job :meth:`Bot.later` will run; :meth:`cancel` it if it is no longer wanted."""

    def cancel(self) -> None:
        """Do not run the job (nothing happens if it ran)."""


class Runtime(Protocol):
    """What the host gives a bot: its nick, its rooms, a way to talk and a way to wait."""

    @property
    def nick(self) -> str:
        """The bot's nick now."""

    def send(self, target: str, text: str) -> bool:
        """Send ``text`` (lines separated by ``\\n``) to a room or a nick; False if the bot
        is not connected (the text is dropped)."""

    def member_prefixes(self, room: str, nick: str) -> str | None:
        """The prefixes (``@``, ``+``...) of ``nick`` in ``room``; None if not there."""

    def members(self, room: str) -> list[str]:
        """The nicks in ``room`` now (the bot's own included)."""

    def part(self, room: str, reason: str) -> None:
        """Leave ``room`` and do not come back to it."""

    def schedule(self, delay: float, job: Callable[[], Awaitable[None]]) -> Timer:
        """Run ``job`` in ``delay`` seconds, in turn with everything else the bot does."""


@dataclass(frozen=True)
class NoSettings:
    """The settings of a bot that has none."""


class Bot:
    """A bot: subclass it, give it a :attr:`name`, a :attr:`summary` and commands.

    ``settings`` are the bot's :attr:`Settings` (a frozen dataclass of defaults, which
    ``chinwag bot NAME --set key=value`` overrides); ``rng`` and ``clock`` stand in for the
    random generator and the wall clock in tests.
    """

    name: ClassVar[str] = "bot"
    """The bundled name (``chinwag bot NAME``) and the default nick."""
    summary: ClassVar[str] = ""
    """One line saying what the bot is for (``chinwag bot --list``, ``!help``)."""
    prefix: ClassVar[str] = "!"
    """What starts a command in a room."""
    game: ClassVar[str | None] = None
    """The name scores are kept under; a bot with one answers ``scores``."""
    allowance: ClassVar[tuple[float, float]] = (BURST, REFILL_SECONDS)
    """How often one person may make the bot talk: a burst, then once every so many seconds."""
    Settings: ClassVar[type[Any]] = NoSettings
    """The frozen dataclass of the bot's settings and their defaults."""
    commands: ClassVar[dict[str, Command]] = {}
    """Every command by each of its names (filled in for each subclass)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.commands = commands_of(cls)

    def __init__(
        self,
        runtime: Runtime,
        store: BotStore,
        *,
        settings: Any = None,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.runtime = runtime
        self.store = store
        self.settings: Any = settings if settings is not None else self.Settings()
        self.random = rng or random.Random()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._allowance: dict[str, TokenBucket] = {}
        self._warned: dict[str, float] = {}
        self._spoken = 0
        """Messages sent so far: what a person's input made the bot say is charged to them."""

    # -- what a bot uses -------------------------------------------------------------------

    @property
    def nick(self) -> str:
        """The bot's nick now."""
        return self.runtime.nick

    def now(self) -> datetime:
        """The wall-clock time (UTC): when points were scored."""
        return self._clock()

    @staticmethod
    def monotonic() -> float:
        """Seconds on a clock that never goes back: what game rules are timed with."""
        return time.monotonic()

    def say(self, target: str, text: str) -> None:
        """Send ``text`` to a room or a nick (several lines go as one multiline message
        where the server offers it)."""
        self._spoken += 1
        if not self.runtime.send(target, text):
            log.info("not connected: dropped a message to %s", target)

    def reply(self, said: Said, text: str) -> None:
        """Answer ``said`` where it was said: in its room, or in the direct conversation."""
        self.say(said.where, text)

    def tell(self, nick: str, text: str) -> None:
        """Send ``text`` to ``nick`` alone (a direct message)."""
        self.say(nick, text)

    def show_board(self, target: str, lines: list[str], caption: str = "") -> None:
        """Send ``lines`` that must line up (a board, a gallows) as one block, each line in
        monospace, with an optional ``caption`` line before them."""
        block = [f"{MONOSPACE}{line}{MONOSPACE}" for line in lines]
        self.say(target, "\n".join([caption, *block] if caption else block))

    def later(self, seconds: float, job: Callable[[], Awaitable[None]]) -> Timer:
        """Run ``job`` (an ``async`` function taking nothing) in ``seconds``, in turn."""
        return self.runtime.schedule(seconds, job)

    def members(self, room: str) -> list[str]:
        """The nicks in ``room`` now, the bot's own left out."""
        me = fold(self.nick)
        return [nick for nick in self.runtime.members(room) if fold(nick) != me]

    def is_operator(self, room: str, nick: str) -> bool:
        """Whether ``nick`` is an operator (or higher) of ``room``."""
        prefixes = self.runtime.member_prefixes(room, nick) or ""
        return any(symbol in OPERATOR_PREFIXES for symbol in prefixes)

    async def score(self, room: str, player: str, points: int) -> bool:
        """Add ``points`` to ``player`` in ``room`` under :attr:`game`; False for a guest,
        whose points are not kept (scores follow accounts)."""
        if self.game is None:
            raise TypeError(f"{type(self).__name__} keeps no scores: give it a game name")
        return await self.store.add_points(self.game, room, player, points, self.now())

    # -- hooks -----------------------------------------------------------------------------

    async def on_start(self) -> None:
        """The store is open and the bot is about to connect (once per run)."""

    async def on_joined(self, room: str) -> None:
        """The bot is in ``room`` (after each connection too)."""

    async def on_message(self, said: Said) -> None:
        """Something said in one of the bot's rooms, or to it, that is not a command."""

    async def on_leave(self, room: str, nick: str) -> None:
        """``nick`` left ``room`` (parted, was kicked, or quit the server)."""

    async def on_left(self, room: str) -> None:
        """The bot itself left ``room`` for good (``!leave``, a kick): end what runs there."""

    async def on_nick(self, old: str, new: str) -> None:
        """Someone the bot shares a room with is now called ``new``."""

    async def on_stop(self) -> None:
        """The bot is stopping (save what is worth saving; the store is still open)."""

    # -- what the host calls ---------------------------------------------------------------

    async def hear(self, said: Said) -> None:
        """Handle ``said``: run the command it asks for, or pass it to :meth:`on_message`.

        What makes the bot talk is charged to the person's :attr:`allowance`; someone over it
        is ignored (and warned once a minute), so nobody can make the bot flood a room.
        What the bot answers with silence (a wrong trivia answer, chat) costs nothing."""
        bucket = self._bucket(said.nick)
        now = self.monotonic()
        if bucket.delay(1, now) > 0:
            self._warn(said.nick, now)
            return
        before = self._spoken
        try:
            await self._handle(said)
        finally:
            if self._spoken != before:
                bucket.charge(1, now)

    async def _handle(self, said: Said) -> None:
        found = invocation(said.text, prefix=self.prefix, nick=self.nick, direct=said.direct)
        if found is None:
            await self.on_message(said)
            return
        handler = self.commands.get(found.name)
        if handler is None:
            if said.direct:
                # Not a command: maybe something a game waits for ("rock"), else a hint.
                before = self._spoken
                await self.on_message(said)
                if self._spoken == before:
                    self.reply(
                        said, f"I don't know {found.name!r}: {self.prefix}help lists what I do"
                    )
            return
        where = handler.spec.where
        if where == "room" and said.direct:
            self.reply(said, f"{self.prefix}{handler.spec.name} works in a room, not here")
            return
        if where == "direct" and not said.direct:
            self.tell(
                said.nick,
                f"{self.prefix}{handler.spec.name} is said to me in a direct message, where "
                "nobody else reads it",
            )
            return
        try:
            arguments = handler.bind(found.arguments)
        except UsageError:
            self.reply(said, f"usage: {handler.usage(self.prefix)} — {handler.spec.help}")
            return
        call = Call(
            nick=said.nick,
            account=said.account,
            room=said.room,
            text=said.text,
            time=said.time,
            msgid=said.msgid,
            command=handler.spec.name,
            arguments=found.arguments,
        )
        await getattr(self, handler.method)(call, *arguments)

    def _bucket(self, nick: str) -> TokenBucket:
        key = fold(nick)
        bucket = self._allowance.get(key)
        if bucket is None:
            if len(self._allowance) >= 4096:  # forget the quietest half now and then
                by_time = sorted(self._allowance, key=lambda k: self._allowance[k].ready_at)
                for stale in by_time[:2048]:
                    del self._allowance[stale]
            burst, every = self.allowance
            bucket = self._allowance[key] = TokenBucket(burst, 1 / every, self.monotonic())
        return bucket

    def _warn(self, nick: str, now: float) -> None:
        key = fold(nick)
        if now - self._warned.get(key, -60.0) >= 60.0:
            self._warned[key] = now
            self.tell(nick, "You are going faster than I can keep up: I skip some.")

    # -- built-in commands -----------------------------------------------------------------

    @command("help", help="what I do; help COMMAND for one command", aliases=("commands",))
    async def _help(self, call: Call, name: str = "") -> None:
        if name:
            found = self.commands.get(name.removeprefix(self.prefix).lower())
            if found is not None and self._offers(found):
                self.reply(call, f"{found.usage(self.prefix)} — {found.spec.help}")
            elif call.direct:
                self.reply(call, f"I have no command {name[:32]!r}")
            return
        names = sorted(
            {self.prefix + c.spec.name for c in self.commands.values() if self._offers(c)}
        )
        about = f"{self.summary} " if self.summary else ""
        self.reply(
            call,
            f"{self.nick}: {about}Commands: {', '.join(names)} — "
            f"{self.prefix}help COMMAND for more",
        )

    def _offers(self, found: Command) -> bool:
        if found.spec.name == "scores":
            return self.game is not None
        return found.spec.name not in ("help", "leave")

    @command("scores", help="the room's leaderboard this week, or all time with 'all'")
    async def _scores(self, call: Call, period: str = "week") -> None:
        if self.game is None:
            return
        room = call.room
        if room is None:
            self.reply(call, "Scores are kept per room: ask in the room.")
            return
        everything = period.lower() in ("all", "ever", "alltime", "all-time")
        since = None if everything else week_start(self.now())
        board = await self.store.leaderboard(self.game, room, since=since, limit=5)
        title = f"{self.game} in {room}, " + ("all time" if everything else "this week")
        mine = ""
        if not is_guest(call.player) and call.player not in [s.account for s in board]:
            points = await self.store.points_of(self.game, room, call.player, since=since)
            mine = f" — you: {points}"
        elif is_guest(call.player):
            mine = " — log in to an account to keep your scores"
        self.reply(call, f"{title}: {leaderboard_text(board)}{mine}")

    @command("leave", help="(room operators) send me away from this room", where="room")
    async def _leave(self, call: Call, text: Text = NO_TEXT) -> None:
        room = call.room
        if room is None or (text and fold(text.split()[0]) != fold(self.nick)):
            return  # "!leave otherbot": not for us
        if not self.is_operator(room, call.nick):
            self.reply(call, f"{call.nick}: only an operator of {room} can send me away")
            return
        self.runtime.part(room, f"asked to leave by {call.nick}")


def leaderboard_text(board: list[Standing]) -> str:
    """``1. ana 12 · 2. bob 7``, or that nobody has scored."""
    if not board:
        return "nobody has scored yet"
    return " · ".join(f"{rank}. {s.account} {s.points}" for rank, s in enumerate(board, 1))


def make_settings(kind: type[Any], given: Mapping[str, str]) -> Any:
    """``kind`` (a settings dataclass) with the ``given`` text values, each converted to the
    type of its default; raises :class:`ValueError` naming a key that is unknown or a value
    that does not fit."""
    known = {item.name: item for item in fields(kind)}
    values: dict[str, object] = {}
    for key, text in given.items():
        name = key.replace("-", "_")
        if name not in known:
            choices = ", ".join(sorted(known)) or "none"
            raise ValueError(f"unknown setting {key!r} (settings: {choices})")
        default = known[name].default
        try:
            values[name] = _convert(text, default)
        except ValueError:
            wanted = {bool: "yes or no", int: "whole number", float: "number"}
            kind_name = wanted.get(type(default), "text")
            raise ValueError(f"setting {key!r} wants a {kind_name}, not {text!r}") from None
    return kind(**values)


def _convert(text: str, default: object) -> object:
    if isinstance(default, bool):
        lowered = text.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError(text)
    if isinstance(default, int):
        return int(text)
    if isinstance(default, float):
        value = float(text)
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(text)
        return value
    return text

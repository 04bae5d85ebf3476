"""Running a bot: connected by the client core's runner, one job at a time.

:class:`BotHost` opens the bot's store, connects with a
:class:`~chinwag.client.runner.Runner` (so a bot reconnects, keeps to the server's flood
limits and follows STS like every chinwag client), and turns the core's events into the bot's
hooks and commands, run one after another on one queue (:mod:`chinwag.bots.bot`).

On each connection the host:

1. logs in to the bot's account with SASL (the account is the bot's nick);
2. if there is no such account yet (the first start), registers it with ``REGISTER``
   (IRCv3 draft/account-registration), with the password from :func:`bot_password`. An
   account that exists with another password stops the bot with a message saying so: it must
   not run under a name it cannot prove;
3. sets user mode ``+B`` (IRCv3 bot-mode), so every client can mark it as a bot;
4. joins its rooms: those it was started with and those it was invited to since (kept in the
   store; a kick or ``!leave`` forgets one).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import random
import secrets
import ssl
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chinwag.bots.bot import Bot
from chinwag.bots.said import heard
from chinwag.bots.store import BOT_SCOPE, BotStore, private_dir, private_file
from chinwag.client import events as ev
from chinwag.client.connect import Endpoint, Security
from chinwag.client.protocol import ClientProtocol, NotRegistered
from chinwag.client.runner import Backoff, Runner
from chinwag.client.sts import FILE_NAME as STS_FILE
from chinwag.client.sts import StsPolicies
from chinwag.client.text import clean
from chinwag.client.trust import FILE_NAME as KNOWN_FILE
from chinwag.client.trust import KnownServers
from chinwag.protocol.casemap import fold

log = logging.getLogger("chinwag.bots")

PASSWORD_ENV = "CHINWAG_BOT_PASSWORD"
"""The environment variable a bot's account password may come from."""

PASSWORD_FILE = "password"
"""The file in the data directory holding a password the bot made itself."""

STORE_FILE = "bot.sqlite3"
"""The bot's SQLite file in its data directory."""

INVITED_KEY = "invited-rooms"
"""Where the rooms the bot was invited to are kept (in :data:`BOT_SCOPE`)."""


class BotStopped(Exception):  # noqa: N818
    """The bot cannot go on; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class BotOptions:
    """Where a bot connects, as whom, and where it keeps its memory."""

    host: str
    port: int
    nick: str
    password: str
    data_dir: Path
    rooms: tuple[str, ...] = ()
    tls: bool = False
    fallback: int | None = None
    """With ``tls``: the plain port tried when nothing listens on ``port``."""
    accept_invites: bool = True

    @property
    def endpoint(self) -> Endpoint:
        """The runner's view of where to connect."""
        return Endpoint(self.host, self.port, self.tls, self.fallback if self.tls else None)

    def security(self) -> Security:
        """TLS trust as ``chinwag chat`` has it (a self-signed certificate trusted on first
        use, STS policies), remembered in the bot's data directory."""
        return Security(
            KnownServers(self.data_dir / KNOWN_FILE), StsPolicies(self.data_dir / STS_FILE)
        )


class _Timer:
    """A job waiting for its time; cancelled ones are skipped even if already queued."""

    def __init__(self) -> None:
        self.cancelled = False
        self.handle: asyncio.TimerHandle | None = None

    def cancel(self) -> None:
        self.cancelled = True
        if self.handle is not None:
            self.handle.cancel()


class BotHost:
    """Runs one bot of class ``bot_class`` with ``options`` until :meth:`stop`.

    ``ssl_context``, ``backoff``, ``rng`` and ``settings`` (an already made settings object)
    are for tests and embedding; ``chinwag bot`` leaves them out.
    """

    def __init__(
        self,
        bot_class: type[Bot],
        options: BotOptions,
        *,
        ssl_context: ssl.SSLContext | None = None,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        settings: Any = None,
    ) -> None:
        self.bot_class = bot_class
        self.options = options
        self._ssl_context = ssl_context
        self._backoff = backoff
        self._rng = rng
        self._settings = settings
        self.bot: Bot | None = None
        self.protocol = ClientProtocol(
            options.nick,
            realname=f"{bot_class.summary or bot_class.name} (a chinwag bot)",
            rooms=options.rooms,
            auto_rename=True,
            history_on_join=0,
            account=options.nick,
            account_password=options.password,
        )
        self.runner: Runner | None = None
        self.problem: str | None = None
        """Why the bot stopped on its own (an account it cannot log in to), if it did."""
        self.ready = asyncio.Event()
        """Set once registered, logged in (or given up on) and ``+B``; cleared on a drop."""
        self._queue: asyncio.Queue[Callable[[], Awaitable[None]]] = asyncio.Queue()
        self.connections = 0
        """How many times the bot has been registered on the server (reconnections count)."""
        self._stopping = False
        self._registering = False
        self._login_refused = False
        self._logged_in = False
        self._store: BotStore | None = None

    # -- running ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Open the store, start the bot, connect and stay connected until :meth:`stop`."""
        store = self._store = await BotStore.open(self.options.data_dir / STORE_FILE)
        worker: asyncio.Task[None] | None = None
        try:
            bot = self.bot = self.bot_class(self, store, settings=self._settings, rng=self._rng)
            for room in await store.get(BOT_SCOPE, INVITED_KEY, []):
                if isinstance(room, str):
                    self.protocol.rooms.setdefault(fold(room), (room, None))
            await bot.on_start()
            if self._stopping:  # stop() came while the store was opening
                return
            worker = asyncio.create_task(self._work(), name=f"bot {self.options.nick}")
            self.runner = Runner(
                self.protocol,
                self.options.endpoint,
                self._on_event,
                backoff=self._backoff,
                ssl_context=self._ssl_context,
                security=self.options.security(),
            )
            await self.runner.run()
            await self._drain()
            await bot.on_stop()
        finally:
            if worker is not None:
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            await store.close()

    async def stop(self, reason: str = "Bye") -> None:
        """Quit the server and stop; the jobs already queued finish, then the bot's
        :meth:`~chinwag.bots.bot.Bot.on_stop` runs (a game saves what it was doing)."""
        self._stopping = True
        if self.runner is not None:
            await self.runner.quit(reason)

    async def _work(self) -> None:
        while True:
            job = await self._queue.get()
            try:
                await job()
            except Exception:  # a bot's bug must not end the bot
                log.exception("%s failed", self.options.nick)
            finally:
                self._queue.task_done()

    async def _drain(self) -> None:
        """Let the jobs already queued finish (a graceful stop)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await self._queue.join()

    def _do(self, job: Callable[[], Awaitable[None]]) -> None:
        self._queue.put_nowait(job)

    # -- the Runtime a bot sees ------------------------------------------------------------

    @property
    def nick(self) -> str:
        """The bot's nick now."""
        return self.protocol.nick

    def send(self, target: str, text: str) -> bool:
        """Send ``text`` to a room or a nick; False (dropped) while not connected."""
        if not self.protocol.ready:
            return False
        try:
            self.protocol.privmsg(target, text)
        except NotRegistered:
            return False
        return True

    def member_prefixes(self, room: str, nick: str) -> str | None:
        """The prefixes of ``nick`` in ``room``; None if not there."""
        channel = self.protocol.channel(room)
        member = channel.member(nick) if channel is not None else None
        return member.prefixes if member is not None else None

    def members(self, room: str) -> list[str]:
        """The nicks in ``room`` now."""
        channel = self.protocol.channel(room)
        return [member.nick for member in channel.members.values()] if channel else []

    def part(self, room: str, reason: str) -> None:
        """Leave ``room`` and forget it (not rejoined, even if invited before); the bot's
        :meth:`~chinwag.bots.bot.Bot.on_left` ends what ran there."""
        self.protocol.part(room, reason)
        self._do(lambda: self._forget_room(room))
        bot = self.bot
        if bot is not None:
            self._do(lambda: bot.on_left(room))

    def schedule(self, delay: float, job: Callable[[], Awaitable[None]]) -> _Timer:
        """Run ``job`` in ``delay`` seconds, in turn with the bot's other work."""
        timer = _Timer()

        async def run_if_wanted() -> None:
            if not timer.cancelled:
                timer.cancelled = True  # a timer runs once
                await job()

        loop = asyncio.get_running_loop()
        timer.handle = loop.call_later(max(0.0, delay), self._do, run_if_wanted)
        return timer

    # -- events ----------------------------------------------------------------------------

    def _on_event(self, event: ev.Event) -> None:
        bot = self.bot
        if bot is None:
            return
        if isinstance(event, ev.Message):
            if _is_for_bot(event):
                said = heard(event)
                self._do(lambda: bot.hear(said))
        elif isinstance(event, ev.Registered):
            self._registered()
        elif isinstance(event, ev.LoggedIn):
            self._logged_in = True
            self._set_ready()
        elif isinstance(event, ev.LoginFailed):
            self._login_refused = True
            log.debug("logging in to %s failed: %s", event.account, event.reason)
        elif isinstance(event, ev.LoggedOut):
            self._logged_in = False
        elif isinstance(event, ev.AccountRegistered):
            log.info("registered the account %s", event.account)
            if event.needs_verification:  # a step only a person can take (an e-mailed code)
                log.warning("the server wants the account verified: %s", clean(event.message))
                self._set_ready()
        elif isinstance(event, ev.RegistrationFailed):
            self._registration_failed(event)
        elif isinstance(event, ev.Disconnected):
            self.ready.clear()
            self._logged_in = self._login_refused = False
        else:
            self._room_event(bot, event)

    def _room_event(self, bot: Bot, event: ev.Event) -> None:
        if isinstance(event, ev.Joined) and event.is_self:
            log.info("joined %s", event.channel)
            self._do(lambda: bot.on_joined(event.channel))
        elif isinstance(event, ev.Parted | ev.Kicked) and not event.is_self:
            self._do(lambda: bot.on_leave(event.channel, event.nick))
        elif isinstance(event, ev.Kicked):
            log.info("kicked from %s by %s: %s", event.channel, event.by, event.reason)
            self.part(event.channel, "kicked")
        elif isinstance(event, ev.Quit):
            for room in event.channels:
                self._do(functools.partial(bot.on_leave, room, event.nick))
        elif isinstance(event, ev.NickChanged) and not event.is_self:
            self._do(lambda: bot.on_nick(event.old, event.new))
        elif isinstance(event, ev.Invited) and event.is_self and self.options.accept_invites:
            log.info("invited to %s by %s", event.channel, event.by)
            self.protocol.join(event.channel)
            self._do(lambda: self._remember_room(event.channel))

    def _registered(self) -> None:
        self.connections += 1
        self.protocol.mode(self.protocol.nick, "+B")
        wanted = self.options.nick
        if self.protocol.account is not None:
            self._logged_in = True
            self._set_ready()
        elif fold(self.protocol.nick) != fold(wanted) and self._login_refused:
            # The password was refused and the nick is held: the account is someone's.
            self._give_up(
                f"The account {wanted} exists and the password given is not its password: "
                f"give the right one (--password-file or {PASSWORD_ENV}) or another --nick"
            )
        elif fold(self.protocol.nick) != fold(wanted):
            log.warning("%s is in use: running as %s, without an account", wanted, self.nick)
            self._set_ready()
        elif not self._registering:
            # No account yet (the first start): make it. The core logs us in on success.
            self._registering = True
            log.info("logging in as %s failed: registering the account (first start)", wanted)
            self.protocol.register_account(self.options.password)
        else:
            self._set_ready()

    def _give_up(self, problem: str) -> None:
        self.problem = problem
        log.error("%s", problem)
        if self.runner is not None:
            asyncio.get_running_loop().create_task(self.stop("Cannot log in"))

    def _registration_failed(self, event: ev.RegistrationFailed) -> None:
        if event.code == "ACCOUNT_EXISTS":
            self._give_up(
                f"The account {event.account} exists and the password given is not its "
                f"password: give the right one (--password-file or {PASSWORD_ENV}) or "
                "another --nick"
            )
            return
        log.warning(
            "could not register the account %s (%s): running without one",
            event.account,
            event.message,
        )
        self._set_ready()

    def _set_ready(self) -> None:
        if not self.ready.is_set():
            self.ready.set()

    async def _remember_room(self, room: str) -> None:
        store = self._store
        if store is None:
            return
        rooms = [r for r in await store.get(BOT_SCOPE, INVITED_KEY, []) if fold(r) != fold(room)]
        await store.put(BOT_SCOPE, INVITED_KEY, [*rooms, room])

    async def _forget_room(self, room: str) -> None:
        store = self._store
        if store is None:
            return
        rooms = await store.get(BOT_SCOPE, INVITED_KEY, [])
        await store.put(BOT_SCOPE, INVITED_KEY, [r for r in rooms if fold(r) != fold(room)])


def _is_for_bot(message: ev.Message) -> bool:
    """Whether a bot should hear ``message``: said now by a person (not a notice, not from
    the server or another bot, not history replayed, not our own echo)."""
    return not (
        message.is_self
        or message.is_notice
        or message.from_server
        or message.history
        or message.missed
        or message.bot
        or not message.sender
    )


def bot_password(
    data_dir: Path, environ: Mapping[str, str], password_file: Path | None = None
) -> str:
    """The bot's account password: the first line of ``password_file``, else
    :data:`PASSWORD_ENV`, else the one in the data directory, made (random, mode 0600) on the
    first start. Raises :class:`BotStopped` with a readable message."""
    if password_file is not None:
        try:
            first = password_file.read_text(encoding="utf-8").splitlines()[:1]
        except (OSError, UnicodeDecodeError) as error:
            raise BotStopped(f"cannot read the password file {password_file}: {error}") from None
        if not first or not first[0]:
            raise BotStopped(f"the password file {password_file} starts with an empty line")
        return first[0]
    if environ.get(PASSWORD_ENV):
        return environ[PASSWORD_ENV]
    kept = data_dir / PASSWORD_FILE
    if kept.exists():
        try:
            return kept.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            raise BotStopped(f"cannot read the bot's password in {kept}: {error}") from None
    private_dir(data_dir)
    password = secrets.token_urlsafe(24)
    descriptor = os.open(kept, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(password + "\n")
    private_file(kept)
    log.info("made a password for the bot's account, kept in %s", kept)
    return password


def rooms_of(given: Sequence[str]) -> tuple[str, ...]:
    """The rooms given, each once (folded), in order."""
    seen: dict[str, str] = {}
    for room in given:
        seen.setdefault(fold(room), room)
    return tuple(seen.values())

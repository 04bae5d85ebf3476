"""Plain mode, ``chinwag chat --plain``: one line per event, for pipes, scripts and dumb terminals.

Implements the issue's plain mode on the shared chat model (design.md section 2, ``tui/``):
every event the :class:`~chinwag.client.chat.ChatModel` files becomes one line on stdout, and
every line read from stdin is run by :meth:`~chinwag.client.chat.ChatModel.submit`, so the
commands of design.md section 6 mean here what they mean in the full-screen client.

What the lines look like (``HH:MM`` is local time, taken from ``server-time``)::

    12:04 <ana> hello                     a message in the current conversation
    12:04 * ana waves                     /me
    12:04 -bo- a notice
    12:04 --> bo joined #lobby            joins
    12:05 <-- bo quit (Quit: bye)         parts, kicks and quits
    12:05 --- bo is now known as bob      nick, topic and mode changes
    12:05 -- Commands:                    information
    12:05 !! Unknown command /frob        errors, and the "Server is down" banner
    12:06 [#games] <carl> gg              a line of another conversation: its name in front
    12:06 [bo] <bo> psst                  ... a direct conversation is named after the person
    12:06 -- Now talking in bo            where typed lines go from now on (after /query bo)
    14:02 === new since 14:02 ===         history on join: what came after the read marker
    09:14 === missed while you were away ===   direct messages delivered on login

An event filed in several conversations (a quit seen in two shared rooms, "Reconnected")
is printed once. Each line is the presentation model's row (:mod:`chinwag.client.presentation`,
the same as the terminal client and the window draw) with ASCII markers
(:data:`ASCII_MARKS`), so the transcript reads the same on any terminal, log file or pipe.
Colours (24-bit SGR for nicks, red errors, dim information) are written only when the caller
says so; :func:`run_plain` does when stdout is a terminal, ``NO_COLOR`` is unset and ``TERM``
is not ``dumb``. Without colours no escape character is ever written. Text from the network
is cleaned by the model (:func:`chinwag.client.text.clean`) and again by the presentation
model, so nothing a remote user sends reaches the terminal unescaped.

Accounts: ``/login`` and ``/register`` read the password from the terminal with its echo
turned off (the next line typed, twice for ``/register``), never from a pipe: with stdin not a
terminal they say so and point to ``--password-file`` and ``CHINWAG_PASSWORD``. The line typed
is never printed or sent as a message. When the server says the nick belongs to an account,
a line says to type ``/login``.

Life cycle: connect; nothing typed is sent before we are registered and in the landing room
(lines wait in order); at end of input, everything typed has been sent, then ``QUIT`` and exit
status 0. ``@disconnect``/``/quit`` leave the same way. A first connection that fails, or a
nick the server calls erroneous, ends with status 1 and a readable message; once online, a
dropped connection is retried for ever while the "Server is down" banner is printed once per
attempt. Ctrl-C sends ``QUIT`` when connected and ends with status 130 (128 + SIGINT, as a
shell reports an interrupted program), so a script can tell an interrupted run from a
finished one.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import sys
from collections.abc import AsyncIterable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from chinwag.client import commands as cmd
from chinwag.client import events as ev
from chinwag.client.chat import ChatModel
from chinwag.client.colors import ColorError, nick_color, readable
from chinwag.client.options import ChatOptions
from chinwag.client.presentation import Marks, Role, Row, Segment, line_row
from chinwag.client.runner import Backoff, Runner
from chinwag.client.text import clean, clean_lines
from chinwag.client.values import TALK, Changes, Conversation, Line, LineKind, PasswordRequest
from chinwag.client.wording import nick_refusal
from chinwag.protocol import numerics as n
from chinwag.protocol.casemap import Folded, fold
from chinwag.tui.terminal import (
    Echo,
    TerminalEcho,
    isatty,
    light_background,
    stdin_lines,
    wants_ansi,
)

__all__ = [
    "ASCII_MARKS",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "chat_plain",
    "format_line",
    "run_plain",
]

EXIT_OK = 0
"""Input ended (or ``@disconnect``/``/quit``) and we left the server with ``QUIT``."""

EXIT_FAILED = 1
"""The server could not be reached at start-up, or it refused the nick for good."""

EXIT_INTERRUPTED = 130
"""Ctrl-C: ``QUIT`` was sent if we were connected; 128 + SIGINT, as shells report it."""

ASCII_MARKS = Marks(
    events={
        LineKind.JOIN: "-->",
        LineKind.PART: "<--",
        LineKind.QUIT: "<--",
        LineKind.NICK: "---",
        LineKind.TOPIC: "---",
        LineKind.MODE: "---",
    },
    error="!!",
    info="--",
    divider="=== {} ===",
    nobody="?",
)
"""The ASCII marks in front of each kind of line that is not talk (talk is ``<nick>``,
``* nick`` or ``-nick-``, as everywhere: :mod:`chinwag.client.presentation`)."""

NickColor = Callable[[str], str]
"""A nick -> the ``#rrggbb`` to show it in (already made readable on the background)."""

_LEAVE_TIMEOUT = 2.0
"""Seconds to wait for the server to close the connection after our QUIT."""

_TICK = 0.5
"""Seconds between two calls of :meth:`ChatModel.tick` (read markers held back)."""

_SGR_RESET_FG = "\x1b[39m"
_SGR_RED = "\x1b[31m"
_SGR_DIM = "\x1b[2m"
_SGR_NORMAL_INTENSITY = "\x1b[22m"


# -- formatting -------------------------------------------------------------------------------


def format_line(
    line: Line, *, where: str | None = None, nick_color: NickColor | None = None
) -> str:
    """One model line as plain mode prints it, without the newline (module docstring).

    ``where`` is the name of the line's conversation when it is not the current one; it is
    shown in brackets after the time. With ``nick_color`` the line is coloured with ANSI SGR:
    nicks in their colour (24-bit), errors red, information dim. Without it the result
    contains no escape character at all. The row comes from the presentation model, which
    cleans every string of the line again (:func:`~chinwag.client.text.clean`), so a line
    built by other code is safe too.
    """
    row = line_row(line, nick_color, ASCII_MARKS)
    prefix = f"[{clean(where)}] " if where else ""
    return f"{row.time} {prefix}{_paint(row, ansi=nick_color is not None)}"


def _paint(row: Row, *, ansi: bool) -> str:
    """The row's text, each run of segments of the same colour wrapped in its SGR pair."""
    runs: list[tuple[tuple[str, str], str]] = []
    for segment in row.segments:
        sgr = _sgr(segment) if ansi else _NO_SGR
        if runs and runs[-1][0] == sgr:
            runs[-1] = (sgr, runs[-1][1] + segment.text)  # "!! oops" is one red run
        else:
            runs.append((sgr, segment.text))
    return "".join(f"{start}{text}{end}" for (start, end), text in runs)


def _sgr(segment: Segment) -> tuple[str, str]:
    """The SGR sequences that start and end ``segment``'s colour: nicks in theirs, errors
    red, information, dividers and a bot's marker dim, everything else as the terminal has
    it (monospace too: a terminal is fixed-width)."""
    roles = segment.roles
    if Role.ERROR in roles:
        return _SGR_RED, _SGR_RESET_FG
    if Role.INFO in roles or Role.DIVIDER in roles or Role.BOT in roles:
        return _SGR_DIM, _SGR_NORMAL_INTENSITY
    if Role.NICK in roles and segment.color:
        return _sgr_rgb(segment.color), _SGR_RESET_FG
    return _NO_SGR


_NO_SGR = ("", "")


def _sgr_rgb(color: str) -> str:
    """The SGR sequence for foreground ``#rrggbb``; only digits go into it."""
    red, green, blue = (int(color[index : index + 2], 16) for index in (1, 3, 5))
    return f"\x1b[38;2;{red};{green};{blue}m"


@dataclass
class _SecretPrompt:
    """A password being typed: the request, and the first entry when it is asked twice."""

    request: PasswordRequest
    first: str | None = None


# -- the session ------------------------------------------------------------------------------


class _PlainChat:
    """One plain-mode session: the protocol, the model, the runner, and the printing."""

    def __init__(
        self,
        options: ChatOptions,
        out: TextIO,
        *,
        ansi: bool,
        dark_background: bool,
        errors: TextIO | None,
        backoff: Backoff | None,
        connect_timeout: float,
        echo: Echo | None,
    ) -> None:
        self.options = options
        self.out = out
        self.errors = errors
        self._banner_printed = False
        self.dark_background = dark_background
        self.echo = echo
        self._secret: _SecretPrompt | None = None
        # A pipe or a script cannot answer "choose another nick": take ana_ instead.
        self.protocol = options.new_protocol(auto_rename=True)
        self.model = ChatModel(self.protocol)
        self.runner = Runner(
            self.protocol,
            options.endpoint,
            self._on_event,
            backoff=backoff,
            security=options.security(),
            connect_timeout=connect_timeout,
        )
        self.nick_color: NickColor | None = self._nick_color if ansi else None
        self.landed = asyncio.Event()
        """Registered and in the landing room (or refused it): typed lines may be sent."""
        self.stop = asyncio.Event()
        """Leave now with :attr:`status` (a fatal error, or stdout went away)."""
        self.status = EXIT_OK
        self._room = fold(options.room)
        self._shown_current = self.model.current
        self._settle_token: str | None = None
        self._settled = asyncio.Event()
        self._settles = 0

    # -- running -------------------------------------------------------------------------

    async def run(self, lines: AsyncIterable[str]) -> int:
        """Chat until the input ends, the person leaves or a fatal error; the exit status."""
        try:
            return await self._run(lines)
        finally:
            self._end_secret()  # never leave the terminal without echo

    async def _run(self, lines: AsyncIterable[str]) -> int:
        runner = asyncio.create_task(self.runner.run(), name="chinwag-plain-runner")
        feed = asyncio.create_task(self._feed(lines), name="chinwag-plain-input")
        stopped = asyncio.create_task(self.stop.wait(), name="chinwag-plain-stop")
        ticker = asyncio.create_task(self._tick(), name="chinwag-plain-tick")
        try:
            try:
                done, _ = await asyncio.wait(
                    {runner, feed, stopped}, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                await _cancel(feed, stopped, ticker)
        except asyncio.CancelledError:
            # Ctrl-C (asyncio.run cancels the main task on SIGINT) or the caller cancelled:
            # say goodbye to the server first, then let the cancellation go on.
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            await self._leave(runner, None)
            raise
        try:
            status, reason = self._outcome(runner, feed, done)
        except BaseException:
            await self._leave(runner, None)
            raise
        await self._leave(runner, reason)
        return status

    def _outcome(
        self,
        runner: asyncio.Task[None],
        feed: asyncio.Task[str | None],
        done: set[asyncio.Task[Any]],
    ) -> tuple[int, str | None]:
        """The exit status and QUIT reason once one of the tasks of :meth:`run` ended."""
        if self.stop.is_set():
            return self.status, None
        if feed in done:
            return EXIT_OK, feed.result() or None
        runner.result()  # the runner ends by itself only if it crashed or may not reconnect
        return EXIT_FAILED, None

    async def _feed(self, lines: AsyncIterable[str]) -> str | None:
        """Submit each typed line once we are in the room; the quit reason, or None at EOF.

        Each line acts on the state the one before produced: after a line that changes
        where we are or who we are (``/join``, ``/leave``, ``/nick``) the next waits until
        the server has answered it, and the landing room's backlog is printed first."""
        backlog_seen = False
        async for text in lines:
            await self.landed.wait()
            if not backlog_seen:
                backlog_seen = True
                await self._settle(1)  # the landing room's CHATHISTORY went with its JOIN
            typed = text.removesuffix("\n").removesuffix("\r")
            if self._secret is not None:
                self._take_secret(typed)
                continue
            try:
                changes = self.model.submit(typed)
            except ValueError as error:  # a line IRC cannot carry; say so and go on
                changes = Changes()
                self._print([self._note(LineKind.ERROR, f"Not sent: {error}")])
            self._show(changes)
            if changes.quit is not None:
                return changes.quit
            await self._settle(_rounds_after(typed))
        # Even with no input at all, connect and land before leaving, so an empty script
        # still checks that the server is there and lets us in.
        await self.landed.wait()
        return None

    async def _settle(self, rounds: int) -> None:
        """Wait until the server has answered what was sent so far, ``rounds`` times over:
        a second round covers what the client sent on its own on hearing the answers of the
        first (the ``CHATHISTORY`` a JOIN's echo asks for). A lost connection ends the wait,
        as nothing will answer."""
        for _ in range(rounds):
            if not self.protocol.ready:
                return
            self._settles += 1
            self._settle_token = f"chinwag-plain-{self._settles}"
            self._settled.clear()
            self.protocol.ping(self._settle_token)
            await self._settled.wait()

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(_TICK)
            self.model.tick()

    # -- passwords -------------------------------------------------------------------------

    def _ask_secret(self, request: PasswordRequest) -> None:
        """Take the next line typed as the password, with the terminal's echo off."""
        if self._secret is not None:
            return
        command = f"/{request.purpose}"
        if self.echo is None:
            text = f"{command} needs a terminal to type the password without showing it"
            if request.purpose == "login":
                text += "; give it with --password-file or CHINWAG_PASSWORD instead"
            self._print([self._note(LineKind.ERROR, text)])
            return
        self._secret = _SecretPrompt(request)
        self.echo.hide()
        what = "Choose a password" if request.confirm else "Password"
        rule = f" ({request.rule.lower()})" if request.rule is not None else ""
        text = f"{request.title}. {what}{rule} (not shown), then Enter:"
        self._print([self._note(LineKind.INFO, text)])

    def _take_secret(self, text: str) -> None:
        """One line typed while a password is asked: never printed, never sent as talk."""
        prompt = self._secret
        if prompt is None:
            return
        if prompt.request.confirm and prompt.first is None:
            too_short = prompt.request.too_short(text)
            if too_short is not None:
                # Said before the second entry; the prompt stays, so the next line is a password.
                self._print([self._note(LineKind.ERROR, f"{too_short}. Try again, then Enter:")])
                return
            prompt.first = text
            self._print([self._note(LineKind.INFO, "The same password again, then Enter:")])
            return
        self._end_secret()
        if prompt.request.confirm and text != prompt.first:
            problem = "The two passwords are not the same: /register to try again"
            self._print([self._note(LineKind.ERROR, problem)])
            return
        self._show(self.model.provide_password(prompt.request, text))

    def _end_secret(self) -> None:
        self._secret = None
        if self.echo is not None:
            self.echo.show()

    async def _leave(self, runner: asyncio.Task[None], reason: str | None) -> None:
        """QUIT (when connected), wait for the runner to stop, flush what was printed."""
        # Bounded twice over: Runner.quit waits for the server to close, and a connection
        # attempt still under way is not interrupted by it.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2 * _LEAVE_TIMEOUT):
                await self.runner.quit(reason, timeout=_LEAVE_TIMEOUT)
                await asyncio.wait({runner})
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        self._flush()

    def _fail(self, message: str) -> None:
        """A fatal error: show ``message`` (also on ``errors``) and leave with status 1."""
        self.status = EXIT_FAILED
        self._print([self._note(LineKind.ERROR, message)])
        if self.errors is not None:
            with contextlib.suppress(OSError, ValueError):
                self.errors.write(f"chinwag chat: {message}\n")
                self.errors.flush()
        self.stop.set()

    # -- events --------------------------------------------------------------------------

    def _on_event(self, event: ev.Event) -> None:
        changes = self.model.handle(event)
        if self.stop.is_set():
            return  # leaving: the runner's last words (banner, "Disconnected") are noise
        extra: list[str] = []
        match event:
            case ev.Pong(token=token) if token == self._settle_token:
                self._settled.set()
            case ev.Disconnected():
                self._settled.set()
        match event:
            case ev.ServerError() if self.protocol.quitting:
                return  # "ERROR :Closing Link ... (Quit)" is the server's answer to our QUIT
            case ev.NickRejected(registered=False, retrying_as=str(retry)):
                self._show(changes)
                extra.append(self._note(LineKind.INFO, f"Trying {clean(retry)} instead"))
                self._print(extra)
                return
            case ev.NickRejected(registered=False, code=code) if code in (
                n.ERR_ERRONEUSNICKNAME,
                n.ERR_NONICKNAMEGIVEN,
            ):
                # Said once, in words (not also the model's copy of it).
                refusal = clean(nick_refusal(event.code, event.nick, event.reason))
                self._fail(f"{refusal}; choose another (--nick)")
                return
            case ev.Disconnected() if self.runner.refused is not None:
                self._fail(clean_lines(event.reason))  # a changed certificate: said in full
                return
            case ev.Disconnected() if not self.model.ever_online and not self.protocol.quitting:
                # The runner's reason is meant for people ("Nobody is listening on host:port
                # — is the server started?"); no endless retry before we were ever in.
                self._fail(clean(event.reason))
                return
            case ev.Reconnecting():
                # A pipe cannot count down: the banner is printed once per lost connection,
                # not once per failed attempt.
                banner = self.model.banner()
                if banner is not None and not self._banner_printed:
                    self._banner_printed = True
                    extra.append(self._note(LineKind.ERROR, banner))
            case ev.Registered():
                self._banner_printed = False
            case ev.Joined(is_self=True) if fold(event.channel) == self._room:
                self.landed.set()
            case ev.ServerReply(is_error=True) if not self.landed.is_set() and any(
                fold(param) == self._room for param in event.params[1:2]
            ):
                self.landed.set()  # the landing room said no; talk happens after /join
        self._show(changes)
        self._print(extra)

    # -- printing ------------------------------------------------------------------------

    def _show(self, changes: Changes) -> None:
        """Print the lines of ``changes``; say so when the current conversation changed."""
        current = self.model.current
        printed: list[str] = []
        joined_here = False
        for conversation, line in _unique(changes.lines, current):
            where = None if conversation.key == current else conversation.name
            printed.append(format_line(line, where=where, nick_color=self.nick_color))
            joined_here |= (
                line.kind is LineKind.JOIN and line.is_self and conversation.key == current
            )
        if current != self._shown_current:
            self._shown_current = current
            if not joined_here and current in self.model.conversations:
                name = self.model.conversations[current].name
                printed.append(self._note(LineKind.INFO, f"Now talking in {clean(name)}"))
        self._print(printed)
        if changes.password is not None and changes.password.typed:
            # A protected nick is not asked here: the model's line says to type /login.
            self._ask_secret(changes.password)

    def _note(self, kind: LineKind, text: str) -> str:
        """A line of our own (not from the model), timed now."""
        line = Line(datetime.now(UTC), kind, text)
        return format_line(line, nick_color=self.nick_color)

    def _print(self, texts: list[str]) -> None:
        if not texts:
            return
        try:
            self.out.write("".join(text + "\n" for text in texts))
            self.out.flush()
        except BrokenPipeError:  # the reader went away (``| head``): nothing left to do
            self.stop.set()
        except (OSError, ValueError):
            self.status = EXIT_FAILED
            self.stop.set()

    def _flush(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.out.flush()

    def _nick_color(self, nick: str) -> str:
        try:
            return readable(self.model.color_of(nick), dark_background=self.dark_background)
        except ColorError:  # a colour someone stored that is not #rrggbb: use the derived one
            return readable(nick_color(nick), dark_background=self.dark_background)


def _rounds_after(typed: str) -> int:
    """How many rounds to the server the line ``typed`` needs before the next line may go
    (:meth:`_PlainChat._settle`): a join two (its answer, then the backlog it asks for), a
    part or a nick change one (their answer), anything else none (talk is sent in order)."""
    match cmd.parse_input(typed):
        case cmd.Join():
            return 2
        case cmd.Leave() | cmd.ChangeNick():
            return 1
        case _:
            return 0


async def _cancel(*tasks: asyncio.Task[Any]) -> None:
    """Cancel ``tasks`` and wait until they have ended."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


_NEVER_MERGED = TALK | {LineKind.DIVIDER}
"""Talk, and dividers (each belongs to its own conversation's history)."""


def _unique(
    lines: list[tuple[Conversation, Line]], current: Folded
) -> Iterator[tuple[Conversation, Line]]:
    """The lines to print, each with the conversation to file it under.

    An event the model files in several conversations (a quit in every shared room,
    "Reconnected" everywhere) is printed once: where the person is looking if it is there,
    else in the first conversation named. Talk is never merged: two equal messages are two.
    """
    groups: dict[tuple[LineKind, str, str | None], list[Conversation]] = {}
    for conversation, line in lines:
        if line.kind not in _NEVER_MERGED:
            groups.setdefault((line.kind, line.text, line.nick), []).append(conversation)
    printed: set[tuple[LineKind, str, str | None]] = set()
    for conversation, line in lines:
        if line.kind in _NEVER_MERGED:
            yield conversation, line
            continue
        key = (line.kind, line.text, line.nick)
        if key in printed:
            continue
        printed.add(key)
        places = groups[key]
        here = next((place for place in places if place.key == current), None)
        yield (here or conversation), line


# -- entry points -----------------------------------------------------------------------------


async def chat_plain(
    options: ChatOptions,
    lines: AsyncIterable[str],
    out: TextIO,
    *,
    ansi: bool,
    dark_background: bool = True,
    errors: TextIO | None = None,
    backoff: Backoff | None = None,
    connect_timeout: float = 10.0,
    echo: Echo | None = None,
) -> int:
    """Chat as ``options`` says, reading what to say from ``lines`` and printing every event
    to ``out`` one line each (issue: plain mode; design.md section 6 commands).

    ``lines`` is any async source of typed lines (:func:`stdin_lines` in the program; a
    script in tests). Lines wait until we are registered and in ``options.room``. At the end
    of ``lines`` every line has been sent, then ``QUIT``; the result is :data:`EXIT_OK`, as
    after ``@disconnect``. :data:`EXIT_FAILED` when the first connection fails or the nick is
    erroneous (the message is printed, and also written to ``errors`` if given). ``ansi``
    colours the output (see :func:`format_line`) for a terminal with a dark background unless
    ``dark_background`` is false. ``backoff`` and ``connect_timeout`` go to the
    :class:`~chinwag.client.runner.Runner`. Cancelling the task sends ``QUIT`` (when
    connected) before the cancellation goes on. ``echo`` controls the echo of the terminal
    the lines come from, for ``/login`` and ``/register``; without it they cannot be used.
    """
    session = _PlainChat(
        options,
        out,
        ansi=ansi,
        dark_background=dark_background,
        errors=errors,
        backoff=backoff,
        connect_timeout=connect_timeout,
        echo=echo,
    )
    return await session.run(lines)


def run_plain(
    options: ChatOptions, *, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    """``chinwag chat --plain``: run :func:`chat_plain` on stdin and stdout; the exit status.

    Colours only when stdout is a terminal (:func:`wants_ansi`), for a light background when
    ``COLORFGBG`` says so (:func:`light_background`); the environment is read here and only
    here (design.md section 3, rule 9). Characters stdout cannot encode, and bytes of stdin
    that are not text, are replaced rather than ending the session. When stdout is not a
    terminal, a fatal message is also written to stderr so a script's log shows it. Ctrl-C
    gives :data:`EXIT_INTERRUPTED`.
    """
    source = stdin if stdin is not None else sys.stdin
    out = stdout if stdout is not None else sys.stdout
    # Someone's emoji on a cp1252 console, or a stray byte typed into stdin, must not end
    # the session: replace what cannot be encoded or decoded.
    for stream in (source, out):
        if isinstance(stream, io.TextIOWrapper):
            with contextlib.suppress(ValueError, OSError):
                stream.reconfigure(errors="replace")
    env = os.environ
    ansi = wants_ansi(out, env)
    try:
        return asyncio.run(
            chat_plain(
                options,
                stdin_lines(source),
                out,
                ansi=ansi,
                dark_background=not light_background(env.get("COLORFGBG")),
                errors=None if isatty(out) else sys.stderr,
                echo=TerminalEcho.of(source),
            )
        )
    except KeyboardInterrupt:
        with contextlib.suppress(OSError, ValueError):
            out.flush()
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    finally:
        _quiet_broken_stdout(out)


def _quiet_broken_stdout(out: TextIO) -> None:
    """If stdout is a pipe whose reader left, point it at the null device, so the flush at
    interpreter exit does not print a BrokenPipeError traceback (Python's documented recipe,
    "Note on SIGPIPE" in the signal module)."""
    if out is not sys.stdout:
        return
    try:
        out.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
    except (OSError, ValueError):
        pass

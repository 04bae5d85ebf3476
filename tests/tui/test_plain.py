"""Plain mode (``chinwag chat --plain``): one line per event, commands, EOF, colours, failures.

The issue's words: "one line per event, ``HH:MM <nick> text``, ANSI colours only when stdout
is a TTY, commands as above, reads stdin until EOF then quits cleanly", and "nothing a remote
user sends may reach a terminal unescaped". The formatting is checked on its own; the rest
against a real chinwag server on a loopback port, with a second person on a stock-ish IRC
connection (:class:`tests.ircclient.IrcClient`), first in-process through :func:`chat_plain`
and then as the real program behind a pipe.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import pytest

from chinwag.client import commands as cmd
from chinwag.client.colors import nick_color, readable
from chinwag.client.options import ChatOptions
from chinwag.client.runner import Backoff
from chinwag.client.values import Line, LineKind
from chinwag.server.app import ChinwagServer
from chinwag.tui.plain import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    chat_plain,
    format_line,
    run_plain,
)
from chinwag.tui.terminal import Echo
from tests.conftest import free_port
from tests.ircclient import IrcClient, is_

TIMEOUT = 5.0
FAST = Backoff(initial=0.05, maximum=0.2, factor=2.0, jitter=0.2)
T = r"\d\d:\d\d"
"""The ``HH:MM`` at the start of every line."""

SGR = re.compile(r"\x1b\[[0-9;]*m")
"""The only escape sequences plain mode itself may write: colours."""


def coloured(nick: str) -> str:
    """A pattern for ``nick`` as shown with or without its colour."""
    return rf"(?:\x1b\[38;2;\d+;\d+;\d+m)?{re.escape(nick)}(?:\x1b\[39m)?"


NOON = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def rgb_sgr(color: str) -> str:
    """The 24-bit foreground SGR sequence for ``#rrggbb``."""
    red, green, blue = (int(color[index : index + 2], 16) for index in (1, 3, 5))
    return f"\x1b[38;2;{red};{green};{blue}m"


# -- the lines on their own -------------------------------------------------------------------


def line(kind: LineKind, text: str, nick: str | None = None) -> Line:
    return Line(NOON, kind, text, nick)


CLOCK = line(LineKind.INFO, "").clock


@pytest.mark.parametrize(
    ("kind", "nick", "text", "shown"),
    [
        (LineKind.MESSAGE, "ana", "hello", "<ana> hello"),
        (LineKind.ACTION, "ana", "waves", "* ana waves"),
        (LineKind.NOTICE, "bo", "a notice", "-bo- a notice"),
        (LineKind.JOIN, "bo", "joined #lobby", "--> bo joined #lobby"),
        (LineKind.PART, "bo", "left #lobby (bye)", "<-- bo left #lobby (bye)"),
        (LineKind.QUIT, "bo", "quit (Quit: bye)", "<-- bo quit (Quit: bye)"),
        (LineKind.NICK, "bo", "is now known as bob", "--- bo is now known as bob"),
        (LineKind.TOPIC, "bo", "changed the topic to: x", "--- bo changed the topic to: x"),
        (LineKind.TOPIC, None, "Topic: x", "--- Topic: x"),
        (LineKind.MODE, "bo", "sets mode +o ana", "--- bo sets mode +o ana"),
        (LineKind.INFO, None, "Commands:", "-- Commands:"),
        (LineKind.ERROR, None, "Not connected", "!! Not connected"),
        (LineKind.DIVIDER, None, "— new since 14:02 —", "=== new since 14:02 ==="),
        (LineKind.DIVIDER, None, "— missed while you were away —", "=== missed while you "
         "were away ==="),
    ],
)  # fmt: skip
def test_each_kind_of_line_is_one_ascii_line_after_the_time(
    kind: LineKind, nick: str | None, text: str, shown: str
) -> None:
    assert format_line(line(kind, text, nick)) == f"{CLOCK} {shown}"


def test_a_line_of_another_conversation_has_its_name_in_front() -> None:
    assert format_line(line(LineKind.MESSAGE, "gg", "carl"), where="#games") == (
        f"{CLOCK} [#games] <carl> gg"
    )
    assert (
        format_line(line(LineKind.MESSAGE, "psst", "bo"), where="bo") == f"{CLOCK} [bo] <bo> psst"
    )


def test_the_time_is_the_lines_local_hours_and_minutes() -> None:
    shown = format_line(line(LineKind.MESSAGE, "hi", "ana"))
    assert shown == NOON.astimezone().strftime("%H:%M") + " <ana> hi"
    assert re.fullmatch(rf"{T} <ana> hi", shown)


def test_without_colours_not_even_hostile_text_brings_an_escape_or_a_bell() -> None:
    hostile = "\x1b[31mred\x07 \x1b]0;title\x07 \x9b2J done"
    shown = [
        format_line(line(LineKind.MESSAGE, hostile, "b\x1b[5mo")),
        format_line(line(LineKind.ERROR, hostile), where="#a\x07b"),
    ]
    for text in shown:
        assert not re.search(r"[\x00-\x1f\x7f-\x9f]", text), repr(text)
        assert "title" not in text
    assert shown[0] == f"{CLOCK} <bo> red   done"


def test_with_colours_hostile_text_brings_no_escape_but_our_colours() -> None:
    hostile = "\x1b[31mred\x07 \x1b]0;title\x07 \x9b2J done"
    shown = format_line(
        line(LineKind.MESSAGE, hostile, "b\x1b[5mo"), nick_color=lambda _: "#ffffff"
    )
    assert shown == f"{CLOCK} <\x1b[38;2;255;255;255mbo\x1b[39m> red   done"
    assert not re.search(r"[\x00-\x1f\x7f-\x9f]", SGR.sub("", shown))


def test_with_colours_nicks_are_24_bit_errors_red_and_information_dim() -> None:
    def colours(nick: str) -> str:
        return "#0a141e" if nick == "ana" else "#ffffff"

    assert format_line(line(LineKind.MESSAGE, "hi", "ana"), nick_color=colours) == (
        f"{CLOCK} <\x1b[38;2;10;20;30mana\x1b[39m> hi"
    )
    assert format_line(line(LineKind.JOIN, "joined #lobby", "bo"), nick_color=colours) == (
        f"{CLOCK} --> \x1b[38;2;255;255;255mbo\x1b[39m joined #lobby"
    )
    assert format_line(line(LineKind.ERROR, "oops"), nick_color=colours) == (
        f"{CLOCK} \x1b[31m!! oops\x1b[39m"
    )
    assert format_line(line(LineKind.INFO, "fyi"), nick_color=colours) == (
        f"{CLOCK} \x1b[2m-- fyi\x1b[22m"
    )


# -- in-process, against a real server -------------------------------------------------------


class Script:
    """What the person types: lines handed to :func:`chat_plain` one by one; :meth:`close`
    is the end of input."""

    def __init__(self, *lines: str) -> None:
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        for text in lines:
            self.type(text)

    def type(self, text: str) -> None:
        self._queue.put_nowait(text)

    def close(self) -> None:
        self._queue.put_nowait(None)

    def __aiter__(self) -> Script:
        return self

    async def __anext__(self) -> str:
        text = await self._queue.get()
        if text is None:
            raise StopAsyncIteration
        return text


class Transcript(io.StringIO):
    """Plain mode's stdout: keeps what was written; :meth:`expect` waits for a line."""

    def __init__(self) -> None:
        super().__init__()
        self._written = asyncio.Event()
        self._cursor = 0

    def write(self, text: str) -> int:
        self._written.set()
        return super().write(text)

    @property
    def lines(self) -> list[str]:
        return self.getvalue().splitlines()

    async def expect(self, pattern: str, timeout: float = TIMEOUT) -> str:
        """The next unseen line that ``pattern`` matches whole; lines before it are passed."""
        regex = re.compile(pattern)
        try:
            async with asyncio.timeout(timeout):
                while True:
                    lines = self.lines
                    for index in range(self._cursor, len(lines)):
                        if regex.fullmatch(lines[index]):
                            self._cursor = index + 1
                            return lines[index]
                    self._cursor = len(lines)
                    self._written.clear()
                    await self._written.wait()
        except TimeoutError:
            tail = "\n".join(self.lines[-12:])
            raise AssertionError(f"no line matching {pattern!r}; last lines:\n{tail}") from None


@dataclass
class Plain:
    """A plain-mode session running in this loop."""

    task: asyncio.Task[int]
    script: Script
    out: Transcript
    errors: io.StringIO

    async def landed(self, nick: str = "ana", room: str = "#lobby") -> None:
        await self.out.expect(rf"{T} --> {coloured(nick)} joined {re.escape(room)}")

    async def result(self) -> int:
        async with asyncio.timeout(TIMEOUT):
            return await self.task

    async def end_of_input(self) -> int:
        self.script.close()
        return await self.result()


@pytest.fixture
async def sessions() -> AsyncIterator[list[Plain]]:
    """Sessions a test started; any still running at the end is cancelled."""
    started: list[Plain] = []
    yield started
    for session in started:
        if not session.task.done():
            session.task.cancel()
            with contextlib.suppress(BaseException):
                await session.task


class Start(Protocol):
    """``start(address, nick, *lines, ansi=..., room=..., password=..., echo=...)``: a
    running :class:`Plain`."""

    def __call__(
        self,
        address: tuple[str, int],
        nick: str = "ana",
        *lines: str,
        ansi: bool = False,
        room: str = "#lobby",
        password: str | None = None,
        echo: Echo | None = None,
    ) -> Plain: ...


@pytest.fixture
def start(sessions: list[Plain]) -> Start:
    """Start :func:`chat_plain` as ``nick`` with ``lines`` already typed."""

    def start(
        address: tuple[str, int],
        nick: str = "ana",
        *lines: str,
        ansi: bool = False,
        room: str = "#lobby",
        password: str | None = None,
        echo: Echo | None = None,
    ) -> Plain:
        options = ChatOptions(
            host=address[0], port=address[1], nick=nick, room=room, password=password
        )
        script, out, errors = Script(*lines), Transcript(), io.StringIO()
        task = asyncio.create_task(
            chat_plain(options, script, out, ansi=ansi, errors=errors, backoff=FAST, echo=echo)
        )
        session = Plain(task, script, out, errors)
        sessions.append(session)
        return session

    return start


def address_of(server: ChinwagServer) -> tuple[str, int]:
    host, port = server.addresses[0]
    return host, port


async def test_messages_are_one_line_each_and_end_of_input_quits_cleanly(
    server: ChinwagServer, start: Start
) -> None:
    bo = await IrcClient.registered(address_of(server), "bo", "#lobby")
    ana = start(address_of(server))
    await ana.landed()
    await bo.expect(is_("JOIN", "#lobby"))

    ana.script.type("hello")
    await bo.expect(is_("PRIVMSG", "#lobby", "hello"))
    await ana.out.expect(rf"{T} <ana> hello")  # our own, echoed by the server
    await bo.send("PRIVMSG", "#lobby", "hi")
    await ana.out.expect(rf"{T} <bo> hi")

    assert await ana.end_of_input() == EXIT_OK
    quit_ = await bo.expect(lambda line: line.command == "QUIT")
    assert quit_.hostmask is not None and quit_.hostmask.nickname == "ana"
    assert "\x1b" not in ana.out.getvalue()
    assert not [line for line in ana.out.lines if " !! " in line]  # a clean goodbye: no errors


async def test_others_coming_and_going_are_shown(server: ChinwagServer, start: Start) -> None:
    ana = start(address_of(server))
    await ana.landed()
    carl = await IrcClient.registered(address_of(server), "carl", "#lobby")
    await ana.out.expect(rf"{T} --> carl joined #lobby")
    await carl.send("PART", "#lobby", "off to bed")
    await ana.out.expect(rf"{T} <-- carl left #lobby \(off to bed\)")
    await carl.join("#lobby")
    await carl.send("QUIT", "bye")
    await ana.out.expect(rf"{T} <-- carl quit \(Quit: bye\)")
    assert await ana.end_of_input() == EXIT_OK


async def test_a_direct_message_is_shown_under_the_senders_name(
    server: ChinwagServer, start: Start
) -> None:
    ana = start(address_of(server))
    await ana.landed()
    bo = await IrcClient.registered(address_of(server), "bo")
    await bo.send("PRIVMSG", "ana", "psst")
    await ana.out.expect(rf"{T} \[bo\] <bo> psst")
    assert await ana.end_of_input() == EXIT_OK


async def test_at_help_prints_the_command_table(server: ChinwagServer, start: Start) -> None:
    ana = start(address_of(server), "ana", "@help")
    await ana.out.expect(rf"{T} -- Commands:")
    for row in cmd.HELP:  # one information line per command, in the table's order
        await ana.out.expect(rf"{T} -- +{re.escape(row.usage)}\W+{re.escape(row.does)}")
    await ana.out.expect(rf"{T} -- {re.escape(cmd.HELP_FOOTER)}")
    assert await ana.end_of_input() == EXIT_OK


async def test_slash_join_moves_the_conversation_and_the_old_room_gets_named(
    server: ChinwagServer, start: Start
) -> None:
    bo = await IrcClient.registered(address_of(server), "bo", "#lobby", "#games")
    ana = start(address_of(server))
    await ana.landed()

    ana.script.type("/join #games")
    await ana.landed(room="#games")
    await bo.expect(is_("JOIN", "#games"))
    ana.script.type("gg")
    await bo.expect(is_("PRIVMSG", "#games", "gg"))
    await ana.out.expect(rf"{T} <ana> gg")
    await bo.send("PRIVMSG", "#lobby", "still here")
    await ana.out.expect(rf"{T} \[#lobby\] <bo> still here")
    assert await ana.end_of_input() == EXIT_OK


async def test_someone_leaving_two_shared_rooms_at_once_is_one_line(
    server: ChinwagServer, start: Start
) -> None:
    bo = await IrcClient.registered(address_of(server), "bo", "#lobby", "#games")
    ana = start(address_of(server), "ana", "/join #games")
    await ana.landed(room="#games")
    await bo.send("QUIT", "bye")
    await ana.out.expect(rf"{T} <-- bo quit \(Quit: bye\)")
    assert await ana.end_of_input() == EXIT_OK
    assert len([line for line in ana.out.lines if "bo quit" in line]) == 1


async def test_lines_typed_before_we_are_in_the_room_wait_and_are_sent_in_order(
    server: ChinwagServer, start: Start
) -> None:
    bo = await IrcClient.registered(address_of(server), "bo", "#lobby")
    ana = start(address_of(server), "ana", "early bird", "second worm")
    await bo.expect(is_("JOIN", "#lobby"))
    await bo.expect(is_("PRIVMSG", "#lobby", "early bird"))
    await bo.expect(is_("PRIVMSG", "#lobby", "second worm"))
    assert await ana.end_of_input() == EXIT_OK
    assert "Not connected" not in ana.out.getvalue()


async def test_at_disconnect_leaves_with_status_0_while_input_is_still_open(
    server: ChinwagServer, start: Start
) -> None:
    bo = await IrcClient.registered(address_of(server), "bo", "#lobby")
    ana = start(address_of(server), "ana", "@disconnect")
    await bo.expect(is_("JOIN", "#lobby"))
    assert await ana.result() == EXIT_OK
    await bo.expect(lambda line: line.command == "QUIT")


async def test_with_colours_nicks_have_their_readable_colour_and_errors_are_red(
    server: ChinwagServer, start: Start
) -> None:
    ana = start(address_of(server), "ana", "hello", ansi=True)
    ana_colour = rgb_sgr(readable(nick_color("ana"), dark_background=True))
    await ana.out.expect(rf"{T} <{re.escape(ana_colour)}ana\x1b\[39m> hello")
    ana.script.type("/frobnicate")
    await ana.out.expect(rf"{T} \x1b\[31m!! Unknown command /frobnicate.*\x1b\[39m")
    assert await ana.end_of_input() == EXIT_OK


@pytest.mark.parametrize("ansi", [False, True], ids=["plain", "coloured"])
async def test_escape_sequences_and_bells_from_someone_else_never_reach_the_terminal(
    server: ChinwagServer, start: Start, ansi: bool
) -> None:
    bo = await IrcClient.registered(address_of(server), "bo", "#lobby")
    ana = start(address_of(server), ansi=ansi)
    await ana.landed()
    await bo.send_raw(
        b"PRIVMSG #lobby :\x1b[31mred\x07 bell \x1b]0;title\x07 \x1b[2Jdone\r\n"
        # U+009B, the one-character CSI, written as UTF-8 (a bare 0x9b byte is not UTF-8)
        b"NOTICE #lobby :\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\ \xc2\x9b2Jok\r\n"
        b"TOPIC #lobby :\x1b[5mblink\x1b[0m\r\n"
    )
    await ana.out.expect(rf"{T} <{coloured('bo')}> red bell  done")
    await ana.out.expect(rf"{T} -{coloured('bo')}- link ok")
    await ana.out.expect(rf"{T} --- {coloured('bo')} changed the topic to: blink")
    assert await ana.end_of_input() == EXIT_OK
    shown = SGR.sub("", ana.out.getvalue())
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", shown), repr(shown)
    assert "title" not in shown and "evil" not in shown


async def test_a_nick_in_use_is_retried_with_an_underscore_and_the_reason_shown(
    server: ChinwagServer, start: Start
) -> None:
    first = await IrcClient.registered(address_of(server), "ana", "#lobby")
    ana = start(address_of(server))
    await ana.out.expect(rf"{T} !! ana is taken; pick another nick.*")
    await ana.out.expect(rf"{T} -- Trying ana_ instead")
    await ana.landed("ana_")
    await first.expect(lambda line: line.command == "JOIN" and line.source.startswith("ana_!"))
    assert await ana.end_of_input() == EXIT_OK


async def test_an_erroneous_nick_ends_with_status_1_and_the_servers_reason(
    server: ChinwagServer, start: Start
) -> None:
    ana = start(address_of(server), "9lives", "never sent")
    assert await ana.result() == EXIT_FAILED
    await ana.out.expect(rf"{T} !! 9lives cannot be a nick: a nick is one word.*")
    assert "9lives cannot be a nick" in ana.errors.getvalue()


async def test_nobody_listening_ends_at_once_with_status_1_and_says_so(start: Start) -> None:
    port = free_port()
    ana = start(("127.0.0.1", port), "ana", "hello?")
    assert await ana.result() == EXIT_FAILED
    message = f"Nobody is listening on 127.0.0.1:{port} — is the server started?"
    assert ana.out.lines[-1].endswith(f"!! {message}")
    assert message in ana.errors.getvalue()
    assert "reconnecting" not in ana.out.getvalue()


class Relay:
    """A TCP relay between the client and the server that a test can take down and up.

    Down, it cuts every connection and closes new ones at once, as a server that has gone
    away and come back would look to the client.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.open = True
        self._links: set[asyncio.StreamWriter] = set()
        self._listener: asyncio.Server | None = None
        self.address: tuple[str, int] = ("127.0.0.1", 0)

    async def start(self) -> None:
        self._listener = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.address = self._listener.sockets[0].getsockname()[:2]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.open:
            writer.transport.abort()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        self._links |= {writer, upstream_writer}
        await asyncio.gather(
            _pump(reader, upstream_writer), _pump(upstream_reader, writer), return_exceptions=True
        )

    def down(self) -> None:
        self.open = False
        for writer in self._links:
            writer.transport.abort()
        self._links.clear()

    def up(self) -> None:
        self.open = True

    async def close(self) -> None:
        self.down()
        if self._listener is not None:
            self._listener.close()
            await self._listener.wait_closed()


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.transport.abort()


async def test_a_server_that_hangs_up_before_letting_us_in_ends_it_with_status_1(
    server: ChinwagServer, start: Start
) -> None:
    relay = Relay(address_of(server))
    await relay.start()
    relay.down()  # it accepts connections and closes them at once
    try:
        ana = start(relay.address)
        assert await ana.result() == EXIT_FAILED
        reason = ana.errors.getvalue().removeprefix("chinwag chat: ").strip()
        assert reason.startswith(("Connection closed", "Connection lost")), reason
        assert ana.out.lines[-1].endswith(f"!! {reason}")
        assert "reconnecting" not in ana.out.getvalue()
    finally:
        await relay.close()


async def test_after_a_drop_what_is_typed_meanwhile_is_pending_and_sent_once_back(
    server: ChinwagServer, start: Start
) -> None:
    relay = Relay(address_of(server))
    await relay.start()
    try:
        bo = await IrcClient.registered(address_of(server), "bo", "#lobby")
        ana = start(relay.address)
        await ana.landed()
        relay.down()
        await ana.out.expect(rf"{T} !! Disconnected: .*")
        await ana.out.expect(
            rf"{T} !! Server is down — reconnecting (in \d+s|now) \(press Ctrl-C to quit\)"
        )
        ana.script.type("kept words")
        await ana.out.expect(rf"{T} <ana> kept words \(not sent yet: waiting for the server\)")
        relay.up()
        await ana.out.expect(rf"{T} -- Reconnected")
        ana.script.type("back again")
        await bo.expect(is_("PRIVMSG", "#lobby", "kept words"))
        await bo.expect(is_("PRIVMSG", "#lobby", "back again"))
        await ana.out.expect(rf"{T} <ana> kept words")  # the echo: no longer pending
        assert await ana.end_of_input() == EXIT_OK
        assert "Not connected" not in ana.out.getvalue()
    finally:
        await relay.close()


async def test_cancelling_it_as_ctrl_c_does_says_quit_first(
    server: ChinwagServer, start: Start
) -> None:
    bo = await IrcClient.registered(address_of(server), "bo", "#lobby")
    ana = start(address_of(server))
    await ana.landed()
    await bo.expect(is_("JOIN", "#lobby"))
    ana.task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await ana.result()
    await bo.expect(lambda line: line.command == "QUIT")


async def test_run_plain_reads_its_stdin_to_the_end_and_writes_no_colour_to_a_file(
    server: ChinwagServer,
) -> None:
    bo = await IrcClient.registered(address_of(server), "bo", "#lobby")
    host, port = address_of(server)
    options = ChatOptions(host=host, port=port, nick="ana")
    out = io.StringIO()
    # run_plain owns its event loop (asyncio.run), so it runs in a thread of its own here.
    status = await asyncio.wait_for(
        asyncio.to_thread(run_plain, options, stdin=io.StringIO("one\ntwo\n"), stdout=out),
        TIMEOUT,
    )
    assert status == EXIT_OK
    await bo.expect(is_("PRIVMSG", "#lobby", "one"))
    await bo.expect(is_("PRIVMSG", "#lobby", "two"))
    await bo.expect(lambda line: line.command == "QUIT")
    assert re.search(rf"^{T} <ana> two$", out.getvalue(), re.MULTILINE)
    assert "\x1b" not in out.getvalue()


# -- the real program behind a pipe -----------------------------------------------------------


async def chinwag_chat(server: ChinwagServer, *args: str) -> asyncio.subprocess.Process:
    """``python -m chinwag chat HOST:PORT --nick ana --plain`` with pipes for stdio."""
    host, port = address_of(server)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("NO_COLOR", None)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "chinwag",
        "chat",
        f"{host}:{port}",
        "--nick",
        "ana",
        "--plain",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )


PROGRAM_TIMEOUT = 15.0
"""Seconds the program may take, interpreter start-up included."""


async def finished(process: asyncio.subprocess.Process) -> tuple[int, str]:
    """Wait for the program to exit; its status and stdout (stderr shown if it failed)."""
    try:
        async with asyncio.timeout(PROGRAM_TIMEOUT):
            stdout, stderr = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError("the program did not exit in time") from None
    assert process.returncode is not None
    return process.returncode, stdout.decode() + stderr.decode()


async def test_through_a_pipe_it_says_what_stdin_says_and_quits_at_eof(
    server: ChinwagServer,
) -> None:
    bo = await IrcClient.registered(address_of(server), "bo", "#lobby")
    started = time.monotonic()
    process = await chinwag_chat(server)
    assert process.stdin is not None
    process.stdin.write(b"hello from a pipe\n")
    await process.stdin.drain()
    process.stdin.close()
    await bo.expect(is_("PRIVMSG", "#lobby", "hello from a pipe"), timeout=PROGRAM_TIMEOUT)
    quit_ = await bo.expect(lambda line: line.command == "QUIT")
    assert quit_.hostmask is not None and quit_.hostmask.nickname == "ana"
    status, output = await finished(process)
    assert status == EXIT_OK, output
    assert re.search(rf"^{T} <ana> hello from a pipe$", output, re.MULTILINE), output
    assert "\x1b" not in output
    assert "Traceback" not in output
    assert time.monotonic() - started < PROGRAM_TIMEOUT


async def test_slash_quit_ends_the_program_although_stdin_stays_open(
    server: ChinwagServer,
) -> None:
    bo = await IrcClient.registered(address_of(server), "bo", "#lobby")
    process = await chinwag_chat(server)
    assert process.stdin is not None
    process.stdin.write(b"/quit see you\n")  # and stdin is left open
    await process.stdin.drain()
    quit_ = await bo.expect(lambda line: line.command == "QUIT", timeout=PROGRAM_TIMEOUT)
    assert "see you" in quit_.params[-1]
    status, output = await finished(process)
    assert status == EXIT_OK, output
    assert "Fatal Python error" not in output


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT, a POSIX signal")
async def test_ctrl_c_says_quit_and_exits_130(server: ChinwagServer) -> None:
    bo = await IrcClient.registered(address_of(server), "bo", "#lobby")
    process = await chinwag_chat(server)
    await bo.expect(is_("JOIN", "#lobby"), timeout=PROGRAM_TIMEOUT)
    process.send_signal(signal.SIGINT)
    await bo.expect(lambda line: line.command == "QUIT")
    status, output = await finished(process)
    assert status == EXIT_INTERRUPTED, output
    assert "Traceback" not in output


# -- accounts ---------------------------------------------------------------------------------

PASSWORD = "correct horse battery"


class FakeTerminal:
    """:class:`Echo` of a pretend terminal: says whether what is typed would show."""

    def __init__(self) -> None:
        self.echoing = True
        self.hidden_times = 0

    def hide(self) -> None:
        self.echoing = False
        self.hidden_times += 1

    def show(self) -> None:
        self.echoing = True


async def register_account(server: ChinwagServer, nick: str = "ana") -> None:
    client = await IrcClient.registered(address_of(server), nick)
    await client.send("REGISTER", "*", PASSWORD)
    await client.expect(is_("REGISTER", "SUCCESS"))
    # Not always-on (issue 16): once it left, nobody holds the nick.
    await client.send("PRIVMSG", "NickServ", "SET ALWAYS-ON OFF")
    await client.expect(is_("NOTICE", nick))
    await client.send("QUIT")
    await client.expect_closed()


async def test_a_protected_nick_says_to_type_login_which_reads_the_password_unseen(
    server: ChinwagServer, start: Start
) -> None:
    await register_account(server)
    terminal = FakeTerminal()
    ana = start(address_of(server), echo=terminal)
    await ana.out.expect(
        rf"{T} !! ana belongs to a registered account: type /login within 30 seconds.*"
    )
    await ana.landed()
    ana.script.type("/login")
    await ana.out.expect(rf"{T} -- Log in as ana\. Password \(not shown\), then Enter:")
    assert not terminal.echoing
    ana.script.type(PASSWORD)
    await ana.out.expect(rf"{T} -- You are logged in as ana")
    assert terminal.echoing and terminal.hidden_times == 1
    assert await ana.end_of_input() == EXIT_OK
    assert PASSWORD not in ana.out.getvalue()


async def test_register_asks_for_the_password_twice(server: ChinwagServer, start: Start) -> None:
    terminal = FakeTerminal()
    ana = start(address_of(server), "ana", "/register", PASSWORD, PASSWORD, echo=terminal)
    await ana.out.expect(
        rf"{T} -- Register the account ana\. Choose a password \(at least 8 characters\) "
        r"\(not shown\), then Enter:"
    )
    await ana.out.expect(rf"{T} -- The same password again, then Enter:")
    await ana.out.expect(rf"{T} -- Account ana registered; you are logged in")
    assert terminal.echoing
    assert await ana.end_of_input() == EXIT_OK
    assert PASSWORD not in ana.out.getvalue()


async def test_a_too_short_password_is_refused_before_it_is_typed_again(
    server: ChinwagServer, start: Start
) -> None:
    lines = ("/register", "short", PASSWORD, PASSWORD)
    ana = start(address_of(server), "ana", *lines, echo=FakeTerminal())
    await ana.out.expect(
        rf"{T} !! Too short: this server wants at least 8 characters \(that was 5\)\. "
        "Try again, then Enter:"
    )
    await ana.out.expect(rf"{T} -- Account ana registered; you are logged in")
    assert await ana.end_of_input() == EXIT_OK
    assert "short" not in ana.out.getvalue().replace("Too short", "")


async def test_passwords_that_differ_register_nothing(server: ChinwagServer, start: Start) -> None:
    ana = start(address_of(server), "ana", "/register", PASSWORD, "oops", echo=FakeTerminal())
    await ana.out.expect(rf"{T} !! The two passwords are not the same: /register to try again")
    assert await ana.end_of_input() == EXIT_OK
    assert "oops" not in ana.out.getvalue()


async def test_without_a_terminal_login_is_refused_with_what_to_do_instead(
    server: ChinwagServer, start: Start
) -> None:
    ana = start(address_of(server), "ana", "/login")
    await ana.out.expect(
        rf"{T} !! /login needs a terminal to type the password without showing it; "
        "give it with --password-file or CHINWAG_PASSWORD instead"
    )
    assert await ana.end_of_input() == EXIT_OK


async def test_a_password_given_up_front_logs_in_while_connecting(
    server: ChinwagServer, start: Start
) -> None:
    await register_account(server)
    ana = start(address_of(server), password=PASSWORD)
    await ana.out.expect(rf"{T} -- You are logged in as ana")
    await ana.landed()
    assert await ana.end_of_input() == EXIT_OK
    assert "registered account" not in ana.out.getvalue()  # no warning: we logged in


async def test_missed_direct_messages_come_after_a_divider_with_their_times(
    server: ChinwagServer, start: Start
) -> None:
    await register_account(server)
    bo = await IrcClient.registered(address_of(server), "bo")
    await bo.send("PRIVMSG", "ana", "are you coming tonight?")
    await bo.expect(lambda line: "delivered when they next log in" in line.params[-1])
    ana = start(address_of(server), password=PASSWORD)
    await ana.out.expect(rf"{T} \[bo\] === missed while you were away ===")
    await ana.out.expect(rf"{T} \[bo\] <bo> are you coming tonight\?")
    assert await ana.end_of_input() == EXIT_OK


async def test_through_a_pipe_at_nick_is_one_message_and_the_next_line_is_for_the_room(
    server: ChinwagServer,
) -> None:
    bob = await IrcClient.registered(address_of(server), "bob", "#lobby")
    process = await chinwag_chat(server)
    assert process.stdin is not None
    process.stdin.write(b"hello room\n@bob secret for bob\nthis is for the room\n")
    await process.stdin.drain()
    process.stdin.close()
    await bob.expect(is_("PRIVMSG", "#lobby", "hello room"), timeout=PROGRAM_TIMEOUT)
    await bob.expect(is_("PRIVMSG", "bob", "secret for bob"))
    await bob.expect(is_("PRIVMSG", "#lobby", "this is for the room"))
    status, output = await finished(process)
    assert status == EXIT_OK, output
    assert re.search(rf"^{T} -- → bob: secret for bob$", output, re.MULTILINE), output
    assert re.search(rf"^{T} <ana> this is for the room$", output, re.MULTILINE), output
    assert "Now talking in bob" not in output


async def test_through_a_pipe_a_line_after_join_goes_to_the_new_room_after_its_backlog(
    server: ChinwagServer,
) -> None:
    bob = await IrcClient.registered(address_of(server), "bob", "#lobby", "#games")
    await bob.send("PRIVMSG", "#games", "earlier in games")
    process = await chinwag_chat(server)
    assert process.stdin is not None
    process.stdin.write(b"/join #games\nin games now\n")
    await process.stdin.drain()
    process.stdin.close()
    await bob.expect(is_("JOIN", "#games"), timeout=PROGRAM_TIMEOUT)
    await bob.expect(is_("PRIVMSG", "#games", "in games now"))
    status, output = await finished(process)
    assert status == EXIT_OK, output
    backlog = re.search(rf"^{T} <bob> earlier in games$", output, re.MULTILINE)
    ours = re.search(rf"^{T} <ana> in games now$", output, re.MULTILINE)
    assert backlog is not None and ours is not None, output
    assert backlog.start() < ours.start(), output

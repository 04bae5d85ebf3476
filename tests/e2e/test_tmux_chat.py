"""End to end in a real terminal: ``chinwag chat`` inside tmux, chatting in ``#lobby``.

tmux is the terminal here: the real ``chinwag chat`` runs in a detached tmux session of a
fixed size, ``send-keys`` types into it as a person would and ``capture-pane`` reads what it
drew (``-e`` keeps the colours and attributes as escape sequences). A second client, on
irctokens, sits in the same room, says something hostile (a colour escape, a bell, Rich
markup) and checks what the terminal client sends.

The tmux server has its own socket (``-L``) and no configuration file, so a person's own
tmux is never touched; it is killed after the test whatever happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import shutil
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from chinwag.server.app import ChinwagServer
from tests.ircclient import IrcClient, is_
from tests.waiting import until

TMUX = shutil.which("tmux")
DEADLINE = 8.0
"""Seconds each step gets (the client starts and draws in about one)."""
WIDTH, HEIGHT = 100, 30

if TMUX is None and os.environ.get("CI") != "true":
    pytest.skip("tmux is not installed (apt install tmux); CI requires it", allow_module_level=True)
if sys.platform == "win32":
    pytest.skip("tmux needs a POSIX system", allow_module_level=True)

pytestmark = pytest.mark.timeout(20)

HOSTILE = "hi ana \x1b[31mred\x1b[0m \x07 [bold]not markup[/bold]"
SHOWN = "hi ana red  [bold]not markup[/bold]"
"""HOSTILE as the client must draw it: escape and bell removed, brackets literal."""


class Tmux:
    """A private tmux server (socket name ``name``) with one session running a command."""

    def __init__(self, name: str, cwd: Path) -> None:
        self.name = name
        self.cwd = cwd
        self.environ = {
            key: value
            for key, value in os.environ.items()
            if key not in ("TMUX", "TMUX_PANE", "COLORFGBG")  # not nested, default theme
        }
        self.environ["TERM"] = "xterm-256color"

    async def run(self, *args: str) -> str:
        """One tmux command on our socket; its output (fails the test on an error)."""
        assert TMUX is not None
        process = await asyncio.create_subprocess_exec(
            TMUX,
            "-L",
            self.name,
            "-f",
            os.devnull,
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self.environ,
            cwd=self.cwd,
        )
        out, err = await process.communicate()
        if process.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)}: {err.decode(errors='replace')}")
        return out.decode(errors="replace")

    async def start(self, command: str) -> None:
        """A detached session of WIDTH x HEIGHT running ``command`` under ``sh -c``."""
        await self.run(
            "new-session",
            "-d",
            "-x",
            str(WIDTH),
            "-y",
            str(HEIGHT),
            "-c",
            str(self.cwd),
            command,
        )

    async def screen(self, *, escapes: bool = False) -> str:
        """What the pane shows now; with ``escapes``, colours and attributes included."""
        return await self.run("capture-pane", "-p", *(["-e"] if escapes else []))

    async def type(self, text: str) -> None:
        """Type ``text`` literally (no key names), in one go."""
        await self.run("send-keys", "-l", text)

    async def press(self, key: str) -> None:
        """Press one named key: ``Enter``, ``C-c``..."""
        await self.run("send-keys", key)

    async def until(self, what: str, check: Callable[[str], bool]) -> str:
        """Look at the screen until ``check`` accepts it (returned), or fail saying ``what``."""
        shown = ""

        async def look() -> str | None:
            nonlocal shown
            shown = await self.screen()
            return shown if check(shown) else None

        found = await until(
            look, f"tmux: {what}", timeout=DEADLINE, describe=lambda: f"The screen:\n{shown}"
        )
        assert found is not None
        return found

    async def until_shows(self, pattern: str) -> str:
        """Poll until the screen has a match for the regular expression ``pattern``."""
        regex = re.compile(pattern, re.MULTILINE)
        return await self.until(repr(pattern), lambda shown: regex.search(shown) is not None)

    async def kill(self) -> None:
        """Stop the tmux server and everything running in it; remove its socket (tmux
        leaves it behind)."""
        with contextlib.suppress(AssertionError, OSError):
            socket = (await self.run("display-message", "-p", "#{socket_path}")).strip()
            await self.run("kill-server")
            if socket.endswith(self.name):
                Path(socket).unlink(missing_ok=True)


@pytest.fixture
async def tmux(tmp_path: Path) -> AsyncIterator[Tmux]:
    """A private tmux server, killed after the test."""
    if TMUX is None:
        pytest.fail("tmux is required under CI=true but is not installed")
    terminal = Tmux(f"chinwag-test-{os.getpid()}-{uuid.uuid4().hex[:8]}", tmp_path)
    try:
        yield terminal
    finally:
        await terminal.kill()


async def test_chinwag_chat_in_tmux(server: ChinwagServer, tmux: Tmux) -> None:
    host, port = server.addresses[0]
    argv = [sys.executable, "-m", "chinwag", "chat", f"{host}:{port}"]
    argv += ["--nick", "ana", "--color", "teal"]
    chat = shlex.join(argv)
    # tmux sets TERM for its panes itself, so the command sets it again; the shell stays
    # after the client ends to show its exit status.
    await tmux.start(f"TERM=xterm-256color {chat}; echo EXITED:$?; sleep 30")
    await tmux.until_shows(r"→ ana joined #lobby")
    await tmux.until_shows(r"^ \[ana\] ")  # the prompt: the chat screen has the input focus

    bo = await IrcClient.registered((host, port), "bo", "#lobby")
    await tmux.until_shows(r"→ bo joined #lobby")
    await bo.send("PRIVMSG", "#lobby", HOSTILE)
    shown = await tmux.until_shows(r"\d\d:\d\d <bo> hi ana")
    assert SHOWN in shown
    assert "[bold]not markup[/bold]" in shown
    assert "\x1b" not in shown and "\x07" not in shown
    # With attributes: the whole message is one run of cells, so "red" is not red and
    # "not markup" is not bold (tmux writes an escape wherever the attributes change).
    assert SHOWN in await tmux.screen(escapes=True)
    assert (await tmux.run("display-message", "-p", "#{window_bell_flag}")).strip() == "0"

    # Text and Enter go in separate calls: Textual drops a key that arrives in the same
    # read as the text before it.
    await tmux.type("hello from tmux")
    await tmux.until_shows(r"^ \[ana\] hello from tmux")
    await tmux.press("Enter")
    said = await bo.expect(is_("PRIVMSG", "#lobby"), timeout=DEADLINE)
    assert (said.hostmask.nickname, said.params[1]) == ("ana", "hello from tmux")
    await tmux.until_shows(r"(?<!\d)\d\d:\d\d <ana> hello from tmux")

    await tmux.type("@online")
    await tmux.until_shows(r"^ \[ana\] @online")
    await tmux.press("Enter")
    await tmux.until_shows(r"In #lobby \(2\): [@+]?ana, [@+]?bo\b")

    await tmux.press("C-c")
    quit_ = await bo.expect(is_("QUIT"), timeout=DEADLINE)
    assert quit_.hostmask.nickname == "ana"
    await tmux.until_shows(r"^EXITED:0$")
    # The terminal is given back as it was: main screen, cursor shown, no mouse reporting.
    modes = "#{alternate_on} #{cursor_flag} #{mouse_any_flag} #{mouse_all_flag}"
    assert (await tmux.run("display-message", "-p", modes)).split() == ["0", "1", "0", "0"]
    await bo.close()


# -- accounts: passwords typed in a real terminal are never shown ----------------------------

PASSWORD = "correct horse battery"


async def register_account(server: ChinwagServer, nick: str = "ana") -> None:
    """``nick`` is a registered account (made by a raw client that then leaves)."""
    client = await IrcClient.registered(server.addresses[0], nick)
    await client.send("REGISTER", "*", PASSWORD)
    await client.expect(is_("REGISTER", "SUCCESS"), timeout=DEADLINE)
    await client.send("QUIT")
    await client.expect_closed()


def chat_command(server: ChinwagServer, *options: str) -> str:
    """The shell command running ``chinwag chat`` on ``server`` as ana, then saying how it
    ended and whether the terminal echoes again (``stty``: ``echo`` or ``-echo``)."""
    host, port = server.addresses[0]
    argv = [sys.executable, "-m", "chinwag", "chat", f"{host}:{port}", "--nick", "ana", *options]
    echo = "stty -a | tr ' ' '\\n' | grep -x -- '-\\{0,1\\}echo' | sed 's/^/STTY:/'"
    return f"TERM=xterm-256color {shlex.join(argv)}; echo EXITED:$?; {echo}; sleep 30"


async def test_register_in_the_terminal_client_shows_only_dots(
    server: ChinwagServer, tmux: Tmux
) -> None:
    await tmux.start(chat_command(server))
    await tmux.until_shows(r"^ \[ana\] ")
    await tmux.type("/register")
    await tmux.until_shows(r"^ \[ana\] /register")
    await tmux.press("Enter")
    await tmux.until_shows(r"Register the account ana")
    await tmux.type(PASSWORD)
    shown = await tmux.until_shows("•" * len(PASSWORD))
    assert PASSWORD not in shown
    await tmux.press("Enter")
    await tmux.until_shows(r"Now the same password again, then Enter")
    await tmux.type(PASSWORD)
    dots = "•" * len(PASSWORD)
    await tmux.until("both fields filled, masked", lambda shown: shown.count(dots) == 2)
    await tmux.press("Enter")
    shown = await tmux.until_shows(r"Account ana registered; you are logged in")
    assert PASSWORD not in shown
    await tmux.press("C-c")
    await tmux.until_shows(r"^EXITED:0$")


async def test_login_in_plain_mode_reads_the_password_with_the_echo_off(
    server: ChinwagServer, tmux: Tmux
) -> None:
    await register_account(server)
    await tmux.start(chat_command(server, "--plain"))
    await tmux.until_shows(r"!! ana belongs to a registered account: type /login")
    await tmux.type("/login")
    await tmux.press("Enter")
    await tmux.until_shows(r"-- Log in as ana\. Password \(not shown\), then Enter:")
    await tmux.type(PASSWORD)
    await tmux.press("Enter")
    shown = await tmux.until_shows(r"-- You are logged in as ana")
    assert PASSWORD not in shown  # neither echoed by the terminal nor printed
    await tmux.type("/quit")
    await tmux.press("Enter")
    shown = await tmux.until_shows(r"^STTY:-?echo$")
    assert re.search(r"^EXITED:0$", shown, re.MULTILINE)
    assert re.search(r"^STTY:echo$", shown, re.MULTILINE)  # the echo is back on
    assert PASSWORD not in shown


async def test_ask_password_logs_in_while_connecting(server: ChinwagServer, tmux: Tmux) -> None:
    await register_account(server)
    await tmux.start(chat_command(server, "--ask-password"))
    await tmux.until_shows(r"^Password for ana:")
    await tmux.type(PASSWORD)
    await tmux.press("Enter")
    await tmux.until_shows(r"→ ana joined #lobby")
    shown = await tmux.until_shows(r"^ \[ana\] ")
    assert PASSWORD not in shown and "registered account" not in shown
    await tmux.press("C-c")
    await tmux.until_shows(r"^EXITED:0$")

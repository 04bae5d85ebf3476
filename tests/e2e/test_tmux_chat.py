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
from tests.conftest import ServerFactory
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
    """``nick`` is a registered account (made by a raw client that then leaves), not
    always-on, so nobody holds the nick once it left (issue 16)."""
    client = await IrcClient.registered(server.addresses[0], nick)
    await client.send("REGISTER", "*", PASSWORD)
    await client.expect(is_("REGISTER", "SUCCESS"), timeout=DEADLINE)
    await client.send("PRIVMSG", "NickServ", "SET ALWAYS-ON OFF")
    await client.expect(is_("NOTICE", nick), timeout=DEADLINE)
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


# -- reconnecting, typing, help: what the chat screen adds to a plain IRC client -------------

PENDING = "(not sent yet: waiting for the server)"


def log_entries(shown: str) -> list[str]:
    """The chat log's entries on ``shown``, each on one line again (the log is narrower than
    the terminal, so long entries wrap onto indented rows)."""
    entries: list[str] = []
    for row in shown.splitlines():
        cells = re.search(r"▕(.*)▏", row)
        text = cells.group(1).strip() if cells else ""
        if re.match(r"\d\d:\d\d ", text):
            entries.append(text)
        elif text and entries:
            entries[-1] += " " + text
    return entries


async def with_caps(address: tuple[str, int], nick: str, caps: str) -> IrcClient:
    """A raw client registered as ``nick`` with ``caps`` enabled, in ``#lobby``."""
    client = await IrcClient.connect(address)
    await client.send("CAP", "REQ", caps)
    await client.expect(is_("CAP", "*", "ACK"), timeout=DEADLINE)
    await client.send("CAP", "END")
    await client.register(nick)
    await client.join("#lobby")
    return client


async def start_chat(server: ChinwagServer, tmux: Tmux) -> None:
    """``chinwag chat`` as ana in #lobby, with the input line focused."""
    await tmux.start(chat_command(server))
    await tmux.until_shows(r"→ ana joined #lobby")
    await tmux.until_shows(r"^ \[ana\] ")


async def say(tmux: Tmux, text: str) -> None:
    """Type ``text`` into the input line, then Enter (in two calls: see the first test), and
    wait until the input line is empty again: keys sent right after the Enter could reach
    the terminal in the same read and be taken with it as one paste (the next line glued to
    this one)."""
    await tmux.type(text)
    typed = re.compile(rf"^ \[ana\] {re.escape(text)}", re.MULTILINE)
    await tmux.until(f"{text!r} typed", lambda shown: typed.search(shown) is not None)
    await tmux.press("Enter")
    await tmux.until(f"{text!r} taken", lambda shown: typed.search(shown) is None)


@pytest.mark.timeout(40)
async def test_lines_typed_while_the_server_is_down_wait_and_go_in_order_after_it_is_back(
    make_server: ServerFactory, tmux: Tmux
) -> None:
    first = await make_server()
    port = first.addresses[0][1]
    await start_chat(first, tmux)

    await first.stop(grace=1.0)
    await tmux.until_shows(r"Server is down — reconnecting")
    await say(tmux, "one while down")
    await say(tmux, "two while down")
    entries = await tmux.until(
        "both lines marked as waiting",
        lambda shown: sum(entry.endswith(PENDING) for entry in log_entries(shown)) == 2,
    )
    said = [entry[6:] for entry in log_entries(entries) if entry.endswith(PENDING)]
    assert said == [f"<ana> one while down {PENDING}", f"<ana> two while down {PENDING}"]

    # Restart only while the client's next attempt is seconds away, so bob is in the room
    # before ana comes back; then F5 cuts the wait short.
    await tmux.until_shows(r"reconnecting in ([4-9]|\d\d)s")
    second = await make_server(port=port)
    bob = await IrcClient.registered(second.addresses[0], "bob", "#lobby")
    await tmux.press("F5")
    await bob.expect(lambda line: line.command == "JOIN" and line.hostmask.nickname == "ana")
    one = await bob.expect(is_("PRIVMSG", "#lobby"), timeout=DEADLINE)
    two = await bob.expect(is_("PRIVMSG", "#lobby"), timeout=DEADLINE)
    assert [(m.hostmask.nickname, m.params[1]) for m in (one, two)] == [
        ("ana", "one while down"),
        ("ana", "two while down"),
    ]
    shown = await tmux.until(
        "both lines sent, no pending mark",
        lambda shown: not any(entry.endswith(PENDING) for entry in log_entries(shown)),
    )
    said = [entry[6:] for entry in log_entries(shown) if "while down" in entry]
    assert said == ["<ana> one while down", "<ana> two while down"]
    assert "Server is down" not in shown


async def test_the_typing_indicator_goes_both_ways(server: ChinwagServer, tmux: Tmux) -> None:
    await start_chat(server, tmux)
    bob = await with_caps(server.addresses[0], "bob", "message-tags")
    await tmux.until_shows(r"→ bob joined #lobby")
    shown = await tmux.screen()
    assert "is typing" not in shown

    await bob.send_raw(b"@+typing=active TAGMSG #lobby\r\n")
    shown = await tmux.until_shows(r"bob is typing…")
    log_row = max(i for i, row in enumerate(shown.splitlines()) if "→ bob joined #lobby" in row)
    typing_row = next(i for i, row in enumerate(shown.splitlines()) if "bob is typing…" in row)
    assert log_row < typing_row  # under the log

    await tmux.type("hel")
    notice = await bob.expect(is_("TAGMSG", "#lobby"), timeout=DEADLINE)
    assert notice.hostmask.nickname == "ana"
    assert notice.tags is not None and notice.tags.get("+typing") == "active"


async def test_f1_opens_the_command_list_over_the_chat_and_escape_closes_it(
    server: ChinwagServer, tmux: Tmux
) -> None:
    await start_chat(server, tmux)
    shown = await tmux.screen()
    assert "Esc closes this" not in shown and "list commands" not in shown

    await tmux.press("F1")
    shown = await tmux.until_shows(r"Esc closes this")
    assert re.search(r"@help, /help\s+list commands", shown), shown
    assert re.search(r"@online, /who, /names\s+who is in the room / online", shown), shown

    await tmux.press("Escape")
    shown = await tmux.until("the command list closed", lambda s: "Esc closes this" not in s)
    assert "list commands" not in shown
    assert "→ ana joined #lobby" in shown  # the chat is back
    await say(tmux, "back to chat")  # and its input line has the focus again
    await tmux.until_shows(r"(?<!\d)\d\d:\d\d <ana> back to chat")

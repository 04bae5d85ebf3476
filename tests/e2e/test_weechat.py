"""End to end with a stock terminal client: WeeChat, headless, chatting in ``#lobby``.

WeeChat is driven the way a person scripts it: ``--run-command`` adds and joins the server,
its FIFO pipe takes what it should type, and its logger files record what it showed. A second
client, on irctokens, sits in the same room; each side must see what the other said.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import errno
import os
import re
import shutil
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from chinwag.config import Config, Listener
from chinwag.protocol.casemap import fold
from chinwag.protocol.fingerprints import normal_fingerprint
from chinwag.server.app import ChinwagServer
from chinwag.storage.memory import MemoryStore
from tests.certs import self_signed_pem
from tests.conftest import LOOPBACK_CLOAK, ServerFactory, test_config
from tests.ircclient import IrcClient, is_
from tests.waiting import until

WEECHAT = shutil.which("weechat-headless")
DEADLINE = 20.0
"""Seconds WeeChat gets for each step (it starts in well under one)."""

if WEECHAT is None and os.environ.get("CI") != "true":
    pytest.skip(
        "weechat-headless is not installed (apt install weechat-headless); CI requires it",
        allow_module_level=True,
    )
if sys.platform == "win32":
    pytest.skip("WeeChat's FIFO pipe needs a POSIX system", allow_module_level=True)


async def _until(what: str, check: Callable[[], bool], weechat: WeeChat) -> None:
    """Look until ``check`` holds, or fail saying ``what`` (at once if WeeChat exited)."""

    def look() -> bool:
        if weechat.process.returncode is not None:
            raise AssertionError(f"WeeChat exited: {what}\n{weechat.diagnostics()}")
        return check()

    await until(look, f"WeeChat: {what}", timeout=DEADLINE, describe=weechat.diagnostics)


@dataclass
class WeeChat:
    """A running ``weechat-headless`` with its FIFO pipe and log directory."""

    process: asyncio.subprocess.Process
    home: Path
    fifo: Path
    logs: Path
    stdout: Path

    def type(self, buffer: str, text: str) -> bool:
        """Write ``text`` into ``buffer`` as if typed there; False until the FIFO is ready."""
        try:
            fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as error:
            if error.errno in (errno.ENOENT, errno.ENXIO):
                return False
            raise
        try:
            os.write(fd, f"{buffer} *{text}\n".encode())
        finally:
            os.close(fd)
        return True

    def logged(self, pattern: str) -> bool:
        """Whether any of WeeChat's log files has a line matching ``pattern``."""
        regex = re.compile(pattern, re.MULTILINE)
        return any(regex.search(path.read_text(errors="replace")) for path in self._log_files())

    def _log_files(self) -> list[Path]:
        return sorted(self.logs.glob("*.weechatlog")) if self.logs.is_dir() else []

    def diagnostics(self) -> str:
        parts = [
            f"--- {path.name}\n{path.read_text(errors='replace')}" for path in self._log_files()
        ]
        if self.stdout.exists():
            parts.append(f"--- stdout\n{self.stdout.read_text(errors='replace')[-3000:]}")
        return "\n".join(parts) or "(no logs)"


def tls_options(**values: str) -> list[str]:
    """``/set`` commands for WeeChat's TLS server options under both their names: ``tls*``
    since WeeChat 4, ``ssl*`` before (``tls_fingerprint`` was ``ssl_fingerprint``)."""
    return [
        f"/set irc.server.t.{prefix}{name.removeprefix('tls')} {value}"
        for name, value in values.items()
        for prefix in ("tls", "ssl")
    ]


@pytest.fixture
async def weechat_on(tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[WeeChat]]]:
    """``await weechat_on(port)``: WeeChat connecting as ``wee`` and joining ``#lobby``;
    ``settings`` adds ``/set`` commands (SASL) before it connects; ``tls`` connects over
    TLS. Each call starts a fresh WeeChat with its own home directory."""
    if WEECHAT is None:
        pytest.fail("weechat-headless is required under CI=true but is not installed")
    started: list[WeeChat] = []

    async def start(port: int, settings: tuple[str, ...] = (), tls: bool = False) -> WeeChat:
        run = tmp_path / f"weechat{len(started)}"
        run.mkdir()
        fifo, logs = run / "weechat_fifo", run / "logs"
        commands = [
            f"/set fifo.file.path {fifo}",
            "/set fifo.file.enabled on",
            f"/set logger.file.path {logs}",
            "/set logger.file.flush_delay 0",
            f"/server add t 127.0.0.1/{port} -notls",
            # "tls" since WeeChat 4, "ssl" before: setting the one that does not exist is
            # harmless (as with anti_flood below).
            *tls_options(tls=("on" if tls else "off")),
            "/set irc.server.t.nicks wee",
            "/set irc.server.t.username wee",
            "/set irc.server.t.autojoin #lobby",
            # No anti-flood delay (2 s per message by default): "anti_flood" in WeeChat 4,
            # "anti_flood_prio_high" before. Setting the one that does not exist is harmless.
            "/set irc.server.t.anti_flood 0",
            "/set irc.server.t.anti_flood_prio_high 0",
            *settings,
            "/connect t",
        ]
        stdout = run / "weechat_stdout.txt"
        with stdout.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                str(WEECHAT),
                "--dir",
                str(run / "home"),
                "--no-script",
                "--plugins",
                "irc,fifo,logger",
                "--stdout",
                "--run-command",
                ";".join(commands),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
            )
        weechat = WeeChat(process, run / "home", fifo, logs, stdout)
        started.append(weechat)
        return weechat

    yield start
    for weechat in started:
        if weechat.process.returncode is None:
            weechat.process.kill()
        with contextlib.suppress(ProcessLookupError):
            await weechat.process.wait()


async def test_weechat_and_another_client_chat_in_the_lobby(
    make_server: ServerFactory, weechat_on: Callable[..., Awaitable[WeeChat]]
) -> None:
    server = await make_server()
    host, port = server.addresses[0]
    pal = await IrcClient.registered((host, port), "pal", "#lobby")

    wee = await weechat_on(port)
    joined = await pal.expect(is_("JOIN", "#lobby"), timeout=DEADLINE)
    assert joined.source == f"wee!~wee@{LOOPBACK_CLOAK}"

    await pal.send("PRIVMSG", "#lobby", "hello from pal")
    await _until("pal's message in #lobby", lambda: wee.logged(r"\t@?pal\thello from pal$"), wee)

    await _until("its FIFO pipe", lambda: wee.type("irc.t.#lobby", "hello from weechat"), wee)
    said = await pal.expect(is_("PRIVMSG", "#lobby"), timeout=DEADLINE)
    assert (said.hostmask.nickname, said.params[1]) == ("wee", "hello from weechat")

    await pal.send("PRIVMSG", "wee", "psst, wee")
    await _until("pal's private message", lambda: wee.logged(r"\t@?pal\tpsst, wee$"), wee)
    assert wee.type("irc.server.t", "/msg pal psst back")
    whispered = await pal.expect(is_("PRIVMSG", "pal"), timeout=DEADLINE)
    assert (whispered.hostmask.nickname, whispered.params[1]) == ("wee", "psst back")

    assert wee.type("irc.server.t", "/quit see you")
    quit_ = await pal.expect(is_("QUIT"), timeout=DEADLINE)
    assert quit_.hostmask.nickname == "wee"
    assert "see you" in quit_.params[0]
    assert await asyncio.wait_for(wee.process.wait(), DEADLINE) == 0
    await pal.close()


async def test_weechat_registers_with_nickserv_then_logs_in_with_scram_and_gets_a_replay(
    make_server: ServerFactory, weechat_on: Callable[..., Awaitable[WeeChat]]
) -> None:
    """Issue 4: a stock client registers with ``/msg NickServ REGISTER``, logs in next time
    with SASL (SCRAM-SHA-256, WeeChat's own implementation), and, knowing nothing of
    chathistory, gets the room's lines replayed. Issue 16: the account is always-on (the
    default), so ``/quit`` leaves it in the room, nobody sees it leave or come back, and the
    login brings back the room with what was said meanwhile."""
    server = await make_server()
    host, port = server.addresses[0]
    pal = await IrcClient.registered((host, port), "pal", "#lobby")

    first = await weechat_on(port)
    await pal.expect(is_("JOIN", "#lobby"), timeout=DEADLINE)
    await _until("its FIFO pipe", lambda: first.type("irc.server.t", "/msg NickServ HELP"), first)
    assert first.type("irc.server.t", "/msg NickServ REGISTER wee-secret-42")
    await _until(
        "NickServ's answer",
        lambda: first.logged(r"Account wee registered\. You are now logged in\."),
        first,
    )
    assert first.type("irc.server.t", "/quit")
    assert await asyncio.wait_for(first.process.wait(), DEADLINE) == 0
    wee = server.core.network.find_user("wee")
    assert wee is not None
    await until(lambda: not wee.sessions, "wee's session to end", timeout=DEADLINE)
    assert wee in server.core.network.channels[fold("#lobby")].members

    await pal.send("PRIVMSG", "#lobby", "said while wee was away")
    second = await weechat_on(
        port,
        (
            "/set irc.server.t.sasl_mechanism scram-sha-256",
            "/set irc.server.t.sasl_username wee",
            "/set irc.server.t.sasl_password wee-secret-42",
        ),
    )
    await _until("the login", lambda: bool(wee.sessions), second)
    assert server.core.network.find_user("wee") is wee and wee.account == "wee"
    await _until(
        "the replayed line",
        lambda: second.logged(r"\t@?pal\tsaid while wee was away$"),
        second,
    )


def tls_server_config() -> Config:
    """The test configuration with a TLS listener beside the plain one (both on port 0)."""
    return dataclasses.replace(
        test_config(),
        listeners=(Listener("127.0.0.1", 0, "tcp"), Listener("127.0.0.1", 0, "tls")),
    )


@pytest.fixture
async def tls_server() -> AsyncIterator[ChinwagServer]:
    """A started server with a TLS listener (its generated certificate kept in memory)."""
    server = ChinwagServer(tls_server_config(), MemoryStore())
    await server.start()
    yield server
    await IrcClient.close_all()
    await server.stop(grace=1.0)


async def test_weechat_over_tls_trusting_the_servers_fingerprint_chats_and_logs_in_by_certificate(
    tls_server: ChinwagServer, weechat_on: Callable[..., Awaitable[WeeChat]], tmp_path: Path
) -> None:
    """Issue 14: WeeChat connects over TLS, trusting the server's certificate by the SHA-256
    fingerprint the server prints, and chats with a plain-TCP client; with a client
    certificate added to its account by ``NickServ CERT ADD``, it then logs in by SASL
    EXTERNAL with no password."""
    server = tls_server
    plain, secure = server.addresses[0], server.addresses[1]
    fingerprint = server.tls_fingerprint
    assert fingerprint is not None
    pinned = tls_options(tls_fingerprint=normal_fingerprint(fingerprint) or "")
    client_cert = tmp_path / "wee.pem"
    client_cert.write_bytes(self_signed_pem("wee"))
    pal = await IrcClient.registered(plain, "pal", "#lobby")

    wee = await weechat_on(secure[1], (*pinned, *tls_options(tls_cert=str(client_cert))), True)
    await pal.expect(is_("JOIN", "#lobby"), timeout=DEADLINE)
    user = server.core.network.find_user("wee")
    assert user is not None and "Z" in user.modes
    await pal.send("PRIVMSG", "#lobby", "hello over there")
    await _until("pal's message", lambda: wee.logged(r"\t@?pal\thello over there$"), wee)
    await _until("its FIFO pipe", lambda: wee.type("irc.t.#lobby", "hello over TLS"), wee)
    said = await pal.expect(is_("PRIVMSG", "#lobby"), timeout=DEADLINE)
    assert (said.hostmask.nickname, said.params[1]) == ("wee", "hello over TLS")

    assert wee.type("irc.server.t", "/msg NickServ REGISTER wee-secret-42")
    await _until("the registration", lambda: wee.logged(r"You are now logged in\."), wee)
    assert wee.type("irc.server.t", "/msg NickServ CERT ADD")
    await _until("the certificate added", lambda: wee.logged(r"now logs in to wee\."), wee)
    assert wee.type("irc.server.t", "/quit")
    assert await asyncio.wait_for(wee.process.wait(), DEADLINE) == 0
    # Always-on (issue 16): the account's user stays in the room, with no session.
    await until(lambda: not user.sessions, "wee's session to end", timeout=DEADLINE)

    again = await weechat_on(
        secure[1],
        (
            *pinned,
            *tls_options(tls_cert=str(client_cert)),
            "/set irc.server.t.sasl_mechanism external",
        ),
        True,
    )
    await _until("the login by certificate", lambda: bool(user.sessions), again)
    assert server.core.network.find_user("wee") is user and user.account == "wee"

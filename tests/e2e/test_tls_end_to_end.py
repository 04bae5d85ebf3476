"""The whole TLS story with the real programs: ``chinwag serve`` prints its certificate's
fingerprint, ``chinwag chat`` shows the same one on first use, chats with a plain-TCP user,
adds a client certificate with ``/cert add`` and then logs in with it and no password."""

from __future__ import annotations

import asyncio
import re
import sys
import time
from pathlib import Path

from tests.ircclient import IrcClient
from tests.serve import FAST_HASHING, Serve, serve_env, serving


class Chat:
    """``chinwag chat --plain`` in a child process: lines in on stdin, lines out on stdout."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.out: list[str] = []

    @classmethod
    async def start(cls, home: Path, *args: str, **env: str) -> Chat:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "chinwag",
            "chat",
            "--plain",
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env={**serve_env(home), "NO_COLOR": "1", **env},
        )
        return cls(process)

    async def read_until(self, pattern: str, timeout: float = 20) -> re.Match[str]:
        """The first line (seen or still to come) matching ``pattern``."""
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        index = 0
        while True:
            for line in self.out[index:]:
                found = re.search(pattern, line)
                if found:
                    return found
            index = len(self.out)
            try:
                line = await asyncio.wait_for(
                    self.process.stdout.readline(), max(deadline - time.monotonic(), 0.01)
                )
            except TimeoutError:
                line = b""
            if not line:
                raise AssertionError(f"no {pattern!r} in: {self.out}")
            self.out.append(line.decode().rstrip("\n"))

    async def type(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode() + b"\n")
        await self.process.stdin.drain()

    async def leave(self) -> int:
        assert self.process.stdin is not None
        self.process.stdin.close()
        return await asyncio.wait_for(self.process.wait(), 20)


def printed_fingerprint(serve: Serve) -> str:
    """The fingerprint ``chinwag serve`` printed under its listing."""
    found = [line.strip() for line in serve.stdout if line.strip().startswith("SHA256:")]
    assert len(found) == 1, serve.stdout
    return found[0]


async def test_the_fingerprint_serve_prints_is_the_one_chat_shows_and_tls_users_chat(
    tmp_path: Path,
) -> None:
    async with serving(tmp_path, tls=True) as serve:
        await serve.read_until("Press Ctrl-C")
        fingerprint = printed_fingerprint(serve)
        assert f"  IRC over TLS     127.0.0.1:{serve.tls_port}" in serve.stdout
        assert f"  chinwag:         chinwag chat 127.0.0.1:{serve.tls_port} --tls" in serve.stdout
        bob = await IrcClient.registered(("127.0.0.1", serve.port), "bob", "#lobby")

        ana = await Chat.start(
            tmp_path / "ana", f"127.0.0.1:{serve.tls_port}", "--tls", "--nick", "ana"
        )
        shown = await ana.read_until(r"its certificate fingerprint is (SHA256:[0-9A-F:]+)")
        assert shown.group(1) == fingerprint
        await ana.read_until(r"--> ana joined #lobby")
        await ana.type("hello from the encrypted side")
        said = await bob.expect(lambda line: line.command == "PRIVMSG")
        assert (said.source.split("!")[0], said.params[-1]) == (
            "ana",
            "hello from the encrypted side",
        )
        await bob.send("PRIVMSG", "#lobby", "and hello from plain TCP")
        await ana.read_until(r"<bob> and hello from plain TCP")
        assert await ana.leave() == 0

        again = await Chat.start(
            tmp_path / "ana", f"127.0.0.1:{serve.tls_port}", "--tls", "--nick", "ana"
        )
        await again.read_until(r"--> ana joined #lobby")
        assert not any("First connection" in line for line in again.out), "pinned, quiet"
        assert await again.leave() == 0


async def test_a_client_certificate_added_with_cert_add_logs_in_without_a_password(
    tmp_path: Path,
) -> None:
    cert = tmp_path / "ana.pem"
    maker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "chinwag",
        "make-cert",
        str(cert),
        env=serve_env(tmp_path),
        stdout=asyncio.subprocess.PIPE,
    )
    made, _ = await maker.communicate()
    assert maker.returncode == 0
    shown = re.search(r"fingerprint: SHA256:([0-9A-F:]+)", made.decode())
    assert shown is not None, made
    async with serving(tmp_path, tls=True, **FAST_HASHING) as serve:
        address = f"127.0.0.1:{serve.tls_port}"
        registrar = await IrcClient.registered(("127.0.0.1", serve.port), "ana")
        await registrar.send("PRIVMSG", "NickServ", "REGISTER correct-horse-battery")
        await registrar.expect(lambda line: line.command == "900")
        await registrar.send("QUIT")
        await registrar.expect_closed()

        with_password = await Chat.start(
            tmp_path / "ana",
            address,
            "--tls",
            "--nick",
            "ana",
            "--cert",
            str(cert),
            CHINWAG_PASSWORD="correct-horse-battery",
        )
        await with_password.read_until(r"You are logged in as ana")
        await with_password.type("/cert add")
        added = await with_password.read_until(r"-NickServ- ([0-9a-f]{64}) now logs in to ana")
        assert added.group(1) == shown.group(1).replace(":", "").lower()
        assert not any("NickServ is offline" in line for line in with_password.out)
        assert await with_password.leave() == 0

        by_certificate = await Chat.start(
            tmp_path / "ana", address, "--tls", "--nick", "ana", "--cert", str(cert)
        )
        await by_certificate.read_until(r"You are logged in as ana")
        assert await by_certificate.leave() == 0

        stranger = await Chat.start(
            tmp_path / "eve", address, "--tls", "--nick", "ana", "--cert", str(cert) + ".none"
        )
        assert await stranger.process.wait() == 2, "a missing certificate file is refused"

"""``chinwag serve`` as a child process, for tests of the real program (signals, files)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

from tests.conftest import free_port
from tests.ircclient import IrcClient

FAST_HASHING = {
    "CHINWAG_ACCOUNTS_ARGON2_TIME_COST": "1",
    "CHINWAG_ACCOUNTS_ARGON2_MEMORY_KIB": "64",
    "CHINWAG_ACCOUNTS_ARGON2_PARALLELISM": "1",
}
"""Environment that makes the server's password hashing quick, for tests."""


def serve_command(port: int) -> list[str]:
    """The command line of ``chinwag serve`` on loopback ``port``, in this Python."""
    return [sys.executable, "-m", "chinwag", "serve", "--host", "127.0.0.1", "--port", str(port)]


def serve_env(tmp_path: Path, **chinwag: str) -> dict[str, str]:
    """This environment without its CHINWAG_* settings, plus the ``chinwag`` ones given.

    The per-user data directory, where the database goes by default, is moved into ``tmp_path``.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("CHINWAG_")}
    data = str(tmp_path / "data")
    return {**env, "XDG_DATA_HOME": data, "LOCALAPPDATA": data, **chinwag}


class Serve:
    """``python -m chinwag serve`` in a child process, its stdout read line by line."""

    def __init__(
        self, process: asyncio.subprocess.Process, stderr: Path, port: int, tls_port: int = 0
    ) -> None:
        self.process = process
        self.stderr = stderr
        self.port = port
        self.tls_port = tls_port
        """The IRC-over-TLS port, when started with ``tls=True``."""
        self.stdout: list[str] = []

    async def read_until(self, text: str, timeout: float = 30) -> None:
        """Read stdout until a line containing ``text`` (or fail, showing what was printed)."""
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.stdout):
            remaining = deadline - time.monotonic()
            try:
                line = await asyncio.wait_for(self.process.stdout.readline(), max(remaining, 0))
            except TimeoutError:
                line = b""
            if not line:
                raise AssertionError(
                    f"no {text!r} on stdout: {self.stdout}; stderr: {self.stderr.read_text()}"
                )
            self.stdout.append(line.decode().rstrip("\r\n"))

    async def wait(self, timeout: float = 15) -> int:
        return await asyncio.wait_for(self.process.wait(), timeout)


@contextlib.asynccontextmanager
async def serving(tmp_path: Path, *, tls: bool = False, **chinwag: str) -> AsyncIterator[Serve]:
    """Run ``chinwag serve`` with ``CHINWAG_*`` settings ``chinwag`` (and an IRC-over-TLS
    listener too with ``tls``); kill it if still running."""
    port = free_port()
    tls_port = free_port() if tls else 0
    command = serve_command(port) + (["--tls-port", str(tls_port)] if tls else [])
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            env=serve_env(tmp_path, **chinwag),
            cwd=tmp_path,
        )
    running = Serve(process, stderr_path, port, tls_port)
    try:
        await running.read_until("listening on")
        yield running
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await IrcClient.close_all()

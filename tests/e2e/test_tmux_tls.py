"""End to end in a real terminal: ``chinwag chat`` over TLS to a server with a self-signed
certificate. The first run shows the fingerprint and remembers it; a run after the
certificate changed shows the refusal with both fingerprints and connects no further."""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chinwag.server.app import ChinwagServer
from tests.client.tls_front import TlsFront, issue
from tests.e2e.test_tmux_chat import TMUX, Tmux

if TMUX is None and os.environ.get("CI") != "true":
    pytest.skip("tmux is not installed (apt install tmux); CI requires it", allow_module_level=True)
if sys.platform == "win32":
    pytest.skip("tmux needs a POSIX system", allow_module_level=True)

pytestmark = pytest.mark.timeout(30)

WIDE = 180
"""Columns: a fingerprint is 102 characters, and is matched on one line."""


@pytest.fixture
async def wide_tmux(tmp_path: Path) -> AsyncIterator[Tmux]:
    if TMUX is None:
        pytest.fail("tmux is required under CI=true but is not installed")
    terminal = Tmux(f"chinwag-tls-{os.getpid()}-{id(tmp_path):x}", tmp_path)
    try:
        yield terminal
    finally:
        await terminal.kill()


async def start_chat(tmux: Tmux, port: int, data: Path, nick: str) -> None:
    argv = [sys.executable, "-m", "chinwag", "chat", f"127.0.0.1:{port}", "--tls"]
    argv += ["--nick", nick]
    command = f"TERM=xterm-256color XDG_DATA_HOME={shlex.quote(str(data))} {shlex.join(argv)}"
    await tmux.run(
        "new-session", "-d", "-x", str(WIDE), "-y", "40", "-c", str(tmux.cwd),
        f"{command}; echo EXITED:$?; sleep 30",
    )  # fmt: skip


async def test_first_use_then_a_changed_certificate_in_the_terminal(
    server: ChinwagServer, wide_tmux: Tmux, tmp_path: Path
) -> None:
    front = await TlsFront(server.addresses[0], issue(tmp_path, "first")).start()
    data = tmp_path / "data"
    try:
        old = front.identity.fingerprint
        await start_chat(wide_tmux, front.port, data, "ana")
        shown = await wide_tmux.until_shows(
            rf"First connection to 127\.0\.0\.1:{front.port}; its certificate fingerprint is"
        )
        assert f"{old}, remembered" in shown
        await wide_tmux.until_shows(r"→ ana joined #lobby")
        known = (data / "chinwag" / "known_servers").read_text()
        assert f"127.0.0.1:{front.port} {old}" in known
        await wide_tmux.press("C-c")
        await wide_tmux.until_shows(r"^EXITED:0$")
        await wide_tmux.run("kill-server")

        front.swap(issue(tmp_path, "second"))
        new = front.identity.fingerprint
        await start_chat(wide_tmux, front.port, data, "bob")
        await wide_tmux.until_shows(r"has CHANGED")
        # The login card wraps the long lines: compare without the layout.
        shown = await wide_tmux.until(
            "both fingerprints", lambda screen: new in re.sub(r"[\s│]", "", screen)
        )
        flat = re.sub(r"[\s│]", "", shown)
        assert f"Remembered:{old}" in flat and f"Shownnow:{new}" in flat
        assert f"127.0.0.1:{front.port}{old}" in flat  # the line to delete
        assert "known_servers" in flat
        assert front.seen[-1].sent == 0  # refused before a byte was sent
        assert len(front.seen) == 2  # and never tried again
    finally:
        await front.close()

"""Plain mode and a changed certificate: the refusal in full, on stdout and stderr, and
status 1 at once (no retry loop)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from chinwag.client.options import ChatOptions
from chinwag.client.trust import KnownServers
from chinwag.server.app import ChinwagServer
from chinwag.tui.plain import EXIT_FAILED, chat_plain
from tests.client.tls_front import TlsFront, issue
from tests.tui.test_plain import Script


async def test_a_changed_certificate_ends_plain_mode_with_status_1(
    server: ChinwagServer, tmp_path: Path
) -> None:
    front = await TlsFront(server.addresses[0], issue(tmp_path, "before")).start()
    old = front.identity.fingerprint
    KnownServers(tmp_path / "known_servers").remember(f"127.0.0.1:{front.port}", old)
    front.swap(issue(tmp_path, "after"))
    new = front.identity.fingerprint
    options = ChatOptions(
        host="127.0.0.1", port=front.port, tls=True, nick="ana", trust_folder=tmp_path
    )
    out, errors = io.StringIO(), io.StringIO()
    try:
        status = await asyncio.wait_for(
            chat_plain(options, Script("never sent"), out, ansi=False, errors=errors), 10
        )
    finally:
        await front.close()
    assert status == EXIT_FAILED
    for shown in (out.getvalue(), errors.getvalue()):
        assert "has CHANGED" in shown and old in shown and new in shown
        assert f"127.0.0.1:{front.port} {old}" in shown
    assert [seen.sent for seen in front.seen] == [0]

"""The real window under Xvfb against a TLS front whose certificate changed since the last
connection: the login form refuses, showing both fingerprints and the line to delete."""

from __future__ import annotations

from pathlib import Path

from chinwag.client.options import ChatOptions
from chinwag.client.trust import KnownServers
from chinwag.server.app import ChinwagServer
from tests.client.tls_front import TlsFront, issue
from tests.gui.test_window import opened, shots  # noqa: F401  (shots: a fixture)


async def test_a_changed_certificate_is_refused_on_the_login_form(
    display: str,
    shots: Path,  # noqa: F811
    server: ChinwagServer,
    tmp_path: Path,
) -> None:
    front = await TlsFront(server.addresses[0], issue(tmp_path, "before")).start()
    trust = tmp_path / "trust"
    old = front.identity.fingerprint
    KnownServers(trust / "known_servers").remember(f"127.0.0.1:{front.port}", old)
    front.swap(issue(tmp_path, "after"))
    new = front.identity.fingerprint
    options = ChatOptions(host="127.0.0.1", port=front.port, tls=True, trust_folder=trust)
    try:
        async with opened(display, shots, options) as window:
            entries = window.gui.login.entries
            assert entries["server"].get() == "ircs://127.0.0.1"  # --tls: TLS only
            assert entries["port"].get() == str(front.port)
            window.fill("nick", "ana")
            window.gui.login.connect_button.invoke()
            await window.until(lambda: window.problem("server"), "a problem with the server")
            problem = window.problem("server") or ""
            assert "CHANGED" in problem
            assert f"Remembered: {old}" in problem and f"Shown now:  {new}" in problem
            assert f"127.0.0.1:{front.port} {old}" in problem
            assert str(trust / "known_servers") in problem
            await window.settle(0.3)
            assert window.gui.chat is None
            assert [seen.sent for seen in front.seen] == [0]  # refused, once, nothing sent
    finally:
        await front.close()

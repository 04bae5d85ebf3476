"""The real window under Xvfb and TLS: against a front whose certificate changed since the
last connection, the login form refuses, showing both fingerprints and the line to delete;
with a client certificate typed on the form it logs in to its account with no password."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from chinwag.client.certificate import make_client_cert
from chinwag.client.options import ChatOptions
from chinwag.client.trust import KnownServers
from chinwag.config import Listener
from chinwag.server.app import ChinwagServer
from chinwag.storage.memory import MemoryStore
from tests.client.tls_front import TlsFront, issue
from tests.conftest import test_config
from tests.gui.conftest import PASSWORD
from tests.gui.test_window import opened, shots  # noqa: F401  (shots: a fixture)
from tests.ircclient import IrcClient, is_


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


async def test_a_client_certificate_typed_on_the_form_logs_in_without_a_password(
    display: str,
    shots: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    config = replace(
        test_config(), listeners=(Listener("127.0.0.1", 0, "tcp"), Listener("127.0.0.1", 0, "tls"))
    )
    server = ChinwagServer(config, MemoryStore())
    await server.start()
    try:
        pem = tmp_path / "ana.pem"
        shown = make_client_cert(pem)
        owner = await IrcClient.registered(server.addresses[0], "ana")
        await owner.send("REGISTER", "*", PASSWORD)
        await owner.expect(is_("REGISTER", "SUCCESS"))
        await owner.send("PRIVMSG", "NickServ", f"CERT ADD {shown}")
        await owner.expect(lambda line: "now logs in" in line.params[-1])
        await owner.send("QUIT")
        await owner.expect_closed()

        tls_port = server.addresses[1][1]
        options = ChatOptions(host="127.0.0.1", port=tls_port, tls=True, trust_folder=tmp_path)
        async with opened(display, shots, options) as window:
            window.fill("nick", "ana")
            window.fill("cert", str(tmp_path / "missing.pem"))
            window.gui.login.connect_button.invoke()
            await window.until(lambda: window.problem("cert"), "a problem with the certificate")
            assert "cannot use" in (window.problem("cert") or "")
            assert window.gui.chat is None

            window.fill("cert", str(pem))
            window.gui.login.connect_button.invoke()
            await window.landed("ana")
            window.chat.sidebar.selection_set("*")
            await window.until(lambda: window.said("You are logged in as ana"), "logged in")
            user = server.core.network.find_user("ana")
            assert user is not None and user.account == "ana"
            assert user.sessions and all(each.secure for each in user.sessions)
            window.screenshot("gui-certificate.png")
    finally:
        await server.stop(grace=1.0)
        await IrcClient.close_all()

"""``chinwag serve`` as an operator runs it: SIGHUP re-reads the configuration, the log
goes to a private rotating file with nothing from the network unescaped and no password,
and the start-up listing names every listener and how to join it."""

from __future__ import annotations

import asyncio
import signal
import ssl
import stat
import sys
import time
from pathlib import Path

import pytest

from chinwag.config import Listener, LogSettings, StorageSettings
from chinwag.serving import listing, where_history_is, worker_log_settings
from tests.certs import self_signed
from tests.ircclient import IrcClient
from tests.serve import FAST_HASHING, serving

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no SIGHUP on Windows")


async def wait_for_text(path: Path, text: str, timeout: float = 15) -> str:
    """The content of ``path`` once it contains ``text`` (or fail showing what it holds)."""
    deadline = time.monotonic() + timeout
    while True:
        content = path.read_text() if path.exists() else ""
        if text in content:
            return content
        if time.monotonic() > deadline:
            raise AssertionError(f"no {text!r} in {path}: {content}")
        await asyncio.sleep(0.05)


async def motd_of(client: IrcClient) -> list[str]:
    """The MOTD lines a client is sent on MOTD."""
    await client.send("MOTD")
    lines = []
    while True:
        line = await client.expect(lambda line: line.command in ("372", "376", "422"))
        if line.command != "372":
            return lines
        lines.append(line.params[-1])


def config_file(tmp_path: Path, motd: str, name: str = "chinwag.local") -> Path:
    path = tmp_path / "chinwag.toml"
    path.write_text(f'[server]\nname = "{name}"\nmotd = ["{motd}"]\n')
    return path


async def test_sighup_applies_a_new_motd_keeps_everyone_and_reports_what_needs_a_restart(
    tmp_path: Path,
) -> None:
    path = config_file(tmp_path, "the first words")
    async with serving(tmp_path, CHINWAG_CONFIG=str(path)) as serve:
        ana = await IrcClient.registered(("127.0.0.1", serve.port), "ana")
        assert await motd_of(ana) == ["- the first words"]

        config_file(tmp_path, "the second words", name="renamed.example")
        serve.process.send_signal(signal.SIGHUP)
        log = await wait_for_text(serve.stderr, "need a restart")

        assert "now in effect: server.motd" in log
        assert "need a restart and are not in effect: server.name" in log
        bob = await IrcClient.registered(("127.0.0.1", serve.port), "bob")
        assert await motd_of(bob) == ["- the second words"]
        assert await motd_of(ana) == ["- the second words"], "ana was kept, and sees it too"
        assert bob.received[0].source == "chinwag.local", "the name waits for a restart"


async def server_certificate(port: int) -> bytes:
    """The DER certificate the TLS listener on ``port`` presents to a new connection."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context)
    der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    writer.close()
    return bytes(der)


async def test_sighup_after_a_renewal_serves_the_new_certificate_and_keeps_connections(
    tmp_path: Path,
) -> None:
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    first_cert, first_key, first_der = self_signed("chat.example.org")
    cert.write_bytes(first_cert)
    key.write_bytes(first_key)
    path = tmp_path / "chinwag.toml"
    path.write_text(f'[tls]\ncert = "{cert}"\nkey = "{key}"\n')
    async with serving(tmp_path, tls=True, CHINWAG_CONFIG=str(path)) as serve:
        await serve.read_until("Press Ctrl-C")
        assert await server_certificate(serve.tls_port) == first_der
        ana = await IrcClient.registered(("127.0.0.1", serve.port), "ana", "#lobby")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        reader, writer = await asyncio.open_connection("127.0.0.1", serve.tls_port, ssl=context)
        bob = IrcClient(reader, writer)
        await bob.register("bob")
        await bob.join("#lobby")

        second_cert, second_key, second_der = self_signed("chat.example.org")
        cert.write_bytes(second_cert)  # a renewal rewrites the files in place
        key.write_bytes(second_key)
        serve.process.send_signal(signal.SIGHUP)
        log = await wait_for_text(serve.stderr, "TLS certificate in use")

        assert await server_certificate(serve.tls_port) == second_der
        await bob.send("PRIVMSG", "#lobby", "still on the old handshake")
        said = await ana.expect(lambda line: line.command == "PRIVMSG")
        assert said.params[-1] == "still on the old handshake"
        assert "no setting changed" in log


async def test_a_broken_file_on_sighup_keeps_the_running_configuration(tmp_path: Path) -> None:
    path = config_file(tmp_path, "still here")
    async with serving(tmp_path, CHINWAG_CONFIG=str(path)) as serve:
        path.write_text("[server\n")
        serve.process.send_signal(signal.SIGHUP)
        log = await wait_for_text(serve.stderr, "not reloaded")

        assert "not valid TOML" in log
        ana = await IrcClient.registered(("127.0.0.1", serve.port), "ana")
        assert await motd_of(ana) == ["- still here"]


async def test_the_log_file_is_private_escapes_what_peers_send_and_holds_no_password(
    tmp_path: Path,
) -> None:
    log_path = tmp_path / "logs" / "chinwag.log"
    async with serving(tmp_path, CHINWAG_LOG_FILE=str(log_path), **FAST_HASHING) as serve:
        ana = await IrcClient.registered(("127.0.0.1", serve.port), "ana")
        await ana.send("PRIVMSG", "NickServ", "REGISTER correct-horse-battery")
        await ana.expect(lambda line: line.command == "900")
        await ana.send("OPER", "\x1b[2Jevil\u202e", "staple-password")
        await ana.expect(lambda line: line.command == "491")
        await wait_for_text(log_path, "failed OPER")

        content = log_path.read_text()
    assert "ana connected from 127.0.0.1" in content
    assert "failed OPER as \\x1b[2Jevil\\u202e" in content
    assert "\x1b" not in content and "\u202e" not in content
    assert "correct-horse-battery" not in content and "staple-password" not in content
    assert stat.S_IMODE(log_path.stat().st_mode) == 0o600


def test_the_listing_names_every_listener_and_how_each_is_joined() -> None:
    fingerprint = "SHA256:" + ":".join(["AB"] * 32)
    lines = listing(
        [
            (Listener("10.0.0.5", 6667, "tcp"), "10.0.0.5", 6667),
            (Listener("10.0.0.5", 6697, "tls"), "10.0.0.5", 6697),
            (Listener("10.0.0.5", 8097, "http"), "10.0.0.5", 8097),
            (Listener("10.0.0.5", 8443, "https"), "10.0.0.5", 8443),
        ],
        fingerprint,
    )
    text = "\n".join(lines)
    assert "  IRC              10.0.0.5:6667" in text
    assert "  IRC over TLS     10.0.0.5:6697" in text
    assert "  web page         10.0.0.5:8097" in text
    assert "  web page, TLS    10.0.0.5:8443" in text
    assert f"  {fingerprint}" in lines
    assert "  chinwag:         chinwag chat 10.0.0.5" in lines
    assert f"/connect -tls -tls_pinned_cert {fingerprint[7:]} 10.0.0.5 6697" in text
    assert f"-tls_fingerprint={'ab' * 32}" in text
    assert "  browser:         http://10.0.0.5:8097/" in lines
    assert "  browser:         https://10.0.0.5:8443/" in lines
    assert "/connect 10.0.0.5 6667" in text


def test_a_tls_port_other_than_6697_is_spelled_out_for_chinwag_chat() -> None:
    lines = listing([(Listener("10.0.0.5", 7000, "tls"), "10.0.0.5", 7000)], "SHA256:00")
    assert "  chinwag:         chinwag chat 10.0.0.5:7000 --tls" in lines


def test_each_worker_logs_to_its_own_file_beside_the_configured_one() -> None:
    settings = LogSettings(file="/var/log/chinwag/chinwag.log", backups=3)
    assert worker_log_settings(settings, 1) == LogSettings(
        file="/var/log/chinwag/chinwag-1.log", backups=3
    )
    assert worker_log_settings(LogSettings(), 1) == LogSettings(), "no file: console only"


def test_the_banner_names_the_postgresql_server_without_its_password() -> None:
    storage = StorageSettings("postgresql", dsn="postgresql://chinwag:hunter2@db:5432/chat")
    assert where_history_is(storage) == (
        "Chat history is kept in PostgreSQL at postgresql://chinwag:***@db:5432/chat"
    )

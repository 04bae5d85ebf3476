"""IRC over TLS on real sockets: the listener, its certificate, reload, CertFP and STS.

Clients are Python's :mod:`ssl` (OpenSSL) with the irctokens-based test client on top;
certificates for the tests are made with ``cryptography``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import socket
import ssl
import stat
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from chinwag.config import Config, Listener, StorageSettings, TlsSettings
from chinwag.protocol.fingerprints import certfp, display_fingerprint
from chinwag.server.app import ChinwagServer
from chinwag.storage.memory import MemoryStore
from chinwag.transport import tls as tls_module
from chinwag.transport.certificates import CERT_FILE, KEY_FILE, CertificateError
from tests.certs import self_signed
from tests.conftest import test_config
from tests.ircclient import TIMEOUT, IrcClient, is_

Address = tuple[str, int]


# -- certificates for the tests ------------------------------------------------------------------


def make_certificate(folder: Path, name: str) -> tuple[Path, Path, bytes]:
    """A self-signed certificate for ``name`` (also valid for localhost): its PEM file, its
    key file and its DER."""
    cert, key, der = self_signed(name)
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / f"{name}.crt", folder / f"{name}.key"
    cert_path.write_bytes(cert)
    key_path.write_bytes(key)
    return cert_path, key_path, der


# -- servers and clients -------------------------------------------------------------------------


def tls_config(data_dir: Path | None = None, **tls: object) -> Config:
    """The test configuration with a plain listener and a TLS listener, both on port 0."""
    base = test_config()
    return dataclasses.replace(
        base,
        listeners=(Listener("127.0.0.1", 0, "tcp"), Listener("127.0.0.1", 0, "tls")),
        storage=StorageSettings(backend="memory", data_dir=data_dir),
        tls=TlsSettings(**tls),  # type: ignore[arg-type]
    )


Start = Callable[..., Awaitable[ChinwagServer]]


@pytest.fixture
async def start() -> AsyncIterator[Start]:
    """``await start(config)``: a started server, stopped after the test."""
    started: list[ChinwagServer] = []

    async def make(config: Config) -> ChinwagServer:
        server = ChinwagServer(config, MemoryStore())
        await server.start()
        started.append(server)
        return server

    yield make
    await IrcClient.close_all()
    for server in started:
        if not server.stopped:
            await server.stop(grace=1.0)


def plain_address(server: ChinwagServer) -> Address:
    return server.addresses[0]


def tls_address(server: ChinwagServer) -> Address:
    return server.addresses[1]


def client_context(cert: Path | None = None, key: Path | None = None) -> ssl.SSLContext:
    """A client context that trusts any server certificate (the tests compare fingerprints)
    and presents ``cert`` if given."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if cert is not None:
        context.load_cert_chain(cert, key)
    return context


async def tls_connect(address: Address, context: ssl.SSLContext | None = None) -> IrcClient:
    reader, writer = await asyncio.open_connection(
        *address, ssl=context or client_context(), server_hostname="localhost"
    )
    return IrcClient(reader, writer)


def server_der(client: IrcClient) -> bytes:
    der = client.writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    assert der is not None
    return bytes(der)


async def chats(one: IrcClient, other: IrcClient, text: str) -> None:
    """``one`` says ``text`` in #lobby and ``other`` hears it."""
    await one.send("PRIVMSG", "#lobby", text)
    await other.expect(is_("PRIVMSG", "#lobby", text))


# -- the listener --------------------------------------------------------------------------------


async def test_a_tls_client_and_a_plain_one_chat_in_a_room(start: Start) -> None:
    server = await start(tls_config())
    ana = await tls_connect(tls_address(server))
    await ana.register("ana")
    await ana.join("#lobby")
    bo = await IrcClient.registered(plain_address(server), "bo", "#lobby")
    await chats(ana, bo, "hello over TLS")
    await chats(bo, ana, "hello in plain text")
    await bo.send("WHOIS", "ana")
    await bo.expect(is_("671", "bo", "ana"))
    await ana.send("MODE", "ana")
    await ana.expect(is_("221", "ana", "+Z"))


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated")
async def test_a_client_offering_only_tls_1_1_is_refused(start: Start) -> None:
    server = await start(tls_config())
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.check_hostname = False
    old.verify_mode = ssl.CERT_NONE
    old.set_ciphers("DEFAULT:@SECLEVEL=0")  # let this OpenSSL offer TLS 1.1 at all
    old.minimum_version = old.maximum_version = ssl.TLSVersion.TLSv1_1
    with pytest.raises((ssl.SSLError, ConnectionResetError)) as refused:
        await tls_connect(tls_address(server), old)
    # Refused by the server (its "protocol version" alert, or the reset after it), not by
    # our own side finding no protocol it may offer.
    if isinstance(refused.value, ssl.SSLError):
        assert "PROTOCOL_VERSION" in str(refused.value).upper()
    modern = await tls_connect(tls_address(server))
    await modern.register("ana")


async def test_plain_text_on_the_tls_port_closes_only_that_connection(start: Start) -> None:
    server = await start(tls_config())
    ana = await tls_connect(tls_address(server))
    await ana.register("ana")
    await ana.join("#lobby")
    bo = await IrcClient.registered(plain_address(server), "bo", "#lobby")
    reader, writer = await asyncio.open_connection(*tls_address(server))
    writer.write(b"NICK a\r\nUSER a 0 * :a\r\n")
    await writer.drain()
    async with asyncio.timeout(TIMEOUT):
        while await reader.read(4096):
            pass  # whatever the alert says, the connection ends
    writer.close()
    await chats(ana, bo, "still here")
    await chats(bo, ana, "me too")
    counters = server.core.deps.counters
    # Two accepted on the TLS port, one handshake completed: the plaintext one is counted
    # as the difference /metrics shows.
    assert (counters.tls_handshakes_started, counters.tls_handshakes_completed) == (2, 1)


async def test_a_handshake_never_started_is_dropped_after_the_timeout(start: Start) -> None:
    server = await start(tls_config(handshake_timeout=0.5))
    loop = asyncio.get_running_loop()
    with socket.create_connection(tls_address(server)) as idle:
        idle.setblocking(False)
        began = loop.time()
        async with asyncio.timeout(TIMEOUT):
            assert await loop.sock_recv(idle, 1024) == b""
        assert 0.4 < loop.time() - began < 3.0
    assert not server.links  # it never became a session


# -- the certificate -----------------------------------------------------------------------------


async def test_a_certificate_is_made_on_first_start_and_kept(start: Start, tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = await start(tls_config(data))
    assert (data / CERT_FILE).is_file()
    assert stat.S_IMODE((data / KEY_FILE).stat().st_mode) == 0o600
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    fingerprint = first.tls_fingerprint
    assert fingerprint is not None and len(fingerprint) == len("SHA256:") + 95
    client = await tls_connect(tls_address(first))
    assert display_fingerprint(server_der(client)) == fingerprint
    await client.close()
    await first.stop(grace=1.0)

    second = await start(tls_config(data))
    assert second.tls_fingerprint == fingerprint
    # Valid for localhost: a client trusting exactly this certificate verifies the name.
    trusting = ssl.create_default_context(cadata=(data / CERT_FILE).read_text())
    client = await tls_connect(tls_address(second), trusting)
    await client.register("ana")


async def test_an_expired_kept_certificate_is_replaced(start: Start, tmp_path: Path) -> None:
    data = tmp_path / "data"
    expired = tmp_path / "old"
    cert, key, _ = make_certificate(expired, "irc.test")
    old = x509.load_pem_x509_certificate(cert.read_bytes())
    private = serialization.load_pem_private_key(key.read_bytes(), None)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    past = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    stale = (
        x509.CertificateBuilder()
        .subject_name(old.subject)
        .issuer_name(old.subject)
        .public_key(private.public_key())
        .serial_number(1)
        .not_valid_before(past)
        .not_valid_after(past + datetime.timedelta(days=1))
        .sign(private, hashes.SHA256())
    )
    data.mkdir(mode=0o700)
    (data / CERT_FILE).write_bytes(stale.public_bytes(serialization.Encoding.PEM))
    (data / KEY_FILE).write_bytes(key.read_bytes())
    server = await start(tls_config(data))
    made = x509.load_pem_x509_certificate((data / CERT_FILE).read_bytes())
    assert made.not_valid_after_utc > datetime.datetime.now(datetime.UTC)
    assert server.tls_fingerprint == display_fingerprint(
        made.public_bytes(serialization.Encoding.DER)
    )


async def test_a_configured_certificate_is_used_instead(start: Start, tmp_path: Path) -> None:
    cert, key, der = make_certificate(tmp_path / "certs", "chat.example.org")
    data = tmp_path / "data"
    server = await start(tls_config(data, cert=str(cert), key=str(key)))
    assert server.tls_fingerprint == display_fingerprint(der)
    client = await tls_connect(tls_address(server))
    assert server_der(client) == der
    assert not (data / CERT_FILE).exists()


async def test_the_key_may_be_in_the_certificate_file(start: Start, tmp_path: Path) -> None:
    cert, key, der = make_certificate(tmp_path, "chat.example.org")
    both = tmp_path / "both.pem"
    both.write_bytes(cert.read_bytes() + key.read_bytes())
    server = await start(tls_config(cert=str(both)))
    client = await tls_connect(tls_address(server))
    assert server_der(client) == der


@pytest.mark.parametrize("problem", ["missing cert", "missing key", "wrong key", "not pem"])
async def test_an_unusable_certificate_is_a_readable_error_at_start(
    tmp_path: Path, problem: str
) -> None:
    cert, key, _ = make_certificate(tmp_path, "one")
    _, other_key, _ = make_certificate(tmp_path, "two")
    named = {
        "missing cert": (tmp_path / "nope.pem", key),
        "missing key": (cert, tmp_path / "nope.key"),
        "wrong key": (cert, other_key),
        "not pem": (key, None),
    }[problem]
    config = tls_config(cert=str(named[0]), key=str(named[1]) if named[1] else "")
    server = ChinwagServer(config, MemoryStore())
    with pytest.raises(CertificateError) as error:
        await server.start()
    message = str(error.value)
    assert str(named[1] if problem == "missing key" else named[0]) in message
    assert "Traceback" not in message and "\n" not in message


# -- reload ----------------------------------------------------------------------------------


async def test_reload_serves_the_new_certificate_and_keeps_open_connections(
    start: Start, tmp_path: Path
) -> None:
    cert, key, old_der = make_certificate(tmp_path / "a", "irc.test")
    server = await start(tls_config(cert=str(cert), key=str(key)))
    ana = await tls_connect(tls_address(server))
    await ana.register("ana")
    await ana.join("#lobby")
    new_cert, new_key, new_der = make_certificate(tmp_path / "b", "irc.test")
    cert.write_bytes(new_cert.read_bytes())
    key.write_bytes(new_key.read_bytes())

    assert server.reload_tls() is None

    assert server.tls_fingerprint == display_fingerprint(new_der)
    bo = await tls_connect(tls_address(server))
    assert server_der(bo) == new_der
    assert server_der(ana) == old_der
    await bo.register("bo")
    await bo.join("#lobby")
    await chats(ana, bo, "after the reload")
    await chats(bo, ana, "fine here")

    # A broken file is reported; the certificate loaded last stays.
    cert.write_text("not a certificate")
    problem = server.reload_tls()
    assert problem is not None and str(cert) in problem
    cy = await tls_connect(tls_address(server))
    assert server_der(cy) == new_der


async def test_reload_without_tls_does_nothing(start: Start) -> None:
    server = await start(test_config())
    assert server.tls_fingerprint is None
    assert server.reload_tls() is None


# -- CertFP ---------------------------------------------------------------------------------------


async def sasl_external(client: IrcClient, nick: str) -> str:
    """Register ``nick`` logging in with SASL EXTERNAL; the numeric that ended the exchange."""
    await client.send("CAP", "LS", "302")
    await client.send("CAP", "REQ", "sasl")
    await client.expect(is_("CAP", "*", "ACK"))
    await client.send("NICK", nick)
    await client.send("USER", nick, "0", "*", nick)
    await client.send("AUTHENTICATE", "EXTERNAL")
    await client.expect(is_("AUTHENTICATE", "+"))
    await client.send("AUTHENTICATE", "+")
    outcome = await client.expect(lambda line: line.command in ("903", "904"))
    await client.send("CAP", "END")
    await client.expect(is_("001", nick))
    return outcome.command


async def test_a_client_certificate_logs_in_without_a_password(
    start: Start, tmp_path: Path
) -> None:
    cert, key, der = make_certificate(tmp_path, "ana-laptop")
    server = await start(tls_config())
    with_cert = client_context(cert, key)

    ana = await tls_connect(tls_address(server), with_cert)
    await ana.register("ana")
    await ana.send("PRIVMSG", "NickServ", "REGISTER correct-horse-battery")
    await ana.expect(is_("NOTICE", "ana", "Account ana registered. You are now logged in."))
    await ana.send("PRIVMSG", "NickServ", "CERT ADD")
    await ana.expect(is_("NOTICE", "ana", f"{certfp(der)} now logs in to ana."))
    await ana.send("QUIT")
    await ana.expect_closed()

    again = await tls_connect(tls_address(server), with_cert)
    assert await sasl_external(again, "ana") == "903"
    await again.send("WHOIS", "ana")
    await again.expect(
        is_("276", "ana", "ana", f"has client certificate fingerprint {certfp(der)}")
    )

    # Someone else sees that ana is secure, but not the fingerprint; nor can they take it.
    bo = await IrcClient.registered(plain_address(server), "bo")
    await bo.send("WHOIS", "ana")
    await bo.expect(is_("671", "bo", "ana"))
    end = await bo.expect(is_("318"))
    assert not any(line.command == "276" for line in bo.received)
    assert end.params[1] == "ana"
    await bo.send("PRIVMSG", "NickServ", "REGISTER another-password")
    await bo.expect(is_("NOTICE", "bo", "Account bo registered. You are now logged in."))
    await bo.send("PRIVMSG", "NickServ", f"CERT ADD {certfp(der)}")
    await bo.expect(is_("NOTICE", "bo", "That certificate cannot be added to your account."))


async def test_without_a_certificate_external_fails(start: Start) -> None:
    server = await start(tls_config())
    client = await tls_connect(tls_address(server))
    assert await sasl_external(client, "ana") == "904"


async def test_a_certificate_nobody_registered_fails(start: Start, tmp_path: Path) -> None:
    cert, key, _ = make_certificate(tmp_path, "stranger")
    server = await start(tls_config())
    client = await tls_connect(tls_address(server), client_context(cert, key))
    assert await sasl_external(client, "eve") == "904"


def test_without_the_verify_callback_tls_still_works_but_asks_for_no_certificate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tls_module, "_ssl_ctx_pointer", lambda context: None)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    assert not tls_module.accept_any_client_certificate(context)
    assert context.verify_mode == ssl.CERT_NONE


def test_the_verify_callback_is_installed_here() -> None:
    # CPython on Linux, where chinwag's CI runs: CertFP must be available.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    assert tls_module.accept_any_client_certificate(context)
    assert context.verify_mode == ssl.CERT_OPTIONAL


# -- STS -------------------------------------------------------------------------------------


async def cap_ls(client: IrcClient) -> list[str]:
    await client.send("CAP", "LS", "302")
    words: list[str] = []
    while True:
        line = await client.expect(is_("CAP", "*", "LS"))
        words += line.params[-1].split()
        if line.params[2] != "*":
            return words


async def test_sts_gives_plain_clients_the_real_tls_port_and_tls_clients_the_duration(
    start: Start,
) -> None:
    server = await start(tls_config(sts_duration=3600))
    plain = await IrcClient.connect(plain_address(server))
    assert f"sts=port={tls_address(server)[1]}" in await cap_ls(plain)
    secure = await tls_connect(tls_address(server))
    assert "sts=duration=3600" in await cap_ls(secure)


async def test_no_sts_without_a_duration(start: Start) -> None:
    server = await start(tls_config())
    plain = await IrcClient.connect(plain_address(server))
    assert not [word for word in await cap_ls(plain) if word.startswith("sts")]


async def test_reload_keeps_a_generated_certificate_without_a_data_directory(
    start: Start,
) -> None:
    server = await start(tls_config())
    before = server.tls_fingerprint
    assert server.reload_tls() is None
    assert server.tls_fingerprint == before

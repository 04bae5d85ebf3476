"""TLS for the first-party clients against a real chinwag server behind a TLS front: trust on
first use, a changed certificate refused, a verified one not pinned, TLS-if-offered with its
fallback, STS, and client certificates (issue 14)."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chinwag.client import events as ev
from chinwag.client.certificate import make_client_cert
from chinwag.client.connect import Endpoint, Security, open_stream
from chinwag.client.options import ChatOptions, parse_server
from chinwag.client.protocol import ClientProtocol
from chinwag.client.runner import Runner
from chinwag.client.sts import StsPolicies
from chinwag.client.trust import KnownServers
from chinwag.server.app import ChinwagServer
from tests.client.test_runner import FAST, Recorder
from tests.client.tls_front import TlsFront, issue
from tests.conftest import free_port

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
async def front(server: ChinwagServer, tmp_path: Path) -> AsyncIterator[TlsFront]:
    """A TLS front with a self-signed certificate, relaying to the test server."""
    running = await TlsFront(server.addresses[0], issue(tmp_path, "server-one")).start()
    yield running
    await running.close()


class Client:
    """A runner as a test drives it: its events, its task, stopped after the test."""

    def __init__(self, endpoint: Endpoint, security: Security, nick: str = "ana") -> None:
        self.events = Recorder()
        self.protocol = ClientProtocol(nick, rooms=["#lobby"])
        self.runner = Runner(self.protocol, endpoint, self.events, backoff=FAST, security=security)
        self.task = asyncio.create_task(self.runner.run())

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


@pytest.fixture
async def clients() -> AsyncIterator[list[Client]]:
    made: list[Client] = []
    yield made
    for client in made:
        await client.stop()


def known(tmp_path: Path) -> KnownServers:
    return KnownServers(tmp_path / "data" / "known_servers")


async def test_first_use_remembers_the_fingerprint_then_connects_quietly(
    front: TlsFront, clients: list[Client], tmp_path: Path
) -> None:
    where = Endpoint(*front.address, tls=True)
    first = Client(where, Security(known(tmp_path)))
    clients.append(first)
    connected = await first.events.expect(ev.Connected)
    assert connected.tls and connected.first_use and not connected.verified
    assert connected.fingerprint == front.identity.fingerprint
    await first.events.expect(ev.Registered)
    line = f"127.0.0.1:{front.port} {front.identity.fingerprint}"
    assert line in (tmp_path / "data" / "known_servers").read_text().splitlines()

    again = Client(where, Security(known(tmp_path)), nick="bob")
    clients.append(again)
    quiet = await again.events.expect(ev.Connected)
    assert quiet.fingerprint == front.identity.fingerprint and not quiet.first_use
    await again.events.expect(ev.Registered)


async def test_a_changed_certificate_is_refused_with_both_fingerprints_and_nothing_sent(
    front: TlsFront, server: ChinwagServer, clients: list[Client], tmp_path: Path
) -> None:
    old = front.identity.fingerprint
    known(tmp_path).remember(f"127.0.0.1:{front.port}", old)
    front.swap(issue(tmp_path, "intruder"))
    new = front.identity.fingerprint
    # Even a default connection (plain fallback on refusal) must not fall back after this.
    where = Endpoint(*front.address, tls=True, fallback=server.addresses[0][1])
    client = Client(where, Security(known(tmp_path)))
    clients.append(client)
    down = await client.events.expect(ev.Disconnected)
    for words in ("CHANGED", old, new, str(tmp_path / "data" / "known_servers")):
        assert words in down.reason
    assert f"127.0.0.1:{front.port} {old}" in down.reason  # the line to delete
    await asyncio.wait_for(client.task, 5)  # it stopped: no retry loop
    assert client.runner.refused is not None
    assert not any(isinstance(e, ev.Connected) for e in client.events.seen)
    assert [seen.sent for seen in front.seen] == [0]


async def test_a_certificate_an_authority_vouches_for_is_used_and_not_pinned(
    server: ChinwagServer, clients: list[Client], tmp_path: Path
) -> None:
    authority = issue(tmp_path, "test-ca", ca=True)
    front = await TlsFront(server.addresses[0], issue(tmp_path, "leaf", issuer=authority)).start()
    try:
        verified = ssl.create_default_context(cafile=str(authority.cert))
        client = Client(
            Endpoint(*front.address, tls=True), Security(known(tmp_path), verified=verified)
        )
        clients.append(client)
        connected = await client.events.expect(ev.Connected)
        assert connected.tls and connected.verified and connected.fingerprint is None
        await client.events.expect(ev.Registered)
        assert not (tmp_path / "data" / "known_servers").exists()
    finally:
        await front.close()


async def test_no_port_tries_tls_first_then_plain_when_nobody_listens(
    server: ChinwagServer, front: TlsFront, clients: list[Client], tmp_path: Path
) -> None:
    plain_port = server.addresses[0][1]
    nothing = parse_server("127.0.0.1", tls_port=free_port(), plain_port=plain_port)
    assert nothing.tls and nothing.fallback == plain_port
    options = ChatOptions(host=nothing.host, port=nothing.port, tls=True, fallback=nothing.fallback)
    client = Client(options.endpoint, Security(known(tmp_path)))
    clients.append(client)
    connected = await client.events.expect(ev.Connected)
    assert (connected.tls, connected.port) == (False, plain_port)
    await client.events.expect(ev.Registered)

    offered = parse_server("127.0.0.1", tls_port=front.port, plain_port=plain_port)
    with_tls = ChatOptions(
        host=offered.host, port=offered.port, tls=True, fallback=offered.fallback
    )
    bob = Client(with_tls.endpoint, Security(known(tmp_path)), nick="bob")
    clients.append(bob)
    connected = await bob.events.expect(ev.Connected)
    assert (connected.tls, connected.port, connected.first_use) == (True, front.port, True)
    await bob.events.expect(ev.Registered)


async def test_an_address_that_spoke_tls_before_never_falls_back_to_plain(
    server: ChinwagServer, tmp_path: Path
) -> None:
    plain_port = server.addresses[0][1]
    closed = free_port()  # nothing listens: refused, as an attacker forging refusals would have it
    endpoint = Endpoint("127.0.0.1", closed, tls=True, fallback=plain_port)
    remembered = known(tmp_path)
    remembered.remember(endpoint.address, "SHA256:" + ":".join(["AB"] * 32))

    with pytest.raises(ConnectionRefusedError):
        await open_stream(endpoint, Security(remembered), timeout=5)
    # Never pinned: the same refusal falls back to the plain port.
    opened = await open_stream(endpoint, Security(known(tmp_path / "other")), timeout=5)
    assert (opened.endpoint.tls, opened.endpoint.port) == (False, plain_port)
    opened.writer.close()


async def test_a_plain_server_offering_sts_is_left_for_tls_on_its_port(
    front: TlsFront, clients: list[Client], tmp_path: Path
) -> None:
    heard: list[bytes] = []
    said = asyncio.Event()

    async def plain(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(f"CAP * LS :sts=port={front.port},duration=300 sasl=PLAIN\r\n".encode())
        await writer.drain()
        said.set()
        while data := await reader.read(65536):
            heard.append(data)
        writer.close()

    listener = await asyncio.start_server(plain, "127.0.0.1", 0)
    try:
        port = listener.sockets[0].getsockname()[1]
        policies = StsPolicies(tmp_path / "sts.json")
        client = Client(Endpoint("127.0.0.1", port), Security(known(tmp_path), policies))
        clients.append(client)
        first = await client.events.expect(ev.Connected)
        assert not first.tls
        upgraded = await client.events.expect(ev.Connected)
        assert (upgraded.tls, upgraded.port) == (True, front.port)
        await client.events.expect(ev.Registered)
        # Only what registration sends first went to the plain server: no CAP REQ, no END.
        assert b"CAP REQ" not in b"".join(heard) and b"CAP END" not in b"".join(heard)
        assert not any(isinstance(e, ev.Disconnected) for e in client.events.seen)
    finally:
        listener.close()


async def test_the_client_certificate_is_shown_in_the_handshake(
    server: ChinwagServer, clients: list[Client], tmp_path: Path
) -> None:
    pem = tmp_path / "me" / "client.pem"
    mine = make_client_cert(pem)
    front = await TlsFront(server.addresses[0], issue(tmp_path, "srv"), client_ca=pem).start()
    try:
        client = Client(Endpoint(*front.address, tls=True), Security(known(tmp_path), cert=pem))
        clients.append(client)
        await client.events.expect(ev.Registered)
        assert [seen.client_fingerprint for seen in front.seen] == [mine]
    finally:
        await front.close()


def test_sts_policies_send_a_host_to_tls_until_they_expire(tmp_path: Path) -> None:
    now = [1000.0]
    policies = StsPolicies(tmp_path / "sts.json", clock=lambda: now[0])
    security = Security(KnownServers(None), policies)
    plain = Endpoint("chat.example.org", 6667)
    assert security.apply_policy(plain) == plain
    policies.store("Chat.Example.org", 6697, 300)
    assert StsPolicies(tmp_path / "sts.json", clock=lambda: now[0]).port("chat.example.org") == 6697
    assert security.apply_policy(plain) == Endpoint("chat.example.org", 6697, True)
    default = Endpoint("chat.example.org", 6697, True, fallback=6667)
    assert security.apply_policy(default) == Endpoint("chat.example.org", 6697, True)
    now[0] += 301
    assert security.apply_policy(plain) == plain
    policies.store("chat.example.org", 6697, 300)
    policies.store("chat.example.org", 6697, 0)  # duration 0 removes it
    assert security.apply_policy(plain) == plain


async def test_a_tls_connection_keeps_the_sts_duration_for_the_host(
    clients: list[Client], tmp_path: Path
) -> None:
    identity = issue(tmp_path, "sts-server")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(identity.cert, identity.key)

    async def speak(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"CAP * LS :sts=port=1,duration=300 server-time\r\n")
        await writer.drain()
        while await reader.read(65536):
            pass
        writer.close()

    listener = await asyncio.start_server(speak, "127.0.0.1", 0, ssl=context)
    try:
        port = listener.sockets[0].getsockname()[1]
        policies = StsPolicies(tmp_path / "sts.json")
        client = Client(Endpoint("127.0.0.1", port, True), Security(known(tmp_path), policies))
        clients.append(client)
        await client.events.expect(ev.StsAdvertised)
        # On TLS the port key is ignored and the policy names the port we are on.
        assert StsPolicies(tmp_path / "sts.json").port("127.0.0.1") == port
        assert sum(isinstance(e, ev.Connected) for e in client.events.seen) == 1  # stayed
    finally:
        listener.close()

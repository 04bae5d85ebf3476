"""The asyncio runner against a real chinwag server: chat, DMs, server down and back."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from chinwag.client import events as ev
from chinwag.client.connect import Security
from chinwag.client.protocol import ClientProtocol
from chinwag.client.runner import Backoff, Endpoint, Runner
from chinwag.server.app import ChinwagServer
from tests.conftest import ServerFactory, free_port

TIMEOUT = 5.0
FAST = Backoff(initial=0.05, maximum=0.2, factor=2.0, jitter=0.2)
E = TypeVar("E", bound=ev.Event)


class Recorder:
    """The event callback for a runner: keeps every event, and waits for the next match."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[ev.Event] = asyncio.Queue()
        self.seen: list[ev.Event] = []

    def __call__(self, event: ev.Event) -> None:
        self.queue.put_nowait(event)

    async def expect(
        self, kind: type[E], match: Callable[[E], bool] = lambda _: True, timeout: float = TIMEOUT
    ) -> E:
        """The next event of ``kind`` that ``match`` accepts; others are passed over."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    event = await self.queue.get()
                    self.seen.append(event)
                    if isinstance(event, kind) and match(event):
                        return event
        except TimeoutError:
            tail = [type(event).__name__ for event in self.seen[-10:]]
            raise AssertionError(f"no {kind.__name__} in time; last events: {tail}") from None


Launch = Callable[..., Awaitable[tuple[Runner, Recorder, "asyncio.Task[None]"]]]
"""``await start(address, nick, *rooms, **options)``: a running runner and its events."""


@pytest.fixture
async def start() -> AsyncIterator[Launch]:
    """Start runners as tasks; every one still running is cancelled after the test."""
    tasks: list[asyncio.Task[None]] = []

    async def launch(
        address: tuple[str, int], nick: str, *rooms: str, **options: object
    ) -> tuple[Runner, Recorder, asyncio.Task[None]]:
        recorder = Recorder()
        protocol_options = {
            key: options.pop(key) for key in ("metadata", "auto_rename") if key in options
        }
        protocol = ClientProtocol(nick, rooms=rooms, **protocol_options)  # type: ignore[arg-type]
        runner = Runner(
            protocol,
            Endpoint(
                *address,
                tls=bool(options.pop("tls", False)),
            ),
            recorder,
            backoff=options.pop("backoff", FAST),  # type: ignore[arg-type]
            **options,  # type: ignore[arg-type]
        )
        task = asyncio.create_task(runner.run())
        tasks.append(task)
        return runner, recorder, task

    yield launch
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_two_runners_chat_in_the_lobby_and_directly(
    server: ChinwagServer, start: Launch
) -> None:
    address = server.addresses[0]
    ana, ana_events, ana_task = await start(address, "ana", "#lobby")
    await ana_events.expect(ev.Registered)
    await ana_events.expect(ev.Names, lambda e: e.channel == "#lobby")
    bob, bob_events, _ = await start(address, "bob", "#lobby")
    names = await bob_events.expect(ev.Names, lambda e: e.channel == "#lobby")
    assert {member.nick for member in names.members} == {"ana", "bob"}
    await ana_events.expect(ev.Joined, lambda e: e.nick == "bob")
    assert ana.protocol.channel("#lobby").member("bob") is not None

    ana.protocol.privmsg("#lobby", "hello bob")
    heard = await bob_events.expect(ev.Message)
    assert (heard.sender, heard.text, heard.conversation) == ("ana", "hello bob", "#lobby")
    assert not heard.is_direct and heard.time.tzinfo is not None
    echo = await ana_events.expect(ev.Message)
    assert echo.is_self and echo.text == "hello bob"

    bob.protocol.action("#lobby", "waves")
    waved = await ana_events.expect(ev.Message, lambda e: e.is_action)
    assert (waved.sender, waved.text) == ("bob", "waves")

    bob.protocol.privmsg("ana", "just between us")
    direct = await ana_events.expect(ev.Message, lambda e: e.is_direct)
    assert (direct.sender, direct.conversation, direct.text) == ("bob", "bob", "just between us")
    mine = await bob_events.expect(ev.Message, lambda e: e.is_direct)
    assert mine.is_self and mine.conversation == "ana"

    await ana.quit("see you")
    gone = await bob_events.expect(ev.Quit)
    assert gone.nick == "ana" and "see you" in gone.reason and gone.channels == ("#lobby",)
    await asyncio.wait_for(ana_task, TIMEOUT)
    assert not ana.connected


async def test_a_colour_reaches_another_client_over_metadata_3(
    server: ChinwagServer, start: Launch
) -> None:
    address = server.addresses[0]
    ana, ana_events, _ = await start(address, "ana", "#lobby")
    await ana_events.expect(ev.Names, lambda e: e.channel == "#lobby")
    bob, bob_events, _ = await start(address, "bob", "#lobby")
    await bob_events.expect(ev.Names, lambda e: e.channel == "#lobby")
    await ana_events.expect(ev.Joined, lambda e: e.nick == "bob")
    for runner in (ana, bob):
        # The server offers both drafts; the client takes the newer one only.
        assert runner.protocol.has_cap("draft/metadata-3")
        assert not runner.protocol.has_cap("draft/metadata-2")

    ana.protocol.set_metadata("color", "#00D700")
    changed = await bob_events.expect(ev.MetadataChanged, lambda e: e.target == "ana")
    assert (changed.key, changed.value) == ("color", "#00d700")
    assert bob.protocol.color_of("ana") == "#00d700"

    ana.protocol.set_metadata("color", None)  # removed: RPL_KEYNOTSET to bob
    await bob_events.expect(ev.MetadataChanged, lambda e: e.target == "ana" and e.value is None)
    assert bob.protocol.color_of("ana") is None


async def test_a_taken_nick_is_reported_and_another_one_chosen(
    server: ChinwagServer, start: Launch
) -> None:
    address = server.addresses[0]
    _, first, _ = await start(address, "ana")
    await first.expect(ev.Registered)
    second, events, _ = await start(address, "ana")
    rejected = await events.expect(ev.NickRejected)
    assert (rejected.nick, rejected.reason) == ("ana", "Nickname is already in use")
    second.protocol.set_nick("ana2")
    registered = await events.expect(ev.Registered)
    assert registered.nick == "ana2"


async def test_server_down_then_back_on_the_same_port(
    start: Launch, make_server: ServerFactory
) -> None:
    port = free_port()
    first = await make_server(port=port)
    ana, events, _ = await start(
        ("127.0.0.1", port), "ana", "#lobby", metadata={"color": "#ff00af"}
    )
    await events.expect(ev.Registered)
    await events.expect(ev.Names, lambda e: e.channel == "#lobby")
    ana.protocol.join("#dev")
    await events.expect(ev.Names, lambda e: e.channel == "#dev")
    ana.protocol.set_nick("ana_b")
    await events.expect(ev.NickChanged, lambda e: e.is_self)

    await first.stop(grace=1.0)
    error = await events.expect(ev.ServerError)
    assert error.text == "Server shutting down"
    down = await events.expect(ev.Disconnected)
    assert down.error == "Server shutting down"
    retry = await events.expect(ev.Reconnecting)
    assert 0 < retry.delay <= FAST.maximum
    # While nobody listens, attempts fail and the waits stay bounded.
    await events.expect(ev.Disconnected, lambda e: "Nobody is listening" in e.reason)
    retry = await events.expect(ev.Reconnecting)
    assert retry.delay <= FAST.maximum and retry.attempt >= 2

    await make_server(port=port)
    back = await events.expect(ev.Registered)
    assert back.nick == "ana_b"
    rejoined = set()
    while rejoined != {"#lobby", "#dev"}:
        joined = await events.expect(ev.Joined, lambda e: e.is_self)
        rejoined.add(joined.channel)
    assert set(ana.protocol.channels) == {"#lobby", "#dev"}
    assert ana.protocol.color_of("ana_b") == "#ff00af"

    bob, bob_events, _ = await start(("127.0.0.1", port), "bob", "#lobby")
    names = await bob_events.expect(ev.Names, lambda e: e.channel == "#lobby")
    assert {member.nick for member in names.members} == {"ana_b", "bob"}
    ana.protocol.privmsg("#lobby", "I'm back")
    heard = await bob_events.expect(ev.Message)
    assert (heard.sender, heard.text) == ("ana_b", "I'm back")
    assert bob.protocol.color_of("ana_b") == "#ff00af"  # the colour was restored too


async def test_cancelling_the_task_closes_cleanly(server: ChinwagServer, start: Launch) -> None:
    runner, events, task = await start(server.addresses[0], "ana")
    await events.expect(ev.Registered)
    assert runner.connected
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not runner.connected


async def test_no_reconnect_when_told_not_to(start: Launch) -> None:
    port = free_port()
    _, events, task = await start(("127.0.0.1", port), "ana", reconnect=False, connect_timeout=1.0)
    down = await events.expect(ev.Disconnected)
    assert down.reason == f"Nobody is listening on 127.0.0.1:{port} — is the server started?"
    await asyncio.wait_for(task, TIMEOUT)
    assert not [event for event in events.seen if isinstance(event, ev.Reconnecting)]


async def test_a_silent_server_is_pinged_then_given_up(start: Launch) -> None:
    received = bytearray()

    async def mute(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(4096):
                received.extend(data)
        writer.close()

    listener = await asyncio.start_server(mute, "127.0.0.1", 0)
    try:
        address = listener.sockets[0].getsockname()[:2]
        _, events, _ = await start(address, "ana", keepalive=0.1)
        down = await events.expect(ev.Disconnected)
        assert down.reason == "The server stopped answering"
        assert b"PING chinwag-keepalive" in received
        await events.expect(ev.Reconnecting)
    finally:
        listener.close()


def test_backoff_grows_is_bounded_and_jittered() -> None:
    backoff = Backoff(initial=1.0, maximum=30.0, factor=2.0, jitter=0.25)
    assert [backoff.delay(n, lambda: 0.5) for n in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    assert backoff.delay(0, lambda: 0.0) == 0.75
    assert backoff.delay(0, lambda: 1.0) == 1.25
    assert all(0 <= backoff.delay(n) <= 30 for n in range(200))


def test_the_verified_context_checks_and_the_pinning_one_leaves_it_to_the_fingerprint() -> None:
    strict = Security().verified_context()
    assert strict.verify_mode is ssl.CERT_REQUIRED and strict.check_hostname
    pinning = Security().pinning_context()
    assert pinning.verify_mode is ssl.CERT_NONE and not pinning.check_hostname


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, ssl.SSLError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


@pytest.mark.skipif(
    shutil.which("openssl") is None and os.environ.get("CI") != "true",
    reason="needs the openssl command (./dev test installs it; under CI its absence fails)",
)
async def test_tls_through_a_terminating_proxy(
    server: ChinwagServer, start: Launch, tmp_path: Path
) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)
    host, port = server.addresses[0]

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(host, port)
        await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))

    proxy = await asyncio.start_server(relay, "127.0.0.1", 0, ssl=server_side)
    try:
        address = proxy.sockets[0].getsockname()[:2]
        trusting = ssl.create_default_context(cafile=str(cert))
        _, events, _ = await start(address, "ana", "#lobby", tls=True, ssl_context=trusting)
        await events.expect(ev.Registered)
        connected = next(e for e in events.seen if isinstance(e, ev.Connected))
        assert connected.tls and connected.verified and connected.fingerprint is None
        # Without the certificate's authority: trusted on first use.
        _, first_events, _ = await start(address, "bob", "#lobby", tls=True)
        first = await first_events.expect(ev.Connected)
        assert first.first_use and first.fingerprint is not None and not first.verified
        await first_events.expect(ev.Registered)
    finally:
        proxy.close()


async def test_retry_now_cuts_the_wait_before_the_next_attempt(
    start: Launch, make_server: ServerFactory
) -> None:
    port = free_port()
    slow = Backoff(initial=600.0, maximum=600.0, jitter=0.0)
    runner, events, _ = await start(("127.0.0.1", port), "ana", backoff=slow)
    await events.expect(ev.Disconnected, lambda e: "Nobody is listening" in e.reason)
    retry = await events.expect(ev.Reconnecting)
    assert retry.delay == 600.0
    await make_server(port=port)
    runner.retry_now()
    # Well inside the ten-minute wait: only the retry-now can have brought it back.
    await events.expect(ev.Registered)

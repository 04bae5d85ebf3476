"""Drive a :class:`~chinwag.client.protocol.ClientProtocol` over TCP or TLS with asyncio.

:class:`Runner` connects, registers, feeds what it reads to the protocol, writes what the
protocol queues, and hands every event to a callback. When the connection drops it reports
:class:`~chinwag.client.events.Disconnected`, then :class:`~chinwag.client.events.Reconnecting`
with the delay before each new attempt (exponential backoff with jitter, bounded), and on the
next connection the protocol restores nick, colour and rooms by itself. It stops after
:meth:`Runner.quit`, or when its task is cancelled.

Intents are the protocol's own methods (``runner.protocol.privmsg(...)``): the runner hooks
:attr:`ClientProtocol.on_output` and writes what they queue at the end of the loop turn. Call
them, and expect the callback, in the event loop's thread; a UI in another thread (Tk) hands
intents over with ``loop.call_soon_threadsafe(runner.protocol.privmsg, ...)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from chinwag.client.connect import Endpoint, Opened, Security, open_stream
from chinwag.client.events import (
    Connected,
    Disconnected,
    Event,
    MetadataSyncLater,
    Reconnecting,
    StsAdvertised,
)
from chinwag.client.pacing import Pacer
from chinwag.client.protocol import ClientProtocol
from chinwag.client.trust import CertificateChangedError

__all__ = ["Backoff", "Endpoint", "EventHandler", "Runner", "Security", "connect_failure"]

log = logging.getLogger("chinwag.client")

EventHandler = Callable[[Event], None]
"""Receives each event in order; it may call the runner's intents, never block."""

READ_SIZE = 65536
KEEPALIVE_TOKEN = "chinwag-keepalive"
DEFAULT_SYNC_RETRY = 5.0
"""Seconds before ``METADATA SYNC`` when the server asked for a retry without saying when."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delays between reconnection attempts: ``initial * factor**attempt`` capped at
    ``maximum``, spread by ``jitter`` (a fraction) so clients do not return in step."""

    initial: float = 1.0
    maximum: float = 60.0
    factor: float = 2.0
    jitter: float = 0.2

    def delay(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait before attempt ``attempt`` (0 for the first retry)."""
        base = min(self.maximum, self.initial * self.factor ** min(attempt, 64))
        spread = base * self.jitter
        return max(0.0, min(self.maximum, base - spread + 2 * spread * rand()))


class _Silent(Exception):  # noqa: N818
    """The server said nothing through a keepalive PING."""


class Runner:
    """Keeps ``protocol`` connected to ``endpoint`` and reports its events to ``on_event``.

    Run it as a task: ``task = asyncio.create_task(runner.run())``; act with the intent
    methods (they write at once), leave with :meth:`quit`, or cancel the task.
    ``keepalive`` is how long a silent connection may last before we PING, and again before
    we give up on it; ``connect_timeout`` bounds each connection attempt. ``security``
    holds the remembered certificates, the STS policies and the client certificate
    (:mod:`chinwag.client.connect`); ``ssl_context`` replaces the system's verified context
    (a private authority, tests). A changed certificate stops the runner: no retry.
    """

    def __init__(
        self,
        protocol: ClientProtocol,
        endpoint: Endpoint,
        on_event: EventHandler,
        *,
        backoff: Backoff | None = None,
        reconnect: bool = True,
        connect_timeout: float = 10.0,
        keepalive: float = 60.0,
        ssl_context: ssl.SSLContext | None = None,
        security: Security | None = None,
    ) -> None:
        self.protocol = protocol
        self.endpoint = endpoint
        self.on_event = on_event
        self.backoff = backoff or Backoff()
        self.reconnect = reconnect
        self.connect_timeout = connect_timeout
        self.keepalive = keepalive
        self.security = security or Security()
        if ssl_context is not None:
            self.security.verified = ssl_context
        self._again_now = False
        """The server asked for TLS (STS): reconnect at once, without a backoff."""
        self.refused: CertificateChangedError | None = None
        """Why the runner stopped for good: the server's certificate changed."""
        self._writer: asyncio.StreamWriter | None = None
        self._stopping = False
        self._wake = asyncio.Event()
        self._finished = asyncio.Event()
        self._running = False
        self._generation = 0
        self._flush_scheduled = False
        self._pacer: Pacer | None = None
        """What waits to be written at the pace the server allows (:mod:`.pacing`)."""
        self._pace_timer: asyncio.TimerHandle | None = None
        protocol.on_output = self._schedule_flush

    @property
    def connected(self) -> bool:
        """Whether a connection is open (registered or not)."""
        return self._writer is not None and not self._writer.is_closing()

    # -- running ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Connect, and reconnect after every drop, until :meth:`quit` or cancellation."""
        self._running = True
        self._finished.clear()
        attempt = 0
        try:
            while not self._stopping:
                if await self._connect_once():
                    attempt = 0
                if self._again_now:
                    self._again_now = False
                    continue
                if self._stopping or self.protocol.quitting or not self.reconnect:
                    break
                if self.refused is not None:
                    break  # a person must decide: never retry a changed certificate
                delay = self.backoff.delay(attempt)
                attempt += 1
                self._emit(Reconnecting(delay, attempt))
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._wake.wait()
        finally:
            self._close()
            self._running = False
            self._finished.set()

    async def quit(self, reason: str | None = None, timeout: float = 2.0) -> None:
        """Send QUIT, wait up to ``timeout`` for the server to close, and stop running.

        The QUIT goes after the lines still waiting for the allowance (:mod:`.pacing`), and
        the wait is longer by the time they take."""
        self._stopping = True
        self.protocol.quit(reason)
        self._flush()
        self._wake.set()
        if not self._running:
            return
        if self._pacer is not None:
            timeout += self._pacer.drain_time(asyncio.get_running_loop().time())
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._finished.wait()
                return
        self._close()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._finished.wait()

    def retry_now(self) -> None:
        """Cut short the wait before the next attempt to reconnect (the "retry now" key and
        button); does nothing while connected or connecting."""
        self._wake.set()

    def drop(self) -> None:
        """Close the connection now without QUIT (the runner then reconnects)."""
        if self._writer is not None:
            self._writer.transport.abort()

    async def _connect_once(self) -> bool:
        """One connection, from connect to close; whether it got registered."""
        endpoint = self.endpoint
        try:
            opened = await open_stream(endpoint, self.security, self.connect_timeout)
        except CertificateChangedError as exc:
            self.refused = exc
            log.warning("%s", exc)
            for event in self.protocol.connection_lost(str(exc)):
                self._emit(event)
            return False
        except (OSError, TimeoutError) as exc:
            reason = connect_failure(endpoint, exc)
            log.info("%s", reason)
            for event in self.protocol.connection_lost(reason):
                self._emit(event)
            return False
        reader, writer = opened.reader, opened.writer
        if self._stopping:  # quit() came while we were connecting: nothing to say
            writer.transport.abort()
            return False
        self._writer = writer
        self._pacer = Pacer(asyncio.get_running_loop().time())
        self._generation += 1
        where = opened.endpoint
        log.info("connected to %s%s", where.address, " with TLS" if where.tls else "")
        self._emit(
            Connected(
                where.host,
                where.port,
                where.tls,
                fingerprint=opened.fingerprint,
                first_use=opened.first_use,
                verified=opened.verified,
            )
        )
        self.protocol.register()
        self._flush()
        reason = "Connection closed by the server"
        try:
            while True:
                data = await self._read(reader)
                if not data:
                    break
                events = self.protocol.receive(data)
                if self._follow_sts(events, opened):
                    reason = "upgrade"
                    break
                self._flush()
                for event in events:
                    self._emit(event)
                with contextlib.suppress(ConnectionError):
                    await writer.drain()
        except _Silent:
            reason = "The server stopped answering"
        except OSError as exc:
            reason = f"Connection lost: {_describe(exc)}"
        except asyncio.CancelledError:
            self._close()
            raise
        registered = self.protocol.ready
        self._close()
        if self._again_now:
            # Not a disconnection a person should see (a login form would stop on it):
            # the next connection, with TLS, follows at once.
            for event in self.protocol.connection_lost(reason):
                if not isinstance(event, Disconnected):
                    self._emit(event)
            return False
        if self._stopping or self.protocol.quitting:
            reason = "Disconnected"
        log.info("disconnected from %s: %s", where.address, reason)
        for event in self.protocol.connection_lost(reason):
            self._emit(event)
        return registered

    def _follow_sts(self, events: list[Event], opened: Opened) -> bool:
        """Act on an ``sts`` capability among ``events`` (https://ircv3.net/specs/extensions/sts):
        on a plain connection with a ``port``, True: drop it before answering (nothing
        more is sent) and reconnect with TLS there; on a TLS one, keep the ``duration``."""
        where = opened.endpoint
        for event in events:
            if not isinstance(event, StsAdvertised):
                continue
            if not where.tls and event.port is not None:
                log.info("%s asks for TLS on port %d: reconnecting", where.host, event.port)
                self.endpoint = Endpoint(where.host, event.port, True)
                self._again_now = True
                return True
            if where.tls and event.duration is not None:
                self.security.policies.store(where.host, where.port, event.duration)
        return False

    async def _read(self, reader: asyncio.StreamReader) -> bytes:
        """The next bytes; after ``keepalive`` seconds of silence PING, then give up."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.keepalive):
                return await reader.read(READ_SIZE)
        self.protocol.raw("PING", KEEPALIVE_TOKEN)
        self._flush()
        try:
            async with asyncio.timeout(self.keepalive):
                return await reader.read(READ_SIZE)
        except TimeoutError:
            raise _Silent from None

    def _close(self) -> None:
        self._pacer = None  # what a lost connection did not send is not sent on the next
        if self._pace_timer is not None:
            self._pace_timer.cancel()
            self._pace_timer = None
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.transport.abort()

    def _schedule_flush(self) -> None:
        """An intent was called on the protocol: write its bytes at the end of this turn."""
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        """Write what the protocol queued, at the pace the server allows (the rest when the
        allowance comes back); report the events its intents produced."""
        self._flush_scheduled = False
        data = self.protocol.data_to_send()
        pacer = self._pacer
        if pacer is not None:
            loop = asyncio.get_running_loop()
            now = loop.time()
            burst, rate = self.protocol.flood_limits.allowance()
            pacer.configure(burst, rate, now)
            if data:
                pacer.push(data)
            data = pacer.take(now)
            wait = pacer.wait(now)
            if wait is not None and self._pace_timer is None:
                self._pace_timer = loop.call_later(wait, self._paced)
        if data and self._writer is not None and not self._writer.is_closing():
            self._writer.write(data)
        for event in self.protocol.take_events():
            self._emit(event)

    def _paced(self) -> None:
        """The allowance came back for the next waiting line."""
        self._pace_timer = None
        self._flush()

    def _emit(self, event: Event) -> None:
        if isinstance(event, MetadataSyncLater):
            self._schedule_sync(event)
        try:
            self.on_event(event)
        except Exception:  # a UI bug must not take the connection down
            log.exception("event handler failed on %r", event)

    def _schedule_sync(self, event: MetadataSyncLater) -> None:
        generation = self._generation

        def sync() -> None:
            if generation == self._generation and self.connected:
                self.protocol.metadata_sync(event.target)
                self._flush()

        delay = event.retry_after if event.retry_after is not None else DEFAULT_SYNC_RETRY
        asyncio.get_running_loop().call_later(delay, sync)


def connect_failure(endpoint: Endpoint, exc: BaseException) -> str:
    """Why a connection attempt failed, in words a person can act on (the GUI and the
    terminal client show it as is)."""
    address = endpoint.address
    if isinstance(exc, ConnectionRefusedError):
        if endpoint.tls and endpoint.fallback is not None:
            host = endpoint.address.rsplit(":", 1)[0]
            address = f"{address} (TLS) or {host}:{endpoint.fallback}"
        return f"Nobody is listening on {address} — is the server started?"
    if isinstance(exc, socket.gaierror):
        return f"Cannot connect to {address}: no such host ({exc.strerror or exc})"
    if isinstance(exc, TimeoutError):
        return f"Cannot connect to {address}: no answer (is it the right address?)"
    if isinstance(exc, ssl.SSLCertVerificationError):
        why = exc.verify_message or exc.reason or exc
        return f"Cannot connect to {address}: its certificate cannot be trusted ({why})"
    if isinstance(exc, ssl.SSLError):
        return f"Cannot connect to {address}: TLS failed ({exc.reason or exc})"
    return f"Cannot connect to {address}: {_describe(exc)}"


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__

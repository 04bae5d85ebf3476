"""Plain TCP connections for the server core, as an :class:`asyncio.Protocol`.

Each connection is also its session's :class:`~chinwag.server.state.Outbox`: writes are
collected and handed to the socket in one write per loop turn, so a fan-out to a thousand
sessions costs a thousand list appends, not a thousand system calls per message, and nothing
ever awaits a peer. The writes of a turn go out together (:class:`Flusher`), straight to the
sockets with nothing buffered and through the transport otherwise. When what is queued for a
session (ours plus the transport's buffer) passes the SendQ limit, the core is told and closes
that session with ``SendQ exceeded``.

Input is handled a slice at a time: at most :data:`RECEIVE_SLICE` bytes of one peer's input per
loop turn, with reading from that peer paused until the rest is done. A client pasting a
megabyte of lines therefore cannot hold the loop for the whole of it, and the fan-out of one
turn stays small enough for every reading member's outbox to drain between turns; without
this, one 256 KiB read relayed to a room would be queued in full before anything was flushed
and could push members who read perfectly well over a small SendQ.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from chinwag.server.core import ServerCore
    from chinwag.server.state import Session

log = logging.getLogger("chinwag.transport")

RECEIVE_SLICE = 4096
"""Bytes of one peer's input handed to the core per loop turn."""


DIRECT_WRITE_MAX = 4096
"""The most bytes of one turn written around the transport. A quiet room's message goes
straight out; a burst's large writes go through the transport, because there the GIL that
``os.write`` lets go is picked up by the history thread and the fan-out waits for it back
(measured: 6% fewer deliveries per second with every write direct)."""


class Flusher:
    """Flushes, once per loop turn, every connection written to during that turn.

    One callback per turn for the whole server instead of one per connection: a message to a
    room of a thousand queues a thousand appends and a single loop callback, which then makes
    one ``write`` per member.

    On POSIX, a plain TCP connection whose transport has nothing buffered and that has at most
    :data:`DIRECT_WRITE_MAX` bytes to send is written with ``os.write`` on its socket, all such
    connections of the turn in one ``map`` that runs in C: no Python runs between the system
    calls of a fan-out, which is most of a message's trip through a quiet room (5% less CPU
    at 1000 messages/s to 100 members). Whatever the socket does not take (a full buffer, an
    error) goes to the transport as before, which buffers it or reports the broken connection.
    """

    __slots__ = ("_dirty", "_loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._dirty: list[IrcConnection] = []

    def add(self, connection: IrcConnection) -> None:
        """Flush ``connection`` at the end of this turn (it adds itself once per turn)."""
        if not self._dirty:
            self._loop.call_soon(self._run)
        self._dirty.append(connection)

    def _run(self) -> None:
        dirty, self._dirty = self._dirty, []
        fds: list[int] = []
        chunks: list[bytes] = []
        direct: list[IrcConnection] = []
        for connection in dirty:
            connection._flush_scheduled = False
            pending = connection._pending
            if not pending:
                continue
            # _fd is -1 from the moment we close or abort; is_closing covers the transport
            # closing itself on an error: it closes its socket (whose number a new
            # connection may then get) only after it says so, so this never writes a
            # stranger.
            transport = connection._transport
            if (
                connection._fd < 0
                or connection._buffered
                or connection._pending_size > DIRECT_WRITE_MAX
                or transport is None
                or transport.is_closing()
            ):
                connection._flush()
                continue
            chunks.append(pending[0] if len(pending) == 1 else b"".join(pending))
            pending.clear()
            connection._pending_size = 0
            fds.append(connection._fd)
            direct.append(connection)
        if fds:
            written = write_all(fds, chunks)
            if sum(written) != sum(map(len, chunks)):
                for connection, data, count in zip(direct, chunks, written, strict=True):
                    if count < len(data):
                        connection._to_transport(data[count:])


def write_all(fds: list[int], chunks: list[bytes]) -> list[int]:
    """``os.write(fds[i], chunks[i])`` for every ``i``, in C; how many bytes each took.

    A write that fails (a full socket buffer, a reset peer) counts as 0 bytes and the rest go
    on; the caller hands what was not taken to the transport.
    """
    written: list[int] = []
    total = len(fds)
    while len(written) < total:
        start = len(written)
        try:
            # list.extend keeps what the iterator gave before it raised.
            written.extend(map(os.write, fds[start:], chunks[start:]))
        except OSError:
            written.append(0)
    return written


class IrcConnection(asyncio.Protocol):
    """One client connection: bytes to the core on receipt, bytes from the core batched."""

    __slots__ = (
        "_buffered",
        "_closing",
        "_connections",
        "_core",
        "_fd",
        "_flush_scheduled",
        "_flusher",
        "_inbox",
        "_loop",
        "_overflowed",
        "_pending",
        "_pending_size",
        "_pump_scheduled",
        "_reading_paused",
        "_sendq",
        "_transport",
        "closed",
        "session",
    )

    def __init__(
        self,
        core: ServerCore,
        connections: set[IrcConnection],
        flusher: Flusher | None = None,
    ) -> None:
        self._core = core
        self._sendq = core.limits.sendq
        self._loop = asyncio.get_running_loop()
        self._flusher = flusher if flusher is not None else Flusher(self._loop)
        self._transport: asyncio.Transport | None = None
        self._fd = -1
        """The socket's descriptor when the Flusher may write it directly, else -1."""
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._buffered = 0
        """The transport's write buffer as of our last flush (it only grows when we write)."""
        self._flush_scheduled = False
        self._overflowed = False
        self._closing = False
        self._inbox = bytearray()
        self._pump_scheduled = False
        self._reading_paused = False
        self.session: Session | None = None
        self.closed: asyncio.Future[None] = self._loop.create_future()
        self._connections = connections

    # -- asyncio.Protocol ----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Register the new connection with the core (or refuse it when the server is full)."""
        # A stream transport, though not always an asyncio.Transport subclass: uvloop's is
        # its own class with the same methods.
        stream = self._transport = cast(asyncio.Transport, transport)
        self._connections.add(self)
        peer = stream.get_extra_info("peername")
        ip = str(peer[0]) if isinstance(peer, tuple) else "unknown"
        if len(self._connections) > self._core.limits.max_clients:
            stream.write(b"ERROR :Closing Link: server is full, try again later\r\n")
            stream.close()
            return
        self._fd = direct_fd(stream)
        self.session = self._core.connect(self, ip)

    def data_received(self, data: bytes) -> None:
        """Hand received bytes to the core, a slice per loop turn."""
        if self.session is None or self._closing:
            return
        self._inbox += data
        if not self._pump_scheduled:
            self._pump()

    def eof_received(self) -> bool:
        """A half-closed socket ends the session; we close our side too.

        Lines that arrived before the EOF are still handled first, so ``printf 'PRIVMSG ...'
        | nc`` style clients are heard.
        """
        if self.session is not None:
            if self._inbox and not self._closing:
                rest = bytes(self._inbox)
                self._inbox.clear()
                self._core.receive(self.session, rest)
            self._core.connection_lost(self.session, "Connection closed")
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """The socket is gone: end the session if the core has not already."""
        self._fd = -1
        self._closing = True
        self._connections.discard(self)
        if self.session is not None:
            reason = "Connection closed" if exc is None else f"Connection error: {exc}"
            self._core.connection_lost(self.session, reason)
        self._pending.clear()
        self._inbox.clear()
        if not self.closed.done():
            self.closed.set_result(None)

    def _pump(self) -> None:
        """Give the core the next slice of input; come back next turn if more is waiting."""
        self._pump_scheduled = False
        session = self.session
        if session is None or session.closed or self._closing or self._transport is None:
            self._inbox.clear()
            return
        chunk = bytes(self._inbox[:RECEIVE_SLICE])
        del self._inbox[:RECEIVE_SLICE]
        self._core.receive(session, chunk)
        if self._closing or session.closed:
            self._inbox.clear()
        elif self._inbox:
            if not self._reading_paused:
                self._reading_paused = True
                self._transport.pause_reading()
            self._pump_scheduled = True
            self._loop.call_soon(self._pump)
        elif self._reading_paused:
            self._reading_paused = False
            self._transport.resume_reading()

    # -- Outbox ----------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Queue bytes; they go out in one write at the end of this loop turn."""
        if self._closing or self._overflowed:
            return
        self._pending.append(data)
        self._pending_size += len(data)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._flusher.add(self)
        # The transport's buffer only grows when we flush, so its size from then is an upper
        # bound: the fan-out path asks the transport only when that bound says "too much".
        if self._pending_size + self._buffered > self._sendq and self.session is not None:
            if self._transport is not None:
                self._buffered = self._transport.get_write_buffer_size()
            if self._pending_size + self._buffered <= self._sendq:
                return
            self._overflowed = True
            self._pending.clear()
            self._pending_size = 0
            self._core.overflowed(self.session)

    @property
    def queued(self) -> int:
        """Bytes waiting here and in the transport's buffer."""
        buffered = self._transport.get_write_buffer_size() if self._transport else 0
        return self._pending_size + buffered

    def close(self) -> None:
        """Send what is queued, then close the socket."""
        if self._closing:
            return
        self._flush()
        self._closing = True
        self._fd = -1
        if self._transport is None:
            return
        if self._overflowed:
            # A peer that stopped reading would never let a graceful close finish.
            self._transport.abort()
        else:
            self._transport.close()

    def abort(self) -> None:
        """Drop the connection at once, discarding anything unsent."""
        self._closing = True
        self._fd = -1
        if self._transport is not None:
            self._transport.abort()

    def _flush(self) -> None:
        self._flush_scheduled = False
        pending = self._pending
        if not pending:
            return
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        pending.clear()
        self._pending_size = 0
        self._to_transport(data)

    def _to_transport(self, data: bytes) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        transport.write(data)
        self._buffered = transport.get_write_buffer_size()


def direct_fd(transport: asyncio.BaseTransport) -> int:
    """The descriptor :class:`Flusher` may ``os.write`` for this transport, or -1.

    Only a plain TCP socket on POSIX qualifies: on Windows a socket is not a file descriptor,
    and TLS bytes must go through the transport that encrypts them.
    """
    if os.name != "posix" or transport.get_extra_info("sslcontext") is not None:
        return -1
    if transport.get_extra_info("ssl_object") is not None:
        return -1
    sock = transport.get_extra_info("socket")
    if sock is None or sock.type != socket.SOCK_STREAM:
        return -1
    try:
        return int(sock.fileno())
    except (OSError, ValueError):
        return -1

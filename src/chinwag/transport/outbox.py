"""One connection's outgoing lines, whatever carries them: pending lines, SendQ, one flush a turn.

:class:`Outbox` is what the server core writes to (through its
:class:`~chinwag.server.delivery.Delivery`); it hands its lines to a :class:`Sink`, the one
part that differs between transports: a stream sink (TCP, TLS) writes them as they are, one
after the other; a message sink (WebSocket) sends each line as a message of its own, without
its CR LF. Every outbox written to during a loop turn is flushed once at the end of that turn
by the shared :class:`Flusher`: a fan-out to a thousand sessions costs a thousand list appends
and one loop callback, not a thousand writes per message. Nothing here ever awaits a peer
(design.md rule 5): when what is queued for a connection (here and in its transport) passes
the SendQ limit, the outbox stops taking lines and tells its owner, who closes the session
with ``SendQ exceeded``.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from chinwag.server.state import Lines


class Sink(Protocol):
    """Where an :class:`Outbox` hands its lines: one connection's transport."""

    def send_line(self, line: bytes) -> None:
        """Send one complete line (ending in CR LF) without blocking; nothing once the
        transport is closing (what is sent then would never arrive)."""

    def send_lines(self, lines: Lines) -> None:
        """Send complete lines, in order, the same way: a stream writes :attr:`Lines.data`,
        a message transport each of :attr:`Lines.items` as a message of its own."""

    def buffered(self) -> int:
        """Bytes taken but not yet handed to the operating system."""

    def close(self) -> None:
        """Close once what was sent has gone out."""

    def abort(self) -> None:
        """Close now, dropping whatever was not sent."""


class Owner(Protocol):
    """Who is told when an :class:`Outbox` passes its SendQ (the connection's link)."""

    def overflowed(self) -> None:
        """Called once, when queued bytes pass the SendQ limit."""


class Outbox:
    """The lines queued for one connection, flushed to its sink once per loop turn.

    Implements :class:`chinwag.server.state.Outbox`. ``owner`` is told once when the SendQ
    limit is passed; from then on nothing more is queued and :meth:`close` drops the
    connection instead of waiting for a peer that stopped reading.

    What a turn brings is kept as it came: single lines, and whole
    :class:`~chinwag.server.state.Lines` (channel runs) that many members share. A turn of
    one piece, the usual case, goes to the sink as it is; several are handed over together
    without taking the shared ones apart, so every member's stream writes bytes joined once.
    """

    __slots__ = (
        "_buffered",
        "_closing",
        "_flusher",
        "_overflowed",
        "_pieces",
        "_scheduled",
        "_sendq",
        "_sink",
        "_size",
        "owner",
    )

    def __init__(
        self,
        sink: Sink,
        flusher: Flusher,
        sendq: int,
        owner: Owner | None = None,
    ) -> None:
        self._sink = sink
        self._flusher = flusher
        self._sendq = sendq
        self.owner = owner
        self._pieces: list[bytes | Lines] = []
        self._size = 0
        self._buffered = 0
        """An upper bound on the sink's buffer: its size when last asked plus all handed to
        it since (it only grows when we write). The sink is asked only when this bound says
        the SendQ may be passed, not on every flush."""
        self._scheduled = False
        self._overflowed = False
        self._closing = False

    def write_line(self, line: bytes) -> None:
        """Queue one line; it goes out with the rest at the end of this loop turn."""
        if self._closing or self._overflowed:
            return
        self._pieces.append(line)
        self._size += len(line)
        if not self._scheduled:
            self._scheduled = True
            self._flusher.add(self)
        if self._size + self._buffered > self._sendq:
            self._check_sendq()

    def write_lines(self, lines: Lines) -> None:
        """Queue several lines, in order."""
        if self._closing or self._overflowed:
            return
        self._pieces.append(lines)
        self._size += lines.size
        if not self._scheduled:
            self._scheduled = True
            self._flusher.add(self)
        if self._size + self._buffered > self._sendq:
            self._check_sendq()

    def _drop(self) -> None:
        """Forget everything queued."""
        self._pieces = []
        self._size = 0

    def _check_sendq(self) -> None:
        self._buffered = self._sink.buffered()
        if self._size + self._buffered <= self._sendq:
            return
        self._overflowed = True
        self._drop()
        if self.owner is not None:
            self.owner.overflowed()

    @property
    def queued(self) -> int:
        """Bytes waiting here and in the sink."""
        return self._size + self._sink.buffered()

    def flush(self) -> None:
        """Hand what is queued to the sink (the :class:`Flusher` calls this once a turn)."""
        self._scheduled = False
        pieces = self._pieces
        if not pieces:
            return
        size = self._size
        self._size = 0
        self._buffered += size
        if len(pieces) > 1:
            self._pieces = []
            self._sink.send_lines(Lines.joining(pieces, size))
            return
        piece = pieces[0]
        pieces.clear()  # the usual turn of one piece reuses the list
        if isinstance(piece, bytes):
            self._sink.send_line(piece)
        else:
            self._sink.send_lines(piece)

    def close(self) -> None:
        """Send what is queued, then close the connection (at once if it overflowed: a peer
        that stopped reading would never let a graceful close finish)."""
        if self._closing:
            return
        self.flush()
        self._closing = True
        if self._overflowed:
            self._sink.abort()
        else:
            self._sink.close()

    def abort(self) -> None:
        """Drop the connection at once, discarding anything unsent."""
        self.detach()
        self._sink.abort()

    def detach(self) -> None:
        """The connection is gone: queue and write nothing more."""
        self._closing = True
        self._drop()


class Flusher:
    """Flushes, once per loop turn, every outbox written to during that turn.

    One callback per turn for the whole server instead of one per connection: a message to a
    room of a thousand queues a thousand appends and a single loop callback, which then makes
    one write per member. (Writing plain sockets with ``os.write`` around their transports
    was measured on the standard loop behind this seam and bought nothing, so every write
    goes through the transport, which alone knows about TLS and closed descriptors.)
    """

    __slots__ = ("_dirty", "_loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._dirty: list[Outbox] = []

    def add(self, outbox: Outbox) -> None:
        """Flush ``outbox`` at the end of this turn (it adds itself once per turn)."""
        if not self._dirty:
            self._loop.call_soon(self._run)
        self._dirty.append(outbox)

    def _run(self) -> None:
        dirty, self._dirty = self._dirty, []
        for outbox in dirty:
            outbox.flush()

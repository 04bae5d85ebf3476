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
from collections.abc import Callable
from typing import Protocol

from chinwag.server.state import Lines


class Sink(Protocol):
    """Where an :class:`Outbox` hands its lines: one connection's transport."""

    def send(self, lines: Lines) -> None:
        """Send complete lines (each ending in CR LF), in order, without blocking: a stream
        writes :attr:`Lines.data`, a message transport each of :attr:`Lines.items`."""

    def buffered(self) -> int:
        """Bytes taken but not yet handed to the operating system."""

    def is_closing(self) -> bool:
        """Whether the transport is closing or closed (nothing sent now would arrive)."""

    def close(self) -> None:
        """Close once what was sent has gone out."""

    def abort(self) -> None:
        """Close now, dropping whatever was not sent."""


class Outbox:
    """The lines queued for one connection, flushed to its sink once per loop turn.

    Implements :class:`chinwag.server.state.Outbox`. ``on_overflow`` is called once when the
    SendQ limit is passed; from then on nothing more is queued and :meth:`close` drops the
    connection instead of waiting for a peer that stopped reading.

    When all a turn brought is one :class:`~chinwag.server.state.Lines` (a channel run, the
    usual case in a busy room), it is handed to the sink as it is, so every member's stream
    writes the same bytes, joined once.
    """

    __slots__ = (
        "_buffered",
        "_closing",
        "_flusher",
        "_lines",
        "_overflowed",
        "_scheduled",
        "_sendq",
        "_shared",
        "_sink",
        "_size",
        "on_overflow",
    )

    def __init__(
        self,
        sink: Sink,
        flusher: Flusher,
        sendq: int,
        on_overflow: Callable[[], None] | None = None,
    ) -> None:
        self._sink = sink
        self._flusher = flusher
        self._sendq = sendq
        self.on_overflow = on_overflow
        self._lines: list[bytes] = []
        self._shared: Lines | None = None
        """The only thing queued, when it came as one piece (then ``_lines`` is empty)."""
        self._size = 0
        self._buffered = 0
        """The sink's buffer as of our last flush (it only grows when we write)."""
        self._scheduled = False
        self._overflowed = False
        self._closing = False

    def write_line(self, line: bytes) -> None:
        """Queue one line; it goes out with the rest at the end of this loop turn."""
        if self._closing or self._overflowed:
            return
        if self._shared is not None:
            self._unshare()
        self._lines.append(line)
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
        if self._shared is not None:
            self._unshare()
        if self._lines:
            self._lines.extend(lines.items)
        else:
            self._shared = lines
        self._size += lines.size
        if not self._scheduled:
            self._scheduled = True
            self._flusher.add(self)
        if self._size + self._buffered > self._sendq:
            self._check_sendq()

    def _unshare(self) -> None:
        """More is queued after a shared piece: copy its lines to add to them."""
        assert self._shared is not None
        self._lines = list(self._shared.items)
        self._shared = None

    def _take(self) -> Lines | None:
        """Everything queued, as one piece, and nothing queued any more."""
        taken = self._shared
        if taken is not None:
            self._shared = None
        elif self._lines:
            taken = Lines(self._lines, self._size)
            self._lines = []
        self._size = 0
        return taken

    def _check_sendq(self) -> None:
        # The sink's buffer only grows when we flush, so its size from then is an upper
        # bound: the fan-out path asks the sink only when that bound says "too much".
        self._buffered = self._sink.buffered()
        if self._size + self._buffered <= self._sendq:
            return
        self._overflowed = True
        self._take()
        if self.on_overflow is not None:
            self.on_overflow()

    @property
    def queued(self) -> int:
        """Bytes waiting here and in the sink."""
        return self._size + self._sink.buffered()

    def flush(self) -> None:
        """Hand what is queued to the sink (the :class:`Flusher` calls this once a turn)."""
        self._scheduled = False
        lines = self._take()
        if lines is None:
            return
        sink = self._sink
        if sink.is_closing():
            return
        sink.send(lines)
        self._buffered = sink.buffered()

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
        self._take()


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

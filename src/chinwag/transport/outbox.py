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
import os
from collections.abc import Callable
from typing import Protocol

from chinwag.server.state import Lines

DIRECT_WRITE_MAX = 4096
"""The most bytes of one turn written around the transport (see :class:`Flusher`). A quiet
room's message goes straight out; a burst's large writes go through the transport, because
there the GIL that ``os.write`` lets go is picked up by the history thread and the fan-out
waits for it back (measured: 6% fewer deliveries per second with every write direct)."""


class Sink(Protocol):
    """Where an :class:`Outbox` hands its lines: one connection's transport."""

    @property
    def fd(self) -> int:
        """A descriptor :class:`Flusher` may ``os.write`` complete lines to while nothing is
        buffered, or -1. Only a plain stream socket on POSIX has one: TLS bytes must go
        through the layer that encrypts them, and a message transport frames each line."""

    def send(self, lines: Lines) -> None:
        """Send complete lines (each ending in CR LF), in order, without blocking: a stream
        writes :attr:`Lines.data`, a message transport each of :attr:`Lines.items`."""

    def send_rest(self, data: bytes) -> None:
        """Send what a direct write to :attr:`fd` left of a chunk of lines (stream sinks
        only: a sink without a descriptor never gets this)."""

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
        "_fd",
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
        self._fd = sink.fd
        """The sink's descriptor while direct writes are allowed, else -1 (from the moment
        the connection closes, so a reused descriptor is never written)."""
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

    def flush(self, direct: DirectWrites | None = None) -> None:
        """Hand what is queued to the sink, or to ``direct`` for one ``os.write`` when the
        sink allows it, has nothing buffered and the lines are few (:class:`Flusher`)."""
        self._scheduled = False
        size = self._size
        lines = self._take()
        if lines is None:
            return
        sink = self._sink
        if sink.is_closing():
            return
        if direct is not None and self._fd >= 0 and not self._buffered and size <= DIRECT_WRITE_MAX:
            direct.add(self, self._fd, lines.data)
            return
        sink.send(lines)
        self._buffered = sink.buffered()

    def _send_rest(self, data: bytes) -> None:
        """What a direct write left over goes through the sink, which buffers it."""
        sink = self._sink
        if not sink.is_closing():
            sink.send_rest(data)
            self._buffered = sink.buffered()

    def close(self) -> None:
        """Send what is queued, then close the connection (at once if it overflowed: a peer
        that stopped reading would never let a graceful close finish)."""
        if self._closing:
            return
        self.flush()
        self._closing = True
        self._fd = -1
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
        self._fd = -1
        self._take()


class DirectWrites:
    """The direct writes of one flush: each outbox's lines as one chunk for its descriptor."""

    __slots__ = ("chunks", "fds", "outboxes")

    def __init__(self) -> None:
        self.fds: list[int] = []
        self.chunks: list[bytes] = []
        self.outboxes: list[Outbox] = []

    def add(self, outbox: Outbox, fd: int, chunk: bytes) -> None:
        """Write ``chunk`` to ``fd`` on :meth:`write`."""
        self.fds.append(fd)
        self.chunks.append(chunk)
        self.outboxes.append(outbox)

    def write(self) -> None:
        """Write every chunk in one C-level loop; what a socket did not take goes to its
        outbox's sink, which buffers it (or reports the broken connection)."""
        chunks = self.chunks
        written = write_all(self.fds, chunks)
        if sum(written) != sum(map(len, chunks)):
            for outbox, data, count in zip(self.outboxes, chunks, written, strict=True):
                if count < len(data):
                    outbox._send_rest(data[count:])


def write_all(fds: list[int], chunks: list[bytes]) -> list[int]:
    """``os.write(fds[i], chunks[i])`` for every ``i``, in C; how many bytes each took.

    A write that fails (a full socket buffer, a reset peer) counts as 0 bytes and the rest go
    on; the caller hands what was not taken to the sink.
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


class Flusher:
    """Flushes, once per loop turn, every outbox written to during that turn.

    One callback per turn for the whole server instead of one per connection. On POSIX, an
    outbox whose sink is a plain TCP socket with nothing buffered and at most
    :data:`DIRECT_WRITE_MAX` bytes to send is written with ``os.write``, all such outboxes of
    the turn in one ``map`` that runs in C: no Python runs between the system calls of a
    fan-out.
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
        direct = DirectWrites()
        for outbox in dirty:
            outbox.flush(direct)
        if direct.fds:
            direct.write()

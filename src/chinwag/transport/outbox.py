"""One connection's outgoing lines, whatever carries them: pending lines, SendQ, one flush a turn.

:class:`Outbox` is what the server core writes to (through its
:class:`~chinwag.server.delivery.Delivery`); it hands its lines to a :class:`Sink`, the one
part that differs between transports: a stream sink (TCP, TLS) writes them as they are, one
after the other; a message sink (WebSocket) sends each line as a message of its own, without
its CR LF. Every outbox written to during a loop turn is flushed once at the end of that turn
by the shared :class:`Flusher`: a fan-out to a thousand sessions costs a thousand list appends
and one loop callback, not a thousand writes per message. Lines of a fan-out to a crowd (a
room of hundreds or thousands) go in a second lane, flushed after the first and a slice of
time at a time, so a JOIN storm in one big room cannot hold the loop for the many writes it
takes and a message in another room is not kept waiting (issue 20); an outbox waiting in that
lane gathers whatever else comes for it, so a storm costs fewer writes, not more. Nothing
here ever awaits a peer (design.md rule 5): when what is queued for a connection (here and in
its transport) passes the SendQ limit, the outbox stops taking lines and tells its owner, who
closes the session with ``SendQ exceeded``.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Protocol

from chinwag.server.lines import Lines
from chinwag.transport.crowd import CrowdPacer

BULK_SLICE = 0.002
"""Seconds of crowd-lane flushing per loop turn: short enough that a message to another room
waits at most about this long behind a storm, long enough that yielding (one poll of the
sockets per slice) costs nothing next to the writes."""

_IDLE, _PROMPT, _BULK = 0, 1, 2
"""Where an outbox waits to be flushed: nowhere, in the prompt lane, in the crowd lane."""


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
    :class:`~chinwag.server.lines.Lines` (channel runs) that many members share. A turn of
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
        self._scheduled = _IDLE
        self._overflowed = False
        self._closing = False

    def write_line(self, line: bytes) -> None:
        """Queue one line; it goes out with the rest at the end of this loop turn."""
        if self._closing or self._overflowed:
            return
        self._pieces.append(line)
        self._size += len(line)
        if self._scheduled != _PROMPT:
            self._scheduled = _PROMPT
            self._flusher.add(self)
        if self._size + self._buffered > self._sendq:
            self._check_sendq()

    def write_lines(self, lines: Lines) -> None:
        """Queue several lines, in order."""
        if self._closing or self._overflowed:
            return
        self._pieces.append(lines)
        self._size += lines.size
        if self._scheduled != _PROMPT:
            self._scheduled = _PROMPT
            self._flusher.add(self)
        if self._size + self._buffered > self._sendq:
            self._check_sendq()

    def write_bulk_line(self, line: bytes) -> None:
        """Queue one line of a fan-out to a crowd: flushed in the crowd lane, unless the
        outbox already waits in the prompt lane (then it goes with the rest, this turn)."""
        if self._closing or self._overflowed:
            return
        self._pieces.append(line)
        self._size += len(line)
        if not self._scheduled:
            self._scheduled = _BULK
            self._flusher.add_bulk(self)
        if self._size + self._buffered > self._sendq:
            self._check_sendq()

    def write_bulk_lines(self, lines: Lines) -> None:
        """Queue several lines of a fan-out to a crowd, as :meth:`write_bulk_line`."""
        if self._closing or self._overflowed:
            return
        self._pieces.append(lines)
        self._size += lines.size
        if not self._scheduled:
            self._scheduled = _BULK
            self._flusher.add_bulk(self)
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
        """Hand what is queued to the sink (the :class:`Flusher` calls this once a turn, or
        later for the crowd lane; a call finding nothing queued does nothing)."""
        self._scheduled = _IDLE
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
    """Flushes the outboxes written to, in two lanes: every prompt one at the end of the turn
    it was written in, then crowd ones for :data:`BULK_SLICE` seconds a turn.

    One callback per turn for the whole server instead of one per connection: a message to a
    room of a thousand queues a thousand appends and a single loop callback, which then makes
    one write per member. (Writing plain sockets with ``os.write`` around their transports
    was measured on the standard loop behind this seam and bought nothing, so every write
    goes through the transport, which alone knows about TLS and closed descriptors.)

    The crowd lane is first in, first out. Between its slices the loop polls the sockets, so
    what another room says meanwhile is read, handled and flushed in the prompt lane first.
    An outbox written to again while it waits is not queued twice: the new lines join the
    write it is waiting for. One in both lanes (a crowd line, then a prompt one) is flushed
    whole by the prompt lane and found empty by the other.
    """

    __slots__ = ("_bulk", "_loop", "_prompt", "_scheduled", "crowd")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._prompt: list[Outbox] = []
        self._bulk: deque[Outbox] = deque()
        self._scheduled = False
        self.crowd = CrowdPacer(loop)
        """The pacer of input that walks a crowd, the other half of keeping a storm in one
        room from stalling the rest: shared by every connection, as this flusher is."""

    def add(self, outbox: Outbox) -> None:
        """Flush ``outbox`` at the end of this turn (it adds itself once per turn)."""
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self._run)
        self._prompt.append(outbox)

    def add_bulk(self, outbox: Outbox) -> None:
        """Flush ``outbox`` in the crowd lane, after every prompt one."""
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self._run)
        self._bulk.append(outbox)

    def _run(self) -> None:
        self._scheduled = False
        prompt, self._prompt = self._prompt, []
        for outbox in prompt:
            outbox.flush()
        bulk = self._bulk
        if not bulk:
            return
        deadline = time.perf_counter() + BULK_SLICE
        flushed = 0
        while bulk:
            bulk.popleft().flush()
            flushed += 1
            # The clock is read every few dozen writes: each write takes microseconds.
            if not flushed & 31 and time.perf_counter() >= deadline:
                break
        if bulk and not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self._run)

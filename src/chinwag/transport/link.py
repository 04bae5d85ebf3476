"""One peer's connection to the server core, whatever transport carries it.

A transport (TCP now; TLS and WebSocket next) frames what it receives into lines, keeps them
in a :class:`LineSource`, and hands the rest to a :class:`Link`: registering the connection
with the core (or refusing it when the server is full), feeding the core a slice of lines per
loop turn, and ending the session when the peer goes.

Input is handled a slice at a time: at most :data:`RECEIVE_SLICE` bytes of one peer's input
per loop turn, with reading from that peer paused until the rest is done. A client pasting a
megabyte of lines therefore cannot hold the loop for the whole of it, and the fan-out of one
turn stays small enough for every reading member's outbox to drain between turns; without
this, one 256 KiB read relayed to a room would be queued in full before anything was flushed
and could push members who read perfectly well over a small SendQ.

A line that walks a crowd (a JOIN to a room of thousands: :meth:`ServerCore.crowd_work`) is
handed over only when the shared :class:`~chinwag.transport.crowd.CrowdPacer` says so; until
then the link keeps it and the lines after it, and reads nothing more from its peer.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from chinwag.server.core import Item, ServerCore
from chinwag.server.state import Session
from chinwag.transport.outbox import Flusher, Outbox, Sink

RECEIVE_SLICE = 4096
"""Bytes of one peer's input handed to the core per loop turn."""

SERVER_FULL = b"ERROR :Closing Link: server is full, try again later\r\n"


class LineSource(Protocol):
    """The lines a transport received and has not yet handed to the core, and the reading
    that brings more."""

    def take(self, budget: int) -> list[Item]:
        """The next lines, about ``budget`` bytes of input's worth (at least one line if any
        is complete)."""

    def pending(self) -> bool:
        """Whether input is waiting that :meth:`take` has not handed out."""

    def rest(self) -> list[Item]:
        """Every complete line still waiting (the peer finished sending)."""

    def clear(self) -> None:
        """Forget whatever is waiting (the session is over)."""

    def pause_reading(self) -> None:
        """Stop reading from the peer until :meth:`resume_reading`."""

    def resume_reading(self) -> None:
        """Read from the peer again."""


class Link:
    """A connection as the core sees it: lines in from a :class:`LineSource`, an
    :class:`~chinwag.transport.outbox.Outbox` over ``sink`` for what goes out.

    ``links`` is the set of every open link of the server (the application waits for them
    at stop); :attr:`closed` is done when the connection is gone. ``kind`` is the listener kind
    that carries it (:data:`chinwag.config.LISTENER_KINDS`), for ``/metrics``.
    """

    __slots__ = (
        "_closed",
        "_core",
        "_crowd",
        "_done",
        "_held",
        "_links",
        "_pump_scheduled",
        "_reading_paused",
        "_source",
        "kind",
        "outbox",
        "session",
    )

    def __init__(
        self,
        core: ServerCore,
        links: set[Link],
        source: LineSource,
        sink: Sink,
        flusher: Flusher,
        kind: str = "tcp",
    ) -> None:
        self._core = core
        self.kind = kind
        self._links = links
        self._source = source
        self.outbox = Outbox(sink, flusher, core.config.limits.sendq, self)
        self._crowd = flusher.crowd
        self._held: list[Item] | None = None
        """Lines taken from the source, a crowd line first, waiting for the pacer."""
        self._pump_scheduled = False
        self._reading_paused = False
        self._done = False
        self.session: Session | None = None
        self._closed: asyncio.Future[None] | None = None

    @property
    def closed(self) -> asyncio.Future[None]:
        """Done when the connection is gone. Made when first asked for (the server asks
        when it stops), not with every connection: most are never waited for, and a future
        is an eighth of what an idle connection may cost (issue 20)."""
        closed = self._closed
        if closed is None:
            closed = self._closed = asyncio.get_running_loop().create_future()
            if self._done:
                closed.set_result(None)
        return closed

    def open(self, ip: str, *, secure: bool = False, certfp: str | None = None) -> None:
        """Register the connection from ``ip`` with the core, or refuse it when the server
        already has ``[limits] max_clients`` connections. ``secure``: it is encrypted (TLS,
        WebSocket over HTTPS); ``certfp``: the client certificate's fingerprint, if any."""
        self._links.add(self)
        if len(self._links) > self._core.config.limits.max_clients:
            self.outbox.write_line(SERVER_FULL)
            self.outbox.close()
            return
        session = self._core.connect(self.outbox, ip, secure=secure, certfp=certfp)
        session.reader = self
        self.session = session

    @property
    def reading_paused(self) -> bool:
        """Whether reading from the peer is paused (its input waits to be handled, or
        fakelag holds its lines)."""
        return self._reading_paused

    def overflowed(self) -> None:
        """The outbox passed the SendQ: the core closes the session once its work is done."""
        if self.session is not None:
            self._core.overflowed(self.session)

    def received(self) -> None:
        """The transport added lines to the source: hand the core its next slice."""
        if self.session is None or self._done:
            self._source.clear()
            return
        if not self._pump_scheduled:
            self._pump()

    def _pump(self) -> None:
        """Give the core the next slice of input; come back next turn if more is waiting."""
        self._pump_scheduled = False
        session = self.session
        source = self._source
        if session is None or session.closed or self._done:
            self._held = None
            source.clear()
            return
        held = self._held
        self._held = None
        if not self._hand_over(session, held if held is not None else source.take(RECEIVE_SLICE)):
            return  # a crowd line waits for its turn
        if self._done or session.closed:
            source.clear()
        elif session.lagged_until is not None:
            # Fakelag holds the session's lines: read nothing more from the peer until they
            # are handled (:meth:`resume_input`). What was already read is framed and handed
            # over still, a slice a turn, for the core to hold or, past the hard limit,
            # to close the session with Excess Flood.
            if not self._reading_paused:
                self._reading_paused = True
                source.pause_reading()
            if source.pending():
                self._pump_scheduled = True
                asyncio.get_running_loop().call_soon(self._pump)
        elif source.pending():
            if not self._reading_paused:
                self._reading_paused = True
                source.pause_reading()
            self._pump_scheduled = True
            asyncio.get_running_loop().call_soon(self._pump)
        elif self._reading_paused:
            self._reading_paused = False
            source.resume_reading()

    def _hand_over(self, session: Session, items: list[Item]) -> bool:
        """Give the core ``items``, each crowd line when the pacer admits it; ``False`` when
        one must wait: it and the lines after it are kept, reading stops, and the pacer calls
        :meth:`crowd_turn` when its turn comes."""
        core = self._core
        crowd = self._crowd
        start = 0
        for index, item in enumerate(items):
            if not core.crowd_work(session, item):
                continue
            if index > start:
                core.receive(session, items[start:index])
                if self._done or session.closed:
                    return True
            if not crowd.may_start(self):
                self._held = items[index:]
                if not self._reading_paused:
                    self._reading_paused = True
                    self._source.pause_reading()
                self._pump_scheduled = True  # nothing else pumps until the pacer does
                crowd.wait(self)
                return False
            began = time.perf_counter()
            core.receive(session, (item,))
            crowd.spent(time.perf_counter() - began)
            if self._done or session.closed:
                return True
            start = index + 1
        if start < len(items) or not items:
            core.receive(session, items[start:] if start else items)
        return True

    def crowd_turn(self) -> None:
        """The pacer's call: this link's crowd line may be handled now (CrowdPacer.Waiter)."""
        self._pump()

    def hold_input(self) -> None:
        """Fakelag holds lines already handed over (a cluster node decides so when it applies
        the log, after the link read on): read nothing more until :meth:`resume_input`."""
        if not self._done and not self._reading_paused:
            self._reading_paused = True
            self._source.pause_reading()

    def resume_input(self) -> None:
        """Fakelag handled every line it held: hand over what waits, then read again."""
        if self._done or self._pump_scheduled:
            return
        if self._source.pending():
            self._pump_scheduled = True
            asyncio.get_running_loop().call_soon(self._pump)
        elif self._reading_paused:
            self._reading_paused = False
            self._source.resume_reading()

    def ended(self) -> None:
        """The peer finished sending: its session ends as a quit, after the lines that
        arrived before the end are handled (so ``printf 'PRIVMSG ...' | nc`` is heard)."""
        session = self.session
        if session is None:
            return
        held = self._held
        if held is not None:
            # The peer is done: what it sent is handled now, not when the pacer would have.
            self._held = None
            self._crowd.forget(self)
            self._pump_scheduled = False
        if not self._done and (held is not None or self._source.pending()):
            self._core.receive(session, [*(held or ()), *self._source.rest()])
        self._core.connection_lost(session, "Connection closed")

    def lost(self, reason: str) -> None:
        """The connection is gone: end the session if the core has not already."""
        self._done = True
        self.outbox.detach()
        self._links.discard(self)
        if self._held is not None:
            self._held = None
            self._crowd.forget(self)
        if self.session is not None:
            self._core.connection_lost(self.session, reason)
        self._source.clear()
        closed = self._closed
        if closed is not None and not closed.done():
            closed.set_result(None)

    def abort(self) -> None:
        """Drop the connection at once (the server is stopping and the peer does not read)."""
        self.outbox.abort()

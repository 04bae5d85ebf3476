"""IRC over a byte stream (plain TCP; TLS uses the same classes): framing in, a stream sink out.

The stream carries lines ending in CR LF (Modern IRC "Messages"); :class:`StreamInput` frames
what arrives with :class:`~chinwag.protocol.framing.LineFramer`, a slice at a time as the
:class:`~chinwag.transport.link.Link` asks for it, and :class:`StreamSink` writes the lines
of each flush with one call to the transport. :class:`IrcStreamProtocol` is the thin
:class:`asyncio.Protocol` joining them.
"""

from __future__ import annotations

import asyncio
from typing import cast

from chinwag.protocol.framing import LineFramer
from chinwag.server.core import Item, ServerCore
from chinwag.server.state import Lines
from chinwag.transport.link import Link
from chinwag.transport.outbox import Flusher, Outbox


class StreamInput:
    """Received bytes not yet handed to the core, framed into lines as they are taken."""

    __slots__ = ("_buffer", "_framer")

    def __init__(self) -> None:
        self._framer = LineFramer()
        self._buffer = bytearray()

    def feed(self, data: bytes) -> None:
        """Keep bytes that just arrived."""
        self._buffer += data

    def take(self, budget: int) -> list[Item]:
        """Frame the next ``budget`` bytes (lines they complete; a partial line waits)."""
        chunk = bytes(self._buffer[:budget])
        del self._buffer[:budget]
        return self._framer.feed(chunk)

    def pending(self) -> bool:
        """Whether unframed bytes wait."""
        return bool(self._buffer)

    def rest(self) -> list[Item]:
        """Every complete line in what waits."""
        rest = bytes(self._buffer)
        self._buffer.clear()
        return self._framer.feed(rest)

    def clear(self) -> None:
        """Forget what waits."""
        self._buffer.clear()


class StreamSink:
    """A stream transport as a :class:`~chinwag.transport.outbox.Sink`: the lines of a flush
    are written back to back in one call."""

    __slots__ = ("_transport",)

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport

    def send(self, lines: Lines) -> None:
        """Write ``lines`` back to back (the transport sends at once what the socket takes)."""
        self._transport.write(lines.data)

    def buffered(self) -> int:
        """The transport's write buffer."""
        return self._transport.get_write_buffer_size()

    def is_closing(self) -> bool:
        """Whether the transport is closing."""
        return self._transport.is_closing()

    def close(self) -> None:
        """Close after the buffer drains."""
        self._transport.close()

    def abort(self) -> None:
        """Close now."""
        self._transport.abort()


class IrcStreamProtocol(asyncio.Protocol):
    """One IRC connection over a stream transport, as an :class:`asyncio.Protocol`."""

    __slots__ = ("_core", "_flusher", "_input", "_links", "link")

    def __init__(self, core: ServerCore, links: set[Link], flusher: Flusher) -> None:
        self._core = core
        self._links = links
        self._flusher = flusher
        self._input = StreamInput()
        self.link: Link | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Register the new connection with the core (or refuse it when the server is full)."""
        # A stream transport, though not always an asyncio.Transport subclass: uvloop's is
        # its own class with the same methods.
        stream = cast(asyncio.Transport, transport)
        outbox = Outbox(StreamSink(stream), self._flusher, self._core.config.limits.sendq)
        self.link = Link(self._core, self._links, outbox, self._input, stream)
        peer = stream.get_extra_info("peername")
        self.link.open(str(peer[0]) if isinstance(peer, tuple) else "unknown")

    def data_received(self, data: bytes) -> None:
        """Keep what arrived and let the link hand it to the core."""
        if self.link is not None:
            self._input.feed(data)
            self.link.received()

    def eof_received(self) -> bool:
        """A half-closed socket ends the session; we close our side too."""
        if self.link is not None:
            self.link.ended()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """The socket is gone: end the session if the core has not already."""
        if self.link is not None:
            reason = "Connection closed" if exc is None else f"Connection error: {exc}"
            self.link.lost(reason)

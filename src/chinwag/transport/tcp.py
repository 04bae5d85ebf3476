"""IRC over a byte stream (plain TCP, or TLS with the same class): framing in, a stream out.

The stream carries lines ending in CR LF (Modern IRC "Messages"). :class:`IrcStreamProtocol`
is the thin :class:`asyncio.Protocol` of one connection and plays both transport-specific
parts of it: the :class:`~chinwag.transport.link.LineSource` of its
:class:`~chinwag.transport.link.Link`, framing what arrives with
:class:`~chinwag.protocol.framing.LineFramer` a slice at a time as the link asks, and the
:class:`~chinwag.transport.outbox.Sink` of its :class:`~chinwag.transport.outbox.Outbox`,
writing the lines of each flush back to back in one call. One object per connection for
both keeps an idle connection small (the idle benchmark holds ten thousand).
"""

from __future__ import annotations

import asyncio
import ssl
from typing import cast

from chinwag.protocol.fingerprints import certfp
from chinwag.protocol.framing import LineFramer
from chinwag.server.core import Item, ServerCore
from chinwag.server.lines import Lines
from chinwag.transport.link import Link
from chinwag.transport.outbox import Flusher


class IrcStreamProtocol(asyncio.Protocol):
    """One IRC connection over a stream transport."""

    __slots__ = (
        "_admitted",
        "_buffer",
        "_core",
        "_flusher",
        "_framer",
        "_links",
        "_transport",
        "link",
    )

    def __init__(self, core: ServerCore, links: set[Link], flusher: Flusher) -> None:
        self._core = core
        self._links = links
        self._flusher = flusher
        self._framer = LineFramer()
        self._buffer = b""
        """Received bytes not yet framed and handed to the core: what one read brought, kept
        as it came (most reads are handed over whole in the same turn), and the shared empty
        ``b""`` when nothing waits, so that an idle connection holds no buffer (issue 20)."""
        self._transport: asyncio.Transport | None = None
        self._admitted: str | None = None
        """The address :meth:`ServerCore.admit` counted this connection against."""
        self.link: Link | None = None

    # -- asyncio.Protocol ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Register the new connection with the core (or refuse it when the server is full)."""
        # A stream transport, though not always an asyncio.Transport subclass: uvloop's is
        # its own class with the same methods.
        stream = self._transport = cast(asyncio.Transport, transport)
        peer = stream.get_extra_info("peername")
        ip = str(peer[0]) if isinstance(peer, tuple) else "unknown"
        if not self._admit(stream, ip):
            return
        # On a TLS listener asyncio calls this only after the handshake, so the client's
        # certificate (if it sent one) is known here.
        tls = stream.get_extra_info("ssl_object")
        secure = isinstance(tls, ssl.SSLObject)
        self.link = Link(
            self._core, self._links, self, self, self._flusher, "tls" if secure else "tcp"
        )
        if isinstance(tls, ssl.SSLObject):
            self._core.deps.counters.tls_handshakes_completed += 1
            der = tls.getpeercert(binary_form=True)
            self.link.open(ip, secure=True, certfp=certfp(der) if der else None)
        else:
            self.link.open(ip)

    def _admit(self, stream: asyncio.Transport, ip: str) -> bool:
        """Ask the core whether a connection from ``ip`` may go on (bans, ``[connections]``
        limits: issue 17), before reading anything; if not, say why in ``ERROR`` and close.
        On a TLS listener this comes after the handshake, which ``[tls]
        handshake_timeout`` bounds."""
        refusal = self._core.admit(ip)
        if refusal is not None:
            stream.write(f"ERROR :{refusal[1]}\r\n".encode())
            stream.close()
            return False
        self._admitted = ip
        return True

    def data_received(self, data: bytes) -> None:
        """Keep what arrived and let the link hand it to the core."""
        if self.link is not None:
            self._buffer = self._buffer + data if self._buffer else data
            self.link.received()

    def eof_received(self) -> bool:
        """A half-closed socket ends the session; we close our side too."""
        if self.link is not None:
            self.link.ended()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """The socket is gone: end the session if the core has not already."""
        if self._admitted is not None:
            self._core.release(self._admitted)
            self._admitted = None
        if self.link is not None:
            reason = "Connection closed" if exc is None else f"Connection error: {exc}"
            self.link.lost(reason)

    # -- LineSource: what arrived, framed as the link takes it --------------------------------

    def take(self, budget: int) -> list[Item]:
        """Frame the next ``budget`` bytes (lines they complete; a partial line waits)."""
        buffer = self._buffer
        if len(buffer) <= budget:
            self._buffer = b""
            return self._framer.feed(buffer)
        # Reading is paused while the rest waits, so it is cut from one read's bytes only.
        self._buffer = buffer[budget:]
        return self._framer.feed(buffer[:budget])

    def pending(self) -> bool:
        """Whether unframed bytes wait."""
        return bool(self._buffer)

    def rest(self) -> list[Item]:
        """Every complete line in what waits."""
        rest = self._buffer
        self._buffer = b""
        return self._framer.feed(rest)

    def clear(self) -> None:
        """Forget what waits."""
        self._buffer = b""

    def pause_reading(self) -> None:
        """Stop reading from the socket while the core works through what waits."""
        if self._transport is not None:
            self._transport.pause_reading()

    def resume_reading(self) -> None:
        """Read from the socket again."""
        if self._transport is not None:
            self._transport.resume_reading()

    # -- Sink: the lines of a flush, back to back -----------------------------------------------

    def send_line(self, line: bytes) -> None:
        """Write one line (the transport sends at once what the socket takes)."""
        transport = self._transport
        if transport is not None and not transport.is_closing():
            transport.write(line)

    def send_lines(self, lines: Lines) -> None:
        """Write ``lines`` back to back."""
        transport = self._transport
        if transport is not None and not transport.is_closing():
            transport.write(lines.data)

    def buffered(self) -> int:
        """The transport's write buffer."""
        return self._transport.get_write_buffer_size() if self._transport is not None else 0

    def close(self) -> None:
        """Close after the buffer drains."""
        if self._transport is not None:
            self._transport.close()

    def abort(self) -> None:
        """Close now."""
        if self._transport is not None:
            self._transport.abort()

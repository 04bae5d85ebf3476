"""The load generator's transports: plain TCP, IRC over TLS, IRC over WebSocket (``/ws``).

Every transport ends up as a non-blocking socket the workloads read and write directly, so the
hot paths stay what they are over TCP:

- **TLS** wraps the socket with :mod:`ssl` (verification off: a benchmark on loopback against a
  self-signed certificate). A non-blocking ``SSLSocket`` raises :class:`ssl.SSLWantReadError`
  where a plain one raises :class:`BlockingIOError` (an ``OSError`` that is *not* the end of the
  stream), and bytes already decrypted (``sock.pending()``) do not make the socket readable:
  :func:`read_into` deals with both.
- **WebSocket** opens with ``websockets``' sans-I/O :class:`ClientProtocol` (the upgrade
  request, the response, the subprotocol) and frames what the clients send with it
  (:func:`frame`). What the server sends is *not* unframed on the hot path: server frames are
  unmasked and no extension (compression) is negotiated, so each IRC line's bytes stand in the
  stream verbatim between 2-4 byte frame headers, and counting ``PRIVMSG`` in raw chunks counts
  messages, in bulk. :class:`FrameCounter` decodes the frames properly, for the smoke runs that
  check that claim (one message per line).
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterable

from websockets.client import ClientProtocol
from websockets.frames import Opcode
from websockets.protocol import State
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

TRANSPORTS = ("tcp", "tls", "ws")
"""Every transport, in the order tables show them."""

SUBPROTOCOL = Subprotocol("text.ircv3.net")
WS_PATH = "/ws"

_context: ssl.SSLContext | None = None


def client_context() -> ssl.SSLContext:
    """The one TLS client context of a process: no verification, no session resumption
    between clients (each connection pays a full handshake, as distinct users would)."""
    global _context
    if _context is None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        _context = context
    return _context


def ws_client(host: str, port: int) -> ClientProtocol:
    """A sans-I/O WebSocket client for ``/ws``, its upgrade request queued (send
    ``data_to_send()``, then feed the response to ``receive_data``)."""
    protocol = ClientProtocol(
        parse_uri(f"ws://{host}:{port}{WS_PATH}"), subprotocols=[SUBPROTOCOL], max_size=None
    )
    protocol.send_request(protocol.connect())
    return protocol


def upgrade_failure(protocol: ClientProtocol) -> str | None:
    """Why the upgrade failed, ``None`` once the WebSocket is open as the counting needs
    (our subprotocol, no extension), or ``""`` while the response is still incomplete."""
    if protocol.handshake_exc is not None:
        return f"WebSocket upgrade refused: {protocol.handshake_exc}"
    if protocol.state is not State.OPEN:
        return ""
    if protocol.extensions:
        return f"server negotiated extensions {protocol.extensions}: frames are not verbatim"
    if protocol.subprotocol != SUBPROTOCOL:
        return f"server chose subprotocol {protocol.subprotocol!r}"
    return None


def frame(protocol: ClientProtocol, data: bytes) -> bytes:
    """``data`` (IRC lines, each ending in CR LF) as one masked text message per line."""
    for line in data.split(b"\r\n"):
        if line:
            protocol.send_text(line)
    return b"".join(protocol.data_to_send())


def read_into(sock: socket.socket, buffer: bytearray) -> int | None:
    """Read what a TLS socket has into ``buffer``: the byte count, 0 at the end of the stream,
    ``None`` when no whole record has arrived yet. Reads on while the SSL layer holds
    decrypted bytes (``pending()``), which ``select`` cannot see."""
    assert isinstance(sock, ssl.SSLSocket)
    view = memoryview(buffer)
    size = 0
    try:
        while True:
            got = sock.recv_into(view[size:])
            if not got:
                return size
            size += got
            if size >= len(buffer) or not sock.pending():
                return size
    except ssl.SSLWantReadError:
        return size or None
    except ssl.SSLWantWriteError:  # a TLS 1.3 key update mid-read: try again when readable
        return size or None


class FrameCounter:
    """Counts the messages with ``PRIVMSG`` a WebSocket receiver gets, frame by frame
    (through ``websockets``' parser: slow, for checking the raw count at smoke size)."""

    __slots__ = ("count", "others", "protocol")

    def __init__(self, protocol: ClientProtocol) -> None:
        self.protocol = protocol
        self.count = 0
        self.others = 0
        """Messages that are not one PRIVMSG line (several lines in one, CR LF left in)."""

    def feed(self, chunk: bytes) -> None:
        self.protocol.receive_data(chunk)
        self._tally(self.protocol.events_received())

    def _tally(self, events: Iterable[object]) -> None:
        for event in events:
            opcode = getattr(event, "opcode", None)
            if opcode is not Opcode.TEXT and opcode is not Opcode.BINARY:
                continue
            data = bytes(getattr(event, "data", b""))
            if data.count(b"PRIVMSG") == 1 and b"\n" not in data:
                self.count += 1
            elif b"PRIVMSG" in data:
                self.others += 1

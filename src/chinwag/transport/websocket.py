"""A web listener's connection: IRC over WebSocket at ``/ws``, plain HTTP everywhere else.

IRCv3 "WebSocket support" (https://ircv3.net/specs/extensions/websocket):

- Subprotocols ``binary.ircv3.net`` and ``text.ircv3.net``, the first the client offers
  that we know ("respecting the client's order of preference"). A client that offers none
  is still accepted, without the ``Sec-WebSocket-Protocol`` header (the spec's MAY): we
  then send messages of the type the client first sent (its "Other implementation
  considerations"), text until it has sent any.
- Each message is one IRC line without CR LF. A message that ends in CR LF anyway has it
  taken off; one with CR or LF inside is not split into several lines (a message "MUST
  consist of a single IRC line") but refused as a line with a forbidden character, as TCP
  refuses a bare CR. An empty message is ignored. Lines then take the same path as on TCP
  (:func:`~chinwag.protocol.framing.check_line`): the same limits, the same replies.
- Invalid UTF-8 in a text message closes with 1007 (RFC 6455 section 8.1); in a binary one
  it gets the ``FAIL`` a TCP line gets. A message over ``[http] max_message_bytes`` closes
  with 1009. No compression extension is offered (no decompression bombs, no per-message
  zlib cost on a fan-out).

The WebSocket protocol itself is ``websockets``' sans-I/O :class:`ServerProtocol`, driven
by :class:`WebProtocol` as :mod:`chinwag.transport.tcp` drives a stream: it is the
:class:`~chinwag.transport.link.LineSource` and the :class:`~chinwag.transport.outbox.Sink`
of its :class:`~chinwag.transport.link.Link`. Frames are made synchronously, so a fan-out
never awaits (design.md rule 5), and each flush of the outbox becomes one ``writelines``.

Anything other than ``/ws`` is answered by :mod:`chinwag.transport.http`, through the same
parser, one request per connection.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import struct
from collections import deque
from collections.abc import Sequence
from typing import cast
from urllib.parse import urlsplit

from websockets.datastructures import MultipleValuesError
from websockets.exceptions import (
    HeaderLineTooLong,
    PayloadTooBig,
    RequestLineTooLong,
    TooManyHeaders,
)
from websockets.frames import CloseCode, Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import Event, State
from websockets.server import ServerProtocol
from websockets.typing import Subprotocol

from chinwag.protocol.errors import InvalidUtf8
from chinwag.protocol.fingerprints import certfp
from chinwag.protocol.framing import check_line
from chinwag.server.core import Item, ServerCore
from chinwag.server.lines import Lines
from chinwag.transport import http
from chinwag.transport.link import Link
from chinwag.transport.outbox import Flusher

BINARY = Subprotocol("binary.ircv3.net")
TEXT = Subprotocol("text.ircv3.net")
SUBPROTOCOLS = (BINARY, TEXT)
"""The IRCv3 subprotocols (the spec: servers MUST support binary, SHOULD support text)."""

HEADER_TIMEOUT = 10.0
"""Seconds a connection has to send its whole request (slowloris); the registration
timeout when that is shorter."""

CLOSE_TIMEOUT = 5.0
"""Seconds a client has to answer our close frame before the socket is dropped."""

PING_PAYLOAD = b"chinwag"

FRAME_CACHE_LINES = 1024
"""Framed lines kept for the next receivers of the same line (a fan-out hands every member
the same bytes object); the cache is emptied when it grows past this."""

_frames_log = logging.getLogger("chinwag.transport.websocket.frames")
# websockets logs every handshake at INFO and, when DEBUG is on, every frame: our own log
# lines say what matters, and a debug flag computed per connection would cost every frame.
_frames_log.setLevel(logging.WARNING)


def select_subprotocol(
    protocol: ServerProtocol, offered: Sequence[Subprotocol]
) -> Subprotocol | None:
    """The first of the client's ``offered`` subprotocols that we support, else none (the
    handshake goes on without one, as the spec allows)."""
    for each in offered:
        if each in SUBPROTOCOLS:
            return each
    return None


def _default_port(scheme: str) -> int:
    return 443 if scheme in ("https", "wss") else 80


def origin_allowed(origin: str, host: str, allowed: Sequence[str]) -> bool:
    """Whether a page from ``origin`` may open a WebSocket on the server reached as
    ``host`` (the ``Host`` header): always without an Origin (not a browser), for the same
    origin, for one listed in ``[http] allowed_origins``, or for any when ``*`` is listed.
    This is the defence against cross-site WebSocket hijacking (RFC 6455 section 10.2)."""
    if not origin:
        return True
    if "*" in allowed:
        return True
    wanted = origin.lower().rstrip("/")
    if any(wanted == each.lower().rstrip("/") for each in allowed):
        return True
    try:
        source = urlsplit(origin.lower())
        target = urlsplit("//" + host.lower())
        source_port = source.port or _default_port(source.scheme)
        # A Host without a port means the default port of the scheme the page was loaded
        # with (also behind a proxy that ends TLS for us).
        target_port = target.port or _default_port(source.scheme)
    except ValueError:
        return False
    return bool(source.hostname) and (source.hostname, source_port) == (
        target.hostname,
        target_port,
    )


class WebProtocol(asyncio.Protocol):
    """One connection to an ``http`` or ``https`` listener: an HTTP request, then either a
    response and the end, or a WebSocket carrying IRC lines."""

    __slots__ = (
        "_admitted",
        "_answering",
        "_binary",
        "_core",
        "_ended",
        "_flusher",
        "_lines",
        "_links",
        "_opcode",
        "_parts",
        "_reason",
        "_timer",
        "_transport",
        "_ws",
        "ip",
        "link",
        "tls",
    )

    def __init__(self, core: ServerCore, links: set[Link], flusher: Flusher) -> None:
        self._core = core
        self._links = links
        self._flusher = flusher
        self._ws = ServerProtocol(
            subprotocols=list(SUBPROTOCOLS),
            select_subprotocol=select_subprotocol,
            max_size=core.config.http.max_message_bytes,
            logger=_frames_log,
        )
        self._transport: asyncio.Transport | None = None
        self._lines: deque[tuple[Item, int]] = deque()
        """Received lines not yet handed to the core, each with its size in bytes."""
        self._opcode: Opcode | None = None
        self._parts: list[bytes] = []
        """The frames so far of a fragmented message."""
        self._binary: bool | None = None
        """Whether we send binary messages; ``None`` until known (no subprotocol and the
        client has not sent anything yet: text meanwhile)."""
        self._timer: asyncio.TimerHandle | None = None
        """The one pending deadline: the request's, the next ping, its pong, or the close."""
        self._answering: asyncio.Future[Response] | None = None
        self._reason: str | None = None
        """Why the connection is ending, when we know better than "Connection closed"."""
        self._ended = False
        self._admitted = False
        """Whether :meth:`ServerCore.admit` counted this connection (released at the end)."""
        self.ip = "unknown"
        self.tls = False
        self.link: Link | None = None

    # -- asyncio.Protocol ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Wait for the request, but not for ever."""
        self._transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        self.ip = str(peer[0]) if isinstance(peer, tuple) else "unknown"
        self.tls = transport.get_extra_info("ssl_object") is not None
        if self.tls:
            self._core.deps.counters.tls_handshakes_completed += 1
        # Bans and [connections] limits (issue 17) before a byte of the request is read;
        # the refusal is an HTTP answer, its text the ERROR an IRC client would get. A page
        # load is several connections (one request each): only a WebSocket counts against
        # the connection-rate throttle (_upgrade).
        refusal = self._core.admit(self.ip, rate=False)
        if refusal is not None:
            reason, text = refusal
            self._send_http(http.error(403 if reason == "banned" else 503, f"ERROR :{text}"))
            return
        self._admitted = True
        timeout = min(HEADER_TIMEOUT, self._core.config.limits.registration_timeout)
        self._timer = asyncio.get_running_loop().call_later(timeout, self._too_slow)

    def data_received(self, data: bytes) -> None:
        """Parse what arrived: the request first, frames once the WebSocket is open."""
        ws = self._ws
        if self._transport is None or self._transport.is_closing():
            return
        if self.link is None and self._answering is not None:
            return  # one request per connection: what follows it is not read
        ws.receive_data(data)
        events = ws.events_received()
        if self.link is None:
            # Until the WebSocket opens, we write our own responses: websockets would close
            # the socket on bytes pipelined after a request it took for a handshake.
            self._request(events)
        else:
            self._frames(cast(list[Frame], events))  # after the request only frames come
            self._write_out()

    def eof_received(self) -> bool | None:
        """The peer finished sending: an IRC session ends as a quit (after its last lines);
        an HTTP answer still being made is still sent."""
        if self.link is None:
            return self._answering is not None
        self._ws.receive_eof()
        self._peer_left()
        self._write_out()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """The socket is gone: stop every timer and end the session if there is one."""
        self._cancel_timer()
        if self._admitted:
            self._admitted = False
            self._core.release(self.ip)
        if self._answering is not None:
            self._answering.cancel()
        if self.link is not None:
            reason = self._reason
            if reason is None:
                reason = "Connection closed" if exc is None else f"Connection error: {exc}"
            self.link.lost(reason)

    # -- the request ---------------------------------------------------------------------------

    def _request(self, events: list[Event]) -> None:
        """Answer the request, or refuse a malformed one; wait if it is not complete."""
        ws = self._ws
        if not events:
            failure = ws.handshake_exc
            if failure is not None:
                # websockets drops a malformed request without a word; a 4xx tells the
                # peer (and a person with curl) what went wrong.
                ws.data_to_send()
                status = 400
                if isinstance(failure, RequestLineTooLong):
                    status = 414
                elif isinstance(failure, (HeaderLineTooLong, TooManyHeaders)):
                    status = 431
                self._bad("http_bad_request")
                self._send_http(http.error(status))
            return
        self._cancel_timer()
        request = events[0]
        if not isinstance(request, Request):  # cannot happen: the request comes first
            self._send_http(http.error(400))
            return
        if http.path_of(request) == http.WEBSOCKET_PATH:
            self._upgrade(request, cast(list[Frame], events[1:]))
            return
        result, refused = http.answer(self._core, request, self.ip)
        if refused is not None:
            self._bad(refused)
        if isinstance(result, Response):
            self._send_http(result)
            return
        answering = self._answering = asyncio.ensure_future(result)
        answering.add_done_callback(self._answered)

    def _answered(self, answering: asyncio.Future[Response]) -> None:
        self._answering = None
        if answering.cancelled():
            return
        self._send_http(answering.result())

    def _send_http(self, response: Response) -> None:
        """Send ``response`` and close once it is out (one request per connection)."""
        self._cancel_timer()
        transport = self._transport
        if transport is not None and not transport.is_closing():
            transport.write(response.serialize())
            transport.close()

    def _too_slow(self) -> None:
        """The request did not arrive in time: drop the connection (a slowloris holds
        sockets open by sending a header every few seconds)."""
        self._timer = None
        self._bad("http_timeout")
        if self._transport is not None:
            self._transport.abort()

    def _upgrade(self, request: Request, frames: list[Frame]) -> None:
        """Open the WebSocket if the handshake and its Origin are right; the connection is
        then a client like any other."""
        ws = self._ws
        try:
            origin = request.headers.get("Origin", "")
        except MultipleValuesError:  # RFC 6454 section 7.3: at most one
            origin = "\0"
        allowed = self._core.config.http.allowed_origins
        if not origin_allowed(origin, http.header(request, "Host"), allowed):
            self._bad("ws_origin")
            self._send_http(http.error(403, "This page's origin may not connect here"))
            return
        refusal = self._core.admit_session(self.ip)
        if refusal is not None:
            self._send_http(http.error(503, f"ERROR :{refusal[1]}"))
            return
        response = http.with_security_headers(ws.accept(request))
        if response.status_code != 101:
            self._bad("ws_handshake")
            ws.data_to_send()
            self._send_http(response)
            return
        ws.send_response(response)
        if ws.subprotocol is not None:
            self._binary = ws.subprotocol == BINARY
        kind = "https" if self.tls else "http"
        self.link = Link(self._core, self._links, self, self, self._flusher, kind)
        self._write_out()
        self._next_ping()
        self.link.open(self.ip, secure=self.tls, certfp=self._client_certfp())
        self._frames(frames)
        self._write_out()

    # -- frames --------------------------------------------------------------------------------

    def _frames(self, frames: list[Frame]) -> None:
        """Take the messages of ``frames`` as lines; answer pongs; notice the end."""
        ws = self._ws
        before = len(self._lines)
        for frame in frames:
            opcode = frame.opcode
            # A parsed frame's data is bytes (unmasked into a new object); the wider type
            # is for frames an application builds.
            data = cast(bytes, frame.data)
            if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
                if frame.fin:
                    self._message(opcode, data)
                else:
                    self._opcode, self._parts = opcode, [data]
            elif opcode is Opcode.CONT and self._opcode is not None:
                self._parts.append(data)
                if frame.fin:
                    data = b"".join(self._parts)
                    opcode, self._opcode, self._parts = self._opcode, None, []
                    self._message(opcode, data)
            elif opcode is Opcode.PONG:
                self._ponged()
            if ws.state is not State.OPEN:
                break
        if len(self._lines) > before and self.link is not None:
            self.link.received()
        if ws.close_rcvd is not None and ws.close_rcvd_then_sent:
            self._peer_left()  # the client closed: a quit, after its last lines
        elif ws.parser_exc is not None and self._reason is None:
            if isinstance(ws.parser_exc, PayloadTooBig):
                self._failed("ws_too_big", "Message too big")
            else:
                self._failed("ws_protocol", "WebSocket protocol error")

    def _message(self, opcode: Opcode, data: bytes) -> None:
        """One whole message: one line for the core (see the module docstring)."""
        if self._binary is None:
            self._binary = opcode is Opcode.BINARY
        if data.endswith(b"\n"):
            data = data[:-2] if data.endswith(b"\r\n") else data[:-1]
        if not data:
            return
        # A CR or LF inside means more than one line: refused as a forbidden character,
        # the reply a TCP line with a bare CR gets (check_line looks for CR).
        item = check_line(data.replace(b"\n", b"\r") if b"\n" in data else data)
        # A line that decoded is valid UTF-8; one refused before decoding is checked here.
        if (
            opcode is Opcode.TEXT
            and not isinstance(item, str)
            and (isinstance(item, InvalidUtf8) or not _is_utf8(data))
        ):
            self._bad("ws_invalid_utf8")
            self._reason = "Invalid UTF-8"
            self._ws.fail(CloseCode.INVALID_DATA, "invalid UTF-8 in a text message")
            return
        self._lines.append((item, len(data)))

    def _failed(self, reason: str, quit_reason: str) -> None:
        """websockets failed the connection (its close frame is queued): count it, and
        end the session with ``quit_reason`` when the socket closes."""
        self._bad(reason)
        self._reason = quit_reason

    def _peer_left(self) -> None:
        if self._ended or self.link is None:
            return
        self._ended = True
        self.link.ended()

    # -- keep-alive ----------------------------------------------------------------------------

    def _client_certfp(self) -> str | None:
        """The CertFP of the client certificate a wss client presented, if any (a browser
        rarely does; a bot over wss may)."""
        transport = self._transport
        tls = None if transport is None else transport.get_extra_info("ssl_object")
        if not isinstance(tls, ssl.SSLObject):
            return None
        der = tls.getpeercert(binary_form=True)
        return certfp(der) if der else None

    def _next_ping(self) -> None:
        interval = self._core.config.http.ping_interval
        if interval > 0:
            self._cancel_timer()
            self._timer = asyncio.get_running_loop().call_later(interval, self._ping)

    def _ping(self) -> None:
        """Ping the client; it has ``[http] ping_timeout`` to answer."""
        self._timer = None
        if self._ws.state is not State.OPEN:
            return
        self._ws.send_ping(PING_PAYLOAD)
        self._write_out()
        timeout = self._core.config.http.ping_timeout
        self._timer = asyncio.get_running_loop().call_later(timeout, self._ping_timed_out)

    def _ponged(self) -> None:
        if self._ws.state is State.OPEN:
            self._next_ping()

    def _ping_timed_out(self) -> None:
        self._timer = None
        if self._ws.state is not State.OPEN:
            return
        http_settings = self._core.config.http
        seconds = int(http_settings.ping_interval + http_settings.ping_timeout)
        self._reason = f"Ping timeout: {seconds} seconds"
        self._ws.fail(CloseCode.INTERNAL_ERROR, "keepalive ping timeout")
        self._write_out()
        # A peer that stopped reading may never take the close frame: do not wait on it.
        if self._transport is not None:
            self._timer = asyncio.get_running_loop().call_later(
                CLOSE_TIMEOUT, self._transport.abort
            )

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _bad(self, reason: str) -> None:
        self._core.deps.counters.bad(reason)

    # -- LineSource ----------------------------------------------------------------------------

    def take(self, budget: int) -> list[Item]:
        """The next lines, about ``budget`` bytes' worth (at least one)."""
        lines = self._lines
        taken: list[Item] = []
        used = 0
        while lines and (not taken or used < budget):
            item, size = lines.popleft()
            taken.append(item)
            used += size
        return taken

    def pending(self) -> bool:
        """Whether lines wait."""
        return bool(self._lines)

    def rest(self) -> list[Item]:
        """Every line that waits."""
        rest = [item for item, _ in self._lines]
        self._lines.clear()
        return rest

    def clear(self) -> None:
        """Forget what waits."""
        self._lines.clear()

    def pause_reading(self) -> None:
        """Stop reading from the socket while the core works through what waits."""
        if self._transport is not None:
            self._transport.pause_reading()

    def resume_reading(self) -> None:
        """Read from the socket again."""
        if self._transport is not None:
            self._transport.resume_reading()

    # -- Sink: one message per line, one write per flush ------------------------------------

    def send_line(self, line: bytes) -> None:
        """Send one line as one message."""
        transport = self._sending()
        if transport is not None:
            binary = bool(self._binary)
            cache = _binary_frames if binary else _text_frames
            transport.write(cache.get(line) or _framed(line, cache, binary))

    def send_lines(self, lines: Lines) -> None:
        """Send each of ``lines`` as a message of its own, all in one write."""
        transport = self._sending()
        if transport is None:
            return
        binary = bool(self._binary)
        last, data = _last_framed[binary]
        if last is not lines:  # the same Lines goes to every member of a run: framed once
            data = _frame_all(lines.items, binary)
            _last_framed[binary] = (lines, data)
        transport.write(data)

    def _sending(self) -> asyncio.Transport | None:
        """The transport to write frames to, or ``None`` when messages may not be sent.

        We frame lines ourselves rather than through ``websockets``' ``send_text``: a server
        frame without extensions (we offer none) is a fixed header and the payload as it is,
        so the frame of a line a fan-out hands to every member is made once
        (:func:`_framed`), not once per member through a Frame object, its checks and a
        BytesIO, which was most of the cost of a WebSocket delivery. What websockets itself
        has queued (a pong, a close) is written first."""
        if self._ws.state is not State.OPEN:
            return None
        self._write_out()
        transport = self._transport
        if transport is None or transport.is_closing():
            return None
        return transport

    def buffered(self) -> int:
        """The transport's write buffer (frames are handed over as soon as they are made)."""
        return self._transport.get_write_buffer_size() if self._transport is not None else 0

    def close(self) -> None:
        """Start the closing handshake (the ``ERROR`` line went before); drop the socket if
        the client does not answer it."""
        transport = self._transport
        if transport is None:
            return
        if self._ws.state is State.OPEN:
            self._ws.send_close(CloseCode.NORMAL_CLOSURE)
            self._write_out()
            self._cancel_timer()
            self._timer = asyncio.get_running_loop().call_later(CLOSE_TIMEOUT, transport.abort)
        elif not transport.is_closing():
            transport.close()

    def abort(self) -> None:
        """Close now."""
        if self._transport is not None:
            self._transport.abort()

    def _write_out(self) -> None:
        """Write what websockets made, in one call; close the socket when it says so."""
        data = self._ws.data_to_send()
        transport = self._transport
        if not data or transport is None or transport.is_closing():
            return
        if data[-1] == b"":  # websockets' end of stream: the server closes the socket
            transport.writelines(data[:-1])
            transport.close()
        else:
            transport.writelines(data)


_text_frames: dict[bytes, bytes] = {}
_binary_frames: dict[bytes, bytes] = {}
"""Recently framed lines (see :data:`FRAME_CACHE_LINES`), keyed by the line itself: the same
bytes object for every member of a fan-out, so a hit costs a hash already computed."""


_last_framed: list[tuple[Lines | None, bytes]] = [(None, b""), (None, b"")]
"""The last :class:`Lines` framed as text ([0]) and as binary ([1]), and its frames: a
``Lines`` never changes, and a run's goes to every member in turn."""


def _frame_all(lines: list[bytes], binary: bool) -> bytes:
    """The frames of ``lines`` back to back, from :data:`_text_frames` or
    :data:`_binary_frames` (a C loop when every line is there, as in a fan-out)."""
    cache = _binary_frames if binary else _text_frames
    try:
        return b"".join(map(cache.__getitem__, lines))
    except KeyError:
        return b"".join([cache.get(line) or _framed(line, cache, binary) for line in lines])


def _framed(line: bytes, cache: dict[bytes, bytes], binary: bool) -> bytes:
    """``line`` (CR LF taken off) as one unmasked final frame, text or binary, as
    ``websockets`` would serialize it with no extension (RFC 6455 section 5.2); kept in
    ``cache``."""
    payload = line[:-2] if line.endswith(b"\r\n") else line
    head = 0x82 if binary else 0x81  # FIN, no RSV bits, the opcode
    size = len(payload)
    if size < 126:
        header = bytes((head, size))
    elif size < 65536:
        header = struct.pack("!BBH", head, 126, size)
    else:
        header = struct.pack("!BBQ", head, 127, size)
    framed = header + payload
    if len(cache) >= FRAME_CACHE_LINES:
        cache.clear()
    cache[line] = framed
    return framed


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True

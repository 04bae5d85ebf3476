"""Raw IRC for the load generator: pre-built bytes out, counted bytes in.

The load generator must cost far less than the server it measures, so nothing here parses IRC
on the hot path. Receivers count occurrences of ``PRIVMSG`` in whatever chunks the socket
returns (:class:`MarkCounter`); the latency workload additionally pulls the send timestamps out
of complete lines with one regular expression per chunk (:class:`StampReader`). Set-up
(registration, JOIN) is a small non-blocking state machine driving many sockets at once
(:func:`handshake`), with at most ``window`` of them in flight so neither server's listen
backlog decides the result; it also opens each client's TLS or WebSocket layer
(:mod:`bench.transports`), so a handshake or an upgrade counts in the set-up's time.
"""

from __future__ import annotations

import errno
import re
import selectors
import socket
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from websockets.client import ClientProtocol

from bench.transports import TRANSPORTS, client_context, frame, upgrade_failure, ws_client

MARK = b"PRIVMSG"
"""What a receiver counts: every relayed room message carries it exactly once."""

ROOM = "#bench"


class MarkCounter:
    """Counts a marker in a byte stream that arrives in arbitrary chunks.

    A marker split across two chunks is counted once: each chunk is counted on its own, plus
    the window straddling the boundary (the previous chunk's last ``len(mark) - 1`` bytes and
    this chunk's first ``len(mark) - 1``), which can hold only a split occurrence.
    """

    __slots__ = ("_edge", "_mark", "_tail", "count")

    def __init__(self, mark: bytes = MARK) -> None:
        self._mark = mark
        self._edge = len(mark) - 1
        self._tail = b""
        self.count = 0

    def feed(self, chunk: bytes) -> int:
        """Count the markers completed by ``chunk``; return how many."""
        return self.feed_from(chunk, len(chunk))

    def feed_from(self, buffer: bytes | bytearray, size: int) -> int:
        """Count the markers completed by the first ``size`` bytes of ``buffer``.

        For a receive buffer reused with ``recv_into``: nothing is copied but the edges.
        """
        edge = self._edge
        found = buffer.count(self._mark, 0, size)
        if self._tail:
            found += (self._tail + buffer[: min(edge, size)]).count(self._mark)
        if size >= edge:
            self._tail = bytes(buffer[size - edge : size])
        else:
            self._tail = (self._tail + buffer[:size])[-edge:]
        self.count += found
        return found


STAMP = re.compile(rb"PRIVMSG \S+ :?t(\d+) ")
"""The send time (``time.monotonic_ns``) a latency message carries as its first word."""


class StampReader:
    """Send timestamps of complete lines, for the latency workload.

    Partial lines wait for their end in the next chunk; each completed message yields its
    latency against ``now_ns``, the time the chunk holding its end was read.
    """

    __slots__ = ("_rest", "count", "keep_sent", "latencies", "sent")

    def __init__(self, keep_sent: bool = False) -> None:
        self._rest = b""
        self.count = 0
        self.latencies: list[int] = []
        self.keep_sent = keep_sent
        """Also keep each message's send time (:attr:`sent`), to pick the messages of a
        stretch of the run (the JOIN storm's); off for the latency workload's million."""
        self.sent: list[int] = []

    def feed(self, chunk: bytes, now_ns: int) -> int:
        """Record the latency of every message completed by ``chunk``; return how many."""
        data = self._rest + chunk if self._rest else chunk
        cut = data.rfind(b"\n") + 1
        self._rest = data[cut:]
        stamps = STAMP.findall(data, 0, cut)
        if self.keep_sent:
            times = [int(stamp) for stamp in stamps]
            self.sent.extend(times)
            self.latencies.extend(now_ns - sent for sent in times)
        else:
            self.latencies.extend(now_ns - int(stamp) for stamp in stamps)
        self.count += len(stamps)
        return len(stamps)


def registration(nick: str) -> bytes:
    """NICK and USER for ``nick``, pipelined: a plain client without capabilities."""
    return f"NICK {nick}\r\nUSER {nick} 0 * :{nick}\r\n".encode()


def ping(token: str) -> bytes:
    """A PING whose PONG carries ``token``: everything sent before it has been handled."""
    return f"PING :{token}\r\n".encode()


def room_burst(sender: int, count: int, room: str = ROOM) -> bytes:
    """``count`` room messages from sender number ``sender``, as one block of bytes."""
    return b"".join(
        b"PRIVMSG %s :s%d m%d the quick brown fox jumps over the lazy dog\r\n"
        % (room.encode(), sender, index)
        for index in range(count)
    )


def stamped(room: str, now_ns: int) -> bytes:
    """One latency message carrying its send time."""
    return b"PRIVMSG %s :t%d the quick brown fox\r\n" % (room.encode(), now_ns)


class HandshakeError(RuntimeError):
    """A server refused or dropped a client during set-up; the text says what it sent."""


@dataclass
class Step:
    """One client's part in a :func:`handshake`: what to send, what ends it.

    ``sock`` is ``None`` for a client still to connect. ``until`` is a marker expected in
    what the server sends back (``b" 001 "`` for registration, a PONG token otherwise).
    ``ws`` is the WebSocket client of a ``ws`` connection once open (it frames what is sent).
    ``source`` is the local address a new client's socket is bound to before it connects
    (``None``: the kernel's choice), so a crowd larger than one address's ephemeral ports
    can spread over 127.0.0.2, 127.0.0.3 and so on.
    """

    sock: socket.socket | None
    send: bytes
    until: bytes
    done_at: float = 0.0
    received: bytearray = field(default_factory=bytearray)
    ws: ClientProtocol | None = None
    source: str | None = None


def bind_source(sock: socket.socket, address: str) -> None:
    """Bind ``sock`` to the local ``address`` before it connects.

    The port is left to ``connect`` where Linux allows it (``IP_BIND_ADDRESS_NO_PORT``): a
    port bound early must be free on that address for every destination, one picked at
    connect need only make a new address-and-port pair, so the whole ephemeral range is
    usable on each address.
    """
    no_port = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", None)
    if no_port is not None:
        sock.setsockopt(socket.IPPROTO_IP, no_port, 1)
    sock.bind((address, 0))


def handshake(
    port: int,
    steps: Sequence[Step],
    window: int,
    timeout: float,
    host: str = "127.0.0.1",
    transport: str = "tcp",
) -> None:
    """Drive every step to its marker, at most ``window`` at a time.

    Steps without a socket get one (a non-blocking connect to ``host:port``, from the step's
    ``source`` address when it has one) when their turn
    comes, then the ``transport``'s opening (a TLS handshake, a WebSocket upgrade); each then
    sends its bytes and reads until its marker. Each step's ``done_at`` is the
    ``time.monotonic()`` at which its marker arrived. Raises :class:`HandshakeError` when
    a server closes a connection first or ``timeout`` passes.
    """
    if transport not in TRANSPORTS:
        raise ValueError(f"unknown transport {transport!r}")
    selector = selectors.DefaultSelector()
    waiting = iter(range(len(steps)))
    opening: dict[int, str] = {}
    """Steps not yet at the IRC stage: "connect", "tls" or "upgrade"."""
    in_flight = 0
    finished = 0
    deadline = time.monotonic() + timeout

    def send_irc(index: int) -> None:
        step = steps[index]
        assert step.sock is not None
        data = step.send if step.ws is None else frame(step.ws, step.send)
        step.sock.sendall(data)  # a few hundred bytes into an empty buffer

    def start_next() -> bool:
        index = next(waiting, None)
        if index is None:
            return False
        step = steps[index]
        if step.sock is None:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if step.source is not None:
                bind_source(sock, step.source)
            code = sock.connect_ex((host, port))
            if code not in (0, errno.EINPROGRESS):
                raise HandshakeError(f"connect: {errno.errorcode.get(code, code)}")
            step.sock = sock
            opening[index] = "connect"
            selector.register(sock, selectors.EVENT_WRITE, index)
        else:
            send_irc(index)
            selector.register(step.sock, selectors.EVENT_READ, index)
        return True

    def tls_step(index: int) -> None:
        """Go on with a TLS handshake; on to IRC when it is done."""
        sock = steps[index].sock
        assert isinstance(sock, ssl.SSLSocket)
        try:
            sock.do_handshake()
        except ssl.SSLWantReadError:
            selector.modify(sock, selectors.EVENT_READ, index)
            return
        except ssl.SSLWantWriteError:
            selector.modify(sock, selectors.EVENT_WRITE, index)
            return
        except OSError as error:
            raise HandshakeError(f"TLS handshake of client {index}: {error}") from None
        del opening[index]
        send_irc(index)
        selector.modify(sock, selectors.EVENT_READ, index)

    def connected(index: int) -> None:
        step = steps[index]
        sock = step.sock
        assert sock is not None
        failure = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if failure:
            raise HandshakeError(f"connect: {errno.errorcode.get(failure, failure)}")
        if transport == "tls":
            # The SSLSocket takes over the descriptor: register it, not the old object.
            selector.unregister(sock)
            step.sock = client_context().wrap_socket(sock, do_handshake_on_connect=False)
            selector.register(step.sock, selectors.EVENT_WRITE, index)
            opening[index] = "tls"
            tls_step(index)
        elif transport == "ws":
            step.ws = ws_client(host, port)
            sock.sendall(b"".join(step.ws.data_to_send()))
            opening[index] = "upgrade"
            selector.modify(sock, selectors.EVENT_READ, index)
        else:
            del opening[index]
            send_irc(index)
            selector.modify(sock, selectors.EVENT_READ, index)

    try:
        while in_flight < window and start_next():
            in_flight += 1
        while finished < len(steps):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise HandshakeError(f"set-up timed out: {finished} of {len(steps)} done")
            for key, _ in selector.select(min(remaining, 1.0)):
                step = steps[key.data]
                sock = step.sock
                assert sock is not None
                stage = opening.get(key.data)
                if stage == "connect":
                    connected(key.data)
                    continue
                if stage == "tls":
                    tls_step(key.data)
                    continue
                try:
                    chunk = sock.recv(65536)
                    while isinstance(sock, ssl.SSLSocket) and sock.pending():
                        chunk += sock.recv(65536)
                except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    continue
                except OSError:
                    chunk = b""  # reset by the server: as good as closed
                if not chunk:
                    text = bytes(step.received[-400:]).decode(errors="replace")
                    raise HandshakeError(
                        f"server closed client {key.data} of {len(steps)} during set-up "
                        f"(sent {step.send[:60]!r}, {finished} done): {text!r}"
                    )
                if step.ws is not None:
                    # Parsed through as well, so a checking FrameCounter can take over the
                    # stream later at a frame boundary.
                    step.ws.receive_data(chunk)
                    step.ws.events_received()
                if stage == "upgrade":
                    assert step.ws is not None
                    failure = upgrade_failure(step.ws)
                    if failure:
                        raise HandshakeError(f"client {key.data}: {failure}")
                    if failure is None:
                        del opening[key.data]
                        send_irc(key.data)
                    continue
                step.received += chunk
                if step.until in step.received:
                    step.done_at = time.monotonic()
                    step.received = bytearray()  # what follows is read by the workload
                    selector.unregister(sock)
                    finished += 1
                    in_flight -= 1
                    if start_next():
                        in_flight += 1
    finally:
        selector.close()

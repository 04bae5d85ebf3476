"""The end of the fan-out path: how queued bytes reach the sockets.

A plain TCP connection on POSIX with nothing buffered is written by ``os.write`` in one
C-level ``map`` per loop turn (:func:`chinwag.transport.tcp.write_all`); anything a socket
does not take goes to the transport, which buffers it. These tests use real socket pairs and a
real server on a loopback port.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from chinwag.transport.tcp import IrcConnection, direct_fd, write_all
from tests.conftest import ServerFactory
from tests.ircclient import IrcClient, is_

posix_only = pytest.mark.skipif(os.name != "posix", reason="direct writes are POSIX-only")


@contextlib.contextmanager
def socket_pairs(count: int) -> Iterator[list[tuple[socket.socket, socket.socket]]]:
    """``count`` connected stream socket pairs, non-blocking on the writing side."""
    pairs = [socket.socketpair() for _ in range(count)]
    for writer, _ in pairs:
        writer.setblocking(False)
    try:
        yield pairs
    finally:
        for writer, reader in pairs:
            writer.close()
            reader.close()


def read_all(sock: socket.socket, size: int) -> bytes:
    """Exactly ``size`` bytes from a blocking socket."""
    data = b""
    sock.settimeout(5)
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        assert chunk, "the peer closed early"
        data += chunk
    return data


@posix_only
def test_write_all_writes_each_chunk_to_its_own_descriptor() -> None:
    with socket_pairs(3) as pairs:
        chunks = [b"to the first\r\n", b"to the second\r\n", b"to the third\r\n"]

        written = write_all([writer.fileno() for writer, _ in pairs], chunks)

        assert written == [len(chunk) for chunk in chunks]
        readers = [reader for _, reader in pairs]
        assert [read_all(r, len(chunk)) for r, chunk in zip(readers, chunks, strict=True)] == chunks


@posix_only
def test_write_all_counts_what_a_full_socket_took_and_goes_on_to_the_next() -> None:
    with socket_pairs(2) as ((full, _unread), (fine, fine_reader)):
        full.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        with contextlib.suppress(BlockingIOError):
            while True:  # fill it: nobody reads full_reader
                full.send(b"x" * 4096)
        big = b"y" * 65536

        written = write_all([full.fileno(), fine.fileno()], [big, b"still delivered\r\n"])

        assert written[0] < len(big)  # nothing, or what fitted
        assert written[1] == len(b"still delivered\r\n")
        assert read_all(fine_reader, written[1]) == b"still delivered\r\n"


@posix_only
def test_write_all_counts_a_vanished_peer_as_nothing_and_goes_on_to_the_next() -> None:
    with socket_pairs(3) as pairs:
        pairs[1][1].close()  # the middle peer is gone: EPIPE (or ECONNRESET)

        written = write_all(
            [writer.fileno() for writer, _ in pairs], [b"a\r\n", b"b\r\n", b"c\r\n"]
        )

        assert written == [3, 0, 3]
        assert read_all(pairs[0][1], 3) == b"a\r\n"
        assert read_all(pairs[2][1], 3) == b"c\r\n"


# -- which connections are written directly ---------------------------------------------------


async def _accepted_transport(ssl_context: ssl.SSLContext | None) -> tuple[int, int]:
    """The direct descriptor chosen for a server-side connection, and the socket's own."""
    chosen: asyncio.Future[tuple[int, int]] = asyncio.get_running_loop().create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            chosen.set_result((direct_fd(transport), sock.fileno()))
            transport.close()

    server = await asyncio.get_running_loop().create_server(Probe, "127.0.0.1", 0, ssl=ssl_context)
    port = server.sockets[0].getsockname()[1]
    client_context = None
    if ssl_context is not None:
        client_context = ssl.create_default_context()
        client_context.check_hostname = False
        client_context.verify_mode = ssl.CERT_NONE
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client_context)
        result = await asyncio.wait_for(chosen, 5)
        writer.close()
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            await writer.wait_closed()
        return result
    finally:
        server.close()
        await server.wait_closed()


@posix_only
async def test_a_plain_tcp_connection_is_written_directly() -> None:
    fd, socket_fd = await _accepted_transport(None)
    assert fd == socket_fd >= 0


@pytest.mark.skipif(
    shutil.which("openssl") is None and os.environ.get("CI") != "true",
    reason="needs the openssl command (./dev test installs it; under CI its absence fails)",
)
async def test_a_tls_connection_is_never_written_around_its_encryption(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    fd, _ = await _accepted_transport(context)

    assert fd == -1


# -- through a real server -------------------------------------------------------------------


async def test_a_member_with_a_tiny_receive_buffer_gets_every_message_in_order(
    make_server: ServerFactory,
) -> None:
    """Its socket keeps filling, so its bytes go back and forth between direct writes and
    the transport's buffer; none may be lost or overtake another."""
    server = await make_server(sendq=10_000_000)
    address = server.addresses[0]
    slow = await IrcClient.registered(address, "slow", "#lobby", rcvbuf=4096)
    talker = await IrcClient.registered(address, "talker", "#lobby")
    sent = [f"{n:05d} " + "z" * 200 for n in range(3000)]

    await talker.send_raw(b"".join(b"PRIVMSG #lobby :%s\r\n" % text.encode() for text in sent))
    got: list[str] = []
    while len(got) < len(sent):
        got.append((await slow.expect(is_("PRIVMSG", "#lobby"))).params[1])

    assert got == sent


async def test_no_direct_write_after_the_connection_is_closed(make_server: ServerFactory) -> None:
    """Its socket's number may already belong to someone else."""
    server = await make_server()
    ana = await IrcClient.registered(server.addresses[0], "ana", "#lobby")
    connection = next(iter(server._connections))
    assert isinstance(connection, IrcConnection)

    await ana.send("QUIT", "bye")
    await ana.expect_closed()
    await asyncio.wait_for(connection.closed, 5)

    assert connection._fd == -1
    connection.write(b"too late\r\n")
    assert connection._pending == []

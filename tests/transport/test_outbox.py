"""The end of the fan-out path: how queued lines reach the peers, :mod:`chinwag.transport.outbox`.

The contract every sink keeps under an :class:`~chinwag.transport.outbox.Outbox` runs against
every sink on real connections: a stream over plain TCP and over TLS (the WebSocket message
sink joins the list when it comes). Then the same path through a real server.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from chinwag.server.core import ServerCore
from chinwag.server.effects import ImmediateEffects
from chinwag.server.lines import Lines
from chinwag.storage.memory import MemoryStore
from chinwag.transport.outbox import Flusher, Outbox
from chinwag.transport.tcp import IrcStreamProtocol
from tests.conftest import ServerFactory, test_config
from tests.ircclient import IrcClient, is_

SINKS = ["tcp", "tls"]
"""Every sink the server has: a stream over plain TCP, and over TLS."""


@dataclass
class Wire:
    """An outbox on one end of a real connection, and the peer's end to read it from."""

    outbox: Outbox
    protocol: IrcStreamProtocol
    peer: asyncio.StreamReader
    overflows: list[int] = field(default_factory=list)

    def overflowed(self) -> None:
        self.overflows.append(1)

    async def read(self, size: int) -> bytes:
        return await asyncio.wait_for(self.peer.readexactly(size), 5)

    async def read_to_end(self) -> bytes:
        return await asyncio.wait_for(self.peer.read(), 5)


WireFactory = Callable[..., Awaitable[Wire]]


@pytest.fixture(params=SINKS)
async def open_wire(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[WireFactory]:
    """``await open_wire(sendq=..., rcvbuf=...)``: an outbox over the parametrized sink."""
    loop = asyncio.get_running_loop()
    server_context = client_context = None
    if request.param == "tls":
        cert, key = request.getfixturevalue("certificate")
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_context.load_cert_chain(cert, key)
        client_context = ssl.create_default_context()
        client_context.check_hostname = False
        client_context.verify_mode = ssl.CERT_NONE
    closing: list[Callable[[], object]] = []

    async def make(sendq: int = 1 << 20, rcvbuf: int | None = None) -> Wire:
        # The server's own stream protocol is the sink, registered with a real core.
        core = ServerCore(test_config(sendq=sendq), MemoryStore(), ImmediateEffects())
        made: asyncio.Future[IrcStreamProtocol] = loop.create_future()

        class Announced(IrcStreamProtocol):
            """The production protocol, saying when its connection is made (after the TLS
            handshake, if any)."""

            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                super().connection_made(transport)
                made.set_result(self)

        def accept() -> IrcStreamProtocol:
            return Announced(core, set(), Flusher(loop))

        server = await loop.create_server(accept, "127.0.0.1", 0, ssl=server_context)
        port = server.sockets[0].getsockname()[1]
        sock = socket.socket()
        if rcvbuf is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.connect(("127.0.0.1", port))
        peer, writer = await asyncio.open_connection(
            sock=sock, ssl=client_context, server_hostname="localhost" if client_context else None
        )
        protocol = await asyncio.wait_for(made, 5)
        assert protocol.link is not None
        wire = Wire(protocol.link.outbox, protocol, peer)
        wire.outbox.owner = wire  # told of an overflow instead of the link
        closing.extend([protocol.abort, writer.close, server.close])
        return wire

    yield make
    for close in closing:
        close()


def lines(*texts: str) -> Lines:
    return Lines([f"{text}\r\n".encode() for text in texts])


async def test_lines_of_one_turn_arrive_whole_and_in_order(open_wire: WireFactory) -> None:
    wire = await open_wire()
    wire.outbox.write_line(b"PING :one\r\n")
    wire.outbox.write_lines(lines("PING :two", "PING :three"))
    wire.outbox.write_line(b"PING :four\r\n")
    expected = lines("PING :one", "PING :two", "PING :three", "PING :four").data
    assert await wire.read(len(expected)) == expected


async def test_lines_of_later_turns_follow_in_order(open_wire: WireFactory) -> None:
    wire = await open_wire()
    sent = b""
    for turn in range(20):
        batch = lines(*(f"PRIVMSG #a :{turn}.{n}" for n in range(turn)))
        wire.outbox.write_lines(batch)
        sent += batch.data
        await asyncio.sleep(0)
    assert await wire.read(len(sent)) == sent


async def test_lines_shared_with_others_are_not_changed_by_what_follows(
    open_wire: WireFactory,
) -> None:
    """The same Lines go to many outboxes (a channel run): one outbox queueing more after
    them must not change what the others send."""
    wire, other = await open_wire(), await open_wire()
    shared = lines("PING :a", "PING :b")
    wire.outbox.write_lines(shared)
    other.outbox.write_lines(shared)
    wire.outbox.write_line(b"PING :c\r\n")
    wire.outbox.write_lines(lines("PING :d"))
    assert shared.items == lines("PING :a", "PING :b").items
    expected = lines("PING :a", "PING :b", "PING :c", "PING :d").data
    assert await wire.read(len(expected)) == expected
    assert await other.read(len(shared.data)) == shared.data


async def test_bursts_through_a_small_receive_buffer_arrive_whole(open_wire: WireFactory) -> None:
    """Through a small receive buffer, turns alternate between the socket taking everything
    and the transport buffering the rest; nothing may be lost or overtake."""
    wire = await open_wire(sendq=50_000_000, rcvbuf=4096)
    sent = b""
    for turn in range(40):
        batch = lines(*(f"PRIVMSG #a :{turn:02d}.{n:03d} " + "z" * 100 for n in range(60)))
        wire.outbox.write_lines(batch)
        wire.outbox.write_line(f"PING :{turn}\r\n".encode())
        sent += batch.data + f"PING :{turn}\r\n".encode()
        await asyncio.sleep(0)
    assert await wire.read(len(sent)) == sent
    assert wire.overflows == []


async def test_close_sends_what_is_queued_then_ends_the_stream(open_wire: WireFactory) -> None:
    wire = await open_wire()
    wire.outbox.write_lines(lines("PING :last", "ERROR :bye"))
    wire.outbox.close()
    assert await wire.read_to_end() == lines("PING :last", "ERROR :bye").data


async def test_abort_drops_what_is_queued(open_wire: WireFactory) -> None:
    wire = await open_wire()
    wire.outbox.write_line(b"PING :never\r\n")
    wire.outbox.abort()
    with contextlib.suppress(ConnectionError):
        assert await wire.read_to_end() == b""
    wire.outbox.write_line(b"PING :after\r\n")
    assert wire.outbox.queued == 0


async def test_after_the_connection_is_lost_nothing_is_queued(open_wire: WireFactory) -> None:
    wire = await open_wire()
    wire.outbox.detach()
    wire.outbox.write_line(b"PING :too late\r\n")
    wire.outbox.write_lines(lines("PING :still too late"))
    assert wire.outbox.queued == 0


async def test_a_peer_that_stops_reading_overflows_the_sendq_once(open_wire: WireFactory) -> None:
    """Past the SendQ (here and in the transport), the owner is told once, nothing more is
    queued, and closing drops the connection instead of waiting for the peer."""
    wire = await open_wire(sendq=200_000, rcvbuf=4096)
    chunk = lines(*(f"PRIVMSG #a :{n:04d} " + "x" * 200 for n in range(100)))
    for _ in range(200):
        if wire.overflows:
            break
        wire.outbox.write_lines(chunk)
        await asyncio.sleep(0)
    assert wire.overflows == [1]
    queued = wire.outbox.queued
    wire.outbox.write_lines(chunk)
    assert wire.outbox.queued <= queued
    assert wire.overflows == [1]
    wire.outbox.close()
    assert wire.protocol._transport is not None and wire.protocol._transport.is_closing()


# -- through a real server -------------------------------------------------------------------


async def test_a_member_with_a_tiny_receive_buffer_gets_every_message_in_order(
    make_server: ServerFactory,
) -> None:
    """Its socket keeps filling, so its bytes go back and forth between being sent at once
    and waiting in the transport's buffer; none may be lost or overtake another."""
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


async def test_nothing_is_queued_after_the_connection_is_closed(make_server: ServerFactory) -> None:
    """Its socket's number may already belong to someone else."""
    server = await make_server()
    ana = await IrcClient.registered(server.addresses[0], "ana", "#lobby")
    (link,) = server.links

    await ana.send("QUIT", "bye")
    await ana.expect_closed()
    await asyncio.wait_for(link.closed, 5)

    link.outbox.write_line(b"too late\r\n")
    assert link.outbox.queued == 0


# -- the crowd lane -----------------------------------------------------------------------------


class CountingSink:
    """A sink that keeps each write it is handed (the lanes' order is what is tested here;
    the sinks themselves are tested on real connections above)."""

    def __init__(self, name: str, writes: list[tuple[str, bytes]]) -> None:
        self.name, self.writes = name, writes

    def send_line(self, line: bytes) -> None:
        self.writes.append((self.name, line))

    def send_lines(self, lines: Lines) -> None:
        self.writes.append((self.name, lines.data))

    def buffered(self) -> int:
        return 0

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass


async def test_crowd_lines_keep_their_order_with_prompt_ones_to_the_same_peer() -> None:
    writes: list[tuple[str, bytes]] = []
    outbox = Outbox(CountingSink("a", writes), Flusher(asyncio.get_running_loop()), 1 << 20)
    outbox.write_bulk_line(b"JOIN one\r\n")
    outbox.write_line(b"PRIVMSG two\r\n")
    outbox.write_bulk_lines(lines("JOIN three"))
    await asyncio.sleep(0)
    assert writes == [("a", b"JOIN one\r\nPRIVMSG two\r\nJOIN three\r\n")]


async def test_a_long_crowd_lane_yields_to_prompt_lines_written_after_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No time at all per turn: each turn flushes one group of the crowd lane (the clock is
    # read once per 32 writes), so the lane takes several turns.
    monkeypatch.setattr("chinwag.transport.outbox.BULK_SLICE", 0.0)
    writes: list[tuple[str, bytes]] = []
    flusher = Flusher(asyncio.get_running_loop())
    crowd = [Outbox(CountingSink(f"m{n}", writes), flusher, 1 << 20) for n in range(200)]
    for outbox in crowd:
        outbox.write_bulk_line(b"JOIN #storm\r\n")
    await asyncio.sleep(0)
    first_turn = len(writes)
    assert 0 < first_turn < 200
    elsewhere = Outbox(CountingSink("calm", writes), flusher, 1 << 20)
    elsewhere.write_line(b"PRIVMSG #calm :hi\r\n")
    await asyncio.sleep(0)
    assert ("calm", b"PRIVMSG #calm :hi\r\n") in writes
    assert len([name for name, _ in writes if name != "calm"]) < 200
    for _ in range(50):
        await asyncio.sleep(0)
    assert sorted(name for name, _ in writes if name != "calm") == sorted(
        f"m{n}" for n in range(200)
    )


async def test_an_outbox_waiting_in_the_crowd_lane_gathers_what_follows_into_one_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("chinwag.transport.outbox.BULK_SLICE", 0.0)
    writes: list[tuple[str, bytes]] = []
    flusher = Flusher(asyncio.get_running_loop())
    crowd = [Outbox(CountingSink(f"m{n}", writes), flusher, 1 << 20) for n in range(100)]
    for outbox in crowd:
        outbox.write_bulk_line(b"JOIN a\r\n")
    await asyncio.sleep(0)
    for outbox in crowd:  # a second JOIN while the lane is still being worked through
        outbox.write_bulk_line(b"JOIN b\r\n")
    for _ in range(50):
        await asyncio.sleep(0)
    assert writes.count(("m99", b"JOIN a\r\nJOIN b\r\n")) == 1
    assert len(writes) < 200

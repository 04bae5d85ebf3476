"""A connection as the core sees it (:mod:`chinwag.transport.link`): input is handed over a
slice per loop turn with reading paused meanwhile, a full server refuses the connection, and
what arrives before the peer hangs up is still heard."""

from __future__ import annotations

import asyncio

from chinwag.server.core import Item, ServerCore
from chinwag.server.effects import ImmediateEffects
from chinwag.server.lines import Lines
from chinwag.storage.memory import MemoryStore
from chinwag.transport.link import RECEIVE_SLICE, SERVER_FULL, Link
from chinwag.transport.outbox import Flusher
from tests.conftest import test_config


class ReadyLines:
    """A line source over ready-made lines, counting what it handed out per take and
    recording pauses and resumes of reading."""

    def __init__(self) -> None:
        self.waiting: list[Item] = []
        self.takes: list[int] = []
        self.calls: list[str] = []

    def take(self, budget: int) -> list[Item]:
        taken: list[Item] = []
        used = 0
        while self.waiting and (not taken or used < budget):
            item = self.waiting.pop(0)
            used += len(item) + 2 if isinstance(item, str) else 512
            taken.append(item)
        self.takes.append(used)
        return taken

    def pending(self) -> bool:
        return bool(self.waiting)

    def rest(self) -> list[Item]:
        rest, self.waiting = self.waiting, []
        return rest

    def clear(self) -> None:
        self.waiting.clear()

    def pause_reading(self) -> None:
        self.calls.append("pause")

    def resume_reading(self) -> None:
        self.calls.append("resume")


class Sink:
    """Keeps what is sent."""

    def __init__(self) -> None:
        self.data = b""
        self.closed = False

    def send_line(self, line: bytes) -> None:
        self.data += line

    def send_lines(self, lines: Lines) -> None:
        self.data += lines.data

    def buffered(self) -> int:
        return 0

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True


def link(core: ServerCore, links: set[Link]) -> tuple[Link, ReadyLines, Sink]:
    source, sink = ReadyLines(), Sink()
    return Link(core, links, source, sink, Flusher(asyncio.get_running_loop())), source, sink


def core(**limits: object) -> ServerCore:
    return ServerCore(test_config(**limits), MemoryStore(), ImmediateEffects())


async def test_a_big_read_is_handed_to_the_core_a_slice_per_turn_with_reading_paused() -> None:
    server = core()
    connection, source, sink = link(server, set())
    connection.open("127.0.0.1")
    source.waiting = [f"PING :{n:05d}" for n in range(2000)]  # about 28 KB
    connection.received()
    assert len(source.takes) == 1 and source.takes[0] <= RECEIVE_SLICE + 100
    assert source.calls == ["pause"]
    while source.pending():
        await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert source.calls == ["pause", "resume"]
    assert len(source.takes) > 5
    assert sink.data.count(b"PONG") == 2000


async def test_a_connection_past_max_clients_is_told_the_server_is_full() -> None:
    server = core(max_clients=1)
    links: set[Link] = set()
    first, *_ = link(server, links)
    first.open("127.0.0.1")
    second, _, sink = link(server, links)
    second.open("127.0.0.1")
    await asyncio.sleep(0)
    assert first.session is not None
    assert second.session is None
    assert sink.data == SERVER_FULL
    assert sink.closed


async def test_lines_that_arrived_before_the_peer_hung_up_are_heard() -> None:
    server = core()
    connection, source, sink = link(server, set())
    connection.open("127.0.0.1")
    source.waiting = ["NICK ana", "USER ana 0 * :Ana", "PING :last words"]
    connection.ended()
    await asyncio.sleep(0)
    assert b"PONG" in sink.data and b"last words" in sink.data
    assert connection.session is not None and connection.session.closed


async def test_a_lost_connection_ends_the_session_and_is_forgotten() -> None:
    server = core()
    links: set[Link] = set()
    connection, *_ = link(server, links)
    connection.open("127.0.0.1")
    assert connection in links
    connection.lost("Connection reset")
    assert connection not in links
    assert connection.closed.done()
    assert connection.session is not None and connection.session.closed
    assert server.network.sessions == {}

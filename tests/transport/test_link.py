"""A connection as the core sees it (:mod:`chinwag.transport.link`): input is handed over a
slice per loop turn with reading paused meanwhile, a full server refuses the connection, and
what arrives before the peer hangs up is still heard."""

from __future__ import annotations

import asyncio

import pytest

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


# -- crowd work waits for the pacer -------------------------------------------------------------


def member(server: ServerCore, flusher: Flusher, nick: str) -> tuple[Link, ReadyLines, Sink]:
    """A registered connection sharing ``flusher`` (and so its crowd pacer) with the others."""
    source, sink = ReadyLines(), Sink()
    connection = Link(server, set(), source, sink, flusher)
    connection.open("127.0.0.1")
    source.waiting = [f"NICK {nick}", f"USER {nick} 0 * :{nick}"]
    connection.received()
    return connection, source, sink


async def test_a_join_to_a_crowd_waits_for_the_pacer_with_the_lines_after_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("chinwag.server.core.CROWD", 2)
    server = core()
    flusher = Flusher(asyncio.get_running_loop())
    for nick in ("ana", "bo"):
        connection, source, _ = member(server, flusher, nick)
        source.waiting = ["JOIN #big"]
        connection.received()
    late, source, sink = member(server, flusher, "cy")
    bystander, other, heard = member(server, flusher, "di")
    flusher.crowd.spent(0.2)  # a JOIN to the crowd just ran: the next waits for its rest
    source.waiting = ["PING :before", "JOIN #big", "PING :after"]
    late.received()
    other.waiting = ["PING :meanwhile"]
    bystander.received()
    await asyncio.sleep(0)
    assert b"PONG" in heard.data and b"meanwhile" in heard.data
    assert b"before" in sink.data
    assert b"JOIN #big" not in sink.data and b"after" not in sink.data
    assert "pause" in source.calls and flusher.crowd.waiting == 1
    for _ in range(100):
        await asyncio.sleep(0.01)
        if b"after" in sink.data:
            break
    assert sink.data.index(b"JOIN #big") < sink.data.index(b"after")
    assert flusher.crowd.waiting == 0
    assert source.calls[-1] == "resume"


async def test_a_join_to_a_small_room_never_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("chinwag.server.core.CROWD", 50)
    server = core()
    flusher = Flusher(asyncio.get_running_loop())
    connection, source, sink = member(server, flusher, "ana")
    flusher.crowd.spent(10.0)
    source.waiting = ["JOIN #small", "PING :after"]
    connection.received()
    await asyncio.sleep(0)
    assert b"JOIN #small" in sink.data and b"after" in sink.data


async def test_a_connection_that_hangs_up_while_waiting_is_heard_and_leaves_the_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("chinwag.server.core.CROWD", 1)
    server = core()
    flusher = Flusher(asyncio.get_running_loop())
    first, source, _ = member(server, flusher, "ana")
    source.waiting = ["JOIN #big"]
    first.received()
    leaving, source, sink = member(server, flusher, "bo")
    flusher.crowd.spent(10.0)
    source.waiting = ["JOIN #big", "PING :last words"]
    leaving.received()
    assert flusher.crowd.waiting == 1 and b"last words" not in sink.data
    leaving.ended()
    await asyncio.sleep(0)
    assert b"JOIN #big" in sink.data and b"last words" in sink.data
    assert flusher.crowd.waiting == 0

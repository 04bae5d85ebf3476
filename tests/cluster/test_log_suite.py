"""The contract every NetworkLog keeps; new backends join the parametrisation.

Each test runs against the in-process log (its clock driven by the test) and the Redis log (a
fresh network name on the test Redis, deleted afterwards; leases of 0.3 s that really lapse).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from chinwag.cluster.base import Entry, EpochLost, LeaseLost, NetworkLog
from chinwag.cluster.local import LocalLog, LocalNetwork
from chinwag.cluster.redis import RedisLog
from tests.cluster.redis_service import delete_network, network_name, reachable_redis

SHORT = 0.3
"""The lease of a node a test lets lapse."""


class Clock:
    """A clock the local network reads and the test moves (from Unix time now)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@dataclass
class Backend:
    """Nodes of one fresh network on one implementation, and the means to let time pass."""

    make: Callable[[str, float], NetworkLog]
    lapse: Callable[[float], Awaitable[None]]
    wipe: Callable[[], Awaitable[None]]
    made: list[NetworkLog] = field(default_factory=list)

    def node(self, name: str, lease: float = 10.0) -> NetworkLog:
        log = self.make(name, lease)
        self.made.append(log)
        return log

    async def joined(self, *names: str, lease: float = 10.0) -> list[NetworkLog]:
        nodes = [self.node(name, lease) for name in names]
        for log in nodes:
            await log.join()
        return nodes


def local_backend() -> Backend:
    clock = Clock()
    network = LocalNetwork(clock)

    async def lapse(lease: float) -> None:
        clock.now += lease + 0.001

    async def wipe() -> None:
        network.wipe()

    return Backend(lambda name, lease: LocalLog(network, name, lease), lapse, wipe)


def redis_backend(url: str, network: str) -> Backend:
    async def lapse(lease: float) -> None:
        await asyncio.sleep(lease + 0.05)  # Redis' own clock: only real time lapses a lease

    async def wipe() -> None:
        await delete_network(url, network)

    return Backend(lambda name, lease: RedisLog(url, network, name, lease), lapse, wipe)


@pytest.fixture(params=["local", "redis"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    if request.param == "local":
        made = local_backend()
        yield made
    else:
        url, network = await reachable_redis(), network_name()
        made = redis_backend(url, network)
        try:
            yield made
        finally:
            await delete_network(url, network)
    for log in made.made:
        await log.close()


async def read_all(log: NetworkLog, count: int) -> list[Entry]:
    """The first ``count`` entries of the log, read as a node reads: after the last id."""
    entries: list[Entry] = []
    while len(entries) < count:
        more = await log.read(entries[-1].id if entries else "0", block=2.0)
        assert more, f"the log ended after {len(entries)} of {count} entries"
        entries += more
    assert await log.read(entries[-1].id, block=0) == [], "more entries than expected"
    return entries


async def test_racing_joins_make_one_epoch_with_one_secret(backend: Backend) -> None:
    first, second = backend.node("a"), backend.node("b")
    joins = await asyncio.gather(first.join(), second.join())
    assert sorted(joined.created for joined in joins) == [False, True]
    assert joins[0].epoch == joins[1].epoch and joins[0].secret == joins[1].secret
    assert len(joins[0].secret) == 32
    later = await backend.node("c").join()
    assert (later.epoch, later.created, later.secret) == (joins[0].epoch, False, joins[0].secret)


async def test_concurrent_appends_make_one_order_that_every_reader_sees(
    backend: Backend,
) -> None:
    a, b = await backend.joined("a", "b")

    async def write(log: NetworkLog) -> None:
        for batch in range(20):
            await log.append([f"{log.node} {batch} {item}".encode() for item in range(3)])

    await asyncio.gather(write(a), write(b))
    seen_by_a, seen_by_b = await read_all(a, 120), await read_all(b, 120)
    assert seen_by_a == seen_by_b
    for log in (a, b):
        own = [entry.data.decode() for entry in seen_by_a if entry.node == log.node]
        assert own == [f"{log.node} {batch} {item}" for batch in range(20) for item in range(3)]
        assert all(entry.data.decode().startswith(entry.node) for entry in seen_by_a)
    # A batch is one contiguous run: no other node's entry lands inside it.
    for start in range(0, 120, 3):
        run = {entry.data.decode().rsplit(" ", 1)[0] for entry in seen_by_a[start : start + 3]}
        assert len(run) == 1, seen_by_a[start : start + 3]


async def test_one_nodes_appends_keep_the_order_of_the_calls(backend: Backend) -> None:
    (a,) = await backend.joined("a")
    await asyncio.gather(*(a.append([str(n).encode()]) for n in range(50)))
    assert [entry.data for entry in await read_all(a, 50)] == [str(n).encode() for n in range(50)]


async def test_ids_increase_and_millis_never_decrease_along_the_log(backend: Backend) -> None:
    a, b = await backend.joined("a", "b")
    for n in range(30):
        await (a if n % 2 else b).append([b"x"] * (n % 4 + 1))
    entries = await read_all(a, sum(n % 4 + 1 for n in range(30)))
    positions = [tuple(int(part) for part in entry.id.split("-")) for entry in entries]
    assert positions == sorted(set(positions))
    assert [entry.millis for entry in entries] == [position[0] for position in positions]
    assert abs(entries[0].millis / 1000 - time.time()) < 60  # Unix time in ms


async def test_a_read_after_an_id_gives_what_came_after_it(backend: Backend) -> None:
    (a,) = await backend.joined("a")
    await a.append([b"0", b"1", b"2", b"3", b"4"])
    entries = await read_all(a, 5)
    assert [entry.data for entry in await a.read(entries[1].id, block=0)] == [b"2", b"3", b"4"]
    assert await a.read(entries[-1].id, block=0) == []
    await a.append([])  # nothing to append: no entry
    assert await a.read(entries[-1].id, block=0) == []


async def test_a_blocked_read_wakes_on_an_append_of_another_node(backend: Backend) -> None:
    a, b = await backend.joined("a", "b")
    await a.append([b"first"])
    (first,) = await a.read("0", block=1.0)
    reading = asyncio.ensure_future(a.read(first.id, block=30.0))
    done, _ = await asyncio.wait({reading}, timeout=0.2)
    assert not done, "the read returned without an entry to give"
    await b.append([b"second"])
    (second,) = await asyncio.wait_for(reading, 5.0)
    assert (second.node, second.data) == ("b", b"second")


async def test_a_blocked_read_holds_up_none_of_its_nodes_other_calls(backend: Backend) -> None:
    (a,) = await backend.joined("a")
    reading = asyncio.ensure_future(a.read("0", block=30.0))
    await asyncio.wait({reading}, timeout=0.1)
    await asyncio.wait_for(a.renew(), 2.0)
    await asyncio.wait_for(a.append([b"mine"]), 2.0)
    (entry,) = await asyncio.wait_for(reading, 5.0)
    assert (entry.node, entry.data) == ("a", b"mine")


async def test_a_read_gives_up_after_its_block_time(backend: Backend) -> None:
    (a,) = await backend.joined("a")
    started = time.monotonic()
    assert await a.read("0", block=0.2) == []
    assert 0.15 <= time.monotonic() - started < 3.0


async def test_a_lease_lapses_unless_renewed_and_a_renewal_brings_it_back(
    backend: Backend,
) -> None:
    short, long = await backend.joined("short", "long", lease=SHORT)
    await long.renew()
    assert 0 < (await long.live_nodes())["short"] <= SHORT
    await backend.lapse(SHORT)
    assert (await long.live_nodes())["short"] <= 0
    assert isinstance(await short.renew(), float)  # lapsed but not declared: still a member
    assert 0 < (await long.live_nodes())["short"] <= SHORT


async def test_racing_declarers_declare_each_lapsed_node_exactly_once(backend: Backend) -> None:
    await backend.joined("x", "y", lease=SHORT)
    callers = await backend.joined(*(f"c{n}" for n in range(5)), lease=30.0)
    await backend.lapse(SHORT)

    def lost(caller: str) -> Callable[[str], bytes]:
        return lambda node: f"lost {node} by {caller}".encode()

    results = await asyncio.gather(*(c.declare_lapsed(lost(c.node)) for c in callers))
    assert sorted(node for declared in results for node in declared) == ["x", "y"]
    entries = await read_all(callers[0], 2)
    said = {entry.data.decode() for entry in entries}
    assert said == {
        f"lost {node} by {caller.node}"
        for caller, declared in zip(callers, results, strict=True)
        for node in declared
    }
    assert all(entry.node == entry.data.decode().rsplit(" ", 1)[1] for entry in entries)
    assert set(await callers[0].live_nodes()) == {c.node for c in callers}
    assert await callers[1].declare_lapsed(lost("c1")) == []


async def test_a_declared_node_can_no_longer_renew_append_or_leave(backend: Backend) -> None:
    (gone,) = await backend.joined("gone", lease=SHORT)
    (survivor,) = await backend.joined("survivor")
    await backend.lapse(SHORT)
    assert await survivor.declare_lapsed(lambda node: b"lost " + node.encode()) == ["gone"]
    for attempt in (gone.renew(), gone.append([b"late"]), gone.leave(b"bye")):
        with pytest.raises(LeaseLost) as raised:
            await attempt
        assert not isinstance(raised.value, EpochLost)
    (entry,) = await read_all(survivor, 1)
    assert (entry.node, entry.data) == ("survivor", b"lost gone")


async def test_a_node_never_declares_itself(backend: Backend) -> None:
    (late,) = await backend.joined("late", lease=SHORT)
    await backend.lapse(SHORT)
    assert await late.declare_lapsed(lambda node: b"lost") == []
    await late.renew()
    assert await late.read("0", block=0) == []


async def test_leave_appends_its_payload_and_drops_the_node(backend: Backend) -> None:
    a, b = await backend.joined("a", "b")
    await a.append([b"hello"])
    await a.leave(b"bye")
    entries = await read_all(b, 2)
    assert [(entry.node, entry.data) for entry in entries] == [("a", b"hello"), ("a", b"bye")]
    assert set(await b.live_nodes()) == {"b"}
    with pytest.raises(LeaseLost):
        await a.append([b"after"])
    await backend.lapse(SHORT)
    assert await b.declare_lapsed(lambda node: b"lost") == []  # it left: nothing to declare


async def test_a_lost_log_shows_as_a_lost_epoch_and_a_join_starts_a_new_one(
    backend: Backend,
) -> None:
    a, b = await backend.joined("a", "b")
    before = await a.join()
    await a.append([b"old"])
    await backend.wipe()
    with pytest.raises(EpochLost):
        await a.renew()
    with pytest.raises(EpochLost):
        await b.append([b"into the void"])
    after = await a.join()
    assert after.created and after.epoch != before.epoch and after.secret != before.secret
    await a.append([b"new"])
    (entry,) = await read_all(a, 1)
    assert entry.data == b"new"


async def test_a_snapshot_is_kept_and_the_log_is_trimmed_only_up_to_the_one_before(
    backend: Backend,
) -> None:
    (log,) = await backend.joined("a")
    assert await log.snapshot() is None
    assert await log.trimmed() == "0"
    await log.append([b"1", b"2", b"3"])
    first = await read_all(log, 3)
    assert await log.save_snapshot(first[1].id, b"state after 2")
    # Nothing is dropped yet: a node behind the first snapshot may still need those.
    assert [entry.data for entry in await read_all(log, 3)] == [b"1", b"2", b"3"]
    await log.append([b"4", b"5"])
    entries = await read_all(log, 5)
    assert await log.save_snapshot(entries[3].id, b"state after 4")
    kept = await log.snapshot()
    assert kept is not None and (kept.position, kept.data) == (entries[3].id, b"state after 4")
    # Entries up to the first snapshot are gone; from there on they are all kept.
    assert await log.trimmed() == first[1].id
    rest = await log.read("0", block=0)
    assert [entry.data for entry in rest] == [b"3", b"4", b"5"]
    # An older or equal snapshot never replaces a newer one.
    assert not await log.save_snapshot(entries[2].id, b"older")
    assert not await log.save_snapshot(entries[3].id, b"same place")
    again = await log.snapshot()
    assert again is not None and again.data == b"state after 4"

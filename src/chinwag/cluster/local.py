"""The network log in one process: :class:`LocalNetwork` and its nodes' :class:`LocalLog`.

For tests and in-process multi-node harnesses: the same semantics as the Redis log (ids
"ms-seq", millis from the network's clock and never decreasing, leases, the fence after a node
is removed, epochs) with a clock the test drives. Blocking reads wait in the event loop's real
time; leases and entry times follow the clock. Every operation yields to the event loop once,
as a round trip would, so concurrent callers interleave between operations but each operation
is atomic, as a Lua script is on Redis.
"""

from __future__ import annotations

import asyncio
import bisect
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import count

from chinwag.cluster.base import (
    DEFAULT_LEASE,
    READ_LIMIT,
    Entry,
    EpochLost,
    Joined,
    LeaseLost,
    LogUnavailable,
    Snapshot,
    position,
)

place = position
"""The place of a log id along the log (a name free for a parameter called ``position``)."""


@dataclass(eq=False)
class _Epoch:
    """One epoch's log and members (node -> lease deadline in clock seconds)."""

    id: str
    secret: bytes
    entries: list[Entry] = field(default_factory=list)
    positions: list[tuple[int, int]] = field(default_factory=list)
    members: dict[str, float] = field(default_factory=dict)
    last: tuple[int, int] = (0, 0)  # as Redis, the first id is after 0-0
    snapshot: Snapshot | None = None
    trimmed: str = "0"
    appended: asyncio.Event = field(default_factory=asyncio.Event)


class LocalNetwork:
    """One in-process network log that several :class:`LocalLog` nodes share.

    ``clock`` gives the network's time in seconds (default: Unix time); a test passes its own
    to drive leases and entry times. :meth:`wipe` forgets everything, as a Redis that lost its
    data; ``available = False`` makes every node's calls raise :class:`LogUnavailable`.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.available = True
        self._epoch: _Epoch | None = None
        self._epochs = count(1)

    def wipe(self) -> None:
        """Forget the epoch, its log and its members: the next join makes a new epoch."""
        self._epoch = None

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    def _current(self, epoch: str | None, node: str) -> _Epoch:
        """The epoch ``node`` joined, which must still be the network's and hold ``node``."""
        if not self.available:
            raise LogUnavailable("the local network is down")
        current = self._epoch
        if epoch is None or current is None or current.id != epoch:
            raise EpochLost(f"epoch {epoch} is gone")
        if node not in current.members:
            raise LeaseLost(f"{node} is not a member")
        return current

    def _join(self, node: str, lease: float) -> tuple[_Epoch, bool]:
        if not self.available:
            raise LogUnavailable("the local network is down")
        created = self._epoch is None
        if self._epoch is None:
            self._epoch = _Epoch(f"{next(self._epochs)}-local", secrets.token_bytes(32))
        self._epoch.members[node] = self.clock() + lease
        return self._epoch, created

    def _append(self, epoch: _Epoch, node: str, items: Sequence[bytes]) -> None:
        for data in items:
            # As Redis does for "*" ids: the clock's ms, but never behind the last entry.
            millis = max(self._now_ms(), epoch.last[0])
            seq = epoch.last[1] + 1 if millis == epoch.last[0] else 0
            epoch.last = (millis, seq)
            epoch.entries.append(Entry(f"{millis}-{seq}", millis, node, bytes(data)))
            epoch.positions.append(epoch.last)
        if items:
            # Wake every waiting reader at once; later readers wait on a fresh event.
            epoch.appended.set()
            epoch.appended = asyncio.Event()


class LocalLog:
    """One node's handle on a :class:`LocalNetwork`, a ``NetworkLog``."""

    def __init__(self, network: LocalNetwork, node: str, lease: float = DEFAULT_LEASE) -> None:
        self.network = network
        self.node = node
        self.lease = lease
        self._epoch: str | None = None

    async def join(self) -> Joined:
        """Find or make the epoch and take this node's lease (see ``NetworkLog.join``)."""
        await asyncio.sleep(0)
        epoch, created = self.network._join(self.node, self.lease)
        self._epoch = epoch.id
        return Joined(epoch.id, created, epoch.secret)

    async def append(self, items: Sequence[bytes]) -> None:
        """Append ``items`` as one contiguous run (see ``NetworkLog.append``)."""
        await asyncio.sleep(0)
        epoch = self.network._current(self._epoch, self.node)
        self.network._append(epoch, self.node, items)

    async def read(self, after: str, block: float) -> list[Entry]:
        """Entries after ``after``, waiting up to ``block`` seconds (see ``NetworkLog.read``)."""
        await asyncio.sleep(0)
        deadline = asyncio.get_running_loop().time() + block
        while True:
            if not self.network.available:
                raise LogUnavailable("the local network is down")
            epoch = self.network._epoch
            if epoch is None or epoch.id != self._epoch:
                # As on Redis, a gone epoch reads as an empty log; renew tells the node.
                await asyncio.sleep(max(0.0, deadline - asyncio.get_running_loop().time()))
                return []
            start = bisect.bisect_right(epoch.positions, position(after))
            if start < len(epoch.entries):
                return epoch.entries[start : start + READ_LIMIT]
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return []
            try:
                await asyncio.wait_for(epoch.appended.wait(), left)
            except TimeoutError:
                return []

    async def renew(self) -> float:
        """Push this node's lease deadline to now + lease (see ``NetworkLog.renew``)."""
        started = time.perf_counter()
        await asyncio.sleep(0)
        epoch = self.network._current(self._epoch, self.node)
        epoch.members[self.node] = self.network.clock() + self.lease
        return time.perf_counter() - started

    async def live_nodes(self) -> dict[str, float]:
        """Members and their lease's seconds left (see ``NetworkLog.live_nodes``)."""
        await asyncio.sleep(0)
        if not self.network.available:
            raise LogUnavailable("the local network is down")
        epoch = self.network._epoch
        now = self.network.clock()
        return {} if epoch is None else {n: end - now for n, end in epoch.members.items()}

    async def declare_lapsed(self, payload: Callable[[str], bytes]) -> list[str]:
        """Remove and announce every other lapsed member (see ``NetworkLog.declare_lapsed``)."""
        await asyncio.sleep(0)
        epoch = self.network._current(self._epoch, self.node)
        now = self.network.clock()
        lapsed = sorted(
            (end, node) for node, end in epoch.members.items() if end <= now and node != self.node
        )
        for _, node in lapsed:
            del epoch.members[node]
            self.network._append(epoch, self.node, [payload(node)])
        return [node for _, node in lapsed]

    async def leave(self, payload: bytes) -> None:
        """Append ``payload`` and drop this node's membership at once (``NetworkLog.leave``)."""
        await asyncio.sleep(0)
        epoch = self.network._current(self._epoch, self.node)
        self.network._append(epoch, self.node, [payload])
        del epoch.members[self.node]

    async def save_snapshot(self, position: str, data: bytes) -> bool:
        """Keep a snapshot and trim before the previous one (``NetworkLog.save_snapshot``)."""
        await asyncio.sleep(0)
        epoch = self.network._current(self._epoch, self.node)
        old = epoch.snapshot
        if old is not None and place(old.position) >= place(position):
            return False
        epoch.snapshot = Snapshot(position, data)
        if old is not None:
            cut = bisect.bisect_right(epoch.positions, place(old.position))
            del epoch.entries[:cut]
            del epoch.positions[:cut]
            epoch.trimmed = old.position
        return True

    async def snapshot(self) -> Snapshot | None:
        """The epoch's latest snapshot (``NetworkLog.snapshot``)."""
        await asyncio.sleep(0)
        epoch = self.network._current(self._epoch, self.node)
        return epoch.snapshot

    async def trimmed(self) -> str:
        """Up to where entries were dropped (``NetworkLog.trimmed``)."""
        await asyncio.sleep(0)
        return self.network._current(self._epoch, self.node).trimmed

    async def close(self) -> None:
        """Nothing to release in one process."""

"""The ``NetworkLog`` interface: one totally ordered log shared by every node of a network.

Every node appends what happened on it (a connection opening, lines a client sent, a lost
connection, timer events, results of store work) and applies every entry, its own included, in
log order; the log is the network's sequencer. Each node holds a lease it renews every
``lease / 3`` seconds; when a lease lapses, exactly one surviving node appends a "node lost"
entry (:meth:`NetworkLog.declare_lapsed`), so every replica removes that node's users at the
same point of the log. Nothing here knows IRC: entries are opaque bytes.

The fence: once a node is no longer a member (it left, or was declared lost), the log refuses
its appends and renewals with :class:`LeaseLost`, so nothing of it can follow its removal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

DEFAULT_LEASE = 10.0
"""Seconds a node's lease lasts after its last renewal (or its join)."""

READ_LIMIT = 500
"""The most entries one :meth:`NetworkLog.read` returns; the caller reads again for more."""


class NetworkLogError(Exception):
    """What a :class:`NetworkLog` raises: the kinds below, named by what the node does next."""


class LogUnavailable(NetworkLogError):  # noqa: N818
    """The log's backend could not be reached (or did not answer in time).

    An append that raised this may or may not have reached the log: the node finds out by
    reading, since its own entries carry its name. The node keeps its state and retries.
    """


class LeaseLost(NetworkLogError):  # noqa: N818
    """This node is no longer a member of the network: it left or was declared lost.

    Every replica has removed (or will remove, at the "node lost" entry) this node's users, so
    the node must stop serving; it may :meth:`NetworkLog.join` again as a fresh replica.
    """


class EpochLost(LeaseLost):
    """The log this node joined is gone: the backend lost its data and (once any node joins
    again) holds a new epoch. A kind of :class:`LeaseLost`: the node must stop serving just the
    same, and rebuild its state by joining the new epoch, where a new "created" node starts
    the network again from the kept state in the store."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry of the log, as every node reads it.

    ``id`` is the log's own position ("ms-seq", as a Redis stream id), increasing along the
    log; ``millis`` is the log's clock when the entry was appended (its ms part), never
    decreasing along the log, so every replica sees the same time for it; ``node`` is the node
    that appended it.
    """

    id: str
    millis: int
    node: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Joined:
    """What :meth:`NetworkLog.join` found.

    ``epoch`` names the log's current epoch (one is made when none exists); ``created`` is True
    for the one node that made it, which loads the kept state from the store and appends it
    before anything else; ``secret`` is 32 random bytes made with the epoch and shared by every
    node of it (nodes derive keys from it).
    """

    epoch: str
    created: bool
    secret: bytes


class NetworkLog(Protocol):
    """One node's handle on the network log. Calls that change the log or the node's lease
    raise :class:`LeaseLost` once the node is no longer a member (:class:`EpochLost` when the
    whole log is gone) and :class:`LogUnavailable` when the backend cannot be reached."""

    node: str
    lease: float
    """Seconds this node's lease lasts after a renewal."""

    async def join(self) -> Joined:
        """Connect, find or create the epoch atomically and take this node's lease; appends
        nothing. The node then reads the log from ``"0"`` to build its state."""
        ...

    async def append(self, items: Sequence[bytes]) -> None:
        """Append ``items`` in this order, in one round trip, as one contiguous run of the log.
        Appends of one node reach the log in the order of the calls."""
        ...

    async def read(self, after: str, block: float) -> list[Entry]:
        """Entries after the id ``after`` (``"0"``: from the start of the epoch), in log order,
        at most :data:`READ_LIMIT`; waits up to ``block`` seconds for at least one and returns
        ``[]`` when none came. The caller passes the last id it got to the next read."""
        ...

    async def renew(self) -> float:
        """Renew this node's lease; returns the round trip in seconds. Called every
        ``lease / 3`` seconds. A node whose lease lapsed but who was not yet declared lost gets
        it back."""
        ...

    async def live_nodes(self) -> dict[str, float]:
        """Every member node and the seconds its lease has left (zero or less: lapsed, not yet
        declared lost)."""
        ...

    async def declare_lapsed(self, payload: Callable[[str], bytes]) -> list[str]:
        """Atomically, for every other member whose lease lapsed: remove it from the members
        and append ``payload(node)`` as an entry of this node. Each lapsed node is declared
        exactly once network-wide, even when several nodes call this at once; returns the
        nodes this call declared."""
        ...

    async def leave(self, payload: bytes) -> None:
        """Graceful stop: append ``payload`` and drop this node's lease and membership in one
        atomic step."""
        ...

    async def close(self) -> None:
        """Release the connections; the node's lease is left to lapse unless it left."""
        ...

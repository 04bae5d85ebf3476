"""The network log on Redis: :class:`RedisLog` (issue 18; needs ``chinwag[cluster]``).

Why Streams: a stream is one totally ordered log whose ids Redis assigns from its own clock
("ms-seq", never going back), and a reader can always ask again for "everything after the last
id I saw". A node that lost its connection reconnects and carries on from its last id without
missing anything; pub/sub would drop whatever was published while a subscriber was away, and
the replicas would silently diverge.

Why Lua: joining (make the epoch and its secret unless one exists, take a lease), renewing,
declaring lapsed nodes, leaving and appending each read and change several keys, and must do so
as one step against every other node: two nodes racing to declare the same lapsed node must
not both append "node lost". A script runs atomically on the server, so each of these is one
round trip and needs no locks; lease deadlines come from ``redis.call('TIME')`` inside the
scripts, so no node's clock matters.

Key layout, under ``chinwag:{network}:`` (the braces are a hash tag: every key of a network
lands in one Redis Cluster slot, as multi-key scripts need):

- ``epoch``: the current epoch's id (made by the first join after the data was lost);
- ``log:<epoch>``: the stream, each entry with fields ``n`` (node) and ``d`` (data);
- ``members``: sorted set, node -> lease deadline in server ms;
- ``secret:<epoch>``: the 32 random bytes made with the epoch.

Every script but join is given the epoch the node joined and refuses to run when the server
holds another (or none: Redis restarted empty): that is :class:`~chinwag.cluster.base.EpochLost`,
seen by the next ``renew`` (reads of a gone epoch just find nothing). Appends are one script per
batch rather than a pipeline of XADDs, so a batch is contiguous in the log (no other node's
entry lands inside it) and is refused as a whole once the node is no longer a member.

Connections: commands go over one connection whose lock is first-come first-served, so one
node's appends reach the log in the order of the calls; blocking reads (XREAD BLOCK) have their
own connection so they never hold up appends or renewals. Nothing is retried automatically (a
retried XADD could append twice); errors become :class:`~chinwag.cluster.base.LogUnavailable`
and the next call reconnects.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.commands.core import AsyncScript

# The server's time in ms: lease deadlines never depend on a node's clock.
_NOW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
"""

# The fence of every script that changes the log or a lease once joined (not JOIN, LEASES):
# KEYS = epoch, members, log:<epoch>; ARGV = joined epoch, node, ...
_FENCE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('EPOCHLOST the log holds another epoch')
end
if not redis.call('ZSCORE', KEYS[2], ARGV[2]) then
  return redis.error_reply('LEASELOST ' .. ARGV[2] .. ' is not a member')
end
"""

# KEYS = epoch, members; ARGV = key prefix, node, lease ms, epoch nonce, candidate secret.
# The secret's key depends on the epoch found, so it is built here from the prefix: it carries
# the same hash tag, so it is in the slot of the declared keys.
_JOIN = (
    _NOW
    + """
local epoch = redis.call('GET', KEYS[1])
local created = 0
if not epoch then
  epoch = clock[1] .. '-' .. ARGV[4]
  redis.call('SET', KEYS[1], epoch)
  redis.call('SET', ARGV[1] .. 'secret:' .. epoch, ARGV[5])
  redis.call('DEL', KEYS[2])
  created = 1
end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[2])
return {epoch, created, redis.call('GET', ARGV[1] .. 'secret:' .. epoch)}
"""
)

# ARGV[3:] = the items, in order.
_APPEND = (
    _FENCE
    + """
for i = 3, #ARGV do
  redis.call('XADD', KEYS[3], '*', 'n', ARGV[2], 'd', ARGV[i])
end
return #ARGV - 2
"""
)

# ARGV[3] = lease ms.
_RENEW = (
    _FENCE
    + _NOW
    + """
redis.call('ZADD', KEYS[2], 'XX', now + tonumber(ARGV[3]), ARGV[2])
return 1
"""
)

# ARGV[3:] = pairs of (lapsed node, its payload), as the caller saw them a moment ago: each is
# declared only if it is still a lapsed member now, so racing callers declare it once.
_DECLARE = (
    _FENCE
    + _NOW
    + """
local declared = {}
for i = 3, #ARGV, 2 do
  local deadline = redis.call('ZSCORE', KEYS[2], ARGV[i])
  if deadline and tonumber(deadline) <= now and ARGV[i] ~= ARGV[2] then
    redis.call('ZREM', KEYS[2], ARGV[i])
    redis.call('XADD', KEYS[3], '*', 'n', ARGV[2], 'd', ARGV[i + 1])
    declared[#declared + 1] = ARGV[i]
  end
end
return declared
"""
)

# ARGV[3] = the last payload.
_LEAVE = (
    _FENCE
    + """
redis.call('XADD', KEYS[3], '*', 'n', ARGV[2], 'd', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[2])
return 1
"""
)

# KEYS[4:6] = snapshot-at:<epoch>, snapshot:<epoch>, trimmed:<epoch>; ARGV[3] = position,
# ARGV[4] = the snapshot. Ids compare as (ms, seq) pairs.
_SAVE_SNAPSHOT = (
    _FENCE
    + """
local function place(id)
  local ms, seq = string.match(id, '^(%d+)-?(%d*)$')
  return tonumber(ms), tonumber(seq ~= '' and seq or '0')
end
local old = redis.call('GET', KEYS[4])
if old then
  local oms, oseq = place(old)
  local nms, nseq = place(ARGV[3])
  if oms > nms or (oms == nms and oseq >= nseq) then
    return 0
  end
end
redis.call('SET', KEYS[4], ARGV[3])
redis.call('SET', KEYS[5], ARGV[4])
if old then
  local oms, oseq = place(old)
  -- MINID keeps ids >= its argument: everything up to and including ``old`` goes.
  redis.call('XTRIM', KEYS[3], 'MINID', oms .. '-' .. (oseq + 1))
  redis.call('SET', KEYS[6], old)
end
return 1
"""
)

# KEYS = members; returns node, ms left, node, ms left, ... in deadline order.
_LEASES = (
    _NOW
    + """
local flat = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local out = {}
for i = 1, #flat, 2 do
  out[#out + 1] = flat[i]
  out[#out + 1] = tonumber(flat[i + 1]) - now
end
return out
"""
)


def _redis() -> ModuleType:
    """redis-py, imported when a RedisLog is made, so the package works without it."""
    try:
        import redis.asyncio
    except ImportError as error:  # pragma: no cover - the test extra installs it
        raise ImportError(
            "the Redis network log needs redis-py: install chinwag[cluster]"
        ) from error
    return redis


def keys_prefix(network_name: str) -> str:
    """The prefix of every key of ``network_name`` (its hash tag keeps them in one slot)."""
    return f"chinwag:{{{network_name}}}:"


class RedisLog:
    """One node's handle on the network log in Redis (a ``NetworkLog``).

    ``url`` is a redis:// or rediss:// URL; ``lease`` the seconds a renewal holds the lease;
    ``timeout`` bounds every round trip (and is added to a read's ``block``), after which the
    call raises ``LogUnavailable`` rather than hang on a server that stopped answering.
    """

    def __init__(
        self,
        url: str,
        network_name: str,
        node: str,
        lease: float = DEFAULT_LEASE,
        timeout: float = 3.0,
    ) -> None:
        redis = _redis()
        self.node = node
        self.lease = lease
        self.timeout = timeout
        self.prefix = keys_prefix(network_name)
        self._errors = redis.exceptions
        self._epoch: str | None = None
        self._suspect = False
        """Set when a call failed: the next read first checks that the log still reaches
        past what this node read (a Redis restarted from an older save lost the tail)."""
        no_retry = redis.asyncio.retry.Retry(redis.backoff.NoBackoff(), 0)
        self._commands: Redis = redis.asyncio.Redis.from_url(
            url,
            single_connection_client=True,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=no_retry,
            client_name=f"chinwag-{node}",
        )
        # Its reads are bounded by asyncio.timeout instead: each has its own block time.
        self._reader: Redis = redis.asyncio.Redis.from_url(
            url,
            single_connection_client=True,
            socket_timeout=None,
            socket_connect_timeout=timeout,
            retry=no_retry,
            client_name=f"chinwag-{node}-reader",
        )
        register = self._commands.register_script
        self._join: AsyncScript = register(_JOIN)
        self._append: AsyncScript = register(_APPEND)
        self._renew: AsyncScript = register(_RENEW)
        self._declare: AsyncScript = register(_DECLARE)
        self._leave: AsyncScript = register(_LEAVE)
        self._leases: AsyncScript = register(_LEASES)
        self._save_snapshot: AsyncScript = register(_SAVE_SNAPSHOT)

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """Redis' errors as the log's: the scripts' refusals and lost connections."""
        errors = self._errors
        try:
            yield
        except errors.ReadOnlyError as error:  # a failover under way
            raise LogUnavailable(str(error)) from error
        except errors.ResponseError as error:
            code = str(error).partition(" ")[0]
            if code == "EPOCHLOST":
                raise EpochLost(str(error)) from error
            if code == "LEASELOST":
                raise LeaseLost(str(error)) from error
            raise
        except (errors.RedisError, OSError) as error:  # TimeoutError is an OSError
            self._suspect = True
            raise LogUnavailable(f"{type(error).__name__}: {error}") from error

    def _fenced_keys(self) -> list[str]:
        if self._epoch is None:
            raise RuntimeError("join() the network log first")
        return [self.prefix + "epoch", self.prefix + "members", self._log_key(self._epoch)]

    def _log_key(self, epoch: str) -> str:
        return f"{self.prefix}log:{epoch}"

    async def _fenced(self, script: AsyncScript, *args: bytes | str | int) -> Any:
        keys = self._fenced_keys()
        with self._translated():
            return await script(keys, [self._epoch or "", self.node, *args])

    async def join(self) -> Joined:
        """Find or make the epoch and take this node's lease (see ``NetworkLog.join``)."""
        keys = [self.prefix + "epoch", self.prefix + "members"]
        args: list[bytes | str | int] = [
            self.prefix,
            self.node,
            round(self.lease * 1000),
            secrets.token_hex(4),
            secrets.token_bytes(32),
        ]
        with self._translated():
            epoch, created, secret = await self._join(keys, args)
        self._epoch = epoch.decode()
        return Joined(self._epoch, bool(created), bytes(secret))

    async def append(self, items: Sequence[bytes]) -> None:
        """Append ``items`` as one contiguous run, in one script (see ``NetworkLog.append``)."""
        if items:
            await self._fenced(self._append, *items)

    async def read(self, after: str, block: float) -> list[Entry]:
        """XREAD after ``after``, blocking up to ``block`` seconds on the reading connection;
        a server that does not answer by then plus ``timeout`` is ``LogUnavailable``."""
        if self._epoch is None:
            raise RuntimeError("join() the network log first")
        wait = round(block * 1000) if block > 0 else None  # BLOCK 0 would wait forever
        with self._translated():
            async with asyncio.timeout(max(block, 0) + self.timeout):
                # One stream: [[key, [(id, {field: value}), ...]]], or [] on timeout.
                found: Any = await self._reader.xread(
                    {self._log_key(self._epoch): after}, count=READ_LIMIT, block=wait
                )
        if self._suspect and after != "0":
            await self._check_tail(after)
        entries: list[Entry] = []
        for _stream, rows in found or ():
            for raw_id, fields in rows:
                entry_id = raw_id.decode()
                millis = int(entry_id.partition("-")[0])
                entries.append(Entry(entry_id, millis, fields[b"n"].decode(), fields[b"d"]))
        return entries

    async def _check_tail(self, after: str) -> None:
        """After a lost connection: the log must still reach ``after``, the last id read.
        A Redis restarted from an older save keeps the epoch but not the entries since, and
        would hand out those ids again to new entries: this node's state would no longer be
        the log's, so that is :class:`EpochLost`."""
        assert self._epoch is not None
        with self._translated():
            try:
                info: Any = await self._reader.xinfo_stream(self._log_key(self._epoch))
            except self._errors.ResponseError as error:  # no such key: the log is gone
                raise EpochLost(f"the log of epoch {self._epoch} is gone") from error
        last = info["last-generated-id"]
        last = last.decode() if isinstance(last, bytes) else str(last)
        if position(last) < position(after):
            raise EpochLost(f"the log ends at {last}, before {after} which this node applied")
        self._suspect = False

    def _snapshot_keys(self) -> list[str]:
        epoch = self._epoch
        return [f"{self.prefix}{kind}:{epoch}" for kind in ("snapshot-at", "snapshot", "trimmed")]

    async def save_snapshot(self, position: str, data: bytes) -> bool:
        """Keep a snapshot and trim before the previous one, in one script
        (``NetworkLog.save_snapshot``)."""
        keys = [*self._fenced_keys(), *self._snapshot_keys()]
        with self._translated():
            kept = await self._save_snapshot(keys, [self._epoch or "", self.node, position, data])
        return bool(kept)

    async def snapshot(self) -> Snapshot | None:
        """The epoch's latest snapshot (``NetworkLog.snapshot``); both keys in one MGET."""
        if self._epoch is None:
            raise RuntimeError("join() the network log first")
        at, snapshot, _ = self._snapshot_keys()
        with self._translated():
            found: list[Any] = await self._commands.mget([at, snapshot])
        position, data = found
        if position is None or data is None:
            return None
        return Snapshot(position.decode(), bytes(data))

    async def trimmed(self) -> str:
        """Up to where entries were dropped (``NetworkLog.trimmed``)."""
        if self._epoch is None:
            raise RuntimeError("join() the network log first")
        with self._translated():
            found: Any = await self._commands.get(self._snapshot_keys()[2])
        return "0" if found is None else str(found.decode())

    async def renew(self) -> float:
        """Push this node's lease deadline to server time + lease (``NetworkLog.renew``)."""
        started = time.perf_counter()
        await self._fenced(self._renew, round(self.lease * 1000))
        return time.perf_counter() - started

    async def live_nodes(self) -> dict[str, float]:
        """Members and their lease's seconds left by the server's clock."""
        with self._translated():
            flat = await self._leases([self.prefix + "members"])
        return {flat[i].decode(): int(flat[i + 1]) / 1000 for i in range(0, len(flat), 2)}

    async def declare_lapsed(self, payload: Callable[[str], bytes]) -> list[str]:
        """Find the lapsed members, then declare in one script those still lapsed (see
        ``NetworkLog.declare_lapsed``): two round trips, the first read-only, because the
        payloads are made here and the script can only take them as arguments."""
        lapsed = [n for n, left in (await self.live_nodes()).items() if left <= 0]
        pairs: list[bytes | str] = []
        for node in lapsed:
            if node != self.node:
                pairs += [node, payload(node)]
        if not pairs:
            return []
        declared = await self._fenced(self._declare, *pairs)
        return [node.decode() for node in declared]

    async def leave(self, payload: bytes) -> None:
        """Append ``payload`` and drop this node's membership in one script."""
        await self._fenced(self._leave, payload)

    async def close(self) -> None:
        """Close both connections."""
        await self._reader.aclose()
        await self._commands.aclose()

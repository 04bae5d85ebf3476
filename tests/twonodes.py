"""Two chinwag nodes behind one address, for running the real-socket tests on a cluster.

Issue 18: "anything that passes on one node must pass on two". :class:`TwoNodes` is what
the ``server`` fixtures of tests/conftest.py give a ``two-nodes`` test in place of one
:class:`~chinwag.server.app.ChinwagServer`: two whole servers in this event loop, joined by
one log (in-process, :class:`~chinwag.cluster.local.LocalNetwork`; or on Redis, for the
tests marked ``on_redis``) and sharing one store (as
the nodes of a deployment share PostgreSQL), behind a :class:`Balancer` that hands
successive connections to node A, B, A, B ... So a test that connects to
``server.addresses[0]`` spreads its clients over both nodes without knowing it.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from itertools import count
from typing import Any

from chinwag.cluster.base import NetworkLog
from chinwag.cluster.local import LocalLog, LocalNetwork
from chinwag.config import Config, Listener
from chinwag.server.app import ChinwagServer
from chinwag.server.digest import describe
from chinwag.server.replication.node import ReplicatedCore
from chinwag.storage.base import Store
from tests.cluster.redis_service import delete_network

Address = tuple[str, int]

TEST_LEASE = 3600.0
"""Seconds a test node's lease lasts: longer than any test, so a loaded machine (or a test
that moves the clock on) never has one node declare the other lost."""

CHUNK = 65536


class Balancer:
    """A loopback TCP balancer: each accepted connection goes to the next of ``targets`` in
    turn (A, B, A, B ...), bytes copied both ways.

    The connection to the node is made from the client's own address (any 127.x.y.z), so
    the node sees the address the client connected from, as tests that play several
    addresses expect. A client's end of input (half-close) is passed on; when the node
    closes, the client's connection closes. :meth:`close` stops accepting and drops every
    connection.
    """

    def __init__(self, targets: Sequence[Address]) -> None:
        self.targets = list(targets)
        self._turn = count()
        self._server: asyncio.Server | None = None
        self._pairs: set[asyncio.Task[None]] = set()
        self._connecting: set[asyncio.Future[None]] = set()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on ``host``:``port`` (0: a free port)."""
        self._server = await asyncio.start_server(self._serve, host, port, reuse_address=True)

    @property
    def address(self) -> Address:
        """Where clients connect."""
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return str(host), int(port)

    async def _serve(self, client_in: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._pairs.add(task)
        target = self.targets[next(self._turn) % len(self.targets)]
        peer = client.get_extra_info("peername")
        connecting = asyncio.get_running_loop().create_future()
        self._connecting.add(connecting)
        try:
            try:
                node_in, node = await asyncio.open_connection(*target, local_addr=(peer[0], 0))
            except OSError:
                client.transport.abort()
                return
            finally:
                connecting.set_result(None)
                self._connecting.discard(connecting)
            try:
                await asyncio.gather(
                    self._pump(client_in, node, half_close=True),
                    self._pump(node_in, client, half_close=False),
                )
            finally:
                node.close()
        finally:
            if not client.transport.is_closing():
                client.close()
            self._pairs.discard(task)

    @staticmethod
    async def _pump(
        source: asyncio.StreamReader, sink: asyncio.StreamWriter, *, half_close: bool
    ) -> None:
        """Copy ``source`` into ``sink`` until it ends: then half-close ``sink`` (a client
        that shut its sending side) or close it (a node that closed the connection)."""
        try:
            while data := await source.read(CHUNK):
                sink.write(data)
                await sink.drain()
            if half_close and sink.can_write_eof():
                sink.write_eof()
            else:
                sink.close()
        except OSError:
            sink.transport.abort()

    async def stop_accepting(self) -> None:
        """Refuse new connections; the open ones carry on. Returns once every connection
        accepted so far has been handed to its node (and the node had a moment to accept
        it), as a client's connection to one server is accepted when its connect returns."""
        if self._server is not None:
            self._server.close()
        if self._connecting:
            await asyncio.wait(list(self._connecting))
        for _ in range(3):
            await asyncio.sleep(0)

    async def close(self) -> None:
        """Stop accepting and drop every connection still open."""
        await self.stop_accepting()
        for task in list(self._pairs):
            task.cancel()
        for task in list(self._pairs):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._server is not None:
            await self._server.wait_closed()


class SharedStore:
    """The one store both nodes use, whose :meth:`close` waits for :class:`TwoNodes` (each
    node closes its store when it stops; the other may still be using it)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def close(self) -> None:
        """Keep the store open: :meth:`TwoNodes.stop` closes it once both nodes stopped."""


async def settled(*nodes: ChinwagServer, attempts: int = 200) -> None:
    """Wait until every node has applied the same log and reached the same state; an
    :class:`AssertionError` with the difference of their :func:`describe` if they do not."""
    cores = [node.core for node in nodes]
    assert all(isinstance(core, ReplicatedCore) for core in cores)

    def applied() -> set[str]:
        # Positions, not counts: a node that started from a snapshot applied fewer entries.
        return {core.applied_position for core in cores if isinstance(core, ReplicatedCore)}

    def waiting() -> int:
        return sum(core.entries_waiting for core in cores if isinstance(core, ReplicatedCore))

    for _ in range(attempts):
        counts = applied()
        if len(counts) == 1 and not waiting() and len({describe(c.deps) for c in cores}) == 1:
            await asyncio.sleep(0.05)
            if applied() == counts:
                return
        await asyncio.sleep(0.02)
    texts = [describe(core.deps).splitlines() for core in cores]
    differences = "\n".join(
        "\n".join(difflib.unified_diff(texts[0], other, "node a", "node b", lineterm="", n=1))
        for other in texts[1:]
    )
    raise AssertionError(f"the nodes did not settle on one state:\n{differences[:6000]}")


class TwoNodes:
    """Two started nodes of one network behind one :class:`Balancer`, standing in for a
    :class:`~chinwag.server.app.ChinwagServer` in tests: ``addresses`` is the balancer's,
    ``core`` is node A's (every node holds the whole network's state), ``store`` the shared
    store, and :meth:`stop` stops both. :attr:`nodes` are the two servers themselves."""

    def __init__(
        self,
        nodes: Sequence[ChinwagServer],
        balancer: Balancer,
        store: Store,
        cleanup: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.nodes = list(nodes)
        self.balancer = balancer
        self.store = store
        self._cleanup = cleanup
        self._stopped = asyncio.Event()

    @classmethod
    async def start(
        cls,
        config: Config,
        store: Store,
        port: int = 0,
        clock: Callable[[], float] = time.time,
        names: Sequence[str] = ("a", "b"),
        redis: str | None = None,
    ) -> TwoNodes:
        """Start one node per name on free ports (``config``'s listeners moved to port 0),
        sharing ``store`` and a fresh network: in this process on ``clock`` (Unix seconds),
        or (``redis``, a URL) a :class:`~chinwag.cluster.redis.RedisLog` network of a
        random name there, on Redis's clock, deleted at :meth:`stop`; and a balancer on
        ``port``."""
        logs: list[NetworkLog]
        cleanup: Callable[[], Awaitable[None]] | None = None
        if redis is None:
            network = LocalNetwork(clock)
            logs = [LocalLog(network, name, lease=TEST_LEASE) for name in names]
        else:
            from chinwag.cluster.redis import RedisLog

            name = f"twonodes-{secrets.token_hex(6)}"
            logs = [RedisLog(redis, name, node, lease=TEST_LEASE) for node in names]

            async def cleanup() -> None:
                for each in logs:
                    await each.close()
                await delete_network(redis, name)

        shared: Any = SharedStore(store)
        node_config = _on_free_ports(config)
        nodes: list[ChinwagServer] = []
        for network_log in logs:
            node = ChinwagServer(node_config, shared, network_log=network_log)
            await node.start()
            nodes.append(node)
        balancer = Balancer([node.addresses[0] for node in nodes])
        host = config.listeners[0].host or "127.0.0.1"
        await balancer.start(host, port)
        return cls(nodes, balancer, store, cleanup)

    # -- what tests use of a ChinwagServer ------------------------------------------------

    @property
    def core(self) -> Any:
        """Node A's core (its state is the whole network's, as every node's is)."""
        return self.nodes[0].core

    @property
    def config(self) -> Config:
        """The nodes' configuration (with their real listeners' ports at 0)."""
        return self.nodes[0].config

    @property
    def addresses(self) -> list[Address]:
        """The balancer's address: where every client connects."""
        return [self.balancer.address]

    @property
    def listening(self) -> list[tuple[Listener, str, int]]:
        """The listener, as node A has it, at the balancer's address."""
        host, port = self.balancer.address
        return [(self.nodes[0].listening[0][0], host, port)]

    @property
    def links(self) -> frozenset[Any]:
        """Every open connection of every node."""
        return frozenset().union(*(node.links for node in self.nodes))

    def connections(self) -> dict[str, int]:
        """Open client connections by listener kind, summed over the nodes."""
        total: dict[str, int] = {}
        for node in self.nodes:
            for kind, number in node.connections().items():
                total[kind] = total.get(kind, 0) + number
        return total

    def reload(self, config: Config) -> list[str]:
        """Reload every node (as SIGHUP to each would); node A's report."""
        reports = [node.reload(_on_free_ports(config)) for node in self.nodes]
        return reports[0]

    def __getattr__(self, name: str) -> Any:
        # Anything else (effects, metrics_registry, tls_fingerprint ...) is node A's.
        return getattr(self.nodes[0], name)

    async def settled(self) -> None:
        """Wait until both nodes have applied the same log; fail with the difference of
        their states if they do not agree."""
        await settled(*self.nodes)

    async def stop(self, reason: str = "Server shutting down", grace: float = 5.0) -> None:
        """Stop accepting, stop both nodes at once (every client gets ``ERROR``), then close
        the shared store."""
        await self.balancer.stop_accepting()
        await asyncio.gather(*(node.stop(reason, grace) for node in self.nodes))
        await self.balancer.close()
        await self.store.close()
        if self._cleanup is not None:
            await self._cleanup()
        self._stopped.set()

    @property
    def stopped(self) -> bool:
        """Whether :meth:`stop` has finished."""
        return self._stopped.is_set()

    async def wait_stopped(self) -> None:
        """Wait until :meth:`stop` has finished."""
        await self._stopped.wait()


def cores(server: ChinwagServer | TwoNodes) -> list[Any]:
    """Every node's core: what a test that puts something in place behind the protocol's
    back (an account, as if loaded at start) must put into each."""
    if isinstance(server, TwoNodes):
        return [node.core for node in server.nodes]
    return [server.core]


def _on_free_ports(config: Config) -> Config:
    """``config`` with every listener on a port the OS picks (the balancer has the port)."""
    listeners = tuple(replace(each, port=0) for each in config.listeners)
    return replace(config, listeners=listeners)

"""The running server: listeners, the timeout ticker, history retention and a graceful stop.

:class:`ChinwagServer` wires the sans-I/O :class:`~chinwag.server.core.ServerCore` to one
asyncio listener per configured ``[[listeners]]`` entry, choosing the transport by the
listener's ``kind``. ``stop()`` sends every client ``ERROR :Server shutting down`` and waits,
briefly, for the sockets to drain and close, and for everything relayed to be stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry

from chinwag.cluster.base import NetworkLog
from chinwag.config import Config, Listener
from chinwag.protocol.casemap import fold
from chinwag.server.core import ServerCore
from chinwag.server.effects import AsyncioEffects
from chinwag.server.reloading import compare, kept_until_restart
from chinwag.server.replication.metrics import ClusterCollector
from chinwag.server.replication.node import ReplicatedCore
from chinwag.server.retention import Retention
from chinwag.server.services import chanreg
from chinwag.server.services.alwayson import snapshot
from chinwag.storage.base import Store
from chinwag.transport.link import Link
from chinwag.transport.outbox import Flusher
from chinwag.transport.tcp import IrcStreamProtocol
from chinwag.transport.tls import ServerTls
from chinwag.transport.websocket import WebProtocol

log = logging.getLogger("chinwag.server")

TICK_SECONDS = 5.0
"""How often registration and PING timeouts are checked."""

LAG_PROBE_SECONDS = 1.0
"""How often the event loop's lag is measured for ``/metrics``."""

ProtocolFactory = Callable[[], asyncio.BaseProtocol]

TRANSPORTS: dict[str, Callable[[ServerCore, set[Link], Flusher], asyncio.BaseProtocol]] = {
    "tcp": IrcStreamProtocol,
    "tls": IrcStreamProtocol,
    "http": WebProtocol,
    "https": WebProtocol,
}
"""The protocol factory of each listener ``kind`` (:data:`chinwag.config.LISTENER_KINDS`)."""


CLOAK_KEY_FILE = "cloak.key"
"""The generated key of host cloaks, in the data directory, when none is configured."""


def _kept_cloak_key(config: Config) -> bytes | None:
    """The cloak key kept in the data directory, made on first start (mode 0600, in a data
    directory made 0700), so a user's cloak is the same after a restart; ``None`` when the
    configuration decides the key (a secret, cloaking off, or no data directory)."""
    server, data_dir = config.server, config.storage.data_dir
    if not server.cloak_hosts or server.cloak_secret or data_dir is None:
        return None
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = data_dir / CLOAK_KEY_FILE
    try:
        # O_EXCL: two servers starting at once cannot both write a key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_bytes().strip()
        if key:
            return key
        raise OSError(f"the cloak key file {path} is empty; delete it to make a new one") from None
    with os.fdopen(fd, "wb") as file:
        file.write(secrets.token_hex(32).encode())
    return path.read_bytes().strip()


class PortUnavailableError(OSError):
    """A listener's address cannot be bound: the port is taken, or needs privileges."""

    def __init__(self, host: str, port: int, error: OSError) -> None:
        super().__init__(error.errno, error.strerror)
        self.host = host
        self.port = port


@dataclass(frozen=True, slots=True)
class BoundListener:
    """A socket bound (and listening) for one configured listener, not yet accepting."""

    listener: Listener
    sock: socket.socket


def bind_listeners(
    listeners: Sequence[Listener], *, reuse_port: bool = False
) -> list[BoundListener]:
    """Bind every listener's addresses now, so the caller learns of a port in use before
    it opens (and perhaps migrates) the database; give the result to
    :meth:`ChinwagServer.start`. Raises :class:`PortUnavailableError` naming the address.

    ``reuse_port`` sets ``SO_REUSEPORT`` (``SO_REUSEPORT_LB`` where FreeBSD has it), so the
    worker processes of ``chinwag serve --workers`` can each bind the same ports and the
    kernel spreads new connections over them; :class:`OSError` where the platform has
    neither (Windows)."""
    reuse = _reuse_port_option() if reuse_port else None
    bound: list[BoundListener] = []
    try:
        for listener in listeners:
            infos = socket.getaddrinfo(
                listener.host or None,
                listener.port,
                family=socket.AF_UNSPEC,
                type=socket.SOCK_STREAM,
                flags=socket.AI_PASSIVE,
            )
            # As asyncio's create_server would: one socket per distinct address.
            for family, kind, proto, _, address in dict.fromkeys(infos):
                sock = socket.socket(family, kind, proto)
                bound.append(BoundListener(listener, sock))
                if os.name == "posix":  # on Windows it would let two servers share a port
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                if reuse is not None:
                    sock.setsockopt(socket.SOL_SOCKET, reuse, 1)
                try:
                    sock.bind(address)
                except OSError as error:
                    raise PortUnavailableError(listener.host, listener.port, error) from error
                sock.listen(100)
                sock.setblocking(False)
    except BaseException:
        for each in bound:
            each.sock.close()
        raise
    return bound


def _reuse_port_option() -> int:
    """The socket option that lets several processes listen on one port with the kernel
    balancing connections between them: FreeBSD's ``SO_REUSEPORT_LB`` (its plain
    ``SO_REUSEPORT`` would give every connection to one socket), else ``SO_REUSEPORT``."""
    option: int | None = getattr(socket, "SO_REUSEPORT_LB", None)
    option = option if option is not None else getattr(socket, "SO_REUSEPORT", None)
    if option is None:
        raise OSError("this platform cannot share a port between processes (no SO_REUSEPORT)")
    return option


def prepare_tls(config: Config) -> ServerTls | None:
    """The TLS context and certificate of ``config`` if a listener speaks TLS (the
    certificate made on first start, or read from ``[tls] cert``), so ``chinwag serve`` can
    refuse an unusable certificate before it opens the database; give it to
    :class:`ChinwagServer`. Raises :class:`~chinwag.transport.certificates.CertificateError`
    naming the file."""
    if not any(listener.tls for listener in config.listeners):
        return None
    return ServerTls(config.tls, config.storage.data_dir, config.server.name)


class ChinwagServer:
    """A chinwag server on its configured listeners; start with :meth:`start`.

    History and accounts go to ``store``, which :meth:`stop` closes. The caller opens it
    (``chinwag serve`` opens the one ``config.storage`` names, with
    :func:`chinwag.storage.open_store`).
    """

    def __init__(
        self,
        config: Config,
        store: Store,
        clock: Callable[[], float] = time.monotonic,
        tls: ServerTls | None = None,
        network_log: NetworkLog | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.effects = AsyncioEffects()
        self.core: ServerCore
        self.network_log = network_log
        """The cluster's log when this server is one node of several (issue 18)."""
        if network_log is None:
            self.core = ServerCore(
                config, store, self.effects, clock, cloak_key=_kept_cloak_key(config)
            )
        else:
            self.core = ReplicatedCore(
                config, store, self.effects, network_log, cloak_key=_kept_cloak_key(config)
            )
        self.retention = Retention(store, config.history)
        self._servers: list[asyncio.Server] = []
        self._server_listeners: list[Listener] = []
        self._links: set[Link] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._retention_task: asyncio.Task[None] | None = None
        self._stopped = asyncio.Event()
        self._tls: ServerTls | None = tls
        """The TLS context and certificate: given (:func:`prepare_tls`), or made at
        :meth:`start` if a listener needs it."""

    @property
    def tls_fingerprint(self) -> str | None:
        """The SHA-256 fingerprint (``SHA256:AB:CD:...``) of the certificate the TLS listeners
        present, for people to compare; ``None`` without a TLS listener (or before
        :meth:`start`)."""
        return None if self._tls is None else self._tls.fingerprint

    def reload_tls(self) -> str | None:
        """Read the TLS certificate and key of ``[tls]`` again (SIGHUP, after a renewal):
        connections made from now on get the new certificate, open ones carry on. ``None``
        when done (or without TLS); otherwise why not, in words, and the old one stays."""
        return None if self._tls is None else self._tls.reload(self.config.tls)

    @property
    def addresses(self) -> list[tuple[str, int]]:
        """Every (host, port) actually listened on; port 0 in the config becomes the real one."""
        found: list[tuple[str, int]] = []
        for server in self._servers:
            for sock in server.sockets:
                host, port = sock.getsockname()[:2]
                found.append((str(host), int(port)))
        return found

    @property
    def listening(self) -> list[tuple[Listener, str, int]]:
        """Every listener with each (host, port) it actually listens on, in config order."""
        found: list[tuple[Listener, str, int]] = []
        for server, listener in zip(self._servers, self._server_listeners, strict=True):
            for sock in server.sockets:
                host, port = sock.getsockname()[:2]
                found.append((listener, str(host), int(port)))
        return found

    @property
    def links(self) -> frozenset[Link]:
        """Every open connection."""
        return frozenset(self._links)

    @property
    def metrics_registry(self) -> CollectorRegistry:
        """The registry ``/metrics`` serves (the server's own, not prometheus_client's
        global one)."""
        return self.core.metrics.registry

    def connections(self) -> dict[str, int]:
        """Open client connections by listener kind (every configured kind, zero too)."""
        counts = dict.fromkeys((each.kind for each in self.config.listeners), 0)
        for link in self._links:
            counts[link.kind] = counts.get(link.kind, 0) + 1
        return counts

    async def start(self, bound: Sequence[BoundListener] | None = None) -> None:
        """Load the accounts, open every listener and start the timeout ticker.

        ``bound`` are the listeners' sockets from :func:`bind_listeners` (bound here when
        left out); from now on the server owns them."""
        if bound is None:
            bound = bind_listeners(self.config.listeners)
        try:
            if isinstance(self.core, ReplicatedCore):
                assert self.network_log is not None
                await self.core.join(await self.network_log.join(), self._kept_state)
            else:
                await self._load_kept_state()
            loop = asyncio.get_running_loop()
            flusher = Flusher(loop)
            tls_ports = [
                each.sock.getsockname()[1] for each in bound if each.listener.kind == "tls"
            ]
            if tls_ports:
                # The real port (the config may say 0) for the sts capability's ``port`` key.
                self.core.tls_port = tls_ports[0]
            for each in bound:
                context = self._tls_context() if each.listener.tls else None
                server = await loop.create_server(
                    self._factory(each.listener, flusher),
                    sock=each.sock,
                    ssl=context,
                    ssl_handshake_timeout=(
                        self.config.tls.handshake_timeout if context is not None else None
                    ),
                )
                self._servers.append(server)
                self._server_listeners.append(each.listener)
        except BaseException:
            for each in bound:
                each.sock.close()
            raise
        self.core.metrics.watch(self.core.network, self.connections)
        if isinstance(self.core, ReplicatedCore):
            self.core.metrics.registry.register(ClusterCollector(self.core))
        self._tasks.append(asyncio.create_task(self._tick_forever()))
        self._tasks.append(asyncio.create_task(self._probe_lag_forever()))
        if self.retention.enabled:
            self._retention_task = asyncio.create_task(self.retention.run())
            self._tasks.append(self._retention_task)
        for host, port in self.addresses:
            log.debug("listening on %s:%d", host, port)

    async def _load_kept_state(self) -> None:
        """Load what the store keeps into the core, before anyone connects."""
        self.core.deps.accounts.load(await self.store.accounts())
        # Operators' bans (issue 17) are in force before the first connection.
        self.core.deps.bans.load(await self.store.server_bans())
        # Nobody is in any room yet: memberships left open by a crash end here, so a new
        # room of an old name gives nobody what was said privately in the old one.
        await self.store.end_memberships(time.time())
        # Registered rooms (issue 17) exist again, empty, as they were saved.
        self.core.restore_registered(await self.store.registered_channels())
        # Always-on users (issue 16) are in their rooms, made again with the modes, key,
        # topic and bans they had, before anyone else can join.
        saved, channels = (
            await self.store.always_on_users(),
            await self.store.always_on_channels(),
        )
        for user in self.core.restore_always_on(saved, channels):
            # Their read markers, for the MARKREAD of each room when a session returns.
            markers = await self.store.read_markers(fold(user.account or ""))
            for target, when in markers.items():
                user.move_marker(target, when)

    async def _kept_state(self) -> dict[str, Any]:
        """The same kept state as :meth:`_load_kept_state`, as data: the node that begins a
        cluster's epoch appends it to the log, and every node loads it from there."""
        store = self.store
        await store.end_memberships(time.time())
        saved = await store.always_on_users()
        markers = {user.account: await store.read_markers(user.account) for user in saved}
        return {
            "accounts": await store.accounts(),
            "bans": await store.server_bans(),
            "registered": await store.registered_channels(),
            "always_on": saved,
            "always_on_channels": await store.always_on_channels(),
            "read_markers": markers,
        }

    def _tls_context(self) -> ssl.SSLContext:
        """The server's one TLS context, shared by every ``tls`` and ``https`` listener;
        made (and the certificate loaded or generated) on first need. Raises
        :class:`~chinwag.transport.certificates.CertificateError` naming the file."""
        if self._tls is None:
            config = self.config
            self._tls = ServerTls(config.tls, config.storage.data_dir, config.server.name)
        return self._tls.context

    def _factory(self, listener: Listener, flusher: Flusher) -> ProtocolFactory:
        make = TRANSPORTS[listener.kind]
        core, links = self.core, self._links
        if not listener.tls:
            return lambda: make(core, links, flusher)
        counters = core.deps.counters

        def make_after_handshake() -> asyncio.BaseProtocol:
            # Called at accept, before the handshake: the transport counts the ones that
            # complete, so /metrics can tell how many failed.
            counters.tls_handshakes_started += 1
            return make(core, links, flusher)

        return make_after_handshake

    def reload(self, config: Config) -> list[str]:
        """Apply a re-read configuration (SIGHUP) and say what happened, one sentence each:
        what now applies, what waits for a restart (:mod:`chinwag.server.reloading`), and
        any part that could not be applied (the old one then stays)."""
        changes = compare(self.config, config)
        report: list[str] = []
        effective = kept_until_restart(self.config, config)
        self.config = effective
        self.core.reconfigure(effective)
        self.retention.settings = effective.history
        if self.retention.enabled and self._retention_task is None:
            self._retention_task = asyncio.create_task(self.retention.run())
            self._tasks.append(self._retention_task)
        # Read again whether or not the file names changed: a renewal rewrites the files.
        problem = self.reload_tls()
        if problem is not None:
            report.append(f"the TLS certificate was not reloaded, the old one stays: {problem}")
        elif self._tls is not None:
            report.append(f"TLS certificate in use: {self._tls.fingerprint}")
        if changes.live:
            report.append(f"configuration reloaded; now in effect: {', '.join(changes.live)}")
        else:
            report.append("configuration reloaded; no setting changed")
        if changes.restart:
            report.append(
                f"these changes need a restart and are not in effect: {', '.join(changes.restart)}"
            )
        return report

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            try:
                self.core.tick()
            except Exception:  # the ticker must survive anything a session does
                log.exception("error while checking timeouts")

    async def _probe_lag_forever(self) -> None:
        """Measure how late the loop wakes a sleeper: the time every client waits on top of
        its own work (a blocking call in a handler shows here first)."""
        loop = asyncio.get_running_loop()
        counters = self.core.deps.counters
        while True:
            start = loop.time()
            await asyncio.sleep(LAG_PROBE_SECONDS)
            counters.loop_lag_seconds = max(0.0, loop.time() - start - LAG_PROBE_SECONDS)

    async def stop(self, reason: str = "Server shutting down", grace: float = 5.0) -> None:
        """Stop accepting, tell every client ``ERROR :<reason>``, close, and wait for it."""
        for server in self._servers:
            server.close()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if isinstance(self.core, ReplicatedCore):
            # Only this node's connections go; the network carries on without them.
            await self.core.leave(reason)
        else:
            self.core.shutdown(reason)
        pending = [link.closed for link in self._links]
        if pending:
            _, late = await asyncio.wait(pending, timeout=grace)
            for link in list(self._links):
                if not link.closed.done():
                    link.abort()
            if late:
                await asyncio.wait(late, timeout=1.0)
        for server in self._servers:
            await server.wait_closed()
        # Everything relayed before the stop is stored before the store closes.
        await self.core.deps.history.stored()
        # The shutdown left every always-on user behind: saved as it is now with its
        # channels, for the restart.
        await self.effects.wait_idle()
        now = snapshot(self.core.network)
        await self.store.save_always_on_users(now.users, now.channels)
        await self.store.save_registered_channels(chanreg.snapshot(self.core.network))
        await self.effects.wait_idle()
        await self.store.close()
        self._stopped.set()
        log.info("server stopped")

    @property
    def stopped(self) -> bool:
        """Whether :meth:`stop` has finished."""
        return self._stopped.is_set()

    async def wait_stopped(self) -> None:
        """Wait until :meth:`stop` has finished."""
        await self._stopped.wait()

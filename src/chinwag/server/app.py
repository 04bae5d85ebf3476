"""The running server: listeners, the timeout ticker, and a graceful stop.

:class:`ChinwagServer` wires the sans-I/O :class:`~chinwag.server.core.ServerCore` to asyncio
TCP listeners (one per configured address). ``stop()`` sends every client
``ERROR :Server shutting down`` and waits, briefly, for the sockets to drain and close.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time

from chinwag.config import Config
from chinwag.server.core import ServerCore
from chinwag.server.effects import AsyncioEffects
from chinwag.storage.base import Store
from chinwag.storage.memory import MemoryStore
from chinwag.transport.tcp import Flusher, IrcConnection

log = logging.getLogger("chinwag.server")

TICK_SECONDS = 5.0
"""How often registration and PING timeouts are checked."""

PRUNE_SECONDS = 3600.0
"""How often old history is deleted, when ``[history]`` limits it."""


class ChinwagServer:
    """A chinwag server on its configured listeners; start with :meth:`start`.

    History goes to ``store``, which :meth:`stop` closes. The caller opens it (``chinwag
    serve`` opens the one ``config.storage`` names, with ``chinwag.storage.open_store``);
    without one the server keeps history in memory, so a server built in a test never
    touches the disk.
    """

    def __init__(self, config: Config, store: Store | None = None) -> None:
        self.config = config
        self.store: Store = store if store is not None else MemoryStore()
        self.effects = AsyncioEffects()
        self.core = ServerCore(config, store=self.store, effects=self.effects)
        self._servers: list[asyncio.Server] = []
        self._connections: set[IrcConnection] = set()
        self._ticker: asyncio.Task[None] | None = None
        self._pruner: asyncio.Task[None] | None = None
        self._stopped = asyncio.Event()

    @property
    def addresses(self) -> list[tuple[str, int]]:
        """Every (host, port) actually listened on; port 0 in the config becomes the real one."""
        found: list[tuple[str, int]] = []
        for server in self._servers:
            for sock in server.sockets:
                host, port = sock.getsockname()[:2]
                found.append((str(host), int(port)))
        return found

    async def start(self) -> None:
        """Load the accounts, open every listener and start the timeout ticker."""
        self.core.accounts.load(await self.store.accounts())
        loop = asyncio.get_running_loop()
        flusher = Flusher(loop)
        for listener in self.config.listeners:
            server = await loop.create_server(
                lambda: IrcConnection(self.core, self._connections, flusher),
                host=listener.host,
                port=listener.port,
                reuse_address=True,
                family=socket.AF_UNSPEC,
            )
            self._servers.append(server)
        self._ticker = asyncio.create_task(self._tick_forever())
        if self.config.history.max_age_days or self.config.history.max_per_target:
            self._pruner = asyncio.create_task(self._prune_forever())
        for host, port in self.addresses:
            log.debug("listening on %s:%d", host, port)

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            try:
                self.core.tick()
            except Exception:  # the ticker must survive anything a session does
                log.exception("error while checking timeouts")

    async def _prune_forever(self) -> None:
        """Apply the ``[history]`` retention at start, then every :data:`PRUNE_SECONDS`."""
        settings = self.config.history
        while True:
            older_than = time.time() - settings.max_age_days * 86400
            try:
                removed = await self.store.prune(
                    older_than=older_than if settings.max_age_days else None,
                    keep_per_target=settings.max_per_target or None,
                )
            except Exception:  # a store that fails now may work in an hour; keep serving
                log.exception("could not delete old history")
            else:
                if removed:
                    log.info("deleted %d messages of old history", removed)
            await asyncio.sleep(PRUNE_SECONDS)

    async def stop(self, reason: str = "Server shutting down", grace: float = 5.0) -> None:
        """Stop accepting, tell every client ``ERROR :<reason>``, close, and wait for it."""
        for server in self._servers:
            server.close()
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        if self._pruner is not None:
            self._pruner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pruner
        self.core.shutdown(reason)
        pending = [connection.closed for connection in list(self._connections)]
        if pending:
            _, late = await asyncio.wait(pending, timeout=grace)
            for connection in list(self._connections):
                if not connection.closed.done():
                    connection.abort()
            if late:
                await asyncio.wait(late, timeout=1.0)
        for server in self._servers:
            await server.wait_closed()
        # Everything relayed before the stop is stored before the store closes.
        while (writing := self.core.history_write()) is not None:
            await writing
            await asyncio.sleep(0)
        await self.effects.wait_idle()
        await self.store.close()
        self._stopped.set()
        log.info("server stopped")

    async def wait_stopped(self) -> None:
        """Wait until :meth:`stop` has finished."""
        await self._stopped.wait()

"""``chinwag serve``: open the store, start the server, say where it listens, run until told.

It binds the listeners before it opens (and perhaps migrates) the database, so a port in use
is said at once; prints every listener with its kind and, for each, what a friend types to
join (``chinwag chat``, irssi, WeeChat, HexChat, a browser) and the TLS certificate's
fingerprint to check; then runs until SIGINT or SIGTERM, re-reading the configuration on
SIGHUP (:meth:`chinwag.server.app.ChinwagServer.reload`).

As a worker of ``chinwag serve --workers N`` (:mod:`chinwag.workers`, which starts it with
``--worker-index``) it binds its ports shared (``SO_REUSEPORT``), tags its log lines with its
node name, writes its own log file, ends the listing with :data:`WORKER_READY` for the parent,
and stops when the parent goes (its standard input, a pipe from the parent, ends).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from chinwag import __version__
from chinwag.cluster import open_network_log
from chinwag.config import (
    Config,
    ConfigError,
    Listener,
    LogSettings,
    StorageSettings,
    cluster_problems,
    node_name,
)
from chinwag.lan import join_hints, tls_join_hints, web_hints
from chinwag.logs import configure_logging
from chinwag.server.app import (
    ChinwagServer,
    PortUnavailableError,
    bind_listeners,
    prepare_tls,
)
from chinwag.server.replication.node import ReplicatedCore
from chinwag.storage import open_store
from chinwag.storage.base import StoreError
from chinwag.storage.dsn import public_dsn

log = logging.getLogger("chinwag.server")

KIND_NAMES = {
    "tcp": "IRC",
    "tls": "IRC over TLS",
    "http": "web page",
    "https": "web page, TLS",
}
"""How the listing of ``chinwag serve`` names each listener kind."""

LOST_PLACE = "This server lost its place in the network; reconnect"
"""What a cluster node's users are told when the network declared it lost."""

EXIT_REJOIN = 75
"""The exit status of a cluster node the network declared lost (EX_TEMPFAIL): start it
again and it joins afresh."""

WORKER_READY = "chinwag: worker listening"
"""The line a worker prints on standard output once it listens, after the listing; the
parent of ``chinwag serve --workers`` waits for it."""


def serve(
    config: Config,
    reread: Callable[[], Config],
    log_level: str | None = None,
    worker: int | None = None,
) -> int:
    """Run the server of ``config`` until SIGINT or SIGTERM; the exit status.

    ``reread`` loads the configuration again the way it was loaded (file, environment,
    flags), for SIGHUP; ``log_level`` is the ``--log-level`` flag, which wins over
    ``[log] level``; ``worker`` is the index a worker of ``--workers`` was started with
    (``--worker-index``), ``None`` for a server on its own."""
    try:
        _configure_log(config, log_level, worker)
    except OSError as error:
        print(f"chinwag: cannot open the log file: {error}", file=sys.stderr)
        return 1
    with contextlib.suppress(ImportError):
        import uvloop  # type: ignore[import-not-found, unused-ignore]

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    try:
        asyncio.run(_run(config, reread, log_level, worker))
    except PortUnavailableError as error:
        print(f"chinwag: {port_problem(error)}", file=sys.stderr)
        return 1
    except StoreError as error:
        print(f"chinwag: cannot open the database: {error}", file=sys.stderr)
        return 1
    except ConfigError as error:  # found only at start, such as an unusable TLS certificate
        print(f"chinwag: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"chinwag: cannot listen: {error}", file=sys.stderr)
        return 1
    return 0


def port_problem(error: PortUnavailableError) -> str:
    """A sentence saying why a listener's port cannot be had, and what to do about it."""
    from chinwag.ports import port_holder

    where = f"{error.host}:{error.port}" if error.host else f"port {error.port}"
    other = error.port + 1 if error.port < 65535 else 6668
    if error.errno == errno.EADDRINUSE:
        holder = port_holder(error.port)
        who = (
            f"process {holder.pid} ({holder.name}) is listening there; stop it, or"
            if holder is not None
            else "another program (perhaps another chinwag serve) is listening there;"
        )
        return f"cannot listen on {where}: {who} start on another port with --port {other}."
    if error.errno == errno.EACCES and error.port < 1024:
        return (
            f"cannot listen on {where}: ports below 1024 need administrator rights; "
            f"start on another port with --port {6667 if error.port != 6667 else other}."
        )
    return f"cannot listen on {where}: {error.strerror}."


def where_history_is(storage: StorageSettings) -> str:
    """The sentence saying where history is kept (or that it is not)."""
    if storage.backend == "postgresql":
        return f"Chat history is kept in PostgreSQL at {public_dsn(storage.dsn or '')}"
    if storage.backend == "memory" or storage.path is None:
        return "Chat history is kept in memory only and is lost when the server stops."
    return f"Chat history is kept in {storage.path.absolute()}"


def listing(listening: list[tuple[Listener, str, int]], fingerprint: str | None) -> list[str]:
    """What ``chinwag serve`` prints once it listens: each listener, the certificate's
    fingerprint, and the join hints of each listener kind."""
    lines = [f"chinwag {__version__} is listening on:"]
    for listener, host, port in listening:
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        lines.append(f"  {KIND_NAMES[listener.kind]:<16} {address}")
    if fingerprint is not None:
        lines.append("The TLS certificate's fingerprint (a friend's client should show the same):")
        lines.append(f"  {fingerprint}")
    lines.append("Friends on the same network can join with:")
    # Encrypted first: what a friend should copy is the first thing they see.
    order = {"tls": 0, "http": 1, "https": 2, "tcp": 3}
    seen: set[tuple[str, str]] = set()
    hinted = False
    for listener, _host, port in sorted(listening, key=lambda each: order[each[0].kind]):
        if (listener.kind, listener.host) in seen:
            continue  # one block per kind and configured address, not per socket (v4 + v6)
        seen.add((listener.kind, listener.host))
        if listener.kind == "tcp":
            if hinted:
                lines.append("or, unencrypted:")
            lines.extend(join_hints(listener.host, port))
        elif listener.kind == "tls" and fingerprint is not None:
            lines.extend(tls_join_hints(listener.host, port, fingerprint))
        elif listener.web:
            lines.extend(web_hints(listener.host, port, listener.tls))
        hinted = True
    return lines


def worker_log_settings(settings: LogSettings, worker: int) -> LogSettings:
    """``[log]`` as worker ``worker`` uses it: its own file, ``-<worker>`` added to the
    name (``chinwag.log`` becomes ``chinwag-1.log``), since processes rotating one file
    would lose each other's lines."""
    if not settings.file:
        return settings
    path = Path(settings.file)
    return replace(settings, file=str(path.with_name(f"{path.stem}-{worker}{path.suffix}")))


def _configure_log(config: Config, log_level: str | None, worker: int | None) -> None:
    """Log as ``config`` says; a worker to its own file, each line tagged with its node."""
    if worker is None:
        configure_logging(config.log, log_level)
    else:
        settings = worker_log_settings(config.log, worker)
        configure_logging(settings, log_level, tag=node_name(config.cluster))


def _stop_when_parent_goes(stop: asyncio.Event) -> None:
    """Set ``stop`` once standard input (the parent's pipe) ends: the parent is gone, even
    if killed before it could say so, and a worker must not outlive it."""
    loop = asyncio.get_running_loop()

    def watch() -> None:
        # os.read, not sys.stdin: a thread blocked in a buffered read holds its lock, and
        # the interpreter cannot exit past it.
        with contextlib.suppress(OSError):
            while os.read(0, 4096):
                pass
        with contextlib.suppress(RuntimeError):  # the loop already closed: stopped anyway
            loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


async def _run(
    config: Config, reread: Callable[[], Config], log_level: str | None, worker: int | None
) -> None:
    # The ports first: a port in use must be said before the database is opened (and
    # perhaps migrated) for nothing.
    # And the certificate: one that cannot be read is said before the database too.
    problems = cluster_problems(config)
    if problems:
        raise ConfigError("; ".join(problems))
    bound = bind_listeners(config.listeners, reuse_port=worker is not None)
    try:
        tls = prepare_tls(config)
        store = await open_store(config.storage)
    except BaseException:
        for each in bound:
            each.sock.close()
        raise
    network_log = None
    if config.cluster.redis:
        network_log = open_network_log(config.cluster)
    server = ChinwagServer(config, store, tls=tls, network_log=network_log)
    try:
        await server.start(bound)
    except BaseException:
        await store.close()  # the server owns the store only once it has started
        raise
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows: no loop signal handlers
            signal.signal(signum, lambda *_: loop.call_soon_threadsafe(stop.set))
    hangup = getattr(signal, "SIGHUP", None)  # not on Windows
    if hangup is not None:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(hangup, _reload, server, reread, log_level, worker)
    # Everything made while starting (modules, the loaded accounts) lives as long as the
    # server: out of the collector's sight, a full collection no longer walks it all, which
    # measured 6 ms of a stalled loop each time at start-up size (a latency spike for every
    # message waiting behind it).
    gc.freeze()
    for line in listing(server.listening, server.tls_fingerprint):
        print(line, flush=True)
    print(where_history_is(config.storage), flush=True)
    if worker is None:
        print("Press Ctrl-C to stop.", flush=True)
    else:
        _stop_when_parent_goes(stop)
        print(WORKER_READY, flush=True)
    fenced = server.core.fenced if isinstance(server.core, ReplicatedCore) else None
    if fenced is None:
        await stop.wait()
    else:
        stopping: asyncio.Future[object] = asyncio.ensure_future(stop.wait())
        watched: list[asyncio.Future[object]] = [stopping, fenced]  # type: ignore[list-item]
        await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if fenced.done():
            # The network has gone on without this node (docs/scaling.md "Faults"): it
            # must not serve as if it had not. A supervisor (--workers, systemd) starts it
            # again, and it joins as a new node.
            await server.stop(LOST_PLACE)
            raise SystemExit(EXIT_REJOIN)
    log.info("shutting down")
    await server.stop()


def _reload(
    server: ChinwagServer,
    reread: Callable[[], Config],
    log_level: str | None,
    worker: int | None,
) -> None:
    """SIGHUP: read the configuration again and apply it; a broken file is reported and the
    running configuration kept."""
    log.info("SIGHUP: reading the configuration again")
    try:
        config = reread()
    except ConfigError as error:
        log.error("configuration not reloaded, the running one is kept: %s", error)
        return
    try:
        _configure_log(config, log_level, worker)
    except OSError as error:
        log.error("the log file is unchanged: cannot open the new one: %s", error)
    for sentence in server.reload(config):
        log.info("%s", sentence)

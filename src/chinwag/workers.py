"""``chinwag serve --workers N``: N processes of one server on this machine sharing its ports.

Each worker is ``chinwag serve`` itself, started again as ``python -m chinwag serve <the same
options> --worker-index i`` (a fresh interpreter, as safe on macOS as anywhere: nothing is
forked from a running event loop). Each binds every listener with ``SO_REUSEPORT`` so the
kernel spreads new connections over them, and is a node of the ``[cluster]`` named
``<node>-<i>`` (given to it as ``CHINWAG_CLUSTER_NODE``); Redis makes the N nodes one
network, which is why ``--workers`` needs ``[cluster] redis``.

The parent (:class:`Supervisor`) starts the workers one after another, each once the one
before listens, so first-start work (the cloak key, a self-signed certificate, the database
schema) is done by worker 0 alone; it shows worker 0's listing (once, not N times); passes
SIGTERM, SIGINT and SIGHUP on to every worker; starts a worker that died again, waiting
longer after each death in a row, but not one that stopped cleanly (exit status 0); and
exits when every worker has. A worker whose parent is gone (even killed with SIGKILL) stops
too: its standard input is a pipe from the parent, and its end means the parent is gone.

A port of 0 is refused: each worker would be given its own random port, and the workers
would not share one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Mapping, Sequence

from chinwag.config import Config, node_name
from chinwag.logs import configure_logging
from chinwag.server.app import PortUnavailableError, bind_listeners
from chinwag.serving import WORKER_READY, port_problem

log = logging.getLogger("chinwag.workers")

FIRST_RESTART_DELAY = 1.0
"""Seconds before a dead worker is started again; doubled after each death in a row."""

MAX_RESTART_DELAY = 30.0
"""The longest wait before starting a dead worker again."""

STEADY_SECONDS = 60.0
"""A worker that ran this long before dying is started again after the first delay: its
death is news, not the next of a crash loop."""

STOP_TIMEOUT = 30.0
"""Seconds workers have to stop after SIGTERM before they are killed."""

Process = asyncio.subprocess.Process


def workers_problem(config: Config, count: int, can_share_ports: bool | None = None) -> str | None:
    """Why ``config`` cannot run as ``count`` workers, in one sentence; ``None`` if it can.

    ``can_share_ports`` is whether this platform has ``SO_REUSEPORT`` (found out when left
    out)."""
    if count < 1:
        return f"--workers must be at least 1, got {count}"
    if count == 1:
        return None
    if not config.cluster.redis:
        return "--workers needs [cluster] redis: N separate servers would be N separate networks"
    if can_share_ports is None:
        can_share_ports = hasattr(socket, "SO_REUSEPORT")
    if not can_share_ports:
        return (
            f"--workers needs processes to share a port (SO_REUSEPORT), which this platform "
            f"({sys.platform}) cannot do; run one process per port, or one without --workers"
        )
    zero = [listener.kind for listener in config.listeners if listener.port == 0]
    if zero:
        return (
            f"--workers cannot share port 0 ({', '.join(zero)}): each worker would be given "
            "its own random port; give every listener a port"
        )
    return None


def run_workers(
    config: Config, count: int, serve_options: Sequence[str], log_level: str | None
) -> int:
    """Run ``count`` workers of ``chinwag serve <serve_options>`` until SIGINT or SIGTERM;
    the exit status. Check :func:`workers_problem` first."""
    base = node_name(config.cluster)
    try:
        configure_logging(config.log, log_level, tag=base)
    except OSError as error:
        print(f"chinwag: cannot open the log file: {error}", file=sys.stderr)
        return 1
    # Once, shared by nobody: a port some other program (or another --workers) holds is
    # said here, rather than silently shared with it or reported by every worker.
    try:
        for each in bind_listeners(config.listeners):
            each.sock.close()
    except PortUnavailableError as error:
        print(f"chinwag: {port_problem(error)}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"chinwag: cannot listen: {error}", file=sys.stderr)
        return 1

    def command(index: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "chinwag",
            "serve",
            *serve_options,
            "--worker-index",
            str(index),
        ]

    def environment(index: int) -> dict[str, str]:
        return {**os.environ, "CHINWAG_CLUSTER_NODE": f"{base}-{index}"}

    supervisor = Supervisor(count, command, environment)
    return asyncio.run(supervisor.run())


def _how_it_ended(code: int) -> str:
    """A worker's exit status in words."""
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-code).name}"
        return f"was killed by signal {-code}"
    return f"exited with status {code}"


class Supervisor:
    """The parent of ``count`` worker processes: starts them, passes signals on, starts a
    dead one again. ``command(i)`` and ``environment(i)`` say how to start worker ``i``;
    it prints :data:`~chinwag.serving.WORKER_READY` once it listens."""

    def __init__(
        self,
        count: int,
        command: Callable[[int], Sequence[str]],
        environment: Callable[[int], Mapping[str, str]],
    ) -> None:
        self.count = count
        self._command = command
        self._environment = environment
        self._processes: dict[int, Process] = {}
        self._stopping = asyncio.Event()

    async def run(self) -> int:
        """Start every worker, then watch them until all have stopped; the exit status:
        0, or a worker's status if it could not start (the others are then stopped)."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.stop, signum)
        loop.add_signal_handler(signal.SIGHUP, self._forward, signal.SIGHUP)
        keepers: list[asyncio.Task[None]] = []
        for index in range(self.count):
            if self._stopping.is_set():
                break
            process = await self._spawn(index)
            if not await self._until_ready(process, show=index == 0):
                code = await process.wait()
                if self._stopping.is_set():
                    break
                log.error("worker %d could not start: it %s", index, _how_it_ended(code))
                self.stop(signal.SIGTERM)
                await asyncio.gather(*keepers)
                return code if code > 0 else 1
            keepers.append(asyncio.create_task(self._keep(index, process)))
        if not self._stopping.is_set():
            pids = ", ".join(str(process.pid) for process in self._processes.values())
            print(f"{self.count} worker processes (pids {pids}) share these ports.", flush=True)
            print("Press Ctrl-C to stop.", flush=True)
        await asyncio.gather(*keepers)
        log.info("every worker has stopped")
        return 0

    def stop(self, signum: int) -> None:
        """Stop: pass ``signum`` (SIGTERM or SIGINT) to every worker, start none again, and
        kill any still running after :data:`STOP_TIMEOUT`."""
        if not self._stopping.is_set():
            log.info("%s: stopping %d worker(s)", signal.Signals(signum).name, len(self._live()))
            self._stopping.set()
            asyncio.get_running_loop().call_later(STOP_TIMEOUT, self._kill)
        self._forward(signum)

    def _forward(self, signum: int) -> None:
        for process in self._live():
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signum)

    def _kill(self) -> None:
        for process in self._live():
            log.warning("worker pid %d did not stop in time; killing it", process.pid)
            with contextlib.suppress(ProcessLookupError):
                process.kill()

    def _live(self) -> list[Process]:
        return [each for each in self._processes.values() if each.returncode is None]

    async def _spawn(self, index: int) -> Process:
        """Start worker ``index``; its standard input is a pipe from us that we never write
        to (it ends when we do), its standard error is ours."""
        process = await asyncio.create_subprocess_exec(
            *self._command(index),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=dict(self._environment(index)),
        )
        self._processes[index] = process
        if self._stopping.is_set():  # the stop came while it was being started
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
        log.debug("worker %d started, pid %d", index, process.pid)
        return process

    async def _until_ready(self, process: Process, show: bool) -> bool:
        """Read ``process``'s output until it listens (True) or ends (False), printing it
        on ours if ``show``: the listing, the join hints."""
        assert process.stdout is not None
        while line := await process.stdout.readline():
            text = line.decode(errors="replace").rstrip("\r\n")
            if text == WORKER_READY:
                return True
            if show:
                print(text, flush=True)
        return False

    async def _keep(self, index: int, process: Process) -> None:
        """Watch worker ``index`` until it stops for good: cleanly, or because we stop.
        One that died is started again, after a wait that doubles with each death in a row."""
        loop = asyncio.get_running_loop()
        delay = FIRST_RESTART_DELAY
        started = loop.time()
        restarted = False
        while True:
            if restarted and await self._until_ready(process, show=False):
                log.info("worker %d (pid %d) is listening again", index, process.pid)
            await self._until_ready(process, show=False)  # read on (nothing more) until it ends
            code = await process.wait()
            if self._stopping.is_set():
                return
            if code == 0:
                log.info("worker %d (pid %d) stopped; it is not started again", index, process.pid)
                return
            if loop.time() - started >= STEADY_SECONDS:
                delay = FIRST_RESTART_DELAY
            log.warning(
                "worker %d (pid %d) %s; starting it again in %g s",
                index,
                process.pid,
                _how_it_ended(code),
                delay,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
                return  # stopped while waiting
            delay = min(delay * 2, MAX_RESTART_DELAY)
            process = await self._spawn(index)
            started, restarted = loop.time(), True

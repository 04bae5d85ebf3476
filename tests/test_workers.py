"""``chinwag serve --workers N``: N real worker processes share the ports, the kernel spreads
connections over them, signals reach them all, a dead one is started again, none outlives
the parent; and where it cannot work the command says why instead of starting."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from chinwag.config import ClusterSettings, Config, Listener
from chinwag.workers import workers_problem
from tests.cluster.redis_service import delete_network, network_name
from tests.conftest import free_port
from tests.ircclient import IrcClient
from tests.serve import FAST_HASHING, serve_env
from tests.storage.postgres import fresh_dsn
from tests.test_serving import wait_for_text

shares_ports = pytest.mark.skipif(
    not hasattr(socket, "SO_REUSEPORT"), reason="no SO_REUSEPORT on this platform"
)

REDIS = ClusterSettings(redis="redis://127.0.0.1:6379")


@pytest.fixture(scope="module")
def redis_url() -> str:
    """The Redis of ``CHINWAG_TEST_REDIS``, which the workers' ``[cluster]`` names; skipped
    when unreachable, except under ``CI=true``, where that is a failure."""
    url = os.environ.get("CHINWAG_TEST_REDIS", "redis://127.0.0.1:6379")
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 2).close()
    except OSError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at CHINWAG_TEST_REDIS is unreachable: {error}")
        pytest.skip(f"needs Redis (CHINWAG_TEST_REDIS, default {url}): {error}")
    return url


@dataclass
class Workers:
    """A running ``chinwag serve --workers N``: its process, what it printed, its log."""

    process: asyncio.subprocess.Process
    stdout: list[str]
    stderr: Path
    port: int
    pids: list[int]

    async def log_has(self, text: str, timeout: float = 15) -> str:
        return await wait_for_text(self.stderr, text, timeout)


def alive(pid: int) -> bool:
    """Whether a process ``pid`` still exists (not yet reaped, at least)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def gone(pids: list[int], timeout: float = 15) -> bool:
    """Whether every process of ``pids`` ends within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


@contextlib.asynccontextmanager
async def workers(tmp_path: Path, redis: str, count: int = 2) -> AsyncIterator[Workers]:
    """``chinwag serve --workers count`` on a free loopback port, as node ``wk`` of a
    cluster of its own on ``redis`` (a random network name), its store a fresh PostgreSQL
    schema; it and its workers are killed at the end if still running, and the network's
    keys are deleted from Redis."""
    network = network_name()
    async with fresh_dsn() as dsn:
        config = tmp_path / "chinwag.toml"
        config.write_text(
            f'[cluster]\nredis = "{redis}"\nnode = "wk"\nnetwork = "{network}"\n'
            f'[storage]\nbackend = "postgresql"\ndsn = "{dsn}"\n[server]\nmotd = ["first"]\n'
        )
        try:
            async with _running(tmp_path, config, count) as running:
                yield running
        finally:
            await delete_network(redis, network)


@contextlib.asynccontextmanager
async def _running(tmp_path: Path, config: Path, count: int) -> AsyncIterator[Workers]:
    port = free_port()
    command = [sys.executable, "-m", "chinwag", "serve", "--config", str(config)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(count)]
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            env=serve_env(tmp_path, **FAST_HASHING),
            cwd=tmp_path,
        )
    running = Workers(process, [], stderr_path, port, [])
    try:
        assert process.stdout is not None
        while not running.stdout or "Press Ctrl-C" not in running.stdout[-1]:
            line = await asyncio.wait_for(process.stdout.readline(), 30)
            assert line, f"ended early: {running.stdout}; {stderr_path.read_text()}"
            running.stdout.append(line.decode().rstrip("\n"))
        found = re.search(r"\(pids ([\d, ]+)\)", "\n".join(running.stdout))
        assert found, running.stdout
        running.pids = [int(each) for each in found.group(1).split(", ")]
        yield running
    finally:
        await IrcClient.close_all()
        for pid in [*running.pids, process.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        await process.wait()


def served_by(log: str, nick: str) -> str:
    """The node whose log says ``nick`` connected."""
    found = re.search(rf"\[(wk-\d)\] {nick} connected from", log)
    assert found, f"nobody logged {nick} connecting: {log}"
    return found.group(1)


@shares_ports
async def test_both_workers_listen_on_the_one_port_and_the_listing_is_shown_once(
    tmp_path: Path, redis_url: str
) -> None:
    async with workers(tmp_path, redis_url) as running:
        assert len(running.pids) == 2 and running.process.pid not in running.pids
        assert sum("is listening on:" in line for line in running.stdout) == 1
        assert f"  IRC              127.0.0.1:{running.port}" in running.stdout

        nicks = [f"user{index}" for index in range(40)]
        await asyncio.gather(
            *(IrcClient.registered(("127.0.0.1", running.port), nick) for nick in nicks)
        )
        await running.log_has(f"{nicks[-1]} connected")
        await running.log_has(f"{nicks[0]} connected")
        log = running.stderr.read_text()

        nodes = {served_by(log, nick) for nick in nicks}
        assert nodes == {"wk-0", "wk-1"}, "the kernel spread the 40 connections over both"


@shares_ports
async def test_sighup_reaches_every_worker_and_sigterm_stops_them_all(
    tmp_path: Path, redis_url: str
) -> None:
    async with workers(tmp_path, redis_url) as running:
        running.process.send_signal(signal.SIGHUP)
        await running.log_has("[wk-0] SIGHUP: reading the configuration again")
        await running.log_has("[wk-1] SIGHUP: reading the configuration again")

        running.process.send_signal(signal.SIGTERM)

        assert await asyncio.wait_for(running.process.wait(), 30) == 0
        assert await gone(running.pids), "no worker outlives the parent"
        log = running.stderr.read_text()
        assert "[wk-0] server stopped" in log and "[wk-1] server stopped" in log
        assert "[wk] every worker has stopped" in log
        assert "starting it again" not in log


@shares_ports
async def test_a_killed_worker_is_started_again_and_the_port_keeps_serving(
    tmp_path: Path, redis_url: str
) -> None:
    async with workers(tmp_path, redis_url) as running:
        killed = running.pids[1]
        os.kill(killed, signal.SIGKILL)

        await running.log_has(
            f"worker 1 (pid {killed}) was killed by SIGKILL; starting it again in 1 s"
        )
        log = await running.log_has("is listening again")
        found = re.search(r"worker 1 \(pid (\d+)\) is listening again", log)
        assert found and int(found.group(1)) != killed
        assert alive(int(found.group(1))) and alive(running.pids[0])

        nicks = [f"again{index}" for index in range(30)]
        await asyncio.gather(
            *(IrcClient.registered(("127.0.0.1", running.port), nick) for nick in nicks)
        )
        await running.log_has(f"{nicks[-1]} connected")
        await running.log_has(f"{nicks[0]} connected")
        log = running.stderr.read_text()
        assert {served_by(log, nick) for nick in nicks} == {"wk-0", "wk-1"}


@shares_ports
async def test_a_worker_stopped_cleanly_is_not_started_again(
    tmp_path: Path, redis_url: str
) -> None:
    async with workers(tmp_path, redis_url) as running:
        stopped = running.pids[1]
        os.kill(stopped, signal.SIGTERM)

        await running.log_has(f"worker 1 (pid {stopped}) stopped; it is not started again")
        assert await gone([stopped])
        await IrcClient.registered(("127.0.0.1", running.port), "still")  # worker 0 serves
        assert "starting it again" not in running.stderr.read_text()


@shares_ports
async def test_workers_stop_when_their_parent_is_killed(tmp_path: Path, redis_url: str) -> None:
    async with workers(tmp_path, redis_url) as running:
        running.process.kill()
        await running.process.wait()

        assert await gone(running.pids), "a worker must not outlive its parent"


def run_chinwag(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chinwag", *args],
        capture_output=True,
        text=True,
        env=serve_env(tmp_path),
        cwd=tmp_path,
        timeout=30,
        check=False,
    )


def test_workers_without_a_cluster_are_refused_with_the_reason(tmp_path: Path) -> None:
    port = str(free_port())
    result = run_chinwag(tmp_path, "serve", "--host", "127.0.0.1", "--port", port, "--workers", "2")

    assert result.returncode == 2
    assert result.stderr == (
        "chinwag: --workers needs [cluster] redis: "
        "N separate servers would be N separate networks\n"
    )
    assert result.stdout == ""


@shares_ports
def test_a_port_someone_holds_is_said_once_before_any_worker_starts(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = str(holder.getsockname()[1])
        env = {"CHINWAG_CLUSTER_REDIS": REDIS.redis, "CHINWAG_HOST": "127.0.0.1"}
        result = subprocess.run(
            [sys.executable, "-m", "chinwag", "serve", "--port", port, "--workers", "2"],
            capture_output=True,
            text=True,
            env=serve_env(tmp_path, **env),
            cwd=tmp_path,
            timeout=30,
            check=False,
        )

    assert result.returncode == 1
    assert result.stderr.count(f"cannot listen on 127.0.0.1:{port}") == 1
    assert "worker" not in result.stdout


def test_one_worker_is_the_server_on_its_own_and_needs_no_cluster() -> None:
    assert workers_problem(Config(), 1) is None


def test_zero_workers_is_refused() -> None:
    assert (
        workers_problem(Config(cluster=REDIS), 0, can_share_ports=True)
        == "--workers must be at least 1, got 0"
    )


def test_a_platform_that_cannot_share_a_port_is_named() -> None:
    problem = workers_problem(Config(cluster=REDIS), 2, can_share_ports=False)
    assert problem is not None
    assert problem.startswith(
        f"--workers needs processes to share a port (SO_REUSEPORT), "
        f"which this platform ({sys.platform}) cannot do"
    )


def test_port_zero_cannot_be_shared() -> None:
    config = Config(
        cluster=REDIS, listeners=(Listener("127.0.0.1", 6667), Listener("127.0.0.1", 0, "http"))
    )
    assert workers_problem(config, 2, can_share_ports=True) == (
        "--workers cannot share port 0 (http): each worker would be given its own random "
        "port; give every listener a port"
    )
    one_port = Config(cluster=REDIS, listeners=config.listeners[:1])
    assert workers_problem(one_port, 2, can_share_ports=True) is None

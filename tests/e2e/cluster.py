"""Real ``chinwag serve`` node processes making one network over Redis and PostgreSQL, for
the cluster's fault tests (issue 18 "Tests").

:func:`cluster` writes one configuration (``[cluster] redis`` with a network name of the
test's own and a short lease, ``[storage] backend = "postgresql"`` with the DSN given) and
:meth:`Cluster.start` runs a node on a free loopback port, returning once it listens. Every
node still running at the end is killed. :func:`private_redis` is a Redis of one test's own,
with an append-only file fsynced on every write, that the test may stop and start (the
shared one must never be restarted).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from irctokens.line import Line

from tests.cluster.redis_service import delete_network, network_name, unavailable
from tests.conftest import free_port
from tests.ircclient import Address, IrcClient, is_
from tests.serve import FAST_HASHING, serve_env

LEASE = 2.0
"""Seconds of each node's lease: short, so a killed node is declared lost quickly."""

CHAT_CAPS = "echo-message message-tags server-time batch draft/chathistory"
"""What the tests' clients ask for: their own messages echoed with msgids, and history."""

PASSWORD = "cluster-password-1"


@dataclass
class Node:
    """One running ``chinwag serve`` node: its process, port, stdout and log."""

    name: str
    process: asyncio.subprocess.Process
    port: int
    stderr: Path
    stdout: list[str] = field(default_factory=list)
    workers: list[int] = field(default_factory=list)
    """The worker processes' pids, when started with ``workers``."""

    @property
    def address(self) -> Address:
        """Where the node's IRC listener is."""
        return ("127.0.0.1", self.port)

    def log(self) -> str:
        """Everything the node logged so far."""
        return self.stderr.read_text(errors="replace")

    async def kill(self) -> None:
        """SIGKILL: the node gets no chance to leave or to tell anyone."""
        for pid in [self.process.pid, *self.workers]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        await self.process.wait()


@dataclass
class Cluster:
    """A network's configuration and the nodes started with it (:func:`cluster`)."""

    tmp_path: Path
    config: Path
    redis: str
    network: str
    nodes: list[Node] = field(default_factory=list)

    async def start(self, name: str, *, workers: int = 0, timeout: float = 30) -> Node:
        """Start node ``name`` on a free port; return once it listens (it has joined the
        network and caught up with its log by then). With ``workers``, it is ``chinwag serve
        --workers`` running that many nodes ``<name>-<i>`` on the one port."""
        port = free_port()
        command = [sys.executable, "-m", "chinwag", "serve", "--config", str(self.config)]
        command += ["--host", "127.0.0.1", "--port", str(port)]
        if workers:
            command += ["--workers", str(workers)]
        home = self.tmp_path / name
        home.mkdir(exist_ok=True)
        stderr_path = home / "stderr.txt"
        env = serve_env(home, CHINWAG_CLUSTER_NODE=name, **FAST_HASHING)
        with stderr_path.open("wb") as stderr:
            process = await asyncio.create_subprocess_exec(
                *command,
                stdout=asyncio.subprocess.PIPE,
                stderr=stderr,
                stdin=asyncio.subprocess.DEVNULL,
                env=env,
                cwd=home,
            )
        node = Node(name, process, port, stderr_path)
        self.nodes.append(node)
        assert process.stdout is not None
        async with asyncio.timeout(timeout):
            while not any("Press Ctrl-C" in line for line in node.stdout):
                line = await process.stdout.readline()
                assert line, f"node {name} ended early: {node.stdout}; {node.log()}"
                node.stdout.append(line.decode().rstrip("\n"))
        found = re.search(r"\(pids ([\d, ]+)\)", "\n".join(node.stdout))
        if found:
            node.workers = [int(each) for each in found.group(1).split(", ")]
        return node

    async def kill_all(self) -> None:
        """SIGKILL every node started (those still running)."""
        for node in self.nodes:
            await node.kill()


def config_text(redis: str, network: str, dsn: str, lease: float = LEASE) -> str:
    """The configuration every node of a test network shares."""
    return (
        '[server]\nname = "irc.cluster.test"\ncloak_secret = "cluster test cloak"\n'
        f'[cluster]\nredis = "{redis}"\nnetwork = "{network}"\nlease = {lease}\n'
        f'[storage]\nbackend = "postgresql"\ndsn = "{dsn}"\n'
        # The tests pour lines in as fast as sockets take them: flood control would hold them.
        "[limits]\nfakelag = false\n"
        # CHATHISTORY returns all a test said in one batch.
        "[history]\nchathistory_limit = 2000\n"
    )


@contextlib.asynccontextmanager
async def cluster(tmp_path: Path, redis: str, dsn: str) -> AsyncIterator[Cluster]:
    """A network of its own on ``redis`` (a fresh network name) storing in ``dsn``; its
    nodes are killed and its keys deleted at the end."""
    network = network_name()
    config = tmp_path / "cluster.toml"
    config.write_text(config_text(redis, network, dsn))
    running = Cluster(tmp_path, config, redis, network)
    try:
        yield running
    finally:
        await IrcClient.close_all()
        await running.kill_all()
        with contextlib.suppress(Exception):  # a private Redis may be stopped already
            await delete_network(redis, network)


# -- a private Redis ------------------------------------------------------------------


class PrivateRedis:
    """A ``redis-server`` of one test's own on a free port, its data (an append-only file,
    fsynced on every write: nothing acknowledged is lost in a restart) in a temporary
    directory; :meth:`stop` and :meth:`start` restart it."""

    def __init__(self, home: Path, port: int) -> None:
        self.home = home
        self.port = port
        self.url = f"redis://127.0.0.1:{port}"
        self._process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        """Start the server and return once it answers."""
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "yes", "--appendfsync", "always"]
        command += ["--dir", str(self.home), "--logfile", str(self.home / "redis.log")]
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        from redis.asyncio import Redis
        from redis.exceptions import RedisError

        client = Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=1)
        try:
            async with asyncio.timeout(15):
                while True:
                    try:
                        if await client.ping():
                            return
                    except (RedisError, OSError):
                        await asyncio.sleep(0.05)
        finally:
            await client.aclose()

    async def stop(self) -> None:
        """Stop it the way an operator restarting it would (SIGTERM: it writes what it
        holds and exits)."""
        if self._process is not None:
            self._process.terminate()
            await asyncio.to_thread(self._process.wait, 15)
            self._process = None


@contextlib.asynccontextmanager
async def private_redis() -> AsyncIterator[PrivateRedis]:
    """A started :class:`PrivateRedis`, stopped and deleted at the end; the test is skipped
    (failed under ``CI=true``) without ``redis-server``."""
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed: a private Redis cannot be started")
    home = Path(tempfile.mkdtemp(prefix="chinwag-redis-"))
    server = PrivateRedis(home, free_port())
    try:
        await server.start()
        yield server
    finally:
        await server.stop()
        shutil.rmtree(home, ignore_errors=True)


# -- clients ---------------------------------------------------------------------------


async def chat_client(address: Address, nick: str, caps: str = CHAT_CAPS) -> IrcClient:
    """A client registered as ``nick`` with ``caps`` enabled."""
    client = await IrcClient.connect(address)
    await client.send("CAP", "REQ", caps)
    await client.expect(is_("CAP", "*", "ACK"))
    await client.send("CAP", "END")
    await client.register(nick)
    return client


async def synced(client: IrcClient, timeout: float = 10) -> None:
    """Wait until every node has applied what ``client`` sent so far (the PONG comes after
    the log ordered everything before it)."""
    token = base64.b32encode(os.urandom(5)).decode()
    await client.send("PING", token)
    await client.expect(lambda line: line.command == "PONG" and line.params[-1] == token, timeout)


def said(client: IrcClient, target: str) -> list[Line]:
    """The PRIVMSGs to ``target`` that ``client`` received so far (echoes of its own too)."""
    return [
        line for line in client.received if line.command == "PRIVMSG" and line.params[0] == target
    ]


def texts(lines: list[Line]) -> list[str]:
    """The text of each message of ``lines``."""
    return [line.params[-1] for line in lines]


def echoes(client: IrcClient, target: str) -> list[Line]:
    """The echoes of ``client``'s own messages to ``target`` received so far."""
    return [
        line
        for line in said(client, target)
        if line.hostmask is not None and line.hostmask.nickname == client.nick
    ]


async def history(client: IrcClient, target: str, limit: int = 1000) -> list[Line]:
    """The messages to ``target`` that ``CHATHISTORY LATEST`` returns, oldest first."""
    await client.send("CHATHISTORY", "LATEST", target, "*", str(limit))
    start = await client.expect(
        lambda line: line.command == "BATCH" and line.params[1:2] == ["chathistory"], 10
    )
    reference = start.params[0].lstrip("+")
    found: list[Line] = []
    while True:
        line = await client.expect(lambda line: line.tags is not None or line.command == "BATCH")
        if line.command == "BATCH" and line.params == [f"-{reference}"]:
            return found
        if line.command == "PRIVMSG" and (line.tags or {}).get("batch") == reference:
            found.append(line)

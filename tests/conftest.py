"""Fixtures shared by the whole suite: a real chinwag server on a loopback port.

Every test of :data:`TWO_NODE_FOLDERS` that uses :func:`make_server` (or :func:`server`, or
tests/security's ``start_server``) runs twice (issue 18): on one node (``one-node``), and on
a network of two nodes with its clients spread over them (``two-nodes``,
:mod:`tests.twonodes`), whose teardown fails the test if the nodes' states differ. A test
about one process alone says so with ``@pytest.mark.one_node(reason=...)`` and runs once,
on one node.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chinwag.config import AccountSettings, Config, Limits, Listener, Operator, ServerInfo
from chinwag.server.app import ChinwagServer
from chinwag.server.services.cloaks import cloak_host
from chinwag.storage.base import Store
from chinwag.storage.memory import MemoryStore
from tests.cluster.redis_service import REDIS_URL, reachable_redis
from tests.ircclient import IrcClient
from tests.twonodes import TwoNodes

FAST_ACCOUNTS = AccountSettings(argon2_time_cost=1, argon2_memory_kib=64, argon2_parallelism=1)
"""Account settings whose argon2 hashing takes a millisecond, not a tenth of a second."""


TEST_CLOAK_SECRET = "test cloak secret"
"""The cloak secret of :func:`test_config`, so tests can name the host others see."""

LOOPBACK_CLOAK = cloak_host("127.0.0.1", TEST_CLOAK_SECRET.encode())
"""The host shown for a test client on 127.0.0.1 (host cloaking is on by default)."""


def test_config(
    port: int = 0,
    accounts: AccountSettings = FAST_ACCOUNTS,
    operators: tuple[Operator, ...] = (),
    **limits: object,
) -> Config:
    """A configuration for tests: loopback, ``port`` (0: chosen by the OS), quick password
    hashing, the given operator blocks and limits. Fakelag is off unless ``fakelag=True``:
    many tests pour lines in as fast as a socket takes them to test something else
    (tests/transport/test_fakelag.py tests it)."""
    limits.setdefault("fakelag", False)
    return Config(
        server=ServerInfo(name="irc.test", network="TestNet", cloak_secret=TEST_CLOAK_SECRET),
        limits=Limits(**limits),  # type: ignore[arg-type]
        listeners=(Listener("127.0.0.1", port),),
        accounts=accounts,
        operators=operators,
    )


test_config.__test__ = False  # type: ignore[attr-defined]  # a helper that tests import


def free_port() -> int:
    """A loopback port nobody listens on: bound by the OS, then let go."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "one_node(reason): the test is about one server process alone; it runs on one node "
        "only, not also on two (issue 18)",
    )
    config.addinivalue_line(
        "markers",
        "on_redis: also run on two nodes whose log is on Redis (two-nodes-redis), the "
        "deployment's log, beside the in-process one",
    )


TWO_NODE_FOLDERS = ("server", "transport", "security", "client")
"""The folders of tests/ whose server tests also run on two nodes: the server's behaviour
as clients meet it. The interfaces' tests (tui, gui, web, e2e) are about drawing it, take
seconds each, and run on one node only, to keep the suite's time down."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test of :data:`TWO_NODE_FOLDERS` that starts a server on one node and on
    two, unless marked ``one_node`` (whose reason is then required)."""
    if "nodes" not in metafunc.fixturenames:
        return
    folder = Path(metafunc.definition.path).relative_to(Path(__file__).parent).parts[0]
    if folder not in TWO_NODE_FOLDERS:
        return
    marker = metafunc.definition.get_closest_marker("one_node")
    if marker is not None:
        if not marker.kwargs.get("reason"):
            raise pytest.UsageError(f"{metafunc.definition.nodeid}: one_node needs a reason=")
        return
    runs = [pytest.param(1, id="one-node"), pytest.param(2, id="two-nodes")]
    if metafunc.definition.get_closest_marker("on_redis") is not None:
        runs.append(pytest.param(REDIS_NODES, id="two-nodes-redis"))
    metafunc.parametrize("nodes", runs, indirect=True)


REDIS_NODES = -2
"""The ``nodes`` of the ``two-nodes-redis`` run: two nodes whose log is on Redis."""


@pytest.fixture
async def nodes(request: pytest.FixtureRequest) -> int:
    """How many nodes the test's server is: 1, 2 for the ``two-nodes`` run, or
    :data:`REDIS_NODES` (the test's Redis answered; skipped, or failed under CI, if not)."""
    count = int(getattr(request, "param", 1))
    if count == REDIS_NODES:
        await reachable_redis()
    return count


async def start_server_on(
    nodes: int, config: Config, store: Store, clock: Callable[[], float] = time.monotonic
) -> ChinwagServer:
    """A started server of ``config`` over ``store``: one :class:`ChinwagServer` on
    ``clock``, or (``nodes == 2``) a :class:`~tests.twonodes.TwoNodes` standing in for one,
    whose network clock is the wall clock moved on as ``clock`` is."""
    port = config.listeners[0].port
    if nodes == 1:
        running = ChinwagServer(config, store, clock)
        await running.start()
        return running
    network_clock: Callable[[], float] = time.time
    if clock is not time.monotonic:
        # A test's stepped clock stands still but for its advances: the network's runs on
        # the wall clock plus those advances.
        started_at = clock()
        network_clock = lambda: time.time() + clock() - started_at  # noqa: E731
    if nodes == REDIS_NODES and clock is not time.monotonic:
        raise ValueError("a log on Redis runs on Redis's clock, which no test can step")
    redis = REDIS_URL if nodes == REDIS_NODES else None
    two: Any = await TwoNodes.start(config, store, port, clock=network_clock, redis=redis)
    return two  # stands in for a ChinwagServer


async def stop_all(started: list[ChinwagServer]) -> None:
    """Stop every server a fixture started that is still running; on two nodes, first
    check that they agree (a difference fails the test with it)."""
    for running in started:
        if running.stopped:
            continue
        if isinstance(running, TwoNodes):
            try:
                await running.settled()
            finally:
                await running.stop(grace=1.0)
        else:
            await running.stop(grace=1.0)


ServerFactory = Callable[..., Awaitable[ChinwagServer]]
"""``await make_server(sendq=20_000)``: a started server with the given limits;
``make_server(port=p)`` listens on ``p`` (to stop a server and start another there)."""


@pytest.fixture
async def make_server(nodes: int) -> AsyncIterator[ServerFactory]:
    """A factory for started servers with custom limits (on one node or two, see the module
    docstring); each is stopped after the test."""
    started: list[ChinwagServer] = []

    async def make(port: int = 0, **limits: object) -> ChinwagServer:
        running = await start_server_on(nodes, test_config(port, **limits), MemoryStore())
        started.append(running)
        return running

    yield make
    try:
        await stop_all(started)
    finally:
        await IrcClient.close_all()


@pytest.fixture
async def server(make_server: ServerFactory) -> ChinwagServer:
    """A started server on 127.0.0.1 and a free port; stopped after the test."""
    return await make_server()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate and key for TLS connections to ``localhost`` (made with the
    openssl command, which ./dev test installs; missing under CI is a failure)."""
    if shutil.which("openssl") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the openssl command is missing (./dev test installs it)")
        pytest.skip("needs the openssl command (./dev test installs it)")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def restore_root_logger() -> Iterator[None]:
    """The root logger as it was before the test: ``chinwag serve`` (and
    :func:`chinwag.logs.configure_logging`) set it up for their process, and in the test
    process the next test must not write to this one's handlers or captured streams."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)

"""Fixtures shared by the whole suite: a real chinwag server on a loopback port."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from chinwag.config import AccountSettings, Config, Limits, Listener, Operator, ServerInfo
from chinwag.server.app import ChinwagServer
from chinwag.server.services.cloaks import cloak_host
from chinwag.storage.memory import MemoryStore
from tests.ircclient import IrcClient

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


ServerFactory = Callable[..., Awaitable[ChinwagServer]]
"""``await make_server(sendq=20_000)``: a started server with the given limits;
``make_server(port=p)`` listens on ``p`` (to stop a server and start another there)."""


@pytest.fixture
async def make_server() -> AsyncIterator[ServerFactory]:
    """A factory for started servers with custom limits; each is stopped after the test."""
    started: list[ChinwagServer] = []

    async def make(port: int = 0, **limits: object) -> ChinwagServer:
        running = ChinwagServer(test_config(port, **limits), MemoryStore())
        await running.start()
        started.append(running)
        return running

    yield make
    for running in started:
        await running.stop(grace=1.0)
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

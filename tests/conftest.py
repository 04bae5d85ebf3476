"""Fixtures shared by the whole suite: a real chinwag server on a loopback port."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from chinwag.config import AccountSettings, Config, Limits, Listener, ServerInfo
from chinwag.server.app import ChinwagServer
from chinwag.storage.memory import MemoryStore
from tests.ircclient import IrcClient

FAST_ACCOUNTS = AccountSettings(argon2_time_cost=1, argon2_memory_kib=64, argon2_parallelism=1)
"""Account settings whose argon2 hashing takes a millisecond, not a tenth of a second."""


def test_config(
    port: int = 0, accounts: AccountSettings = FAST_ACCOUNTS, **limits: object
) -> Config:
    """A configuration for tests: loopback, ``port`` (0: chosen by the OS), quick password
    hashing, the given limits."""
    return Config(
        server=ServerInfo(name="irc.test", network="TestNet"),
        limits=Limits(**limits),  # type: ignore[arg-type]
        listeners=(Listener("127.0.0.1", port),),
        accounts=accounts,
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

"""Fixtures shared by the whole suite: a real chinwag server on a loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from chinwag.config import Config, Limits, Listener, ServerInfo
from chinwag.server.app import ChinwagServer
from tests.ircclient import IrcClient


def test_config(**limits: object) -> Config:
    """A configuration for tests: loopback, an OS-chosen port, the given limits."""
    return Config(
        server=ServerInfo(name="irc.test", network="TestNet"),
        limits=Limits(**limits),  # type: ignore[arg-type]
        listeners=(Listener("127.0.0.1", 0),),
    )


test_config.__test__ = False  # type: ignore[attr-defined]  # a helper that tests import


ServerFactory = Callable[..., Awaitable[ChinwagServer]]
"""``await make_server(sendq=20_000)``: a started server with the given limits."""


@pytest.fixture
async def make_server() -> AsyncIterator[ServerFactory]:
    """A factory for started servers with custom limits; each is stopped after the test."""
    started: list[ChinwagServer] = []

    async def make(**limits: object) -> ChinwagServer:
        running = ChinwagServer(test_config(**limits))
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

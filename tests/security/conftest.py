"""A server as an attacker meets it: real sockets, accounts, SQLite history, chathistory on.

Each test in this folder plays an attacker with raw clients and asserts two things: the
attacker gets nothing, and the rightful owner still gets everything (so a test cannot pass
because nothing works at all).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest

from chinwag.server.app import ChinwagServer
from chinwag.storage.sqlite import SqliteStore
from tests.conftest import FAST_ACCOUNTS, start_server_on, stop_all, test_config
from tests.ircclient import IrcClient

NOT_ALWAYS_ON = replace(FAST_ACCOUNTS, always_on="opt-in")
"""``accounts=`` for a test whose subject is an account's owner who is gone: with always-on
(the default, issue 16) a logged-in user whose last connection ends stays, and its nick and
rooms with it; here it quits as before. Such a test has its always-on counterpart beside it."""

SecureFactory = Callable[..., Awaitable[ChinwagServer]]
"""``await start_server(**settings)``: a started server over the test's SQLite file, with what
:func:`tests.conftest.test_config` takes (``accounts=``, ``operators=``, limits). Calling it
again after ``await server.stop()`` is a restart: same file, same port."""


class SteppedClock:
    """The servers' monotonic clock, which a test moves on with :meth:`advance` instead of
    sleeping until a deadline (nick protection, attempt windows) has passed."""

    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass."""
        self.now += seconds


@pytest.fixture
def clock() -> SteppedClock:
    """The clock of every server :func:`start_server` starts in this test."""
    return SteppedClock()


@pytest.fixture
async def start_server(
    tmp_path: Path, clock: SteppedClock, nodes: int
) -> AsyncIterator[SecureFactory]:
    """Start (or restart) a server with SQLite history in ``tmp_path``, on ``clock`` (one
    node, or two: see tests/conftest.py); stopped after the test."""
    started: list[ChinwagServer] = []
    database = tmp_path / "chinwag.db"
    ports: list[int] = []

    async def start(port: int = 0, **limits: object) -> ChinwagServer:
        if ports and port == 0:
            port = ports[-1]
        store = await SqliteStore.open(database)
        running = await start_server_on(nodes, test_config(port, **limits), store, clock)
        started.append(running)
        ports.append(running.addresses[0][1])
        return running

    yield start
    try:
        await stop_all(started)
    finally:
        await IrcClient.close_all()

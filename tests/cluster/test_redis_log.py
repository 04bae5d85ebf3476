"""The Redis log when its server stops answering, stops, and comes back empty.

Each test runs its own redis-server (no persistence) on a free port in a temporary directory,
so it can pause and stop it without touching the shared one.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from chinwag.cluster.base import EpochLost, LogUnavailable
from chinwag.cluster.redis import RedisLog
from tests.cluster.redis_service import unavailable
from tests.conftest import free_port
from tests.waiting import until

TIMEOUT = 0.5
"""The RedisLog's round-trip bound in these tests: an unanswered call fails after this."""


class PrivateRedis:
    """A redis-server of this test alone, which keeps nothing across a restart."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            unavailable("redis-server is not installed")
        self.process = subprocess.Popen(
            [
                *(server, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
        )
        await until(self._answers, f"redis-server on port {self.port}")

    async def _answers(self) -> bool:
        from redis.asyncio import Redis
        from redis.exceptions import RedisError

        client = Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(await client.ping())
        except (RedisError, OSError):
            return False
        finally:
            await client.aclose()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def signal(self, number: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(number)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    yield server
    if server.process is not None:
        server.signal(signal.SIGCONT)
    server.stop()


@pytest.fixture
async def log(private_redis: PrivateRedis) -> AsyncIterator[RedisLog]:
    await private_redis.start()
    made = RedisLog(private_redis.url, "private", "a", lease=10.0, timeout=TIMEOUT)
    yield made
    await made.close()


async def test_a_paused_server_makes_every_call_fail_in_bounded_time(
    private_redis: PrivateRedis, log: RedisLog
) -> None:
    await log.join()
    await log.append([b"before"])
    (before,) = await log.read("0", block=0)
    private_redis.signal(signal.SIGSTOP)
    for call, bound in [
        (log.append([b"unanswered"]), TIMEOUT),
        (log.renew(), TIMEOUT),
        (log.read(before.id, block=0.2), 0.2 + TIMEOUT),
    ]:
        started = time.monotonic()
        with pytest.raises(LogUnavailable):
            await asyncio.wait_for(call, 10)
        assert time.monotonic() - started < bound + 1.0
    private_redis.signal(signal.SIGCONT)
    await log.append([b"after"])  # a new connection
    assert [entry.data for entry in await log.read(before.id, block=1.0)][-1:] == [b"after"]


async def test_a_restarted_empty_server_is_reached_again_and_shows_a_new_epoch(
    private_redis: PrivateRedis, log: RedisLog
) -> None:
    first = await log.join()
    assert first.created
    await log.append([b"old"])
    (old,) = await log.read("0", block=0)
    private_redis.stop()
    for call in (log.append([b"lost"]), log.read(old.id, block=0.2), log.renew()):
        with pytest.raises(LogUnavailable):
            await asyncio.wait_for(call, 10)
    await private_redis.start()
    with pytest.raises(EpochLost):
        await log.renew()  # how a node learns the log it built its state from is gone
    second = await log.join()
    assert second.created and second.epoch != first.epoch
    await log.append([b"new"])
    assert [entry.data for entry in await log.read("0", block=1.0)] == [b"new"]


async def test_a_server_restarted_from_an_older_save_is_a_lost_epoch_not_a_shorter_log(
    private_redis: PrivateRedis, log: RedisLog
) -> None:
    await log.join()
    await log.append([b"saved"])
    from redis.asyncio import Redis

    admin = Redis(port=private_redis.port)
    await admin.save()  # what a Redis restarted from this save will hold
    await admin.aclose()
    await log.append([b"read, then lost with the restart"])
    entries = await log.read("0", block=0)
    assert [entry.data for entry in entries] == [b"saved", b"read, then lost with the restart"]
    private_redis.stop()
    await private_redis.start()  # loads the save: the epoch is there, the last entry is not
    with pytest.raises(LogUnavailable):
        await log.read(entries[-1].id, block=0.1)  # the old connection broke
    with pytest.raises(EpochLost):
        await log.read(entries[-1].id, block=0.1)

"""Where the Redis tests find a server: ``CHINWAG_TEST_REDIS`` (default the local one).

An unreachable server skips the test with the reason, except under ``CI=true``, where it fails:
CI provides Redis, so a skip there would hide a broken setup.
"""

from __future__ import annotations

import os
import secrets

import pytest

REDIS_URL = os.environ.get("CHINWAG_TEST_REDIS", "redis://127.0.0.1:6379")


def unavailable(reason: str) -> None:
    """Skip the test for ``reason``, or fail it under CI."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the service must be there)")
    pytest.skip(reason)


async def reachable_redis() -> str:
    """The test Redis' URL, once it answered a PING; skips (fails under CI) otherwise."""
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        await client.ping()
    except (RedisError, OSError) as error:
        unavailable(f"no Redis at {REDIS_URL} ({error}); set CHINWAG_TEST_REDIS")
    finally:
        await client.aclose()
    return REDIS_URL


def network_name() -> str:
    """A network name no other test (or helper sharing the server) uses."""
    return f"test-{secrets.token_hex(6)}"


async def delete_network(url: str, network: str) -> None:
    """Delete every key of ``network`` (its prefix is ``chinwag:{network}:``)."""
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"chinwag:{{{network}}}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()

"""The contract every Bus implementation keeps; new backends join the parametrisation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chinwag.bus.base import Bus
from chinwag.bus.local import LocalBus


@pytest.fixture(params=["local"])
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[Bus]:
    made: Bus = LocalBus()
    yield made
    await made.close()


async def test_subscribers_of_a_topic_receive_its_payloads_in_order(bus: Bus) -> None:
    got: list[tuple[str, bytes]] = []
    bus.subscribe("channel:#lobby", lambda topic, payload: got.append((topic, payload)))
    await bus.publish("channel:#lobby", b"one")
    await bus.publish("channel:#other", b"not for us")
    await bus.publish("channel:#lobby", b"two")
    assert got == [("channel:#lobby", b"one"), ("channel:#lobby", b"two")]


async def test_unsubscribed_handlers_receive_nothing_more(bus: Bus) -> None:
    got: list[bytes] = []

    def handler(topic: str, payload: bytes) -> None:
        got.append(payload)

    bus.subscribe("presence", handler)
    await bus.publish("presence", b"a")
    bus.unsubscribe("presence", handler)
    bus.unsubscribe("presence", handler)  # twice is harmless
    await bus.publish("presence", b"b")
    assert got == [b"a"]


async def test_publishing_on_a_closed_bus_is_an_error() -> None:
    bus = LocalBus()
    await bus.close()
    with pytest.raises(RuntimeError):
        await bus.publish("presence", b"late")

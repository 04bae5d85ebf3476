"""What only the in-process log has: a clock the test sets, and an outage at will."""

from __future__ import annotations

import pytest

from chinwag.cluster.base import LogUnavailable
from chinwag.cluster.local import LocalLog, LocalNetwork


async def test_entry_times_follow_the_clock_but_never_go_back_with_it() -> None:
    now = [0.0]
    network = LocalNetwork(lambda: now[0])
    log = LocalLog(network, "a")
    await log.join()
    await log.append([b"at zero"])
    now[0] = 5.0
    await log.append([b"at five", b"also at five"])
    now[0] = 2.0  # the clock stepped back
    await log.append([b"still at five"])
    entries = await log.read("0", block=0)
    assert [(entry.id, entry.millis) for entry in entries] == [
        ("0-1", 0),  # as on Redis, the first id is after "0-0", so reading from "0" finds it
        ("5000-0", 5000),
        ("5000-1", 5000),
        ("5000-2", 5000),
    ]


async def test_a_network_that_is_down_fails_every_call_until_it_is_back() -> None:
    network = LocalNetwork()
    log = LocalLog(network, "a")
    await log.join()
    network.available = False
    for call in (log.append([b"x"]), log.read("0", 0), log.renew(), log.live_nodes(), log.join()):
        with pytest.raises(LogUnavailable):
            await call
    network.available = True
    await log.append([b"back"])
    assert [entry.data for entry in await log.read("0", 0)] == [b"back"]

"""An outage of the network log longer than a lease (a Redis restart) kills nobody: every
node's lease lapses meanwhile, and the first node back must not take the others' silence for
their death (docs/scaling.md "Faults": "goes on where it stopped when Redis answers again").

In process, on :class:`chinwag.cluster.local.LocalNetwork` with ``available = False`` as the
outage; tests/e2e/test_cluster.py does the same with real processes and a real Redis.
"""

from __future__ import annotations

import asyncio
import dataclasses

from chinwag.cluster.local import LocalLog, LocalNetwork
from chinwag.config import ClusterSettings
from chinwag.server.app import ChinwagServer
from chinwag.storage.memory import MemoryStore
from tests.conftest import test_config
from tests.ircclient import IrcClient, is_

LEASE = 1.0


async def test_nodes_back_from_an_outage_longer_than_a_lease_keep_each_others_users() -> None:
    network = LocalNetwork()
    store = MemoryStore()
    # The nodes renew every lease / 3 of the configured lease, as `chinwag serve` would.
    config = dataclasses.replace(test_config(), cluster=ClusterSettings(lease=LEASE))
    nodes = [
        ChinwagServer(config, store, network_log=LocalLog(network, name, lease=LEASE))
        for name in ("a", "b")
    ]
    for node in nodes:
        await node.start()
    try:
        ana = await IrcClient.registered(nodes[0].addresses[0], "ana", "#lobby")
        bo = await IrcClient.registered(nodes[1].addresses[0], "bo", "#lobby")
        await ana.expect(is_("JOIN", "#lobby"))  # bo's

        network.available = False
        await asyncio.sleep(LEASE * 2)
        network.available = True
        # Long enough for any node to have declared the others lost.
        await asyncio.sleep(LEASE * 2)

        await bo.send("PRIVMSG", "#lobby", "still here")
        said = await ana.expect(is_("PRIVMSG", "#lobby", "still here"))
        assert said.source is not None and said.source.startswith("bo!")
        assert not [line for line in ana.received + bo.received if line.command == "QUIT"]
    finally:
        for node in nodes:
            await node.stop(grace=1.0)
        await IrcClient.close_all()

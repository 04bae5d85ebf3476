"""What a reload applies live, and what it says waits for a restart."""

from __future__ import annotations

from dataclasses import replace

from chinwag.config import (
    ClusterSettings,
    Config,
    ConnectionLimits,
    Limits,
    Listener,
    Operator,
    ServerInfo,
)
from chinwag.server.reloading import compare, kept_until_restart

HASH = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$Mg3ldG2+9+yvO6DzhkFJmw"


def test_motd_operators_and_limits_apply_live_listeners_and_name_wait() -> None:
    old = Config(listeners=(Listener("127.0.0.1", 6667),))
    new = replace(
        old,
        server=ServerInfo(name="new.name", motd=("hi",)),
        limits=Limits(sendq=4096),
        operators=(Operator("admin", HASH),),
        listeners=(Listener("127.0.0.1", 7000),),
    )
    changes = compare(old, new)
    assert changes.live == ("server.motd", "limits.sendq", "operators")
    assert changes.restart == ("server.name", "listeners")


def test_the_running_configuration_keeps_what_waits_for_a_restart() -> None:
    old = Config(listeners=(Listener("127.0.0.1", 6667),))
    new = replace(
        old,
        server=ServerInfo(name="new.name", motd=("hi",)),
        listeners=(Listener("127.0.0.1", 7000),),
    )
    effective = kept_until_restart(old, new)
    assert effective.server.motd == ("hi",)
    assert effective.server.name == old.server.name
    assert effective.listeners == old.listeners
    assert compare(old, effective).restart == ()


def test_an_unchanged_file_changes_nothing() -> None:
    assert compare(Config(), Config()).live == ()
    assert compare(Config(), Config()).restart == ()


def test_connection_limits_apply_live_but_what_counts_as_one_address_waits() -> None:
    old = Config()
    new = replace(old, connections=ConnectionLimits(max_per_address=3, ipv6_prefix=56, exempt=()))
    changes = compare(old, new)
    assert changes.live == ("connections.max_per_address", "connections.exempt")
    assert changes.restart == ("connections.ipv6_prefix",)
    effective = kept_until_restart(old, new)
    assert effective.connections.max_per_address == 3
    assert effective.connections.ipv6_prefix == 64  # open connections are counted by it


def test_every_cluster_setting_waits_for_a_restart() -> None:
    old = Config()
    new = replace(
        old, cluster=ClusterSettings("redis://r:6379/0", network="other", node="n1", lease=20.0)
    )
    changes = compare(old, new)
    assert changes.live == ()
    assert changes.restart == ("cluster.redis", "cluster.network", "cluster.node", "cluster.lease")
    assert kept_until_restart(old, new).cluster == old.cluster

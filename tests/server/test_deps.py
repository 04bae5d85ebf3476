"""What handlers get instead of the core (:mod:`chinwag.server.deps`): the facts the server
tells about itself follow the configuration, and each core has dependencies of its own."""

from __future__ import annotations

import dataclasses

import pytest

from chinwag.config import Config, Limits, ServerInfo
from chinwag.protocol import caps
from chinwag.server.deps import ServerFacts
from tests.server.harness import Harness


def test_isupport_and_cap_values_follow_the_limits() -> None:
    config = Config(
        server=ServerInfo(name="irc.test", network="TestNet"),
        limits=Limits(nicklen=17, metadata_max_subs=7),
    )
    facts = ServerFacts.from_config(config)
    tokens = [token for line in facts.isupport_lines for token in line]
    assert "NICKLEN=17" in tokens and "NETWORK=TestNet" in tokens
    assert "max-subs=7" in (facts.cap_values[caps.METADATA] or "")
    assert facts.name == "irc.test" and facts.version.startswith("chinwag-")


def test_the_dependencies_cannot_be_swapped_under_a_running_core() -> None:
    deps = Harness().core.deps
    with pytest.raises(dataclasses.FrozenInstanceError):
        deps.store = deps.store  # type: ignore[misc]


def test_two_cores_have_their_own_state_throughout() -> None:
    one, two = Harness(), Harness()
    a, b = one.core.deps, two.core.deps
    for field in dataclasses.fields(a):
        if field.name in ("config", "clock", "facts"):
            continue
        assert getattr(a, field.name) is not getattr(b, field.name), field.name
    one.client("ana")
    assert two.core.network.find_user("ana") is None
    two.client("ana")  # the same nick on the other core is free
    assert one.core.network.find_user("ana") is not two.core.network.find_user("ana")

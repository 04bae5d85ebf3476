"""The canonical text of a core's state (issue 18): equal exactly when replicas agree."""

from __future__ import annotations

import hashlib
import json

from chinwag.server import sources
from chinwag.server.digest import describe, fingerprint
from chinwag.server.sources import SeededSources
from tests.server.harness import Harness


def scripted(seed: bytes = b"digest") -> str:
    """The digest after a few users did a few things, under seeded sources."""
    with sources.using(SeededSources(seed, lambda: 1_767_225_600.0)):
        h = Harness()
        ana, bo = h.room("ana", "bo")
        ana.send("MODE #room +bv *!*@x bo", "TOPIC #room :hello", "AWAY :out")
        bo.send("REGISTER * :a long password", "METADATA * SET color :#ff0000")
        bo.send("MONITOR + ana,zed,cy", "NICK bob")
        return describe(h.core.deps)


def test_the_same_inputs_under_the_same_seed_describe_the_same_state() -> None:
    assert scripted() == scripted()


def test_another_seed_shows_in_the_state() -> None:
    # User tokens, account ids and salts come from the sources.
    assert scripted(b"one") != scripted(b"two")


def test_it_covers_users_channels_sessions_and_accounts() -> None:
    state = json.loads(scripted())
    assert [user["nick"] for user in state["users"]] == ["ana", "bob"]
    ana, bob = state["users"]
    assert ana["away"] == "out" and ana["channels"] == ["#room"]
    assert bob["account"] == "bo" and bob["metadata"] == {"color": "#ff0000"}
    (room,) = state["channels"]
    assert room["topic"][0] == "hello"
    assert room["members"] == [["ana", ["o"], "@"], ["bob", ["v"], "+"]]  # join order
    assert [entry[0] for entry in room["bans"]] == ["*!*@x"]
    assert [account["name"] for account in state["accounts"]] == ["bo"]
    sessions = {session["id"]: session for session in state["sessions"]}
    assert sessions[2]["monitoring"] == ["ana", "cy", "zed"]  # a set, sorted
    assert state["network"]["monitors"] == {"ana": [2], "cy": [2], "zed": [2]}
    assert state["next_session_id"] == 3


def test_a_change_of_state_changes_it() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    before = describe(h.core.deps)
    assert describe(h.core.deps) == before  # describing changes nothing
    ana.send("MODE #room +m")
    assert describe(h.core.deps) != before


def test_sets_are_described_in_a_stable_order() -> None:
    one, other = Harness(), Harness()
    for h, modes in ((one, "+iw"), (other, "+wi")):
        client = h.client("ana")
        client.send(f"MODE ana {modes}")
    # Everything else (tokens, times) differs between the two; the modes must not.
    assert json.loads(describe(one.core.deps))["users"][0]["modes"] == ["i", "w"]
    assert json.loads(describe(other.core.deps))["users"][0]["modes"] == ["i", "w"]


def test_the_fingerprint_hashes_the_description() -> None:
    h = Harness()
    h.room("ana")
    expected = hashlib.sha256(describe(h.core.deps).encode()).hexdigest()
    assert fingerprint(h.core.deps) == expected

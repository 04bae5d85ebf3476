"""The contract every Store implementation keeps; new backends join the parametrisation.

Each test is run against the memory store (the reference), the SQLite store in a fresh file
and the PostgreSQL store in a fresh schema (tests/storage/postgres.py; skipped without a
server, failed under CI), so all answer every question of ``chinwag.storage.base.Store`` the
same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chinwag.protocol.casemap import Folded, fold
from chinwag.storage.base import (
    Account,
    Bound,
    Forget,
    MemberChange,
    MoveTarget,
    Redact,
    SearchQuery,
    Store,
    StoredMessage,
    StoreError,
    account_identity,
    conversation_key,
)
from chinwag.storage.memory import MemoryStore
from chinwag.storage.sqlite import SqliteStore


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    made: Store
    if request.param == "postgresql":
        from chinwag.storage.postgres import PostgresStore
        from tests.storage.postgres import fresh_dsn

        async with fresh_dsn() as dsn:
            made = await PostgresStore.open(dsn)
            yield made
            await made.close()
        return
    if request.param == "memory":
        made = MemoryStore()
    else:
        made = await SqliteStore.open(tmp_path / "chinwag.db")
    yield made
    await made.close()


def message(
    n: int,
    target: str = "#lobby",
    *,
    at: float | None = None,
    event: bool = False,
    offline_for: str | None = None,
    private: bool = False,
) -> StoredMessage:
    """Message ``idN`` to ``target``, relayed at ``1000 + N`` unless ``at`` says otherwise;
    ``offline_for`` names the account (made by :func:`account`) it waits for."""
    return StoredMessage(
        f"id{n}",
        fold(target),
        "ana!~a@host",
        1000.0 + n if at is None else at,
        f"PRIVMSG {target} :{n}",
        event=event,
        offline_for=None if offline_for is None else identity_of(offline_for),
        private=private,
    )


def identity_of(name: str) -> Folded:
    """The history identity of the account :func:`account` makes for ``name``."""
    return account_identity(f"id-{fold(name)}")


def ids(messages: list[StoredMessage]) -> list[str]:
    return [m.msgid for m in messages]


def account(name: str, password: str = "hash-1", **metadata: str) -> Account:
    """An account whose keys are made from ``password``, registered at time 500."""
    key = password.encode()
    return Account(
        name,
        f"$argon2id${password}",
        b"salt" + key,
        4096,
        b"stored" + key,
        b"server" + key,
        500.0,
        metadata,
        f"id-{fold(name)}",
    )


LOBBY = fold("#lobby")


# -- append and latest -----------------------------------------------------------------------


async def test_latest_returns_the_newest_oldest_first(store: Store) -> None:
    await store.append([message(1), message(2), message(3)])
    assert ids(await store.latest(fold("#LOBBY"), 2)) == ["id2", "id3"]


async def test_targets_are_kept_apart(store: Store) -> None:
    await store.append([message(1, "#a"), message(2, "#b")])
    assert ids(await store.latest(fold("#a"), 10)) == ["id1"]
    assert await store.latest(fold("#none"), 10) == []


async def test_a_stored_message_comes_back_exactly_as_it_went_in(store: Store) -> None:
    sent = StoredMessage(
        "AbC-123", fold("#Café"), "Ana!~a@host", 1767323045.678901, "@time=x :Ana PRIVMSG #Café :hé"
    )
    await store.append([sent])
    assert await store.latest(fold("#café"), 1) == [sent]


async def test_account_event_and_offline_recipient_come_back_too(store: Store) -> None:
    await store.create_account(account("Bo"))
    key = conversation_key(fold("ana"), fold("bo"))
    said = StoredMessage("m1", key, "Ana!~a@h", 1001.0, "PRIVMSG Bo :hi", "Ana", False, fold("bo"))
    joined = StoredMessage("m2", LOBBY, "Ana!~a@h", 1002.0, "JOIN #lobby", "Ana", True)
    await store.append([said, joined])

    assert await store.find(key, "m1") == said
    assert await store.latest(LOBBY, 1) == [joined]
    assert await store.history(LOBBY, limit=5, events=True) == [joined]


async def test_messages_of_the_same_instant_keep_the_order_they_were_appended_in(
    store: Store,
) -> None:
    same = [message(n, "#a", at=1000.0) for n in range(4)]
    await store.append(same[:2])
    await store.append(same[2:])
    assert ids(await store.latest(fold("#a"), 3)) == ["id1", "id2", "id3"]


async def test_latest_is_in_time_order_even_if_the_clock_stepped_back_between_appends(
    store: Store,
) -> None:
    await store.append([message(1, at=1005.0)])
    await store.append([message(2, at=1001.0)])
    assert ids(await store.latest(LOBBY, 5)) == ["id2", "id1"]


async def test_latest_includes_events(store: Store) -> None:
    await store.append([message(1), message(2, event=True)])
    assert ids(await store.latest(LOBBY, 5)) == ["id1", "id2"]


async def test_messages_without_a_msgid_are_all_kept(store: Store) -> None:
    await store.append([StoredMessage("", fold("#a"), "ana", 1000.0 + n, str(n)) for n in (1, 2)])
    assert [(m.msgid, m.line) for m in await store.latest(fold("#a"), 5)] == [("", "1"), ("", "2")]


async def test_a_repeated_msgid_is_skipped_and_the_first_copy_kept(store: Store) -> None:
    await store.append([message(1)])
    again = dataclasses.replace(message(1), line="a second copy")
    await store.append([again, message(2)])
    lines = [m.line for m in await store.latest(LOBBY, 5)]
    assert lines == ["PRIVMSG #lobby :1", "PRIVMSG #lobby :2"]


async def test_a_limit_of_zero_or_less_returns_nothing(store: Store) -> None:
    await store.append([message(1), message(2)])
    assert await store.latest(LOBBY, 0) == []
    assert await store.latest(LOBBY, -1) == []
    assert await store.history(LOBBY, limit=0) == []
    assert await store.history(LOBBY, limit=-1) == []


async def test_an_empty_batch_is_fine(store: Store) -> None:
    await store.append([])
    assert await store.latest(LOBBY, 5) == []


# -- find and history ---------------------------------------------------------------------------


async def test_find_names_a_message_of_that_target_only(store: Store) -> None:
    await store.append([message(1), message(2, "#other")])
    assert await store.find(LOBBY, "id1") == message(1)
    assert await store.find(LOBBY, "id2") is None
    assert await store.find(LOBBY, "nope") is None


async def test_a_message_stored_without_a_msgid_cannot_be_found_by_an_empty_one(
    store: Store,
) -> None:
    await store.append([StoredMessage("", LOBBY, "ana", 1001.0, "anonymous")])
    assert await store.find(LOBBY, "") is None
    assert await store.history(LOBBY, after=Bound(msgid=""), limit=5) == []


async def test_history_without_bounds_gives_the_newest_or_the_oldest_oldest_first(
    store: Store,
) -> None:
    await store.append([message(n) for n in range(1, 8)])
    assert ids(await store.history(LOBBY, limit=3)) == ["id5", "id6", "id7"]
    assert ids(await store.history(LOBBY, limit=3, newest=False)) == ["id1", "id2", "id3"]
    assert ids(await store.history(LOBBY, limit=100)) == [f"id{n}" for n in range(1, 8)]
    assert await store.history(fold("#empty"), limit=10) == []


async def test_time_bounds_are_exclusive(store: Store) -> None:
    await store.append([message(n) for n in range(1, 8)])  # at 1001 ... 1007

    between = await store.history(LOBBY, after=Bound(1002.0), before=Bound(1006.0), limit=10)
    assert ids(between) == ["id3", "id4", "id5"]
    assert ids(await store.history(LOBBY, after=Bound(1005.0), limit=10)) == ["id6", "id7"]
    assert ids(await store.history(LOBBY, before=Bound(1003.0), limit=10)) == ["id1", "id2"]
    assert ids(await store.history(LOBBY, after=Bound(1002.5), limit=2, newest=False)) == [
        "id3",
        "id4",
    ]
    assert ids(await store.history(LOBBY, before=Bound(1006.0), limit=2)) == ["id4", "id5"]
    assert await store.history(LOBBY, after=Bound(1004.0), before=Bound(1005.0), limit=10) == []


async def test_msgid_bounds_are_exclusive(store: Store) -> None:
    await store.append([message(n) for n in range(1, 8)])

    between = await store.history(
        LOBBY, after=Bound(msgid="id2"), before=Bound(msgid="id6"), limit=10
    )
    assert ids(between) == ["id3", "id4", "id5"]
    assert ids(await store.history(LOBBY, after=Bound(msgid="id5"), limit=10)) == ["id6", "id7"]
    assert ids(await store.history(LOBBY, before=Bound(msgid="id3"), limit=10)) == ["id1", "id2"]
    assert ids(await store.history(LOBBY, before=Bound(msgid="id7"), limit=2)) == ["id5", "id6"]
    after = await store.history(LOBBY, after=Bound(msgid="id1"), limit=2, newest=False)
    assert ids(after) == ["id2", "id3"]


async def test_a_msgid_bound_among_messages_of_one_instant_sits_where_it_was_stored(
    store: Store,
) -> None:
    await store.append([message(0, at=999.0)])
    await store.append([message(n, at=1000.0) for n in range(1, 5)])
    await store.append([message(5, at=1001.0)])

    after = await store.history(LOBBY, after=Bound(msgid="id2"), limit=10, newest=False)
    assert ids(after) == ["id3", "id4", "id5"]
    before = await store.history(LOBBY, before=Bound(msgid="id3"), limit=10)
    assert ids(before) == ["id0", "id1", "id2"]
    # A time bound at that instant leaves every message of it out.
    assert ids(await store.history(LOBBY, after=Bound(1000.0), limit=10)) == ["id5"]
    assert ids(await store.history(LOBBY, before=Bound(1000.0), limit=10)) == ["id0"]


async def test_a_msgid_and_a_time_bound_mix(store: Store) -> None:
    await store.append([message(n) for n in range(1, 8)])
    mixed = await store.history(LOBBY, after=Bound(msgid="id2"), before=Bound(1006.0), limit=9)
    assert ids(mixed) == ["id3", "id4", "id5"]


async def test_an_unknown_msgid_or_one_of_another_target_makes_the_range_empty(
    store: Store,
) -> None:
    await store.append([message(n) for n in range(1, 4)] + [message(9, "#other")])
    assert await store.history(LOBBY, after=Bound(msgid="nope"), limit=10) == []
    assert await store.history(LOBBY, before=Bound(msgid="nope"), limit=10) == []
    assert await store.history(LOBBY, after=Bound(msgid="id9"), limit=10) == []
    unknown_end = await store.history(
        LOBBY, after=Bound(msgid="id1"), before=Bound(msgid="nope"), limit=10
    )
    assert unknown_end == []


async def test_events_are_left_out_unless_asked_for_but_still_bound_a_range(
    store: Store,
) -> None:
    await store.append(
        [message(1), message(2, event=True), message(3), message(4, event=True), message(5)]
    )
    assert ids(await store.history(LOBBY, limit=2)) == ["id3", "id5"]
    assert ids(await store.history(LOBBY, limit=2, events=True)) == ["id4", "id5"]
    after_event = await store.history(LOBBY, after=Bound(msgid="id2"), limit=10, newest=False)
    assert ids(after_event) == ["id3", "id5"]
    with_events = await store.history(
        LOBBY, after=Bound(msgid="id2"), limit=10, newest=False, events=True
    )
    assert ids(with_events) == ["id3", "id4", "id5"]


# -- targets -------------------------------------------------------------------------------------


async def test_targets_are_the_given_channels_and_the_identitys_conversations(
    store: Store,
) -> None:
    ana_bo = conversation_key(fold("ana"), fold("bo"))
    cy_ana = conversation_key(fold("cy"), fold("ana"))
    bo_cy = conversation_key(fold("bo"), fold("cy"))
    await store.append(
        [
            message(1, "#lobby"),
            message(2, ana_bo),
            message(3, "#elsewhere"),
            message(4, bo_cy),
            message(5, cy_ana),
            message(6, "#lobby"),
        ]
    )

    found = await store.targets([LOBBY, fold("#quiet")], fold("ana"), 0.0, 2000.0, 10)

    assert found == [(ana_bo, 1002.0), (cy_ana, 1005.0), (LOBBY, 1006.0)]


async def test_targets_are_those_whose_latest_message_is_strictly_inside_the_range(
    store: Store,
) -> None:
    await store.append([message(1, "#a"), message(2, "#b"), message(3, "#a"), message(4, "#c")])
    channels = [fold("#a"), fold("#b"), fold("#c")]

    # #a's latest is 1003, the (excluded) end: its older 1001 inside does not list it (issue
    # 16); #c at 1004 is beyond it.
    assert await store.targets(channels, fold("ana"), 1000.0, 1003.0, 10) == [
        (fold("#b"), 1002.0),
    ]
    assert await store.targets(channels, fold("ana"), 1000.0, 1002.5, 10) == [
        (fold("#b"), 1002.0),
    ]
    assert await store.targets(channels, fold("ana"), 1002.0, 1005.0, 10) == [
        (fold("#a"), 1003.0),
        (fold("#c"), 1004.0),
    ]


async def test_targets_are_earliest_first_and_the_limit_keeps_the_earliest(store: Store) -> None:
    await store.append([message(1, "#c"), message(2, "#a"), message(3, "#b"), message(4, "#d")])
    channels = [fold(name) for name in ("#a", "#b", "#c", "#d")]
    found = await store.targets(channels, fold("ana"), 0.0, 2000.0, 2)
    assert found == [(fold("#c"), 1001.0), (fold("#a"), 1002.0)]
    assert await store.targets(channels, fold("ana"), 0.0, 2000.0, 0) == []


async def test_targets_latest_at_the_same_moment_are_ordered_by_name(store: Store) -> None:
    await store.append([message(1, "#b", at=1000.0), message(2, "#a", at=1000.0)])
    found = await store.targets([fold("#a"), fold("#b")], fold("ana"), 0.0, 2000.0, 10)
    assert found == [(fold("#a"), 1000.0), (fold("#b"), 1000.0)]


async def test_targets_ignore_events(store: Store) -> None:
    await store.append(
        [message(1, "#a"), message(2, "#a", event=True), message(3, "#b", event=True)]
    )
    found = await store.targets([fold("#a"), fold("#b")], fold("ana"), 0.0, 2000.0, 10)
    assert found == [(fold("#a"), 1001.0)]


async def test_targets_match_whole_names_even_with_pattern_characters(store: Store) -> None:
    # "_" is a LIKE wildcard and a backslash LIKE's usual escape; both may be in nicks.
    def key(one: str, other: str) -> Folded:
        return conversation_key(fold(one), fold(other))

    await store.append(
        [
            message(1, key("x_z", "zz")),  # x_z's, as the first name
            message(2, key("a", "x_z")),  # x_z's, as the second name
            message(3, key("xyz", "zz")),  # lookalikes under LIKE ...
            message(4, key("a", "xyz")),
            message(5, key("x_zz", "zz")),  # ... and longer names
            message(6, key("a", "ax_z")),
            message(7, key("b\\", "c")),
            message(8, key("a", "b\\c")),
        ]
    )
    assert await store.targets([], fold("x_z"), 0.0, 2000.0, 10) == [
        (key("x_z", "zz"), 1001.0),
        (key("a", "x_z"), 1002.0),
    ]
    assert await store.targets([], fold("b\\"), 0.0, 2000.0, 10) == [(key("b\\", "c"), 1007.0)]


async def test_a_conversation_with_oneself_is_found(store: Store) -> None:
    notes = conversation_key(fold("ana"), fold("ana"))
    await store.append([message(1, notes)])
    assert await store.targets([], fold("ana"), 0.0, 2000.0, 10) == [(notes, 1001.0)]


# -- prune ---------------------------------------------------------------------------------------


async def test_prune_by_age_deletes_what_is_older_and_says_how_many(store: Store) -> None:
    await store.append([message(n) for n in range(1, 6)] + [message(6, "#other")])
    assert await store.prune(older_than=1003.0, keep_per_target=None) == 2
    assert ids(await store.latest(LOBBY, 10)) == ["id3", "id4", "id5"]
    assert ids(await store.latest(fold("#other"), 10)) == ["id6"]


async def test_prune_by_count_keeps_the_newest_of_each_target(store: Store) -> None:
    await store.append(
        [message(n) for n in range(1, 6)] + [message(n, "#other") for n in range(6, 8)]
    )
    assert await store.prune(older_than=None, keep_per_target=2) == 3
    assert ids(await store.latest(LOBBY, 10)) == ["id4", "id5"]
    assert ids(await store.latest(fold("#other"), 10)) == ["id6", "id7"]


async def test_prune_by_age_and_count_applies_both(store: Store) -> None:
    await store.append([message(n) for n in range(1, 6)])
    assert await store.prune(older_than=1004.5, keep_per_target=3) == 4
    assert ids(await store.latest(LOBBY, 10)) == ["id5"]


async def test_prune_with_neither_rule_keeps_everything(store: Store) -> None:
    await store.append([message(n) for n in range(1, 4)])
    assert await store.prune(older_than=None, keep_per_target=None) == 0
    assert len(await store.latest(LOBBY, 10)) == 3


async def test_a_pruned_msgid_is_no_longer_found(store: Store) -> None:
    await store.append([message(1), message(2)])
    await store.prune(older_than=1002.0, keep_per_target=None)
    assert await store.find(LOBBY, "id1") is None
    assert await store.history(LOBBY, after=Bound(msgid="id1"), limit=5) == []


async def test_prune_keeps_messages_still_waiting_for_an_offline_account(store: Store) -> None:
    await store.create_account(account("Bo"))
    key = conversation_key(fold("ana"), fold("bo"))
    await store.append([message(1, key, offline_for="bo")] + [message(n, key) for n in (2, 3, 4)])

    assert await store.prune(older_than=1003.0, keep_per_target=None) == 1
    assert await store.prune(older_than=None, keep_per_target=1) == 1
    assert ids(await store.latest(key, 10)) == ["id1", "id4"]

    await store.clear_offline(fold("bo"), ["id1"])
    assert await store.prune(older_than=None, keep_per_target=1) == 1
    assert ids(await store.latest(key, 10)) == ["id4"]


# -- offline delivery ------------------------------------------------------------------------------


async def test_messages_for_an_offline_account_wait_for_it_oldest_first(store: Store) -> None:
    await store.create_account(account("Bo"))
    await store.create_account(account("Cy"))
    to_bo = conversation_key(fold("ana"), fold("bo"))
    to_cy = conversation_key(fold("ana"), fold("cy"))
    await store.append([message(1, to_bo, offline_for="bo"), message(2, to_cy, offline_for="cy")])
    await store.append([message(3, to_bo), message(4, to_bo, offline_for="bo")])

    waiting = await store.offline_messages(fold("bo"))

    assert waiting == [message(1, to_bo, offline_for="bo"), message(4, to_bo, offline_for="bo")]
    assert ids(await store.offline_messages(fold("cy"))) == ["id2"]
    assert await store.offline_messages(fold("nobody")) == []


async def test_clearing_delivered_messages_keeps_them_in_history(store: Store) -> None:
    await store.create_account(account("Bo"))
    key = conversation_key(fold("ana"), fold("bo"))
    await store.append([message(n, key, offline_for="bo") for n in (1, 2, 3)])

    await store.clear_offline(fold("bo"), ["id1", "id3", "unknown"])

    assert ids(await store.offline_messages(fold("bo"))) == ["id2"]
    assert ids(await store.latest(key, 10)) == ["id1", "id2", "id3"]
    await store.clear_offline(fold("bo"), ["id2"])
    await store.clear_offline(fold("nobody"), ["id2"])
    assert await store.offline_messages(fold("bo")) == []


async def test_a_repeated_message_is_not_queued_again_once_delivered(store: Store) -> None:
    await store.create_account(account("Bo"))
    key = conversation_key(fold("ana"), fold("bo"))
    await store.append([message(1, key, offline_for="bo")])
    await store.clear_offline(fold("bo"), ["id1"])

    await store.append([message(1, key, offline_for="bo")])

    assert await store.offline_messages(fold("bo")) == []


async def test_a_message_for_an_account_that_does_not_exist_is_kept_but_waits_for_no_one(
    store: Store,
) -> None:
    key = conversation_key(fold("ana"), fold("ghost"))
    await store.append([message(1, key, offline_for="ghost"), message(2)])

    assert await store.offline_messages(fold("ghost")) == []
    assert ids(await store.latest(key, 5)) == ["id1"]
    assert ids(await store.latest(LOBBY, 5)) == ["id2"]


# -- accounts --------------------------------------------------------------------------------------


async def test_a_created_account_comes_back_whole(store: Store) -> None:
    ana = account("Ana", color="#ff00af")
    assert await store.create_account(ana)
    assert await store.create_account(account("Bo"))
    assert {a.name: a for a in await store.accounts()} == {"Ana": ana, "Bo": account("Bo")}


async def test_a_name_taken_in_any_case_is_refused_and_nothing_is_written(store: Store) -> None:
    await store.create_account(account("Ana"))
    assert not await store.create_account(account("ANA", "other", color="#000000"))
    assert await store.accounts() == [account("Ana")]


async def test_a_new_password_replaces_hash_and_keys_but_not_name_creation_or_metadata(
    store: Store,
) -> None:
    await store.create_account(account("Ana", "old", color="#ff00af"))
    changed = dataclasses.replace(account("ana", "new"), created=999.0)

    await store.update_password(changed)

    [stored] = await store.accounts()
    assert stored == dataclasses.replace(account("Ana", "new", color="#ff00af"), created=500.0)


async def test_a_new_password_for_no_account_creates_nothing(store: Store) -> None:
    await store.update_password(account("Ghost"))
    assert await store.accounts() == []


async def test_metadata_is_set_replaced_and_deleted(store: Store) -> None:
    await store.create_account(account("Ana"))
    await store.set_account_metadata(fold("ana"), "color", "#ff00af")
    await store.set_account_metadata(fold("ana"), "color", "#00d700")
    await store.set_account_metadata(fold("ana"), "status", "away")
    [stored] = await store.accounts()
    assert stored.metadata == {"color": "#00d700", "status": "away"}

    await store.set_account_metadata(fold("ana"), "status", None)
    await store.set_account_metadata(fold("ana"), "never-set", None)
    [stored] = await store.accounts()
    assert stored.metadata == {"color": "#00d700"}


async def test_metadata_of_an_account_that_does_not_exist_is_not_kept(store: Store) -> None:
    await store.set_account_metadata(fold("ghost"), "color", "#ff00af")
    await store.create_account(account("Ghost"))
    [stored] = await store.accounts()
    assert stored.metadata == {}


async def test_dropping_an_account_takes_its_metadata_markers_queue_and_conversations(
    store: Store,
) -> None:
    await store.create_account(account("Bo", color="#ff00af"))
    await store.create_account(account("Cy"))
    key = conversation_key(identity_of("ana"), identity_of("bo"))
    other = conversation_key(identity_of("ana"), identity_of("cy"))
    await store.append([message(1, key, offline_for="bo"), message(2, key, offline_for="bo")])
    await store.append([message(3, other), message(4)])
    await store.set_read_marker(fold("bo"), LOBBY, 1500.0)
    await store.set_read_marker(fold("cy"), LOBBY, 1600.0)

    await store.drop_account(fold("bo"))

    assert [a.name for a in await store.accounts()] == ["Cy"]
    assert await store.read_markers(fold("bo")) == {}
    assert await store.offline_messages(fold("bo")) == []
    # Its conversations go, for both sides; other conversations and channels stay.
    assert await store.latest(key, 10) == []
    assert ids(await store.latest(other, 10)) == ["id3"]
    assert ids(await store.latest(LOBBY, 10)) == ["id4"]
    assert await store.read_markers(fold("cy")) == {LOBBY: 1600.0}
    # A new account of the same name starts with nothing of the old one.
    await store.create_account(dataclasses.replace(account("BO"), id="another"))
    [bo] = [a for a in await store.accounts() if a.folded == "bo"]
    assert bo.metadata == {}
    assert await store.read_markers(fold("bo")) == {}
    assert await store.offline_messages(fold("bo")) == []
    await store.drop_account(fold("nobody"))


# -- client certificate fingerprints (CertFP) ----------------------------------------------------

FP1, FP2, FP3 = "a1" * 32, "b2" * 32, "c3" * 32


def certfps_of(accounts: list[Account]) -> dict[str, tuple[str, ...]]:
    return {a.folded: a.certfps for a in accounts}


async def test_fingerprints_come_back_with_their_account_in_the_order_added(store: Store) -> None:
    await store.create_account(account("Ana"))
    await store.create_account(account("Bo"))
    assert await store.add_certfp(fold("ana"), FP2)
    assert await store.add_certfp(fold("ana"), FP1)
    assert await store.add_certfp(fold("ana"), FP1)  # again: fine, nothing changes
    assert certfps_of(await store.accounts()) == {"ana": (FP2, FP1), "bo": ()}


async def test_another_account_can_neither_take_nor_remove_a_fingerprint(store: Store) -> None:
    await store.create_account(account("Ana"))
    await store.create_account(account("Bo"))
    assert await store.add_certfp(fold("ana"), FP1)
    assert not await store.add_certfp(fold("bo"), FP1)
    assert not await store.remove_certfp(fold("bo"), FP1)
    assert certfps_of(await store.accounts()) == {"ana": (FP1,), "bo": ()}
    assert await store.remove_certfp(fold("ana"), FP1)
    assert not await store.remove_certfp(fold("ana"), FP1)
    assert certfps_of(await store.accounts()) == {"ana": (), "bo": ()}


async def test_an_account_that_does_not_exist_gets_no_fingerprint(store: Store) -> None:
    assert not await store.add_certfp(fold("ghost"), FP3)
    await store.create_account(account("Ghost"))
    [ghost] = await store.accounts()
    assert ghost.certfps == ()


async def test_dropping_an_account_frees_its_fingerprints(store: Store) -> None:
    await store.create_account(account("Ana"))
    await store.add_certfp(fold("ana"), FP1)
    await store.drop_account(fold("ana"))
    await store.create_account(dataclasses.replace(account("Ana"), id="another"))
    await store.create_account(account("Bo"))
    assert certfps_of(await store.accounts()) == {"ana": (), "bo": ()}
    assert await store.add_certfp(fold("bo"), FP1)


# -- read markers ----------------------------------------------------------------------------------


async def test_a_read_marker_only_moves_forward(store: Store) -> None:
    await store.create_account(account("Ana"))
    ana = fold("ana")
    assert await store.set_read_marker(ana, LOBBY, 1500.0) == 1500.0
    assert await store.set_read_marker(ana, LOBBY, 1400.0) == 1500.0
    assert await store.read_markers(ana) == {LOBBY: 1500.0}
    assert await store.set_read_marker(ana, LOBBY, 1600.5) == 1600.5
    assert await store.read_markers(ana) == {LOBBY: 1600.5}


async def test_read_markers_are_per_account_and_target(store: Store) -> None:
    await store.create_account(account("Ana"))
    await store.create_account(account("Bo"))
    notes = conversation_key(fold("ana"), fold("bo"))
    await store.set_read_marker(fold("ana"), LOBBY, 1500.0)
    await store.set_read_marker(fold("ana"), notes, 1200.0)
    await store.set_read_marker(fold("bo"), LOBBY, 1100.0)
    assert await store.read_markers(fold("ana")) == {LOBBY: 1500.0, notes: 1200.0}
    assert await store.read_markers(fold("bo")) == {LOBBY: 1100.0}
    assert await store.read_markers(fold("cy")) == {}


async def test_an_account_that_does_not_exist_keeps_no_markers(store: Store) -> None:
    assert await store.set_read_marker(fold("ghost"), LOBBY, 1500.0) == 1500.0
    assert await store.read_markers(fold("ghost")) == {}


# -- closing -------------------------------------------------------------------------------------


async def test_closing_again_does_nothing(store: Store) -> None:
    await store.close()
    await store.close()


# -- the memory store's own bound ----------------------------------------------------------------


async def test_memory_store_is_bounded_per_target() -> None:
    bounded = MemoryStore(per_target=3)
    await bounded.append([message(n) for n in range(10)])
    assert ids(await bounded.latest(LOBBY, 10)) == ["id7", "id8", "id9"]


async def test_a_message_for_a_dropped_account_never_waits_for_a_new_one_of_that_name(
    store: Store,
) -> None:
    await store.create_account(account("Bo"))
    await store.drop_account(fold("bo"))
    await store.create_account(dataclasses.replace(account("Bo"), id="new"))
    key = conversation_key(identity_of("ana"), identity_of("bo"))

    await store.append([message(1, key, offline_for="bo")])

    assert await store.offline_messages(fold("bo")) == []


# -- private channel history -------------------------------------------------------------------

ANA, BO, MAL = identity_of("ana"), identity_of("bo"), identity_of("mal")


def joined(who: Folded, at: float, target: Folded = LOBBY) -> MemberChange:
    return MemberChange(target, who, at, joined=True)


def left(who: Folded, at: float, target: Folded = LOBBY) -> MemberChange:
    return MemberChange(target, who, at, joined=False)


async def test_a_private_message_is_read_only_by_who_was_a_member_when_it_was_said(
    store: Store,
) -> None:
    await store.append([], [joined(ANA, 1000.5), joined(BO, 1002.5)])
    await store.append([message(1, private=True), message(2, private=True), message(3)])
    await store.append([message(4, private=True)], [left(ANA, 1004.0)])
    await store.append([message(5, private=True)])

    assert ids(await store.history(LOBBY, limit=10, reader=ANA)) == ["id1", "id2", "id3", "id4"]
    assert ids(await store.history(LOBBY, limit=10, reader=BO)) == ["id3", "id4", "id5"]
    assert ids(await store.history(LOBBY, limit=10, reader=MAL)) == ["id3"]
    assert ids(await store.history(LOBBY, limit=10)) == ["id3"]
    assert ids(await store.latest(LOBBY, 10, reader=MAL)) == ["id3"]
    assert ids(await store.latest(LOBBY, 10, reader=ANA)) == ["id1", "id2", "id3", "id4"]


async def test_a_private_msgid_names_nothing_for_those_who_may_not_read_it(store: Store) -> None:
    await store.append([], [joined(ANA, 1000.0)])
    await store.append([message(1), message(2, private=True), message(3)])

    assert await store.find(LOBBY, "id2", reader=MAL) is None
    assert await store.history(LOBBY, after=Bound(msgid="id2"), limit=5, reader=MAL) == []
    assert await store.history(LOBBY, before=Bound(msgid="id2"), limit=5, reader=MAL) == []
    found = await store.find(LOBBY, "id2", reader=ANA)
    assert found is not None and found.private
    assert ids(await store.history(LOBBY, after=Bound(msgid="id2"), limit=5, reader=ANA)) == ["id3"]


async def test_a_membership_counts_in_the_milliseconds_server_time_stamps(
    store: Store,
) -> None:
    # server-time has milliseconds: the JOIN stamped 1001.000 was made at 1001.0004.
    await store.append([], [joined(ANA, 1001.0004), left(ANA, 1002.9996)])
    await store.append([message(n, private=True) for n in (1, 2, 3)])

    assert ids(await store.history(LOBBY, limit=10, reader=ANA)) == ["id1", "id2"]


async def test_a_second_join_while_still_a_member_keeps_the_first(store: Store) -> None:
    await store.append([], [joined(ANA, 1000.0), joined(ANA, 1002.0)])
    await store.append([message(1, private=True)])

    assert ids(await store.history(LOBBY, limit=10, reader=ANA)) == ["id1"]


async def test_ending_every_membership_closes_the_open_ones(store: Store) -> None:
    await store.append([], [joined(ANA, 1000.0)])
    await store.end_memberships(1002.5)
    await store.append([message(n, private=True) for n in (1, 2, 3)])

    assert ids(await store.history(LOBBY, limit=10, reader=ANA)) == ["id1", "id2"]


async def test_targets_do_not_count_private_messages_the_asker_may_not_read(
    store: Store,
) -> None:
    await store.append([], [joined(ANA, 1000.0, fold("#priv"))])
    await store.append([message(1, "#priv", private=True), message(2, "#priv")])
    await store.append([message(3, "#priv", private=True)])

    seen = await store.targets([fold("#priv")], ANA, 0.0, 5000.0, 10)
    assert seen == [(fold("#priv"), 1003.0)]
    assert await store.targets([fold("#priv")], MAL, 0.0, 5000.0, 10) == [(fold("#priv"), 1002.0)]


async def test_moving_a_renamed_channel_takes_its_messages_memberships_and_markers(
    store: Store,
) -> None:
    new = fold("#Hall")
    await store.create_account(account("Cy"))
    await store.append([], [joined(ANA, 1000.0)])
    await store.append([message(1, private=True), message(2), message(9, "#other")])
    await store.set_read_marker(fold("cy"), LOBBY, 1500.0)

    await store.move_target(LOBBY, new)

    assert await store.latest(LOBBY, 10) == []
    assert ids(await store.history(new, limit=10, reader=ANA)) == ["id1", "id2"]
    assert ids(await store.history(new, limit=10, reader=MAL)) == ["id2"]
    assert (await store.latest(new, 10))[0].target == new
    assert ids(await store.latest(fold("#other"), 10)) == ["id9"]
    assert await store.read_markers(fold("cy")) == {new: 1500.0}
    # The old name is free: what is said there now is its own history.
    await store.append([message(3)])
    assert ids(await store.latest(LOBBY, 10)) == ["id3"]
    assert ids(await store.latest(new, 10)) == ["id2"]


async def test_a_move_in_a_batch_follows_the_messages_before_it(store: Store) -> None:
    new = fold("#hall")
    await store.append([message(1), message(2)], [MoveTarget(LOBBY, new)])

    assert await store.latest(LOBBY, 10) == []
    assert ids(await store.latest(new, 10)) == ["id1", "id2"]


async def test_forgetting_an_identity_deletes_its_conversations_on_both_sides(
    store: Store,
) -> None:
    gone = Folded("s:0123")
    with_ana = conversation_key(gone, ANA)
    with_bo = conversation_key(BO, gone)
    kept = conversation_key(ANA, BO)
    await store.append([message(1, with_ana), message(2, with_bo), message(3, kept), message(4)])
    await store.append([], [joined(gone, 900.0)])
    await store.append([message(5, private=True)])

    await store.append([], [Forget(gone)])

    assert await store.latest(with_ana, 10) == []
    assert await store.latest(with_bo, 10) == []
    assert ids(await store.latest(kept, 10)) == ["id3"]
    assert ids(await store.latest(LOBBY, 10, reader=gone)) == ["id4"]
    assert await store.targets([], gone, 0.0, 5000.0, 10) == []


async def test_forgetting_named_conversations_deletes_only_those_of_the_identity(
    store: Store,
) -> None:
    gone = Folded("s:0123")
    mine, other = conversation_key(gone, ANA), conversation_key(ANA, BO)
    also_mine = conversation_key(gone, BO)
    await store.append([message(1, mine), message(2, other), message(3, also_mine)])

    # A key that is not the identity's is never deleted, even if named.
    await store.append([], [Forget(gone, frozenset({mine, other}))])

    assert await store.latest(mine, 10) == []
    assert ids(await store.latest(other, 10)) == ["id2"]
    assert ids(await store.latest(also_mine, 10)) == ["id3"]  # not named: left


async def test_a_redacted_message_is_no_longer_played_back_found_or_searched(
    store: Store,
) -> None:
    await store.append([message(1), message(2), message(3, "#other")])

    # Only the message of that target with that msgid goes; an unknown one changes nothing.
    await store.append([], [Redact(LOBBY, "id2"), Redact(LOBBY, "id3"), Redact(LOBBY, "nosuch")])

    assert ids(await store.latest(LOBBY, 10)) == ["id1"]
    assert await store.find(LOBBY, "id2") is None
    assert ids(await store.latest(fold("#other"), 10)) == ["id3"]
    kept = SearchQuery(Folded("a:x"), frozenset({LOBBY}), ("1",))
    assert ids(await store.search(kept)) == ["id1"]
    gone = SearchQuery(Folded("a:x"), frozenset({LOBBY}), ("2",))
    assert await store.search(gone) == []


async def test_ping_answers_while_open_and_raises_once_closed(store: Store) -> None:
    """What ``/healthz`` asks: a trivial query, refused by a closed store."""
    await store.ping()
    await store.close()
    with pytest.raises(StoreError):
        await store.ping()

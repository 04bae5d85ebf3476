"""The shared Store suite, continued: channels registered with ChanServ (issue 17).

Run against every implementation by the ``store`` fixture of test_store_suite.py (the memory
store, the reference, SQLite in a fresh file and PostgreSQL in a fresh schema).
"""

from __future__ import annotations

from pathlib import Path

from chinwag.protocol.casemap import fold
from chinwag.storage.base import RegisteredChannel, SavedChannel, Store
from chinwag.storage.sqlite import SqliteStore
from tests.storage.test_store_suite import account, store
from tests.storage.test_store_suite_alwayson import locked

__all__ = ["store"]  # the fixture, shared with the main suite


def registered(
    name: str = "#Room", founder: str = "ana", *access: tuple[str, str]
) -> RegisteredChannel:
    return RegisteredChannel(
        locked(name),
        fold(founder),
        1_700_000_500,
        tuple((fold(each), mode) for each, mode in access),
    )


async def test_registered_channels_come_back_whole(store: Store) -> None:
    await store.create_account(account("Ana"))
    await store.create_account(account("Bo"))
    await store.create_account(account("Cy"))
    room = registered("#Room", "ana", ("bo", "o"), ("cy", "v"))
    plain = RegisteredChannel(SavedChannel("#plain", 1), fold("bo"), 7)
    await store.save_registered_channels([room, plain])
    assert await store.registered_channels() == [room, plain]


async def test_the_next_save_replaces_the_last(store: Store) -> None:
    await store.create_account(account("Ana"))
    await store.save_registered_channels([registered("#one"), registered("#two")])
    await store.save_registered_channels([registered("#two", "ana")])
    assert [each.state.name for each in await store.registered_channels()] == ["#two"]
    await store.save_registered_channels([])
    assert await store.registered_channels() == []


async def test_a_channel_whose_founder_has_no_account_is_not_kept(store: Store) -> None:
    await store.create_account(account("Ana"))
    await store.save_registered_channels([registered("#ghost", "nobody"), registered("#ok")])
    assert [each.state.name for each in await store.registered_channels()] == ["#ok"]


async def test_a_channel_given_twice_is_kept_once_as_last_given(store: Store) -> None:
    await store.create_account(account("Ana"))
    await store.create_account(account("Bo"))
    await store.save_registered_channels([registered("#room"), registered("#ROOM", "bo")])
    [kept] = await store.registered_channels()
    assert (kept.state.name, kept.founder) == ("#ROOM", "bo")


async def test_dropping_the_founder_unregisters_and_dropping_a_member_leaves_the_list(
    store: Store,
) -> None:
    await store.create_account(account("Ana"))
    await store.create_account(account("Bo"))
    await store.save_registered_channels(
        [registered("#anas", "ana", ("bo", "o")), registered("#bos", "bo", ("ana", "v"))]
    )
    await store.drop_account(fold("ana"))
    [kept] = await store.registered_channels()
    assert (kept.state.name, kept.access) == ("#bos", ())
    # A new account of the dropped name inherits nothing.
    await store.create_account(account("Ana"))
    [kept] = await store.registered_channels()
    assert kept.access == ()


async def test_registered_and_always_on_channels_are_saved_apart(store: Store) -> None:
    await store.create_account(account("Ana"))
    await store.save_registered_channels([registered("#reg")])
    await store.save_always_on_users([], [locked("#aon")])
    assert [each.state.name for each in await store.registered_channels()] == ["#reg"]
    assert [each.name for each in await store.always_on_channels()] == ["#aon"]


async def test_sqlite_keeps_registered_channels_across_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "chinwag.db"
    first = await SqliteStore.open(path)
    await first.create_account(account("Ana"))
    await first.create_account(account("Bo"))
    room = registered("#Room", "ana", ("bo", "o"))
    await first.save_registered_channels([room])
    await first.close()
    second = await SqliteStore.open(path)
    try:
        assert await second.registered_channels() == [room]
    finally:
        await second.close()

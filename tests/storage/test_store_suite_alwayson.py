"""The shared Store suite, continued: account settings, always-on users and the state of
their channels (issue 16).

Run against every implementation by the ``store`` fixture of test_store_suite.py (the memory
store, the reference, SQLite in a fresh file and PostgreSQL in a fresh schema).
"""

from __future__ import annotations

from pathlib import Path

from chinwag.protocol.casemap import fold
from chinwag.storage.base import AlwaysOnUser, SavedChannel, SavedMask, Store
from chinwag.storage.sqlite import SqliteStore
from tests.storage.test_store_suite import account, store

__all__ = ["store"]  # the fixture, shared with the main suite


def ghost(name: str, *channels: tuple[str, str], away: str | None = None) -> AlwaysOnUser:
    return AlwaysOnUser(
        fold(name), name, f"~{name}", "host.cloak", f"{name} Example", channels, away, 1234.5
    )


def locked(name: str = "#Room") -> SavedChannel:
    """A room as private as it gets: every list mode, key, limit, topic and metadata."""
    return SavedChannel(
        name,
        created=1_700_000_000,
        modes="imnst",
        key="sekrit",
        limit=12,
        topic="members only",
        topic_by="Ana!~ana@host.cloak",
        topic_at=1_700_000_100,
        bans=(SavedMask("mal!*@*", "Ana", 1_700_000_200), SavedMask("m:spam*!*@*", "Ana", 3)),
        excepts=(SavedMask("mal!*@friendly.host", "Bo", 1_700_000_300),),
        invexes=(SavedMask("*!*@trusted.host", "Ana", 1_700_000_400),),
        metadata={"avatar": "https://example.org/room.png"},
    )


# -- settings ------------------------------------------------------------------------------------


async def test_settings_are_set_replaced_and_deleted(store: Store) -> None:
    await store.create_account(account("Ana"))
    await store.set_account_setting(fold("ana"), "always-on", "off")
    await store.set_account_setting(fold("ana"), "always-on", "on")
    await store.set_account_setting(fold("ana"), "away-message", "gone fishing")
    [stored] = await store.accounts()
    assert stored.settings == {"always-on": "on", "away-message": "gone fishing"}

    await store.set_account_setting(fold("ana"), "away-message", None)
    [stored] = await store.accounts()
    assert stored.settings == {"always-on": "on"}


async def test_settings_are_each_accounts_own_and_not_metadata(store: Store) -> None:
    await store.create_account(account("Ana"))
    await store.create_account(account("Bo"))
    await store.set_account_setting(fold("ana"), "always-on", "off")
    stored = {each.name: each for each in await store.accounts()}
    assert stored["Ana"].settings == {"always-on": "off"}
    assert stored["Bo"].settings == {}
    assert stored["Ana"].metadata == {}


async def test_settings_of_an_account_that_does_not_exist_are_not_kept(store: Store) -> None:
    await store.set_account_setting(fold("ghost"), "always-on", "on")
    await store.create_account(account("Ghost"))
    [stored] = await store.accounts()
    assert stored.settings == {}


async def test_dropping_an_account_takes_its_settings(store: Store) -> None:
    await store.create_account(account("Ana"))
    await store.set_account_setting(fold("ana"), "always-on", "on")
    await store.drop_account(fold("ana"))
    await store.create_account(account("Ana"))
    [stored] = await store.accounts()
    assert stored.settings == {}


# -- always-on users ----------------------------------------------------------------------------


async def test_always_on_users_are_saved_whole_and_replaced_by_the_next_save(store: Store) -> None:
    await store.create_account(account("Ana"))
    await store.create_account(account("Bo"))
    assert await store.always_on_users() == []
    ana = ghost("Ana", ("#Room", "o"), ("#side", ""), away="lunch")
    bo = ghost("Bo", ("#room", "v"))
    await store.save_always_on_users([ana, bo], [])
    assert await store.always_on_users() == [ana, bo]

    moved = AlwaysOnUser(fold("ana"), "Ana", "~ana", "h", "Ana", (), None, None)
    await store.save_always_on_users([moved], [])
    assert await store.always_on_users() == [moved]
    await store.save_always_on_users([], [])
    assert await store.always_on_users() == []


async def test_an_always_on_user_of_no_account_is_not_kept(store: Store) -> None:
    await store.create_account(account("Ana"))
    await store.save_always_on_users([ghost("Ana"), ghost("Nobody")], [])
    assert await store.always_on_users() == [ghost("Ana")]


async def test_dropping_an_account_takes_its_always_on_user(store: Store) -> None:
    await store.create_account(account("Ana"))
    await store.save_always_on_users([ghost("Ana", ("#room", "o"))], [])
    await store.drop_account(fold("ana"))
    await store.create_account(account("Ana"))
    assert await store.always_on_users() == []


# -- their channels ------------------------------------------------------------------------------


async def test_channels_come_back_whole_and_are_replaced_by_the_next_save(store: Store) -> None:
    await store.create_account(account("Ana"))
    assert await store.always_on_channels() == []
    plain = SavedChannel("#side", created=5)
    await store.save_always_on_users(
        [ghost("Ana", ("#Room", "o"), ("#side", ""))], [locked(), plain]
    )
    assert await store.always_on_channels() == [locked(), plain]

    opened = SavedChannel("#room", created=1_700_000_000, modes="nt")
    await store.save_always_on_users([ghost("Ana", ("#room", "o"))], [opened])
    assert await store.always_on_channels() == [opened]
    await store.save_always_on_users([], [])
    assert await store.always_on_channels() == []


async def test_a_channel_given_twice_in_one_save_is_kept_once_as_last_given(store: Store) -> None:
    first, second = locked("#Room"), SavedChannel("#room", created=9, modes="n")
    other = SavedChannel("#other", created=1)
    await store.save_always_on_users([], [first, other, second])
    assert await store.always_on_channels() == [second, other]


async def test_a_channel_with_no_key_no_limit_and_no_lists_comes_back_so(store: Store) -> None:
    bare = SavedChannel("&local", created=0, modes="", key=None, limit=None)
    await store.save_always_on_users([], [bare])
    [stored] = await store.always_on_channels()
    assert stored == bare
    assert (stored.key, stored.limit, stored.bans, stored.metadata) == (None, None, (), {})


async def test_sqlite_keeps_settings_and_always_on_users_across_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "chinwag.db"
    first = await SqliteStore.open(path)
    await first.create_account(account("Ana"))
    await first.set_account_setting(fold("ana"), "always-on", "on")
    await first.save_always_on_users([ghost("Ana", ("#room", "o"), away="out")], [locked()])
    await first.close()
    again = await SqliteStore.open(path)
    try:
        [stored] = await again.accounts()
        assert stored.settings == {"always-on": "on"}
        assert await again.always_on_users() == [ghost("Ana", ("#room", "o"), away="out")]
        assert await again.always_on_channels() == [locked()]
    finally:
        await again.close()

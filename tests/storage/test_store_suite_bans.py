"""The shared Store suite, continued: operators' server bans (``UBAN``, issue 17).

Run against every implementation by the ``store`` fixture of test_store_suite.py (the memory
store, the reference, SQLite in a fresh file and PostgreSQL in a fresh schema).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from chinwag.storage.base import ServerBan, Store
from chinwag.storage.sqlite import SqliteStore
from tests.storage.test_store_suite import store

__all__ = ["store"]  # the fixture, shared with the main suite


def ban(kind: str, target: str, reason: str = "spam", expires_at: float | None = None) -> ServerBan:
    return ServerBan(kind, target, reason, "olga", 1000.0, expires_at)


async def test_bans_are_kept_in_the_order_they_were_added(store: Store) -> None:
    assert await store.server_bans() == []
    first = ban("ip", "203.0.113.0/24")
    second = ban("mask", "*!*@evil.example", expires_at=5000.0)
    third = ban("account", "mallory", reason="")
    for each in (first, second, third):
        await store.add_server_ban(each)
    assert await store.server_bans() == [first, second, third]


async def test_adding_a_ban_again_replaces_it_in_its_place(store: Store) -> None:
    await store.add_server_ban(ban("ip", "203.0.113.7/32", "first reason"))
    await store.add_server_ban(ban("account", "mallory"))
    renewed = ServerBan("ip", "203.0.113.7/32", "second reason", "pete", 2000.0, 9000.0)
    await store.add_server_ban(renewed)
    assert await store.server_bans() == [renewed, ban("account", "mallory")]


async def test_the_same_target_under_two_kinds_is_two_bans(store: Store) -> None:
    await store.add_server_ban(ban("account", "mallory"))
    await store.add_server_ban(ban("mask", "mallory!*@*"))
    assert len(await store.server_bans()) == 2


async def test_removing_a_ban_says_whether_there_was_one(store: Store) -> None:
    await store.add_server_ban(ban("ip", "203.0.113.0/24"))
    await store.add_server_ban(ban("account", "mallory"))
    assert await store.remove_server_ban("ip", "203.0.113.0/24") is True
    assert await store.remove_server_ban("ip", "203.0.113.0/24") is False
    assert await store.remove_server_ban("mask", "mallory") is False  # kind matters
    assert await store.server_bans() == [ban("account", "mallory")]


async def test_sqlite_keeps_bans_across_a_reopen_in_a_table_of_schema_step_7(
    tmp_path: Path,
) -> None:
    path = tmp_path / "chinwag.db"
    first = await SqliteStore.open(path)
    kept = ban("ip", "2001:db8::/64", expires_at=123456.5)
    await first.add_server_ban(kept)
    await first.close()

    second = await SqliteStore.open(path)
    assert await second.server_bans() == [kept]
    await second.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] >= 7
        assert db.execute("SELECT kind, target FROM server_bans").fetchall() == [
            ("ip", "2001:db8::/64")
        ]

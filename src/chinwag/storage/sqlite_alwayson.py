"""The SQLite store's account settings, always-on users and their channels (issue 16),
kept apart from :mod:`chinwag.storage.sqlite` so that module stays readable.

:class:`AlwaysOnTables` is a mixin of :class:`~chinwag.storage.sqlite.SqliteStore`: its
methods run through the store's one connection, lock and transactions (``_rows`` and
``_write``, which the store defines). The tables are made by schema step 6
(:data:`SCHEMA_STEP`); settings and users name their account by its folded name with ``ON
DELETE CASCADE``, so dropping an account takes its settings and its always-on user with it.
The channels are saved whole with the users, in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

import aiosqlite

from chinwag.protocol.casemap import Folded, fold
from chinwag.storage.base import Account, AlwaysOnUser, SavedChannel, SavedMask

T = TypeVar("T")

SCHEMA_STEP = (
    # key: "always-on", "away-message"; what the server alone reads about the account.
    """
    CREATE TABLE account_settings (
        account TEXT NOT NULL REFERENCES accounts (folded) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (account, key)
    )
    """,
    # channels: a JSON list of [name as shown, status modes]; left_at NULL while a session
    # was still connected when the row was written.
    """
    CREATE TABLE always_on_users (
        account TEXT PRIMARY KEY REFERENCES accounts (folded) ON DELETE CASCADE,
        nick TEXT NOT NULL,
        username TEXT NOT NULL,
        host TEXT NOT NULL,
        realname TEXT NOT NULL,
        channels TEXT NOT NULL,
        away TEXT,
        left_at REAL
    )
    """,
    # The state of each channel an always-on user is in, so a restart brings a private room
    # back private. modes: the flag modes; lists: a JSON object of "b", "e" and "I", each a
    # list of [mask, set by, set at]; metadata: a JSON object.
    """
    CREATE TABLE always_on_channels (
        folded TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created INTEGER NOT NULL,
        modes TEXT NOT NULL,
        key TEXT,
        user_limit INTEGER,
        topic TEXT NOT NULL,
        topic_by TEXT NOT NULL,
        topic_at INTEGER NOT NULL,
        lists TEXT NOT NULL,
        metadata TEXT NOT NULL
    )
    """,
)
"""The statements of the schema step that adds these tables."""

_SET_SETTING = """
    INSERT INTO account_settings (account, key, value)
    SELECT :account, :key, :value WHERE EXISTS (SELECT 1 FROM accounts WHERE folded = :account)
    ON CONFLICT (account, key) DO UPDATE SET value = excluded.value
"""
_SAVE_USER = """
    INSERT INTO always_on_users
        (account, nick, username, host, realname, channels, away, left_at)
    SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM accounts WHERE folded = ?)
    ON CONFLICT (account) DO UPDATE SET nick = excluded.nick, username = excluded.username,
        host = excluded.host, realname = excluded.realname, channels = excluded.channels,
        away = excluded.away, left_at = excluded.left_at
"""
_SAVE_CHANNEL = """
    INSERT INTO always_on_channels (folded, name, created, modes, key, user_limit, topic,
        topic_by, topic_at, lists, metadata)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (folded) DO UPDATE SET name = excluded.name, created = excluded.created,
        modes = excluded.modes, key = excluded.key, user_limit = excluded.user_limit,
        topic = excluded.topic, topic_by = excluded.topic_by, topic_at = excluded.topic_at,
        lists = excluded.lists, metadata = excluded.metadata
"""
_LIST_MODES = ("b", "e", "I")


def channel_row(channel: SavedChannel) -> tuple[Any, ...]:
    """The row of ``channel`` in ``always_on_channels``."""
    lists = {
        mode: [[each.mask, each.set_by, each.set_at] for each in entries]
        for mode, entries in zip(
            _LIST_MODES, (channel.bans, channel.excepts, channel.invexes), strict=True
        )
    }
    return (
        channel.folded,
        channel.name,
        channel.created,
        channel.modes,
        channel.key,
        channel.limit,
        channel.topic,
        channel.topic_by,
        channel.topic_at,
        json.dumps(lists),
        json.dumps(dict(channel.metadata)),
    )


def channel_of(row: Sequence[Any]) -> SavedChannel:
    """The channel a row of ``always_on_channels`` holds."""
    _, name, created, modes, key, limit, topic, topic_by, topic_at, lists, metadata = row
    masks = json.loads(lists)

    def entries(mode: str) -> tuple[SavedMask, ...]:
        return tuple(SavedMask(str(m), str(by), int(at)) for m, by, at in masks.get(mode, ()))

    return SavedChannel(
        name,
        int(created),
        modes,
        key,
        limit,
        topic,
        topic_by,
        int(topic_at),
        entries("b"),
        entries("e"),
        entries("I"),
        {str(k): str(v) for k, v in json.loads(metadata).items()},
    )


class AlwaysOnTables:
    """Account settings and saved always-on users, for :class:`SqliteStore`."""

    async def _rows(self, statement: str, parameters: Sequence[Any] | dict[str, Any]) -> list[Any]:
        raise NotImplementedError  # the store's

    async def _write(self, work: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        raise NotImplementedError  # the store's

    async def _with_settings(self, accounts: list[Account]) -> list[Account]:
        """``accounts`` with the settings stored for each."""
        rows = await self._rows("SELECT account, key, value FROM account_settings", ())
        settings: dict[str, dict[str, str]] = {}
        for account, key, value in rows:
            settings.setdefault(account, {})[key] = value
        return [replace(account, settings=settings.get(account.folded, {})) for account in accounts]

    async def set_account_setting(self, name: Folded, key: str, value: str | None) -> None:
        """Set (or with ``None`` delete) one setting of an existing account."""

        async def change(db: aiosqlite.Connection) -> None:
            if value is None:
                await db.execute(
                    "DELETE FROM account_settings WHERE account = ? AND key = ?", (name, key)
                )
            else:
                await db.execute(_SET_SETTING, {"account": name, "key": key, "value": value})

        await self._write(change)

    async def always_on_users(self) -> list[AlwaysOnUser]:
        """The saved always-on users (those of dropped accounts went with them)."""
        rows = await self._rows(
            "SELECT account, nick, username, host, realname, channels, away, left_at"
            " FROM always_on_users ORDER BY rowid",
            (),
        )
        return [
            AlwaysOnUser(
                fold(account),
                nick,
                username,
                host,
                realname,
                tuple((str(name), str(status)) for name, status in json.loads(channels)),
                away,
                left_at,
            )
            for account, nick, username, host, realname, channels, away, left_at in rows
        ]

    async def always_on_channels(self) -> list[SavedChannel]:
        """The channels saved with the always-on users, in the order they were saved."""
        rows = await self._rows(
            "SELECT folded, name, created, modes, key, user_limit, topic, topic_by, topic_at,"
            " lists, metadata FROM always_on_channels ORDER BY rowid",
            (),
        )
        return [channel_of(row) for row in rows]

    async def save_always_on_users(
        self, users: Sequence[AlwaysOnUser], channels: Sequence[SavedChannel]
    ) -> None:
        """Replace every saved always-on user with ``users`` and every saved channel with
        ``channels``, in one transaction."""
        rows = [
            (
                user.account,
                user.nick,
                user.username,
                user.host,
                user.realname,
                json.dumps([list(pair) for pair in user.channels]),
                user.away,
                user.left_at,
                user.account,
            )
            for user in users
        ]
        rooms = [channel_row(channel) for channel in channels]

        async def replace_all(db: aiosqlite.Connection) -> None:
            await db.execute("DELETE FROM always_on_users")
            await db.executemany(_SAVE_USER, rows)
            await db.execute("DELETE FROM always_on_channels")
            await db.executemany(_SAVE_CHANNEL, rooms)

        await self._write(replace_all)

"""The PostgreSQL store's account settings, always-on users and their channels (issue 16),
kept apart from :mod:`chinwag.storage.postgres` so that module stays readable.

:class:`AlwaysOnTables` is a mixin of :class:`~chinwag.storage.postgres.PostgresStore`. The
tables are made by schema step 3 (:data:`SCHEMA_STEP`); settings and users name their account
by its folded name with ``ON DELETE CASCADE``, so dropping an account takes its settings and
its always-on user with it. The channels are saved whole with the users, in the same
transaction, and in the same form as the SQLite store's (a channel's list modes and metadata
as JSON text: :func:`chinwag.storage.sqlite_alwayson.channel_row`), so a database moved from
one to the other reads the same.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from chinwag.protocol.casemap import Folded, fold
from chinwag.storage.base import Account, AlwaysOnUser, SavedChannel
from chinwag.storage.postgres_tables import Tables
from chinwag.storage.sqlite_alwayson import channel_of, channel_row

SCHEMA_STEP = (
    # key: "always-on", "away-message"; what the server alone reads about the account.
    """
    CREATE TABLE account_settings (
        account text NOT NULL REFERENCES accounts (folded) ON DELETE CASCADE,
        key text NOT NULL,
        value text NOT NULL,
        PRIMARY KEY (account, key)
    )
    """,
    # channels: a JSON list of [name as shown, status modes]; left_at NULL while a session
    # was still connected when the row was written; saved: the order of the last save.
    """
    CREATE TABLE always_on_users (
        account text PRIMARY KEY REFERENCES accounts (folded) ON DELETE CASCADE,
        nick text NOT NULL,
        username text NOT NULL,
        host text NOT NULL,
        realname text NOT NULL,
        channels text NOT NULL,
        away text,
        left_at double precision,
        saved bigint GENERATED ALWAYS AS IDENTITY
    )
    """,
    # modes: the flag modes; lists: a JSON object of "b", "e" and "I", each a list of
    # [mask, set by, set at]; metadata: a JSON object.
    """
    CREATE TABLE always_on_channels (
        folded text PRIMARY KEY,
        name text NOT NULL,
        created bigint NOT NULL,
        modes text NOT NULL,
        key text,
        user_limit bigint,
        topic text NOT NULL,
        topic_by text NOT NULL,
        topic_at bigint NOT NULL,
        lists text NOT NULL,
        metadata text NOT NULL,
        saved bigint GENERATED ALWAYS AS IDENTITY
    )
    """,
)
"""The statements of the schema step that adds these tables."""

_SET_SETTING = """
    INSERT INTO account_settings (account, key, value)
    SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM accounts WHERE folded = $1)
    ON CONFLICT (account, key) DO UPDATE SET value = excluded.value
"""
# A user of an account that does not exist is not kept; a second one of the same account in
# one save replaces the first in its place.
_SAVE_USER = """
    INSERT INTO always_on_users
        (account, nick, username, host, realname, channels, away, left_at)
    SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE EXISTS (SELECT 1 FROM accounts WHERE folded = $1)
    ON CONFLICT (account) DO UPDATE SET nick = excluded.nick, username = excluded.username,
        host = excluded.host, realname = excluded.realname, channels = excluded.channels,
        away = excluded.away, left_at = excluded.left_at
"""
CHANNEL_COLUMNS = (
    "folded, name, created, modes, key, user_limit, topic, topic_by, topic_at, lists, metadata"
)
"""The columns of a saved channel's state, in the order of ``channel_row``."""

_SAVE_CHANNEL = f"""
    INSERT INTO always_on_channels ({CHANNEL_COLUMNS})
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
    ON CONFLICT (folded) DO UPDATE SET name = excluded.name, created = excluded.created,
        modes = excluded.modes, key = excluded.key, user_limit = excluded.user_limit,
        topic = excluded.topic, topic_by = excluded.topic_by, topic_at = excluded.topic_at,
        lists = excluded.lists, metadata = excluded.metadata
"""


class AlwaysOnTables(Tables):
    """Account settings and saved always-on users, for :class:`PostgresStore`."""

    async def _with_settings(self, accounts: list[Account]) -> list[Account]:
        """``accounts`` with the settings stored for each."""
        rows = await self._rows("SELECT account, key, value FROM account_settings")
        settings: dict[str, dict[str, str]] = {}
        for account, key, value in rows:
            settings.setdefault(account, {})[key] = value
        return [replace(account, settings=settings.get(account.folded, {})) for account in accounts]

    async def set_account_setting(self, name: Folded, key: str, value: str | None) -> None:
        """Set (or with ``None`` delete) one setting of an existing account."""

        async def change(db: Any) -> None:
            if value is None:
                await db.execute(
                    "DELETE FROM account_settings WHERE account = $1 AND key = $2", name, key
                )
            else:
                await db.execute(_SET_SETTING, name, key, value)

        await self._write(change)

    async def always_on_users(self) -> list[AlwaysOnUser]:
        """The saved always-on users (those of dropped accounts went with them)."""
        rows = await self._rows(
            "SELECT account, nick, username, host, realname, channels, away, left_at"
            " FROM always_on_users ORDER BY saved"
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
        rows = await self._rows(f"SELECT {CHANNEL_COLUMNS} FROM always_on_channels ORDER BY saved")
        return [channel_of(tuple(row)) for row in rows]

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
            )
            for user in users
        ]
        rooms = [channel_row(channel) for channel in channels]

        async def replace_all(db: Any) -> None:
            await db.execute("DELETE FROM always_on_users")
            if rows:
                await db.executemany(_SAVE_USER, rows)
            await db.execute("DELETE FROM always_on_channels")
            if rooms:
                await db.executemany(_SAVE_CHANNEL, rooms)

        await self._write(replace_all)

"""The SQLite store's channels registered with ChanServ (issue 17), kept apart from
:mod:`chinwag.storage.sqlite` so that module stays readable.

:class:`RegisteredTables` is a mixin of :class:`~chinwag.storage.sqlite.SqliteStore`: its
methods run through the store's one connection, lock and transactions. The tables are made
by schema step 8 (:data:`SCHEMA_STEP`). A registration names its founder's account by its
folded name with ``ON DELETE CASCADE``, and so does each access entry: dropping an account
unregisters the channels it founded and takes it off every access list (as Ergo does), so a
later account of the same name inherits nothing. The channel's state is stored as the
always-on channels' is (:func:`chinwag.storage.sqlite_alwayson.channel_row`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import aiosqlite

from chinwag.protocol.casemap import fold
from chinwag.storage.base import RegisteredChannel
from chinwag.storage.sqlite_alwayson import channel_of, channel_row

T = TypeVar("T")

SCHEMA_STEP = (
    # The channel's state in the columns of always_on_channels, with its founder and the
    # time it was registered.
    """
    CREATE TABLE registered_channels (
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
        metadata TEXT NOT NULL,
        founder TEXT NOT NULL REFERENCES accounts (folded) ON DELETE CASCADE,
        registered_at INTEGER NOT NULL
    )
    """,
    # mode: "o" or "v", what the account gets when it joins.
    """
    CREATE TABLE registered_channel_access (
        channel TEXT NOT NULL REFERENCES registered_channels (folded) ON DELETE CASCADE,
        account TEXT NOT NULL REFERENCES accounts (folded) ON DELETE CASCADE,
        mode TEXT NOT NULL,
        PRIMARY KEY (channel, account)
    )
    """,
)
"""The statements of the schema step that adds these tables."""

_SAVE = """
    INSERT INTO registered_channels (folded, name, created, modes, key, user_limit, topic,
        topic_by, topic_at, lists, metadata, founder, registered_at)
    SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
    WHERE EXISTS (SELECT 1 FROM accounts WHERE folded = ?)
    ON CONFLICT (folded) DO UPDATE SET name = excluded.name, created = excluded.created,
        modes = excluded.modes, key = excluded.key, user_limit = excluded.user_limit,
        topic = excluded.topic, topic_by = excluded.topic_by, topic_at = excluded.topic_at,
        lists = excluded.lists, metadata = excluded.metadata, founder = excluded.founder,
        registered_at = excluded.registered_at
"""
_SAVE_ACCESS = """
    INSERT OR REPLACE INTO registered_channel_access (channel, account, mode)
    SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM accounts WHERE folded = ?)
        AND EXISTS (SELECT 1 FROM registered_channels WHERE folded = ?)
"""


class RegisteredTables:
    """Channels registered with ChanServ, for :class:`SqliteStore`."""

    async def _rows(self, statement: str, parameters: Sequence[Any] | dict[str, Any]) -> list[Any]:
        raise NotImplementedError  # the store's

    async def _write(self, work: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        raise NotImplementedError  # the store's

    async def registered_channels(self) -> list[RegisteredChannel]:
        """The registered channels (those of dropped founders went with them), in the
        order they were saved, each with its access list sorted by account."""
        rows = await self._rows(
            "SELECT folded, name, created, modes, key, user_limit, topic, topic_by, topic_at,"
            " lists, metadata, founder, registered_at FROM registered_channels ORDER BY rowid",
            (),
        )
        access_rows = await self._rows(
            "SELECT channel, account, mode FROM registered_channel_access"
            " ORDER BY channel, account",
            (),
        )
        access: dict[str, list[tuple[Any, str]]] = {}
        for channel, account, mode in access_rows:
            access.setdefault(channel, []).append((fold(account), str(mode)))
        return [
            RegisteredChannel(
                channel_of(row[:11]), fold(row[11]), int(row[12]), tuple(access.get(row[0], ()))
            )
            for row in rows
        ]

    async def save_registered_channels(self, channels: Sequence[RegisteredChannel]) -> None:
        """Replace every registered channel with ``channels``, in one transaction."""
        rows = [
            (*channel_row(each.state), each.founder, each.registered_at, each.founder)
            for each in channels
        ]
        access = [
            (each.folded, account, mode, account, each.folded)
            for each in channels
            for account, mode in each.access
        ]

        async def replace_all(db: aiosqlite.Connection) -> None:
            await db.execute("DELETE FROM registered_channel_access")
            await db.execute("DELETE FROM registered_channels")
            await db.executemany(_SAVE, rows)
            await db.executemany(_SAVE_ACCESS, access)

        await self._write(replace_all)

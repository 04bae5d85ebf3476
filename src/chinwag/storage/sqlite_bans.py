"""The SQLite store's server bans (``UBAN``, issue 17), kept apart from
:mod:`chinwag.storage.sqlite` so that module stays readable.

:class:`BanTables` is a mixin of :class:`~chinwag.storage.sqlite.SqliteStore`: its methods
run through the store's one connection, lock and transactions (``_rows`` and ``_write``,
which the store defines). The table is made by schema step 7 (:data:`SCHEMA_STEP`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import aiosqlite

from chinwag.storage.base import ServerBan

T = TypeVar("T")

SCHEMA_STEP = (
    # kind and target name one ban (adding it again replaces it, keeping its place in the
    # rowid order LIST shows); expires_at is Unix time, NULL for a ban until removed.
    """
    CREATE TABLE server_bans (
        kind TEXT NOT NULL CHECK (kind IN ('ip', 'mask', 'account')),
        target TEXT NOT NULL,
        reason TEXT NOT NULL,
        set_by TEXT NOT NULL,
        set_at REAL NOT NULL,
        expires_at REAL,
        PRIMARY KEY (kind, target)
    )
    """,
)
"""The statements of the schema step that adds the table."""

_ADD = """
    INSERT INTO server_bans (kind, target, reason, set_by, set_at, expires_at)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (kind, target) DO UPDATE SET reason = excluded.reason,
        set_by = excluded.set_by, set_at = excluded.set_at, expires_at = excluded.expires_at
"""


class BanTables:
    """Server bans, for :class:`SqliteStore`."""

    async def _rows(self, statement: str, parameters: Sequence[Any] | dict[str, Any]) -> list[Any]:
        raise NotImplementedError  # the store's

    async def _write(self, work: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        raise NotImplementedError  # the store's

    async def server_bans(self) -> list[ServerBan]:
        """Every stored ban, in the order first added."""
        rows = await self._rows(
            "SELECT kind, target, reason, set_by, set_at, expires_at FROM server_bans"
            " ORDER BY rowid",
            (),
        )
        return [ServerBan(*row) for row in rows]

    async def add_server_ban(self, ban: ServerBan) -> None:
        """Store ``ban``, replacing the one of the same kind and target."""
        row = (ban.kind, ban.target, ban.reason, ban.set_by, ban.set_at, ban.expires_at)

        async def add(db: aiosqlite.Connection) -> None:
            await db.execute(_ADD, row)

        await self._write(add)

    async def remove_server_ban(self, kind: str, target: str) -> bool:
        """Delete the ban of ``kind`` on ``target``; whether there was one."""

        async def remove(db: aiosqlite.Connection) -> bool:
            cursor = await db.execute(
                "DELETE FROM server_bans WHERE kind = ? AND target = ?", (kind, target)
            )
            return cursor.rowcount > 0

        return await self._write(remove)

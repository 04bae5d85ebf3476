"""The PostgreSQL store's server bans (``UBAN``, issue 17), kept apart from
:mod:`chinwag.storage.postgres` so that module stays readable.

:class:`BanTables` is a mixin of :class:`~chinwag.storage.postgres.PostgresStore`. The table
is made by schema step 4 (:data:`SCHEMA_STEP`).
"""

from __future__ import annotations

from typing import Any

from chinwag.storage.base import ServerBan
from chinwag.storage.postgres_tables import Tables, affected

SCHEMA_STEP = (
    # kind and target name one ban (adding it again replaces it, keeping its place in the
    # order LIST shows: added); expires_at is Unix time, NULL for a ban until removed.
    """
    CREATE TABLE server_bans (
        kind text NOT NULL CHECK (kind IN ('ip', 'mask', 'account')),
        target text NOT NULL,
        reason text NOT NULL,
        set_by text NOT NULL,
        set_at double precision NOT NULL,
        expires_at double precision,
        added bigint GENERATED ALWAYS AS IDENTITY,
        PRIMARY KEY (kind, target)
    )
    """,
)
"""The statements of the schema step that adds the table."""

_ADD = """
    INSERT INTO server_bans (kind, target, reason, set_by, set_at, expires_at)
    VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (kind, target) DO UPDATE SET reason = excluded.reason,
        set_by = excluded.set_by, set_at = excluded.set_at, expires_at = excluded.expires_at
"""


class BanTables(Tables):
    """Server bans, for :class:`PostgresStore`."""

    async def server_bans(self) -> list[ServerBan]:
        """Every stored ban, in the order first added."""
        rows = await self._rows(
            "SELECT kind, target, reason, set_by, set_at, expires_at FROM server_bans"
            " ORDER BY added"
        )
        return [ServerBan(*row) for row in rows]

    async def add_server_ban(self, ban: ServerBan) -> None:
        """Store ``ban``, replacing the one of the same kind and target."""
        row = (ban.kind, ban.target, ban.reason, ban.set_by, ban.set_at, ban.expires_at)

        async def add(db: Any) -> None:
            await db.execute(_ADD, *row)

        await self._write(add)

    async def remove_server_ban(self, kind: str, target: str) -> bool:
        """Delete the ban of ``kind`` on ``target``; whether there was one."""

        async def remove(db: Any) -> bool:
            status = await db.execute(
                "DELETE FROM server_bans WHERE kind = $1 AND target = $2", kind, target
            )
            return affected(status) > 0

        return await self._write(remove)

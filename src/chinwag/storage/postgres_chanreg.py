"""The PostgreSQL store's channels registered with ChanServ (issue 17), kept apart from
:mod:`chinwag.storage.postgres` so that module stays readable.

:class:`RegisteredTables` is a mixin of :class:`~chinwag.storage.postgres.PostgresStore`. The
tables are made by schema step 5 (:data:`SCHEMA_STEP`). A registration names its founder's
account by its folded name with ``ON DELETE CASCADE``, and so does each access entry:
dropping an account unregisters the channels it founded and takes it off every access list
(as Ergo does). The channel's state is stored as the always-on channels' is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chinwag.protocol.casemap import fold
from chinwag.storage.base import RegisteredChannel
from chinwag.storage.postgres_alwayson import CHANNEL_COLUMNS
from chinwag.storage.postgres_tables import Tables
from chinwag.storage.sqlite_alwayson import channel_of, channel_row

SCHEMA_STEP = (
    # The channel's state in the columns of always_on_channels, with its founder and the
    # time it was registered; saved: the order of the last save.
    """
    CREATE TABLE registered_channels (
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
        founder text NOT NULL REFERENCES accounts (folded) ON DELETE CASCADE,
        registered_at bigint NOT NULL,
        saved bigint GENERATED ALWAYS AS IDENTITY
    )
    """,
    # mode: "o" or "v", what the account gets when it joins.
    """
    CREATE TABLE registered_channel_access (
        channel text NOT NULL REFERENCES registered_channels (folded) ON DELETE CASCADE,
        account text NOT NULL REFERENCES accounts (folded) ON DELETE CASCADE,
        mode text NOT NULL,
        PRIMARY KEY (channel, account)
    )
    """,
    "CREATE INDEX registered_channel_access_by_account ON registered_channel_access (account)",
)
"""The statements of the schema step that adds these tables."""

_SAVE = f"""
    INSERT INTO registered_channels ({CHANNEL_COLUMNS}, founder, registered_at)
    SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13
    WHERE EXISTS (SELECT 1 FROM accounts WHERE folded = $12)
    ON CONFLICT (folded) DO UPDATE SET name = excluded.name, created = excluded.created,
        modes = excluded.modes, key = excluded.key, user_limit = excluded.user_limit,
        topic = excluded.topic, topic_by = excluded.topic_by, topic_at = excluded.topic_at,
        lists = excluded.lists, metadata = excluded.metadata, founder = excluded.founder,
        registered_at = excluded.registered_at
"""
_SAVE_ACCESS = """
    INSERT INTO registered_channel_access (channel, account, mode)
    SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM accounts WHERE folded = $2)
        AND EXISTS (SELECT 1 FROM registered_channels WHERE folded = $1)
    ON CONFLICT (channel, account) DO UPDATE SET mode = excluded.mode
"""


class RegisteredTables(Tables):
    """Channels registered with ChanServ, for :class:`PostgresStore`."""

    async def registered_channels(self) -> list[RegisteredChannel]:
        """The registered channels (those of dropped founders went with them), in the
        order they were saved, each with its access list sorted by account."""
        rows = await self._rows(
            f"SELECT {CHANNEL_COLUMNS}, founder, registered_at FROM registered_channels"
            " ORDER BY saved"
        )
        # Sorted by code point, as Python sorts, whatever the database's locale.
        access_rows = await self._rows(
            "SELECT channel, account, mode FROM registered_channel_access"
            ' ORDER BY channel COLLATE "C", account COLLATE "C"'
        )
        access: dict[str, list[tuple[Any, str]]] = {}
        for channel, account, mode in access_rows:
            access.setdefault(channel, []).append((fold(account), str(mode)))
        return [
            RegisteredChannel(
                channel_of(tuple(row)[:11]),
                fold(row[11]),
                int(row[12]),
                tuple(access.get(row[0], ())),
            )
            for row in rows
        ]

    async def save_registered_channels(self, channels: Sequence[RegisteredChannel]) -> None:
        """Replace every registered channel with ``channels``, in one transaction."""
        rows = [(*channel_row(each.state), each.founder, each.registered_at) for each in channels]
        access = [
            (each.folded, account, mode) for each in channels for account, mode in each.access
        ]

        async def replace_all(db: Any) -> None:
            await db.execute("DELETE FROM registered_channel_access")
            await db.execute("DELETE FROM registered_channels")
            if rows:
                await db.executemany(_SAVE, rows)
            if access:
                await db.executemany(_SAVE_ACCESS, access)

        await self._write(replace_all)

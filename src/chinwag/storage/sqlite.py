"""The default :class:`~chinwag.storage.base.Store`: one SQLite file in the data directory.

Issue 4, storage: "SQLite by default (one file in the data directory, WAL, schema versioned
with migrations, created on first start) ... a message is durable before it is echoed or
acknowledged to its sender." design.md section 1 (``chinwag serve`` needs no other service)
and rule 8 (tested by the shared suite in tests/storage/test_store_suite.py).

The schema version is SQLite's ``PRAGMA user_version``: version *n* means the first *n* steps
of :data:`MIGRATIONS` have been applied. Opening applies the missing steps in order, each in
its own transaction together with the new version number, so a failed step leaves the file at
the previous version with nothing of that step in it. Later features (accounts, read markers,
metadata, offline direct messages) add steps at the end; a step is never edited once released.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from chinwag.protocol.casemap import Folded, fold
from chinwag.storage.base import StoredMessage, StoreError

log = logging.getLogger("chinwag.storage")

MigrationStep = Callable[[aiosqlite.Connection], Awaitable[None]]
"""One schema change, run inside the transaction :class:`SqliteStore` opens for it."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One step of the schema's history: what it is for, and how to apply it."""

    summary: str
    apply: MigrationStep


def sql(*statements: str) -> MigrationStep:
    """A migration step that runs ``statements`` in order (for steps that need no Python)."""

    async def apply(db: aiosqlite.Connection) -> None:
        for statement in statements:
            await db.execute(statement)

    return apply


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "messages: channel and direct message history",
        sql(
            # id orders messages stored in the same instant; msgid is NULL for a message
            # relayed without one, and UNIQUE lets a retried batch be stored again harmlessly.
            # target is folded (casemap.fold); time is Unix seconds, as StoredMessage has it.
            """
            CREATE TABLE messages (
                id INTEGER PRIMARY KEY,
                msgid TEXT UNIQUE,
                target TEXT NOT NULL CHECK (target <> ''),
                sender TEXT NOT NULL,
                time REAL NOT NULL,
                line TEXT NOT NULL
            )
            """,
            # latest() and the chathistory selectors all read one target in time order.
            "CREATE INDEX messages_by_target_time ON messages (target, time, id)",
        ),
    ),
)
"""Every schema step so far, oldest first; the schema version is how many have been applied."""

SCHEMA_VERSION = len(MIGRATIONS)
"""The schema version this code writes."""

_INSERT = """
    INSERT INTO messages (msgid, target, sender, time, line) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (msgid) DO NOTHING
"""
# Newest first so LIMIT keeps the newest; latest() turns the page round.
_LATEST = """
    SELECT msgid, target, sender, time, line FROM messages
    WHERE target = ? ORDER BY time DESC, id DESC LIMIT ?
"""


class SqliteStore:
    """History in one SQLite database file; make one with ``await SqliteStore.open(path)``.

    One connection, used by one task at a time (a lock keeps a reader from seeing a batch
    before it is committed). The file is in WAL mode with ``synchronous=FULL``: WAL lets
    readers and the writer overlap and makes a commit one sequential append, and FULL makes
    that append reach the disk before the commit returns. With ``synchronous=NORMAL`` a WAL
    commit is only synced at the next checkpoint, so a power cut could lose messages already
    echoed to their senders, which issue 4 rules out.
    """

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        """Wrap a connection that :meth:`open` has configured and migrated; use :meth:`open`."""
        self._db = db
        self._lock = asyncio.Lock()
        self.path = path
        """The database file."""

    @classmethod
    async def open(
        cls, path: Path | str, *, migrations: Sequence[Migration] = MIGRATIONS
    ) -> SqliteStore:
        """Open the database at ``path``, creating it and its directories on first start.

        Applies the steps of ``migrations`` the file does not have yet. Raises
        :class:`~chinwag.storage.base.StoreError` if the directory cannot be made, the file
        is not a SQLite database, or it was written by a newer chinwag (its schema version is
        beyond ``migrations``); a newer file is left untouched.
        """
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create the data directory {path.parent}: {error}") from None
        try:
            # isolation_level=None: no implicit transactions; every one here is explicit.
            db = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as error:
            raise StoreError(f"cannot open the database {path}: {error}") from None
        try:
            await _prepare(db, path, migrations)
        except BaseException:
            await db.close()
            raise
        return cls(db, path)

    async def append(self, messages: Sequence[StoredMessage]) -> None:
        """Store ``messages`` in one transaction; returns once it is committed and synced.

        A message whose msgid is already stored is skipped, the first copy kept, and the rest of
        the batch is stored: a batch retried after an error must not fail on the part that made
        it. If the database refuses any other message (a constraint, a full disk), the whole
        batch is rolled back and :class:`sqlite3.Error` propagates.
        """
        if not messages:
            return
        # NULL, not "": UNIQUE would otherwise let only one message without a msgid in.
        rows = [(m.msgid or None, m.target, m.sender, m.time, m.line) for m in messages]
        # Shielded so that a cancelled caller cannot leave the transaction open halfway.
        await asyncio.shield(self._write(rows))

    async def _write(self, rows: Sequence[tuple[str | None, str, str, float, str]]) -> None:
        async with self._lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                await self._db.executemany(_INSERT, rows)
                await self._db.commit()
            except BaseException:
                await self._db.rollback()
                raise

    async def latest(self, target: Folded, limit: int) -> list[StoredMessage]:
        """The last ``limit`` messages to ``target``, oldest first (by time, then arrival)."""
        if limit <= 0:  # SQLite reads a negative LIMIT as "no limit"
            return []
        async with self._lock:
            rows = await self._db.execute_fetchall(_LATEST, (target, limit))
        return [
            StoredMessage(msgid or "", fold(folded), sender, when, line)
            for msgid, folded, sender, when, line in reversed(list(rows))
        ]

    async def close(self) -> None:
        """Close the connection (again: nothing); SQLite folds the WAL into the file."""
        async with self._lock:
            await self._db.close()


async def _prepare(db: aiosqlite.Connection, path: Path, migrations: Sequence[Migration]) -> None:
    """Check the schema version, set the pragmas, and apply the missing migrations."""
    try:
        version = await _schema_version(db)
    except sqlite3.DatabaseError as error:
        raise StoreError(f"{path} is not a chinwag database ({error})") from None
    # Checked before anything is written, so a newer chinwag's file stays exactly as it was.
    if version > len(migrations):
        raise StoreError(
            f"{path} has schema version {version}, but this chinwag only knows versions up to "
            f"{len(migrations)}: it was written by a newer chinwag. Upgrade chinwag, or set "
            "[storage] path (CHINWAG_STORAGE_PATH) to another file."
        )
    rows = await db.execute_fetchall("PRAGMA journal_mode = WAL")
    mode = next(iter(rows))[0]
    if mode != "wal":  # e.g. a network file system without shared memory; still durable
        log.warning("%s: SQLite could not use WAL (journal mode %s)", path, mode)
    await db.execute("PRAGMA synchronous = FULL")
    await db.execute("PRAGMA foreign_keys = ON")  # for the tables later steps relate
    await db.execute("PRAGMA busy_timeout = 5000")  # a backup tool may hold the file briefly
    for number, migration in enumerate(migrations[version:], start=version + 1):
        await db.execute("BEGIN IMMEDIATE")
        try:
            await migration.apply(db)
            # user_version lives in the file header, so it commits (or not) with the step.
            await db.execute(f"PRAGMA user_version = {number:d}")
            await db.commit()
        except BaseException as error:
            await db.rollback()
            if isinstance(error, sqlite3.Error):
                raise StoreError(
                    f"{path}: schema step {number} ({migration.summary}) failed: {error}"
                ) from error
            raise
        log.info("%s: schema version %d (%s)", path, number, migration.summary)


async def _schema_version(db: aiosqlite.Connection) -> int:
    rows = await db.execute_fetchall("PRAGMA user_version")
    return int(next(iter(rows))[0])

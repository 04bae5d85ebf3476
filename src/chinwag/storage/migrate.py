"""``chinwag migrate``: copy a SQLite store into PostgreSQL, resumably (issue 18, "Moving
up": "copies accounts, history, read markers and metadata, resumably, so a community that
started on the default can grow without losing anything").

The SQLite file is read, never written: it is opened read-only and read in one transaction,
so the whole run sees one snapshot. The server using it should be stopped first; a file
another process has open is refused (:func:`open_elsewhere`). The PostgreSQL database is
opened as a :class:`~chinwag.storage.postgres.PostgresStore` opens it, which creates or
brings up to date its schema.

Each table (:data:`chinwag.storage.migrate_tables.TABLES`) is copied in batches in
``rowid`` order. A batch is one PostgreSQL transaction together with its progress record,
a row of ``chinwag_migration`` (the source, the table, the last ``rowid`` copied, how many
rows so far): a run that is interrupted, by a signal, a lost connection or a power cut,
keeps exactly the batches whose progress was recorded, and the next run carries on after
the last one. A run after a complete one copies nothing again, only rows added since.

Refused: a file that is not a chinwag SQLite database, or that has another schema version
than this chinwag writes; a target that holds data not copied from this file (another
source's migration, or a server's own data), unless ``force``; a target that cannot be
reached (:class:`~chinwag.storage.base.StoreError`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg

from chinwag.storage.base import StoreError
from chinwag.storage.dsn import public_dsn
from chinwag.storage.migrate_tables import TABLES
from chinwag.storage.postgres import PostgresStore
from chinwag.storage.sqlite_schema import SCHEMA_VERSION

DEFAULT_BATCH = 1000
"""Rows copied per transaction unless the caller says otherwise."""

_PROGRESS_TABLE = """
    CREATE TABLE IF NOT EXISTS chinwag_migration (
        source text NOT NULL,
        source_table text NOT NULL,
        last_key bigint NOT NULL,
        copied bigint NOT NULL,
        id_offset bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source, source_table)
    )
"""
_RECORD = """
    INSERT INTO chinwag_migration (source, source_table, last_key, copied, id_offset)
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (source, source_table) DO UPDATE SET last_key = excluded.last_key,
        copied = excluded.copied, updated_at = now()
"""
# One migration into a schema at a time; named after the schema, as the store's lock is.
_LOCK = (
    "SELECT pg_try_advisory_lock(hashtext('chinwag migrate ' || coalesce(current_schema(), '')))"
)
# New messages written by a server afterwards get ids after the copied ones.
_FOLLOW_IDS = (
    "SELECT setval(pg_get_serial_sequence('messages', 'id'), max(id)) FROM messages"
    " HAVING max(id) IS NOT NULL"
)


_FAILED = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError)
"""What asyncpg raises when the database refuses or cannot be reached."""


class MigrationError(Exception):
    """The migration was refused or failed; the message says why, for a person."""


@dataclass(slots=True)
class TableProgress:
    """How far one table's copy is: ``before`` rows were copied by earlier runs, ``now``
    by this one, of ``total`` the source holds."""

    table: str
    total: int
    before: int = 0
    now: int = 0

    @property
    def copied(self) -> int:
        """Rows of this table in the target from this source, all runs together."""
        return self.before + self.now


Report = Callable[[TableProgress], None]
"""Told after each batch (and once for a table with nothing left to copy)."""


@dataclass(frozen=True, slots=True)
class MigrationResult:
    """What a run did, table by table; ``complete`` unless it was told to stop early."""

    source: str
    target: str
    tables: tuple[TableProgress, ...]
    complete: bool

    @property
    def copied_now(self) -> int:
        """Rows this run copied."""
        return sum(each.now for each in self.tables)

    @property
    def copied_before(self) -> int:
        """Rows earlier runs had copied."""
        return sum(each.before for each in self.tables)


def source_identity(path: Path) -> str:
    """What names a source in the progress records: its absolute path, links resolved
    (a file moved to another place counts as another source)."""
    return f"sqlite:{path.resolve()}"


def open_elsewhere(path: Path) -> bool:
    """Whether another process has the SQLite database ``path`` open (a running server).

    Every connection to a database in WAL mode holds a shared POSIX lock on one byte of
    its ``-shm`` file (SQLite's "DMS" lock, byte 128 on Unix) for as long as it is open;
    an exclusive lock on that byte is refused while one does. The lock is tried and given
    back at once, before this process opens the database itself (closing a file drops every
    POSIX lock the process holds on it, SQLite's included). Without ``fcntl`` (Windows) this
    cannot tell, and says no.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return False
    try:
        fd = os.open(f"{path}-shm", os.O_RDWR)
    except OSError:  # no -shm file: nobody has it open in WAL mode
        return False
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 128)
        except OSError:
            return True
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, 128)
        return False
    finally:
        os.close(fd)


@contextlib.asynccontextmanager
async def _read_source(path: Path) -> AsyncIterator[aiosqlite.Connection]:
    """The SQLite database at ``path``, checked to be a chinwag store of this schema
    version, open read-only inside one read transaction (one snapshot for the run)."""
    if not path.is_file():
        raise MigrationError(f"there is no database at {path}")
    if open_elsewhere(path):
        raise MigrationError(
            f"{path} is open in another process (is chinwag serve running?). Stop the server"
            " first: a copy taken while it writes could miss what changes meanwhile."
        )
    # A file its server closed cleanly has no -wal left: read it as immutable, which makes
    # no -wal and -shm beside it. One with a -wal (a server that crashed) needs them to
    # read what the log holds; read-only still writes nothing to the database.
    wal = Path(f"{path}-wal").exists()
    mode = "mode=ro" if wal else "mode=ro&immutable=1"
    try:
        db = await aiosqlite.connect(f"{path.absolute().as_uri()}?{mode}", uri=True)
    except sqlite3.Error as error:
        raise MigrationError(f"cannot open {path}: {error}") from None
    try:
        await _check_source(db, path)
        await db.execute("BEGIN")
        yield db
    finally:
        with contextlib.suppress(sqlite3.Error):
            await db.rollback()
        await db.close()


async def _check_source(db: aiosqlite.Connection, path: Path) -> None:
    try:
        version = int(next(iter(await db.execute_fetchall("PRAGMA user_version")))[0])
        names = {row[0] for row in await db.execute_fetchall("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        raise MigrationError(f"{path} is not a SQLite database ({error})") from None
    if version == 0 or "messages" not in names:
        raise MigrationError(f"{path} is not a chinwag database (it has no chinwag schema)")
    if version > SCHEMA_VERSION:
        raise MigrationError(
            f"{path} has schema version {version}, but this chinwag only knows versions up to"
            f" {SCHEMA_VERSION}: it was written by a newer chinwag. Migrate with that version."
        )
    if version < SCHEMA_VERSION:
        raise MigrationError(
            f"{path} has schema version {version}, older than this chinwag's {SCHEMA_VERSION}."
            " Start this chinwag's server on it once (it brings the file up to date on start),"
            " stop it, then migrate."
        )


async def _check_target(db: Any, source: str, force: bool) -> None:
    """Refuse a target holding data that did not come from ``source`` (unless ``force``)."""
    others = [
        row[0]
        for row in await db.fetch(
            "SELECT DISTINCT source FROM chinwag_migration WHERE source <> $1 ORDER BY 1", source
        )
    ]
    mine = await db.fetchval(
        "SELECT EXISTS (SELECT 1 FROM chinwag_migration WHERE source = $1)", source
    )
    if force:
        return
    if others:
        raise MigrationError(
            f"the target already holds data copied from {', '.join(others)}; give --force to"
            " copy this one into it as well"
        )
    if not mine:
        for table in TABLES:
            if await db.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table.name})"):
                raise MigrationError(
                    f"the target already holds data ({table.name} is not empty) that was not"
                    " copied from this file; name an empty database, or give --force to add"
                    " this file's data to it (where both have the same key, the target's row"
                    " is kept)"
                )


async def _progress(db: Any, source: str) -> dict[str, tuple[int, int, int]]:
    """Each table's recorded ``(last_key, copied, id_offset)`` for ``source``."""
    rows = await db.fetch(
        "SELECT source_table, last_key, copied, id_offset FROM chinwag_migration WHERE source = $1",
        source,
    )
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


async def migrate(
    source_path: Path,
    dsn: str,
    *,
    force: bool = False,
    batch_size: int = DEFAULT_BATCH,
    report: Report | None = None,
    stop_after: int | None = None,
) -> MigrationResult:
    """Copy the SQLite store at ``source_path`` into the PostgreSQL database ``dsn``.

    Carries on from where an earlier run from the same file stopped. ``report`` is told
    of each table's progress; ``stop_after`` stops after that many batches (committed), as
    an interruption would, for tests. Raises :class:`MigrationError` when refused and
    :class:`~chinwag.storage.base.StoreError` when PostgreSQL cannot be reached or fails.
    """
    if batch_size < 1:
        raise MigrationError("the batch size must be at least 1")
    source = source_identity(source_path)
    async with _read_source(source_path) as sqlite:
        # Opening the store creates the schema or brings it up to date (or refuses a newer
        # one); the copy then runs on a connection of its own, which holds the lock.
        await (await PostgresStore.open(dsn, max_connections=1)).close()
        where = public_dsn(dsn)
        try:
            db = await asyncpg.connect(dsn, timeout=10)
        except (*_FAILED, ValueError) as error:
            raise StoreError(f"cannot connect to PostgreSQL at {where}: {error}") from None
        try:
            return await _copy(sqlite, db, source, where, force, batch_size, report, stop_after)
        except _FAILED as error:
            raise StoreError(f"PostgreSQL at {where}: {type(error).__name__}: {error}") from error
        except sqlite3.Error as error:
            raise MigrationError(f"reading {source_path} failed: {error}") from error
        finally:
            await db.close()


async def _copy(
    sqlite: aiosqlite.Connection,
    db: Any,
    source: str,
    where: str,
    force: bool,
    batch_size: int,
    report: Report | None,
    stop_after: int | None,
) -> MigrationResult:
    await db.execute(_PROGRESS_TABLE)
    if not await db.fetchval(_LOCK):
        raise MigrationError(f"another chinwag migrate is copying into {where}; wait for it")
    await _check_target(db, source, force)
    progress = await _progress(db, source)
    tables: list[TableProgress] = []
    batches = 0
    complete = True
    for table in TABLES:
        total = int(
            next(iter(await sqlite.execute_fetchall(f"SELECT count(*) FROM {table.name}")))[0]
        )
        last_key, copied, offset = progress.get(table.name, (0, 0, 0))
        if table.offset:
            offset = progress.get("messages", (0, 0, 0))[2]
        state = TableProgress(table.name, total, before=copied)
        tables.append(state)
        while True:
            if stop_after is not None and batches >= stop_after:
                complete = False
                break
            rows = list(await sqlite.execute_fetchall(table.select(), (last_key, batch_size)))
            if not rows:
                break
            first = table.name == "messages" and "messages" not in progress
            async with db.transaction():
                if first:
                    offset = await _first_offset(db)
                await db.executemany(table.insert, [table.convert(row[1:], offset) for row in rows])
                if table.name == "messages":
                    await db.execute(_FOLLOW_IDS)
                last_key = int(rows[-1][0])
                await db.execute(
                    _RECORD, source, table.name, last_key, state.copied + len(rows), offset
                )
            if first:
                progress["messages"] = (last_key, 0, offset)
            state.now += len(rows)
            batches += 1
            if report is not None:
                report(state)
        if not complete:
            break
        if report is not None and state.now == 0:
            report(state)
    return MigrationResult(source, where, tuple(tables), complete)


async def _first_offset(db: Any) -> int:
    """The offset of this source's message ids: past every message the target holds (none:
    0, so ids stay as they were)."""
    return int(await db.fetchval("SELECT coalesce(max(id), 0) FROM messages"))

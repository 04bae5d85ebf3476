"""The default :class:`~chinwag.storage.base.Store`: one SQLite file in the data directory.

Issue 4, storage: "SQLite by default (one file in the data directory, WAL, schema versioned
with migrations, created on first start) ... a message is durable before it is echoed or
acknowledged to its sender." design.md section 1 (``chinwag serve`` needs no other service)
and rule 8 (tested by the shared suite in tests/storage/test_store_suite.py).

The schema is versioned with migrations (:mod:`chinwag.storage.sqlite_schema`): opening a
file applies the steps it does not have yet, each in its own transaction together with the
new version number, so a failed step leaves the file at the previous version with nothing of
that step in it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import sqlite3
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from chinwag.protocol.casemap import Folded, fold
from chinwag.storage.base import (
    Account,
    Bound,
    Forget,
    HistoryChange,
    MemberChange,
    MoveTarget,
    Redact,
    StoredMessage,
    StoreError,
    account_identity,
    identity_kind,
    identity_value,
    membership_time,
)
from chinwag.storage.search import SearchQuery
from chinwag.storage.sqlite_alwayson import AlwaysOnTables
from chinwag.storage.sqlite_bans import BanTables
from chinwag.storage.sqlite_chanreg import RegisteredTables
from chinwag.storage.sqlite_schema import MIGRATIONS, SCHEMA_VERSION, Migration, sql
from chinwag.storage.sqlite_search import register_functions, search_statement

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Migration", "SqliteStore", "sql"]

log = logging.getLogger("chinwag.storage")

T = TypeVar("T")

_MESSAGE_COLUMNS = "msgid, target, sender, time, line, account, event, offline_for, private"
MessageRow = tuple[str | None, str, str, float, str, str | None, int, str | None, int]
"""A message as the ``messages`` table holds it, in the order of ``_MESSAGE_COLUMNS``."""

_INSERT = f"""
    INSERT INTO messages ({_MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (msgid) DO NOTHING
"""
ROWS_PER_INSERT = 200
"""The most messages stored with one multi-row INSERT: 1,800 parameters, well inside
SQLite's limit of 32,766. A longer batch (a burst) is one explicit transaction instead."""


@functools.lru_cache(maxsize=ROWS_PER_INSERT)
def _insert_many(count: int) -> str:
    """The INSERT of ``count`` messages (its text is cached, and so is SQLite's statement)."""
    rows = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?)"] * count)
    return f"INSERT INTO messages ({_MESSAGE_COLUMNS}) VALUES {rows} ON CONFLICT (msgid) DO NOTHING"


# The account may have been dropped since the message was relayed (and its name registered
# again, under a new id): then there is no one left to deliver it to, and it is only kept.
_QUEUE_OFFLINE = """
    INSERT INTO offline (account, message_id)
    SELECT folded, :message_id FROM accounts WHERE id = :id
"""
# A private message is readable by an identity that was a member when it was said.
_READABLE = """(private = 0 OR EXISTS (
    SELECT 1 FROM members AS m
    WHERE m.target = messages.target AND m.identity = :reader
        AND m.since <= messages.time AND (m.until IS NULL OR m.until >= messages.time)
))"""
# Newest first so LIMIT keeps the newest; latest() turns the page round.
_LATEST = f"""
    SELECT {_MESSAGE_COLUMNS} FROM messages
    WHERE target = :target AND {_READABLE} ORDER BY time DESC, id DESC LIMIT :limit
"""
_FIND = (
    f"SELECT {_MESSAGE_COLUMNS} FROM messages"
    f" WHERE target = :target AND msgid = :msgid AND {_READABLE}"
)
_POSITION = (
    f"SELECT time, id FROM messages WHERE target = :target AND msgid = :msgid AND {_READABLE}"
)
# Every conversation an identity is part of: "low high" keys, so one side is a prefix
# range of the index and the other needs the distinct targets walked (as _TARGETS does).
_CONVERSATIONS_OF = """
    WITH RECURSIVE named (target) AS (
        SELECT min(target) FROM messages
        UNION ALL
        SELECT (SELECT min(target) FROM messages WHERE target > named.target)
        FROM named WHERE named.target IS NOT NULL
    )
    SELECT target FROM named
    WHERE target IS NOT NULL AND instr(target, ' ') > 0
        AND (substr(target, 1, instr(target, ' ') - 1) = :identity
             OR substr(target, instr(target, ' ') + 1) = :identity)
"""
# Conversation keys are "low high" (base.conversation_key). Compared with substr rather than
# LIKE, whose % and _ would need escaping in nicks such as "a_b" or "c\d".
_TARGETS = """
    WITH RECURSIVE
        -- Every distinct target, one index seek each rather than a scan of all messages.
        named (target) AS (
            SELECT min(target) FROM messages
            UNION ALL
            SELECT (SELECT min(target) FROM messages WHERE target > named.target)
            FROM named WHERE named.target IS NOT NULL
        ),
        split (target, gap) AS (
            SELECT target, instr(target, ' ') FROM named WHERE target IS NOT NULL
        ),
        mine (target) AS (
            SELECT target FROM split
            WHERE target IN ({channels})
                OR (gap > 0 AND (substr(target, 1, gap - 1) = :identity
                                 OR substr(target, gap + 1) = :identity))
        ),
        latest (target, time) AS (
            SELECT target, (
                SELECT time FROM messages
                WHERE messages.target = mine.target AND event = 0
                    AND (private = 0 OR EXISTS (
                        SELECT 1 FROM members AS m
                        WHERE m.target = messages.target AND m.identity = :identity
                            AND m.since <= messages.time
                            AND (m.until IS NULL OR m.until >= messages.time)))
                ORDER BY time DESC, id DESC LIMIT 1
            ) FROM mine
        )
    -- A target is listed when its newest message (the one a client would see last) falls
    -- in the range, not when some older one does.
    SELECT target, time FROM latest WHERE time > :after AND time < :before
    ORDER BY time, target LIMIT :limit
"""
_NOT_WAITING = "id NOT IN (SELECT message_id FROM offline)"
_PRUNE_OLD = f"DELETE FROM messages WHERE time < ? AND {_NOT_WAITING}"
# Rank 1 is a target's newest message; the order is the one history() reads in.
_PRUNE_BEYOND = f"""
    DELETE FROM messages WHERE id IN (
        SELECT id FROM (
            SELECT id, row_number() OVER (
                PARTITION BY target ORDER BY time DESC, id DESC
            ) AS rank FROM messages
        ) WHERE rank > ?
    ) AND {_NOT_WAITING}
"""
_OFFLINE = f"""
    SELECT {", ".join("m." + column for column in _MESSAGE_COLUMNS.split(", "))}
    FROM offline AS o JOIN messages AS m ON m.id = o.message_id
    WHERE o.account = ? ORDER BY m.time, m.id
"""
_CLEAR_OFFLINE = """
    DELETE FROM offline
    WHERE account = ? AND message_id = (SELECT id FROM messages WHERE msgid = ?)
"""
_ACCOUNT_COLUMNS = (
    "name, password_hash, scram_salt, scram_iterations, scram_stored_key, scram_server_key,"
    " created, id"
)
_CREATE_ACCOUNT = f"""
    INSERT INTO accounts (folded, {_ACCOUNT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (folded) DO NOTHING
"""
_UPDATE_PASSWORD = """
    UPDATE accounts SET password_hash = ?, scram_salt = ?, scram_iterations = ?,
        scram_stored_key = ?, scram_server_key = ?
    WHERE folded = ?
"""
# Metadata and markers of an account that does not exist (any more) are not kept: the
# foreign key would refuse them, and there is no one to restore them to.
_SET_METADATA = """
    INSERT INTO account_metadata (account, key, value)
    SELECT :account, :key, :value WHERE EXISTS (SELECT 1 FROM accounts WHERE folded = :account)
    ON CONFLICT (account, key) DO UPDATE SET value = excluded.value
"""
_ADD_CERTFP = """
    INSERT INTO account_certfps (fingerprint, account)
    SELECT :fingerprint, :account WHERE EXISTS (SELECT 1 FROM accounts WHERE folded = :account)
    ON CONFLICT (fingerprint) DO NOTHING
"""
_SET_MARKER = """
    INSERT INTO read_markers (account, target, time)
    SELECT :account, :target, :time WHERE EXISTS (SELECT 1 FROM accounts WHERE folded = :account)
    ON CONFLICT (account, target) DO UPDATE SET time = max(time, excluded.time)
"""


def _row(message: StoredMessage) -> MessageRow:
    # NULL, not "": UNIQUE would otherwise let only one message without a msgid in.
    return (
        message.msgid or None,
        message.target,
        message.sender,
        message.time,
        message.line,
        message.account,
        int(message.event),
        message.offline_for,
        int(message.private),
    )


def _message(row: Iterable[Any]) -> StoredMessage:
    msgid, target, sender, when, line, account, event, offline_for, private = row
    return StoredMessage(
        msgid or "",
        fold(target),
        sender,
        when,
        line,
        account,
        bool(event),
        None if offline_for is None else fold(offline_for),
        bool(private),
    )


def _account(row: Sequence[Any], metadata: dict[str, str], certfps: list[str]) -> Account:
    """An account from its row (``folded``, then ``_ACCOUNT_COLUMNS``), its metadata and
    its certificate fingerprints."""
    _, name, password_hash, salt, iterations, stored_key, server_key, created, account_id = row
    keys = (salt, iterations, stored_key, server_key)
    return Account(name, password_hash, *keys, created, metadata, account_id, tuple(certfps))


async def _apply(db: aiosqlite.Connection, change: HistoryChange) -> None:
    """One membership or forgetting, inside the caller's transaction."""
    if isinstance(change, MemberChange):
        if change.joined:
            await db.execute(
                "INSERT INTO members (target, identity, since) SELECT :target, :identity, :time"
                " WHERE NOT EXISTS (SELECT 1 FROM members"
                " WHERE target = :target AND identity = :identity AND until IS NULL)",
                {"target": change.target, "identity": change.identity, "time": change.stored_time},
            )
        else:
            await db.execute(
                "UPDATE members SET until = ? WHERE target = ? AND identity = ? AND until IS NULL",
                (change.stored_time, change.target, change.identity),
            )
        return
    if isinstance(change, Redact):
        # The FTS delete trigger takes it out of the search index too.
        await db.execute(
            "DELETE FROM messages WHERE target = ? AND msgid = ?", (change.target, change.msgid)
        )
        return
    if isinstance(change, MoveTarget):
        await _move_target(db, change.old, change.new)
        return
    await _forget(db, change)


async def _move_target(db: aiosqlite.Connection, old: Folded, new: Folded) -> None:
    """Move channel ``old``'s messages, memberships and read markers to ``new``, inside the
    caller's transaction (a read marker already at ``new`` keeps the later moment)."""
    if old == new:
        return
    await db.execute("UPDATE messages SET target = ? WHERE target = ?", (new, old))
    await db.execute("UPDATE members SET target = ? WHERE target = ?", (new, old))
    await db.execute(
        "INSERT INTO read_markers (account, target, time)"
        " SELECT account, ?, time FROM read_markers WHERE target = ? AND true"
        " ON CONFLICT (account, target) DO UPDATE SET time = max(time, excluded.time)",
        (new, old),
    )
    await db.execute("DELETE FROM read_markers WHERE target = ?", (old,))


async def _forget(db: aiosqlite.Connection, change: Forget) -> None:
    """Delete ``change.identity``'s conversations (their waiting copies go with them) and
    memberships."""
    if change.targets is None:
        found = await db.execute_fetchall(_CONVERSATIONS_OF, {"identity": change.identity})
        targets = [target for (target,) in found]
    else:
        targets = [t for t in change.targets if change.identity in t.split(" ")]
    await db.executemany("DELETE FROM messages WHERE target = ?", [(t,) for t in targets])
    await db.execute("DELETE FROM members WHERE identity = ?", (change.identity,))


def _make_private(path: Path) -> None:
    """Create the database file readable and writable by its owner only (0600), or make an
    existing one (and its -wal and -shm files) so. SQLite gives the -wal and -shm files it
    creates the database file's permissions, so those follow."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return
    except FileExistsError:
        pass
    for each in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if each.exists():
            each.chmod(0o600)


class SqliteStore(AlwaysOnTables, BanTables, RegisteredTables):
    """History, accounts and read markers in one SQLite database file; make one with
    ``await SqliteStore.open(path)``.

    One connection, used by one task at a time (a lock keeps a reader from seeing a write
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
            # Private to the server's user: it holds everyone's messages and password hashes.
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            _make_private(path)
        except OSError as error:
            raise StoreError(f"cannot create the data directory {path.parent}: {error}") from None
        try:
            # isolation_level=None: no implicit transactions; every one here is explicit.
            db = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as error:
            raise StoreError(f"cannot open the database {path}: {error}") from None
        try:
            await register_functions(db)
            await _prepare(db, path, migrations)
        except BaseException:
            await db.close()
            raise
        return cls(db, path)

    # -- transactions ------------------------------------------------------------------------

    async def _write(self, work: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """Run ``work`` in one transaction: committed when it returns, rolled back if it
        raises (and the error propagates)."""
        # Shielded so that a cancelled caller cannot leave the transaction open halfway.
        return await asyncio.shield(self._transaction(work))

    async def _transaction(self, work: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        async with self._lock:
            # IMMEDIATE takes the write lock now, so a busy file fails here, not halfway.
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                result = await work(self._db)
                await self._db.commit()
            except BaseException:
                await self._db.rollback()
                raise
            return result

    async def _rows(self, statement: str, parameters: Sequence[Any] | dict[str, Any]) -> list[Any]:
        async with self._lock:
            return list(await self._db.execute_fetchall(statement, parameters))

    # -- history -------------------------------------------------------------------------------

    async def append(
        self, messages: Sequence[StoredMessage], changes: Sequence[HistoryChange] = ()
    ) -> None:
        """Store ``messages`` in one transaction; returns once it is committed and synced.

        A message whose msgid is already stored is skipped, the first copy kept, and the rest of
        the batch is stored: a batch retried after an error must not fail on the part that made
        it. If the database refuses any other message (a constraint, a full disk), the whole
        batch is rolled back and :class:`sqlite3.Error` propagates.

        A message with ``offline_for`` is queued for that account only if the account exists
        (it may have been dropped since the message was relayed); otherwise it is just kept
        in history. ``changes`` are applied after the messages, in the same transaction.
        """
        if not messages and not changes:
            return
        if (
            not changes
            and len(messages) <= ROWS_PER_INSERT
            and all(m.offline_for is None for m in messages)
        ):
            # One multi-row INSERT is one statement, which SQLite commits alone and atomically,
            # in one trip to aiosqlite's thread (BEGIN / executemany / COMMIT takes three).
            rows = [value for message in messages for value in _row(message)]
            async with self._lock:  # never inside another coroutine's open transaction
                await self._db.execute_fetchall(_insert_many(len(messages)), rows)
            return

        async def insert(db: aiosqlite.Connection) -> None:
            # Runs of ordinary messages go in with one executemany; a message for an offline
            # account goes in alone, because its new row id is needed to queue it.
            run: list[MessageRow] = []
            for message in messages:
                if message.offline_for is None:
                    run.append(_row(message))
                    continue
                if run:
                    await db.executemany(_INSERT, run)
                    run = []
                async with db.execute(_INSERT, _row(message)) as cursor:
                    stored, row_id = cursor.rowcount, cursor.lastrowid
                owner = message.offline_for
                # 0 when the msgid was already stored: the first copy stays as it was.
                if stored and identity_kind(owner) == "a":
                    await db.execute(
                        _QUEUE_OFFLINE, {"id": identity_value(owner), "message_id": row_id}
                    )
            if run:
                await db.executemany(_INSERT, run)
            for change in changes:
                await _apply(db, change)

        await self._write(insert)

    async def latest(
        self, target: Folded, limit: int, *, reader: Folded | None = None
    ) -> list[StoredMessage]:
        """The last ``limit`` messages to ``target`` that ``reader`` may read, oldest first
        (by time, then arrival)."""
        if limit <= 0:  # SQLite reads a negative LIMIT as "no limit"
            return []
        rows = await self._rows(_LATEST, {"target": target, "limit": limit, "reader": reader})
        return [_message(row) for row in reversed(rows)]

    async def find(
        self, target: Folded, msgid: str, *, reader: Folded | None = None
    ) -> StoredMessage | None:
        """The message to ``target`` with this msgid, if stored and ``reader`` may read it."""
        rows = await self._rows(_FIND, {"target": target, "msgid": msgid, "reader": reader})
        return _message(rows[0]) if rows else None

    async def move_target(self, old: Folded, new: Folded) -> None:
        """Move channel ``old``'s history to ``new`` (see ``Store``)."""

        async def move(db: aiosqlite.Connection) -> None:
            await _move_target(db, old, new)

        await self._write(move)

    async def end_memberships(self, when: float) -> None:
        """Close every private membership still open at ``when`` (see ``Store``)."""

        async def end(db: aiosqlite.Connection) -> None:
            await db.execute(
                "UPDATE members SET until = ? WHERE until IS NULL", (membership_time(when),)
            )

        await self._write(end)

    async def history(
        self,
        target: Folded,
        *,
        after: Bound | None = None,
        before: Bound | None = None,
        limit: int,
        newest: bool = True,
        events: bool = False,
        reader: Folded | None = None,
    ) -> list[StoredMessage]:
        """Messages to ``target`` strictly between ``after`` and ``before``, oldest first.

        Messages are ordered by time, then by the order they were stored (``id``); a msgid
        bound sits at its message's place in that order, and one not stored for ``target``
        makes the answer empty. See ``Store.history``.
        """
        if limit <= 0:
            return []
        conditions = ["target = :target", _READABLE]
        parameters: dict[str, object] = {"target": target, "reader": reader, "limit": limit}
        async with self._lock:
            for bound, operator, name in ((after, ">", "after"), (before, "<", "before")):
                if bound is None:
                    continue
                if bound.msgid is not None:
                    # A msgid the reader may not read names no place (it must not tell
                    # where a private message sits).
                    found = list(
                        await self._db.execute_fetchall(
                            _POSITION, {"target": target, "msgid": bound.msgid, "reader": reader}
                        )
                    )
                    if not found:
                        return []
                    # Row values compare in order: time first, then storage order.
                    conditions.append(f"(time, id) {operator} (:{name}_time, :{name}_id)")
                    parameters[f"{name}_time"], parameters[f"{name}_id"] = found[0]
                else:
                    conditions.append(f"time {operator} :{name}_time")
                    parameters[f"{name}_time"] = bound.time if bound.time is not None else 0.0
            if not events:
                conditions.append("event = 0")
            order = "DESC" if newest else "ASC"
            statement = (
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE {' AND '.join(conditions)}"
                f" ORDER BY time {order}, id {order} LIMIT :limit"
            )
            rows = list(await self._db.execute_fetchall(statement, parameters))
        if newest:
            rows.reverse()
        return [_message(row) for row in rows]

    async def targets(
        self,
        channels: Collection[Folded],
        identity: Folded,
        after: float,
        before: float,
        limit: int,
    ) -> list[tuple[Folded, float]]:
        """Channels and ``identity``'s conversations whose latest message is in the range,
        and its time, earliest first (ties by name); see ``Store.targets``."""
        if limit <= 0:
            return []
        # One parameter per channel: they are one user's channels, far fewer than SQLite's
        # limit on parameters (32766), since CHANLIMIT caps them.
        names = [f":channel{index}" for index in range(len(channels))]
        parameters: dict[str, object] = {
            "identity": identity,
            "after": after,
            "before": before,
            "limit": limit,
        }
        parameters.update(zip((name[1:] for name in names), channels, strict=True))
        rows = await self._rows(_TARGETS.format(channels=", ".join(names)), parameters)
        return [(fold(target), when) for target, when in rows]

    async def search(self, query: SearchQuery) -> list[StoredMessage]:
        """The newest matches the asker may read, oldest first, from the FTS5 index
        (:mod:`chinwag.storage.sqlite_search`); see ``Store.search``."""
        found = None if query.limit <= 0 else search_statement(query, _READABLE)
        if found is None:
            return []
        rows = await self._rows(*found)
        return [_message(row) for row in reversed(rows)]

    async def prune(self, *, older_than: float | None, keep_per_target: int | None) -> int:
        """Delete messages older than ``older_than`` and all but the newest ``keep_per_target``
        of each target, keeping those still waiting for an offline account; return how many
        went. ``None`` leaves that rule out."""

        async def delete(db: aiosqlite.Connection) -> int:
            removed = 0
            if older_than is not None:
                async with db.execute(_PRUNE_OLD, (older_than,)) as cursor:
                    removed += cursor.rowcount
            if keep_per_target is not None:
                async with db.execute(_PRUNE_BEYOND, (max(keep_per_target, 0),)) as cursor:
                    removed += cursor.rowcount
            return removed

        if older_than is None and keep_per_target is None:
            return 0
        return await self._write(delete)

    # -- offline delivery --------------------------------------------------------------------

    async def offline_messages(self, account: Folded) -> list[StoredMessage]:
        """Messages waiting for ``account``, oldest first."""
        return [_message(row) for row in await self._rows(_OFFLINE, (account,))]

    async def clear_offline(self, account: Folded, msgids: Collection[str]) -> None:
        """Forget that these messages wait for ``account``; history keeps them."""
        if not msgids:
            return

        async def clear(db: aiosqlite.Connection) -> None:
            await db.executemany(_CLEAR_OFFLINE, [(account, msgid) for msgid in msgids])

        await self._write(clear)

    # -- accounts ------------------------------------------------------------------------------

    async def accounts(self) -> list[Account]:
        """Every registered account with its metadata, in the order they were registered."""
        async with self._lock:
            rows = await self._db.execute_fetchall(
                f"SELECT folded, {_ACCOUNT_COLUMNS} FROM accounts ORDER BY rowid"
            )
            pairs = await self._db.execute_fetchall(
                "SELECT account, key, value FROM account_metadata ORDER BY account, key"
            )
            fingerprints = await self._db.execute_fetchall(
                "SELECT account, fingerprint FROM account_certfps ORDER BY rowid"
            )
        metadata: dict[str, dict[str, str]] = {}
        for account, key, value in pairs:
            metadata.setdefault(account, {})[key] = value
        certfps: dict[str, list[str]] = {}
        for account, fingerprint in fingerprints:
            certfps.setdefault(account, []).append(fingerprint)
        found = [_account(row, metadata.get(row[0], {}), certfps.get(row[0], [])) for row in rows]
        return await self._with_settings(found)

    async def create_account(self, account: Account) -> bool:
        """Register ``account`` with its metadata; ``False`` (nothing written) if the name is
        taken in any case."""

        async def create(db: aiosqlite.Connection) -> bool:
            row = (
                account.folded,
                account.name,
                account.password_hash,
                account.scram_salt,
                account.scram_iterations,
                account.scram_stored_key,
                account.scram_server_key,
                account.created,
                account.id,
            )
            async with db.execute(_CREATE_ACCOUNT, row) as cursor:
                if not cursor.rowcount:
                    return False
            await db.executemany(
                "INSERT INTO account_metadata (account, key, value) VALUES (?, ?, ?)",
                [(account.folded, key, value) for key, value in account.metadata.items()],
            )
            return True

        return await self._write(create)

    async def update_password(self, account: Account) -> None:
        """Replace the stored password hash and SCRAM keys with ``account``'s; its name as
        registered, creation time and metadata stay."""
        row = (
            account.password_hash,
            account.scram_salt,
            account.scram_iterations,
            account.scram_stored_key,
            account.scram_server_key,
            account.folded,
        )

        async def update(db: aiosqlite.Connection) -> None:
            await db.execute(_UPDATE_PASSWORD, row)

        await self._write(update)

    async def drop_account(self, name: Folded) -> None:
        """Delete the account; its metadata, read markers and waiting messages go with it
        (foreign keys), and so do its direct conversations. What it said in channels stays."""

        async def drop(db: aiosqlite.Connection) -> None:
            found = "SELECT id FROM accounts WHERE folded = ?"
            rows = list(await db.execute_fetchall(found, (name,)))
            if rows:
                await _forget(db, Forget(account_identity(rows[0][0])))
            await db.execute("DELETE FROM accounts WHERE folded = ?", (name,))

        await self._write(drop)

    async def set_account_metadata(self, name: Folded, key: str, value: str | None) -> None:
        """Set (or with ``None`` delete) one metadata key of an existing account."""

        async def change(db: aiosqlite.Connection) -> None:
            if value is None:
                await db.execute(
                    "DELETE FROM account_metadata WHERE account = ? AND key = ?", (name, key)
                )
            else:
                await db.execute(_SET_METADATA, {"account": name, "key": key, "value": value})

        await self._write(change)

    async def add_certfp(self, name: Folded, fingerprint: str) -> bool:
        """Let ``fingerprint`` log in to ``name``, unless another account holds it (the
        primary key) or ``name`` is not registered."""

        async def add(db: aiosqlite.Connection) -> bool:
            await db.execute(_ADD_CERTFP, {"account": name, "fingerprint": fingerprint})
            rows = await db.execute_fetchall(
                "SELECT account FROM account_certfps WHERE fingerprint = ?", (fingerprint,)
            )
            return [tuple(row) for row in rows] == [(name,)]

        return await self._write(add)

    async def remove_certfp(self, name: Folded, fingerprint: str) -> bool:
        """Remove ``fingerprint`` from ``name``; another account's is left alone."""

        async def remove(db: aiosqlite.Connection) -> bool:
            async with db.execute(
                "DELETE FROM account_certfps WHERE account = ? AND fingerprint = ?",
                (name, fingerprint),
            ) as cursor:
                return bool(cursor.rowcount)

        return await self._write(remove)

    # -- read markers ----------------------------------------------------------------------------

    async def read_markers(self, account: Folded) -> dict[Folded, float]:
        """Every read marker of ``account``: target to Unix time."""
        rows = await self._rows(
            "SELECT target, time FROM read_markers WHERE account = ?", (account,)
        )
        return {fold(target): when for target, when in rows}

    async def set_read_marker(self, account: Folded, target: Folded, when: float) -> float:
        """Move the marker of ``target`` forward to ``when`` (never back) and return it as
        stored; an account that does not exist keeps no markers, and gets ``when`` back."""

        async def move(db: aiosqlite.Connection) -> float:
            await db.execute(_SET_MARKER, {"account": account, "target": target, "time": when})
            rows = list(
                await db.execute_fetchall(
                    "SELECT time FROM read_markers WHERE account = ? AND target = ?",
                    (account, target),
                )
            )
            return float(rows[0][0]) if rows else when

        return await self._write(move)

    async def ping(self) -> None:
        """``SELECT 1`` through the connection; raises once it is closed. Taken under the
        lock like any read, so a long commit makes it late rather than wrong (the caller
        gives it a deadline)."""
        async with self._lock:
            try:
                await self._db.execute_fetchall("SELECT 1")
            except ValueError as error:  # aiosqlite's "no active connection"
                raise StoreError(f"the store is closed ({error})") from None

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

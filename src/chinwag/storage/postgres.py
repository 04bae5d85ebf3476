"""A :class:`~chinwag.storage.base.Store` in PostgreSQL, on an ``asyncpg`` pool (issue 18:
"an asyncpg Store that passes the shared Store suite, with tsvector search").

Choose it with ``[storage] backend = "postgresql"`` and ``dsn = "postgresql://..."``. Several
chinwag nodes may share one database; each opens its own pool. The schema is created and
migrated on open (:mod:`chinwag.storage.postgres_schema`), under an advisory lock so nodes
starting together do not race. Search is a word index in a ``tsvector`` column
(:mod:`chinwag.storage.postgres_search`). The semantics are the SQLite store's
(:mod:`chinwag.storage.sqlite`), held to the same shared suite (tests/storage).

"When PostgreSQL restarts, writes are retried and echoes wait; no acknowledged message is
lost" (issue 18): every write, an :meth:`PostgresStore.append` with its changes included, is
one transaction, so a connection that breaks midway keeps none of it, and the error comes
back as :class:`~chinwag.storage.base.StoreError`. The history writer
(:class:`chinwag.server.history.HistoryWriter`) retries the batch with growing pauses while
its senders' echoes wait; a msgid already stored is skipped, so a batch whose commit reached
the server before the connection broke is harmless to repeat. The pool drops a broken
connection and opens a new one on the next acquire, so the store works again as soon as the
server is back. A read on a connection that turns out to be broken is tried once more on a
fresh one; a read while the server is down raises :class:`StoreError` naming the server.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Sequence
from typing import Any, TypeVar

import asyncpg

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
from chinwag.storage.dsn import public_dsn
from chinwag.storage.postgres_alwayson import AlwaysOnTables
from chinwag.storage.postgres_bans import BanTables
from chinwag.storage.postgres_chanreg import RegisteredTables
from chinwag.storage.postgres_schema import MIGRATIONS, SCHEMA_VERSION, Migration, migrate
from chinwag.storage.postgres_search import index_words, search_statement
from chinwag.storage.postgres_tables import Work, affected
from chinwag.storage.search import SearchQuery

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Migration", "PostgresStore", "public_dsn"]

log = logging.getLogger("chinwag.storage")

T = TypeVar("T")

_MESSAGE_COLUMNS = "msgid, target, sender, time, line, account, event, offline_for, private"
_QUALIFIED = ", ".join(f"messages.{column}" for column in _MESSAGE_COLUMNS.split(", "))

_INSERT = f"""
    INSERT INTO messages ({_MESSAGE_COLUMNS}, words)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, array_to_tsvector($10::text[]))
    ON CONFLICT (msgid) DO NOTHING
"""
# The account may have been dropped since the message was relayed (and its name registered
# again, under a new id): then there is no one left to deliver it to, and it is only kept.
_QUEUE_OFFLINE = """
    INSERT INTO offline (account, message_id) SELECT folded, $2 FROM accounts WHERE id = $1
"""


def _readable(reader: str) -> str:
    """The condition that the identity in parameter ``reader`` may read a row of
    ``messages``: it is not private, or they were a member when it was said."""
    return f"""(NOT messages.private OR EXISTS (
        SELECT 1 FROM members AS m
        WHERE m.target = messages.target AND m.identity = {reader}
            AND m.since <= messages.time AND (m.until IS NULL OR m.until >= messages.time)
    ))"""


# Newest first so LIMIT keeps the newest; latest() turns the page round.
_LATEST = f"""
    SELECT {_MESSAGE_COLUMNS} FROM messages
    WHERE target = $1 AND {_readable("$3")} ORDER BY time DESC, id DESC LIMIT $2
"""
_FIND = f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE target = $1 AND msgid = $2 AND " + (
    _readable("$3")
)
_POSITION = "SELECT time, id FROM messages WHERE target = $1 AND msgid = $2 AND " + _readable("$3")
# Every distinct target, one index seek each (a "loose index scan") rather than a read of
# every message.
_NAMED = """
    named (target) AS (
        (SELECT target FROM messages ORDER BY target LIMIT 1)
        UNION ALL
        SELECT (SELECT m.target FROM messages AS m WHERE m.target > named.target
                ORDER BY m.target LIMIT 1)
        FROM named WHERE named.target IS NOT NULL
    )
"""
# A conversation key is "low high" (base.conversation_key); identities hold no space.
_HAS_PARTY = (
    "(strpos(target, ' ') > 0"
    " AND (split_part(target, ' ', 1) = $1 OR split_part(target, ' ', 2) = $1))"
)
_CONVERSATIONS_OF = f"""
    WITH RECURSIVE {_NAMED}
    SELECT target FROM named WHERE target IS NOT NULL AND {_HAS_PARTY}
"""
_TARGETS = f"""
    WITH RECURSIVE {_NAMED},
        mine (target) AS (
            SELECT target FROM named
            WHERE target IS NOT NULL AND (target = ANY($2::text[]) OR {_HAS_PARTY})
        ),
        latest (target, time) AS (
            SELECT mine.target, (
                SELECT time FROM messages
                WHERE messages.target = mine.target AND NOT messages.event
                    AND {_readable("$1")}
                ORDER BY time DESC, id DESC LIMIT 1
            ) FROM mine
        )
    -- A target is listed when its newest message (the one a client would see last) falls
    -- in the range, not when some older one does.
    SELECT target, time FROM latest WHERE time > $3 AND time < $4
    ORDER BY time, target LIMIT $5
"""
_NOT_WAITING = "NOT EXISTS (SELECT 1 FROM offline WHERE offline.message_id = messages.id)"
_PRUNE_OLD = f"DELETE FROM messages WHERE time < $1 AND {_NOT_WAITING}"
# Rank 1 is a target's newest message; the order is the one history() reads in.
_PRUNE_BEYOND = f"""
    DELETE FROM messages WHERE id IN (
        SELECT id FROM (
            SELECT id, row_number() OVER (
                PARTITION BY target ORDER BY time DESC, id DESC
            ) AS rank FROM messages
        ) AS ranked WHERE rank > $1
    ) AND {_NOT_WAITING}
"""
_OFFLINE = f"""
    SELECT {_QUALIFIED}
    FROM offline JOIN messages ON messages.id = offline.message_id
    WHERE offline.account = $1 ORDER BY messages.time, messages.id
"""
_CLEAR_OFFLINE = """
    DELETE FROM offline
    WHERE account = $1 AND message_id IN (SELECT id FROM messages WHERE msgid = ANY($2::text[]))
"""
_ACCOUNT_COLUMNS = (
    "name, password_hash, scram_salt, scram_iterations, scram_stored_key, scram_server_key,"
    " created, id"
)
_CREATE_ACCOUNT = f"""
    INSERT INTO accounts (folded, {_ACCOUNT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (folded) DO NOTHING RETURNING true
"""
_UPDATE_PASSWORD = """
    UPDATE accounts SET password_hash = $1, scram_salt = $2, scram_iterations = $3,
        scram_stored_key = $4, scram_server_key = $5
    WHERE folded = $6
"""
# Metadata and markers of an account that does not exist (any more) are not kept: the
# foreign key would refuse them, and there is no one to restore them to.
_SET_METADATA = """
    INSERT INTO account_metadata (account, key, value)
    SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM accounts WHERE folded = $1)
    ON CONFLICT (account, key) DO UPDATE SET value = excluded.value
"""
_ADD_CERTFP = """
    INSERT INTO account_certfps (fingerprint, account)
    SELECT $2, $1 WHERE EXISTS (SELECT 1 FROM accounts WHERE folded = $1)
    ON CONFLICT (fingerprint) DO NOTHING
"""
_SET_MARKER = """
    INSERT INTO read_markers (account, target, time)
    SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM accounts WHERE folded = $1)
    ON CONFLICT (account, target) DO UPDATE
        SET time = greatest(read_markers.time, excluded.time)
    RETURNING time
"""

_LOST = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
    ConnectionError,
)
"""Errors that mean the connection broke (the server restarted, or the network dropped),
not that the statement was refused: a read may be tried again on a fresh connection."""

_FAILED = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    # A connection the server dropped in the middle of a commit can leave asyncpg's protocol
    # state confused ("another operation is in progress"): the outcome is a failure too.
    asyncpg.InternalClientError,
    OSError,
    asyncio.TimeoutError,
)
"""Everything asyncpg raises when the database refuses or cannot be reached; turned into
:class:`StoreError` naming the server."""


def _row(message: StoredMessage) -> tuple[object, ...]:
    # NULL, not "": UNIQUE would otherwise let only one message without a msgid in.
    return (
        message.msgid or None,
        message.target,
        message.sender,
        message.time,
        message.line,
        message.account,
        message.event,
        message.offline_for,
        message.private,
        index_words(message.line, message.event),
    )


def _message(row: Sequence[Any]) -> StoredMessage:
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


async def _apply(db: Any, change: HistoryChange) -> None:
    """One membership, redaction, move or forgetting, inside the caller's transaction."""
    if isinstance(change, MemberChange):
        if change.joined:
            await db.execute(
                "INSERT INTO members (target, identity, since) SELECT $1, $2, $3"
                " WHERE NOT EXISTS (SELECT 1 FROM members"
                " WHERE target = $1 AND identity = $2 AND until IS NULL)",
                change.target,
                change.identity,
                change.stored_time,
            )
        else:
            await db.execute(
                "UPDATE members SET until = $1"
                " WHERE target = $2 AND identity = $3 AND until IS NULL",
                change.stored_time,
                change.target,
                change.identity,
            )
        return
    if isinstance(change, Redact):
        # The word index is a column of the row, and the offline queue cascades.
        await db.execute(
            "DELETE FROM messages WHERE target = $1 AND msgid = $2", change.target, change.msgid
        )
        return
    if isinstance(change, MoveTarget):
        await _move_target(db, change.old, change.new)
        return
    await _forget(db, change)


async def _move_target(db: Any, old: Folded, new: Folded) -> None:
    """Move channel ``old``'s messages, memberships and read markers to ``new``, inside the
    caller's transaction (a read marker already at ``new`` keeps the later moment)."""
    if old == new:
        return
    await db.execute("UPDATE messages SET target = $1 WHERE target = $2", new, old)
    await db.execute("UPDATE members SET target = $1 WHERE target = $2", new, old)
    await db.execute(
        "INSERT INTO read_markers (account, target, time)"
        " SELECT account, $1, time FROM read_markers WHERE target = $2"
        " ON CONFLICT (account, target) DO UPDATE"
        " SET time = greatest(read_markers.time, excluded.time)",
        new,
        old,
    )
    await db.execute("DELETE FROM read_markers WHERE target = $1", old)


async def _forget(db: Any, change: Forget) -> None:
    """Delete ``change.identity``'s conversations (their waiting copies go with them) and
    memberships."""
    if change.targets is None:
        found = await db.fetch(_CONVERSATIONS_OF, change.identity)
        targets = [row[0] for row in found]
    else:
        targets = [t for t in change.targets if change.identity in t.split(" ")]
    if targets:
        await db.execute("DELETE FROM messages WHERE target = ANY($1::text[])", targets)
    await db.execute("DELETE FROM members WHERE identity = $1", change.identity)


class PostgresStore(AlwaysOnTables, BanTables, RegisteredTables):
    """History, accounts and read markers in a PostgreSQL database; make one with
    ``await PostgresStore.open(dsn)``.

    Every call takes a connection from the pool for its statements; a write is one
    transaction, committed (and so durable, with PostgreSQL's default ``synchronous_commit``)
    before it returns. Calls may run at once on different connections: each write is
    atomic, and a read sees only what was committed.
    """

    def __init__(self, pool: Any, where: str) -> None:
        """Wrap a pool that :meth:`open` has made and whose database it has migrated."""
        self._pool = pool
        self._closed = False
        self.where = where
        """The server and database, without a password: what messages name."""

    @classmethod
    async def open(
        cls,
        dsn: str,
        *,
        migrations: tuple[Migration, ...] = MIGRATIONS,
        max_connections: int = 10,
        connect_timeout: float = 10.0,
    ) -> PostgresStore:
        """Connect to the database ``dsn`` names and bring its schema up to date.

        ``dsn`` is a libpq-style URL (``postgresql://user:password@host:5432/chinwag``);
        query parameters that are not connection options are server settings, so
        ``?search_path=chat`` puts the tables in the schema ``chat``. Raises
        :class:`~chinwag.storage.base.StoreError` if the server cannot be reached, refuses
        the login, or holds a schema from a newer chinwag (left untouched).
        """
        where = public_dsn(dsn)
        try:
            pool = await asyncpg.create_pool(
                dsn, min_size=1, max_size=max_connections, timeout=connect_timeout
            )
        except (*_FAILED, ValueError) as error:
            raise StoreError(f"cannot connect to PostgreSQL at {where}: {error}") from None
        try:
            async with pool.acquire() as connection:
                for number in await migrate(connection, where, migrations):
                    log.info(
                        "%s: schema version %d (%s)", where, number, migrations[number - 1].summary
                    )
        except BaseException as error:
            await pool.close()
            if isinstance(error, _FAILED):
                raise StoreError(
                    f"PostgreSQL at {where}: the schema could not be brought up to date: {error}"
                ) from error
            raise
        return cls(pool, where)

    # -- connections and transactions --------------------------------------------------------

    def _error(self, error: BaseException) -> StoreError:
        if self._closed:
            return StoreError(f"the store is closed ({error})")
        return StoreError(f"PostgreSQL at {self.where}: {type(error).__name__}: {error}")

    async def _rows(self, statement: str, *arguments: object) -> list[Any]:
        for attempt in (1, 2):
            try:
                async with self._pool.acquire() as connection:
                    return list(await connection.fetch(statement, *arguments))
            except _LOST as error:
                # A connection the server closed while it sat in the pool: the pool has
                # dropped it, and the next acquire connects afresh.
                if attempt == 2:
                    raise self._error(error) from error
            except _FAILED as error:
                raise self._error(error) from error
        raise AssertionError("unreachable")

    async def _write(self, work: Work[T]) -> T:
        # Shielded so that a cancelled caller cannot leave the transaction open halfway;
        # asyncpg would roll it back, but the outcome would then be unknown to nobody.
        return await asyncio.shield(self._transaction(work))

    async def _transaction(self, work: Work[T]) -> T:
        try:
            async with self._pool.acquire() as connection, connection.transaction():
                return await work(connection)
        except _FAILED as error:
            raise self._error(error) from error

    # -- history -------------------------------------------------------------------------------

    async def append(
        self, messages: Sequence[StoredMessage], changes: Sequence[HistoryChange] = ()
    ) -> None:
        """Store ``messages`` and then apply ``changes``, in one transaction; returns once it
        is committed.

        A message whose msgid is already stored is skipped, the first copy kept, and the rest
        of the batch is stored. If the database refuses anything else, or the connection
        breaks, nothing of the batch is kept and :class:`StoreError` is raised: the caller
        tries the batch again. A message with ``offline_for`` is queued for that account
        only if the account exists.
        """
        if not messages and not changes:
            return
        rows = [_row(message) for message in messages]

        async def insert(db: Any) -> None:
            # Runs of ordinary messages go in with one pipelined executemany; a message for
            # an offline account goes in alone, because its new id is needed to queue it.
            run: list[tuple[object, ...]] = []
            for message, row in zip(messages, rows, strict=True):
                owner = message.offline_for
                if owner is None or identity_kind(owner) != "a":
                    run.append(row)
                    continue
                if run:
                    await db.executemany(_INSERT, run)
                    run = []
                # None when the msgid was already stored: the first copy stays as it was.
                row_id = await db.fetchval(_INSERT + " RETURNING id", *row)
                if row_id is not None:
                    await db.execute(_QUEUE_OFFLINE, identity_value(owner), row_id)
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
        if limit <= 0:
            return []
        rows = await self._rows(_LATEST, target, limit, reader)
        return [_message(row) for row in reversed(rows)]

    async def find(
        self, target: Folded, msgid: str, *, reader: Folded | None = None
    ) -> StoredMessage | None:
        """The message to ``target`` with this msgid, if stored and ``reader`` may read it."""
        if not msgid:  # stored without one: NULL, which nothing names
            return None
        rows = await self._rows(_FIND, target, msgid, reader)
        return _message(rows[0]) if rows else None

    async def move_target(self, old: Folded, new: Folded) -> None:
        """Move channel ``old``'s history to ``new`` (see ``Store``)."""

        async def move(db: Any) -> None:
            await _move_target(db, old, new)

        await self._write(move)

    async def end_memberships(self, when: float) -> None:
        """Close every private membership still open at ``when`` (see ``Store``)."""

        async def end(db: Any) -> None:
            await db.execute(
                "UPDATE members SET until = $1 WHERE until IS NULL", membership_time(when)
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
        (or one ``reader`` may not read: it must not tell where a private message sits)
        makes the answer empty. See ``Store.history``.
        """
        if limit <= 0:
            return []
        arguments: list[object] = [target, reader]
        conditions = ["target = $1", _readable("$2")]

        def param(value: object) -> str:
            arguments.append(value)
            return f"${len(arguments)}"

        for bound, operator in ((after, ">"), (before, "<")):
            if bound is None:
                continue
            if bound.msgid is not None:
                position = await self._rows(_POSITION, target, bound.msgid, reader)
                if not position:
                    return []
                when, row_id = position[0]
                # Row values compare in order: time first, then storage order.
                conditions.append(f"(time, id) {operator} ({param(when)}, {param(row_id)})")
            else:
                when = bound.time if bound.time is not None else 0.0
                conditions.append(f"time {operator} {param(float(when))}")
        if not events:
            conditions.append("NOT event")
        order = "DESC" if newest else "ASC"
        statement = (
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE {' AND '.join(conditions)}"
            f" ORDER BY time {order}, id {order} LIMIT {param(limit)}"
        )
        rows = await self._rows(statement, *arguments)
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
        rows = await self._rows(_TARGETS, identity, list(channels), after, before, limit)
        return [(fold(target), when) for target, when in rows]

    async def search(self, query: SearchQuery) -> list[StoredMessage]:
        """The newest matches the asker may read, oldest first, from the word index
        (:mod:`chinwag.storage.postgres_search`); see ``Store.search``."""
        found = None if query.limit <= 0 else search_statement(query, _readable, _QUALIFIED)
        if found is None:
            return []
        statement, arguments = found
        rows = await self._rows(statement, *arguments)
        return [_message(row) for row in reversed(rows)]

    async def prune(self, *, older_than: float | None, keep_per_target: int | None) -> int:
        """Delete messages older than ``older_than`` and all but the newest ``keep_per_target``
        of each target, keeping those still waiting for an offline account; return how many
        went. ``None`` leaves that rule out."""

        async def delete(db: Any) -> int:
            removed = 0
            if older_than is not None:
                removed += affected(await db.execute(_PRUNE_OLD, older_than))
            if keep_per_target is not None:
                removed += affected(await db.execute(_PRUNE_BEYOND, max(keep_per_target, 0)))
            return removed

        if older_than is None and keep_per_target is None:
            return 0
        return await self._write(delete)

    # -- offline delivery --------------------------------------------------------------------

    async def offline_messages(self, account: Folded) -> list[StoredMessage]:
        """Messages waiting for ``account``, oldest first."""
        return [_message(row) for row in await self._rows(_OFFLINE, account)]

    async def clear_offline(self, account: Folded, msgids: Collection[str]) -> None:
        """Forget that these messages wait for ``account``; history keeps them."""
        if not msgids:
            return

        async def clear(db: Any) -> None:
            await db.execute(_CLEAR_OFFLINE, account, list(msgids))

        await self._write(clear)

    # -- accounts ------------------------------------------------------------------------------

    async def accounts(self) -> list[Account]:
        """Every registered account with its metadata, in the order they were registered."""
        rows = await self._rows(
            f"SELECT folded, {_ACCOUNT_COLUMNS} FROM accounts ORDER BY registered"
        )
        pairs = await self._rows("SELECT account, key, value FROM account_metadata")
        fingerprints = await self._rows(
            "SELECT account, fingerprint FROM account_certfps ORDER BY added"
        )
        metadata: dict[str, dict[str, str]] = {}
        for owner, key, value in pairs:
            metadata.setdefault(owner, {})[key] = value
        certfps: dict[str, list[str]] = {}
        for owner, fingerprint in fingerprints:
            certfps.setdefault(owner, []).append(fingerprint)
        found = [
            Account(
                row["name"],
                row["password_hash"],
                bytes(row["scram_salt"]),
                row["scram_iterations"],
                bytes(row["scram_stored_key"]),
                bytes(row["scram_server_key"]),
                row["created"],
                metadata.get(row["folded"], {}),
                row["id"],
                tuple(certfps.get(row["folded"], ())),
            )
            for row in rows
        ]
        return await self._with_settings(found)

    async def create_account(self, account: Account) -> bool:
        """Register ``account`` with its metadata; ``False`` (nothing written) if the name is
        taken in any case."""

        async def create(db: Any) -> bool:
            made = await db.fetchval(
                _CREATE_ACCOUNT,
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
            if made is None:
                return False
            if account.metadata:
                await db.executemany(
                    "INSERT INTO account_metadata (account, key, value) VALUES ($1, $2, $3)",
                    [(account.folded, key, value) for key, value in account.metadata.items()],
                )
            return True

        return await self._write(create)

    async def update_password(self, account: Account) -> None:
        """Replace the stored password hash and SCRAM keys with ``account``'s; its name as
        registered, creation time and metadata stay."""

        async def update(db: Any) -> None:
            await db.execute(
                _UPDATE_PASSWORD,
                account.password_hash,
                account.scram_salt,
                account.scram_iterations,
                account.scram_stored_key,
                account.scram_server_key,
                account.folded,
            )

        await self._write(update)

    async def drop_account(self, name: Folded) -> None:
        """Delete the account; its metadata, read markers, waiting messages, settings,
        always-on user and registrations go with it (foreign keys), and so do its direct
        conversations. What it said in channels stays."""

        async def drop(db: Any) -> None:
            account_id = await db.fetchval("SELECT id FROM accounts WHERE folded = $1", name)
            if account_id is not None:
                await _forget(db, Forget(account_identity(account_id)))
            await db.execute("DELETE FROM accounts WHERE folded = $1", name)

        await self._write(drop)

    async def set_account_metadata(self, name: Folded, key: str, value: str | None) -> None:
        """Set (or with ``None`` delete) one metadata key of an existing account."""

        async def change(db: Any) -> None:
            if value is None:
                await db.execute(
                    "DELETE FROM account_metadata WHERE account = $1 AND key = $2", name, key
                )
            else:
                await db.execute(_SET_METADATA, name, key, value)

        await self._write(change)

    async def add_certfp(self, name: Folded, fingerprint: str) -> bool:
        """Let ``fingerprint`` log in to ``name``, unless another account holds it (the
        primary key) or ``name`` is not registered."""

        async def add(db: Any) -> bool:
            await db.execute(_ADD_CERTFP, name, fingerprint)
            holder = await db.fetchval(
                "SELECT account FROM account_certfps WHERE fingerprint = $1", fingerprint
            )
            return bool(holder == name)

        return await self._write(add)

    async def remove_certfp(self, name: Folded, fingerprint: str) -> bool:
        """Remove ``fingerprint`` from ``name``; another account's is left alone."""

        async def remove(db: Any) -> bool:
            status = await db.execute(
                "DELETE FROM account_certfps WHERE account = $1 AND fingerprint = $2",
                name,
                fingerprint,
            )
            return affected(status) > 0

        return await self._write(remove)

    # -- read markers ----------------------------------------------------------------------------

    async def read_markers(self, account: Folded) -> dict[Folded, float]:
        """Every read marker of ``account``: target to Unix time."""
        rows = await self._rows("SELECT target, time FROM read_markers WHERE account = $1", account)
        return {fold(target): when for target, when in rows}

    async def set_read_marker(self, account: Folded, target: Folded, when: float) -> float:
        """Move the marker of ``target`` forward to ``when`` (never back) and return it as
        stored; an account that does not exist keeps no markers, and gets ``when`` back."""

        async def move(db: Any) -> float:
            stored = await db.fetchval(_SET_MARKER, account, target, when)
            return when if stored is None else float(stored)

        return await self._write(move)

    async def ping(self) -> None:
        """``SELECT 1`` through a pooled connection; raises :class:`StoreError` once the
        store is closed or while the server cannot be reached."""
        if self._closed:
            raise StoreError("the store is closed")
        await self._rows("SELECT 1")

    async def close(self) -> None:
        """Close the pool's connections (again: nothing)."""
        if self._closed:
            return
        self._closed = True
        await self._pool.close()

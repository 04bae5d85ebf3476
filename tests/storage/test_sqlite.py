"""The SQLite store beyond the shared contract: its file, its schema and its transactions.

Issue 4: "SQLite by default (one file in the data directory, WAL, schema versioned with
migrations, created on first start) ... Writes of messages are batched for throughput but a
message is durable before it is echoed or acknowledged to its sender." The file is checked
with the standard library's own ``sqlite3``, a second connection that sees only what was
committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from chinwag.config import StorageSettings
from chinwag.protocol.casemap import Folded, fold
from chinwag.storage import open_store
from chinwag.storage.base import (
    Account,
    Bound,
    StoredMessage,
    StoreError,
    account_identity,
    conversation_key,
)
from chinwag.storage.memory import MemoryStore
from chinwag.storage.search import SearchQuery
from chinwag.storage.sqlite import (
    MIGRATIONS,
    ROWS_PER_INSERT,
    SCHEMA_VERSION,
    Migration,
    SqliteStore,
    sql,
)

Opener = Callable[..., Awaitable[SqliteStore]]
"""``await open_db(path, migrations=...)``: :meth:`SqliteStore.open`, closed after the test."""


@pytest.fixture
async def open_db() -> AsyncIterator[Opener]:
    """Opens stores and closes each after the test, pass or fail.

    An open connection's worker thread would otherwise keep the test process from exiting.
    """
    opened: list[SqliteStore] = []

    async def open_(path: Path, **options: Any) -> SqliteStore:
        store = await SqliteStore.open(path, **options)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        await store.close()


def query(path: Path, statement: str) -> list[Any]:
    """Rows of ``statement`` run on ``path`` through a separate, plain sqlite3 connection."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute(statement).fetchall()


def message(n: int, target: str = "#lobby", msgid: str | None = None) -> StoredMessage:
    return StoredMessage(
        f"id{n}" if msgid is None else msgid, fold(target), "ana", 1000.0 + n, f"line {n}"
    )


def counting(table: str) -> Migration:
    """A step that records each time it runs, in a table it makes on its first run."""

    async def apply(db: aiosqlite.Connection) -> None:
        await db.execute(f"CREATE TABLE IF NOT EXISTS {table} (run INTEGER)")
        await db.execute(f"INSERT INTO {table} VALUES (1)")

    return Migration(f"count runs in {table}", apply)


async def test_first_start_creates_the_directories_the_file_in_wal_mode_and_the_schema(
    tmp_path: Path, open_db: Opener
) -> None:
    path = tmp_path / "data" / "chinwag" / "chinwag.db"
    store = await open_db(path)
    await store.append([message(1)])

    assert path.is_file()
    assert path.with_name("chinwag.db-wal").exists()
    assert query(path, "PRAGMA journal_mode") == [("wal",)]
    assert query(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert SCHEMA_VERSION == len(MIGRATIONS) >= 1
    assert query(path, "SELECT msgid, target, sender, time, line FROM messages") == [
        ("id1", "#lobby", "ana", 1001.0, "line 1")
    ]


async def test_a_batch_is_committed_when_append_returns(tmp_path: Path, open_db: Opener) -> None:
    path = tmp_path / "chinwag.db"
    store = await open_db(path)

    await store.append([message(n) for n in range(3)])

    # Another connection sees only committed transactions.
    assert query(path, "SELECT count(*) FROM messages") == [(3,)]


async def test_history_survives_closing_and_reopening(tmp_path: Path, open_db: Opener) -> None:
    path = tmp_path / "chinwag.db"
    first = await open_db(path)
    await first.append([message(1), message(2, "#other")])
    await first.close()
    assert not path.with_name("chinwag.db-wal").exists()  # folded into the file on close

    again = await open_db(path)
    assert await again.latest(fold("#lobby"), 10) == [message(1)]
    assert await again.latest(fold("#other"), 10) == [message(2, "#other")]
    await again.close()


async def test_accounts_markers_metadata_and_waiting_messages_survive_reopening(
    tmp_path: Path, open_db: Opener
) -> None:
    path = tmp_path / "chinwag.db"
    bo = Account("Bo", "$argon2id$x", b"salt", 4096, b"stored", b"server", 500.0, {"a": "1"})
    key = conversation_key(fold("s:ana"), bo.identity)
    waiting = StoredMessage(
        "m1", key, "ana!~a@h", 1001.0, "PRIVMSG Bo :hi", offline_for=bo.identity
    )
    first = await open_db(path)
    await first.create_account(bo)
    await first.set_account_metadata(fold("bo"), "color", "#ff00af")
    await first.set_read_marker(fold("bo"), fold("#lobby"), 1500.0)
    await first.append([waiting])
    await first.close()

    again = await open_db(path)

    assert await again.accounts() == [
        Account(
            "Bo",
            "$argon2id$x",
            b"salt",
            4096,
            b"stored",
            b"server",
            500.0,
            {"a": "1", "color": "#ff00af"},
            bo.id,
        )
    ]
    assert await again.read_markers(fold("bo")) == {fold("#lobby"): 1500.0}
    assert await again.offline_messages(fold("bo")) == [waiting]


async def test_dropping_an_account_leaves_no_rows_of_it_behind(
    tmp_path: Path, open_db: Opener
) -> None:
    path = tmp_path / "chinwag.db"
    store = await open_db(path)
    bo = Account("Bo", "$argon2id$x", b"salt", 4096, b"stored", b"server", 500.0, {"a": "1"})
    await store.create_account(bo)
    await store.set_read_marker(fold("bo"), fold("#lobby"), 1500.0)
    key = conversation_key(fold("s:ana"), bo.identity)
    await store.append([StoredMessage("m1", key, "ana", 1001.0, "hi", offline_for=bo.identity)])
    await store.append([StoredMessage("m2", fold("#lobby"), "Bo", 1002.0, "all")])

    await store.drop_account(fold("bo"))

    for table in ("accounts", "account_metadata", "read_markers", "offline"):
        assert query(path, f"SELECT count(*) FROM {table}") == [(0,)], table
    # Its conversations go with it; what it said in a channel stays.
    assert query(path, "SELECT msgid FROM messages") == [("m2",)]


async def test_a_version_1_file_gets_conversation_keys_for_its_direct_messages(
    tmp_path: Path, open_db: Opener
) -> None:
    path = tmp_path / "chinwag.db"
    old = await open_db(path, migrations=MIGRATIONS[:1])
    await old.close()
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        # Version 1 kept a direct message under its recipient's folded nick.
        db.executemany(
            "INSERT INTO messages (msgid, target, sender, time, line) VALUES (?, ?, ?, ?, ?)",
            [
                ("dm", "bo", "Ana!~a@host", 1001.0, ":Ana!~a@host PRIVMSG Bo :hi"),
                ("ch", "#lobby", "Ana!~a@host", 1002.0, ":Ana!~a@host PRIVMSG #Lobby :all"),
                ("local", "&here", "Cy!~c@host", 1003.0, ":Cy!~c@host PRIVMSG &here :x"),
                ("self", "ana", "ANA!~a@host", 1004.0, ":ANA!~a@host PRIVMSG ana :me"),
            ],
        )

    await open_db(path, migrations=MIGRATIONS[:2])

    assert query(path, "PRAGMA user_version") == [(2,)]
    assert query(path, "SELECT msgid, target, account, event FROM messages ORDER BY id") == [
        ("dm", "ana bo", None, 0),
        ("ch", "#lobby", None, 0),
        ("local", "&here", None, 0),
        ("self", "ana ana", None, 0),
    ]


async def test_a_version_2_file_moves_history_to_identities_and_marks_private_lines(
    tmp_path: Path, open_db: Opener
) -> None:
    path = tmp_path / "chinwag.db"
    old = await open_db(path, migrations=MIGRATIONS[:2])
    await old.close()
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        for name in ("ana", "bo"):
            db.execute(
                "INSERT INTO accounts VALUES (?, ?, 'h', x'00', 1, x'00', x'00', 1.0)",
                (name, name.title()),
            )
        rows = [
            # Version 2 keyed direct messages by names: an account's, or a mere nick's.
            ("dm", "ana bo", "Ana", 1001.0, ":Ana!a@h PRIVMSG Bo :hi", 0, "bo"),
            ("nick", "ana carol", "carol", 1002.0, ":carol!c@h PRIVMSG ana :yo", 0, "ana"),
            ("open", "#room", "Ana", 1003.0, ":Ana!a@h PRIVMSG #room :open", 0, None),
            ("lock", "#room", "Ana", 1004.0, ":Ana!a@h MODE #room +sk key", 1, None),
            ("secret", "#room", "Ana", 1005.0, ":Ana!a@h PRIVMSG #room :secret", 0, None),
            ("unlock", "#room", "Ana", 1006.0, ":Ana!a@h MODE #room -sk key", 1, None),
            ("again", "#room", "Ana", 1007.0, ":Ana!a@h PRIVMSG #room :open again", 0, None),
        ]
        db.executemany(
            "INSERT INTO messages (msgid, target, sender, time, line, event, offline_for)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.execute("INSERT INTO offline SELECT 'bo', id FROM messages WHERE msgid = 'dm'")

    store = await open_db(path)

    ids = {account.folded: account.id for account in await store.accounts()}
    assert sorted(ids) == ["ana", "bo"] and len(set(ids.values())) == 2
    ana, bo = account_identity(ids["ana"]), account_identity(ids["bo"])
    [dm] = await store.latest(conversation_key(ana, bo), 5)
    assert (dm.msgid, dm.offline_for) == ("dm", bo)
    assert [m.msgid for m in await store.offline_messages(fold("bo"))] == ["dm"]
    # A conversation keyed by a nick could belong to anyone who held it: gone.
    assert query(path, "SELECT count(*) FROM messages WHERE msgid = 'nick'") == [(0,)]
    assert query(
        path, "SELECT msgid, private FROM messages WHERE target = '#room' ORDER BY id"
    ) == [
        ("open", 0),
        ("lock", 1),
        ("secret", 1),
        ("unlock", 1),
        ("again", 0),
    ]
    readable = await store.history(fold("#room"), limit=10, events=True, reader=ana)
    assert [m.msgid for m in readable] == ["open", "again"]


async def test_each_migration_runs_once_and_a_newer_list_adds_only_its_new_steps(
    tmp_path: Path, open_db: Opener
) -> None:
    path = tmp_path / "chinwag.db"
    for _ in range(2):
        store = await open_db(path, migrations=(*MIGRATIONS, counting("a")))
        await store.close()
    assert query(path, "SELECT count(*) FROM a") == [(1,)]
    assert query(path, "PRAGMA user_version") == [(SCHEMA_VERSION + 1,)]

    store = await open_db(path, migrations=(*MIGRATIONS, counting("a"), counting("b")))
    await store.close()

    assert query(path, "SELECT count(*) FROM a") == [(1,)]
    assert query(path, "SELECT count(*) FROM b") == [(1,)]
    assert query(path, "PRAGMA user_version") == [(SCHEMA_VERSION + 2,)]


async def test_a_failing_step_leaves_the_previous_version_and_nothing_of_itself(
    tmp_path: Path, open_db: Opener
) -> None:
    path = tmp_path / "chinwag.db"
    broken = Migration("half done", sql("CREATE TABLE half (x)", "INSERT INTO nowhere VALUES (1)"))

    with pytest.raises(StoreError, match=r"schema step \d+ \(half done\) failed"):
        await open_db(path, migrations=(*MIGRATIONS, broken))

    assert query(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert query(path, "SELECT name FROM sqlite_master WHERE name = 'half'") == []
    fixed = Migration("half done", sql("CREATE TABLE half (x)"))
    store = await open_db(path, migrations=(*MIGRATIONS, fixed))
    await store.close()
    assert query(path, "PRAGMA user_version") == [(SCHEMA_VERSION + 1,)]


async def test_a_database_from_a_newer_chinwag_is_refused_readably_and_left_untouched(
    tmp_path: Path, open_db: Opener
) -> None:
    path = tmp_path / "chinwag.db"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")

    with pytest.raises(StoreError) as caught:
        await open_db(path)

    text = str(caught.value)
    assert str(path) in text
    assert f"schema version {SCHEMA_VERSION + 1}" in text
    assert "newer chinwag" in text
    assert query(path, "PRAGMA user_version") == [(SCHEMA_VERSION + 1,)]
    assert query(path, "PRAGMA journal_mode") == [("delete",)]


async def test_a_file_that_is_not_a_database_is_refused_readably(
    tmp_path: Path, open_db: Opener
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("shopping list: " * 100)

    with pytest.raises(StoreError, match="is not a chinwag database"):
        await open_db(path)


async def test_a_data_directory_that_cannot_be_made_is_refused_readably(
    tmp_path: Path, open_db: Opener
) -> None:
    (tmp_path / "taken").write_text("a file where the directory should be")

    with pytest.raises(StoreError, match="cannot create the data directory"):
        await open_db(tmp_path / "taken" / "chinwag.db")


async def test_a_batch_of_ten_thousand_is_one_transaction_all_or_nothing(
    tmp_path: Path, open_db: Opener
) -> None:
    path = tmp_path / "chinwag.db"
    store = await open_db(path)
    batch = [message(n) for n in range(10_000)]
    # A message without a target is refused by the schema; it is the last of the batch.
    refused = StoredMessage("bad", fold(""), "ana", 99999.0, "no target")

    with pytest.raises(sqlite3.IntegrityError):
        await store.append([*batch, refused])

    assert query(path, "SELECT count(*) FROM messages") == [(0,)]
    await store.append(batch)  # the store is usable again, and takes the batch whole
    assert query(path, "SELECT count(*) FROM messages") == [(10_000,)]
    assert [m.msgid for m in await store.latest(fold("#lobby"), 2)] == ["id9998", "id9999"]


async def test_a_small_batch_is_one_statement_and_all_or_nothing_too(
    tmp_path: Path, open_db: Opener
) -> None:
    path = tmp_path / "chinwag.db"
    store = await open_db(path)
    batch = [message(n) for n in range(ROWS_PER_INSERT - 1)]
    refused = StoredMessage("bad", fold(""), "ana", 99999.0, "no target")

    with pytest.raises(sqlite3.IntegrityError):
        await store.append([*batch, refused])

    assert query(path, "SELECT count(*) FROM messages") == [(0,)]
    await store.append(batch)
    await store.append([message(0), message(ROWS_PER_INSERT)])  # id0 again: skipped
    assert query(path, "SELECT count(*) FROM messages") == [(ROWS_PER_INSERT,)]


async def test_a_repeated_msgid_keeps_the_first_copy_and_loses_nothing_else(
    tmp_path: Path, open_db: Opener
) -> None:
    path = tmp_path / "chinwag.db"
    store = await open_db(path)
    first = StoredMessage("id5", fold("#lobby"), "ana", 1005.0, "the first copy")
    await store.append([first])
    again = StoredMessage("id7", fold("#lobby"), "ana", 1007.5, "a second id7")

    await store.append([message(n) for n in range(10_000)] + [again])

    assert query(path, "SELECT count(*) FROM messages") == [(10_000,)]
    assert query(path, "SELECT line FROM messages WHERE msgid IN ('id5', 'id7') ORDER BY id") == [
        ("the first copy",),
        ("line 7",),
    ]


async def test_an_append_cancelled_while_writing_still_commits_and_the_store_goes_on(
    tmp_path: Path, open_db: Opener
) -> None:
    path = tmp_path / "chinwag.db"
    store = await open_db(path)
    writing = asyncio.create_task(store.append([message(n) for n in range(1000)]))
    await asyncio.sleep(0)  # the task has started its transaction

    writing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await writing
    await store.append([message(1000)])

    assert query(path, "SELECT count(*) FROM messages") == [(1001,)]


async def test_open_store_opens_the_configured_backend(tmp_path: Path) -> None:
    path = tmp_path / "data" / "chinwag.db"
    opened = await open_store(StorageSettings("sqlite", tmp_path / "data", path))
    try:
        assert isinstance(opened, SqliteStore)
        assert opened.path == path
    finally:
        await opened.close()
    assert isinstance(await open_store(StorageSettings("memory")), MemoryStore)
    with pytest.raises(StoreError, match="no database file"):
        await open_store(StorageSettings("sqlite"))


async def test_a_version_4_file_gets_its_messages_indexed_for_search(
    tmp_path: Path, open_db: Opener
) -> None:
    path = tmp_path / "chinwag.db"
    old = await open_db(path, migrations=MIGRATIONS[:4])
    lines = [
        ("a", "@time=x;msgid=a :ana!~a@h PRIVMSG #room :Grüße from the café", 0),
        ("b", ":ana!~a@h NOTICE #room word", 0),
        ("c", ":ana!~a@h TOPIC #room :café topic", 1),
        ("d", "PRIVMSG #room :\x01ACTION drinks café\x01", 0),
    ]
    await old.append(
        [
            StoredMessage(msgid, fold("#room"), "ana!~a@h", 1000.0 + n, line, event=bool(event))
            for n, (msgid, line, event) in enumerate(lines)
        ]
    )
    await old.close()

    store = await open_db(path)
    assert query(path, "SELECT rowid, text FROM message_text ORDER BY rowid") == [
        (1, "Grüße from the café"),
        (2, "word"),
        (4, "drinks café"),
    ]
    found = await store.search(SearchQuery(Folded("a:x"), frozenset({fold("#room")}), ("cafe",)))
    assert [m.msgid for m in found] == ["a", "d"]
    await store.close()


async def test_a_rooms_last_lines_are_found_without_stepping_over_its_events(
    tmp_path: Path, open_db: Opener
) -> None:
    """Replay on JOIN asks for a room's last lines, events left out: after a JOIN storm the
    query must not walk back over the thousands of JOINs (issue 20)."""
    path = tmp_path / "chinwag.db"
    store = await open_db(path)
    said = [message(n) for n in range(3)]
    joins = [
        StoredMessage(f"j{n}", fold("#lobby"), "j", 2000.0 + n, "JOIN #lobby", event=True)
        for n in range(50)
    ]
    await store.append([*said, *joins])
    statements: list[str] = []
    await store._db.set_trace_callback(statements.append)

    found = await store.history(fold("#lobby"), before=Bound(time=9e9), limit=2, reader="~x")

    assert [m.msgid for m in found] == ["id1", "id2"]
    (statement,) = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    plan = " ".join(str(row[-1]) for row in query(path, "EXPLAIN QUERY PLAN " + statement))
    assert "messages_said_by_target_time" in plan

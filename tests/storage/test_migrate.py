"""``chinwag migrate`` (issue 18, "Moving up"): a SQLite store copied into PostgreSQL answers
every Store question as the SQLite store did, an interrupted copy carries on where it
stopped without copying anything twice, and what it must not copy from it refuses.

The source is a real SQLite file written through the Store API; the target a fresh schema
of the test PostgreSQL server (tests/storage/postgres.py: skipped without one, failed under
``CI=true``).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from chinwag.protocol.casemap import Folded, fold
from chinwag.storage.base import (
    AlwaysOnUser,
    Bound,
    Forget,
    MemberChange,
    Redact,
    RegisteredChannel,
    SavedChannel,
    SavedMask,
    SearchQuery,
    ServerBan,
    Store,
    StoredMessage,
    StoreError,
    conversation_key,
    session_identity,
)
from chinwag.storage.migrate import MigrationError, TableProgress, migrate
from chinwag.storage.migrate_tables import SKIPPED_PREFIX, TABLES
from chinwag.storage.postgres import PostgresStore
from chinwag.storage.sqlite import SqliteStore
from chinwag.storage.sqlite_schema import SCHEMA_VERSION
from tests.conftest import free_port
from tests.storage.postgres import connect, fresh_dsn
from tests.storage.test_store_suite import account, identity_of

LOBBY = fold("#lobby")
DEN = fold("#den")
ANA, BOB, CY = identity_of("ana"), identity_of("bob"), identity_of("cy")
GUEST = session_identity("guest-token")
TALK = conversation_key(ANA, BOB)
READERS: tuple[Folded | None, ...] = (None, ANA, BOB, CY, GUEST)
TARGETS = (LOBBY, DEN, TALK, conversation_key(ANA, CY), fold("#nowhere"))
ACCOUNTS = tuple(fold(name) for name in ("ana", "bob", "cy", "dee"))


def said(n: int, target: Folded, *, msgid: str | None = None, **fields: Any) -> StoredMessage:
    """Message ``n`` to ``target`` at ``2000 + n // 3`` (three to an instant, so the order of
    messages of one instant is tested too), id ``m<n>`` unless ``msgid`` says otherwise."""
    return StoredMessage(
        f"m{n}" if msgid is None else msgid,
        target,
        "ana!~a@host" if n % 2 else "bob!~b@host",
        2000.0 + n // 3,
        f"PRIVMSG {target} :word{n % 5} café number {n}",
        **fields,
    )


async def fill(store: Store, messages: int = 60) -> None:
    """Everything the SQLite store keeps, a little of each, through the Store API."""
    for name, extra in (("ana", {"color": "#ff00af"}), ("bob", {}), ("cy", {}), ("dee", {})):
        assert await store.create_account(account(name, **extra))
    await store.set_account_metadata(fold("bob"), "display-name", "Bobby")
    await store.add_certfp(fold("ana"), "ab" * 32)
    await store.add_certfp(fold("ana"), "cd" * 32)
    await store.set_account_setting(fold("ana"), "always-on", "true")
    await store.set_account_setting(fold("bob"), "away-message", "gone fishing")
    await store.append(
        [], [MemberChange(DEN, ANA, 2000.0, True), MemberChange(DEN, BOB, 2005.0, True)]
    )
    batch: list[StoredMessage] = []
    for n in range(messages):
        if n % 4 == 0:
            batch.append(said(n, LOBBY, msgid="" if n % 8 == 0 else None))  # some without
        elif n % 4 == 1:
            batch.append(said(n, DEN, private=True))
        elif n % 4 == 2:
            offline = BOB if n % 8 == 2 else None
            batch.append(said(n, TALK, account="ana", offline_for=offline))
        else:
            line = f":ana!~a@host JOIN {LOBBY}"
            batch.append(StoredMessage(f"m{n}", LOBBY, "ana!~a@host", 2000.0 + n // 3, line,
                                       event=True))  # fmt: skip
    await store.append(batch, [MemberChange(DEN, BOB, 2010.0, False), Redact(LOBBY, "m4")])
    await store.append([said(900, conversation_key(ANA, CY))], [Forget(CY)])
    await store.append([said(901, TALK, offline_for=BOB)])
    await store.clear_offline(fold("bob"), ["m10"])
    await store.set_read_marker(fold("ana"), LOBBY, 2003.5)
    await store.set_read_marker(fold("bob"), TALK, 2001.0)
    await store.drop_account(fold("dee"))
    room = SavedChannel(
        "#Lobby", 1700, "nt", "sesame", 20, "hello", "ana", 1701,
        (SavedMask("*!*@bad", "ana", 1702),), (), (SavedMask("*!*@good", "ana", 1703),),
        {"url": "https://example.org"},
    )  # fmt: skip
    user = AlwaysOnUser(fold("ana"), "Ana", "~a", "host", "Ana A", (("#Lobby", "o"),), "away")
    await store.save_always_on_users([user], [room])
    await store.save_registered_channels(
        [RegisteredChannel(room, fold("ana"), 1704, ((fold("bob"), "v"), (fold("cy"), "o")))]
    )
    await store.add_server_ban(ServerBan("mask", "*!*@spam", "spam", "ana", 1800.0, 99999.0))
    await store.add_server_ban(ServerBan("ip", "192.0.2.1", "flood", "ana", 1801.0))


async def answers(store: Store) -> dict[str, Any]:
    """Every answer of the Store interface about what :func:`fill` stored."""
    found: dict[str, Any] = {
        "accounts": await store.accounts(),
        "always_on_users": await store.always_on_users(),
        "always_on_channels": await store.always_on_channels(),
        "registered_channels": await store.registered_channels(),
        "server_bans": await store.server_bans(),
    }
    for name in ACCOUNTS:
        found[f"offline {name}"] = await store.offline_messages(name)
        found[f"markers {name}"] = await store.read_markers(name)
    msgids = ["m0", "m1", "m2", "m5", "m12", "m30", "m4", "m901", "nope"]
    for reader in READERS:
        for target in TARGETS:
            key = f"{target} as {reader}"
            found[f"latest {key}"] = await store.latest(target, 1000, reader=reader)
            found[f"history {key}"] = await store.history(
                target, limit=1000, events=True, reader=reader
            )
            found[f"oldest {key}"] = await store.history(
                target, limit=5, newest=False, reader=reader, after=Bound(time=2003.0)
            )
            for msgid in msgids:
                found[f"find {msgid} {key}"] = await store.find(target, msgid, reader=reader)
                found[f"after {msgid} {key}"] = await store.history(
                    target, after=Bound(msgid=msgid), limit=4, reader=reader
                )
        if reader is not None:
            channels = frozenset({LOBBY, DEN})
            found[f"targets {reader}"] = await store.targets(channels, reader, 0.0, 1e12, 100)
            for terms in (("word1",), ("cafe",), ("number", "12"), ()):
                query = SearchQuery(reader, channels, terms)
                found[f"search {terms} {reader}"] = await store.search(query)
    return found


@pytest.fixture
async def source(tmp_path: Path) -> AsyncIterator[Path]:
    """A SQLite store (closed, as a stopped server leaves it) holding everything."""
    path = tmp_path / "chinwag.db"
    store = await SqliteStore.open(path)
    await fill(store)
    await store.close()
    yield path


@pytest.fixture
async def dsn() -> AsyncIterator[str]:
    async with fresh_dsn() as made:
        yield made


async def sqlite_answers(path: Path) -> dict[str, Any]:
    store = await SqliteStore.open(path)
    try:
        return await answers(store)
    finally:
        await store.close()


async def postgres_answers(dsn: str) -> dict[str, Any]:
    store = await PostgresStore.open(dsn)
    try:
        return await answers(store)
    finally:
        await store.close()


async def count(dsn: str, table: str) -> int:
    db = await connect(dsn)
    try:
        return int(await db.fetchval(f"SELECT count(*) FROM {table}"))
    finally:
        await db.close()


def sqlite_count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def assert_same(expected: dict[str, Any], got: dict[str, Any]) -> None:
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == value, key


# -- a whole copy --------------------------------------------------------------------------


async def test_every_table_of_the_sqlite_schema_is_copied(source: Path) -> None:
    with sqlite3.connect(source) as db:
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    kept = {name for name in names if not name.startswith((SKIPPED_PREFIX, "sqlite_"))}
    assert kept == {table.name for table in TABLES}


async def test_the_copy_answers_every_store_question_as_the_sqlite_store(
    source: Path, dsn: str
) -> None:
    expected = await sqlite_answers(source)
    assert expected["latest #den as a:id-ana"] and expected["offline bob"]  # a rich store

    result = await migrate(source, dsn)

    assert result.complete
    assert result.copied_before == 0
    assert {each.table: each.copied for each in result.tables} == {
        table.name: sqlite_count(source, table.name) for table in TABLES
    }
    assert_same(expected, await postgres_answers(dsn))


async def test_messages_stored_after_the_copy_come_after_the_copied_ones(
    source: Path, dsn: str
) -> None:
    await migrate(source, dsn)
    store = await PostgresStore.open(dsn)
    try:
        # Same instant as the last copied message: only its new id orders it after them.
        await store.append(
            [StoredMessage("fresh", LOBBY, "cy!~c@host", 2019.0, f"PRIVMSG {LOBBY} :new")]
        )
        assert [m.msgid for m in await store.latest(LOBBY, 2)][-1] == "fresh"
    finally:
        await store.close()


async def test_the_source_file_is_left_exactly_as_it_was(source: Path, dsn: str) -> None:
    before = source.read_bytes()
    await migrate(source, dsn)
    assert source.read_bytes() == before
    assert sorted(p.name for p in source.parent.iterdir()) == ["chinwag.db"]


async def test_what_a_crashed_server_left_in_its_write_ahead_log_is_copied(
    source: Path, dsn: str
) -> None:
    # A server killed before it closed the file: its last message is only in the -wal.
    crash = (
        "import asyncio, os, sys\n"
        "from chinwag.storage.sqlite import SqliteStore\n"
        "from chinwag.storage.base import StoredMessage\n"
        "async def main():\n"
        "    store = await SqliteStore.open(sys.argv[1])\n"
        "    await store.append([StoredMessage('last', '#lobby', 'ana!~a@host', 2100.0,"
        " 'PRIVMSG #lobby :last words')])\n"
        "    os._exit(0)\n"
        "asyncio.run(main())\n"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", crash, str(source), env=_env()
    )
    assert await process.wait() == 0
    assert Path(f"{source}-wal").stat().st_size > 0

    await migrate(source, dsn)

    copied = await postgres_answers(dsn)
    assert copied["latest #lobby as None"][-1].msgid == "last"
    assert_same(await sqlite_answers(source), copied)


# -- interrupted and repeated -----------------------------------------------------------------


async def test_an_interrupted_copy_carries_on_and_copies_nothing_twice(
    source: Path, dsn: str
) -> None:
    expected = await sqlite_answers(source)
    seen: list[tuple[str, int, int]] = []

    def report(state: TableProgress) -> None:
        seen.append((state.table, state.copied, state.total))

    # Five batches for the small tables before them, then three of messages.
    first = await migrate(source, dsn, batch_size=7, stop_after=8)
    assert not first.complete
    assert await count(dsn, "messages") == 3 * 7
    second = await migrate(source, dsn, batch_size=7, report=report)

    assert second.complete
    assert second.copied_before == first.copied_now
    assert ("messages", sqlite_count(source, "messages"), sqlite_count(source, "messages")) in seen
    for table in TABLES:
        assert await count(dsn, table.name) == sqlite_count(source, table.name), table.name
    assert_same(expected, await postgres_answers(dsn))

    again = await migrate(source, dsn, batch_size=7)
    assert again.complete and again.copied_now == 0
    assert await count(dsn, "messages") == sqlite_count(source, "messages")
    assert_same(expected, await postgres_answers(dsn))


async def test_rows_added_to_the_source_since_are_copied_by_the_next_run(
    source: Path, dsn: str
) -> None:
    await migrate(source, dsn)
    store = await SqliteStore.open(source)
    await store.append([said(1000, LOBBY)])
    await store.close()

    result = await migrate(source, dsn)

    assert result.copied_now == 1
    assert_same(await sqlite_answers(source), await postgres_answers(dsn))


# -- refusals ---------------------------------------------------------------------------------


async def test_a_file_that_is_not_a_sqlite_database_is_refused(tmp_path: Path, dsn: str) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a database at all, just some words " * 100)
    with pytest.raises(MigrationError, match="not a SQLite database"):
        await migrate(path, dsn)


async def test_a_sqlite_database_of_another_program_is_refused(tmp_path: Path, dsn: str) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE things (x)")
    with pytest.raises(MigrationError, match="not a chinwag database"):
        await migrate(path, dsn)


async def test_a_missing_file_is_refused(tmp_path: Path, dsn: str) -> None:
    with pytest.raises(MigrationError, match="no database at"):
        await migrate(tmp_path / "missing.db", dsn)


@pytest.mark.parametrize(("shift", "says"), [(1, "newer chinwag"), (-1, "older than")])
async def test_a_file_of_another_schema_version_is_refused(
    source: Path, dsn: str, shift: int, says: str
) -> None:
    with sqlite3.connect(source) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + shift}")
    with pytest.raises(MigrationError, match=says):
        await migrate(source, dsn)
    # Refused before the target was touched: not even the schema was made.
    db = await connect(dsn)
    try:
        tables = await db.fetchval(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
        )
    finally:
        await db.close()
    assert tables == 0


async def test_a_file_a_running_server_has_open_is_refused(source: Path, dsn: str) -> None:
    # Another process with the database open, as chinwag serve has it.
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c",
        "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]);"
        " db.execute('PRAGMA journal_mode = WAL'); db.execute('SELECT 1 FROM messages').fetchall();"
        " print('open', flush=True); sys.stdin.read()",
        str(source), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdin is not None
    try:
        assert await asyncio.wait_for(holder.stdout.readline(), 10) == b"open\n"
        with pytest.raises(MigrationError, match="open in another process"):
            await migrate(source, dsn)
    finally:
        holder.stdin.close()
        await holder.wait()
    assert (await migrate(source, dsn)).complete  # once it has closed it


async def test_a_target_holding_another_sources_copy_is_refused_unless_forced(
    source: Path, dsn: str, tmp_path: Path
) -> None:
    other = tmp_path / "other" / "chinwag.db"
    store = await SqliteStore.open(other)
    await store.create_account(account("zed"))
    await store.append([said(1, LOBBY, msgid="z1"), said(2, LOBBY, msgid="z2")])
    await store.close()
    await migrate(other, dsn)

    with pytest.raises(MigrationError, match=f"copied from sqlite:{other}"):
        await migrate(source, dsn)
    assert await count(dsn, "accounts") == 1

    result = await migrate(source, dsn, force=True)

    assert result.complete
    copied = await postgres_answers(dsn)
    expected = await sqlite_answers(source)
    # Both are there: the message ids of the second source were moved past the first's.
    assert [a.name for a in copied["accounts"]] == ["zed"] + [a.name for a in expected["accounts"]]
    assert await count(dsn, "messages") == 2 + sqlite_count(source, "messages")
    assert copied["offline bob"] == expected["offline bob"]
    assert copied["history #den as a:id-ana"] == expected["history #den as a:id-ana"]


async def test_a_target_a_server_has_written_to_is_refused(source: Path, dsn: str) -> None:
    store = await PostgresStore.open(dsn)
    await store.create_account(account("zed"))
    await store.close()
    with pytest.raises(MigrationError, match="accounts is not empty"):
        await migrate(source, dsn)


async def test_an_unreachable_target_is_refused_with_its_address(source: Path) -> None:
    dsn = f"postgresql://chinwag:secret@127.0.0.1:{free_port()}/chinwag"
    with pytest.raises(StoreError, match="cannot connect to PostgreSQL at") as raised:
        await migrate(source, dsn)
    assert "secret" not in str(raised.value)


# -- the command ----------------------------------------------------------------------------


async def run(*arguments: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "chinwag", "migrate", *arguments,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=_env(),
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    return env


async def test_the_command_copies_and_says_what_it_copied(source: Path, dsn: str) -> None:
    code, out, err = await run("--from", f"sqlite:{source}", "--to", dsn)

    assert code == 0, err
    messages = sqlite_count(source, "messages")
    assert f"messages: {messages}/{messages}" in out
    assert "accounts: 3/3" in out
    assert "rows copied now, 0 by earlier runs" in out
    assert_same(await sqlite_answers(source), await postgres_answers(dsn))

    code, out, err = await run("--from", f"sqlite:{source}", "--to", dsn)
    assert code == 0, err
    assert "Done: 0 rows copied now" in out


async def test_the_command_refuses_with_a_reason_and_exit_status_1(tmp_path: Path) -> None:
    target = f"postgresql://127.0.0.1:{free_port()}/chinwag"
    code, _, err = await run("--from", f"sqlite:{tmp_path / 'missing.db'}", "--to", target)
    assert code == 1
    assert "no database at" in err


async def test_a_killed_command_carries_on_when_run_again(tmp_path: Path, dsn: str) -> None:
    path = tmp_path / "big.db"
    store = await SqliteStore.open(path)
    await store.append([said(n, LOBBY, msgid=f"b{n}" if n % 3 else "") for n in range(3000)])
    await store.close()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "chinwag", "migrate", "--from", f"sqlite:{path}", "--to", dsn,
        "--batch-size", "1", stdout=asyncio.subprocess.DEVNULL, env=_env(),
    )  # fmt: skip
    try:
        db = await connect(dsn)
        try:
            for _ in range(600):  # until some, not all, messages are in
                made = await db.fetchval("SELECT to_regclass('chinwag_migration')")
                copied = made and await db.fetchval(
                    "SELECT copied FROM chinwag_migration WHERE source_table = 'messages'"
                )
                if copied:
                    break
                await asyncio.sleep(0.05)
        finally:
            await db.close()
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    partial = await count(dsn, "messages")
    assert 0 < partial < 3000

    code, _, err = await run("--from", f"sqlite:{path}", "--to", dsn, "--batch-size", "500")

    assert code == 0, err
    assert await count(dsn, "messages") == 3000
    assert_same(await sqlite_answers(path), await postgres_answers(dsn))

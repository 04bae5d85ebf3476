"""What the PostgreSQL store does beyond the shared suite: its schema is made once however
many nodes open it at once, it keeps what it holds across a reopen, it refuses a newer
chinwag's schema, and when PostgreSQL restarts nothing acknowledged is lost (issue 18)."""

from __future__ import annotations

import asyncio
import sys

import pytest

from chinwag.config import StorageSettings
from chinwag.protocol.casemap import fold
from chinwag.storage import open_store
from chinwag.storage.base import Redact, SearchQuery, StoredMessage, StoreError
from chinwag.storage.postgres import PostgresStore, public_dsn
from chinwag.storage.postgres_schema import MIGRATIONS, SCHEMA_VERSION
from tests.conftest import free_port
from tests.storage.postgres import connect, fresh_dsn, private_server
from tests.storage.test_store_suite import LOBBY, account, ids, message
from tests.waiting import until


async def schema_rows(dsn: str) -> list[tuple[int, str]]:
    db = await connect(dsn)
    try:
        rows = await db.fetch("SELECT version, summary FROM chinwag_schema ORDER BY version")
        return [(row["version"], row["summary"]) for row in rows]
    finally:
        await db.close()


async def test_two_nodes_opening_an_empty_database_at_once_both_succeed() -> None:
    async with fresh_dsn() as dsn:
        first, second, third = await asyncio.gather(
            PostgresStore.open(dsn), PostgresStore.open(dsn), PostgresStore.open(dsn)
        )
        try:
            # Each step was applied once, by whichever node took the lock first.
            expected = [(n, step.summary) for n, step in enumerate(MIGRATIONS, start=1)]
            assert await schema_rows(dsn) == expected
            await first.append([message(1)])
            assert ids(await second.latest(LOBBY, 5)) == ["id1"]
            assert ids(await third.latest(LOBBY, 5)) == ["id1"]
        finally:
            for store in (first, second, third):
                await store.close()


async def test_a_reopened_database_keeps_history_accounts_and_the_word_index() -> None:
    async with fresh_dsn() as dsn:
        store = await PostgresStore.open(dsn)
        await store.create_account(account("Ana", color="#ff00af"))
        await store.append([message(1), message(2)])
        await store.close()

        again = await PostgresStore.open(dsn)
        try:
            assert ids(await again.latest(LOBBY, 5)) == ["id1", "id2"]
            [ana] = await again.accounts()
            assert ana == account("Ana", color="#ff00af")
            found = await again.search(SearchQuery(fold("a:x"), frozenset({LOBBY}), ("2",)))
            assert ids(found) == ["id2"]
            assert len(await schema_rows(dsn)) == SCHEMA_VERSION
        finally:
            await again.close()


async def test_a_database_of_a_newer_chinwag_is_refused_and_left_alone() -> None:
    async with fresh_dsn() as dsn:
        await (await PostgresStore.open(dsn)).close()
        db = await connect(dsn)
        try:
            await db.execute(
                "INSERT INTO chinwag_schema (version, summary) VALUES ($1, 'from the future')",
                SCHEMA_VERSION + 1,
            )
        finally:
            await db.close()
        with pytest.raises(StoreError, match=f"schema version {SCHEMA_VERSION + 1}.*newer"):
            await PostgresStore.open(dsn)
        assert len(await schema_rows(dsn)) == SCHEMA_VERSION + 1


async def test_a_server_that_cannot_be_reached_is_named_without_its_password() -> None:
    dsn = f"postgresql://chinwag:hunter2@127.0.0.1:{free_port()}/chinwag"
    with pytest.raises(StoreError, match="cannot connect to PostgreSQL") as raised:
        await PostgresStore.open(dsn, connect_timeout=2)
    assert "hunter2" not in str(raised.value)
    assert "chinwag:***@127.0.0.1" in str(raised.value)
    assert public_dsn("postgresql://127.0.0.1/db") == "postgresql://127.0.0.1/db"


async def test_a_word_too_long_for_the_index_does_not_stop_the_message_being_stored() -> None:
    async with fresh_dsn() as dsn:
        store = await PostgresStore.open(dsn)
        try:
            huge = "w" * 5000
            said = StoredMessage("big", LOBBY, "ana", 1.0, f"PRIVMSG #lobby :{huge} short")
            await store.append([said])
            assert await store.latest(LOBBY, 1) == [said]
            query = SearchQuery(fold("a:x"), frozenset({LOBBY}), ("short",))
            assert ids(await store.search(query)) == ["big"]
        finally:
            await store.close()


async def test_search_is_answered_by_the_gin_index() -> None:
    async with fresh_dsn() as dsn:
        store = await PostgresStore.open(dsn)
        await store.close()
        db = await connect(dsn)
        try:
            await db.execute("SET enable_seqscan = off")
            rows = await db.fetch(
                "EXPLAIN SELECT id FROM messages WHERE words @@ $1::tsquery", "'tea'"
            )
            assert "Bitmap Index Scan on messages_words" in "\n".join(row[0] for row in rows)
        finally:
            await db.close()


async def test_open_store_opens_the_postgresql_backend() -> None:
    async with fresh_dsn() as dsn:
        store = await open_store(StorageSettings("postgresql", dsn=dsn))
        try:
            assert isinstance(store, PostgresStore)
            await store.ping()
        finally:
            await store.close()
    with pytest.raises(StoreError, match=r"\[storage\] dsn"):
        await open_store(StorageSettings("postgresql"))


async def test_without_asyncpg_the_postgresql_backend_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "asyncpg", None)  # import asyncpg now fails
    monkeypatch.delitem(sys.modules, "chinwag.storage.postgres")
    with pytest.raises(StoreError, match=r"pip install 'chinwag\[postgres\]'"):
        await open_store(StorageSettings("postgresql", dsn="postgresql://127.0.0.1/x"))


# -- PostgreSQL restarting ---------------------------------------------------------------------


async def test_when_postgresql_restarts_a_failed_append_succeeds_again_and_nothing_is_lost() -> (
    None
):
    async with private_server() as server:
        store = await PostgresStore.open(server.dsn)
        try:
            acknowledged: list[str] = []
            await store.append([message(n) for n in range(1, 6)])
            acknowledged += [f"id{n}" for n in range(1, 6)]

            await server.stop()
            batch = [message(n) for n in range(6, 11)]
            with pytest.raises(StoreError, match=f"127.0.0.1:{server.port}"):
                await store.append(batch)
            with pytest.raises(StoreError, match=f"127.0.0.1:{server.port}"):
                await store.latest(LOBBY, 50)
            with pytest.raises(StoreError):
                await store.ping()

            await server.start()
            # The history writer's retry: the same batch, as often as it takes.
            await store.append(batch)
            acknowledged += [f"id{n}" for n in range(6, 11)]
            await store.append([message(11)])
            acknowledged.append("id11")
            assert ids(await store.latest(LOBBY, 50)) == acknowledged
        finally:
            await store.close()


async def test_a_batch_broken_off_midway_by_a_restart_keeps_none_of_it() -> None:
    async with private_server() as server:
        store = await PostgresStore.open(server.dsn)
        db = await connect(server.dsn)
        try:
            await store.append([message(0)])
            # Another session locks id0, so the batch's redaction of it waits: the batch's
            # messages are written but not committed when the server goes down.
            locker = db.transaction()
            await locker.start()
            await db.execute("SELECT 1 FROM messages WHERE msgid = 'id0' FOR UPDATE")
            batch = [message(n) for n in range(1, 4)]
            appending = asyncio.ensure_future(store.append(batch, [Redact(LOBBY, "id0")]))

            async def waiting_for_the_lock() -> bool:
                waits = await db.fetchval(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE FROM messages%'"
                )
                return bool(waits)

            await until(waiting_for_the_lock, "the batch waiting midway for the lock")
            await server.stop()
            with pytest.raises(StoreError):
                await appending

            await server.start()
            assert ids(await store.latest(LOBBY, 50)) == ["id0"]  # none of the batch
            await store.append(batch, [Redact(LOBBY, "id0")])  # the retry
            assert ids(await store.latest(LOBBY, 50)) == ["id1", "id2", "id3"]
        finally:
            db.terminate()
            await store.close()

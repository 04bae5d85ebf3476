"""Relayed messages reach the store, batched off the hot path by the application, and the
``[history]`` retention keeps the store from growing without end."""

from __future__ import annotations

import asyncio
import dataclasses
import time

import pytest

from chinwag.config import HistorySettings
from chinwag.protocol.casemap import fold
from chinwag.server.app import ChinwagServer
from chinwag.server.history import identity
from chinwag.storage.base import StoredMessage, conversation_key
from chinwag.storage.memory import MemoryStore
from tests.conftest import LOOPBACK_CLOAK, test_config


async def test_channel_messages_and_direct_messages_are_stored_in_order() -> None:
    store = MemoryStore()
    server = ChinwagServer(test_config(), store=store)
    await server.start()
    host, port = server.addresses[0]
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        b"NICK ana\r\nUSER ana 0 * :Ana\r\nJOIN #Lobby\r\n"
        + b"".join(b"PRIVMSG #lobby :line %d\r\n" % n for n in range(50))
        + b"PRIVMSG ana :note to self\r\nPING :done\r\n"
    )
    data = b""
    while b"PONG" not in data:
        data += await asyncio.wait_for(reader.read(65536), 5)
    lobby = fold("#lobby")
    await server.core.deps.history.stored()
    stored = await store.history(lobby, limit=100)  # messages only, not the JOIN
    assert [m.line.rsplit(":", 1)[1] for m in stored] == [f"line {n}" for n in range(50)]
    assert all(m.sender == f"ana!~ana@{LOOPBACK_CLOAK}" and m.msgid for m in stored)
    me = identity(server.core.network.users[fold("ana")])
    notes = await store.latest(conversation_key(me, me), 5)
    assert [m.line.split(" :")[-1] for m in notes] == ["note to self"]
    writer.close()
    await server.stop(grace=1.0)


async def test_history_beyond_the_configured_count_is_deleted_when_the_server_starts() -> None:
    store = MemoryStore()
    lobby = fold("#lobby")
    await store.append(
        [StoredMessage(f"id{n}", lobby, "ana", 1000.0 + n, f"line {n}") for n in range(10)]
    )
    config = dataclasses.replace(test_config(), history=HistorySettings(max_per_target=3))
    server = ChinwagServer(config, store=store)
    await server.start()
    try:
        await server.retention.passed()
        assert [m.msgid for m in await store.latest(lobby, 100)] == ["id7", "id8", "id9"]
    finally:
        await server.stop(grace=1.0)


async def test_history_older_than_the_configured_age_is_deleted_when_the_server_starts() -> None:
    store = MemoryStore()
    lobby = fold("#lobby")
    now = time.time()
    await store.append(
        [
            StoredMessage("old", lobby, "ana", now - 3 * 86400, "three days ago"),
            StoredMessage("new", lobby, "ana", now - 3600, "an hour ago"),
        ]
    )
    config = dataclasses.replace(test_config(), history=HistorySettings(max_age_days=2))
    server = ChinwagServer(config, store=store)
    await server.start()
    try:
        await server.retention.passed()
        assert [m.msgid for m in await store.latest(lobby, 100)] == ["new"]
    finally:
        await server.stop(grace=1.0)


class PruneCounting(MemoryStore):
    """A memory store that counts prunes, and fails them when told to."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__()
        self.prunes = 0
        self.fail = fail

    async def prune(self, *, older_than: float | None, keep_per_target: int | None) -> int:
        self.prunes += 1
        if self.fail:
            raise OSError("disk on fire")
        return await super().prune(older_than=older_than, keep_per_target=keep_per_target)


async def test_without_limits_history_is_never_pruned() -> None:
    store = PruneCounting()
    server = ChinwagServer(test_config(), store=store)
    assert not server.retention.enabled
    await server.start()
    # A whole session's life: connect, talk, leave; the store is never asked to prune.
    host, port = server.addresses[0]
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"NICK ana\r\nUSER ana 0 * :Ana\r\nJOIN #a\r\nPRIVMSG #a :hi\r\nPING :done\r\n")
    while b"done" not in await asyncio.wait_for(reader.readline(), 5):
        pass
    writer.close()
    await server.stop(grace=1.0)
    assert store.prunes == 0
    assert server.retention.passes == 0


async def test_a_failing_prune_is_logged_and_the_server_serves_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = PruneCounting(fail=True)
    config = dataclasses.replace(test_config(), history=HistorySettings(max_per_target=3))
    server = ChinwagServer(config, store=store)
    await server.start()
    try:
        await server.retention.passed()
        assert store.prunes == 1
        assert "could not delete old history" in caplog.text
        host, port = server.addresses[0]
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b"PING :alive\r\n")
        assert b"alive" in await asyncio.wait_for(reader.readline(), 5)
        writer.close()
    finally:
        await server.stop(grace=1.0)

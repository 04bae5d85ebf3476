"""Relayed messages reach the store, batched off the hot path by the application."""

from __future__ import annotations

import asyncio

from chinwag.protocol.casemap import fold
from chinwag.server.app import ChinwagServer
from chinwag.storage.memory import MemoryStore
from tests.conftest import test_config


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
    await asyncio.sleep(0)  # the writer task runs once the burst is queued
    for _ in range(100):
        if len(await store.latest(fold("#lobby"), 100)) == 50:
            break
        await asyncio.sleep(0.01)
    stored = await store.latest(fold("#lobby"), 100)
    assert [m.line.rsplit(":", 1)[1] for m in stored] == [f"line {n}" for n in range(50)]
    assert all(m.sender == "ana!~ana@127.0.0.1" and m.msgid for m in stored)
    assert [m.line.split(" :")[-1] for m in await store.latest(fold("ana"), 5)] == ["note to self"]
    writer.close()
    await server.stop(grace=1.0)

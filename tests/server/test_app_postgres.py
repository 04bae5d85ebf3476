"""The real server on the PostgreSQL backend (issue 18): what was said and the accounts made
survive a restart of chinwag, and while PostgreSQL itself restarts a sender's echo waits
until the message is stored, then comes, and nothing acknowledged is lost."""

from __future__ import annotations

import base64
import dataclasses

import pytest

from chinwag.config import StorageSettings
from chinwag.protocol.casemap import fold
from chinwag.protocol.message import parse
from chinwag.server.app import ChinwagServer
from chinwag.storage import open_store
from chinwag.storage.postgres import PostgresStore
from tests.conftest import test_config
from tests.ircclient import Address, IrcClient, is_
from tests.storage.postgres import fresh_dsn, private_server
from tests.waiting import until

PASSWORD = "correct-horse-battery"
HISTORY_CAPS = "draft/chathistory batch server-time message-tags echo-message"


async def start(dsn: str) -> ChinwagServer:
    """A server configured for the PostgreSQL backend, its store opened the way ``chinwag
    serve`` opens it."""
    config = dataclasses.replace(test_config(), storage=StorageSettings("postgresql", dsn=dsn))
    server = ChinwagServer(config, store=await open_store(config.storage))
    await server.start()
    return server


async def log_in(address: Address, nick: str, caps: str = "") -> IrcClient:
    """A new connection that logs in to the account ``ana`` with SASL PLAIN as it
    registers, with ``caps`` enabled too."""
    client = await IrcClient.connect(address)
    token = base64.b64encode(f"\0ana\0{PASSWORD}".encode()).decode()
    await client.send("CAP", "LS", "302")
    await client.send("CAP", "REQ", f"sasl {caps}".strip())
    await client.expect(is_("CAP", "*", "ACK"))
    await client.send("NICK", nick)
    await client.send("USER", "ana", "0", "*", "Ana")
    await client.send("AUTHENTICATE", "PLAIN")
    await client.expect(is_("AUTHENTICATE", "+"))
    await client.send("AUTHENTICATE", token)
    await client.expect(is_("903"))
    await client.send("CAP", "END")
    await client.expect(is_("001", nick))
    return client


async def test_history_and_accounts_survive_a_restart_of_chinwag_on_postgresql() -> None:
    async with fresh_dsn() as dsn:
        first = await start(dsn)
        try:
            ana = await IrcClient.registered(first.addresses[0], "ana", "#lobby")
            await ana.send("REGISTER", "*", PASSWORD)
            await ana.expect(is_("REGISTER", "SUCCESS"))
            await ana.send("PRIVMSG", "#lobby", "remember this")
            await ana.send("QUIT", "bye")
            await ana.expect_closed()
        finally:
            await first.stop(grace=1.0)

        second = await start(dsn)
        try:
            back = await log_in(second.addresses[0], "ana", HISTORY_CAPS)
            await back.send("JOIN", "#lobby")  # still there if always-on; joined if not
            await back.send("CHATHISTORY", "LATEST", "#lobby", "*", "10")
            said = await back.expect(is_("PRIVMSG", "#lobby", "remember this"))
            assert said.source is not None and said.source.startswith("ana!")
            assert said.tags is not None and said.tags.get("batch")
        finally:
            await second.stop(grace=1.0)
            await IrcClient.close_all()


async def test_while_postgresql_restarts_the_echo_waits_and_the_message_is_kept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with private_server() as database:
        server = await start(database.dsn)
        try:
            address = server.addresses[0]
            ana = await IrcClient.connect(address)
            await ana.send("CAP", "REQ", "echo-message")
            await ana.expect(is_("CAP", "*", "ACK"))
            await ana.send("CAP", "END")
            await ana.register("ana")
            await ana.join("#lobby")
            bo = await IrcClient.registered(address, "bo", "#lobby")
            await ana.send("PRIVMSG", "#lobby", "before")
            await ana.expect(is_("PRIVMSG", "#lobby", "before"))

            await database.stop()
            await ana.send("PRIVMSG", "#lobby", "during")
            # The room hears it at once; the sender's echo waits for the store.
            await bo.expect(is_("PRIVMSG", "#lobby", "during"))
            await until(
                lambda: "could not store" in caplog.text, "the history writer's failed write"
            )
            with pytest.raises(AssertionError, match="in time"):
                await ana.expect(is_("PRIVMSG", "#lobby", "during"), timeout=0.5)

            await database.start()
            await ana.expect(is_("PRIVMSG", "#lobby", "during"), timeout=10)
            store = server.store
            assert isinstance(store, PostgresStore)
            stored = await store.history(fold("#lobby"), limit=10)
            assert [parse(m.line).params[-1] for m in stored] == ["before", "during"]
        finally:
            await server.stop(grace=1.0)
            await IrcClient.close_all()

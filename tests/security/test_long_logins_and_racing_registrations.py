"""Issue 16: SASL payloads longer than one line, and registrations that race (real server).

A SASL PLAIN payload longer than 400 bytes travels in 400-byte AUTHENTICATE chunks (the last
one shorter, or ``+`` after a full one), sasl-3.1; a stream of chunks that never ends is cut
off with ERR_SASLTOOLONG. Two REGISTERs of one name, the second sent while the first's
password is still being hashed in a thread, give the name to the first only.
"""

from __future__ import annotations

import base64

from chinwag.config import AccountSettings
from chinwag.server.accounts import make_account
from chinwag.server.commands.sasl import MAX_PAYLOAD
from tests.ircclient import IrcClient, is_
from tests.security.conftest import SecureFactory
from tests.twonodes import cores
from tests.waiting import until

SLOW = AccountSettings(argon2_time_cost=4, argon2_memory_kib=16384, argon2_parallelism=1)
"""Hashing that takes tens of milliseconds: the second registration arrives meanwhile."""

LONG = AccountSettings(
    argon2_time_cost=1, argon2_memory_kib=64, argon2_parallelism=1, max_password_length=1024
)


async def test_a_password_spread_over_several_chunks_logs_in(
    start_server: SecureFactory,
) -> None:
    server = await start_server(accounts=LONG)
    # Within max_password_length, but more than a REGISTER line can carry: the account is
    # put in place as the store and the registry would hold it.
    password = "p" * 593
    account = make_account("alice", password, server.config.accounts)
    assert await server.core.deps.store.create_account(account)
    for core in cores(server):  # every node's registry, as the store loaded it at start
        core.deps.accounts.put(account)

    for authzid in ("", "alice"):  # 800 bytes: two full chunks and "+"; then 808 bytes
        payload = base64.b64encode(f"{authzid}\0alice\0{password}".encode()).decode()
        client = await IrcClient.connect(server.addresses[0])
        await client.send("CAP", "REQ", "sasl")
        await client.expect(is_("CAP", "*", "ACK"))
        await client.send("AUTHENTICATE", "PLAIN")
        await client.expect(is_("AUTHENTICATE", "+"))
        for start in range(0, len(payload), 400):
            await client.send("AUTHENTICATE", payload[start : start + 400])
        if len(payload) % 400 == 0:
            await client.send("AUTHENTICATE", "+")
        await client.expect(is_("903"))


async def test_an_endless_stream_of_chunks_is_cut_off(start_server: SecureFactory) -> None:
    server = await start_server()
    client = await IrcClient.connect(server.addresses[0])
    await client.send("CAP", "REQ", "sasl")
    await client.expect(is_("CAP", "*", "ACK"))
    await client.send("AUTHENTICATE", "PLAIN")
    await client.expect(is_("AUTHENTICATE", "+"))
    for _ in range(MAX_PAYLOAD // 400 + 1):
        await client.send("AUTHENTICATE", "A" * 400)
    await client.expect(is_("905"), timeout=2.0)


async def test_the_second_of_two_racing_registrations_finds_the_name_taken(
    start_server: SecureFactory,
) -> None:
    server = await start_server(accounts=SLOW)
    first = await IrcClient.connect(server.addresses[0])
    await first.register("ana")
    await first.send("REGISTER", "*", "*", "first-password")
    await first.close()  # gone while its password is hashed: the nick is free again
    second = await IrcClient.connect(server.addresses[0], source="127.0.0.2")
    await second.register("ana")
    await second.send("REGISTER", "*", "*", "second-password")
    line = await second.expect(is_("FAIL", "REGISTER"))
    assert line.params[1] == "ACCOUNT_EXISTS"
    # The first password may still be hashing (a loaded machine): logins wait for it.
    await until(lambda: server.core.deps.accounts.get("ana"), "the first registration done")

    # The name is the first registrant's: its password logs in, the second's does not.
    for password, outcome in (("second-password", "904"), ("first-password", "903")):
        client = await IrcClient.connect(server.addresses[0])
        await client.send("CAP", "REQ", "sasl")
        await client.expect(is_("CAP", "*", "ACK"))
        await client.send("AUTHENTICATE", "PLAIN")
        await client.expect(is_("AUTHENTICATE", "+"))
        payload = base64.b64encode(f"\0ana\0{password}".encode()).decode()
        await client.send("AUTHENTICATE", payload)
        await client.expect(lambda line: line.command in ("903", "904"))
        assert client.received[-1].command == outcome

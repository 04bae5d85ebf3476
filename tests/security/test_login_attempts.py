"""Password guessing: an attempt takes its place in the limit *before* the slow check.

Issue 24, item 7. The limit of failed attempts (``[accounts] login_failures`` in
``login_window`` seconds, per account and per address) must hold for guesses sent together
from many connections, for NickServ IDENTIFY, SASL PLAIN and SASL SCRAM-SHA-256 alike; and an
attack on an account must never lock its owner out: an address that has logged in to the
account before is exempt from the account's limit (only its own address limit applies).

Every attacker here connects from its own loopback address (127.0.0.10 and up) so that only
the per-account limit can stop it; the owner uses 127.0.0.1.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from scramp import ScramClient

from chinwag.config import AccountSettings
from chinwag.server.app import ChinwagServer
from tests.ircclient import IrcClient, Line, is_
from tests.security.conftest import SecureFactory

LIMIT = AccountSettings().login_failures
"""Failed attempts the default configuration allows per account and per address."""

SLOW = AccountSettings(argon2_time_cost=4, argon2_memory_kib=16384, argon2_parallelism=1)
"""Hashing that takes tens of milliseconds, so that guesses sent together are still being
checked when the last one arrives (as they would be on a real server)."""

PASSWORD = "correct-horse-battery"
OWNER = "127.0.0.1"


def attacker_address(index: int) -> str:
    """The loopback address attacker ``index`` connects from."""
    return f"127.0.0.{10 + index}"


async def owner_account(server: ChinwagServer) -> IrcClient:
    """alice registers her account from the owner's address (which makes it known)."""
    alice = await IrcClient.connect(server.addresses[0], source=OWNER)
    await alice.register("alice")
    await alice.send("REGISTER", "*", "*", PASSWORD)
    await alice.expect(is_("REGISTER", "SUCCESS"))
    return alice


async def settled(server: ChinwagServer) -> None:
    """Return once the server has read everything already written to it: a PING from one
    more connection is answered only after the lines that reached it earlier were read."""
    probe = await IrcClient.connect(server.addresses[0], source=OWNER)
    await probe.register("probe")
    await probe.send("PING", "settled")
    await probe.expect(is_("PONG"))
    await probe.close()


def nickserv_says(line: Line) -> bool:
    return line.command == "NOTICE" and (line.source or "").startswith("NickServ!")


def sasl_outcome(line: Line) -> bool:
    return line.command in ("903", "904")


async def test_identify_guesses_sent_together_are_checked_only_up_to_the_limit(
    start_server: SecureFactory,
) -> None:
    server = await start_server(accounts=SLOW)
    await owner_account(server)
    guessers = []
    for index in range(LIMIT + 3):
        guesser = await IrcClient.connect(server.addresses[0], source=attacker_address(index))
        await guesser.register(f"mal{index}")
        guessers.append(guesser)
    *wrong, right = guessers
    for index, guesser in enumerate(wrong):
        await guesser.send("NickServ", "IDENTIFY", "alice", f"guess-number-{index}")
    await settled(server)  # every wrong guess is in, none has been answered
    await right.send("NickServ", "IDENTIFY", "alice", PASSWORD)

    answers = [(await guesser.expect(nickserv_says)).params[-1] for guesser in guessers]
    checked = [text for text in answers if text.startswith("Invalid password")]
    refused = [text for text in answers if "try again in" in text]
    assert len(checked) == LIMIT
    assert len(refused) == 3
    # The right password came after the limit was taken: refused without being checked.
    assert "try again in" in answers[-1]
    await right.send("PING", "after")
    await right.expect(is_("PONG"))
    assert not any(line.command == "900" for line in right.received)

    # alice, from the address she registered from, still gets in during the attack.
    owner = await IrcClient.connect(server.addresses[0], source=OWNER)
    await owner.register("alice2")
    await owner.send("NickServ", "IDENTIFY", "alice", PASSWORD)
    assert (await owner.expect(nickserv_says)).params[-1] == "You are now logged in as alice."
    await owner.expect(is_("900"))


async def sasl_guess(server: ChinwagServer, source: str, password: str) -> IrcClient:
    """A connection at ``source`` that sends a SASL PLAIN login for alice before registering."""
    guesser = await IrcClient.connect(server.addresses[0], source=source)
    await guesser.send("CAP", "REQ", "sasl")
    await guesser.expect(is_("CAP", "*", "ACK"))
    await guesser.send("AUTHENTICATE", "PLAIN")
    await guesser.expect(is_("AUTHENTICATE", "+"))
    payload = base64.b64encode(f"\0alice\0{password}".encode()).decode()
    await guesser.send("AUTHENTICATE", payload)
    return guesser


async def test_sasl_plain_guesses_sent_together_are_checked_only_up_to_the_limit(
    start_server: SecureFactory,
) -> None:
    server = await start_server(accounts=SLOW)
    await owner_account(server)
    guessers = [
        await sasl_guess(server, attacker_address(index), f"guess-number-{index}")
        for index in range(LIMIT + 2)
    ]
    await settled(server)
    right = await sasl_guess(server, attacker_address(LIMIT + 2), PASSWORD)
    guessers.append(right)

    outcomes = [await guesser.expect(sasl_outcome) for guesser in guessers]
    assert [line.command for line in outcomes] == ["904"] * len(guessers)
    refused = [line for line in outcomes if "try again in" in line.params[-1]]
    assert len(refused) == 3
    assert "try again in" in outcomes[-1].params[-1]
    assert not any(line.command == "900" for line in right.received)

    # alice's own client, at the address she registered from, logs in all the same.
    owner = await sasl_guess(server, OWNER, PASSWORD)
    assert (await owner.expect(sasl_outcome)).command == "903"


@dataclass
class Scram:
    """A SCRAM-SHA-256 login in progress: scramp's client and its connection."""

    client: ScramClient
    connection: IrcClient

    async def send(self, message: str) -> None:
        await self.connection.send("AUTHENTICATE", base64.b64encode(message.encode()).decode())

    async def answer(self) -> Line:
        """The server's next step: a challenge (AUTHENTICATE) or the outcome (903/904)."""
        return await self.connection.expect(
            lambda line: line.command in ("AUTHENTICATE", "903", "904")
        )

    async def finish(self) -> str:
        """Finish the exchange; the numeric it ends with."""
        first = await self.answer()
        if first.command != "AUTHENTICATE":
            return first.command
        self.client.set_server_first(base64.b64decode(first.params[0]).decode())
        await self.send(self.client.get_client_final())
        final = await self.answer()
        if final.command != "AUTHENTICATE":
            return final.command
        self.client.set_server_final(base64.b64decode(final.params[0]).decode())
        await self.connection.send("AUTHENTICATE", "+")
        return (await self.connection.expect(sasl_outcome)).command


async def scram_first(server: ChinwagServer, source: str, password: str) -> Scram:
    """Start a SCRAM-SHA-256 login for alice at ``source``: the client-first message is sent,
    the server's answer not yet read."""
    connection = await IrcClient.connect(server.addresses[0], source=source)
    await connection.send("CAP", "REQ", "sasl")
    await connection.expect(is_("CAP", "*", "ACK"))
    await connection.send("AUTHENTICATE", "SCRAM-SHA-256")
    await connection.expect(is_("AUTHENTICATE", "+"))
    scram = Scram(ScramClient(["SCRAM-SHA-256"], "alice", password), connection)
    await scram.send(scram.client.get_client_first())
    return scram


async def test_scram_exchanges_left_open_take_their_place_in_the_limit(
    start_server: SecureFactory,
) -> None:
    server = await start_server()
    await owner_account(server)
    # Exchanges opened and not finished: each is an attempt until it proves the password.
    opened = [
        await scram_first(server, attacker_address(index), f"guess-number-{index}")
        for index in range(LIMIT + 2)
    ]
    answers = [await scram.answer() for scram in opened]
    challenged = [line for line in answers if line.command == "AUTHENTICATE"]
    refused = [line for line in answers if line.command == "904"]
    assert len(challenged) == LIMIT
    assert len(refused) == 2 and all("try again in" in line.params[-1] for line in refused)

    right = await scram_first(server, attacker_address(LIMIT + 2), PASSWORD)
    assert await right.finish() == "904"

    owner = await scram_first(server, OWNER, PASSWORD)
    assert await owner.finish() == "903"


async def test_an_address_that_logged_in_before_keeps_only_its_own_limit(
    start_server: SecureFactory,
) -> None:
    server = await start_server()
    await owner_account(server)
    # The owner mistypes at her own address as often as the limit allows ...
    owner = await IrcClient.connect(server.addresses[0], source=OWNER)
    await owner.register("alice2")
    for index in range(LIMIT):
        await owner.send("NickServ", "IDENTIFY", "alice", f"typo-{index}")
        assert (await owner.expect(nickserv_says)).params[-1].startswith("Invalid password")
    # ... and then her address is held back like any other: the exemption is from the
    # account's limit, not from the address's own.
    await owner.send("NickServ", "IDENTIFY", "alice", PASSWORD)
    assert "try again in" in (await owner.expect(nickserv_says)).params[-1]
    # Her typos at a known address did not count against the account: at a new address
    # (her phone), the right password still works.
    phone = await IrcClient.connect(server.addresses[0], source=attacker_address(0))
    await phone.register("alicephone")
    await phone.send("NickServ", "IDENTIFY", "alice", PASSWORD)
    await phone.expect(is_("900"))


async def test_registration_attempts_are_limited_per_address(
    start_server: SecureFactory,
) -> None:
    server = await start_server()
    for index in range(LIMIT):
        client = await IrcClient.connect(server.addresses[0], source=attacker_address(0))
        await client.register(f"spam{index}")
        await client.send("REGISTER", "*", "*", PASSWORD)
        await client.expect(is_("REGISTER", "SUCCESS"))
    flood = await IrcClient.connect(server.addresses[0], source=attacker_address(0))
    await flood.register("spamtoo")
    await flood.send("REGISTER", "*", "*", PASSWORD)
    fail = await flood.expect(is_("FAIL", "REGISTER"))
    assert fail.params[1] == "TEMPORARILY_UNAVAILABLE" and "try" in fail.params[-1]
    # Somebody else, elsewhere, registers as usual.
    carol = await IrcClient.connect(server.addresses[0], source=OWNER)
    await carol.register("carol")
    await carol.send("REGISTER", "*", "*", PASSWORD)
    await carol.expect(is_("REGISTER", "SUCCESS"))

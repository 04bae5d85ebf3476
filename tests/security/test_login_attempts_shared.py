"""Every way of proving a password counts against the same limit (issue 17, "Failed-login
throttling"): wrong guesses spread over NickServ IDENTIFY, SASL PLAIN and SASL SCRAM-SHA-256
fill one per-account limit, so an attacker gains nothing by switching from one to another,
and the owner's known address still gets in through any of them.

Attackers connect from 127.0.0.10 and up, one address each, so that only the account's
limit can stop them; the owner registered from 127.0.0.1.
"""

from __future__ import annotations

from tests.ircclient import IrcClient, is_
from tests.security.conftest import SecureFactory
from tests.security.test_login_attempts import (
    LIMIT,
    OWNER,
    PASSWORD,
    attacker_address,
    nickserv_says,
    owner_account,
    sasl_guess,
    sasl_outcome,
    scram_first,
)


async def test_guesses_over_nickserv_plain_and_scram_share_one_limit(
    start_server: SecureFactory,
) -> None:
    server = await start_server()
    await owner_account(server)
    index = 0
    # Wrong guesses, one per address, taking turns between the three ways in.
    for turn in range(LIMIT):
        source = attacker_address(index)
        index += 1
        if turn % 3 == 0:
            guesser = await IrcClient.connect(server.addresses[0], source=source)
            await guesser.register(f"mal{turn}")
            await guesser.send("NickServ", "IDENTIFY", "alice", f"guess-{turn}")
            assert (await guesser.expect(nickserv_says)).params[-1].startswith("Invalid")
        elif turn % 3 == 1:
            plain = await sasl_guess(server, source, f"guess-{turn}")
            outcome = await plain.expect(sasl_outcome)
            assert outcome.command == "904" and "try again" not in outcome.params[-1]
        else:
            scram = await scram_first(server, source, f"guess-{turn}")
            assert await scram.finish() == "904"

    # The limit is full for every way in, right password or not, from a fresh address.
    late = await IrcClient.connect(server.addresses[0], source=attacker_address(index))
    await late.register("latecomer")
    await late.send("NickServ", "IDENTIFY", "alice", PASSWORD)
    assert "try again in" in (await late.expect(nickserv_says)).params[-1]
    plain = await sasl_guess(server, attacker_address(index + 1), PASSWORD)
    refused = await plain.expect(sasl_outcome)
    assert refused.command == "904" and "try again in" in refused.params[-1]
    scram = await scram_first(server, attacker_address(index + 2), PASSWORD)
    assert await scram.finish() == "904"

    # alice, at the address she registered from, gets in by each of them.
    by_nickserv = await IrcClient.connect(server.addresses[0], source=OWNER)
    await by_nickserv.register("alice2")
    await by_nickserv.send("NickServ", "IDENTIFY", "alice", PASSWORD)
    await by_nickserv.expect(is_("900"))
    by_plain = await sasl_guess(server, OWNER, PASSWORD)
    assert (await by_plain.expect(sasl_outcome)).command == "903"
    by_scram = await scram_first(server, OWNER, PASSWORD)
    assert await by_scram.finish() == "903"

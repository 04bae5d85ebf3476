"""Nobody takes a nick that is not theirs (issue 24, items 3 and 6).

A connection that has sent ``NICK`` holds that nick while it registers, so nobody else can
take it (and then ``REGISTER`` it) in the meantime; ``REGISTER`` refuses a name someone else
holds. A registered nick held without its password has one deadline per claim: leaving the
nick and coming back does not start a new grace period, and logging in to some other account
does not end it. Those tests are about a nick whose owner is gone, so their server has
always-on off; with always-on (issue 16, the default) the owner's user stays, a ghost that
keeps the nick: nobody else gets it at all, and what is sent to it waits for the owner.
"""

from __future__ import annotations

from dataclasses import replace

from chinwag.server.app import ChinwagServer
from tests.conftest import FAST_ACCOUNTS
from tests.ircclient import Address, IrcClient, is_
from tests.security.conftest import NOT_ALWAYS_ON, SecureFactory, SteppedClock

PASSWORD = "hunter2hunter2"


async def synced(client: IrcClient, token: str = "sync") -> None:
    """Wait until the server has handled everything ``client`` sent so far."""
    await client.send("PING", token)
    await client.expect(is_("PONG", "irc.test", token))


async def make_account(address: Address, name: str) -> None:
    """Register the account ``name`` from a connection that then leaves."""
    owner = await IrcClient.registered(address, name)
    await owner.send("REGISTER", "*", "*", PASSWORD)
    await owner.expect(is_("REGISTER", "SUCCESS", name))
    await owner.send("QUIT")
    await owner.expect_closed()


async def holding(address: Address, nick: str) -> IrcClient:
    """A connection that has sent ``CAP LS`` and ``NICK nick`` and stays unregistered."""
    client = await IrcClient.connect(address)
    await client.send("CAP", "LS", "302")
    await client.send("NICK", nick)
    await synced(client)
    return client


async def renamed_by_tick(server: ChinwagServer, client: IrcClient) -> str | None:
    """Run the server's timeout check now; the nick ``client`` was renamed to by it, if any.

    (Waiting for a rename with a timeout would let the server's own ticker, every few
    seconds, do it later and hide a deadline that moved.)"""
    seen = len(client.received)
    server.core.tick()
    await synced(client, "ticked")
    renames = [line for line in client.received[seen:] if line.command == "NICK"]
    return renames[0].params[0] if renames else None


def texts(client: IrcClient, command: str = "PRIVMSG") -> list[str]:
    """The last parameter of every ``command`` the client received."""
    return [line.params[-1] for line in client.received if line.command == command]


# -- item 3: nicks held during registration, REGISTER of a held name ---------------------------


async def test_a_nick_sent_during_registration_is_held_against_other_connections(
    start_server: SecureFactory,
) -> None:
    server = await start_server()
    address = server.addresses[0]
    attacker = await holding(address, "erin")
    erin = await IrcClient.connect(address)
    await erin.send("NICK", "erin")
    await erin.expect(is_("433", "*", "erin"))
    await erin.register("erin_")
    # The attacker, who really did hold "erin" first, registers it; nobody is renamed.
    await attacker.send("REGISTER", "*", "*", PASSWORD)
    await attacker.expect(is_("REGISTER", "SUCCESS", "erin"))
    await attacker.send("USER", "a", "0", "*", "attacker")
    await attacker.send("CAP", "END")
    await attacker.expect(is_("001", "erin"))
    bob = await IrcClient.registered(address, "bob")
    await bob.send("PRIVMSG", "erin_", "for erin only")
    await erin.expect(is_("PRIVMSG", "erin_", "for erin only"))
    await synced(erin)
    assert not [line for line in erin.received if line.command == "NICK"]
    await synced(attacker)
    assert "for erin only" not in texts(attacker)


async def test_a_held_nick_is_released_by_a_nick_change_and_by_leaving(
    start_server: SecureFactory,
) -> None:
    server = await start_server()
    address = server.addresses[0]
    first = await holding(address, "erin")
    await first.send("NICK", "someone")
    await synced(first)
    erin = await IrcClient.registered(address, "erin")
    second = await holding(address, "dora")
    await second.send("QUIT")
    await second.expect_closed()
    dora = await IrcClient.registered(address, "dora")
    await erin.send("PRIVMSG", "dora", "hello dora")
    await dora.expect(is_("PRIVMSG", "dora", "hello dora"))


async def test_register_refuses_a_name_someone_else_holds_and_never_renames_its_holder(
    start_server: SecureFactory,
) -> None:
    server = await start_server(accounts=NOT_ALWAYS_ON)
    address = server.addresses[0]
    await make_account(address, "erin")
    # The account's name may be asked for while it exists (its owner may be about to log in).
    attacker = await holding(address, "erin")
    erin = await IrcClient.registered(address, "erin")
    await erin.send("PRIVMSG", "NickServ", f"IDENTIFY {PASSWORD}")
    await erin.expect(is_("900"))
    await erin.send("PRIVMSG", "NickServ", f"DROP {PASSWORD}")
    await erin.expect(lambda line: line.command == "NOTICE" and "dropped" in line.params[-1])
    # The account is gone but erin still holds her nick: it is not the attacker's to register.
    await attacker.send("REGISTER", "*", "*", PASSWORD)
    await attacker.expect(is_("FAIL", "REGISTER", "BAD_ACCOUNT_NAME", "erin"))
    await attacker.send("USER", "a", "0", "*", "attacker")
    await attacker.send("CAP", "END")
    await attacker.expect(is_("433", "*", "erin"))
    bob = await IrcClient.registered(address, "bob")
    await bob.send("PRIVMSG", "erin", "still yours")
    await erin.expect(is_("PRIVMSG", "erin", "still yours"))
    assert not [line for line in erin.received if line.command == "NICK"]
    await synced(attacker)
    assert "still yours" not in texts(attacker)
    assert not [line for line in attacker.received if line.command == "900"]


async def test_an_always_on_owners_nick_is_nobody_elses_while_she_is_gone(
    start_server: SecureFactory, clock: SteppedClock
) -> None:
    server = await start_server(accounts=replace(FAST_ACCOUNTS, guest_grace=0.5))
    address = server.addresses[0]
    await make_account(address, "erin")  # she left; her user stayed (always-on)
    # Neither by REGISTER, nor at the end of registration (where a login to her account
    # would have attached it to her user), nor after does anyone else get it.
    attacker = await IrcClient.connect(address)
    await attacker.send("CAP", "LS", "302")
    await attacker.send("NICK", "erin")
    await attacker.send("REGISTER", "*", "*", PASSWORD)
    await attacker.expect(is_("FAIL", "REGISTER", "ACCOUNT_EXISTS", "erin"))
    await attacker.send("USER", "a", "0", "*", "attacker")
    await attacker.send("CAP", "END")
    await attacker.expect(is_("433", "*", "erin"))
    await attacker.send("NICK", "erin_")
    await attacker.expect(is_("001", "erin_"))
    await attacker.send("NICK", "erin")
    await attacker.expect(is_("433", "erin_", "erin"))
    # No grace period runs out for her: nobody holds the nick without its password.
    clock.advance(1.0)
    assert await renamed_by_tick(server, attacker) is None
    bob = await IrcClient.registered(address, "bob")
    await bob.send("PRIVMSG", "erin", "for erin only")
    await bob.expect(is_("301", "bob", "erin"))  # away: not connected
    await owner_reads_what_waited(address, "erin", "for erin only")
    await synced(attacker)
    assert "for erin only" not in texts(attacker)


# -- item 6: one deadline per claim --------------------------------------------------------------


async def grace_server(start_server: SecureFactory, grace: float) -> ChinwagServer:
    """A server whose nick protection renames after ``grace`` seconds (always-on off: the
    owner's user quits, leaving the nick to be protected)."""
    return await start_server(accounts=replace(NOT_ALWAYS_ON, guest_grace=grace))


async def owner_reads_what_waited(address: Address, name: str, text: str) -> None:
    """The account's owner logs in from a new connection and gets ``text``, which was sent
    to ``name`` while they were away."""
    owner = await IrcClient.registered(address, f"{name}_home")
    await owner.send("PRIVMSG", "NickServ", f"IDENTIFY {name} {PASSWORD}")
    await owner.expect(is_("900"))
    await owner.expect(lambda line: line.command == "PRIVMSG" and line.params[-1] == text)


async def test_leaving_a_protected_nick_and_coming_back_keeps_the_first_deadline(
    start_server: SecureFactory, clock: SteppedClock
) -> None:
    server = await grace_server(start_server, 1.0)
    address = server.addresses[0]
    await make_account(address, "alice")
    squatter = await IrcClient.registered(address, "alice")
    clock.advance(0.5)
    await squatter.send("NICK", "alice_")
    await squatter.expect(is_("NICK", "alice_"))
    await squatter.send("NICK", "alice")
    await squatter.expect(is_("NICK", "alice"))
    # The first deadline was a second after the claim; a fresh one would be 1.5 s after it.
    clock.advance(0.7)
    renamed = await renamed_by_tick(server, squatter)
    assert renamed is not None and renamed.startswith("Guest")
    # Nor does being renamed start a new claim.
    await squatter.send("NICK", "alice")
    await squatter.expect(is_("433", renamed, "alice"))
    bob = await IrcClient.registered(address, "bob")
    await bob.send("PRIVMSG", "alice", "for alice only")
    await owner_reads_what_waited(address, "alice", "for alice only")
    await synced(squatter)
    assert "for alice only" not in texts(squatter)


async def test_coming_back_to_a_protected_nick_after_the_deadline_is_refused(
    start_server: SecureFactory, clock: SteppedClock
) -> None:
    server = await grace_server(start_server, 0.5)
    address = server.addresses[0]
    await make_account(address, "alice")
    squatter = await IrcClient.registered(address, "alice")
    await squatter.send("NICK", "alice_")
    await squatter.expect(is_("NICK", "alice_"))
    clock.advance(0.7)
    await squatter.send("NICK", "alice")
    await squatter.expect(is_("433", "alice_", "alice"))
    bob = await IrcClient.registered(address, "bob")
    await bob.send("PRIVMSG", "alice", "for alice only")
    await owner_reads_what_waited(address, "alice", "for alice only")
    await synced(squatter)
    assert "for alice only" not in texts(squatter)


async def test_logging_in_to_another_account_does_not_end_the_grace_period(
    start_server: SecureFactory, clock: SteppedClock
) -> None:
    server = await grace_server(start_server, 0.5)
    address = server.addresses[0]
    await make_account(address, "alice")
    await make_account(address, "mallory")
    squatter = await IrcClient.registered(address, "alice")
    await squatter.send("PRIVMSG", "NickServ", f"IDENTIFY mallory {PASSWORD}")
    await squatter.expect(is_("900"))
    clock.advance(0.7)
    renamed = await renamed_by_tick(server, squatter)
    assert renamed is not None and renamed.startswith("Guest")
    bob = await IrcClient.registered(address, "bob")
    await bob.send("PRIVMSG", "alice", "for alice only")
    await owner_reads_what_waited(address, "alice", "for alice only")
    await synced(squatter)
    assert "for alice only" not in texts(squatter)


async def test_the_owner_logging_in_keeps_the_nick_for_good(
    start_server: SecureFactory, clock: SteppedClock
) -> None:
    server = await grace_server(start_server, 0.5)
    address = server.addresses[0]
    await make_account(address, "alice")
    alice = await IrcClient.registered(address, "alice")
    await alice.send("PRIVMSG", "NickServ", f"IDENTIFY {PASSWORD}")
    await alice.expect(is_("900"))
    clock.advance(0.7)
    assert await renamed_by_tick(server, alice) is None
    bob = await IrcClient.registered(address, "bob")
    await bob.send("PRIVMSG", "alice", "for alice")
    await alice.expect(is_("PRIVMSG", "alice", "for alice"))
    assert not [line for line in alice.received if line.command == "NICK"]

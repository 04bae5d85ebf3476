"""Service names belong to the services (issue 24, item 12).

Nobody may take a services nick (NickServ, ChanServ, OperServ...) nor register an account so
named, and a message to a service with other targets besides is refused whole: ``PRIVMSG
NickServ,bob :IDENTIFY pw`` must not hand bob the password, nor half-work.
"""

from __future__ import annotations

import pytest

from tests.ircclient import IrcClient, is_
from tests.security.conftest import SecureFactory

PASSWORD = "hunter2hunter2"

RESERVED = ["OperServ", "MemoServ", "HostServ", "BotServ", "Global", "saslserv"]


async def synced(client: IrcClient) -> None:
    """Wait until the server has handled everything ``client`` sent so far."""
    await client.send("PING", "sync")
    await client.expect(is_("PONG", "irc.test", "sync"))


@pytest.mark.parametrize("name", RESERVED)
async def test_a_service_name_is_no_ones_nick(start_server: SecureFactory, name: str) -> None:
    server = await start_server()
    address = server.addresses[0]
    early = await IrcClient.connect(address)
    await early.send("NICK", name)
    await early.expect(is_("432", "*", name))
    await early.register("early")
    user = await IrcClient.registered(address, "someone")
    await user.send("NICK", name)
    await user.expect(is_("432", "someone", name))
    await synced(user)
    assert not [line for line in user.received if line.command == "NICK"]


@pytest.mark.parametrize("name", ["nickserv", "ChanServ"])
async def test_a_running_service_stays_in_use(start_server: SecureFactory, name: str) -> None:
    server = await start_server()
    user = await IrcClient.registered(server.addresses[0], "someone")
    await user.send("NICK", name)
    await user.expect(is_("433", "someone", name))


@pytest.mark.parametrize(
    "targets", ["NickServ,bob", "bob,NickServ", "bob,ChanServ", "#lobby,NickServ"]
)
async def test_a_message_to_a_service_and_others_is_refused_whole(
    start_server: SecureFactory, targets: str
) -> None:
    server = await start_server()
    address = server.addresses[0]
    owner = await IrcClient.registered(address, "alice")
    await owner.send("REGISTER", "*", "*", PASSWORD)
    await owner.expect(is_("REGISTER", "SUCCESS", "alice"))
    await owner.send("QUIT")
    await owner.expect_closed()
    carol = await IrcClient.registered(address, "carol", "#lobby")
    bob = await IrcClient.registered(address, "bob", "#lobby")
    await carol.send("PRIVMSG", targets, f"IDENTIFY alice {PASSWORD}")
    refusal = await carol.expect(is_("407", "carol"))
    assert refusal.params[1] in targets.split(",")
    await carol.send("NOTICE", targets, f"IDENTIFY alice {PASSWORD}")
    await synced(carol)
    await synced(bob)
    assert not [line for line in bob.received if PASSWORD in line.format()]
    from_services = [line for line in carol.received if line.command in ("NOTICE", "900")]
    assert from_services == []
    # Each alone still works: bob hears carol, NickServ logs her in.
    await carol.send("PRIVMSG", "bob", "hello bob")
    await bob.expect(is_("PRIVMSG", "bob", "hello bob"))
    await carol.send("PRIVMSG", "NickServ", f"IDENTIFY alice {PASSWORD}")
    await carol.expect(is_("900", "carol"))

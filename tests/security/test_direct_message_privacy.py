"""Direct messages reach only the two people who exchanged them, across quits, nick
changes, logins and dropped accounts (issue 24, items 1, 2 and 4; docs/security.md).

Each test plays the attacker with a raw client and checks the rightful owner still reads
everything, so a server where history simply did not work would fail them too. Where the
subject is an account whose owner is gone, the server has always-on off (the owner's user
quits); beside each, its always-on counterpart (issue 16): the user stays, a ghost holding
its nick, and still nobody else reads what is the account's.
"""

from __future__ import annotations

from chinwag.server.app import ChinwagServer
from tests.ircclient import IrcClient, is_
from tests.security.conftest import NOT_ALWAYS_ON, SecureFactory
from tests.security.history import (
    connect,
    history,
    identify,
    register_account,
    say,
    targets,
    texts,
)


async def test_a_departed_users_messages_do_not_go_to_the_next_holder_of_the_nick(
    start_server: SecureFactory,
) -> None:
    server = await start_server()
    carol = await connect(server, "carol")
    dave = await connect(server, "dave")
    await say(carol, "dave", "carol's secret")
    await say(dave, "carol", "dave's reply")
    # While both are here, both read the conversation.
    assert texts(await history(carol, "dave")) == ["carol's secret", "dave's reply"]
    assert texts(await history(dave, "carol")) == ["carol's secret", "dave's reply"]
    assert "dave" in await targets(carol)

    await carol.send("QUIT", "bye")
    await carol.expect_closed()
    impostor = await connect(server, "carol")

    assert await history(impostor, "dave") == []
    assert "dave" not in await targets(impostor)
    # The conversation lived as long as carol did (docs/security.md).
    assert await history(dave, "carol") == []


async def nick_refused(server: ChinwagServer, nick: str) -> IrcClient:
    """A connection that asks for ``nick`` before and after registering and gets
    ERR_NICKNAMEINUSE both times (it is left registered as ``<nick>_x``)."""
    client = await IrcClient.connect(server.addresses[0])
    await client.send("NICK", nick)
    await client.expect(is_("433", "*", nick))
    await client.register(f"{nick}_x")
    await client.send("NICK", nick)
    await client.expect(is_("433", f"{nick}_x", nick))
    return client


async def test_an_accounts_messages_are_not_read_by_whoever_holds_its_nick(
    start_server: SecureFactory,
) -> None:
    server = await start_server(accounts=NOT_ALWAYS_ON)
    alice = await connect(server, "alice")
    await register_account(alice)
    bob = await connect(server, "bob")
    await say(bob, "alice", "hello alice")
    await say(alice, "bob", "hello bob")
    await alice.send("QUIT", "bye")
    await alice.expect_closed()
    await bob.send("PRIVMSG", "alice", "while you were out")
    await bob.expect(is_("PRIVMSG", "alice", "while you were out"))

    squatter = await connect(server, "alice")
    assert await history(squatter, "bob") == []
    assert "bob" not in await targets(squatter)
    # What is said to the nick meanwhile is for its owner: it waits for her login.
    await bob.send("PRIVMSG", "alice", "for alice only")
    await bob.expect(is_("PRIVMSG", "alice", "for alice only"))
    await squatter.send("PING", "flush")
    await squatter.expect(is_("PONG"))
    said = [line.params[-1] for line in squatter.received if line.command == "PRIVMSG"]
    assert "while you were out" not in said and "for alice only" not in said
    await squatter.send("QUIT", "done")
    await squatter.expect_closed()

    owner = await connect(server, "alice2")
    await identify(owner, "alice")
    first = await owner.expect(is_("PRIVMSG", "alice"))
    second = await owner.expect(is_("PRIVMSG", "alice"))
    assert [first.params[-1], second.params[-1]] == ["while you were out", "for alice only"]
    assert texts(await history(owner, "bob")) == [
        "hello alice",
        "hello bob",
        "while you were out",
        "for alice only",
    ]
    assert "bob" in await targets(owner)


async def test_an_always_on_accounts_nick_and_messages_stay_its_own_while_it_is_gone(
    start_server: SecureFactory,
) -> None:
    server = await start_server()
    alice = await connect(server, "alice")
    await register_account(alice)
    bob = await connect(server, "bob")
    await say(bob, "alice", "hello alice")
    await alice.send("QUIT", "bye")
    await alice.expect_closed()
    await bob.send("PRIVMSG", "alice", "while you were out")
    await bob.expect(is_("PRIVMSG", "alice", "while you were out"))

    # The nick is the ghost's: nobody else takes it, before or after registering, nor logs
    # in to the account without its password.
    intruder = await nick_refused(server, "alice")
    await intruder.send("CAP", "REQ", "draft/chathistory batch server-time message-tags")
    await intruder.expect(is_("CAP", "alice_x", "ACK"))
    await intruder.send("PRIVMSG", "NickServ", "IDENTIFY alice wrong-password")
    await intruder.expect(is_("NOTICE", "alice_x"))
    assert not [line for line in intruder.received if line.command == "900"]
    assert await history(intruder, "bob") == []
    assert "bob" not in await targets(intruder)
    said = [line.params[-1] for line in intruder.received if line.command == "PRIVMSG"]
    assert "hello alice" not in said and "while you were out" not in said

    owner = await connect(server, "alice2")
    await identify(owner, "alice")
    waited = await owner.expect(is_("PRIVMSG", "alice"))
    assert waited.params[-1] == "while you were out"
    assert texts(await history(owner, "bob")) == ["hello alice", "while you were out"]
    assert "bob" in await targets(owner)


async def test_a_dropped_accounts_messages_do_not_go_to_the_next_account_of_that_name(
    start_server: SecureFactory,
) -> None:
    server = await start_server()
    dan = await connect(server, "dan")
    await register_account(dan)
    bob = await connect(server, "bob")
    await say(dan, "bob", "dan's secret")
    await say(bob, "dan", "bob's secret")
    assert texts(await history(dan, "bob")) == ["dan's secret", "bob's secret"]

    await dan.send("PRIVMSG", "NickServ", "DROP correct-horse-battery")
    await dan.expect(lambda line: line.command == "NOTICE" and "dropped" in line.params[-1])
    await dan.send("QUIT", "bye")
    await dan.expect_closed()
    heir = await connect(server, "dan")
    await register_account(heir)

    assert await history(heir, "bob") == []
    assert "bob" not in await targets(heir)
    # Dropping an account deletes its conversations, for both sides (docs/security.md).
    assert await history(bob, "dan") == []


async def test_an_accounts_conversation_survives_a_restart_and_the_owner_reads_it(
    start_server: SecureFactory,
) -> None:
    server = await start_server(accounts=NOT_ALWAYS_ON)
    erin = await connect(server, "erin")
    await register_account(erin)
    frank = await connect(server, "frank")
    await register_account(frank)
    await say(erin, "frank", "before the restart")
    await server.stop()

    server = await start_server(accounts=NOT_ALWAYS_ON)
    squatter = await connect(server, "frank")
    assert await history(squatter, "erin") == []
    owner = await connect(server, "frank2")
    await identify(owner, "frank")
    assert texts(await history(owner, "erin")) == ["before the restart"]


async def test_an_always_on_accounts_nick_and_conversation_survive_a_restart(
    start_server: SecureFactory,
) -> None:
    server = await start_server()
    erin = await connect(server, "erin")
    await register_account(erin)
    frank = await connect(server, "frank")
    await register_account(frank)
    await say(erin, "frank", "before the restart")
    await server.stop()

    server = await start_server()
    intruder = await nick_refused(server, "frank")
    await intruder.send("CAP", "REQ", "draft/chathistory batch server-time message-tags")
    await intruder.expect(is_("CAP", "frank_x", "ACK"))
    assert await history(intruder, "erin") == []
    owner = await connect(server, "frank2")
    await identify(owner, "frank")
    await owner.expect(is_("NICK", "frank"))  # the ghost's nick, kept across the restart
    assert texts(await history(owner, "erin")) == ["before the restart"]

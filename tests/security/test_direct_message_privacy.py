"""Direct messages reach only the two people who exchanged them, across quits, nick
changes, logins and dropped accounts (issue 24, items 1, 2 and 4; docs/security.md).

Each test plays the attacker with a raw client and checks the rightful owner still reads
everything, so a server where history simply did not work would fail them too.
"""

from __future__ import annotations

from tests.ircclient import is_
from tests.security.conftest import SecureFactory
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


async def test_an_accounts_messages_are_not_read_by_whoever_holds_its_nick(
    start_server: SecureFactory,
) -> None:
    server = await start_server()
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
    server = await start_server()
    erin = await connect(server, "erin")
    await register_account(erin)
    frank = await connect(server, "frank")
    await register_account(frank)
    await say(erin, "frank", "before the restart")
    await server.stop()

    server = await start_server()
    squatter = await connect(server, "frank")
    assert await history(squatter, "erin") == []
    owner = await connect(server, "frank2")
    await identify(owner, "frank")
    assert texts(await history(owner, "erin")) == ["before the restart"]

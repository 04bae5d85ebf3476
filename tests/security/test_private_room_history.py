"""What is said (and set) while a room is private stays with those who were there (issue
24, items 5 and 9; docs/security.md): a later member, a new incarnation of the room after
it emptied, or the first joiner after a restart reads none of it, nor its key, while the
members themselves still read it all and public talk stays open to later members.

A restart empties a room only if nobody always-on (issue 16) was in it: those tests run with
always-on off. With it, the room's always-on owner stays, and the room comes back as private
as it was: nobody gets in, nor reads it, who could not before.
"""

from __future__ import annotations

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

SECRET_TEXTS = ("+sik", "sekrit", "plans for friday", "the private topic")


def leaked(lines: list[str]) -> list[str]:
    return [line for line in lines if any(secret in line for secret in SECRET_TEXTS)]


async def private_room(owner: IrcClient) -> None:
    """#priv as its owner uses it: a public greeting, then locked, a topic and plans."""
    await owner.join("#priv")
    await say(owner, "#priv", "hello everyone")
    await owner.send("MODE", "#priv", "+sik", "sekrit")
    await owner.expect(is_("MODE", "#priv", "+sik", "sekrit"))
    await owner.send("TOPIC", "#priv", "the private topic")
    await owner.expect(is_("TOPIC", "#priv"))
    await say(owner, "#priv", "plans for friday")


async def test_whoever_joins_the_emptied_room_reads_nothing_said_while_it_was_private(
    start_server: SecureFactory,
) -> None:
    server = await start_server()
    owner = await connect(server, "owner")
    await register_account(owner)
    await private_room(owner)
    everything = [" ".join(line.params) for line in await history(owner, "#priv")]
    assert "#priv plans for friday" in everything and "#priv +sik sekrit" in everything
    await owner.send("PART", "#priv")
    await owner.expect(is_("PART", "#priv"))

    mal = await connect(server, "mal")
    await mal.join("#priv")
    seen = [" ".join(line.params) for line in await history(mal, "#priv")]
    assert leaked(seen) == []
    assert "#priv hello everyone" in seen  # said while the room was public
    # No key, no modes of the old room: mal made a new one.
    await mal.send("MODE", "#priv")
    modes = await mal.expect(is_("324"))
    assert "k" not in modes.params[2] and "s" not in modes.params[2]

    # The owner was there: everything is still hers.
    await owner.join("#priv")
    mine = texts(await history(owner, "#priv"))
    assert "plans for friday" in mine and "the private topic" in mine


async def test_a_client_without_chathistory_gets_no_private_lines_in_its_join_replay(
    start_server: SecureFactory,
) -> None:
    server = await start_server()
    owner = await connect(server, "owner")
    await private_room(owner)
    await owner.send("PART", "#priv")
    await owner.expect(is_("PART", "#priv"))

    plain = await connect(server, "plain", caps="batch server-time")
    await plain.join("#priv")
    await plain.send("PING", "done")
    await plain.expect(is_("PONG"))
    replayed = [line.params[-1] for line in plain.received if line.command == "PRIVMSG"]
    assert replayed == ["hello everyone"]


async def test_a_later_member_of_a_private_room_reads_only_from_their_join(
    start_server: SecureFactory,
) -> None:
    server = await start_server()
    owner = await connect(server, "owner")
    await private_room(owner)
    guest = await connect(server, "guest")
    await owner.send("INVITE", "guest", "#priv")
    await guest.expect(is_("INVITE"))
    await guest.send("JOIN", "#priv", "sekrit")
    await guest.expect(is_("366"))
    await say(owner, "#priv", "welcome guest")

    seen = texts(await history(guest, "#priv"))
    assert "plans for friday" not in seen and "the private topic" not in seen
    assert seen[-1] == "welcome guest" and "hello everyone" in seen
    assert "plans for friday" in texts(await history(owner, "#priv"))


async def test_after_a_restart_the_first_joiner_gets_neither_the_old_room_nor_its_past(
    start_server: SecureFactory,
) -> None:
    server = await start_server(accounts=NOT_ALWAYS_ON)
    owner = await connect(server, "owner")
    await register_account(owner)
    await private_room(owner)
    await server.stop()

    server = await start_server(accounts=NOT_ALWAYS_ON)
    mal = await connect(server, "mal")
    await mal.join("#priv")
    seen = [" ".join(line.params) for line in await history(mal, "#priv")]
    assert leaked(seen) == []
    assert "#priv" in await targets(mal)  # the public greeting
    # mal talks privately in the new room; the old owner, not a member, reads none of it.
    await mal.send("MODE", "#priv", "+s")
    await mal.expect(is_("MODE", "#priv", "+s"))
    await say(mal, "#priv", "mal's own secret")

    back = await connect(server, "owner2")
    await identify(back, "owner")
    await back.join("#priv")
    mine = texts(await history(back, "#priv"))
    assert "plans for friday" in mine  # she was a member when it was said
    assert "mal's own secret" not in mine
    # Nobody was banned or keyed out: the old room's settings are gone.
    assert not any(line.command in ("474", "475", "473") for line in back.received)


async def test_after_a_restart_a_private_room_with_its_always_on_owner_is_still_private(
    start_server: SecureFactory,
) -> None:
    server = await start_server()
    owner = await connect(server, "owner")
    await register_account(owner)
    await private_room(owner)
    await server.stop()

    server = await start_server()
    mal = await connect(server, "mal")
    await mal.send("JOIN", "#priv")
    await mal.expect(is_("475", "mal", "#priv"))
    await mal.send("JOIN", "#priv", "guessed")
    await mal.expect(is_("475", "mal", "#priv"))
    await mal.send("CHATHISTORY", "LATEST", "#priv", "*", "50")
    await mal.send("TOPIC", "#priv")
    await mal.send("NAMES", "#priv")
    await mal.send("MODE", "#priv")
    await mal.send("PING", "done")
    await mal.expect(is_("PONG"))
    seen = [" ".join(line.params) for line in mal.received]
    assert leaked(seen) == [] and not any("owner" in line for line in seen)

    # The owner comes back to the room as it was, and everything said in it is hers.
    back = await connect(server, "owner2")
    await identify(back, "owner")
    await back.expect(is_("JOIN", "#priv"))
    await back.expect(is_("332", "owner", "#priv", "the private topic"))
    await back.send("MODE", "#priv")
    modes = await back.expect(is_("324", "owner", "#priv"))
    assert modes.params[2:] == ["+instk", "sekrit"]
    await say(back, "#priv", "after the restart")
    mine = texts(await history(back, "#priv"))
    assert mine[-3:] == ["the private topic", "plans for friday", "after the restart"]
    assert not [line for line in mal.received if "after the restart" in line.params]

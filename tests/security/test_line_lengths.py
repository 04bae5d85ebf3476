"""Outgoing lines stay within the IRC limits (issue 24, item 11).

Modern IRC ("Message format"): the part of a line after the tags is at most 512 bytes, CR LF
included; the tags have their own limit (IRCv3 message-tags, 8191 bytes). A server that relays
a 495-byte message adds ``:nick!user@host`` in front, so it must shorten what it relays, not
pass on a line that clients built to the spec drop or cut. An attacker who sends long input
gets no line over the limit to anyone; the person who wrote the long input still gets it
delivered, as much of it as fits, and the same text everywhere (relayed, echoed, replayed).
"""

from __future__ import annotations

from irctokens.line import Line

from tests.ircclient import IrcClient, is_
from tests.security.conftest import SecureFactory

LIMIT = 512
"""Bytes of a line after its tags, CR LF included."""


def bodies(client: IrcClient) -> list[bytes]:
    """Every line the client received, without its tags, CR LF included."""
    lines = [line + b"\n" for line in bytes(client.raw).split(b"\n") if line]
    return [line.split(b" ", 1)[1] if line.startswith(b"@") else line for line in lines]


def assert_no_long_line(*clients: IrcClient) -> None:
    """Nobody received a line over the limit."""
    for client in clients:
        long = [line for line in bodies(client) if len(line) > LIMIT]
        assert long == [], f"{client.nick} got {len(long)} line(s) over {LIMIT} bytes"


def length(line: Line) -> int:
    """The bytes of ``line`` after its tags, CR LF included, as the client received it."""
    return (
        len(line.format().split(" ", 1)[-1].encode()) + 2
        if line.tags
        else len(line.format().encode()) + 2
    )


async def with_caps(
    address: tuple[str, int], nick: str, caps: str, realname: str | None = None
) -> IrcClient:
    """A client registered as ``nick`` with ``caps`` enabled and the given real name."""
    client = await IrcClient.connect(address)
    client.nick = nick
    await client.send("CAP", "LS", "302")
    if caps:
        await client.send("CAP", "REQ", caps)
        await client.expect(is_("CAP", "*", "ACK"))
    await client.send("CAP", "END")
    await client.send("NICK", nick)
    await client.send("USER", nick, "0", "*", realname or f"{nick} the tester")
    await client.expect(is_("001", nick))
    await client.expect(lambda line: line.command in ("376", "422"))
    return client


async def test_a_long_channel_message_is_cut_to_fit_and_is_the_same_everywhere(
    start_server: SecureFactory,
) -> None:
    server = await start_server()
    address = server.addresses[0]
    ana = await with_caps(address, "ana", "echo-message")
    bob = await with_caps(address, "bob", "")
    await ana.join("#room")
    await bob.join("#room")
    # "PRIVMSG #room :" + 494 bytes + CR LF is 511 bytes: a line ana may send.
    text = "é" * 247
    await ana.send("PRIVMSG", "#room", text)

    heard = await bob.expect(is_("PRIVMSG", "#room"))
    echo = await ana.expect(is_("PRIVMSG", "#room"))
    shown = heard.params[1]
    assert text.startswith(shown)
    # As much as fits: a two-byte character more would not have.
    assert LIMIT - 2 <= length(heard) <= LIMIT
    assert echo.params[1] == shown

    # The replay on JOIN (a client without chathistory) gives the same stored text.
    carol = await with_caps(address, "carol", "")
    await carol.send("JOIN", "#room")
    replayed = await carol.expect(is_("PRIVMSG", "#room"))
    assert replayed.params[1] == shown
    assert_no_long_line(ana, bob, carol)


async def test_a_long_direct_message_is_cut_to_fit(start_server: SecureFactory) -> None:
    server = await start_server()
    address = server.addresses[0]
    ana = await with_caps(address, "ana", "echo-message")
    bob = await with_caps(address, "bob", "")
    text = "x" * 490 + "€"  # the cut falls inside the last character
    await ana.send("PRIVMSG", "bob", text)
    heard = await bob.expect(is_("PRIVMSG", "bob"))
    echo = await ana.expect(is_("PRIVMSG", "bob"))
    assert text.startswith(heard.params[1]) and echo.params[1] == heard.params[1]
    assert LIMIT - 3 <= length(heard) <= LIMIT
    # A short message is relayed untouched.
    await ana.send("NOTICE", "bob", "short and sweet")
    assert (await bob.expect(is_("NOTICE", "bob"))).params[1] == "short and sweet"
    assert_no_long_line(ana, bob)


async def test_a_long_real_name_fits_extended_join_who_and_whois(
    start_server: SecureFactory,
) -> None:
    server = await start_server()
    address = server.addresses[0]
    watcher = await with_caps(address, "watcher", "extended-join")
    await watcher.join("#room")
    # 4-byte characters: 128 of them are 512 bytes, which no JOIN line can carry.
    realname = "😀" * 120
    mal = await with_caps(address, "mal", "", realname=realname)
    await mal.join("#room")

    joined = await watcher.expect(is_("JOIN", "#room"))
    assert realname.startswith(joined.params[2]) and joined.params[2]
    await watcher.send("WHO", "#room")
    who = await watcher.expect(lambda line: line.command == "352" and line.params[5] == "mal")
    await watcher.send("WHOIS", "mal")
    whois = await watcher.expect(is_("311", "watcher", "mal"))
    # Bounded once, at input: every reply shows the same real name.
    assert who.params[-1] == f"0 {joined.params[2]}"
    assert whois.params[-1] == joined.params[2]

    await mal.send("SETNAME", "😀" * 100)
    await mal.expect(is_("FAIL", "SETNAME", "INVALID_REALNAME"))
    assert_no_long_line(watcher, mal)


async def test_long_topic_reasons_and_away_messages_fit_their_lines(
    start_server: SecureFactory,
) -> None:
    server = await start_server()
    address = server.addresses[0]
    op = await with_caps(address, "op", "")
    await op.join("#room")
    mal = await with_caps(address, "mal", "")
    await mal.join("#room")
    long = "ü" * 240  # 480 bytes: each line below would pass 512 with its prefix

    await op.send("TOPIC", "#room", long)
    topic = await mal.expect(is_("TOPIC", "#room"))
    assert long.startswith(topic.params[1]) and topic.params[1]

    await mal.send("AWAY", long)
    await mal.expect(is_("306"))
    await op.send("PRIVMSG", "mal", "are you there?")
    away = await op.expect(is_("301", "op", "mal"))
    assert long.startswith(away.params[2]) and away.params[2]

    await mal.send("PART", "#room", long)
    parted = await op.expect(is_("PART", "#room"))
    assert long.startswith(parted.params[1]) and parted.params[1]
    await mal.send("JOIN", "#room")
    await op.expect(is_("JOIN", "#room"))

    await op.send("KICK", "#room", "mal", long)
    kicked = await mal.expect(is_("KICK", "#room", "mal"))
    assert long.startswith(kicked.params[2]) and kicked.params[2]
    await mal.send("JOIN", "#room")
    await op.expect(is_("JOIN", "#room"))

    await mal.send("QUIT", long)
    quit_ = await op.expect(is_("QUIT"))
    assert quit_.params[0].startswith("Quit: ü")
    assert_no_long_line(op, mal)

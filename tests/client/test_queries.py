"""Query collectors: WHO, WHOIS, LIST and NAMES answers put together into one event each."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chinwag.client import events as ev
from chinwag.client.protocol import NotRegistered
from tests.client.harness import (
    NOW,
    feed,
    joined_lobby,
    new,
    registered,
    sent,
)

# -- NAMES ---------------------------------------------------------------------------------


def test_join_and_names_build_the_member_list() -> None:
    proto = registered()
    events = feed(
        proto,
        "@time=2024-05-01T10:00:00.000Z :ana!~ana@127.0.0.1 JOIN #Lobby * :Ana",
        ":irc.test 332 ana #Lobby :Welcome all",
        ":irc.test 353 ana = #Lobby :@+bob!~bob@h1 ana!~ana@127.0.0.1 +cy",
        ":irc.test 366 ana #Lobby :End of /NAMES list.",
    )
    joined, topic, names = events
    assert joined == ev.Joined(
        "#Lobby", "ana", True, None, "Ana", time=datetime(2024, 5, 1, 10, tzinfo=UTC)
    )
    assert topic == ev.TopicChanged("#Lobby", "Welcome all", None, time=NOW)
    assert isinstance(names, ev.Names)
    assert names.members == (ev.Member("bob", "@+"), ev.Member("ana"), ev.Member("cy", "+"))
    channel = proto.channel("#lobby")
    assert channel is not None and channel.topic == "Welcome all"
    assert sorted(channel.members) == ["ana", "bob", "cy"]
    assert proto.user("bob") is not None and proto.user("bob").host == "h1"  # type: ignore[union-attr]
    assert "#lobby" in proto.rooms


# -- WHO, WHOIS and LIST -------------------------------------------------------------------


def test_who_whois_and_list() -> None:
    proto = joined_lobby()
    proto.who("#lobby")
    proto.whois("bob")
    proto.list_channels()
    assert sent(proto) == ["WHO #lobby", "WHOIS bob", "LIST"]
    [who] = feed(
        proto,
        ":irc.test 352 ana #lobby ~bob h1 irc.test bob G@ :0 Bob B",
        ":irc.test 352 ana #lobby ~ana h irc.test ana H :0 Ana",
        ":irc.test 315 ana #lobby :End of WHO list",
    )
    assert isinstance(who, ev.WhoResult) and who.mask == "#lobby"
    assert who.entries[0] == ev.WhoEntry("bob", "~bob", "h1", "#lobby", True, "@", "Bob B")
    [whois] = feed(
        proto,
        ":irc.test 311 ana bob ~bob h1 * :Bob B",
        ":irc.test 319 ana bob :@#lobby",
        ":irc.test 312 ana bob irc.test :chinwag",
        ":irc.test 301 ana bob :lunch",
        ":irc.test 330 ana bob bobby :is logged in as",
        ":irc.test 317 ana bob 42 1700000000 :seconds idle, signon time",
        ":irc.test 318 ana bob :End of /WHOIS list",
    )
    assert whois == ev.WhoisResult(
        "bob", True, "~bob", "h1", "Bob B", "irc.test", ("@#lobby",), "bobby", "lunch", 42,
        time=NOW,
    )  # fmt: skip
    [listing] = feed(
        proto,
        ":irc.test 321 ana Channel :Users  Name",
        ":irc.test 322 ana #lobby 3 :Welcome all",
        ":irc.test 323 ana :End of /LIST",
    )
    assert listing == ev.ChannelList((ev.ChannelListEntry("#lobby", 3, "Welcome all"),), time=NOW)
    proto.whois("ghost")
    [missing] = feed(
        proto,
        ":irc.test 401 ana ghost :No such nick/channel",
        ":irc.test 318 ana ghost :End of /WHOIS list",
    )
    assert isinstance(missing, ev.WhoisResult) and not missing.found
    [error] = feed(proto, ":irc.test 401 ana nobody :No such nick/channel")
    assert error == ev.ServerReply(
        "401", ("ana", "nobody", "No such nick/channel"), "nobody: No such nick/channel", True,
        time=NOW,
    )  # fmt: skip


def test_names_asked_for_later_replace_the_member_list() -> None:
    proto = joined_lobby()
    proto.names("#lobby")
    assert sent(proto) == ["NAMES #lobby"]
    [names] = feed(
        proto,
        ":irc.test 353 ana = #lobby :@ana dee!~dee@h4",
        ":irc.test 366 ana #lobby :End of /NAMES list.",
    )
    assert names == ev.Names("#Lobby", (ev.Member("ana", "@"), ev.Member("dee")), time=NOW)
    channel = proto.channel("#lobby")
    assert channel is not None and sorted(channel.members) == ["ana", "dee"]
    dee = proto.user("dee")
    assert dee is not None and dee.host == "h4"


def test_away_reply_outside_a_whois_is_reported_and_noted() -> None:
    proto = joined_lobby()
    [away] = feed(proto, ":irc.test 301 ana bob :lunch")
    assert away == ev.Away("bob", "lunch", time=NOW)
    bob = proto.user("bob")
    assert bob is not None and bob.away and bob.away_message == "lunch"


def test_queries_need_a_connection() -> None:
    proto = new()
    for ask in (lambda: proto.who("#lobby"), lambda: proto.whois("bob"), proto.list_channels):
        with pytest.raises(NotRegistered):
            ask()
    assert sent(proto) == []


def test_counts_of_non_ascii_digits_from_a_server_read_as_unknown() -> None:
    # "²".isdigit() holds but int("²") raises: a server could crash the client's reader.
    proto = joined_lobby()
    proto.list_channels()
    [listing] = feed(
        proto,
        ":irc.test 322 ana #lobby ² :Welcome all",
        ":irc.test 323 ana :End of /LIST",
    )
    assert listing == ev.ChannelList((ev.ChannelListEntry("#lobby", 0, "Welcome all"),), time=NOW)

"""Rooms and people kept in step with the server: joins, parts, nicks, modes, away, metadata."""

from __future__ import annotations

from chinwag.client import events as ev
from tests.client.harness import (
    NOW,
    feed,
    joined_lobby,
    registered,
    sent,
)

# -- rooms and members ---------------------------------------------------------------------


def test_others_joining_parting_quitting_and_renaming() -> None:
    proto = joined_lobby()
    channel = proto.channel("#lobby")
    assert channel is not None
    [joined] = feed(proto, ":dee!~dee@h3 JOIN #lobby")
    assert joined == ev.Joined("#Lobby", "dee", False, time=NOW)
    assert channel.member("dee") == ev.Member("dee")

    [parted] = feed(proto, ":dee!~dee@h3 PART #lobby :bye now")
    assert parted == ev.Parted("#Lobby", "dee", "bye now", False, time=NOW)
    assert channel.member("dee") is None

    [renamed] = feed(proto, ":bob!~bob@h1 NICK Robert")
    assert renamed == ev.NickChanged("bob", "Robert", False, ("#Lobby",), time=NOW)
    assert channel.member("robert") == ev.Member("Robert", "@+")
    assert proto.user("Robert") is not None

    [quit_] = feed(proto, ":cy!~cy@h2 QUIT :Quit: gone")
    assert quit_ == ev.Quit("cy", "Quit: gone", ("#Lobby",), time=NOW)
    assert channel.member("cy") is None and proto.user("cy") is None

    [kicked] = feed(proto, ":Robert!~bob@h1 KICK #lobby ana :behave")
    assert kicked == ev.Kicked("#Lobby", "ana", "Robert", "behave", True, time=NOW)
    assert proto.channel("#lobby") is None
    assert "#lobby" not in proto.rooms  # not rejoined after a kick


def test_our_own_nick_change_and_part() -> None:
    proto = joined_lobby()
    [renamed] = feed(proto, ":ana!~ana@127.0.0.1 NICK Anna")
    assert isinstance(renamed, ev.NickChanged) and renamed.is_self
    assert proto.nick == "Anna"
    proto.part("#lobby", "later")
    assert sent(proto) == ["PART #lobby later"]
    [parted] = feed(proto, ":Anna!~ana@127.0.0.1 PART #Lobby")
    assert isinstance(parted, ev.Parted) and parted.is_self
    assert proto.channels == {} and proto.rooms == {}


def test_mode_changes_update_prefixes() -> None:
    proto = joined_lobby()
    [changed] = feed(proto, ":bob!~bob@h1 MODE #lobby +o-v+l cy bob 10")
    assert isinstance(changed, ev.ModeChanged)
    assert changed.changes == (
        ev.ModeChange(True, "o", "cy"),
        ev.ModeChange(False, "v", "bob"),
        ev.ModeChange(True, "l", "10"),
    )
    channel = proto.channel("#lobby")
    assert channel is not None
    assert channel.member("cy") == ev.Member("cy", "@+")
    assert channel.member("bob") == ev.Member("bob", "@")
    [user_mode] = feed(proto, ":ana MODE ana :+i")
    assert isinstance(user_mode, ev.ModeChanged)
    assert user_mode.changes == (ev.ModeChange(True, "i"),)


def test_topic_changes() -> None:
    proto = joined_lobby()
    [topic] = feed(proto, ":bob!~bob@h1 TOPIC #lobby :New topic")
    assert topic == ev.TopicChanged("#Lobby", "New topic", "bob", time=NOW)
    channel = proto.channel("#lobby")
    assert channel is not None and (channel.topic, channel.topic_by) == ("New topic", "bob")
    proto.set_topic("#lobby", "mine")
    assert sent(proto) == ["TOPIC #lobby mine"]


# -- away, account, invite, setname --------------------------------------------------------


def test_away_notify_and_own_away() -> None:
    proto = joined_lobby()
    [away] = feed(proto, ":bob!~bob@h1 AWAY :lunch")
    assert away == ev.Away("bob", "lunch", time=NOW)
    bob = proto.user("bob")
    assert bob is not None and bob.away and bob.away_message == "lunch"
    [back] = feed(proto, ":bob!~bob@h1 AWAY")
    assert back == ev.Away("bob", None, time=NOW)
    assert not bob.away

    proto.away("brb")
    assert sent(proto) == ["AWAY brb"]
    [mine] = feed(proto, ":irc.test 306 ana :You have been marked as being away")
    assert mine == ev.Away("ana", "brb", True, time=NOW)
    proto.away()
    assert sent(proto) == ["AWAY"]
    [mine] = feed(proto, ":irc.test 305 ana :You are no longer marked as being away")
    assert mine == ev.Away("ana", None, True, time=NOW)


def test_account_setname_invite_and_standard_replies() -> None:
    proto = joined_lobby()
    account, setname, invite, fail = feed(
        proto,
        ":bob!~bob@h1 ACCOUNT bobby",
        ":bob!~bob@h1 SETNAME :Robert B",
        ":bob!~bob@h1 INVITE ana #secret",
        ":irc.test FAIL METADATA KEY_INVALID $x :Invalid key",
    )
    assert account == ev.AccountChanged("bob", "bobby", time=NOW)
    assert setname == ev.RealnameChanged("bob", "Robert B", time=NOW)
    assert invite == ev.Invited("#secret", "bob", "ana", True, time=NOW)
    assert fail == ev.StandardReply(
        "FAIL", "METADATA", "KEY_INVALID", ("$x",), "Invalid key", time=NOW
    )


# -- metadata ------------------------------------------------------------------------------


def test_metadata_notifications_set_colours() -> None:
    proto = joined_lobby()
    [changed] = feed(proto, ":irc.test METADATA bob color * :#00d700")
    assert changed == ev.MetadataChanged("bob", "color", "#00d700", time=NOW)
    assert proto.color_of("BOB") == "#00d700"
    [cleared] = feed(proto, ":irc.test METADATA bob color *")
    assert cleared == ev.MetadataChanged("bob", "color", None, time=NOW)
    assert proto.color_of("bob") is None
    [reply] = feed(proto, ":irc.test 761 ana cy color * :#008787")
    assert isinstance(reply, ev.MetadataChanged) and proto.color_of("cy") == "#008787"
    [own] = feed(proto, ":irc.test 761 ana * color * :#ffaf00")
    assert isinstance(own, ev.MetadataChanged) and own.target == "ana"
    assert proto.color_of("ana") == "#ffaf00"
    [room] = feed(proto, ":bob!~bob@h1 METADATA #lobby url * :https://example.org")
    channel = proto.channel("#lobby")
    assert channel is not None and channel.metadata == {"url": "https://example.org"}
    assert isinstance(room, ev.MetadataChanged) and room.target == "#Lobby"
    assert feed(proto, ":irc.test 770 ana :color") == []
    [later] = feed(proto, ":irc.test 774 ana #lobby 4")
    assert later == ev.MetadataSyncLater("#lobby", 4.0, time=NOW)


def test_metadata_3_notifications_are_key_value_and_key_not_set_numerics() -> None:
    proto = joined_lobby()

    [changed] = feed(proto, ":irc.test 761 ana bob color * :#00d700")
    assert changed == ev.MetadataChanged("bob", "color", "#00d700", time=NOW)
    assert proto.color_of("bob") == "#00d700"

    [cleared] = feed(proto, ":irc.test 766 ana bob color :Key not set")
    assert cleared == ev.MetadataChanged("bob", "color", None, time=NOW)
    assert proto.color_of("bob") is None

    [room] = feed(proto, ":irc.test 761 ana #lobby url * :https://example.org")
    channel = proto.channel("#lobby")
    assert channel is not None and channel.metadata == {"url": "https://example.org"}
    assert isinstance(room, ev.MetadataChanged) and room.target == "#Lobby"
    feed(proto, ":irc.test 766 ana #lobby url :Key not set")
    assert channel.metadata == {}


def test_metadata_3_sync_batches_set_colours() -> None:
    proto = joined_lobby()

    [batch] = feed(
        proto,
        ":irc.test BATCH +s1 metadata *ALL",
        "@batch=s1 :irc.test 761 ana bob color * :#ff0000",
        "@batch=s1 :irc.test 761 ana cy color * :#0000ff",
        ":irc.test BATCH -s1",
    )

    assert isinstance(batch, ev.Batch) and batch.kind == "metadata"
    assert proto.color_of("bob") == "#ff0000" and proto.color_of("cy") == "#0000ff"


def test_a_malformed_key_not_set_is_ignored() -> None:
    proto = joined_lobby()
    feed(proto, ":irc.test 761 ana bob color * :#ff0000")

    assert feed(proto, ":irc.test 766 ana bob") == []
    assert proto.color_of("bob") == "#ff0000"


def test_metadata_in_a_batch_on_join() -> None:
    proto = joined_lobby()
    events = feed(
        proto,
        ":irc.test BATCH +m1 metadata",
        "@batch=m1 :irc.test METADATA bob color * :#ff0000",
        "@batch=m1 :irc.test METADATA cy color * :#0000ff",
        ":irc.test BATCH -m1",
    )
    [batch] = events
    assert isinstance(batch, ev.Batch) and batch.kind == "metadata"
    assert [e.target for e in batch.events] == ["bob", "cy"]  # type: ignore[attr-defined]
    assert proto.color_of("bob") == "#ff0000" and proto.color_of("cy") == "#0000ff"


def test_set_metadata_is_sent_when_offered_and_kept_otherwise() -> None:
    proto = registered()
    proto.set_metadata("color", "#8700ff")
    assert sent(proto) == ["METADATA * SET color #8700ff"]
    proto.set_metadata("color", None)
    assert sent(proto) == ["METADATA * SET color"]

    without = registered(caps="server-time")
    without.set_metadata("color", "#8700ff")
    assert sent(without) == []
    assert without.color_of("ana") == "#8700ff"

"""The sans-I/O client core: bytes in, events out; intents in, bytes out. No network."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from scramp import ScramMechanism

from chinwag.client import events as ev
from chinwag.client.messages import split_text
from chinwag.client.negotiation import WANTED_CAPS
from chinwag.client.protocol import ClientProtocol, NotRegistered
from chinwag.client.wire import parse_server_time

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ALL_CAPS = " ".join(
    name if name != "draft/metadata-2" else "draft/metadata-2=maxsub=10"
    for name in WANTED_CAPS
    if name != "draft/chathistory"  # most tests' server keeps no history; see test_history_*
)


def new(nick: str = "ana", **options: object) -> ClientProtocol:
    return ClientProtocol(nick, clock=lambda: NOW, **options)  # type: ignore[arg-type]


def feed(proto: ClientProtocol, *lines: str) -> list[ev.Event]:
    return proto.receive("".join(line + "\r\n" for line in lines).encode())


def sent(proto: ClientProtocol) -> list[str]:
    return proto.data_to_send().decode().split("\r\n")[:-1]


def registered(
    nick: str = "ana", caps: str = ALL_CAPS, rooms: tuple[str, ...] = (), **options: object
) -> ClientProtocol:
    """A protocol through CAP, the welcome burst and the MOTD, with its output drained."""
    proto = new(nick, rooms=rooms, **options)
    proto.register()
    feed(proto, f":irc.test CAP * LS :{caps}")
    requested = [line for line in sent(proto) if line.startswith("CAP REQ")]
    for line in requested:
        feed(proto, f":irc.test CAP * ACK :{line.split(' ', 2)[2].lstrip(':')}")
    feed(
        proto,
        f":irc.test 001 {nick} :Welcome",
        f":irc.test 004 {nick} irc.test chinwag-0.1 Bio biklmnst bkl",
        f":irc.test 005 {nick} NETWORK=TestNet PREFIX=(ov)@+ CHANTYPES=# NICKLEN=30 "
        ":are supported by this server",
        f":irc.test 422 {nick} :MOTD File is missing",
    )
    sent(proto)
    return proto


def only(events: list[ev.Event], kind: type[ev.Event]) -> list[ev.Event]:
    return [event for event in events if isinstance(event, kind)]


# -- registration and capabilities ---------------------------------------------------------


def test_register_asks_for_caps_then_pass_nick_user() -> None:
    proto = new(password="sesame", realname="Ana Smith")
    proto.register()
    assert sent(proto) == [
        "CAP LS 302",
        "PASS sesame",
        "NICK ana",
        "USER ana 0 * :Ana Smith",
    ]


def test_multiline_cap_ls_requests_what_we_use_and_ends_after_ack() -> None:
    proto = new()
    proto.register()
    sent(proto)
    assert feed(proto, ":irc.test CAP * LS * :multi-prefix foo server-time") == []
    assert sent(proto) == []  # more to come
    feed(proto, ":irc.test CAP * LS :draft/metadata-2=maxsub=10 batch unknown/thing")
    [request] = sent(proto)
    assert request.startswith("CAP REQ :")
    assert set(request.split(":", 1)[1].split()) == {
        "multi-prefix",
        "server-time",
        "draft/metadata-2",
        "batch",
    }
    assert proto.caps_available["draft/metadata-2"] == "maxsub=10"
    events = feed(proto, f":irc.test CAP * ACK :{request.split(' ', 2)[2].lstrip(':')}")
    assert sent(proto) == ["CAP END"]
    [changed] = events
    assert isinstance(changed, ev.CapabilitiesChanged)
    assert "server-time" in changed.enabled
    assert proto.has_cap("draft/metadata-2")


def test_cap_nak_still_ends_negotiation() -> None:
    proto = new()
    proto.register()
    sent(proto)
    feed(proto, ":irc.test CAP * LS :server-time")
    assert sent(proto) == ["CAP REQ server-time"]
    feed(proto, ":irc.test CAP * NAK :server-time")
    assert sent(proto) == ["CAP END"]
    assert not proto.has_cap("server-time")


def test_nothing_wanted_ends_at_once_and_a_server_without_cap_still_registers() -> None:
    proto = new()
    proto.register()
    sent(proto)
    feed(proto, ":irc.test CAP * LS :foo bar")
    assert sent(proto) == ["CAP END"]

    old = new()
    old.register()
    sent(old)
    events = feed(
        old,
        ":old.server 421 * CAP :Unknown command",
        ":old.server 001 ana :Welcome",
        ":old.server 422 ana :No MOTD",
    )
    assert [type(event) for event in events] == [ev.ServerReply, ev.Registered]


def test_cap_new_and_del_with_cap_notify() -> None:
    proto = registered(caps="cap-notify batch")
    feed(proto, ":irc.test CAP ana NEW :away-notify foo")
    assert sent(proto) == ["CAP REQ away-notify"]
    [changed] = feed(proto, ":irc.test CAP ana ACK :away-notify")
    assert isinstance(changed, ev.CapabilitiesChanged)
    assert "away-notify" in changed.enabled
    assert sent(proto) == []  # no CAP END after registration
    [changed] = feed(proto, ":irc.test CAP ana DEL :away-notify")
    assert isinstance(changed, ev.CapabilitiesChanged)
    assert "away-notify" not in changed.enabled


def test_welcome_burst_ends_in_registered_then_rooms_and_colour_are_sent() -> None:
    proto = new(rooms=("#lobby", "#Dev"), metadata={"color": "#ff00af"})
    proto.register()
    feed(proto, ":irc.test CAP * LS :batch draft/metadata-2")
    feed(proto, ":irc.test CAP * ACK :batch draft/metadata-2")
    sent(proto)
    events = feed(
        proto,
        ":irc.test 001 ana :Welcome to the TestNet Network, ana",
        ":irc.test 005 ana NETWORK=TestNet NICKLEN=30 :are supported by this server",
        ":irc.test 375 ana :- irc.test Message of the day -",
        ":irc.test 372 ana :- be nice",
        ":irc.test 376 ana :End of /MOTD command.",
    )
    assert isinstance(events[0], ev.ServerReply)
    assert events[0].text == "Welcome to the TestNet Network, ana"
    motd, done = events[1:]
    assert isinstance(motd, ev.Motd) and motd.lines == ("be nice",)
    assert done == ev.Registered("ana", "TestNet", None, time=NOW)
    assert proto.ready
    assert sent(proto) == [
        "METADATA * SUB color",
        "METADATA * SET color #ff00af",
        "JOIN #lobby",
        "JOIN #Dev",
    ]


def test_ping_is_answered_before_and_after_registration() -> None:
    proto = new()
    proto.register()
    sent(proto)
    assert feed(proto, "PING :abc123") == []
    assert sent(proto) == ["PONG abc123"]
    proto = registered()
    feed(proto, ":irc.test PING :irc.test")
    assert sent(proto) == ["PONG irc.test"]


def test_framing_accepts_partial_lines_and_skips_garbage() -> None:
    proto = registered()
    assert proto.receive(b":bob!b@h PRIVMSG ana :hel") == []
    events = proto.receive(b"lo\r\n\xff\xfe bad\r\n@ \r\n:bob!b@h PRIVMSG ana :again\n")
    assert [event.text for event in only(events, ev.Message)] == ["hello", "again"]  # type: ignore[attr-defined]


# -- nick rejection ------------------------------------------------------------------------


def test_nick_in_use_reports_the_reason_and_waits_for_another() -> None:
    proto = new()
    proto.register()
    sent(proto)
    [rejected] = feed(proto, ":irc.test 433 * ana :Nickname is already in use")
    assert rejected == ev.NickRejected(
        "ana", "Nickname is already in use", "433", registered=False, time=NOW
    )
    assert sent(proto) == []  # no automatic rename
    proto.set_nick("ana2")
    assert sent(proto) == ["NICK ana2"]
    assert proto.nick == "ana2"
    feed(proto, ":irc.test 001 ana2 :Welcome")
    assert proto.registered and proto.nick == "ana2"


def test_erroneous_nick_and_auto_rename() -> None:
    proto = new("9lives")
    proto.register()
    sent(proto)
    [rejected] = feed(proto, ":irc.test 432 * 9lives :Erroneous nickname")
    assert isinstance(rejected, ev.NickRejected)
    assert (rejected.code, rejected.reason, rejected.retrying_as) == (
        "432",
        "Erroneous nickname",
        None,
    )

    renaming = new(auto_rename=True)
    renaming.register()
    sent(renaming)
    [rejected] = feed(renaming, ":irc.test 433 * ana :Nickname is already in use")
    assert isinstance(rejected, ev.NickRejected) and rejected.retrying_as == "ana_"
    assert sent(renaming) == ["NICK ana_"]


def test_nick_in_use_after_registration_keeps_our_nick() -> None:
    proto = registered()
    proto.set_nick("bob")
    assert sent(proto) == ["NICK bob"]
    assert proto.nick == "ana"
    [rejected] = feed(proto, ":irc.test 433 ana bob :Nickname is already in use")
    assert isinstance(rejected, ev.NickRejected) and rejected.registered
    assert proto.nick == "ana"


# -- rooms and members ---------------------------------------------------------------------


def joined_lobby() -> ClientProtocol:
    proto = registered()
    feed(
        proto,
        ":ana!~ana@127.0.0.1 JOIN #Lobby * :Ana",
        ":irc.test 332 ana #Lobby :Welcome all",
        ":irc.test 333 ana #Lobby bob!~bob@h 1700000000",
        ":irc.test 353 ana = #Lobby :@+bob!~bob@h1 ana!~ana@127.0.0.1",
        ":irc.test 353 ana = #Lobby :+cy!~cy@h2",
        ":irc.test 366 ana #Lobby :End of /NAMES list.",
    )
    return proto


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


# -- messages ------------------------------------------------------------------------------


def test_channel_message_with_server_time() -> None:
    proto = joined_lobby()
    [message] = feed(
        proto,
        "@time=2024-05-01T09:15:30.250Z;msgid=abc;account=bob :bob!~bob@h1 PRIVMSG #lobby :hi",
    )
    assert isinstance(message, ev.Message)
    assert message.time == datetime(2024, 5, 1, 9, 15, 30, 250000, tzinfo=UTC)
    assert message.time.tzinfo is not None
    assert (message.target, message.sender, message.text) == ("#lobby", "bob", "hi")
    assert (message.conversation, message.msgid, message.account) == ("#Lobby", "abc", "bob")
    assert not (message.is_direct or message.is_action or message.is_notice or message.is_self)


def test_time_falls_back_to_now_and_bad_times_too() -> None:
    proto = joined_lobby()
    [plain, bad] = feed(
        proto,
        ":bob!~bob@h1 PRIVMSG #lobby :hi",
        "@time=yesterday :bob!~bob@h1 PRIVMSG #lobby :hi",
    )
    assert plain.time == NOW and bad.time == NOW
    assert parse_server_time("2024-05-01T09:15:30+02:00") == datetime(
        2024, 5, 1, 9, 15, 30, tzinfo=UTC
    ) + timedelta(hours=-2)


def test_action_and_notice() -> None:
    proto = joined_lobby()
    action, notice, server_notice = feed(
        proto,
        ":bob!~bob@h1 PRIVMSG #lobby :\x01ACTION waves\x01",
        ":bob!~bob@h1 NOTICE #lobby :heads up",
        ":irc.test NOTICE ana :Server restarting",
    )
    assert isinstance(action, ev.Message) and action.is_action and action.text == "waves"
    assert isinstance(notice, ev.Message) and notice.is_notice and notice.text == "heads up"
    assert isinstance(server_notice, ev.Message) and server_notice.from_server
    assert not server_notice.is_self
    [ctcp] = feed(proto, ":bob!~bob@h1 PRIVMSG ana :\x01VERSION\x01")
    assert ctcp == ev.Ctcp("ana", "bob", "VERSION", "", time=NOW)


def test_direct_messages_are_told_apart_from_room_messages() -> None:
    proto = joined_lobby()
    [incoming] = feed(proto, ":bob!~bob@h1 PRIVMSG ana :psst")
    assert isinstance(incoming, ev.Message)
    assert incoming.is_direct and incoming.conversation == "bob" and not incoming.is_self
    [echo] = feed(proto, ":ana!~ana@127.0.0.1 PRIVMSG bob :hey")
    assert isinstance(echo, ev.Message)
    assert echo.is_direct and echo.is_self and echo.conversation == "bob"


def test_sending_with_and_without_echo_message() -> None:
    proto = registered()  # echo-message enabled
    proto.privmsg("#lobby", "hello")
    proto.action("#lobby", "waves")
    proto.notice("bob", "fyi")
    assert sent(proto) == [
        "PRIVMSG #lobby hello",
        "PRIVMSG #lobby :\x01ACTION waves\x01",
        "NOTICE bob fyi",
    ]
    assert proto.take_events() == []  # the server will echo them

    plain = registered(caps="server-time")
    plain.privmsg("bob", "line one\nline two")
    assert sent(plain) == ["PRIVMSG bob :line one", "PRIVMSG bob :line two"]
    local = plain.take_events()
    assert [(m.text, m.is_self, m.is_direct, m.conversation) for m in local] == [  # type: ignore[attr-defined]
        ("line one", True, True, "bob"),
        ("line two", True, True, "bob"),
    ]
    plain.action("#lobby", "dances")
    [local_action] = plain.take_events()
    assert isinstance(local_action, ev.Message) and local_action.is_action


def test_long_messages_are_split_to_fit_a_relayed_line() -> None:
    proto = registered()
    text = " ".join(f"wörd{n}" for n in range(200))
    proto.privmsg("#lobby", text)
    lines = sent(proto)
    assert len(lines) > 1
    prefix_room = len(":ana!~ana@" + "h" * 64 + " ")
    assert all(len(line.encode()) + 2 + prefix_room <= 512 for line in lines)
    assert " ".join(line.split(" ", 2)[2].lstrip(":") for line in lines) == text
    assert split_text("é" * 10, 9) == ["éééé", "éééé", "éé"]


def test_intents_that_need_a_connection_say_so() -> None:
    proto = new()
    with pytest.raises(NotRegistered):
        proto.privmsg("#lobby", "hi")
    proto.join("#later")
    assert sent(proto) == []  # remembered, sent after registration
    assert "#later" in proto.rooms


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


# -- batches and labels --------------------------------------------------------------------


def test_history_batch_is_delivered_whole_and_leaves_state_alone() -> None:
    proto = joined_lobby()
    events = feed(
        proto,
        ":irc.test BATCH +h1 chathistory #lobby",
        "@batch=h1;time=2024-04-30T20:00:00.000Z :old!~o@h PRIVMSG #lobby :earlier",
        "@batch=h1;time=2024-04-30T20:01:00.000Z :old!~o@h PART #lobby",
        "@batch=h1;time=2024-04-30T20:02:00.000Z :ana!~ana@h PRIVMSG #lobby :me too",
        ":irc.test BATCH -h1",
        ":bob!~bob@h1 PRIVMSG #lobby :now",
    )
    batch, live = events
    assert isinstance(batch, ev.Batch)
    assert (batch.ref, batch.kind, batch.params) == ("h1", "chathistory", ("#lobby",))
    assert len(batch.lines) == 3
    first, second = batch.events
    assert isinstance(first, ev.Message) and isinstance(second, ev.Message)
    assert first.history and first.text == "earlier"
    assert first.time == datetime(2024, 4, 30, 20, tzinfo=UTC)
    assert second.is_self and second.history
    assert isinstance(live, ev.Message) and not live.history
    assert proto.user("old") is None  # history taught us nothing about the present


def test_labels_tag_intents_and_link_replies() -> None:
    proto = joined_lobby()
    label = proto.new_label()
    proto.privmsg("#lobby", "hi", label=label)
    assert sent(proto) == [f"@label={label} PRIVMSG #lobby hi"]
    [echo] = feed(proto, f"@label={label} :ana!~ana@h PRIVMSG #lobby hi")
    assert isinstance(echo, ev.Message) and echo.label == label

    proto.set_topic("#lobby", "x", label="L2")
    [ack] = feed(proto, "@label=L2 :irc.test ACK")
    assert ack == ev.Acknowledged(time=NOW, label="L2")

    events = feed(
        proto,
        "@label=L3 :irc.test BATCH +r1 labeled-response",
        "@batch=r1 :ana!~ana@h JOIN #dev",
        "@batch=r1 :irc.test 353 ana = #dev :@ana",
        "@batch=r1 :irc.test 366 ana #dev :End of /NAMES list.",
        ":irc.test BATCH -r1",
    )
    [batch] = events
    assert isinstance(batch, ev.Batch) and batch.label == "L3"
    assert [type(e) for e in batch.events] == [ev.Joined, ev.Names]
    assert all(e.label == "L3" for e in batch.events)
    assert proto.channel("#dev") is not None  # live replies do change state

    plain = registered(caps="server-time")
    plain.privmsg("#lobby", "hi", label="L9")
    assert sent(plain) == ["PRIVMSG #lobby hi"]  # no labeled-response: no tag


def test_nested_batches() -> None:
    proto = joined_lobby()
    [outer] = feed(
        proto,
        "@label=L1 :irc.test BATCH +o labeled-response",
        "@batch=o :irc.test BATCH +i chathistory #lobby",
        "@batch=i :bob!~bob@h1 PRIVMSG #lobby :old",
        ":irc.test BATCH -i",
        ":irc.test BATCH -o",
    )
    assert isinstance(outer, ev.Batch) and outer.kind == "labeled-response"
    [inner] = outer.events
    assert isinstance(inner, ev.Batch) and inner.kind == "chathistory"
    assert inner.label == "L1"
    [message] = inner.events
    assert isinstance(message, ev.Message) and message.history


# -- queries -------------------------------------------------------------------------------


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


# -- errors and reconnection ---------------------------------------------------------------


def test_error_is_reported_verbatim_then_disconnected() -> None:
    proto = joined_lobby()
    [error] = feed(proto, "ERROR :Closing link: <b>[\x1b[31m] Server shutting down")
    assert error == ev.ServerError("Closing link: <b>[\x1b[31m] Server shutting down", time=NOW)
    [gone] = proto.connection_lost("Connection closed by the server")
    assert gone == ev.Disconnected(
        "Connection closed by the server",
        "Closing link: <b>[\x1b[31m] Server shutting down",
        time=NOW,
    )
    assert not proto.connected and not proto.ready and proto.channels == {}


def test_a_new_connection_restores_nick_colour_away_and_rooms() -> None:
    proto = joined_lobby()
    proto.join("#dev")
    proto.set_metadata("color", "#ff00af")
    proto.away("gone fishing")
    feed(proto, ":ana!~ana@h JOIN #dev", ":ana!~ana@h NICK ana_away")
    proto.part("#dev")
    sent(proto)
    proto.connection_lost("Connection lost")
    with pytest.raises(NotRegistered):
        proto.privmsg("#lobby", "anyone?")
    proto.register()
    assert sent(proto) == ["CAP LS 302", "NICK ana_away", "USER ana 0 * ana"]
    feed(proto, f":irc.test CAP * LS :{ALL_CAPS}")
    [request] = sent(proto)
    feed(proto, f":irc.test CAP * ACK :{request.split(' ', 2)[2].lstrip(':')}")
    sent(proto)
    events = feed(proto, ":irc.test 001 ana_away :Welcome", ":irc.test 422 ana_away :No MOTD")
    assert isinstance(events[-1], ev.Registered)
    assert sent(proto) == [
        "METADATA * SUB color",
        "METADATA * SET color #ff00af",
        "AWAY :gone fishing",
        "JOIN #Lobby",
    ]


def test_quit() -> None:
    proto = registered()
    proto.quit("bye")
    assert sent(proto) == ["QUIT bye"]
    assert proto.quitting


# -- recent history on join (https://ircv3.net/specs/extensions/chathistory) --------------


def test_history_on_join_asks_for_the_latest_lines_within_the_servers_limit() -> None:
    proto = registered(caps=ALL_CAPS + " draft/chathistory")
    feed(proto, ":irc.test 005 ana CHATHISTORY=20 :are supported by this server")
    feed(proto, ":ana!~ana@host JOIN #lobby")
    # Labelled, so that the answer is told apart from history the server sends unasked.
    assert sent(proto) == ["@label=cw1 CHATHISTORY LATEST #lobby * 20"]


def test_history_on_join_is_not_asked_for_without_the_capability_or_when_turned_off() -> None:
    without = registered()
    feed(without, ":ana!~ana@host JOIN #lobby")
    assert sent(without) == []
    turned_off = registered(caps=ALL_CAPS + " draft/chathistory", history_on_join=0)
    feed(turned_off, ":ana!~ana@host JOIN #lobby")
    assert sent(turned_off) == []


def test_history_replies_arrive_as_a_batch_of_messages_marked_history() -> None:
    proto = registered(caps=ALL_CAPS + " draft/chathistory")
    feed(proto, ":ana!~ana@host JOIN #lobby")
    assert sent(proto) == ["@label=cw1 CHATHISTORY LATEST #lobby * 50"]
    events = feed(
        proto,
        ":irc.test BATCH +h1 chathistory #lobby",
        "@batch=h1;time=2024-04-30T09:00:00.000Z;msgid=m1 :bo!~bo@host PRIVMSG #lobby :earlier",
        "@batch=h1;time=2024-04-30T09:01:00.000Z;msgid=m2 :bo!~bo@host JOIN #lobby",
        ":irc.test BATCH -h1",
    )
    [batch] = only(events, ev.Batch)
    assert isinstance(batch, ev.Batch) and batch.kind == "chathistory"
    [message] = batch.events
    assert isinstance(message, ev.Message)
    assert (message.text, message.history, message.msgid) == ("earlier", True, "m1")
    assert message.time == datetime(2024, 4, 30, 9, 0, tzinfo=UTC)
    assert proto.channel("#lobby") is not None
    assert proto.channel("#lobby").member("bo") is None  # type: ignore[union-attr]


def test_history_of_a_room_is_told_from_our_request_by_its_label() -> None:
    proto = registered(caps=ALL_CAPS + " draft/chathistory")
    feed(proto, ":ana!~ana@host JOIN #lobby")
    [request] = sent(proto)
    label = request.split(" ", 1)[0].removeprefix("@label=")
    [outer] = feed(
        proto,
        f"@label={label} :irc.test BATCH +o labeled-response",
        "@batch=o :irc.test BATCH +h chathistory #lobby",
        "@batch=h;time=2024-04-30T09:00:00.000Z;msgid=m1 :bo!~bo@h PRIVMSG #lobby :hi",
        "@batch=o :irc.test BATCH -h",
        ":irc.test BATCH -o",
    )
    assert isinstance(outer, ev.Batch)
    [inner] = outer.events
    assert isinstance(inner, ev.Batch) and not inner.missed
    [message] = inner.events
    assert isinstance(message, ev.Message) and message.history and not message.missed


# -- accounts: SASL while connecting (https://ircv3.net/specs/extensions/sasl-3.1) -----------

SASL_CAPS = ALL_CAPS.replace("sasl", "sasl=PLAIN,SCRAM-SHA-256")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def negotiate(proto: ClientProtocol, caps: str = SASL_CAPS) -> list[str]:
    """CAP LS and ACK of everything requested; returns what the client sent after the ACK."""
    proto.register()
    sent(proto)
    feed(proto, f":irc.test CAP * LS :{caps}")
    requests = [line for line in sent(proto) if line.startswith("CAP REQ")]
    assert any("sasl" in line.split() or ":sasl" in line.split() for line in requests)
    for line in requests:
        feed(proto, f":irc.test CAP * ACK :{line.split(' ', 2)[2].lstrip(':')}")
    return sent(proto)


def test_sasl_plain_logs_in_before_registration_ends() -> None:
    proto = new(account_password="correct horse", sasl_mechanisms=("PLAIN",))
    assert negotiate(proto) == ["AUTHENTICATE PLAIN"]  # CAP END waits for the login
    feed(proto, "AUTHENTICATE +")
    assert sent(proto) == ["AUTHENTICATE " + b64(b"\0ana\0correct horse")]
    events = feed(
        proto,
        ":irc.test 900 ana ana!~ana@127.0.0.1 ana :You are now logged in as ana",
        ":irc.test 903 ana :SASL authentication successful",
    )
    assert events[0] == ev.LoggedIn("ana", time=NOW)
    assert isinstance(events[1], ev.CapabilitiesChanged)
    assert sent(proto) == ["CAP END"]
    assert proto.account == "ana"
    events = feed(proto, ":irc.test 001 ana :Welcome", ":irc.test 422 ana :No MOTD")
    assert isinstance(events[-1], ev.Registered)


def test_sasl_scram_sha_256_is_preferred_and_proves_the_password_to_scramp() -> None:
    mechanism = ScramMechanism("SCRAM-SHA-256")
    auth_info = mechanism.make_auth_info("correct horse", iteration_count=4096)
    server = mechanism.make_server(lambda username: auth_info)
    proto = new(account_password="correct horse")
    assert negotiate(proto) == ["AUTHENTICATE SCRAM-SHA-256"]

    feed(proto, "AUTHENTICATE +")
    [first] = sent(proto)
    server.set_client_first(base64.b64decode(first.split(" ")[1]).decode())
    feed(proto, f"AUTHENTICATE {b64(server.get_server_first().encode())}")
    [final] = sent(proto)
    server.set_client_final(base64.b64decode(final.split(" ")[1]).decode())  # checks the proof
    assert "correct horse" not in first + final
    feed(proto, f"AUTHENTICATE {b64(server.get_server_final().encode())}")
    assert sent(proto) == ["AUTHENTICATE +"]  # the server proved it knows the password
    feed(proto, ":irc.test 900 ana ana!~ana@h ana :You are now logged in as ana")
    feed(proto, ":irc.test 903 ana :SASL authentication successful")
    assert sent(proto) == ["CAP END"]


def test_a_scram_server_that_cannot_prove_the_password_is_refused() -> None:
    mechanism = ScramMechanism("SCRAM-SHA-256")
    impostor_info = mechanism.make_auth_info("not the password", iteration_count=4096)
    impostor = mechanism.make_server(lambda username: impostor_info)
    proto = new(account_password="correct horse")
    negotiate(proto)
    feed(proto, "AUTHENTICATE +")
    impostor.set_client_first(base64.b64decode(sent(proto)[0].split(" ")[1]).decode())
    feed(proto, f"AUTHENTICATE {b64(impostor.get_server_first().encode())}")
    sent(proto)
    forged = b64(b"v=" + b64(b"x" * 32).encode())
    feed(proto, f"AUTHENTICATE {forged}")
    assert sent(proto) == ["AUTHENTICATE *"]
    [failed, changed] = feed(proto, ":irc.test 906 ana :SASL authentication aborted")
    assert isinstance(failed, ev.LoginFailed)
    assert "SCRAM" in failed.reason and not failed.registered
    assert isinstance(changed, ev.CapabilitiesChanged)
    assert sent(proto) == ["CAP END"]  # registration goes on without an account


def test_a_wrong_password_while_connecting_is_reported_and_forgotten() -> None:
    proto = new(account_password="wrong", sasl_mechanisms=("PLAIN",))
    negotiate(proto)
    feed(proto, "AUTHENTICATE +")
    sent(proto)
    [failed, _] = feed(proto, ":irc.test 904 ana :SASL authentication failed")
    assert failed == ev.LoginFailed(
        "ana", "SASL authentication failed", "904", registered=False, time=NOW
    )
    assert sent(proto) == ["CAP END"]
    assert proto.account_password is None  # not tried again on every reconnection
    assert proto.account is None


def test_a_refused_mechanism_falls_back_to_the_next_one_the_server_has() -> None:
    proto = new(account_password="pw")
    assert negotiate(proto, ALL_CAPS) == ["AUTHENTICATE SCRAM-SHA-256"]  # sasl without a list
    feed(
        proto,
        ":irc.test 908 ana PLAIN :are available SASL mechanisms",
        ":irc.test 904 ana :SASL authentication failed",
    )
    assert sent(proto) == ["AUTHENTICATE PLAIN"]
    feed(proto, "AUTHENTICATE +")
    assert sent(proto) == ["AUTHENTICATE " + b64(b"\0ana\0pw")]


def test_rate_limited_logins_carry_the_servers_words() -> None:
    proto = new(account_password="pw", sasl_mechanisms=("PLAIN",))
    negotiate(proto)
    text = "Too many failed login attempts; try again in 42 seconds"
    [failed, _] = feed(proto, f":irc.test 904 ana :{text}")
    assert isinstance(failed, ev.LoginFailed) and failed.reason == text


def test_without_a_password_or_without_sasl_registration_is_as_before() -> None:
    proto = new()
    assert negotiate(proto) == ["CAP END"]
    no_sasl = new(account_password="pw")
    no_sasl.register()
    sent(no_sasl)
    feed(no_sasl, ":irc.test CAP * LS :server-time")
    feed(no_sasl, ":irc.test CAP * ACK :server-time")
    assert sent(no_sasl) == ["CAP REQ server-time", "CAP END"]
    # ... and logs in with NickServ once registered.
    feed(no_sasl, ":irc.test 001 ana :Welcome", ":irc.test 422 ana :No MOTD")
    assert sent(no_sasl) == ["PRIVMSG NickServ :IDENTIFY ana pw"]


def test_a_server_that_does_not_know_authenticate_still_registers_us() -> None:
    proto = new(account_password="pw", sasl_mechanisms=("PLAIN",))
    negotiate(proto)
    [failed, _] = feed(proto, ":irc.test 421 ana AUTHENTICATE :Unknown command")
    assert isinstance(failed, ev.LoginFailed)
    assert sent(proto) == ["CAP END"]


# -- accounts: after registration ---------------------------------------------------------


def test_login_after_registration_uses_sasl_and_keeps_the_password_for_reconnecting() -> None:
    proto = registered(caps=SASL_CAPS, sasl_mechanisms=("PLAIN",))
    proto.login("correct horse")
    assert sent(proto) == ["AUTHENTICATE PLAIN"]
    feed(proto, "AUTHENTICATE +")
    assert sent(proto) == ["AUTHENTICATE " + b64(b"\0ana\0correct horse")]
    [logged_in] = feed(
        proto,
        ":irc.test 900 ana ana!~ana@h ana :You are now logged in as ana",
        ":irc.test 903 ana :SASL authentication successful",
    )
    assert logged_in == ev.LoggedIn("ana", time=NOW)
    assert sent(proto) == []  # no CAP END after registration
    assert proto.account_password == "correct horse"
    proto.connection_lost("Connection lost")
    assert proto.account is None
    assert negotiate(proto) == ["AUTHENTICATE PLAIN"]  # logged in again while connecting


def test_a_failed_login_after_registration_keeps_nothing() -> None:
    proto = registered(caps=SASL_CAPS, sasl_mechanisms=("PLAIN",))
    proto.login("wrong")
    feed(proto, "AUTHENTICATE +")
    sent(proto)
    [failed] = feed(proto, ":irc.test 904 ana :SASL authentication failed")
    assert isinstance(failed, ev.LoginFailed) and failed.registered
    assert proto.account_password is None
    assert sent(proto) == []


def test_login_without_sasl_identifies_to_nickserv_and_never_shows_the_password() -> None:
    proto = registered(caps="server-time echo-message")
    proto.login("correct horse", "ana")
    assert sent(proto) == ["PRIVMSG NickServ :IDENTIFY ana correct horse"]
    [echo] = feed(proto, ":ana!~ana@h PRIVMSG NickServ :IDENTIFY ana correct horse")
    assert isinstance(echo, ev.Message) and echo.text == "IDENTIFY ********"
    [logged_in] = feed(proto, ":irc.test 900 ana ana!~ana@h ana :You are now logged in as ana")
    assert isinstance(logged_in, ev.LoggedIn)
    assert proto.account_password == "correct horse"


def test_typing_identify_to_nickserv_by_hand_is_not_shown_either() -> None:
    proto = registered(caps="server-time")
    proto.privmsg("NickServ", "identify ana sesame")
    [local] = proto.take_events()
    assert isinstance(local, ev.Message) and "sesame" not in local.text


def test_register_claims_the_nick_and_logs_in() -> None:
    proto = registered(caps=SASL_CAPS)
    proto.register_account("correct horse")
    assert sent(proto) == ["REGISTER * :correct horse"]
    registered_, logged_in = feed(
        proto,
        ":irc.test REGISTER SUCCESS ana :Account ana registered; you are logged in",
        ":irc.test 900 ana ana!~ana@h ana :You are now logged in as ana",
    )
    assert registered_ == ev.AccountRegistered(
        "ana", "Account ana registered; you are logged in", time=NOW
    )
    assert logged_in == ev.LoggedIn("ana", time=NOW)
    assert proto.account == "ana" and proto.account_password == "correct horse"


@pytest.mark.parametrize(
    "code", ["ACCOUNT_EXISTS", "WEAK_PASSWORD", "UNACCEPTABLE_PASSWORD", "ALREADY_REGISTERED"]
)
def test_a_refused_registration_says_why(code: str) -> None:
    proto = registered(caps=SASL_CAPS)
    proto.register_account("pw")
    sent(proto)
    [failed] = feed(proto, f":irc.test FAIL REGISTER {code} ana :Not this time")
    assert failed == ev.RegistrationFailed(code, "ana", "Not this time", time=NOW)
    assert proto.account_password is None


def test_register_without_the_capability_asks_nickserv() -> None:
    proto = registered(caps="server-time")
    proto.register_account("correct horse")
    assert sent(proto) == ["PRIVMSG NickServ :REGISTER correct horse"]


def test_account_intents_need_a_connection() -> None:
    proto = new()
    with pytest.raises(NotRegistered):
        proto.login("pw")
    with pytest.raises(NotRegistered):
        proto.register_account("pw")


# -- nick protection ---------------------------------------------------------------------------


def test_a_protected_nick_is_reported_with_the_seconds_left() -> None:
    proto = registered(caps=SASL_CAPS)
    text = "This nick belongs to a registered account; log in within 30 seconds or you will be"
    [protected] = feed(proto, f":irc.test NOTE NICK NICK_PROTECTED ana 30 :{text}")
    assert protected == ev.NickProtected("ana", 30, text, time=NOW)


def test_renamed_to_a_guest_then_logging_in_takes_the_nick_back() -> None:
    proto = registered(caps=SASL_CAPS, sasl_mechanisms=("PLAIN",))
    feed(proto, ":irc.test NOTE NICK NICK_PROTECTED ana 30 :log in or be renamed")
    [renamed] = feed(proto, ":ana!~ana@h NICK Guest12345")
    assert isinstance(renamed, ev.NickChanged) and renamed.forced and renamed.is_self
    assert proto.nick == "Guest12345" and proto.reclaim_nick == "ana"

    proto.login("pw")  # the account is the nick we lost, not the guest nick
    feed(proto, "AUTHENTICATE +")
    assert sent(proto) == ["AUTHENTICATE PLAIN", "AUTHENTICATE " + b64(b"\0ana\0pw")]
    feed(
        proto,
        ":irc.test 900 Guest12345 Guest12345!~ana@h ana :You are now logged in as ana",
        ":irc.test 903 Guest12345 :SASL authentication successful",
    )
    assert sent(proto) == ["NICK ana"]
    [back] = feed(proto, ":Guest12345!~ana@h NICK ana")
    assert isinstance(back, ev.NickChanged) and not back.forced
    assert proto.nick == "ana" and proto.reclaim_nick is None


def test_a_nick_change_we_asked_for_is_not_forced() -> None:
    proto = joined_lobby()
    feed(proto, ":irc.test NOTE NICK NICK_PROTECTED ana 30 :log in or be renamed")
    proto.set_nick("anna")
    [changed] = feed(proto, ":ana!~ana@h NICK anna")
    assert isinstance(changed, ev.NickChanged) and not changed.forced
    assert proto.reclaim_nick is None


def test_after_a_forced_rename_the_next_connection_asks_for_our_nick() -> None:
    proto = joined_lobby()
    feed(proto, ":irc.test NOTE NICK NICK_PROTECTED ana 30 :log in or be renamed")
    feed(proto, ":ana!~ana@h NICK Guest1")
    proto.connection_lost("Connection lost")
    proto.register()
    assert "NICK ana" in sent(proto)


# -- missed direct messages and read markers -----------------------------------------------------


def test_a_history_batch_nobody_asked_for_holds_missed_direct_messages() -> None:
    proto = registered(caps=ALL_CAPS + " draft/chathistory")
    events = feed(
        proto,
        ":irc.test NOTICE ana :You have 2 messages that arrived while you were away",
        ":irc.test BATCH +r chathistory bo",
        "@batch=r;time=2024-04-30T21:00:00.000Z;msgid=d1 :bo!~bo@h PRIVMSG ana :are you there?",
        "@batch=r;time=2024-04-30T21:05:00.000Z;msgid=d2 :bo!~bo@h NOTICE ana :call me",
        ":irc.test BATCH -r",
    )
    notice, batch = events
    assert isinstance(notice, ev.Message) and notice.from_server
    assert isinstance(batch, ev.Batch) and batch.missed and batch.params == ("bo",)
    first, second = batch.events
    assert isinstance(first, ev.Message) and isinstance(second, ev.Message)
    assert first.missed and first.history and first.conversation == "bo"
    assert first.time == datetime(2024, 4, 30, 21, tzinfo=UTC)
    assert second.missed and second.is_notice


def test_without_labeled_response_requests_are_matched_by_target_in_order() -> None:
    proto = registered(caps="server-time batch draft/chathistory")
    feed(proto, ":ana!~ana@h JOIN #lobby")
    assert sent(proto) == ["CHATHISTORY LATEST #lobby * 50"]
    [asked] = feed(proto, ":irc.test BATCH +a chathistory #lobby", ":irc.test BATCH -a")
    assert isinstance(asked, ev.Batch) and not asked.missed
    [unasked] = feed(proto, ":irc.test BATCH +b chathistory bo", ":irc.test BATCH -b")
    assert isinstance(unasked, ev.Batch) and unasked.missed


def test_read_markers_are_kept_and_reported() -> None:
    proto = joined_lobby()
    [marker] = feed(proto, ":irc.test MARKREAD #lobby timestamp=2024-05-01T11:30:00.000Z")
    assert marker == ev.ReadMarker("#Lobby", datetime(2024, 5, 1, 11, 30, tzinfo=UTC), time=NOW)
    assert proto.read_marker("#LOBBY") == datetime(2024, 5, 1, 11, 30, tzinfo=UTC)
    [never] = feed(proto, ":irc.test MARKREAD bo *")
    assert never == ev.ReadMarker("bo", None, time=NOW)
    assert feed(proto, ":irc.test MARKREAD bo garbage") == []


def test_mark_read_sends_the_time_of_the_message_and_only_forwards() -> None:
    proto = registered(caps=ALL_CAPS)
    moment = datetime(2024, 5, 1, 11, 30, 5, 123000, tzinfo=UTC)
    assert proto.mark_read("#lobby", moment)
    assert sent(proto) == ["MARKREAD #lobby timestamp=2024-05-01T11:30:05.123Z"]
    assert not proto.mark_read("#lobby", moment)  # the server knows it already
    assert sent(proto) == []
    proto.ask_read_marker("bo")
    assert sent(proto) == ["MARKREAD bo"]
    without = registered(caps="server-time")
    assert not without.mark_read("#lobby", moment)
    assert sent(without) == []


# -- filling the gap a reconnection left ------------------------------------------------------


def reconnect(proto: ClientProtocol, caps: str) -> None:
    proto.connection_lost("Connection lost")
    proto.register()
    feed(proto, f":irc.test CAP * LS :{caps}")
    for line in sent(proto):
        if line.startswith("CAP REQ"):
            feed(proto, f":irc.test CAP * ACK :{line.split(' ', 2)[2].lstrip(':')}")
    sent(proto)
    feed(proto, ":irc.test 001 ana :Welcome", ":irc.test 422 ana :No MOTD")


def test_after_a_reconnection_rooms_and_conversations_ask_for_what_came_after() -> None:
    caps = "server-time batch draft/chathistory draft/read-marker message-tags"
    proto = registered(caps=caps, rooms=("#lobby",))
    feed(proto, ":ana!~ana@h JOIN #lobby")
    sent(proto)
    feed(
        proto,
        "@time=2024-05-01T11:59:00.000Z;msgid=a :bo!~bo@h PRIVMSG #lobby :last word",
        "@time=2024-05-01T11:58:00.000Z;msgid=b :cy!~cy@h PRIVMSG ana :psst",
        "@time=2024-05-01T11:57:00.000Z;msgid=c :NickServ!NickServ@services NOTICE ana :hi",
    )
    reconnect(proto, caps)
    assert sent(proto) == [
        "JOIN #lobby",
        "MARKREAD cy",
        "CHATHISTORY AFTER cy timestamp=2024-05-01T11:58:00.000Z 100",
    ]
    feed(proto, ":ana!~ana@h JOIN #lobby")
    assert sent(proto) == ["CHATHISTORY AFTER #lobby timestamp=2024-05-01T11:59:00.000Z 100"]


def test_a_full_page_of_a_gap_fill_asks_for_the_next() -> None:
    caps = "server-time batch draft/chathistory message-tags"
    proto = registered(caps=caps, rooms=("#lobby",))
    feed(proto, ":ana!~ana@h JOIN #lobby")
    feed(proto, "@time=2024-05-01T11:00:00.000Z :bo!~bo@h PRIVMSG #lobby :before")
    sent(proto)
    reconnect(proto, caps)
    feed(proto, ":irc.test 005 ana CHATHISTORY=3 :are supported by this server")
    sent(proto)
    feed(proto, ":ana!~ana@h JOIN #lobby")
    assert sent(proto) == ["CHATHISTORY AFTER #lobby timestamp=2024-05-01T11:00:00.000Z 3"]
    page = [
        f"@batch=p;time=2024-05-01T11:0{minute}:00.000Z :bo!~bo@h PRIVMSG #lobby :{minute}"
        for minute in (1, 2, 3)
    ]
    feed(proto, ":irc.test BATCH +p chathistory #lobby", *page, ":irc.test BATCH -p")
    assert sent(proto) == ["CHATHISTORY AFTER #lobby timestamp=2024-05-01T11:03:00.000Z 3"]
    feed(
        proto,
        ":irc.test BATCH +q chathistory #lobby",
        "@batch=q;time=2024-05-01T11:04:00.000Z :bo!~bo@h PRIVMSG #lobby :4",
        ":irc.test BATCH -q",
    )
    assert sent(proto) == []  # not full: the gap is filled


def test_logged_in_and_out_are_kept_in_our_own_state() -> None:
    proto = registered(caps=SASL_CAPS)
    feed(proto, ":irc.test 900 ana ana!~ana@h ana :You are now logged in as ana")
    assert proto.account == "ana"
    assert proto.user("ana") is not None and proto.user("ana").account == "ana"  # type: ignore[union-attr]
    [out] = feed(proto, ":irc.test 901 ana ana!~ana@h :You are now logged out")
    assert out == ev.LoggedOut(time=NOW)
    assert proto.account is None
    [already] = feed(proto, ":irc.test 907 ana :You have already authenticated using SASL")
    assert isinstance(already, ev.LoginFailed) and already.code == "907"

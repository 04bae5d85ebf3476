"""History sync: batches, chathistory requests, missed messages, read markers, gap filling."""

from __future__ import annotations

from datetime import UTC, datetime

from chinwag.client import events as ev
from chinwag.client.protocol import ClientProtocol
from tests.client.harness import (
    ALL_CAPS,
    NOW,
    feed,
    joined_lobby,
    only,
    registered,
    sent,
)

# -- batches -------------------------------------------------------------------------------


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


# -- recent history on join (https://ircv3.net/specs/extensions/chathistory) ---------------


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


# -- missed direct messages and read markers -----------------------------------------------


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


# -- filling the gap a reconnection left ---------------------------------------------------


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
        # Our own line to a service (echo-message) leaves nothing to fill: services keep
        # no history.
        "@time=2024-05-01T11:56:00.000Z;msgid=d :ana!~ana@h PRIVMSG ChanServ :INFO #lobby",
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


def test_a_full_page_marked_as_the_last_asks_for_no_more() -> None:
    caps = "server-time batch draft/chathistory message-tags"
    proto = registered(caps=caps, rooms=("#lobby",))
    feed(proto, ":ana!~ana@h JOIN #lobby")
    feed(proto, "@time=2024-05-01T11:00:00.000Z :bo!~bo@h PRIVMSG #lobby :before")
    sent(proto)
    reconnect(proto, caps)
    feed(proto, ":irc.test 005 ana CHATHISTORY=3 :are supported by this server")
    feed(proto, ":ana!~ana@h JOIN #lobby")
    assert sent(proto) == [
        "JOIN #lobby",
        "CHATHISTORY AFTER #lobby timestamp=2024-05-01T11:00:00.000Z 3",
    ]
    page = [
        f"@batch=p;time=2024-05-01T11:0{minute}:00.000Z :bo!~bo@h PRIVMSG #lobby :{minute}"
        for minute in (1, 2, 3)
    ]
    events = feed(
        proto,
        "@draft/chathistory-end :irc.test BATCH +p chathistory #lobby",
        *page,
        ":irc.test BATCH -p",
    )
    assert sent(proto) == []  # full, but the server said it was the end of the gap
    (batch,) = [event for event in events if isinstance(event, ev.Batch)]
    assert len(batch.lines) == 3

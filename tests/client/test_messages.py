"""Messages in and out: PRIVMSG, NOTICE and CTCP ACTION as events, texts cut into lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chinwag.client import events as ev
from chinwag.client.folding import message_line
from chinwag.client.messages import split_text
from chinwag.client.wire import parse_server_time
from tests.client.harness import (
    ALL_CAPS,
    NOW,
    feed,
    joined_lobby,
    registered,
    sent,
)

# -- messages in ---------------------------------------------------------------------------


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


# -- messages out --------------------------------------------------------------------------


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
    proto = registered(caps=ALL_CAPS.replace("draft/multiline", "x-none"))
    text = " ".join(f"wörd{n}" for n in range(200))
    proto.privmsg("#lobby", text)
    lines = sent(proto)
    assert len(lines) > 1
    prefix_room = len(":ana!~ana@" + "h" * 64 + " ")
    assert all(len(line.encode()) + 2 + prefix_room <= 512 for line in lines)
    assert " ".join(line.split(" ", 2)[2].lstrip(":") for line in lines) == text
    assert split_text("é" * 10, 9) == ["éééé", "éééé", "éé"]


def test_typing_identify_to_nickserv_by_hand_is_not_shown_either() -> None:
    proto = registered(caps="server-time")
    proto.privmsg("NickServ", "identify ana sesame")
    [local] = proto.take_events()
    assert isinstance(local, ev.Message) and "sesame" not in local.text


# -- multiline messages (draft/multiline) --------------------------------------------------------

ML_CAPS = ALL_CAPS.replace("draft/multiline", "draft/multiline=max-bytes=4096,max-lines=3")


def test_several_lines_go_as_one_multiline_batch_when_the_server_takes_them() -> None:
    proto = registered(caps=ML_CAPS)
    proto.privmsg("#lobby", "first\n\n  indented\n", tags={"+draft/reply": "m1"})
    assert sent(proto) == [
        "@+draft/reply=m1 BATCH +ml1 draft/multiline #lobby",
        "@batch=ml1 PRIVMSG #lobby first",
        "@batch=ml1 PRIVMSG #lobby :",
        "@batch=ml1 PRIVMSG #lobby :  indented",
        "BATCH -ml1",
    ]
    proto.privmsg("#lobby", "one line")
    assert sent(proto) == ["PRIVMSG #lobby :one line"]


def test_a_long_line_is_cut_with_concat_and_the_line_limit_makes_more_batches() -> None:
    proto = registered(caps=ML_CAPS)
    text = " ".join(f"word{n}" for n in range(300))
    proto.privmsg("#lobby", text)
    lines = sent(proto)
    assert lines[0] == "BATCH +ml1 draft/multiline #lobby"
    assert lines[1].startswith("@batch=ml1 PRIVMSG")
    assert lines[2].startswith("@batch=ml1;draft/multiline-concat PRIVMSG")
    # Three lines at most per batch (max-lines=3): the rest in further batches, each
    # starting with a line of its own (a batch cannot start with a concatenated line).
    openings = [line for line in lines if line.startswith("BATCH +")]
    assert len(openings) > 1
    texts = [line.split(" :", 1)[-1] if " :" in line else line.rsplit(" ", 1)[-1]
             for line in lines if "PRIVMSG" in line]  # fmt: skip
    assert "".join(texts) == text


def test_without_echo_our_multiline_message_is_shown_whole() -> None:
    proto = registered(caps=ML_CAPS.replace("echo-message", "x-no-echo"))
    proto.privmsg("bob", "a\nb")
    [mine] = proto.take_events()
    assert isinstance(mine, ev.Message) and mine.text == "a\nb" and mine.is_self


def test_a_received_multiline_batch_is_one_message_with_its_line_breaks() -> None:
    proto = joined_lobby()
    events = feed(
        proto,
        "@msgid=m9;time=2024-05-01T09:15:30.250Z;account=bob "
        ":bob!~bob@h1 BATCH +b1 draft/multiline #Lobby",
        "@batch=b1 :bob!~bob@h1 PRIVMSG #Lobby :def f():",
        "@batch=b1 :bob!~bob@h1 PRIVMSG #Lobby :    return \x1b[31m1",
        "@batch=b1 :bob!~bob@h1 PRIVMSG #Lobby :a long ",
        "@batch=b1;draft/multiline-concat :bob!~bob@h1 PRIVMSG #Lobby :line",
        "BATCH -b1",
    )
    [message] = events
    assert isinstance(message, ev.Message)
    assert message.text == "def f():\n    return \x1b[31m1\na long line"
    assert (message.sender, message.conversation, message.msgid) == ("bob", "#Lobby", "m9")
    assert message.time == datetime(2024, 5, 1, 9, 15, 30, 250000, tzinfo=UTC)
    row = message_line(message, mention=False)
    assert row.text == "def f():\n    return 1\na long line"  # cleaned, line breaks kept


def test_a_multiline_batch_inside_history_is_one_replayed_message() -> None:
    proto = joined_lobby()
    events = feed(
        proto,
        ":irc.test BATCH +h chathistory #Lobby",
        "@batch=h;msgid=m1 :bob!~bob@h1 BATCH +b1 draft/multiline #Lobby",
        "@batch=b1 :bob!~bob@h1 PRIVMSG #Lobby :one",
        "@batch=b1 :bob!~bob@h1 PRIVMSG #Lobby :two",
        "@batch=h BATCH -b1",
        "@batch=h;msgid=m2 :cy!~cy@h2 PRIVMSG #Lobby :after",
        "BATCH -h",
    )
    [batch] = events
    assert isinstance(batch, ev.Batch)
    texts = [(e.text, e.history, e.msgid) for e in batch.events if isinstance(e, ev.Message)]
    assert texts == [("one\ntwo", True, "m1"), ("after", True, "m2")]

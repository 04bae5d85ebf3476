"""The client core's facade: driving a connection, routing lines, labels and intents; no network."""

from __future__ import annotations

import pytest

from chinwag.client import events as ev
from chinwag.client.protocol import NotRegistered
from tests.client.harness import (
    ALL_CAPS,
    NOW,
    feed,
    joined_lobby,
    new,
    only,
    registered,
    sent,
)

# -- driving the connection ----------------------------------------------------------------


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


def test_intents_that_need_a_connection_say_so() -> None:
    proto = new()
    with pytest.raises(NotRegistered):
        proto.privmsg("#lobby", "hi")
    proto.join("#later")
    assert sent(proto) == []  # remembered, sent after registration
    assert "#later" in proto.rooms


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
    for request in sent(proto):  # as many CAP REQ lines as the wanted list needs
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


def test_a_long_line_from_the_server_is_delivered_whole() -> None:
    # Servers relay up to 512 bytes after the prefix they add, some more; the tags may take
    # 8191 bytes. Other clients show such lines, so ours must not drop them.
    proto = registered()
    text = "é" * 2000  # 4000 bytes of text: far past the 512 a server may read from us
    tags = "@+example=" + "x" * 8000
    line = f"{tags} :bob!b@h PRIVMSG ana :{text}\r\n".encode()
    events = proto.receive(line)
    assert [event.text for event in only(events, ev.Message)] == [text]  # type: ignore[attr-defined]

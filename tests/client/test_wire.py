"""What the parts of the client core share: the link's output, handler tables, line helpers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chinwag.client import events as ev
from chinwag.client.wire import (
    Connection,
    Handlers,
    format_server_time,
    merge_handlers,
    nick_of,
    numeric_reply,
    parse_server_time,
    time_of,
)
from chinwag.protocol.message import Message as IrcMessage
from chinwag.protocol.message import parse

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


# -- the link ----------------------------------------------------------------------------------


def test_client_tags_and_labels_go_only_with_their_capabilities() -> None:
    link = Connection()
    link.send("PRIVMSG", "#lobby", "hi", tags={"+typing": "active"}, label="cw1")
    assert link.take_bytes() == b"PRIVMSG #lobby hi\r\n"
    link.caps_enabled |= {"message-tags", "labeled-response"}
    link.send("PRIVMSG", "#lobby", "hi", tags={"+typing": "active"}, label="cw1")
    assert parse(link.take_bytes().rstrip(b"\r\n").decode()).tags == {
        "+typing": "active",
        "label": "cw1",
    }


def test_the_driver_is_told_once_until_it_takes_the_output() -> None:
    link = Connection()
    calls: list[int] = []
    link.on_output = lambda: calls.append(1)
    link.send("PING", "a")
    link.emit(ev.Acknowledged(time=NOW))
    link.send("PING", "b")
    assert calls == [1]
    assert link.take_bytes() == b"PING a\r\nPING b\r\n"
    assert link.take_events() == [ev.Acknowledged(time=NOW)]
    link.emit(ev.Acknowledged(time=NOW))
    assert calls == [1, 1]


def test_a_new_connection_drops_unsent_bytes_and_capabilities_but_not_labels() -> None:
    link = Connection()
    link.caps_enabled.add("batch")
    link.caps_available["batch"] = None
    link.send("JOIN", "#lobby")
    first = link.new_label()
    link.reset()
    assert link.take_bytes() == b""
    assert not link.has_cap("batch") and link.caps_available == {}
    assert link.new_label() != first


# -- handler tables ----------------------------------------------------------------------------


class _Part:
    def __init__(self, name: str) -> None:
        self.name = name


def test_one_handler_per_command() -> None:
    table: Handlers[_Part] = Handlers()

    @table.on("PING")
    def on_ping(part: _Part, message: IrcMessage) -> list[ev.Event]:
        return [ev.ServerError(part.name, time=NOW)]

    with pytest.raises(ValueError, match="PING"):
        table.on("PING")(on_ping)
    bound = table.bind(_Part("one"))
    assert bound["PING"](parse("PING x")) == [ev.ServerError("one", time=NOW)]
    with pytest.raises(ValueError, match="PING"):
        merge_handlers(bound, table.bind(_Part("two")))


# -- line helpers ------------------------------------------------------------------------------


def test_server_time_round_trips_in_utc_with_milliseconds() -> None:
    moment = datetime(2024, 5, 1, 11, 30, 5, 123456, tzinfo=UTC)
    text = format_server_time(moment)
    assert text == "2024-05-01T11:30:05.123Z"
    assert parse_server_time(text) == moment.replace(microsecond=123000)
    assert parse_server_time("2024-05-01T11:30:05") == datetime(2024, 5, 1, 11, 30, 5, tzinfo=UTC)
    assert parse_server_time("soon") is None and parse_server_time(None) is None
    assert time_of(parse("@time=soon PING x"), lambda: NOW) == NOW


def test_nick_of_a_source_and_numeric_replies() -> None:
    assert nick_of("ana!~ana@host") == "ana"
    assert nick_of("irc.test") == "irc.test" and nick_of(None) == ""
    [reply] = numeric_reply(parse(":irc.test 482 ana #lobby :You're not a channel operator"))
    assert isinstance(reply, ev.ServerReply) and reply.is_error
    assert reply.text == "#lobby: You're not a channel operator"
    assert numeric_reply(parse(":irc.test 251 ana :There are 3 users")) == []


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_server_time_with_no_instant_in_utc_is_no_time(text: str) -> None:
    # Found while fuzzing (docs/security.md): such a time parsed, then formatting it
    # raised OverflowError.
    assert parse_server_time(text) is None

"""The server core's shared machinery: dispatch checks, protocol errors, errors inside
handlers, timeouts, SendQ and shutdown. Labels and batches are in tests/server/test_replies.py,
quitting in tests/server/services/test_sessions.py."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chinwag.protocol import numerics as n
from chinwag.protocol.message import Message
from chinwag.server.context import Context
from chinwag.server.dispatch import REGISTRY, Handler, command
from tests.server.harness import HOST, Harness

# -- dispatch -------------------------------------------------------------------------------


def test_unknown_command_after_registration_is_421() -> None:
    ana = Harness().client("ana")
    ana.send("FROBNICATE now")
    assert ana.lines() == [("421", "ana", "FROBNICATE", "Unknown command")]


@pytest.mark.parametrize("line", ["PRIVMSG bo :hi", "JOIN #x", "FROBNICATE", "MOTD"])
def test_commands_before_registration_are_451(line: str) -> None:
    client = Harness().connect()
    client.send(line)
    assert client.lines() == [("451", "*", "You have not registered")]


def test_451_uses_the_chosen_nick_once_there_is_one() -> None:
    client = Harness().connect()
    client.send("NICK ana", "MOTD")
    assert client.lines() == [("451", "ana", "You have not registered")]


@pytest.mark.parametrize(("line", "verb"), [("USER ana 0 *", "USER"), ("PASS", "PASS")])
def test_missing_parameters_are_461(line: str, verb: str) -> None:
    client = Harness().connect()
    client.send(line)
    assert client.lines() == [("461", "*", verb, "Not enough parameters")]


def test_461_after_registration_names_the_nick() -> None:
    ana = Harness().client("ana")
    ana.send("PING")
    assert ana.lines() == [("461", "ana", "PING", "Not enough parameters")]


def test_commands_are_case_insensitive() -> None:
    ana = Harness().client("ana")
    ana.send("ping :tok")
    assert ana.lines() == [("PONG", "irc.test", "tok")]


def test_pong_needs_no_reply() -> None:
    ana = Harness().client("ana")
    ana.send("PONG irc.test")
    assert ana.raw() == []


# -- protocol errors through the server -----------------------------------------------------


def test_invalid_utf8_gets_fail_and_is_not_relayed() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    ana.send_bytes(b"PRIVMSG bo :caf\xe9\r\n")
    assert ana.lines() == [
        (
            "FAIL",
            "PRIVMSG",
            "INVALID_UTF8",
            "Message rejected, your IRC client MUST use UTF-8 encoding on this network",
        )
    ]
    assert bo.raw() == []


def test_too_long_line_gets_417() -> None:
    ana = Harness().client("ana")
    ana.send("PRIVMSG bo :" + "x" * 600)
    assert ana.lines() == [("417", "ana", "Input line was too long")]


def test_forbidden_character_gets_400_with_the_command() -> None:
    ana = Harness().client("ana")
    ana.send_bytes(b"PRIVMSG bo :a\0b\r\n")
    assert ana.lines() == [("400", "ana", "PRIVMSG", "Message contains a forbidden character")]


def test_line_without_command_gets_400() -> None:
    ana = Harness().client("ana")
    ana.send("@a=b :source")
    assert ana.lines() == [("400", "ana", "*", "Message has no command")]


def test_blank_lines_are_ignored() -> None:
    ana = Harness().client("ana")
    ana.send_bytes(b"\r\n   \r\n\n")
    assert ana.raw() == []


def test_the_connection_survives_protocol_errors() -> None:
    ana = Harness().client("ana")
    ana.send_bytes(b"\xff\r\n" + b"x" * 20_000 + b"\r\nPING :still here\r\n")
    replies = ana.lines()
    assert replies[-1] == ("PONG", "irc.test", "still here")
    assert not ana.closed


LABEL_CAPS = ["labeled-response", "batch"]


# -- an exception inside a handler ------------------------------------------------------------


def temporary_command(name: str, handler: Handler, **options: bool) -> Iterator[str]:
    """Register ``handler`` as command ``name`` for one test; a fixture yields from this."""
    command(name, **options)(handler)
    try:
        yield name
    finally:
        REGISTRY.pop(name, None)


@pytest.fixture
def broken_command() -> Iterator[str]:
    """A temporary command whose handler queues half a reply, then fails."""

    def explode(ctx: Context, message: Message) -> None:
        ctx.numeric(n.RPL_MOTD, "half a reply")
        raise RuntimeError("secret internals")

    yield from temporary_command("EXPLODE", explode, before_registration=True)


def test_handler_exception_is_logged_answered_and_survived(
    broken_command: str, caplog: pytest.LogCaptureFixture
) -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    caplog.set_level(logging.ERROR, logger="chinwag.server")

    ana.send(broken_command)

    assert ana.lines() == [("400", "ana", "EXPLODE", "Internal error; try again")]
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert f"session {ana.session.id}" in record.getMessage()
    assert record.exc_info is not None
    assert not ana.closed
    ana.send("PING again", "PRIVMSG bo :fine")
    assert ana.lines() == [("PONG", "irc.test", "again")]
    assert bo.lines() == [("PRIVMSG", "bo", "fine")]


def test_handler_exception_never_leaks_internals(broken_command: str) -> None:
    ana = Harness().client("ana")
    ana.send(broken_command)
    assert "secret" not in "\n".join(ana.raw())


def test_handler_exception_before_registration_keeps_the_session(broken_command: str) -> None:
    client = Harness().connect()
    client.send(broken_command, "NICK ana", "USER ana 0 * :Ana")
    commands = client.commands()
    assert commands[0] == "400"
    assert "001" in commands


@pytest.fixture
def unsendable_reply() -> Iterator[str]:
    """A temporary command whose reply cannot be serialized (a middle parameter with a space)."""

    def reply_badly(ctx: Context, message: Message) -> None:
        ctx.reply.add(Message(n.RPL_MOTD, ("fine",), "irc.test"))
        ctx.reply.add(Message("NOTICE", ("two words", "text"), "irc.test"))

    yield from temporary_command("BADREPLY", reply_badly)


def test_unsendable_reply_is_an_internal_error_with_nothing_half_sent(
    unsendable_reply: str, caplog: pytest.LogCaptureFixture
) -> None:
    ana = Harness().client("ana")
    caplog.set_level(logging.ERROR, logger="chinwag.server")
    ana.send(unsendable_reply)
    assert ana.lines() == [("400", "ana", "BADREPLY", "Internal error; try again")]
    assert any(f"session {ana.session.id}" in r.getMessage() for r in caplog.records)
    ana.send("PING alive")
    assert ana.lines() == [("PONG", "irc.test", "alive")]


@pytest.mark.parametrize(
    ("line", "reply"),
    [
        ("NICK ::x", ("432", "ana", "*", "Erroneous nickname")),
        ("NICK :a b", ("432", "ana", "*", "Erroneous nickname")),
        ("MOTD :", ("402", "ana", "*", "No such server")),
        ("MOTD :other server", ("402", "ana", "*", "No such server")),
        ("CAP :a b", ("410", "ana", "*", "Invalid CAP command")),
    ],
)
def test_echoed_input_that_cannot_be_a_middle_parameter_shows_as_star(
    line: str, reply: tuple[str, ...]
) -> None:
    ana = Harness().client("ana")
    ana.send(line)
    assert ana.lines()[0] == reply


@pytest.fixture
def nested_batch() -> Iterator[str]:
    """A temporary command replying with a batch of its own (as chathistory will)."""

    def reply_in_batch(ctx: Context, message: Message) -> None:
        ctx.reply.add(Message("BATCH", ("+inner", "chathistory", "#x"), "irc.test"))
        ctx.reply.add(Message("PRIVMSG", ("#x", "old"), "bo!~bo@h", {"batch": "inner"}))
        ctx.reply.add(Message("BATCH", ("-inner",), "irc.test"))

    yield from temporary_command("NESTED", reply_in_batch)


def test_a_batch_inside_a_labeled_response_stays_nested(nested_batch: str) -> None:
    ana = Harness().client("ana", caps=LABEL_CAPS)
    ana.send(f"@label=n1 {nested_batch}")
    outer_start, inner_start, inner_message, inner_end, outer_end = ana.take()
    outer = outer_start.params[0].removeprefix("+")
    assert outer_start.tags == {"label": "n1"}
    assert inner_start.tags == {"batch": outer}
    assert inner_message.tags == {"batch": "inner"}
    assert inner_end.tags == {"batch": outer}
    assert outer_end.params == ("-" + outer,)


# -- timeouts -------------------------------------------------------------------------------


def test_registration_times_out() -> None:
    h = Harness(registration_timeout=60.0)
    client = h.connect()
    client.send("NICK ana")
    client.take()
    h.clock.advance(60)
    h.core.tick()
    assert not client.closed
    h.clock.advance(1)
    h.core.tick()
    assert client.closed
    assert client.raw() == [f"ERROR :Closing Link: {HOST} (Registration timed out)"]
    assert client.session.id not in h.core.network.sessions


def test_registered_sessions_do_not_hit_the_registration_timeout() -> None:
    h = Harness(registration_timeout=60.0)
    ana = h.client("ana")
    h.clock.advance(61)
    h.core.tick()
    assert not ana.closed


def test_silent_client_is_pinged_then_dropped() -> None:
    h = Harness(ping_interval=120.0, ping_timeout=60.0)
    ana, bo = h.client("ana"), h.client("bo")
    h.join("#x", ana, bo)

    h.clock.advance(120)
    h.core.tick()
    assert bo.raw() == []
    h.clock.advance(1)
    h.core.tick()
    assert bo.take() == [Message("PING", ("irc.test",), "irc.test")]
    ana.take()  # ana was pinged too
    ana.send("PONG irc.test")

    h.clock.advance(60)
    h.core.tick()
    assert not bo.closed
    h.clock.advance(1)
    h.core.tick()
    assert bo.closed
    assert bo.raw() == [f"ERROR :Closing Link: {HOST} (Ping timeout: 182 seconds)"]
    assert ana.lines() == [("QUIT", "Ping timeout: 182 seconds")]
    assert not ana.closed


def test_any_line_counts_as_an_answer_to_ping() -> None:
    h = Harness(ping_interval=120.0, ping_timeout=60.0)
    ana = h.client("ana")
    h.clock.advance(121)
    h.core.tick()
    ana.send("MOTD")
    h.clock.advance(61)
    h.core.tick()
    assert not ana.closed


def test_unanswered_ping_is_sent_only_once() -> None:
    h = Harness(ping_interval=120.0, ping_timeout=60.0)
    ana = h.client("ana")
    h.clock.advance(121)
    h.core.tick()
    h.clock.advance(30)
    h.core.tick()
    assert ana.commands() == ["PING"]


# -- SendQ ----------------------------------------------------------------------------------


def test_sendq_overflow_closes_only_the_slow_session() -> None:
    h = Harness(sendq=2000)
    fast, slow, talker = h.client("fast"), h.client("slow"), h.client("talker")
    h.join("#x", fast, slow, talker)

    received: list[str] = []
    for number in range(40):
        talker.send(f"PRIVMSG #x :message number {number} " + "x" * 40)
        received += [m.params[1] for m in fast.take() if m.command == "PRIVMSG"]
    assert slow.closed
    assert slow.session.id not in h.core.network.sessions
    assert h.core.network.find_user("slow") is None
    assert len(received) == 40
    assert not fast.closed and not talker.closed

    talker.send("PRIVMSG #x :after")
    after = fast.take()
    assert [(m.command, m.params[-1]) for m in after] == [("PRIVMSG", "after")]


def test_neighbours_see_the_slow_session_quit_with_sendq_exceeded() -> None:
    h = Harness(sendq=2000)
    fast, slow = h.client("fast"), h.client("slow")
    h.join("#x", fast, slow)
    while not slow.closed:
        fast.send("PRIVMSG #x :" + "y" * 200)
    assert Message("QUIT", ("SendQ exceeded",), f"slow!~slow@{HOST}") in [
        m.without_tags() for m in fast.take()
    ]
    assert len(slow.outbox.buffer) <= 2000 + 600  # nothing queued after the overflow


# -- shutdown -------------------------------------------------------------------------------


def test_shutdown_says_goodbye_to_every_session() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.join("#x", ana, bo)
    unregistered = h.connect()
    unregistered.send("NICK cy")
    unregistered.take()

    h.core.shutdown()

    for client in (ana, bo, unregistered):
        assert client.raw()[-1] == "ERROR :Server shutting down"
        assert client.closed
    assert h.core.network.sessions == {}
    assert h.core.network.users == {}


# -- whatever a client sends, the server keeps serving ------------------------------------

_WORDS = st.sampled_from(
    ["#x", "#y", "ana", "bo", "*", "0", "+o", "-o", "+b", "+kl", "10", "x!*@*", "", ",", "302"]
) | st.text(st.characters(blacklist_characters="\r\n\0", codec="utf-8"), max_size=8)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(sorted(set(REGISTRY) - {"QUIT"})), st.lists(_WORDS, max_size=4)),
        min_size=1,
        max_size=4,
    )
)
def test_no_command_line_makes_a_handler_fail(commands: list[tuple[str, list[str]]]) -> None:
    h = Harness()
    ana = h.client("ana", caps=["message-tags", "echo-message", "labeled-response", "batch"])
    bo = h.client("bo")
    h.join("#x", ana, bo)
    for verb, params in commands:
        middle = [p for p in params[:-1] if p and " " not in p and not p.startswith(":")]
        trailing = [":" + params[-1]] if params else []
        line = " ".join([verb, *middle, *trailing])
        ana.send(line)
        replies = ana.raw()
        assert not any("Internal error" in reply for reply in replies), (line, replies)
    if not ana.closed:
        ana.send("PING :end")
        assert ana.take()[-1] == Message("PONG", ("irc.test", "end"), "irc.test")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=6))
def test_no_bytes_make_the_core_raise(chunks: list[bytes]) -> None:
    h = Harness()
    client = h.connect()
    for chunk in chunks:
        client.send_bytes(chunk)
    client.raw()


# -- crowd work: what the transport spaces out (issue 20) ---------------------------------------


@pytest.mark.parametrize(
    ("line", "crowd"),
    [
        ("JOIN #big", True),
        ("join #BIG", True),
        ("JOIN #small,#big key", True),
        ("@label=a1 :ana JOIN :#big", True),
        ("NAMES #big", True),
        ("WHO #big", True),
        ("JOIN #small", False),
        ("JOIN #new", False),
        ("PRIVMSG #big :hello everyone", False),
        ("PART #big", False),
        ("JOIN", False),
        ("", False),
    ],
)
def test_crowd_work_is_a_join_names_or_who_of_a_crowded_room(
    monkeypatch: pytest.MonkeyPatch, line: str, crowd: bool
) -> None:
    monkeypatch.setattr("chinwag.server.core.CROWD", 3)
    harness = Harness()
    people = [harness.client(nick) for nick in ("ana", "bo", "cy")]
    harness.join("#big", *people)
    harness.join("#small", people[0])
    dee = harness.client("dee")
    assert harness.core.crowd_work(dee.session, line) is crowd


def test_nothing_is_crowd_work_before_registration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("chinwag.server.core.CROWD", 1)
    harness = Harness()
    harness.join("#big", harness.client("ana"))
    stranger = harness.connect()
    assert not harness.core.crowd_work(stranger.session, "JOIN #big")

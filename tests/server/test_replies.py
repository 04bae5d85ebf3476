"""The fan-out primitives of :mod:`chinwag.server.replies`: a run of messages to one channel
is queued on each member once, and nobody can tell from what arrives, or in which order,
that it was."""

from __future__ import annotations

from collections.abc import Awaitable, Coroutine
from typing import Any

from chinwag.protocol.message import Message
from chinwag.server.effects import Done, ImmediateEffects
from chinwag.server.replies import begin_batch, deliver_to_channel, end_batch, send
from tests.server.commands.test_messaging import second_device
from tests.server.harness import Client, Harness, MemoryOutbox


class CountingOutbox(MemoryOutbox):
    """A memory outbox that also counts the writes it was given."""

    writes = 0

    def write(self, data: bytes) -> None:
        self.writes += 1
        super().write(data)


def counted(client: Client) -> CountingOutbox:
    """Swap ``client``'s outbox for one that counts writes, keeping what it holds."""
    counting = CountingOutbox(client.harness.core)
    counting.session = client.session
    counting.buffer = client.outbox.buffer
    client.outbox = counting
    client.session.outbox = counting
    return counting


class LaterEffects(ImmediateEffects):
    """Deferred work (the history writer) waits until :meth:`go`, as it waits for a later
    loop turn in the running server; the harness otherwise stores each message at once."""

    def __init__(self) -> None:
        self.waiting: list[tuple[Coroutine[Any, Any, Any], Done]] = []

    def run(self, work: Coroutine[Any, Any, Any], done: Done) -> Awaitable[None] | None:
        self.waiting.append((work, done))
        return None

    def go(self) -> None:
        while self.waiting:
            super().run(*self.waiting.pop(0))


def paste(client: Client, *lines: str) -> None:
    """Send ``lines`` in one read, as a paste or a fast client does."""
    client.send_bytes("".join(line + "\r\n" for line in lines).encode())


def test_a_paste_to_a_room_reaches_each_member_as_one_write() -> None:
    h = Harness()
    ana, bo, cy = h.room("ana", "bo", "cy")
    bo_outbox = counted(bo)
    h.core.effects = later = LaterEffects()
    paste(ana, *(f"PRIVMSG #room :line {number}" for number in range(50)))
    later.go()
    assert bo.lines() == [("PRIVMSG", "#room", f"line {number}") for number in range(50)]
    assert cy.lines() == [("PRIVMSG", "#room", f"line {number}") for number in range(50)]
    assert bo_outbox.writes == 1
    assert ana.raw() == []


def test_lines_sent_apart_are_delivered_apart() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    bo_outbox = counted(bo)
    ana.send("PRIVMSG #room :one", "PRIVMSG #room :two")
    assert bo.lines() == [("PRIVMSG", "#room", "one"), ("PRIVMSG", "#room", "two")]
    assert bo_outbox.writes == 2


def test_a_direct_message_inside_a_paste_keeps_its_place() -> None:
    h = Harness()
    ana, bo, cy = h.room("ana", "bo", "cy")
    paste(ana, "PRIVMSG #room :before", "PRIVMSG bo :between", "PRIVMSG #room :after")
    assert bo.lines() == [
        ("PRIVMSG", "#room", "before"),
        ("PRIVMSG", "bo", "between"),
        ("PRIVMSG", "#room", "after"),
    ]
    assert cy.lines() == [("PRIVMSG", "#room", "before"), ("PRIVMSG", "#room", "after")]


def test_messages_to_two_rooms_keep_their_order() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.join("#a", ana, bo)
    h.join("#b", ana, bo)
    paste(ana, "PRIVMSG #a :1", "PRIVMSG #b :2", "PRIVMSG #a :3", "PRIVMSG #a :4")
    assert bo.lines() == [
        ("PRIVMSG", "#a", "1"),
        ("PRIVMSG", "#b", "2"),
        ("PRIVMSG", "#a", "3"),
        ("PRIVMSG", "#a", "4"),
    ]


def test_a_part_inside_a_paste_is_heard_after_what_came_before_and_ends_the_stream() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    paste(ana, "PRIVMSG #room :one", "PRIVMSG #room :two", "PART #room :bye", "PRIVMSG #room :x")
    assert bo.lines() == [
        ("PRIVMSG", "#room", "one"),
        ("PRIVMSG", "#room", "two"),
        ("PART", "#room", "bye"),
    ]


def test_each_member_gets_the_tags_its_capabilities_allow_on_every_line() -> None:
    h = Harness()
    ana = h.client("ana")
    timed = h.client("timed", caps=["server-time"])
    tagged = h.client("tagged", caps=["message-tags"])
    plain = h.client("plain")
    h.join("#x", ana, timed, tagged, plain)
    paste(ana, "@+draft/react=ok PRIVMSG #x :one", "PRIVMSG #x :two")
    assert [set(m.tags) for m in timed.take()] == [{"time"}, {"time"}]
    assert [set(m.tags) for m in tagged.take()] == [{"msgid", "+draft/react"}, {"msgid"}]
    assert [m.tags for m in plain.take()] == [{}, {}]


def test_members_joining_during_a_run_hear_only_what_follows_their_join() -> None:
    h = Harness()
    ana, bo, cy = h.room("ana", "bo", "cy", channel="#a")
    dee = h.client("dee")
    members = h.channel("#a").all_sessions
    begin_batch()
    message = Message("PRIVMSG", ("#a", "early"), "ana!ana@x")
    deliver_to_channel(members, message, ana.session)
    dee.send("JOIN #a")  # settles the run: a JOIN is written to the members
    late = Message("PRIVMSG", ("#a", "late"), "ana!ana@x")
    deliver_to_channel(h.channel("#a").all_sessions, late, ana.session)
    end_batch()
    assert [line[0] for line in bo.lines()] == ["PRIVMSG", "JOIN", "PRIVMSG"]
    assert [line[0] for line in cy.lines()] == ["PRIVMSG", "JOIN", "PRIVMSG"]
    heard = dee.lines()
    assert ("PRIVMSG", "#a", "late") in heard
    assert ("PRIVMSG", "#a", "early") not in heard


def test_several_senders_in_one_run_never_hear_themselves() -> None:
    h = Harness()
    ana, bo, cy = h.room("ana", "bo", "cy")
    members = h.channel("#room").all_sessions
    begin_batch()
    for number, speaker in enumerate([ana, bo, ana, cy]):
        said = Message("PRIVMSG", ("#room", str(number)), speaker.session.target)
        deliver_to_channel(members, said, speaker.session)
    end_batch()
    assert [line[2] for line in ana.lines()] == ["1", "3"]
    assert [line[2] for line in bo.lines()] == ["0", "2", "3"]
    assert [line[2] for line in cy.lines()] == ["0", "1", "2"]


def test_a_run_is_written_before_any_other_write() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    begin_batch()
    said = Message("PRIVMSG", ("#room", "first"), "ana!ana@x")
    deliver_to_channel(h.channel("#room").all_sessions, said, ana.session)
    assert bo.raw() == []  # still collecting
    send(bo.session, Message("NOTICE", ("bo", "second"), "irc.test"))
    end_batch()
    assert bo.lines() == [("PRIVMSG", "#room", "first"), ("NOTICE", "bo", "second")]


def test_outside_a_batch_a_channel_message_is_written_at_once() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    said = Message("PRIVMSG", ("#room", "now"), "ana!ana@x")
    deliver_to_channel(h.channel("#room").all_sessions, said, ana.session)
    assert bo.lines() == [("PRIVMSG", "#room", "now")]


def test_a_member_over_its_sendq_in_a_run_is_closed_and_the_others_hear_all() -> None:
    h = Harness(sendq=2000)
    ana, bo, cy = h.room("ana", "bo", "cy")
    bo.outbox.buffer += b"x" * 1900  # bo has not been reading
    h.core.effects = later = LaterEffects()
    paste(ana, *(f"PRIVMSG #room :line {number}" for number in range(40)))
    later.go()
    assert bo.closed
    heard = cy.lines()
    assert heard[:40] == [("PRIVMSG", "#room", f"line {number}") for number in range(40)]
    assert heard[40:] == [("QUIT", "SendQ exceeded")]


def test_an_outsider_with_two_devices_sees_its_message_on_the_other() -> None:
    h = Harness()
    bo = h.client("bo")
    h.join("#open", bo)
    bo.send("MODE #open -n")
    bo.take()
    laptop = h.client("ana")
    phone = second_device(h, "ana")
    paste(laptop, "PRIVMSG #open :from outside", "PRIVMSG #open :again")
    assert phone.lines() == [
        ("PRIVMSG", "#open", "from outside"),
        ("PRIVMSG", "#open", "again"),
    ]
    assert bo.lines() == [("PRIVMSG", "#open", "from outside"), ("PRIVMSG", "#open", "again")]
    assert laptop.raw() == []

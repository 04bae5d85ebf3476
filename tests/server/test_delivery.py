"""The one path to every outbox, :mod:`chinwag.server.delivery`: a run of messages to one
channel is queued on each member once, and nobody can tell from what arrives, or in which
order, that it was."""

from __future__ import annotations

from collections.abc import Awaitable, Coroutine
from typing import Any

import pytest

from chinwag.protocol.message import Message
from chinwag.server.delivery import CROWD, Delivery
from chinwag.server.effects import Done, ImmediateEffects
from chinwag.server.lines import Lines
from chinwag.server.state import Session
from tests.server.commands.test_messaging import second_device
from tests.server.harness import Client, Harness, MemoryOutbox


def counted(client: Client) -> MemoryOutbox:
    """``client``'s outbox with its count of writes started afresh."""
    client.outbox.writes = 0
    return client.outbox


class LaterEffects(ImmediateEffects):
    """Once ``holding``, deferred work (the history writer) waits until :meth:`go`, as it
    waits for a later loop turn in the running server; the harness otherwise stores each
    message at once."""

    def __init__(self) -> None:
        self.holding = False
        self.waiting: list[tuple[Coroutine[Any, Any, Any], Done]] = []

    def run(self, work: Coroutine[Any, Any, Any], done: Done) -> Awaitable[None] | None:
        if not self.holding:
            return super().run(work, done)
        self.waiting.append((work, done))
        return None

    def go(self) -> None:
        while self.waiting:
            super().run(*self.waiting.pop(0))


def paste(client: Client, *lines: str) -> None:
    """Send ``lines`` in one read, as a paste or a fast client does."""
    client.send_bytes("".join(line + "\r\n" for line in lines).encode())


def test_a_paste_to_a_room_reaches_each_member_as_one_write() -> None:
    later = LaterEffects()
    h = Harness(effects=later)
    ana, bo, cy = h.room("ana", "bo", "cy")
    bo_outbox = counted(bo)
    later.holding = True
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
    delivery = h.core.deps.delivery
    delivery.begin()
    message = Message("PRIVMSG", ("#a", "early"), "ana!ana@x")
    delivery.to_channel(members, message, ana.session)
    dee.send("JOIN #a")  # settles the run: a JOIN is written to the members
    late = Message("PRIVMSG", ("#a", "late"), "ana!ana@x")
    delivery.to_channel(h.channel("#a").all_sessions, late, ana.session)
    delivery.end()
    assert [line[0] for line in bo.lines()] == ["PRIVMSG", "JOIN", "PRIVMSG"]
    assert [line[0] for line in cy.lines()] == ["PRIVMSG", "JOIN", "PRIVMSG"]
    heard = dee.lines()
    assert ("PRIVMSG", "#a", "late") in heard
    assert ("PRIVMSG", "#a", "early") not in heard


def test_several_senders_in_one_run_never_hear_themselves() -> None:
    h = Harness()
    ana, bo, cy = h.room("ana", "bo", "cy")
    members = h.channel("#room").all_sessions
    delivery = h.core.deps.delivery
    delivery.begin()
    for number, speaker in enumerate([ana, bo, ana, cy]):
        said = Message("PRIVMSG", ("#room", str(number)), speaker.session.target)
        delivery.to_channel(members, said, speaker.session)
    delivery.end()
    assert [line[2] for line in ana.lines()] == ["1", "3"]
    assert [line[2] for line in bo.lines()] == ["0", "2", "3"]
    assert [line[2] for line in cy.lines()] == ["0", "1", "2"]


def test_a_run_is_written_before_any_other_write() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    delivery = h.core.deps.delivery
    delivery.begin()
    said = Message("PRIVMSG", ("#room", "first"), "ana!ana@x")
    delivery.to_channel(h.channel("#room").all_sessions, said, ana.session)
    assert bo.raw() == []  # still collecting
    delivery.send(bo.session, Message("NOTICE", ("bo", "second"), "irc.test"))
    delivery.end()
    assert bo.lines() == [("PRIVMSG", "#room", "first"), ("NOTICE", "bo", "second")]


def test_outside_a_batch_a_channel_message_is_written_at_once() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    said = Message("PRIVMSG", ("#room", "now"), "ana!ana@x")
    h.core.deps.delivery.to_channel(h.channel("#room").all_sessions, said, ana.session)
    assert bo.lines() == [("PRIVMSG", "#room", "now")]


def test_a_member_over_its_sendq_in_a_run_is_closed_and_the_others_hear_all() -> None:
    later = LaterEffects()
    h = Harness(effects=later, sendq=3000)
    ana, bo, cy = h.room("ana", "bo", "cy")
    bo.outbox.buffer += b"x" * 2900  # bo has not been reading
    later.holding = True
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


# -- durability gates (issue 4: durable before acknowledged) ------------------------------------


class Recorder:
    """An outbox that keeps what is written, in order, and how often it was written to."""

    def __init__(self) -> None:
        self.data = b""
        self.writes = 0
        self.bulk_writes = 0
        self.closed = False

    def write_line(self, line: bytes) -> None:
        self.write_lines(Lines([line]))

    def write_bulk_line(self, line: bytes) -> None:
        self.write_bulk_lines(Lines([line]))

    def write_bulk_lines(self, lines: Lines) -> None:
        self.bulk_writes += 1
        self.write_lines(lines)

    def write_lines(self, lines: Lines) -> None:
        self.writes += 1
        self.data += lines.data

    def close(self) -> None:
        self.closed = True


def session(session_id: int = 1) -> tuple[Session, Recorder]:
    outbox = Recorder()
    return Session(session_id, outbox, "127.0.0.1", "localhost", 0.0), outbox


def test_a_reply_waits_until_the_message_it_acknowledges_is_committed() -> None:
    delivery = Delivery()
    ana, outbox = session()
    delivery.reply(ana, [b"echo\r\n"], durable_seq=1)
    assert outbox.data == b""
    assert ana.gate

    delivery.committed(1)

    assert outbox.data == b"echo\r\n"
    assert ana.gate is None


def test_replies_leave_in_the_order_they_were_made() -> None:
    delivery = Delivery()
    ana, outbox = session()
    delivery.reply(ana, [b"echo 1\r\n"], 1)
    delivery.reply(ana, [b"echo 3\r\n"], 3)
    delivery.reply(ana, [b"PONG\r\n"], 2)  # made after echo 3: it must not overtake it

    delivery.committed(2)
    assert outbox.data == b"echo 1\r\n"

    delivery.committed(3)
    assert outbox.data == b"echo 1\r\necho 3\r\nPONG\r\n"


def test_a_reply_needing_nothing_still_waits_behind_earlier_held_replies() -> None:
    delivery = Delivery()
    ana, outbox = session()
    delivery.committed(1)
    delivery.reply(ana, [b"echo 2\r\n"], 2)
    delivery.reply(ana, [b"PONG\r\n"], 1)  # durable already, but the echo waits

    assert outbox.data == b""
    delivery.committed(2)
    assert outbox.data == b"echo 2\r\nPONG\r\n"
    delivery.reply(ana, [b"free\r\n"], 2)
    assert outbox.data.endswith(b"free\r\n")  # nothing waits any more


def test_each_session_waits_only_for_its_own_messages() -> None:
    delivery = Delivery()
    ana, ana_out = session(1)
    bo, bo_out = session(2)
    delivery.reply(ana, [b"to ana\r\n"], 1)
    delivery.reply(bo, [b"to bo\r\n"], 2)

    delivery.committed(1)

    assert (ana_out.data, bo_out.data) == (b"to ana\r\n", b"")
    delivery.committed(2)
    assert bo_out.data == b"to bo\r\n"


def test_committed_never_goes_back() -> None:
    delivery = Delivery()
    ana, outbox = session()
    delivery.committed(3)
    delivery.committed(1)
    assert delivery.committed_seq == 3
    delivery.reply(ana, [b"now\r\n"], 2)
    assert outbox.data == b"now\r\n"


def test_a_session_closed_while_waiting_gets_its_replies_then_the_goodbye_then_the_close() -> None:
    delivery = Delivery()
    ana, outbox = session()
    delivery.reply(ana, [b"echo\r\n"], 1)
    delivery.goodbye(ana, Message("ERROR", ("bye",)))
    delivery.close(ana)
    assert (outbox.data, outbox.closed) == (b"", False)

    delivery.committed(1)

    assert outbox.data == b"echo\r\nERROR bye\r\n"
    assert outbox.closed
    assert ana.gate is None


def test_a_run_is_settled_before_held_replies_are_released() -> None:
    delivery = Delivery()
    ana, ana_out = session(1)
    bo, bo_out = session(2)
    delivery.reply(bo, [b"echo\r\n"], 1)
    delivery.begin()
    delivery.to_channel([ana, bo], Message("PRIVMSG", ("#a", "said first"), "cy!c@h"), ana)
    delivery.committed(1)  # bo hears what was relayed before its echo is let go
    delivery.end()
    assert bo_out.data == b":cy!c@h PRIVMSG #a :said first\r\necho\r\n"
    assert ana_out.data == b""


# -- one Delivery per core -------------------------------------------------------------------------


def test_two_cores_in_one_process_share_no_delivery_state() -> None:
    """A batch open on one core collects no run for the other, and a gate on one core is not
    released by the other's commits."""
    one, two = Harness(), Harness()
    ana1, bo1 = one.room("ana", "bo")
    ana2, bo2 = two.room("ana", "bo")
    assert one.core.deps.delivery is not two.core.deps.delivery
    one.core.deps.delivery.begin()  # one's batch is open...
    ana2.send("PRIVMSG #room :on two")  # ...and two writes at once all the same
    assert bo2.lines() == [("PRIVMSG", "#room", "on two")]
    ana1.send("PRIVMSG #room :on one")
    assert bo1.lines() == [("PRIVMSG", "#room", "on one")]
    one.core.deps.delivery.end()
    gated, outbox = session(99)
    two.core.deps.delivery.reply(gated, [b"held\r\n"], 10**6)
    one.core.deps.delivery.committed(10**6)
    assert outbox.data == b""
    two.core.deps.delivery.committed(10**6)
    assert outbox.data == b"held\r\n"


# -- crowds (issue 20) ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [CROWD - 1, CROWD])
def test_a_fan_out_to_a_crowd_goes_in_the_crowd_lane_and_a_smaller_one_does_not(
    size: int,
) -> None:
    delivery = Delivery()
    members = [session(number) for number in range(1, size + 1)]
    sessions = [member for member, _ in members]
    delivery.deliver(sessions, Message("JOIN", ("#big",), "ana!a@h"))
    delivery.begin()
    delivery.to_channel(sessions, Message("PRIVMSG", ("#big", "hi"), "ana!a@h"), sessions[0])
    delivery.to_channel(sessions, Message("PRIVMSG", ("#big", "again"), "ana!a@h"), sessions[0])
    delivery.end()
    crowd = size >= CROWD
    for member, outbox in members:
        assert outbox.writes == (1 if member is sessions[0] else 2)
        assert outbox.bulk_writes == (outbox.writes if crowd else 0)
        assert outbox.data.startswith(b":ana!a@h JOIN #big\r\n")

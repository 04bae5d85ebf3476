"""MARKREAD: IRCv3 draft/read-marker, what each user has read, shared between their devices.

Reference: https://ircv3.net/specs/extensions/read-marker (where the draft leaves a choice,
as Ergo does: any channel name or nick is a target, joined or not).
"""

from __future__ import annotations

import asyncio
import time

from chinwag.protocol.casemap import Folded, fold
from chinwag.server.history import identity
from chinwag.server.tags import parse_timestamp, server_time
from chinwag.storage.base import conversation_key
from chinwag.storage.memory import MemoryStore
from tests.server.harness import Client, Harness

CAPS = ["draft/read-marker"]

T0 = 1_700_000_000.0


def at(seconds: float) -> str:
    """The ``timestamp=`` parameter ``seconds`` after ``T0``."""
    return "timestamp=" + server_time(T0 + seconds)


def marker(client: Client, command: str) -> tuple[str, ...]:
    """Send ``command``; its one reply, which must be a ``MARKREAD`` from the server."""
    client.send(command)
    (reply,) = client.take()
    assert (reply.source, reply.command) == ("irc.test", "MARKREAD"), reply
    return reply.params


def fail(client: Client, command: str) -> tuple[str, ...]:
    """Send ``command``; its only reply, a FAIL, without the description."""
    client.send(command)
    (reply,) = client.lines()
    assert reply[0] == "FAIL", reply
    return reply[:-1]


def second_device(h: Harness, nick: str, caps: list[str]) -> Client:
    """Another session of the (registered) user ``nick``, with ``caps``."""
    device = h.connect()
    if caps:
        device.send("CAP LS 302", "CAP REQ :" + " ".join(caps))
    device.take()
    h.core.deps.sessions.add_user(device.session, h.user(nick))
    return device


# -- get and set ---------------------------------------------------------------------------------


def test_a_target_never_marked_reads_as_star() -> None:
    ana = Harness().client("ana", caps=CAPS)
    assert marker(ana, "MARKREAD #room") == ("#room", "*")


def test_a_marker_set_is_answered_and_read_back() -> None:
    ana = Harness().client("ana", caps=CAPS)
    assert marker(ana, f"MARKREAD #room {at(5)}") == ("#room", at(5))
    assert marker(ana, "MARKREAD #room") == ("#room", at(5))
    assert marker(ana, "MARKREAD #other") == ("#other", "*")


def test_a_marker_never_moves_back() -> None:
    ana = Harness().client("ana", caps=CAPS)
    marker(ana, f"MARKREAD #room {at(5)}")
    assert marker(ana, f"MARKREAD #room {at(3)}") == ("#room", at(5))
    assert marker(ana, f"MARKREAD #room {at(5)}") == ("#room", at(5))
    assert marker(ana, f"MARKREAD #room {at(6)}") == ("#room", at(6))


def test_a_time_in_the_future_is_taken_as_now() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)
    before = parse_timestamp(server_time())
    _, value = marker(ana, "MARKREAD #room timestamp=2999-01-01T00:00:00.000Z")
    moment = parse_timestamp(value.removeprefix("timestamp="))
    assert before is not None and moment is not None
    assert before <= moment <= time.time()
    assert h.user("ana").read_markers[fold("#room")] == moment


def test_the_target_is_shown_as_the_channel_is_named_and_need_not_be_joined() -> None:
    h = Harness()
    h.client("bo").send("JOIN #Room")
    ana = h.client("ana", caps=CAPS)
    assert marker(ana, f"MARKREAD #ROOM {at(1)}") == ("#Room", at(1))
    assert marker(ana, "MARKREAD #nowhere") == ("#nowhere", "*")


def test_a_nick_target_is_the_direct_conversation_and_each_side_has_its_own_marker() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)
    bo = h.client("bo", caps=CAPS)
    assert marker(ana, f"MARKREAD BO {at(2)}") == ("bo", at(2))
    key = conversation_key(identity(h.user("ana")), identity(h.user("bo")))
    assert h.user("ana").read_markers == {key: T0 + 2}
    assert marker(bo, "MARKREAD ana") == ("ana", "*")
    assert marker(ana, f"MARKREAD gone {at(1)}") == ("gone", at(1))


def test_markers_are_never_shown_to_other_users() -> None:
    h = Harness()
    ana, bo = h.client("ana", caps=CAPS), h.client("bo", caps=CAPS)
    h.join("#room", ana, bo)
    marker(ana, f"MARKREAD #room {at(1)}")
    assert bo.take() == []
    assert marker(bo, "MARKREAD #room") == ("#room", "*")


# -- the user's other sessions ---------------------------------------------------------------


def test_other_sessions_with_the_capability_are_told_when_the_marker_moves() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)
    phone = second_device(h, "ana", CAPS)
    old_client = second_device(h, "ana", [])
    marker(ana, f"MARKREAD #room {at(4)}")
    assert phone.lines() == [("MARKREAD", "#room", at(4))]
    assert old_client.take() == []
    marker(ana, f"MARKREAD #room {at(2)}")  # does not move it
    assert phone.take() == []


# -- on JOIN -----------------------------------------------------------------------------------


def test_a_join_is_followed_by_the_channels_marker_before_the_end_of_names() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)
    ana.send("JOIN #fresh")
    assert ana.lines()[:2] == [("JOIN", "#fresh"), ("MARKREAD", "#fresh", "*")]
    marker(ana, f"MARKREAD #room {at(7)}")
    ana.send("JOIN #room")
    commands = ana.lines()
    assert commands[1] == ("MARKREAD", "#room", at(7))
    assert [line[0] for line in commands] == ["JOIN", "MARKREAD", "353", "366"]


def test_the_joiners_other_sessions_get_the_marker_with_the_join() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)
    phone = second_device(h, "ana", CAPS)
    ana.send("JOIN #room")
    assert phone.lines() == [("JOIN", "#room"), ("MARKREAD", "#room", "*")]


def test_no_marker_on_join_without_the_capability() -> None:
    bo = Harness().client("bo")
    bo.send("JOIN #room")
    assert "MARKREAD" not in bo.commands()


# -- persistence -------------------------------------------------------------------------------


def stored_markers(h: Harness, account: str) -> dict[Folded, float]:
    return asyncio.run(h.core.deps.store.read_markers(fold(account)))


def test_a_logged_in_users_markers_are_kept_under_the_account() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)
    ana.send("REGISTER * :correct-horse-battery")
    ana.take()
    assert marker(ana, f"MARKREAD #room {at(3)}") == ("#room", at(3))
    assert stored_markers(h, "ana") == {fold("#room"): T0 + 3}


def test_without_an_account_markers_live_only_with_the_user() -> None:
    h = Harness()
    bo = h.client("bo", caps=CAPS)
    marker(bo, f"MARKREAD #room {at(3)}")
    assert h.user("bo").read_markers == {fold("#room"): T0 + 3}
    assert stored_markers(h, "bo") == {}


class BreakableStore(MemoryStore):
    """A store that cannot keep read markers once it is ``broken``."""

    broken = False

    async def set_read_marker(self, account: Folded, target: Folded, when: float) -> float:
        if self.broken:
            raise OSError("disk on fire")
        return await super().set_read_marker(account, target, when)


def test_a_store_failure_gets_internal_error_and_leaves_the_marker_alone() -> None:
    store = BreakableStore()
    h = Harness(store=store)
    ana = h.client("ana", caps=[*CAPS, "standard-replies"])
    ana.send("REGISTER * :correct-horse-battery")
    ana.take()
    marker(ana, f"MARKREAD #room {at(1)}")
    store.broken = True
    assert fail(ana, f"MARKREAD #room {at(5)}") == ("FAIL", "MARKREAD", "INTERNAL_ERROR", "#room")
    assert h.user("ana").read_markers == {fold("#room"): T0 + 1}


# -- errors --------------------------------------------------------------------------------------


def test_no_target_needs_more_params() -> None:
    ana = Harness().client("ana", caps=CAPS)
    assert fail(ana, "MARKREAD") == ("FAIL", "MARKREAD", "NEED_MORE_PARAMS")


def test_a_target_that_is_neither_a_channel_nor_a_nick_is_invalid() -> None:
    ana = Harness().client("ana", caps=CAPS)
    assert fail(ana, "MARKREAD no.such") == ("FAIL", "MARKREAD", "INVALID_PARAMS", "no.such")


def test_a_timestamp_must_be_a_server_time_timestamp() -> None:
    ana = Harness().client("ana", caps=CAPS)
    bare = server_time(T0)
    for given in ["*", bare, "timestamp=yesterday", "timestamp=2023-02-30T00:00:00.000Z"]:
        assert fail(ana, f"MARKREAD #room {given}") == (
            "FAIL",
            "MARKREAD",
            "INVALID_PARAMS",
            given,
        )
    assert marker(ana, "MARKREAD #room") == ("#room", "*")


def test_a_marker_moved_on_one_device_reaches_the_same_account_on_another() -> None:
    h = Harness()
    phone = h.client("ana", caps=["draft/read-marker"])
    phone.send("REGISTER * :correct-horse-battery")
    phone.take()
    laptop = h.client("ana_laptop", caps=["draft/read-marker"])
    laptop.send("NS IDENTIFY ana correct-horse-battery")
    laptop.take()
    phone.send("MARKREAD #room timestamp=2020-01-02T03:04:05.678Z")
    phone.take()
    assert laptop.lines() == [("MARKREAD", "#room", "timestamp=2020-01-02T03:04:05.678Z")]
    laptop.send("MARKREAD #room")
    assert laptop.lines() == [("MARKREAD", "#room", "timestamp=2020-01-02T03:04:05.678Z")]


def test_a_marker_survives_a_reconnect_and_still_never_moves_back() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)
    ana.send("REGISTER * :correct-horse-battery")
    ana.take()
    marker(ana, f"MARKREAD #room {at(5)}")
    marker(ana, f"MARKREAD bo {at(7)}")
    ana.send("QUIT :bye")
    ana.take()
    back = h.client("ana", caps=CAPS)
    back.send("NS IDENTIFY ana correct-horse-battery")
    back.take()
    assert marker(back, "MARKREAD #room") == ("#room", at(5))
    assert marker(back, "MARKREAD bo") == ("bo", at(7))
    assert marker(back, f"MARKREAD #room {at(4)}") == ("#room", at(5))  # older: kept
    back.send("JOIN #room")
    assert ("MARKREAD", "#room", at(5)) in back.lines()


def test_an_older_marker_from_one_device_leaves_the_others_alone() -> None:
    h = Harness()
    phone = h.client("ana", caps=CAPS)
    phone.send("REGISTER * :correct-horse-battery")
    phone.take()
    laptop = h.client("ana_laptop", caps=CAPS)
    laptop.send("NS IDENTIFY ana correct-horse-battery")
    laptop.take()
    marker(phone, f"MARKREAD bo {at(6)}")
    assert laptop.lines() == [("MARKREAD", "bo", at(6))]  # a direct conversation too
    assert marker(laptop, f"MARKREAD bo {at(3)}") == ("bo", at(6))
    assert phone.take() == []
    assert marker(laptop, f"MARKREAD bo {at(9)}") == ("bo", at(9))
    assert phone.lines() == [("MARKREAD", "bo", at(9))]
    assert list(stored_markers(h, "ana").values()) == [T0 + 9]

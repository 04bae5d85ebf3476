"""Server state classes: a channel's list of member sessions follows every change of
membership, and stays the same list while nothing changes."""

from __future__ import annotations

from tests.server.commands.test_messaging import second_device
from tests.server.harness import Harness


def test_the_member_list_is_one_list_while_nothing_changes() -> None:
    h = Harness()
    h.room("ana", "bo")
    channel = h.channel("#room")
    assert channel.all_sessions is channel.all_sessions
    assert [s.target for s in channel.all_sessions] == ["ana", "bo"]


def test_the_member_list_follows_joins_parts_and_quits() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    channel = h.channel("#room")
    before = channel.all_sessions
    cy = h.client("cy")
    cy.send("JOIN #room")
    assert [s.target for s in channel.all_sessions] == ["ana", "bo", "cy"]
    assert [s.target for s in before] == ["ana", "bo"]  # a list handed out never changes
    bo.send("PART #room")
    assert [s.target for s in channel.all_sessions] == ["ana", "cy"]
    cy.send("QUIT :bye")
    assert [s.target for s in channel.all_sessions] == ["ana"]
    ana.send("KICK #room ana")
    assert h.core.network.find_channel("#room") is None


def test_the_member_list_follows_a_members_devices() -> None:
    h = Harness()
    h.room("ana", "bo")
    channel = h.channel("#room")
    phone = second_device(h, "ana")
    assert phone.session in channel.all_sessions
    phone.send("QUIT :phone off")
    assert phone.session not in channel.all_sessions
    assert [s.target for s in channel.all_sessions] == ["ana", "bo"]

"""The fuzz targets' checks catch what they are for: each invariant fails on a broken case
and holds on a sound one (otherwise a clean fuzzing run would prove nothing)."""

from __future__ import annotations

import pytest

from chinwag.protocol.message import Message
from fuzz.invariants import Finding, check_network, check_round_trip, check_server_line
from fuzz.targets import script
from fuzz.world import World


def test_a_sound_server_line_passes() -> None:
    check_server_line(b"@time=2026-01-01T00:00:00.000Z :irc.fuzz NOTICE ana :hello there\r\n")


@pytest.mark.parametrize(
    "line",
    [
        b":irc.fuzz NOTICE ana :no terminator",
        b":irc.fuzz NOTICE ana :a\rb\r\n",
        b":irc.fuzz NOTICE ana :a\0b\r\n",
        b":irc.fuzz NOTICE ana :" + b"x" * 500 + b"\r\n",
        b"@" + b"t" * 8200 + b" PING x\r\n",
        b":irc.fuzz NOTICE ana :\xff\r\n",
        b"@a=b :src\r\n",
    ],
)
def test_a_broken_server_line_is_a_finding(line: bytes) -> None:
    with pytest.raises(Finding):
        check_server_line(line)


def test_a_message_that_cannot_be_sent_is_a_finding() -> None:
    check_round_trip(Message("PRIVMSG", ("#a", "hi there"), "ana!a@h", {"k": "v;w"}))
    with pytest.raises(Finding):
        check_round_trip(Message("PRIVMSG", ("#a", "hi"), ""))


def test_the_seeded_world_is_consistent_and_its_breakage_is_found() -> None:
    world = World()
    network = world.core.network
    room = network.find_channel("#room")
    ana = network.find_user("ana")
    assert room is not None and ana is not None
    assert set(room.members) == {ana, network.find_user("bo")}
    assert ana.account == "ana" and ana.is_oper
    check_network(network)

    del ana.channels[room.folded]  # a member who does not know the channel
    with pytest.raises(Finding):
        check_network(network)


def test_an_empty_channel_left_behind_is_a_finding() -> None:
    world = World()
    room = world.core.network.find_channel("#room")
    assert room is not None
    for member in list(room.members):
        del member.channels[room.folded]
        room.remove_member(member)
    with pytest.raises(Finding):
        check_network(world.core.network)


def test_a_handler_error_is_a_finding() -> None:
    world = World()
    world.core.deps.counters.handler_errors += 1
    with pytest.raises(Finding):
        world.check()


def test_the_script_gives_sends_cut_lines_ticks_and_losses() -> None:
    steps = list(script(b"0PING a\n5PRIV\nt..\nq2\nZJOIN #x\n"))
    assert steps == [
        ("send", 0, b"PING a\n"),
        ("send", 1, b"PRIV"),
        ("tick", 0, b".."),
        ("lose", 0x32, b""),
        ("send", ord("Z"), b"ZJOIN #x\n"),
    ]

"""The pacer of crowd work (:mod:`chinwag.transport.crowd`): one line at a time, each
followed by a rest as long as it took, first come first served."""

from __future__ import annotations

import asyncio

import pytest

from chinwag.transport.crowd import CrowdPacer
from tests.conftest import ServerFactory
from tests.ircclient import IrcClient, is_


class Waiter:
    """Records when its turn came and, like a link, takes the turn it is given."""

    def __init__(self, pacer: CrowdPacer, name: str, turns: list[str], cost: float = 0.0):
        self.pacer, self.name, self.turns, self.cost = pacer, name, turns, cost
        self.served = asyncio.Event()

    def crowd_turn(self) -> None:
        assert self.pacer.may_start(self)
        self.turns.append(self.name)
        self.pacer.spent(self.cost)
        self.served.set()


async def served(waiter: Waiter) -> None:
    """Return once ``waiter`` has had its turn."""
    await asyncio.wait_for(waiter.served.wait(), 5)


async def test_crowd_work_may_start_at_once_when_nobody_waits() -> None:
    pacer = CrowdPacer(asyncio.get_running_loop())
    assert pacer.may_start(Waiter(pacer, "a", []))


async def test_after_crowd_work_the_next_waits_for_its_rest() -> None:
    loop = asyncio.get_running_loop()
    pacer = CrowdPacer(loop)
    turns: list[str] = []
    pacer.spent(0.05)
    waiter = Waiter(pacer, "a", turns)
    assert not pacer.may_start(waiter)
    asked = loop.time()
    pacer.wait(waiter)
    await served(waiter)
    assert loop.time() - asked >= 0.045


async def test_waiters_take_their_turns_in_order_and_newcomers_queue_behind() -> None:
    loop = asyncio.get_running_loop()
    pacer = CrowdPacer(loop)
    turns: list[str] = []
    pacer.spent(0.01)
    for name in "abc":
        pacer.wait(Waiter(pacer, name, turns, cost=0.005))
    newcomer = Waiter(pacer, "late", turns)
    assert not pacer.may_start(newcomer)  # others wait: it queues too
    pacer.wait(newcomer)
    await served(newcomer)
    assert turns == ["a", "b", "c", "late"]
    assert pacer.waiting == 0


async def test_a_forgotten_waiter_never_gets_a_turn() -> None:
    pacer = CrowdPacer(asyncio.get_running_loop())
    turns: list[str] = []
    pacer.spent(0.01)
    gone, staying = Waiter(pacer, "gone", turns), Waiter(pacer, "staying", turns)
    pacer.wait(gone)
    pacer.wait(staying)
    pacer.forget(gone)
    await served(staying)  # first come, first served: gone's turn would have come before
    assert turns == ["staying"]


async def test_a_turn_not_taken_is_not_lost() -> None:
    pacer = CrowdPacer(asyncio.get_running_loop())
    turns: list[str] = []

    class Idle:
        def crowd_turn(self) -> None:
            turns.append("idle")  # had nothing to do after all: never asks may_start

    pacer.spent(0.005)
    pacer.wait(Idle())
    following = Waiter(pacer, "next", turns)
    pacer.wait(following)
    await served(following)
    assert turns == ["idle", "next"]


# -- on a real server ---------------------------------------------------------------------------


async def test_a_message_in_another_room_is_not_held_behind_a_join_storm(
    make_server: ServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A crowd of three, and a long rest after each JOIN to it: the storm of eight JOINs
    # takes many times what one takes, and the message to the calm room is sent after all
    # of them.
    monkeypatch.setattr("chinwag.server.core.CROWD", 3)
    monkeypatch.setattr("chinwag.transport.crowd.REST", 200.0)
    server = await make_server()
    address = server.addresses[0]
    for n in range(3):
        await IrcClient.registered(address, f"m{n}", "#storm")
    ana = await IrcClient.registered(address, "ana", "#calm")
    bo = await IrcClient.registered(address, "bo", "#calm")
    joiners = [await IrcClient.registered(address, f"j{n}") for n in range(8)]
    for joiner in joiners:
        await joiner.send("JOIN", "#storm")
    await ana.send("PRIVMSG", "#calm", "still here")

    await bo.expect(is_("PRIVMSG", "#calm", "still here"))
    storm = server.core.network.find_channel("#storm")
    assert storm is not None and len(storm.members) < 3 + len(joiners)

    for joiner in joiners:  # the storm is not lost, only spaced out
        await joiner.expect(is_("366", joiner.nick, "#storm", "End of /NAMES list"), timeout=30)
    assert len(storm.members) == 3 + len(joiners)

"""Client-side pacing (docs/security.md "Flood control"): the first-party clients write at
a pace below the server's announced limits, so a paste or a bot's burst never trips fakelag;
sans-I/O first, then a runner against a real server with fakelag on."""

from __future__ import annotations

import asyncio

import pytest

from chinwag.client import events as ev
from chinwag.client.pacing import DEFAULT_BURST, FloodLimits, Pacer, message_window
from chinwag.client.protocol import ClientProtocol
from chinwag.protocol.message import Message
from tests.client.test_runner import Launch, start  # noqa: F401  (a fixture)
from tests.conftest import ServerFactory


def lines(count: int, command: str = "PRIVMSG") -> bytes:
    return b"".join(b"%s #room :%d\r\n" % (command.encode(), i) for i in range(count))


def test_a_burst_goes_at_once_and_the_rest_at_the_rate_in_order() -> None:
    pacer = Pacer(0.0, burst=5, rate=2.0)
    pacer.push(lines(8))
    assert pacer.take(0.0) == lines(5)
    assert pacer.pending == 3
    assert pacer.wait(0.0) == pytest.approx(0.5)
    assert pacer.take(0.5).endswith(b":5\r\n")
    assert pacer.take(1.5) == b"PRIVMSG #room :6\r\nPRIVMSG #room :7\r\n"
    assert pacer.wait(1.5) is None


def test_pong_jumps_the_queue_and_quit_waits_its_turn() -> None:
    pacer = Pacer(0.0, burst=1, rate=1.0)
    pacer.push(lines(5))
    pacer.take(0.0)
    pacer.push(b"QUIT :bye\r\n")
    pacer.push(b"PONG :irc.test\r\n")
    assert pacer.take(0.0) == b"PONG :irc.test\r\n"
    assert pacer.drain_time(0.0) == pytest.approx(5.5)
    sent = b"".join(pacer.take(second + 0.5) for second in range(1, 6))
    assert sent.endswith(b":4\r\nQUIT :bye\r\n")
    assert pacer.pending == 0


def test_a_multiline_paste_costs_what_the_server_charges() -> None:
    pacer = Pacer(0.0, burst=10, rate=1.0)
    paste = b"BATCH +p draft/multiline #room\r\n"
    paste += b"".join(b"@batch=p PRIVMSG #room :line %d\r\n" % i for i in range(50))
    paste += b"BATCH -p\r\n"
    pacer.push(paste)
    assert pacer.take(0.0) == paste  # 1 + 50 * 0.1 + 1 lines' worth: within the burst


def test_chanlimits_sets_the_allowance_below_the_announced_limits() -> None:
    limits = FloodLimits()
    assert limits.allowance()[0] == DEFAULT_BURST
    for handler in limits.handlers().values():
        handler(Message("CHANLIMITS", ("*", "user:message=20/10,nick=2/60", "channel:join=5/1")))
    burst, rate = limits.allowance()
    assert burst == 16 and rate == pytest.approx(1.6)
    for handler in limits.handlers().values():
        handler(Message("CHANLIMITS", ("*", "*")))
    assert limits.allowance()[1] >= 1e9  # none: nothing waits
    assert message_window(("channel:message=1/1",)) is None
    assert message_window(("*",)) is None
    assert message_window(("user:repeat=3/5,message=4/8",)) == (4, 8)


def test_the_client_asks_for_the_capability_and_keeps_what_the_server_says() -> None:
    protocol = ClientProtocol("ana")
    protocol.register()
    protocol.data_to_send()
    protocol.receive(b":irc.test CAP * LS :draft/channel-flood-limits batch\r\n")
    assert b"draft/channel-flood-limits" in protocol.data_to_send()
    protocol.receive(b":irc.test CHANLIMITS * :user:message=40/4\r\n")
    assert protocol.flood_limits.network == (40, 4)


async def test_a_first_party_client_sending_200_lines_fast_is_never_cut_off(
    make_server: ServerFactory,
    start: Launch,  # noqa: F811
) -> None:
    # A quick allowance so the test is quick; the client learns it from CHANLIMITS.
    server = await make_server(fakelag=True, flood_burst=20, flood_rate=40.0, flood_max_lag=2.0)
    address = server.addresses[0]
    bot, bot_events, _ = await start(address, "bot", "#room")
    await bot_events.expect(ev.Names, lambda e: e.channel == "#room")
    _ana, ana_events, _ = await start(address, "ana", "#room")
    await ana_events.expect(ev.Names, lambda e: e.channel == "#room")
    assert bot.protocol.flood_limits.network == (20, 1)

    for i in range(200):
        bot.protocol.privmsg("#room", f"line {i:03d}")

    heard: list[str] = []
    async with asyncio.timeout(60):
        while len(heard) < 200:
            message = await ana_events.expect(ev.Message, timeout=60)
            heard.append(message.text)
    assert heard == [f"line {i:03d}" for i in range(200)]
    assert bot.connected
    assert server.core.metrics.counters.excess_flood_disconnects == 0
    assert server.core.metrics.counters.lines_delayed == 0


def test_a_new_allowance_keeps_counting_what_was_just_sent() -> None:
    pacer = Pacer(0.0, burst=10, rate=1.0)
    pacer.push(lines(10))
    pacer.take(0.0)
    pacer.configure(20, 2.0, 0.0)
    pacer.push(lines(15))
    # Ten of the new twenty are used already: ten more go now, not twenty.
    assert pacer.take(0.0).count(b"\r\n") == 10

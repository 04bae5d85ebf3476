"""Fakelag in the core (docs/security.md "Flood control"): a session that sends faster than
its allowance has its further lines held, in order, and handled as its allowance comes back;
past the hard limit it is closed with ``Excess Flood``. Nobody else waits for it.

The harness's clock moves by hand and has no timers: :meth:`ServerCore.tick` releases what
is due (the application's timer does it on time).
"""

from __future__ import annotations

from chinwag.config import Config, Limits, Operator, ServerInfo
from tests.server.harness import Client, Harness

SECRET = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$Cj4jH2xB4y4p7ZpB6i1p3Q"


def flood_harness(**limits: object) -> Harness:
    """A harness with fakelag on: 5 lines at once, then one a second, 10 s of lag at most."""
    settings: dict[str, object] = {"flood_burst": 5, "flood_rate": 1.0, "flood_max_lag": 10.0}
    settings.update(limits)
    return Harness(fakelag=True, **settings)


def settled(h: Harness, *nicks: str) -> list[Client]:
    """:meth:`Harness.room`, then a minute later: registering and joining used part of the
    allowance, which is full again by then."""
    clients = h.room(*nicks)
    h.clock.advance(60.0)
    return clients


def wait(h: Harness, seconds: float) -> None:
    """Let ``seconds`` pass, ticking every quarter second as the core's timers would fire."""
    for _ in range(round(seconds * 4)):
        h.clock.advance(0.25)
        h.core.tick()


def said(client: Client) -> list[str]:
    """The texts of the PRIVMSGs ``client`` received."""
    return [message.params[1] for message in client.take() if message.command == "PRIVMSG"]


def test_lines_past_the_burst_are_held_in_order_and_handled_as_the_allowance_returns() -> None:
    h = flood_harness()
    ana, bo = settled(h, "ana", "bo")
    counters = h.core.metrics.counters

    ana.send(*(f"PRIVMSG #room :{i}" for i in range(8)))

    assert said(bo) == ["0", "1", "2", "3", "4"]
    assert counters.lines_delayed == 1
    assert ana.session.lagged_until is not None
    wait(h, 1.0)
    assert said(bo) == ["5"]
    wait(h, 2.0)
    assert said(bo) == ["6", "7"]
    assert ana.session.lagged_until is None
    assert not ana.closed


def test_lines_sent_while_held_wait_behind_the_held_ones() -> None:
    h = flood_harness()
    ana, bo = settled(h, "ana", "bo")
    ana.send(*(f"PRIVMSG #room :{i}" for i in range(6)))
    ana.send("PRIVMSG #room :later")
    assert said(bo) == ["0", "1", "2", "3", "4"]
    wait(h, 5.0)
    assert said(bo) == ["5", "later"]


def test_others_in_the_room_are_not_delayed_by_a_flooder() -> None:
    h = flood_harness()
    ana, bo, cy = settled(h, "ana", "bo", "cy")
    ana.send(*(f"PRIVMSG #room :flood {i}" for i in range(9)))
    assert ana.session.lagged_until is not None
    said(cy)

    bo.send("PRIVMSG #room :hello")

    assert said(cy) == ["hello"]
    assert bo.session.lagged_until is None


def test_past_the_hard_limit_the_flooder_is_cut_off_with_excess_flood() -> None:
    h = flood_harness()
    ana, bo = settled(h, "ana", "bo")

    ana.send(*(f"PRIVMSG #room :{i}" for i in range(100)))

    assert ana.closed
    assert any("Excess Flood" in line and line.startswith("ERROR") for line in ana.raw())
    quits = [m for m in bo.take() if m.command == "QUIT"]
    assert quits and "Excess Flood" in quits[0].params[0]
    assert h.core.metrics.counters.excess_flood_disconnects == 1
    assert h.core.network.find_user("ana") is None


def test_a_client_that_slows_to_the_rate_is_held_but_never_cut_off() -> None:
    h = flood_harness()
    ana, bo = settled(h, "ana", "bo")
    ana.send(*(f"PRIVMSG #room :burst {i}" for i in range(8)))
    for second in range(60):
        ana.send(f"PRIVMSG #room :{second}")
        wait(h, 1.0)
    wait(h, 5.0)
    assert not ana.closed
    expected = [f"burst {i}" for i in range(8)] + [str(second) for second in range(60)]
    assert said(bo) == expected


def test_normal_typing_is_never_held() -> None:
    h = flood_harness(flood_burst=20, flood_rate=2.0)
    ana, bo = settled(h, "ana", "bo")
    for i in range(200):
        ana.send(f"PRIVMSG #room :line {i}")
        h.clock.advance(1.5)
    assert len(said(bo)) == 200
    assert h.core.metrics.counters.lines_delayed == 0


def test_a_fifty_line_multiline_paste_is_not_held() -> None:
    h = flood_harness(flood_burst=20, flood_rate=2.0)
    caps = ["batch", "draft/multiline", "message-tags"]
    ana, bo = h.client("ana", caps), h.client("bo", caps)
    h.join("#room", ana, bo)
    h.clock.advance(60.0)
    for paste in range(2):
        lines = [f"BATCH +p{paste} draft/multiline #room"]
        lines += [f"@batch=p{paste} PRIVMSG #room :line {i}" for i in range(50)]
        lines.append(f"BATCH -p{paste}")
        ana.send(*lines)
    assert h.core.metrics.counters.lines_delayed == 0
    assert ana.session.held_lines is None
    received = bo.take()
    assert sum(1 for m in received if m.command == "PRIVMSG") == 100


def test_the_same_paste_line_by_line_is_held_but_delivered() -> None:
    h = flood_harness(flood_burst=20, flood_rate=2.0, flood_max_lag=30.0)
    ana, bo = settled(h, "ana", "bo")
    ana.send(*(f"PRIVMSG #room :line {i}" for i in range(50)))
    assert h.core.metrics.counters.lines_delayed > 0
    wait(h, 20.0)
    assert said(bo) == [f"line {i}" for i in range(50)]
    assert not ana.closed


def test_operators_are_exempt() -> None:
    config = Config(
        server=ServerInfo(name="irc.test", network="TestNet"),
        limits=Limits(flood_burst=5, flood_rate=1.0, flood_max_lag=10.0),
        operators=(Operator("admin", SECRET, "*"),),
    )
    h = Harness(config, fakelag=True)
    ana, bo = settled(h, "ana", "bo")
    h.user("ana").modes |= {"o"}  # as OPER grants it
    ana.send(*(f"PRIVMSG #room :{i}" for i in range(100)))
    assert len(said(bo)) == 100
    assert not ana.closed
    assert h.core.metrics.counters.lines_delayed == 0


def test_exempt_addresses_are_exempt_and_others_are_not() -> None:
    h = flood_harness(flood_exempt_cidrs=("192.0.2.0/24",))
    trusted = h.connect("192.0.2.7").register("bot")
    other = h.connect("198.51.100.1").register("ana")
    bo = h.client("bo")
    h.join("#room", trusted, other, bo)
    h.clock.advance(60.0)
    trusted.send(*(f"PRIVMSG #room :{i}" for i in range(100)))
    assert len(said(bo)) == 100
    other.send(*(f"PRIVMSG #room :{i}" for i in range(100)))
    assert other.closed


def test_exempt_accounts_are_exempt_once_logged_in() -> None:
    h = flood_harness(flood_exempt_accounts=("Bot",))
    bot = h.connect()
    bot.send("NICK bot", "USER bot 0 * :bot", "REGISTER * * :a long enough password")
    bo = h.client("bo")
    h.join("#room", bot, bo)
    h.clock.advance(60.0)
    assert h.user("bot").account == "bot"
    bot.send(*(f"PRIVMSG #room :{i}" for i in range(100)))
    assert len(said(bo)) == 100
    assert not bot.closed


def test_heavy_commands_use_up_the_allowance_faster() -> None:
    h = flood_harness()
    ana = h.client("ana")
    h.clock.advance(60.0)
    ana.send("LIST", "LIST")  # 3 lines' worth each
    assert ana.session.lagged_until is not None


def test_a_held_session_that_hangs_up_still_has_its_lines_handled() -> None:
    h = flood_harness()
    ana, bo = settled(h, "ana", "bo")
    ana.send(*(f"PRIVMSG #room :{i}" for i in range(7)))
    h.core.connection_lost(ana.session)
    wait(h, 3.0)
    assert said(bo)[-2:] == ["5", "6"]


def test_the_transport_is_told_when_the_held_lines_are_done() -> None:
    h = flood_harness()
    ana, _bo = settled(h, "ana", "bo")
    resumed: list[bool] = []

    class Reader:
        def resume_input(self) -> None:
            resumed.append(True)

        def hold_input(self) -> None:
            pass

    ana.session.reader = Reader()
    ana.send(*(f"PRIVMSG #room :{i}" for i in range(7)))
    assert not resumed
    wait(h, 3.0)
    assert resumed == [True]

"""Always-on accounts (issue 16, :mod:`chinwag.server.services.alwayson`): a logged-in user
whose last session ends stays in its channels with its nick, shown away; a login to its
account, and only that, brings a session back to it, with its channels, what it missed and
its read markers."""

from __future__ import annotations

import base64
import dataclasses
import time

import pytest

from chinwag.config import AccountSettings, Config, Operator, ServerInfo
from chinwag.protocol import numerics as n
from chinwag.protocol.message import Message
from chinwag.server.metrics import CountersCollector
from chinwag.server.services import alwayson
from tests.server.commands.test_accounts import PASSWORD, owner_logs_in, register
from tests.server.commands.test_users import SECRET
from tests.server.harness import HOST, Client, Harness

ANA = f"ana!~ana@{HOST}"


def accounts(mode: str = "opt-out") -> AccountSettings:
    return AccountSettings(
        argon2_time_cost=1, argon2_memory_kib=64, argon2_parallelism=1, always_on=mode
    )


def harness(mode: str = "opt-out") -> Harness:
    return Harness(
        Config(
            server=ServerInfo(name="irc.test", network="TestNet"),
            accounts=accounts(mode),
            operators=(Operator("admin", SECRET, "*"),),
        )
    )


def ana_in_room(h: Harness, caps: tuple[str, ...] = ()) -> tuple[Client, Client]:
    """ana (registered and logged in) and bo (away-notify) in #room; inboxes emptied."""
    ana = h.client("ana", caps=caps)
    assert register(ana)[0][:2] == ("REGISTER", "SUCCESS")
    bo = h.client("bo", caps=["away-notify", "standard-replies"])
    h.join("#room", ana, bo)
    return ana, bo


def ghost(h: Harness) -> Client:
    """ana always-on with no session left, in #room with bo, who is returned."""
    ana, bo = ana_in_room(h)
    ana.send("QUIT :bye")
    bo.take()
    return bo


def sasl(h: Harness, nick: str, account: str, password: str, caps: tuple[str, ...] = ()) -> Client:
    client = h.connect()
    client.send("CAP LS 302", "CAP REQ :" + " ".join(("sasl", *caps)))
    client.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}", "AUTHENTICATE PLAIN")
    token = base64.b64encode(f"\0{account}\0{password}".encode()).decode()
    client.send(f"AUTHENTICATE {token}", "CAP END")
    return client


def said(messages: list[Message], command: str = "PRIVMSG") -> list[str]:
    return [m.params[-1] for m in messages if m.command == command]


# -- the last session ends -------------------------------------------------------------------


def test_the_last_disconnect_keeps_membership_and_nick_and_shows_the_user_away() -> None:
    h = harness()
    ana, bo = ana_in_room(h)
    ana.send("QUIT :bye")
    assert bo.events() == [(ANA, "AWAY", ("Not connected",))]
    user = h.user("ana")
    assert user in h.channel("#room").members and not user.sessions
    bo.send("PRIVMSG ana :are you there?")
    replies = bo.lines()
    assert (n.RPL_AWAY, "bo", "ana", "Not connected") in replies
    assert any(line[:3] == ("NOTE", "PRIVMSG", "DELIVERED_LATER") for line in replies)
    bo.send("NICK ana")
    assert bo.lines()[0][:3] == (n.ERR_NICKNAMEINUSE, "bo", "ana")


def test_an_account_with_always_on_off_quits_as_before() -> None:
    h = harness("opt-in")
    ana, bo = ana_in_room(h)
    ana.send("QUIT :bye")
    assert bo.events() == [(ANA, "QUIT", ("Quit: bye",))]
    assert h.core.network.find_user("ana") is None


def test_a_user_without_an_account_is_never_always_on() -> None:
    h = harness("mandatory")
    ana, bo = ana_in_room(h)
    bo.send("QUIT :bye")
    assert ana.events() == [(f"bo!~bo@{HOST}", "QUIT", ("Quit: bye",))]
    assert h.core.network.find_user("bo") is None


def test_an_away_set_by_the_user_stays_through_the_disconnect_and_the_return() -> None:
    h = harness()
    ana, bo = ana_in_room(h)
    ana.send("AWAY :lunch")
    bo.take()
    ana.send("QUIT")
    assert bo.take() == []
    back = owner_logs_in(h)
    back.take()
    assert h.user("ana").away == "lunch"
    assert bo.take() == []


# -- coming back -------------------------------------------------------------------------------


def test_a_sasl_login_attaches_to_the_ghost_with_the_channel_burst_and_nobody_sees_a_join() -> None:
    h = harness()
    ana, bo = ana_in_room(h)
    ana.send("TOPIC #room :news", "QUIT")
    bo.take()
    back = sasl(h, "whoever", "ana", PASSWORD, caps=("extended-join",))
    lines = back.lines()
    welcome = next(line for line in lines if line[0] == n.RPL_WELCOME)
    assert welcome[1] == "ana"
    burst = [line for line in lines if line[0] in ("JOIN", n.RPL_TOPIC, n.RPL_NAMREPLY)]
    assert burst == [
        ("JOIN", "#room", "ana", "ana Example"),
        (n.RPL_TOPIC, "ana", "#room", "news"),
        (n.RPL_NAMREPLY, "ana", "=", "#room", "@ana bo"),
    ]
    assert bo.events() == [(ANA, "AWAY", ())]  # back: no JOIN, no QUIT
    assert h.user("ana").sessions == [back.session]


def test_two_sessions_both_hear_the_room_and_a_direct_message_and_one_leaving_is_silent() -> None:
    h = harness()
    ana, bo = ana_in_room(h)
    second = owner_logs_in(h)
    second.take()
    assert len(h.user("ana").sessions) == 2
    assert bo.take() == []
    bo.send("PRIVMSG #room :to the room", "PRIVMSG ana :to you")
    for client in (ana, second):
        assert said(client.take()) == ["to the room", "to you"]
    ana.send("PRIVMSG #room :from one device")
    assert said(second.take()) == ["from one device"]
    assert said(bo.take()) == ["from one device"]
    ana.send("QUIT")
    assert bo.take() == []
    assert h.user("ana").sessions == [second.session]


def test_a_login_after_registration_moves_the_session_onto_the_ghost() -> None:
    h = harness()
    bo = ghost(h)
    temp = h.client("temp")
    cy = h.client("cy")
    h.join("#side", temp, cy)
    temp.send(f"PRIVMSG NickServ :IDENTIFY ana {PASSWORD}")
    events = temp.events()
    assert (f"temp!~temp@{HOST}", "NICK", ("ana",)) in events
    assert ("JOIN", ("#room",)) in [(command, params) for _, command, params in events]
    assert cy.events() == [(f"temp!~temp@{HOST}", "QUIT", ("Logged in as ana",))]
    assert bo.events() == [(ANA, "AWAY", ())]
    assert h.user("ana").sessions == [temp.session]
    assert h.core.network.find_user("temp") is None


def test_a_client_without_chathistory_gets_what_it_missed_and_the_read_markers() -> None:
    h = harness()
    bo = ghost(h)
    h.clock.advance(1)
    bo.send("PRIVMSG #room :one", "PRIVMSG #room :two")
    back = owner_logs_in(h, caps=("batch", "server-time", "draft/read-marker"))
    messages = back.take()
    assert said(messages) == ["one", "two"]
    assert all("time" in m.tags for m in messages if m.command == "PRIVMSG")
    commands = [m.command for m in messages]
    # read-marker spec: the marker comes with the JOIN, before the end of NAMES.
    assert commands.index("JOIN") < commands.index("MARKREAD") < commands.index(n.RPL_ENDOFNAMES)
    marker = next(m for m in messages if m.command == "MARKREAD")
    assert marker.params == ("#room", "*")


def test_the_replay_holds_only_what_was_said_while_away() -> None:
    h = harness()
    ana, bo = ana_in_room(h)
    bo.send("PRIVMSG #room :before")
    time.sleep(0.002)  # history keeps whole milliseconds: a line of the same one may count
    ana.send("QUIT")
    bo.send("PRIVMSG #room :after")
    back = owner_logs_in(h)
    assert said(back.take()) == ["after"]


def test_a_client_with_chathistory_gets_no_replay_but_chathistory_has_the_missed_lines() -> None:
    h = harness()
    bo = ghost(h)
    bo.send("PRIVMSG #room :while you were out")
    back = owner_logs_in(h, caps=("batch", "draft/chathistory"))
    assert said(back.take()) == []
    back.send("CHATHISTORY LATEST #room * 10")
    assert "while you were out" in said(back.take())


def test_the_read_marker_set_before_leaving_comes_back_with_the_channel() -> None:
    h = harness()
    ana, _ = ana_in_room(h, caps=("draft/read-marker",))
    ana.send("MARKREAD #room timestamp=2026-01-01T10:00:00.000Z", "QUIT")
    back = owner_logs_in(h, caps=("draft/read-marker",))
    marker = next(m for m in back.take() if m.command == "MARKREAD")
    assert marker.params == ("#room", "timestamp=2026-01-01T10:00:00.000Z")


def test_direct_messages_to_the_ghost_wait_for_the_login() -> None:
    h = harness()
    bo = ghost(h)
    bo.send("PRIVMSG ana :psst")
    back = owner_logs_in(h)
    assert said(back.take()) == ["psst"]


# -- nobody else gets in ------------------------------------------------------------------------


def test_a_wrong_password_does_not_attach_and_the_nick_stays_the_ghosts() -> None:
    h = harness()
    ghost(h)
    intruder = sasl(h, "ana", "ana", "wrong password")
    lines = intruder.lines()
    assert n.ERR_SASLFAIL in [line[0] for line in lines]
    assert (n.ERR_NICKNAMEINUSE, "*", "ana", "Nickname is already in use") in lines
    assert h.user("ana").sessions == []


def test_another_account_asking_for_the_nick_is_refused_and_reads_nothing_of_the_ghosts() -> None:
    h = harness()
    bo = ghost(h)
    bo.send("PRIVMSG ana :a secret for ana")
    eve = h.client("eve")
    register(eve)
    eve.send("PRIVMSG NickServ :SET ALWAYS-ON OFF", "QUIT")
    intruder = sasl(h, "ana", "eve", PASSWORD, caps=("batch", "draft/chathistory"))
    lines = intruder.lines()
    assert (n.ERR_NICKNAMEINUSE, "*", "ana", "Nickname is already in use") in lines
    intruder.send("NICK eve2")
    intruder.take()
    assert intruder.session.user is not h.user("ana")
    intruder.send("CHATHISTORY LATEST ana * 10", "CHATHISTORY LATEST bo * 10")
    assert "a secret for ana" not in said(intruder.take())
    assert h.user("ana").sessions == []


def test_a_nickserv_identify_with_a_wrong_password_moves_nothing() -> None:
    h = harness()
    bo = ghost(h)
    temp = h.client("temp")
    temp.send("PRIVMSG NickServ :IDENTIFY ana not-the-password")
    assert "Invalid password for ana." in said(temp.take(), "NOTICE")
    assert h.user("ana").sessions == [] and h.user("temp").sessions == [temp.session]
    assert bo.take() == []


# -- NickServ SET ALWAYS-ON / AWAY-MESSAGE -----------------------------------------------------


def nickserv(client: Client, text: str) -> list[str]:
    client.send(f"PRIVMSG NickServ :{text}")
    return said(client.take(), "NOTICE")


@pytest.mark.parametrize(
    ("mode", "answer", "stays"),
    [
        ("opt-out", "Always-on is off for ana; SET ALWAYS-ON ON or OFF changes it.", False),
        ("opt-in", "Always-on is off for ana; SET ALWAYS-ON ON or OFF changes it.", False),
        ("disabled", "Always-on is off: this server does not offer it.", False),
        ("mandatory", "Always-on is on: this server keeps every account always-on.", True),
    ],
)
def test_set_always_on_off_under_each_mode(mode: str, answer: str, stays: bool) -> None:
    h = harness(mode)
    ana, _ = ana_in_room(h)
    assert nickserv(ana, "SET ALWAYS-ON OFF") == [answer]
    ana.send("QUIT")
    assert (h.core.network.find_user("ana") is not None) is stays


@pytest.mark.parametrize(
    ("mode", "answer", "stays"),
    [
        ("opt-out", "Always-on is on for ana; SET ALWAYS-ON ON or OFF changes it.", True),
        ("opt-in", "Always-on is on for ana; SET ALWAYS-ON ON or OFF changes it.", True),
        ("disabled", "Always-on is off: this server does not offer it.", False),
        ("mandatory", "Always-on is on: this server keeps every account always-on.", True),
    ],
)
def test_set_always_on_on_under_each_mode(mode: str, answer: str, stays: bool) -> None:
    h = harness(mode)
    ana, _ = ana_in_room(h)
    assert nickserv(ana, "SET ALWAYS-ON ON") == [answer]
    ana.send("QUIT")
    assert (h.core.network.find_user("ana") is not None) is stays


def test_set_always_on_alone_and_info_show_the_setting_to_its_owner_only() -> None:
    h = harness("opt-in")
    ana, bo = ana_in_room(h)
    expected = "Always-on is off for ana; SET ALWAYS-ON ON or OFF changes it."
    assert nickserv(ana, "SET ALWAYS-ON") == [expected]
    assert expected in nickserv(ana, "INFO")
    assert not any("Always-on" in line for line in nickserv(bo, "INFO ana"))
    assert nickserv(bo, "SET ALWAYS-ON ON") == ["You are not logged in."]


def test_the_setting_is_kept_with_the_account() -> None:
    h = harness("opt-in")
    ana, _ = ana_in_room(h)
    nickserv(ana, "SET ALWAYS-ON ON")
    account = h.core.deps.accounts.get("ana")
    assert account is not None and account.settings == {"always-on": "on"}


def test_the_away_message_is_the_accounts_own_and_empty_restores_the_default() -> None:
    h = harness()
    ana, bo = ana_in_room(h)
    assert nickserv(ana, "SET AWAY-MESSAGE gone fishing") == [
        "While you are not connected your away message is: gone fishing"
    ]
    ana.send("QUIT")
    assert bo.events() == [(ANA, "AWAY", ("gone fishing",))]
    back = owner_logs_in(h)
    back.take()
    assert nickserv(back, "SET AWAY-MESSAGE") == [
        "While you are not connected your away message is: the server's default (Not connected)"
    ]


def test_a_reload_that_disables_always_on_quits_the_ghosts() -> None:
    h = harness()
    bo = ghost(h)
    config = h.core.config
    h.core.reconfigure(dataclasses.replace(config, accounts=accounts("disabled")))
    assert bo.events() == [(ANA, "QUIT", ("Always-on turned off",))]
    assert h.core.network.find_user("ana") is None


def test_info_says_a_ghost_is_not_connected() -> None:
    h = harness()
    bo = ghost(h)
    assert any(
        "online as ana (always-on, not connected)" in line for line in nickserv(bo, "INFO ana")
    )


# -- KILL and DROP ------------------------------------------------------------------------------


def test_kill_of_a_ghost_removes_it_for_good() -> None:
    h = harness()
    bo = ghost(h)
    bo.send("OPER admin secret", "KILL ana :begone")
    assert ("ana!~ana@" + HOST, "QUIT", ("Killed (bo (begone))",)) in bo.events()
    assert h.core.network.find_user("ana") is None


def test_kill_of_a_connected_always_on_user_does_not_leave_a_ghost() -> None:
    h = harness()
    ana, bo = ana_in_room(h)
    bo.send("OPER admin secret", "KILL ana :begone")
    assert ana.closed
    assert h.core.network.find_user("ana") is None


def test_drop_ends_always_on() -> None:
    h = harness()
    ana, bo = ana_in_room(h)
    assert nickserv(ana, f"DROP {PASSWORD}") == ["Account ana has been dropped."]
    bo.take()
    ana.send("QUIT :bye")
    assert bo.events() == [(ANA, "QUIT", ("Quit: bye",))]
    assert h.core.network.find_user("ana") is None


# -- metrics ------------------------------------------------------------------------------------


def gauges(h: Harness) -> dict[str, float]:
    collector = CountersCollector(h.core.metrics.counters, h.core.network, dict)
    return {
        family.name: family.samples[0].value
        for family in collector.collect()
        if family.name.startswith("chinwag_always_on")
    }


def test_metrics_count_always_on_users_and_those_without_a_session() -> None:
    h = harness()
    ana, _ = ana_in_room(h)
    assert gauges(h) == {"chinwag_always_on_users": 1, "chinwag_always_on_disconnected": 0}
    ana.send("QUIT")
    assert gauges(h) == {"chinwag_always_on_users": 1, "chinwag_always_on_disconnected": 1}


# -- echo-message with several sessions -------------------------------------------------------


def test_each_session_hears_its_own_line_once_and_the_other_device_once() -> None:
    h = harness()
    ana, bo = ana_in_room(h, caps=("echo-message",))
    second = owner_logs_in(h)
    second.take()
    ana.send("PRIVMSG #room :hello", "PRIVMSG ana :note to self")
    assert said(ana.take()) == ["hello", "note to self"]
    assert said(second.take()) == ["hello", "note to self"]
    assert said(bo.take()) == ["hello"]


# -- saving for a restart --------------------------------------------------------------------------


async def saved(h: Harness) -> list[tuple[str, tuple[tuple[str, str], ...], str | None]]:
    return [(each.nick, each.channels, each.away) for each in await h.store.always_on_users()]


async def test_the_ticker_saves_always_on_users_and_forgets_one_that_is_killed() -> None:
    h = harness()
    ana, bo = ana_in_room(h)
    ana.send("JOIN #side", "AWAY :lunch")
    h.core.tick()
    assert await saved(h) == [("ana", (("#room", "o"), ("#side", "o")), "lunch")]
    ana.send("QUIT")
    bo.send("OPER admin secret", "KILL ana :begone")
    h.core.tick()
    assert await saved(h) == []


async def saved_rooms(h: Harness) -> dict[str, tuple[str, str | None, str]]:
    return {
        each.name: (each.modes, each.key, each.topic) for each in await h.store.always_on_channels()
    }


async def test_the_ticker_saves_the_channels_of_always_on_users_and_each_change_to_them() -> None:
    h = harness()
    ana, bo = ana_in_room(h)
    bo.send("JOIN #bos")  # nobody always-on in it: nothing to keep
    ana.send("MODE #room +ik sekrit", "TOPIC #room :members only")
    h.core.tick()
    assert await saved_rooms(h) == {"#room": ("int", "sekrit", "members only")}

    # Only the room changed (not ana): the next tick saves it again.
    ana.send("MODE #room -k+b sekrit mal!*@*", "TOPIC #room :still private")
    h.core.tick()
    assert await saved_rooms(h) == {"#room": ("int", None, "still private")}
    [room] = await h.store.always_on_channels()
    assert [(ban.mask, ban.set_by) for ban in room.bans] == [("mal!*@*", ANA)]

    ana.send("PART #room")
    h.core.tick()
    assert await saved_rooms(h) == {}


def test_a_channel_made_again_from_its_saved_state_is_the_channel_that_was_saved() -> None:
    h = harness()
    ana, _ = ana_in_room(h)
    ana.send(
        "MODE #room +imsl 5",
        "MODE #room +kbeI sekrit mal!*@* mal!*@friendly *!*@trusted",
        "TOPIC #room :members only",
    )
    room = h.channel("#room")
    state = alwayson.channel_state(room)
    again = alwayson.made_again(state)
    assert (again.name, again.created, again.modes, again.key, again.limit) == (
        "#room",
        room.created,
        {"i", "m", "n", "s", "t"},
        "sekrit",
        5,
    )
    assert (again.topic, again.topic_by, again.topic_at) == (
        room.topic,
        room.topic_by,
        room.topic_at,
    )
    assert again.bans == room.bans and again.excepts == room.excepts
    assert again.invexes == room.invexes and again.is_private
    assert not again.members
    assert alwayson.channel_state(again) == state

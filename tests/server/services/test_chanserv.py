"""ChanServ: registering channels (issue 17, "Moderation"), on the harness.

A registered room keeps its founder, access list and state; these tests drive ChanServ's
commands and what registration changes for JOIN, PART and account drops. The restart itself
is tests/server/test_app_chanserv.py.
"""

from __future__ import annotations

from chinwag.protocol.message import Message
from tests.server.harness import Client, Harness

PASSWORD = "correct-horse-battery"
CHANSERV = "ChanServ!ChanServ@services"


def says(client: Client) -> list[str]:
    """What ChanServ told the client since the last read."""
    return [m.params[1] for m in client.take() if m.command == "NOTICE" and m.source == CHANSERV]


def modes_by_chanserv(messages: list[Message]) -> list[tuple[str, ...]]:
    return [m.params for m in messages if m.command == "MODE" and m.source == CHANSERV]


def account(h: Harness, nick: str) -> Client:
    """A client registered as ``nick`` with an account of the same name, logged in."""
    client = h.client(nick)
    client.send(f"PRIVMSG NickServ :REGISTER {PASSWORD}")
    client.take()
    return client


def registered_room(h: Harness, channel: str = "#room") -> Client:
    """ana, logged in, who created ``channel`` and registered it."""
    ana = account(h, "ana")
    h.join(channel, ana)
    ana.send(f"PRIVMSG ChanServ :REGISTER {channel}")
    assert says(ana) == [f"{channel} is registered; ana is its founder."]
    return ana


# -- REGISTER ------------------------------------------------------------------------------------


def test_an_operator_logged_in_registers_the_room_and_becomes_its_founder() -> None:
    h = Harness()
    registered_room(h)
    registration = h.channel("#room").registration
    assert registration is not None
    assert registration.founder == "ana"


def test_register_is_refused_without_a_login() -> None:
    h = Harness()
    [bo] = h.room("bo")
    bo.send("PRIVMSG ChanServ :REGISTER #room")
    assert says(bo) == ["You must be logged in to register a channel (/msg NickServ HELP)."]
    assert h.channel("#room").registration is None


def test_register_is_refused_to_a_member_who_is_not_an_operator() -> None:
    h = Harness()
    h.room("op")
    bo = account(h, "bo")
    h.join("#room", bo)
    bo.send("CS REGISTER #room")
    assert says(bo) == ["You must be an operator of #room to register it."]
    assert h.channel("#room").registration is None


def test_register_is_refused_outside_the_room_and_for_a_registered_one() -> None:
    h = Harness()
    ana = registered_room(h)
    ana.send("CHANSERV REGISTER #room")
    assert says(ana) == ["#room is already registered."]
    bo = account(h, "bo")
    bo.send("PRIVMSG ChanServ :REGISTER #room")
    assert says(bo) == ["You must be in #room to register it."]
    registration = h.channel("#room").registration
    assert registration is not None and registration.founder == "ana"


# -- what registration changes -------------------------------------------------------------------


def test_a_registered_room_stays_when_everyone_leaves() -> None:
    h = Harness()
    ana = registered_room(h)
    ana.send("PART #room")
    assert h.core.network.find_channel("#room") is not None
    ana.send("QUIT")
    assert h.core.network.find_channel("#room") is not None


def test_the_founder_gets_op_on_joining_and_a_stranger_first_in_gets_nothing() -> None:
    h = Harness()
    ana = registered_room(h)
    ana.send("PART #room")
    eve = h.client("eve")
    eve.send("JOIN #room")
    eve.take()
    assert h.channel("#room").members[h.user("eve")] == set()
    ana.take()
    ana.send("JOIN #room")
    assert ("#room", "+o", "ana") in modes_by_chanserv(ana.take())
    assert ("#room", "+o", "ana") in modes_by_chanserv(eve.take())
    assert h.channel("#room").is_operator(h.user("ana"))


def test_the_founder_is_not_opped_in_an_unregistered_room_of_the_same_name() -> None:
    h = Harness()
    ana = registered_room(h)
    ana.send("CS DROP #room")
    assert says(ana) == ["#room is no longer registered."]
    ana.send("PART #room")
    assert h.core.network.find_channel("#room") is None  # empty and unregistered: gone
    eve = h.client("eve")
    h.join("#room", eve)
    ana.send("JOIN #room")
    assert modes_by_chanserv(ana.take()) == []
    assert not h.channel("#room").is_operator(h.user("ana"))


# -- AMODE, OP -----------------------------------------------------------------------------------


def test_amode_gives_an_account_op_now_and_whenever_it_joins() -> None:
    h = Harness()
    ana = registered_room(h)
    bo = account(h, "bo")
    h.join("#room", bo)
    ana.send("CS AMODE #room +o bo")
    replies = ana.take()
    assert ("#room", "+o", "bo") in modes_by_chanserv(replies)
    assert "bo gets +o when joining #room." in [
        m.params[1] for m in replies if m.command == "NOTICE"
    ]
    assert h.channel("#room").is_operator(h.user("bo"))
    bo.send("PART #room")
    bo.take()
    bo.send("JOIN #room")
    assert ("#room", "+o", "bo") in modes_by_chanserv(bo.take())


def test_amode_voice_and_its_removal() -> None:
    h = Harness()
    ana = registered_room(h)
    bo = account(h, "bo")
    h.join("#room", bo)
    ana.send("CS AMODE #room +v bo")
    assert h.channel("#room").members[h.user("bo")] == {"v"}
    ana.take()
    ana.send("CS AMODE #room -v bo")
    assert ("#room", "-v", "bo") in modes_by_chanserv(ana.take())
    assert h.channel("#room").members[h.user("bo")] == set()
    registration = h.channel("#room").registration
    assert registration is not None and registration.access == {}


def test_amode_changes_are_the_founders_alone() -> None:
    h = Harness()
    registered_room(h)
    bo = account(h, "bo")
    h.join("#room", bo)
    bo.send("CS AMODE #room +o bo")
    assert says(bo) == ["Only the founder of #room can do that."]
    assert not h.channel("#room").is_operator(h.user("bo"))


def test_amode_of_an_account_that_does_not_exist_is_refused() -> None:
    h = Harness()
    ana = registered_room(h)
    ana.send("CS AMODE #room +o nobody")
    assert says(ana) == ["There is no account nobody."]


def test_the_access_list_is_shown_to_the_founder_and_operators_not_to_a_stranger() -> None:
    h = Harness()
    ana = registered_room(h)
    account(h, "bo")
    ana.send("CS AMODE #room +v bo")
    ana.take()
    ana.send("CS AMODE #room")
    assert says(ana) == ["#room's access list (1):", "  bo: +v"]
    eve = h.client("eve")
    h.join("#room", eve)
    eve.send("CS AMODE #room")
    assert says(eve) == ["Only the founder and operators of #room can see its access list."]
    eve.send("CS INFO #room")
    (line,) = says(eve)
    assert line.startswith("#room was registered ") and line.endswith(" by ana (founder).")
    ana.send("CS INFO #room")
    assert says(ana)[1:] == ["#room's access list (1):", "  bo: +v"]


def test_info_of_a_secret_room_is_not_given_to_a_non_member() -> None:
    h = Harness()
    ana = registered_room(h, "#hidden")
    ana.send("MODE #hidden +s")
    eve = h.client("eve")
    eve.send("CS INFO #hidden")
    assert says(eve) == ["#hidden is not registered."]
    eve.send("CS INFO #nothing")
    assert says(eve) == ["#nothing is not registered."]


def test_op_gives_the_founder_back_its_status() -> None:
    h = Harness()
    ana = registered_room(h)
    bo = account(h, "bo")
    h.join("#room", bo)
    ana.send("MODE #room +o bo")
    bo.send("MODE #room -o ana")
    assert not h.channel("#room").is_operator(h.user("ana"))
    ana.take()
    ana.send("CS OP #room")
    assert ("#room", "+o", "ana") in modes_by_chanserv(ana.take())
    eve = h.client("eve")
    h.join("#room", eve)
    eve.send("CS OP #room")
    assert says(eve) == ["You are not logged in."]
    bo.take()
    bo.send("CS OP #room")
    assert says(bo) == ["Your account has no status in #room."]
    bo.send("CS OP #room eve")
    assert says(bo) == ["Only the founder of #room can op someone else."]
    ana.send("CS OP #room eve")
    assert h.channel("#room").is_operator(h.user("eve"))


# -- DROP, TRANSFER, accounts dropped ------------------------------------------------------------


def test_drop_is_the_founders_or_a_server_operators() -> None:
    h = Harness()
    registered_room(h)
    bo = account(h, "bo")
    bo.send("CS DROP #room")
    assert says(bo) == ["Only the founder of #room can do that."]
    assert h.channel("#room").registration is not None
    olga = h.client("olga")
    h.user("olga").modes |= {"o"}
    olga.send("CS DROP #room")
    assert says(olga) == ["#room is no longer registered."]
    assert h.channel("#room").registration is None


def test_transfer_makes_another_account_the_founder() -> None:
    h = Harness()
    ana = registered_room(h)
    bo = account(h, "bo")
    bo.send("CS TRANSFER #room bo")
    assert says(bo) == ["Only the founder of #room can do that."]
    ana.send("CS TRANSFER #room bo")
    assert says(ana) == ["bo is now the founder of #room."]
    ana.send("CS DROP #room")
    assert says(ana) == ["Only the founder of #room can do that."]


def test_dropping_the_founders_account_unregisters_its_rooms_and_access() -> None:
    h = Harness()
    ana = registered_room(h)
    account(h, "bo")
    ana.send("CS AMODE #room +o bo")
    bo_room = registered_room_by(h, "bo", "#bo")
    bo_room.send("CS AMODE #bo +o ana")
    bo_room.take()
    ana.send(f"NS DROP {PASSWORD}")
    ana.take()
    assert h.channel("#room").registration is None
    registration = h.channel("#bo").registration
    assert registration is not None and registration.access == {}


def registered_room_by(h: Harness, nick: str, channel: str) -> Client:
    """The logged-in user ``nick`` (an existing account) in a new connection registers a new
    ``channel``."""
    client = h.client(f"{nick}_2")
    client.send(f"NS IDENTIFY {nick} {PASSWORD}")
    h.join(channel, client)
    client.send(f"CS REGISTER {channel}")
    assert says(client) == [f"{channel} is registered; {nick} is its founder."]
    return client


# -- persistence ---------------------------------------------------------------------------------


async def test_chanserv_saves_its_changes_at_once() -> None:
    h = Harness()
    ana = registered_room(h)
    account(h, "bo")
    ana.send("CS AMODE #room +v bo")
    [saved] = await h.store.registered_channels()
    assert saved.state.name == "#room"
    assert saved.founder == "ana"
    assert saved.access == (("bo", "v"),)
    ana.send("CS DROP #room")
    assert await h.store.registered_channels() == []


async def test_the_ticker_saves_a_registered_rooms_mode_and_topic_and_follows_a_rename() -> None:
    h = Harness()
    ana = registered_room(h)
    ana.send("MODE #room +k sekrit", "TOPIC #room :ours")
    h.core.save_registered()
    [saved] = await h.store.registered_channels()
    assert (saved.state.key, saved.state.topic) == ("sekrit", "ours")
    ana.send("RENAME #room #lounge")
    h.core.save_registered()
    [saved] = await h.store.registered_channels()
    assert saved.state.name == "#lounge"


def test_help_lists_every_command() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("CS HELP")
    lines = says(ana)
    for name in ("REGISTER", "INFO", "DROP", "AMODE", "OP", "TRANSFER"):
        assert any(line.startswith(f"  {name} ") for line in lines), name
    ana.send("CS HELP AMODE")
    assert says(ana)[0] == "AMODE <#channel> [+o|-o|+v|-v <account>]"
    ana.send("CS FROB")
    assert says(ana) == ["Unknown command FROB. Type /msg ChanServ HELP for the commands."]


def test_nobody_may_take_the_nick_chanserv() -> None:
    h = Harness()
    eve = h.client("eve")
    eve.send("NICK ChanServ")
    assert [m.command for m in eve.take()] == ["433"]
    assert h.user("eve").nick == "eve"


def test_bad_syntax_is_answered_with_the_syntax() -> None:
    h = Harness()
    ana = registered_room(h)
    ana.send("CS REGISTER")
    assert says(ana) == ["Syntax: REGISTER <#channel>"]
    ana.send("CS AMODE #room +q bo")
    assert says(ana) == ["Syntax: AMODE <#channel> [+o|-o|+v|-v <account>]"]
    ana.send("PRIVMSG ChanServ :")
    ana.send("PRIVMSG ChanServ :   ")
    assert says(ana) == ["Type /msg ChanServ HELP for the commands."]


def test_an_empty_room_whose_founder_is_dropped_is_gone() -> None:
    h = Harness()
    ana = registered_room(h, "#mine")
    ana.send("PART #mine")
    assert h.core.network.find_channel("#mine") is not None
    ana.send(f"NS DROP {PASSWORD}")
    ana.take()
    assert h.core.network.find_channel("#mine") is None


def test_the_founder_and_access_list_join_past_the_rooms_rules_and_a_stranger_does_not() -> None:
    h = Harness()
    ana = registered_room(h)
    account(h, "bo")
    ana.send("CS AMODE #room +v bo", "MODE #room +ik sekrit", "MODE #room +b *!*@*", "PART #room")
    ana.take()
    eve = h.client("eve")
    eve.send("JOIN #room sekrit")
    assert [m.command for m in eve.take()] == ["473"]
    ana.send("JOIN #room")
    assert ("#room", "+o", "ana") in modes_by_chanserv(ana.take())
    bo = h.client("bo_2")
    bo.send(f"NS IDENTIFY bo {PASSWORD}")
    bo.take()
    bo.send("JOIN #room")
    assert ("#room", "+v", "bo_2") in modes_by_chanserv(bo.take())

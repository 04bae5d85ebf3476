"""MODE for channels and users.

References: Modern IRC "MODE message", "Channel Modes", "User Modes", the ISUPPORT
``CHANMODES``/``MODES``/``MAXLIST`` parameters; IRCv3 bot-mode.
"""

from __future__ import annotations

import time

from chinwag.protocol import numerics as n
from chinwag.protocol.modes import MAX_MODES_PER_COMMAND
from chinwag.server.state import Channel, User
from tests.server.harness import Client, Harness


def replies(client: Client) -> list[tuple[str, tuple[str, ...]]]:
    """What the client received since the last read, as (command, params) pairs."""
    return [(message.command, message.params) for message in client.take()]


def room(h: Harness, *nicks: str, channel: str = "#room") -> list[Client]:
    """Clients who all joined ``channel`` (the first one is its operator); inboxes emptied."""
    clients = [h.client(nick) for nick in nicks]
    for client in clients:
        client.send(f"JOIN {channel}")
    for client in clients:
        client.take()
    return clients


def channel_of(h: Harness, name: str = "#room") -> Channel:
    channel = h.core.network.find_channel(name)
    assert channel is not None
    return channel


def user_of(h: Harness, nick: str) -> User:
    user = h.core.network.find_user(nick)
    assert user is not None
    return user


# -- channel modes: viewing ---------------------------------------------------------------------


def test_mode_query_shows_channel_modes_and_creation_time() -> None:
    h = Harness()
    (ana,) = room(h, "ana")
    ana.send("MODE #room")
    created = str(channel_of(h).created)
    assert replies(ana) == [
        (n.RPL_CHANNELMODEIS, ("ana", "#room", "+nt")),
        (n.RPL_CREATIONTIME, ("ana", "#room", created)),
    ]


def test_mode_query_shows_key_and_limit_to_members() -> None:
    h = Harness()
    (ana,) = room(h, "ana")
    ana.send("MODE #room +kl sesame 10")
    ana.take()
    ana.send("MODE #room")
    assert replies(ana)[0] == (n.RPL_CHANNELMODEIS, ("ana", "#room", "+ntkl", "sesame", "10"))


def test_mode_query_hides_key_from_non_members() -> None:
    h = Harness()
    (ana,) = room(h, "ana")
    ana.send("MODE #room +k sesame")
    bo = h.client("bo")
    bo.send("MODE #room")
    assert replies(bo)[0] == (n.RPL_CHANNELMODEIS, ("bo", "#room", "+ntk", "*"))


def test_mode_of_unknown_channel() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("MODE #nowhere +i")
    assert replies(ana) == [(n.ERR_NOSUCHCHANNEL, ("ana", "#nowhere", "No such channel"))]


def test_mode_without_target_needs_more_params() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("MODE")
    assert replies(ana) == [(n.ERR_NEEDMOREPARAMS, ("ana", "MODE", "Not enough parameters"))]


def test_ban_list_may_be_listed_by_anyone() -> None:
    h = Harness()
    (ana,) = room(h, "ana")
    before = int(time.time())
    ana.send("MODE #room +b spammer")
    bo = h.client("bo")
    bo.send("MODE #room +b")
    got = replies(bo)
    assert got[0][0] == n.RPL_BANLIST
    assert got[0][1][:4] == ("bo", "#room", "spammer!*@*", "ana!~ana@127.0.0.1")
    assert before <= int(got[0][1][4]) <= int(time.time())
    assert got[1:] == [(n.RPL_ENDOFBANLIST, ("bo", "#room", "End of channel ban list"))]


def test_empty_ban_list() -> None:
    h = Harness()
    (ana,) = room(h, "ana")
    ana.send("MODE #room b")
    assert replies(ana) == [(n.RPL_ENDOFBANLIST, ("ana", "#room", "End of channel ban list"))]


# -- channel modes: changing --------------------------------------------------------------------


def test_changing_channel_modes_requires_channel_operator() -> None:
    h = Harness()
    ana, bo = room(h, "ana", "bo")
    bo.send("MODE #room +im")
    assert replies(bo) == [(n.ERR_CHANOPRIVSNEEDED, ("bo", "#room", "You're not channel operator"))]
    assert ana.take() == []
    assert channel_of(h).modes == {"n", "t"}


def test_non_operator_gets_nothing_applied_even_with_a_ban_list_request() -> None:
    h = Harness()
    _ana, bo = room(h, "ana", "bo")
    bo.send("MODE #room +bi")
    assert [c for c, _ in replies(bo)] == [n.RPL_ENDOFBANLIST, n.ERR_CHANOPRIVSNEEDED]
    assert "i" not in channel_of(h).modes


def test_flag_changes_are_broadcast_in_one_mode_message_to_every_member() -> None:
    h = Harness()
    ana, bo = room(h, "ana", "bo")
    ana.send("MODE #room +ms-t")
    expected = [("MODE", "ana!~ana@127.0.0.1", ("#room", "+ms-t"))]
    for client in (ana, bo):
        assert [(m.command, m.source, m.params) for m in client.take()] == expected
    assert channel_of(h).modes == {"n", "m", "s"}


def test_mode_broadcast_carries_server_time_and_msgid() -> None:
    h = Harness()
    (ana,) = room(h, "ana")
    tagged = h.client("tagged", caps=["server-time", "message-tags"])
    tagged.send("JOIN #room")
    tagged.take()
    ana.send("MODE #room +m")
    (change,) = tagged.take()
    assert change.command == "MODE"
    assert set(change.tags) == {"time", "msgid"}


def test_setting_a_flag_already_set_is_dropped() -> None:
    h = Harness()
    ana, bo = room(h, "ana", "bo")
    ana.send("MODE #room +nt")
    assert ana.take() == []
    assert bo.take() == []
    ana.send("MODE #room +ni")
    assert replies(ana) == [("MODE", ("#room", "+i"))]


def test_unknown_mode_letter_gets_err_unknownmode_and_the_rest_applies() -> None:
    h = Harness()
    (ana,) = room(h, "ana")
    ana.send("MODE #room +Zi")
    assert replies(ana) == [
        (n.ERR_UNKNOWNMODE, ("ana", "Z", "is unknown mode char to me")),
        ("MODE", ("#room", "+i")),
    ]


def test_giving_operator_and_voice_shows_in_names() -> None:
    h = Harness()
    ana, bo, cy = room(h, "ana", "bo", "cy")
    ana.send("MODE #room +ov BO cy")
    assert replies(cy) == [("MODE", ("#room", "+ov", "bo", "cy"))]
    ana.take()
    ana.send("NAMES #room")
    assert replies(ana)[0] == (n.RPL_NAMREPLY, ("ana", "=", "#room", "@ana @bo +cy"))
    bo.take()
    bo.send("MODE #room -o ana")
    assert replies(bo) == [("MODE", ("#room", "-o", "ana"))]
    assert not channel_of(h).is_operator(user_of(h, "ana"))


def test_status_mode_on_unknown_nick() -> None:
    h = Harness()
    (ana,) = room(h, "ana")
    ana.send("MODE #room +o ghost")
    assert replies(ana) == [(n.ERR_NOSUCHNICK, ("ana", "ghost", "No such nick/channel"))]


def test_status_mode_on_user_not_in_channel() -> None:
    h = Harness()
    (ana,) = room(h, "ana")
    h.client("bo")
    ana.send("MODE #room +v bo")
    assert replies(ana) == [
        (n.ERR_USERNOTINCHANNEL, ("ana", "bo", "#room", "They aren't on that channel"))
    ]


def test_status_mode_already_held_is_dropped() -> None:
    h = Harness()
    (ana,) = room(h, "ana")
    ana.send("MODE #room +o ana")
    assert ana.take() == []


def test_key_is_set_shown_to_members_and_removed() -> None:
    h = Harness()
    ana, bo = room(h, "ana", "bo")
    ana.send("MODE #room +k sesame")
    assert replies(bo) == [("MODE", ("#room", "+k", "sesame"))]
    assert channel_of(h).key == "sesame"
    ana.send("MODE #room -k")
    assert replies(bo) == [("MODE", ("#room", "-k", "*"))]
    assert channel_of(h).key is None


def test_malformed_key_gets_err_invalidkey() -> None:
    h = Harness()
    (ana,) = room(h, "ana")
    ana.send("MODE #room +k a,b")
    assert replies(ana) == [(n.ERR_INVALIDKEY, ("ana", "#room", "Key is not well-formed"))]
    ana.send("MODE #room +k :two words")
    assert replies(ana) == [(n.ERR_INVALIDKEY, ("ana", "#room", "Key is not well-formed"))]
    assert channel_of(h).key is None


def test_key_or_limit_without_parameter_is_ignored() -> None:
    h = Harness()
    (ana,) = room(h, "ana")
    ana.send("MODE #room +k")
    ana.send("MODE #room +l")
    assert ana.take() == []
    assert channel_of(h).key is None
    assert channel_of(h).limit is None


def test_limit_is_set_and_removed() -> None:
    h = Harness()
    ana, bo = room(h, "ana", "bo")
    ana.send("MODE #room +l 25")
    assert replies(bo) == [("MODE", ("#room", "+l", "25"))]
    ana.send("MODE #room +l 25")
    assert bo.take() == []
    ana.send("MODE #room -l")
    assert replies(bo) == [("MODE", ("#room", "-l"))]
    assert channel_of(h).limit is None


def test_limit_must_be_a_positive_integer() -> None:
    h = Harness()
    (ana,) = room(h, "ana")
    for bad in ("0", "-3", "ten", "1_0"):
        ana.send(f"MODE #room +l {bad}")
        assert replies(ana) == [
            (
                n.ERR_INVALIDMODEPARAM,
                ("ana", "#room", "l", bad, "Invalid limit: it must be a positive integer"),
            )
        ]
    assert channel_of(h).limit is None


def test_ban_masks_are_completed_and_stored() -> None:
    h = Harness()
    (ana,) = room(h, "ana")
    ana.send("MODE #room +bbb bo user@host *!*@bad.example")
    assert replies(ana) == [("MODE", ("#room", "+bbb", "bo!*@*", "*!user@host", "*!*@bad.example"))]
    assert [entry.mask for entry in channel_of(h).bans] == [
        "bo!*@*",
        "*!user@host",
        "*!*@bad.example",
    ]


def test_adding_a_ban_already_there_or_removing_one_absent_is_dropped() -> None:
    h = Harness()
    (ana,) = room(h, "ana")
    ana.send("MODE #room +b bo")
    ana.take()
    ana.send("MODE #room +b BO!*@*", "MODE #room -b cy")
    assert ana.take() == []
    ana.send("MODE #room -b bo")
    assert replies(ana) == [("MODE", ("#room", "-b", "bo!*@*"))]
    assert channel_of(h).bans == []


def test_ban_list_full_gets_err_banlistfull() -> None:
    h = Harness(max_bans=2)
    (ana,) = room(h, "ana")
    ana.send("MODE #room +bbb one two three")
    assert replies(ana) == [
        (n.ERR_BANLISTFULL, ("ana", "#room", "three!*@*", "Channel ban list is full")),
        ("MODE", ("#room", "+bb", "one!*@*", "two!*@*")),
    ]


def test_at_most_modes_parameterised_changes_apply_from_one_command() -> None:
    h = Harness()
    (ana,) = room(h, "ana")
    masks = [f"m{i}" for i in range(MAX_MODES_PER_COMMAND + 2)]
    ana.send(f"MODE #room +{'b' * len(masks)}i {' '.join(masks)}")
    (change,) = [m for m in ana.take() if m.command == "MODE"]
    assert change.params[1] == "+" + "b" * MAX_MODES_PER_COMMAND + "i"
    assert len(channel_of(h).bans) == MAX_MODES_PER_COMMAND


def test_moderated_channel_lets_only_voiced_members_speak() -> None:
    h = Harness()
    ana, bo, cy = room(h, "ana", "bo", "cy")
    ana.send("MODE #room +mv cy")
    bo.take()
    bo.send("PRIVMSG #room :hello")
    assert replies(bo)[0][0] == n.ERR_CANNOTSENDTOCHAN
    cy.take()
    cy.send("PRIVMSG #room :hello")
    assert replies(bo) == [("PRIVMSG", ("#room", "hello"))]


# -- user modes ---------------------------------------------------------------------------------


def test_user_mode_query_gives_rpl_umodeis() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("MODE ana")
    assert replies(ana) == [(n.RPL_UMODEIS, ("ana", "+"))]
    ana.send("MODE ana +i", "MODE ANA")
    assert replies(ana)[-1] == (n.RPL_UMODEIS, ("ana", "+i"))


def test_user_mode_of_another_user_gets_err_usersdontmatch() -> None:
    h = Harness()
    ana = h.client("ana")
    h.client("bo")
    ana.send("MODE bo +i")
    assert replies(ana) == [(n.ERR_USERSDONTMATCH, ("ana", "Cant change mode for other users"))]
    ana.send("MODE bo")
    assert replies(ana) == [(n.ERR_USERSDONTMATCH, ("ana", "Can't view modes for other users"))]
    assert user_of(h, "bo").modes == set()


def test_user_mode_of_unknown_nick_gets_err_nosuchnick() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("MODE ghost")
    assert replies(ana) == [(n.ERR_NOSUCHNICK, ("ana", "ghost", "No such nick/channel"))]


def test_user_may_set_and_unset_invisible_and_bot() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("MODE ana +iB")
    assert [(m.command, m.source, m.params) for m in ana.take()] == [
        ("MODE", "ana", ("ana", "+iB"))
    ]
    assert user_of(h, "ana").modes == {"i", "B"}
    ana.send("MODE ana -B")
    assert replies(ana) == [("MODE", ("ana", "-B"))]
    assert user_of(h, "ana").modes == {"i"}


def test_user_mode_already_set_is_not_echoed() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("MODE ana +i")
    ana.take()
    ana.send("MODE ana +i")
    assert ana.take() == []


def test_user_cannot_make_themselves_operator() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("MODE ana +o")
    assert ana.take() == []
    assert not user_of(h, "ana").is_oper


def test_operator_may_drop_their_operator_mode() -> None:
    h = Harness()
    ana = h.client("ana")
    user_of(h, "ana").modes.add("o")
    ana.send("MODE ana -o")
    assert replies(ana) == [("MODE", ("ana", "-o"))]
    assert not user_of(h, "ana").is_oper


def test_unknown_user_mode_flag_is_reported_after_applying_the_known_ones() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("MODE ana +iZ")
    assert replies(ana) == [
        ("MODE", ("ana", "+i")),
        (n.ERR_UMODEUNKNOWNFLAG, ("ana", "Unknown MODE flag")),
    ]


def test_bot_mode_marks_messages_with_the_bot_tag() -> None:
    h = Harness()
    bot = h.client("bot")
    reader = h.client("reader", caps=["message-tags"])
    bot.send("MODE bot +B", "PRIVMSG reader :beep")
    (message,) = reader.take()
    assert message.tags.get("bot") == ""

"""MODE for channels and users.

References: Modern IRC "MODE message", "Channel Modes", "User Modes", the ISUPPORT
``CHANMODES``/``MODES``/``MAXLIST`` parameters; IRCv3 bot-mode.
"""

from __future__ import annotations

import time

from chinwag.protocol import numerics as n
from chinwag.protocol.modes import MAX_MODES_PER_COMMAND
from tests.server.harness import HOST, Harness

# -- channel modes: viewing ---------------------------------------------------------------------


def test_mode_query_shows_channel_modes_and_creation_time() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room")
    created = str(h.channel("#room").created)
    assert ana.replies() == [
        (n.RPL_CHANNELMODEIS, ("ana", "#room", "+nt")),
        (n.RPL_CREATIONTIME, ("ana", "#room", created)),
    ]


def test_mode_query_shows_key_and_limit_to_members() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +kl sesame 10")
    ana.take()
    ana.send("MODE #room")
    assert ana.replies()[0] == (n.RPL_CHANNELMODEIS, ("ana", "#room", "+ntkl", "sesame", "10"))


def test_mode_query_hides_key_from_non_members() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +k sesame")
    bo = h.client("bo")
    bo.send("MODE #room")
    assert bo.replies()[0] == (n.RPL_CHANNELMODEIS, ("bo", "#room", "+ntk", "*"))


def test_mode_of_unknown_channel() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("MODE #nowhere +i")
    assert ana.replies() == [(n.ERR_NOSUCHCHANNEL, ("ana", "#nowhere", "No such channel"))]


def test_mode_without_target_needs_more_params() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("MODE")
    assert ana.replies() == [(n.ERR_NEEDMOREPARAMS, ("ana", "MODE", "Not enough parameters"))]


def test_ban_list_may_be_listed_by_anyone() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    before = int(time.time())
    ana.send("MODE #room +b spammer")
    bo = h.client("bo")
    bo.send("MODE #room +b")
    got = bo.replies()
    assert got[0][0] == n.RPL_BANLIST
    assert got[0][1][:4] == ("bo", "#room", "spammer!*@*", f"ana!~ana@{HOST}")
    assert before <= int(got[0][1][4]) <= int(time.time())
    assert got[1:] == [(n.RPL_ENDOFBANLIST, ("bo", "#room", "End of channel ban list"))]


def test_empty_ban_list() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room b")
    assert ana.replies() == [(n.RPL_ENDOFBANLIST, ("ana", "#room", "End of channel ban list"))]


# -- channel modes: changing --------------------------------------------------------------------


def test_changing_channel_modes_requires_channel_operator() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    bo.send("MODE #room +im")
    assert bo.replies() == [
        (n.ERR_CHANOPRIVSNEEDED, ("bo", "#room", "You're not channel operator"))
    ]
    assert ana.take() == []
    assert h.channel("#room").modes == {"n", "t"}


def test_non_operator_gets_nothing_applied_even_with_a_ban_list_request() -> None:
    h = Harness()
    _ana, bo = h.room("ana", "bo")
    bo.send("MODE #room +bi")
    assert [c for c, _ in bo.replies()] == [n.RPL_ENDOFBANLIST, n.ERR_CHANOPRIVSNEEDED]
    assert "i" not in h.channel("#room").modes


def test_flag_changes_are_broadcast_in_one_mode_message_to_every_member() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    ana.send("MODE #room +ms-t")
    expected = [("MODE", f"ana!~ana@{HOST}", ("#room", "+ms-t"))]
    for client in (ana, bo):
        assert [(m.command, m.source, m.params) for m in client.take()] == expected
    assert h.channel("#room").modes == {"n", "m", "s"}


def test_mode_broadcast_carries_server_time_and_msgid() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    tagged = h.client("tagged", caps=["server-time", "message-tags"])
    tagged.send("JOIN #room")
    tagged.take()
    ana.send("MODE #room +m")
    (change,) = tagged.take()
    assert change.command == "MODE"
    assert set(change.tags) == {"time", "msgid"}


def test_setting_a_flag_already_set_is_dropped() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    ana.send("MODE #room +nt")
    assert ana.take() == []
    assert bo.take() == []
    ana.send("MODE #room +ni")
    assert ana.replies() == [("MODE", ("#room", "+i"))]


def test_unknown_mode_letter_gets_err_unknownmode_and_the_rest_applies() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +Zi")
    assert ana.replies() == [
        (n.ERR_UNKNOWNMODE, ("ana", "Z", "is unknown mode char to me")),
        ("MODE", ("#room", "+i")),
    ]


def test_giving_operator_and_voice_shows_in_names() -> None:
    h = Harness()
    ana, bo, cy = h.room("ana", "bo", "cy")
    ana.send("MODE #room +ov BO cy")
    assert cy.replies() == [("MODE", ("#room", "+ov", "bo", "cy"))]
    ana.take()
    ana.send("NAMES #room")
    assert ana.replies()[0] == (n.RPL_NAMREPLY, ("ana", "=", "#room", "@ana @bo +cy"))
    bo.take()
    bo.send("MODE #room -o ana")
    assert bo.replies() == [("MODE", ("#room", "-o", "ana"))]
    assert not h.channel("#room").is_operator(h.user("ana"))


def test_status_mode_on_unknown_nick() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +o ghost")
    assert ana.replies() == [(n.ERR_NOSUCHNICK, ("ana", "ghost", "No such nick/channel"))]


def test_status_mode_on_user_not_in_channel() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    h.client("bo")
    ana.send("MODE #room +v bo")
    assert ana.replies() == [
        (n.ERR_USERNOTINCHANNEL, ("ana", "bo", "#room", "They aren't on that channel"))
    ]


def test_status_mode_already_held_is_dropped() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +o ana")
    assert ana.take() == []


def test_key_is_set_shown_to_members_and_removed() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    ana.send("MODE #room +k sesame")
    assert bo.replies() == [("MODE", ("#room", "+k", "sesame"))]
    assert h.channel("#room").key == "sesame"
    ana.send("MODE #room -k")
    assert bo.replies() == [("MODE", ("#room", "-k", "*"))]
    assert h.channel("#room").key is None


def test_malformed_key_gets_err_invalidkey() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +k a,b")
    assert ana.replies() == [(n.ERR_INVALIDKEY, ("ana", "#room", "Key is not well-formed"))]
    ana.send("MODE #room +k :two words")
    assert ana.replies() == [(n.ERR_INVALIDKEY, ("ana", "#room", "Key is not well-formed"))]
    assert h.channel("#room").key is None


def test_key_or_limit_without_parameter_is_ignored() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +k")
    ana.send("MODE #room +l")
    assert ana.take() == []
    assert h.channel("#room").key is None
    assert h.channel("#room").limit is None


def test_limit_is_set_and_removed() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    ana.send("MODE #room +l 25")
    assert bo.replies() == [("MODE", ("#room", "+l", "25"))]
    ana.send("MODE #room +l 25")
    assert bo.take() == []
    ana.send("MODE #room -l")
    assert bo.replies() == [("MODE", ("#room", "-l"))]
    assert h.channel("#room").limit is None


def test_limit_must_be_a_positive_integer_that_fits_32_bits() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    why = "Invalid limit: it must be a whole number from 1 to 2147483647"
    for bad in ("0", "-3", "ten", "1_0", "2147483648", "9" * 26):
        ana.send(f"MODE #room +l {bad}")
        assert ana.replies() == [(n.ERR_INVALIDMODEPARAM, ("ana", "#room", "l", bad, why))]
    assert h.channel("#room").limit is None


def test_ban_masks_are_completed_and_stored() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +bbb bo user@host *!*@bad.example")
    assert ana.replies() == [
        ("MODE", ("#room", "+bbb", "bo!*@*", "*!user@host", "*!*@bad.example"))
    ]
    assert [entry.mask for entry in h.channel("#room").bans] == [
        "bo!*@*",
        "*!user@host",
        "*!*@bad.example",
    ]


def test_adding_a_ban_already_there_or_removing_one_absent_is_dropped() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +b bo")
    ana.take()
    ana.send("MODE #room +b BO!*@*", "MODE #room -b cy")
    assert ana.take() == []
    ana.send("MODE #room -b bo")
    assert ana.replies() == [("MODE", ("#room", "-b", "bo!*@*"))]
    assert h.channel("#room").bans == []


def test_ban_list_full_gets_err_banlistfull() -> None:
    h = Harness(max_bans=2)
    (ana,) = h.room("ana")
    ana.send("MODE #room +bbb one two three")
    assert ana.replies() == [
        (n.ERR_BANLISTFULL, ("ana", "#room", "three!*@*", "Channel ban list is full")),
        ("MODE", ("#room", "+bb", "one!*@*", "two!*@*")),
    ]


def test_at_most_modes_parameterised_changes_apply_from_one_command() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    masks = [f"m{i}" for i in range(MAX_MODES_PER_COMMAND + 2)]
    ana.send(f"MODE #room +{'b' * len(masks)}i {' '.join(masks)}")
    (change,) = [m for m in ana.take() if m.command == "MODE"]
    assert change.params[1] == "+" + "b" * MAX_MODES_PER_COMMAND + "i"
    assert len(h.channel("#room").bans) == MAX_MODES_PER_COMMAND


def test_moderated_channel_lets_only_voiced_members_speak() -> None:
    h = Harness()
    ana, bo, cy = h.room("ana", "bo", "cy")
    ana.send("MODE #room +mv cy")
    bo.take()
    bo.send("PRIVMSG #room :hello")
    assert bo.replies()[0][0] == n.ERR_CANNOTSENDTOCHAN
    cy.take()
    cy.send("PRIVMSG #room :hello")
    assert bo.replies() == [("PRIVMSG", ("#room", "hello"))]


# -- user modes ---------------------------------------------------------------------------------


def test_user_mode_query_gives_rpl_umodeis() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("MODE ana")
    assert ana.replies() == [(n.RPL_UMODEIS, ("ana", "+"))]
    ana.send("MODE ana +i", "MODE ANA")
    assert ana.replies()[-1] == (n.RPL_UMODEIS, ("ana", "+i"))


def test_user_mode_of_another_user_gets_err_usersdontmatch() -> None:
    h = Harness()
    ana = h.client("ana")
    h.client("bo")
    ana.send("MODE bo +i")
    assert ana.replies() == [(n.ERR_USERSDONTMATCH, ("ana", "Cant change mode for other users"))]
    ana.send("MODE bo")
    assert ana.replies() == [(n.ERR_USERSDONTMATCH, ("ana", "Can't view modes for other users"))]
    assert h.user("bo").modes == set()


def test_user_mode_of_unknown_nick_gets_err_nosuchnick() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("MODE ghost")
    assert ana.replies() == [(n.ERR_NOSUCHNICK, ("ana", "ghost", "No such nick/channel"))]


def test_user_may_set_and_unset_invisible_and_bot() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("MODE ana +iB")
    assert [(m.command, m.source, m.params) for m in ana.take()] == [
        ("MODE", "ana", ("ana", "+iB"))
    ]
    assert h.user("ana").modes == {"i", "B"}
    ana.send("MODE ana -B")
    assert ana.replies() == [("MODE", ("ana", "-B"))]
    assert h.user("ana").modes == {"i"}


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
    assert not h.user("ana").is_oper


def test_operator_may_drop_their_operator_mode() -> None:
    h = Harness()
    ana = h.client("ana")
    h.user("ana").modes |= {"o"}
    ana.send("MODE ana -o")
    assert ana.replies() == [("MODE", ("ana", "-o"))]
    assert not h.user("ana").is_oper


def test_unknown_user_mode_flag_is_reported_after_applying_the_known_ones() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("MODE ana +iX")
    assert ana.replies() == [
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

"""Channel operations: JOIN, PART, NAMES, TOPIC, LIST, KICK, INVITE.

References: Modern IRC "Channel Operations" and "Channel Modes"; IRCv3 extended-join,
multi-prefix, userhost-in-names and invite-notify.
"""

from __future__ import annotations

import time

from chinwag.protocol import numerics as n
from chinwag.protocol.message import Message
from tests.server.harness import HOST, Client, Harness


def only(client: Client, command: str) -> list[Message]:
    """The messages with this command the client received since the last read."""
    return [message for message in client.take() if message.command == command]


# -- JOIN -------------------------------------------------------------------------------------


def test_join_sends_join_then_names_and_first_joiner_is_operator() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("JOIN #room")
    assert ana.replies() == [
        ("JOIN", ("#room",)),
        (n.RPL_NAMREPLY, ("ana", "=", "#room", "@ana")),
        (n.RPL_ENDOFNAMES, ("ana", "#room", "End of /NAMES list")),
    ]


def test_join_of_existing_channel_sends_topic_before_names_and_tells_members() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("TOPIC #room :Welcome")
    ana.take()
    bo = h.client("bo")
    bo.send("JOIN #room")
    got = bo.take()
    assert [m.command for m in got] == [
        "JOIN",
        n.RPL_TOPIC,
        n.RPL_TOPICWHOTIME,
        n.RPL_NAMREPLY,
        n.RPL_ENDOFNAMES,
    ]
    assert got[1].params == ("bo", "#room", "Welcome")
    assert got[3].params == ("bo", "=", "#room", "@ana bo")
    assert [(m.command, m.source, m.params) for m in ana.take()] == [
        ("JOIN", f"bo!~bo@{HOST}", ("#room",))
    ]


def test_join_bad_channel_name_is_refused() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("JOIN room")
    assert ana.replies() == [(n.ERR_BADCHANMASK, ("ana", "room", "Bad Channel Mask"))]


def test_join_keyed_channel_requires_the_key() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +k sesame")
    bo = h.client("bo")
    bo.send("JOIN #room")
    assert bo.replies() == [(n.ERR_BADCHANNELKEY, ("bo", "#room", "Cannot join channel (+k)"))]
    bo.send("JOIN #room wrong")
    assert bo.replies()[0][0] == n.ERR_BADCHANNELKEY
    bo.send("JOIN #room sesame")
    assert bo.replies()[0] == ("JOIN", ("#room",))


def test_join_uses_keys_in_order_of_channels() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("JOIN #a,#b", "MODE #a +k one", "MODE #b +k two")
    bo = h.client("bo")
    bo.send("JOIN #a,#b one,two")
    assert [p for c, p in bo.replies() if c == "JOIN"] == [("#a",), ("#b",)]


def test_join_invite_only_channel_is_refused_without_invitation() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +i")
    bo = h.client("bo")
    bo.send("JOIN #room")
    assert bo.replies() == [(n.ERR_INVITEONLYCHAN, ("bo", "#room", "Cannot join channel (+i)"))]


def test_join_full_channel_is_refused() -> None:
    h = Harness()
    ana, _bo = h.room("ana", "bo")
    ana.send("MODE #room +l 2")
    cy = h.client("cy")
    cy.send("JOIN #room")
    assert cy.replies() == [(n.ERR_CHANNELISFULL, ("cy", "#room", "Cannot join channel (+l)"))]


def test_join_banned_user_is_refused() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +b bo")
    bo = h.client("bo")
    bo.send("JOIN #room")
    assert bo.replies() == [(n.ERR_BANNEDFROMCHAN, ("bo", "#room", "Cannot join channel (+b)"))]


def test_join_ban_matches_wildcard_host_mask() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +b *!*@*.cloak")
    bo = h.client("bo")
    bo.send("JOIN #room")
    assert bo.replies()[0][0] == n.ERR_BANNEDFROMCHAN


def test_join_zero_parts_every_channel() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    ana.send("JOIN #other")
    ana.take()
    ana.send("JOIN 0")
    assert sorted(p for c, p in ana.replies() if c == "PART") == [("#other",), ("#room",)]
    assert bo.replies() == [("PART", ("#room",))]
    assert h.core.network.find_channel("#other") is None
    assert not h.user("ana").channels


def test_join_twice_does_nothing() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("JOIN #room")
    assert ana.take() == []


def test_extended_join_shows_account_and_real_name() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ext = h.client("ext", caps=["extended-join"])
    ext.send("JOIN #room")
    assert ext.take()[0].params == ("#room", "*", "ext Example")
    ana.take()
    bo = h.client("bo")
    bo.send("JOIN #room")
    assert [m.params for m in only(ext, "JOIN")] == [("#room", "*", "bo Example")]
    assert [m.params for m in only(ana, "JOIN")] == [("#room",)]


def test_names_multi_prefix_shows_every_prefix_highest_first() -> None:
    h = Harness()
    ana, _bo = h.room("ana", "bo")
    ana.send("MODE #room +v ana")
    ana.take()
    multi = h.client("multi", caps=["multi-prefix"])
    multi.send("NAMES #room")
    assert multi.replies()[0] == (n.RPL_NAMREPLY, ("multi", "=", "#room", "@+ana bo"))
    plain = h.client("plain")
    plain.send("NAMES #room")
    assert plain.replies()[0] == (n.RPL_NAMREPLY, ("plain", "=", "#room", "@ana bo"))


def test_names_userhost_in_names_shows_full_masks() -> None:
    h = Harness()
    h.room("ana")
    uhn = h.client("uhn", caps=["userhost-in-names"])
    uhn.send("NAMES #room")
    assert uhn.replies()[0] == (n.RPL_NAMREPLY, ("uhn", "=", "#room", f"@ana!~ana@{HOST}"))


def test_names_of_secret_channel_is_hidden_from_non_members() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +s")
    ana.send("NAMES #room")
    assert ana.replies()[-2] == (n.RPL_NAMREPLY, ("ana", "@", "#room", "@ana"))
    bo = h.client("bo")
    bo.send("NAMES #room")
    assert bo.replies() == [(n.RPL_ENDOFNAMES, ("bo", "#room", "End of /NAMES list"))]


def test_names_hides_invisible_users_from_non_members() -> None:
    h = Harness()
    ana, _bo = h.room("ana", "bo")
    ana.send("MODE ana +i")
    cy = h.client("cy")
    cy.send("NAMES #room")
    assert cy.replies()[0] == (n.RPL_NAMREPLY, ("cy", "=", "#room", "bo"))


def test_part_tells_members_and_removes_empty_channel() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    bo.send("PART #room :bye now")
    assert bo.replies() == [("PART", ("#room", "bye now"))]
    assert ana.replies() == [("PART", ("#room", "bye now"))]
    ana.send("PART #room")
    assert h.core.network.find_channel("#room") is None


def test_part_channel_not_joined() -> None:
    h = Harness()
    h.room("ana")
    bo = h.client("bo")
    bo.send("PART #room,#nowhere")
    assert bo.replies() == [
        (n.ERR_NOTONCHANNEL, ("bo", "#room", "You're not on that channel")),
        (n.ERR_NOSUCHCHANNEL, ("bo", "#nowhere", "No such channel")),
    ]


# -- TOPIC ------------------------------------------------------------------------------------


def test_topic_query_without_topic_gives_rpl_notopic() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("TOPIC #room")
    assert ana.replies() == [(n.RPL_NOTOPIC, ("ana", "#room", "No topic is set"))]


def test_topic_set_is_broadcast_to_every_member_including_the_setter() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    ana.send("TOPIC #room :Hello there")
    for client in (ana, bo):
        got = client.take()
        assert [(m.command, m.source, m.params) for m in got] == [
            ("TOPIC", f"ana!~ana@{HOST}", ("#room", "Hello there"))
        ]


def test_topic_query_gives_topic_and_who_set_it_when() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    before = int(time.time())
    ana.send("TOPIC #room :Hello there")
    bo.take()
    bo.send("TOPIC #room")
    got = bo.replies()
    assert got[0] == (n.RPL_TOPIC, ("bo", "#room", "Hello there"))
    command, params = got[1]
    assert command == n.RPL_TOPICWHOTIME
    assert params[:3] == ("bo", "#room", "ana")
    assert before <= int(params[3]) <= int(time.time())


def test_topic_on_protected_channel_requires_channel_operator() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    bo.send("TOPIC #room :mine now")
    assert bo.replies() == [
        (n.ERR_CHANOPRIVSNEEDED, ("bo", "#room", "You're not channel operator"))
    ]
    assert ana.replies() == []
    assert h.channel("#room").topic == ""


def test_topic_on_unprotected_channel_may_be_set_by_any_member() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    ana.send("MODE #room -t")
    bo.take()
    bo.send("TOPIC #room :mine now")
    assert bo.replies() == [("TOPIC", ("#room", "mine now"))]


def test_topic_set_by_non_member_is_refused() -> None:
    h = Harness()
    h.room("ana")
    bo = h.client("bo")
    bo.send("TOPIC #room :hi")
    assert bo.replies() == [(n.ERR_NOTONCHANNEL, ("bo", "#room", "You're not on that channel"))]


def test_topic_of_public_channel_may_be_read_by_non_member() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("TOPIC #room :public")
    bo = h.client("bo")
    bo.send("TOPIC #room")
    assert bo.replies()[0] == (n.RPL_TOPIC, ("bo", "#room", "public"))


def test_topic_of_secret_channel_is_hidden_from_non_member() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +s", "TOPIC #room :hush")
    bo = h.client("bo")
    bo.send("TOPIC #room")
    assert bo.replies() == [(n.ERR_NOTONCHANNEL, ("bo", "#room", "You're not on that channel"))]


def test_topic_of_unknown_channel() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("TOPIC #nowhere")
    assert ana.replies() == [(n.ERR_NOSUCHCHANNEL, ("ana", "#nowhere", "No such channel"))]


def test_topic_without_parameters_needs_more_params() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("TOPIC")
    assert ana.replies() == [(n.ERR_NEEDMOREPARAMS, ("ana", "TOPIC", "Not enough parameters"))]


def test_topic_is_truncated_to_topiclen() -> None:
    h = Harness(topiclen=5)
    (ana,) = h.room("ana")
    ana.send("TOPIC #room :abcdefghij")
    assert ana.replies() == [("TOPIC", ("#room", "abcde"))]


def test_empty_topic_clears_it() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    ana.send("TOPIC #room :something")
    ana.take()
    bo.take()
    ana.send("TOPIC #room :")
    assert bo.replies() == [("TOPIC", ("#room", ""))]
    bo.send("TOPIC #room")
    assert bo.replies() == [(n.RPL_NOTOPIC, ("bo", "#room", "No topic is set"))]


def test_topic_change_carries_server_time_and_msgid() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    tagged = h.client("tagged", caps=["server-time", "message-tags"])
    tagged.send("JOIN #room")
    tagged.take()
    ana.send("TOPIC #room :tagged")
    (change,) = tagged.take()
    assert change.command == "TOPIC"
    assert set(change.tags) == {"time", "msgid"}


# -- LIST -------------------------------------------------------------------------------------


def test_list_shows_every_channel_with_count_and_topic() -> None:
    h = Harness()
    ana, _bo = h.room("ana", "bo")
    ana.send("TOPIC #room :chat here", "JOIN #empty")
    ana.take()
    cy = h.client("cy")
    cy.send("LIST")
    got = cy.replies()
    assert got[0] == (n.RPL_LISTSTART, ("cy", "Channel", "Users  Name"))
    assert sorted(got[1:-1]) == [
        (n.RPL_LIST, ("cy", "#empty", "1", "")),
        (n.RPL_LIST, ("cy", "#room", "2", "chat here")),
    ]
    assert got[-1] == (n.RPL_LISTEND, ("cy", "End of /LIST"))


def test_list_hides_secret_channels_from_non_members() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +s")
    ana.take()
    bo = h.client("bo")
    bo.send("LIST")
    assert [c for c, _ in bo.replies()] == [n.RPL_LISTSTART, n.RPL_LISTEND]
    bo.send("LIST #room")
    assert [c for c, _ in bo.replies()] == [n.RPL_LISTSTART, n.RPL_LISTEND]
    ana.send("LIST")
    assert (n.RPL_LIST, ("ana", "#room", "1", "")) in ana.replies()


def test_list_of_named_channels_shows_only_those() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("JOIN #a,#b,#c")
    ana.take()
    ana.send("LIST #a,#C,#missing")
    assert [p[1] for c, p in ana.replies() if c == n.RPL_LIST] == ["#a", "#c"]


def test_list_filters_by_user_count_with_elist_u() -> None:
    h = Harness()
    h.room("ana", "bo", "cy", channel="#big")
    h.room("dee", channel="#small")
    eve = h.client("eve")
    eve.send("LIST >2")
    assert [p[1] for c, p in eve.replies() if c == n.RPL_LIST] == ["#big"]
    eve.send("LIST <2")
    assert [p[1] for c, p in eve.replies() if c == n.RPL_LIST] == ["#small"]
    eve.send("LIST #big,#small <4,>1")
    assert [p[1] for c, p in eve.replies() if c == n.RPL_LIST] == ["#big"]


def _listed(client: Client) -> list[str]:
    return [p[1] for c, p in client.replies() if c == n.RPL_LIST]


def test_list_filters_by_creation_time_with_elist_c() -> None:
    h = Harness()
    h.room("ana", channel="#old")
    h.room("bo", channel="#new")
    h.channel("#old").created -= 60 * 60  # an hour ago
    cy = h.client("cy")
    cy.send("LIST C>30")
    assert _listed(cy) == ["#old"]
    cy.send("LIST C<30")
    assert _listed(cy) == ["#new"]
    cy.send("LIST c<90,c>30")
    assert _listed(cy) == ["#old"]


def test_list_filters_by_topic_time_with_elist_t() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    ana.send("JOIN #stale", "TOPIC #stale :old news", "JOIN #bare")
    bo.send("JOIN #fresh", "TOPIC #fresh :new")
    h.channel("#stale").topic_at -= 10 * 60
    cy = h.client("cy")
    cy.send("LIST T>5")
    assert _listed(cy) == ["#stale"]
    cy.send("LIST T<5")
    assert _listed(cy) == ["#fresh"]  # a channel without a topic never matches T


def test_list_with_masks_and_exclusions_elist_m_and_n() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("JOIN #python,#pycon,#rust,#go")
    ana.take()
    ana.send("LIST #py*")
    assert _listed(ana) == ["#python", "#pycon"]
    ana.send("LIST *O*,#rust")
    assert _listed(ana) == ["#python", "#pycon", "#rust", "#go"]
    ana.send("LIST !#py*")
    assert _listed(ana) == ["#rust", "#go"]
    ana.send("LIST #py*,!*con")
    assert _listed(ana) == ["#python"]
    ana.send("LIST #?o >0")
    assert _listed(ana) == ["#go"]


def test_list_masks_still_hide_secret_channels() -> None:
    h = Harness()
    (ana,) = h.room("ana", channel="#hidden")
    ana.send("MODE #hidden +s")
    bo = h.client("bo")
    bo.send("LIST #hid*")
    assert _listed(bo) == []


def test_isupport_elist_names_the_filters() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("VERSION")
    tokens = [t for c, p in ana.replies() if c == n.RPL_ISUPPORT for t in p]
    assert "ELIST=CMNTU" in tokens


# -- KICK -------------------------------------------------------------------------------------


def test_kick_requires_channel_operator() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    bo.send("KICK #room ana")
    assert bo.replies() == [
        (n.ERR_CHANOPRIVSNEEDED, ("bo", "#room", "You're not channel operator"))
    ]
    assert ana.take() == []
    assert h.user("ana") in h.channel("#room").members


def test_kick_removes_the_user_and_tells_every_member() -> None:
    h = Harness()
    ana, bo, cy = h.room("ana", "bo", "cy")
    ana.send("KICK #room bo :behave")
    expected = [("KICK", f"ana!~ana@{HOST}", ("#room", "bo", "behave"))]
    for client in (ana, bo, cy):
        assert [(m.command, m.source, m.params) for m in client.take()] == expected
    assert [user.nick for user in h.channel("#room").members] == ["ana", "cy"]
    assert "#room" not in h.user("bo").channels


def test_kick_without_comment_uses_the_kickers_nick() -> None:
    h = Harness()
    ana, _bo = h.room("ana", "bo")
    ana.send("KICK #room bo")
    assert ana.replies() == [("KICK", ("#room", "bo", "ana"))]


def test_kick_comment_is_truncated_to_kicklen() -> None:
    h = Harness(kicklen=4)
    ana, _bo = h.room("ana", "bo")
    ana.send("KICK #room bo :go away now")
    assert ana.replies() == [("KICK", ("#room", "bo", "go a"))]


def test_kick_several_users_sends_one_kick_each() -> None:
    h = Harness()
    ana, _bo, _cy = h.room("ana", "bo", "cy")
    ana.send("KICK #room bo,cy :out")
    assert ana.replies() == [
        ("KICK", ("#room", "bo", "out")),
        ("KICK", ("#room", "cy", "out")),
    ]


def test_kick_pairs_each_channel_with_its_user() -> None:
    # RFC 2812 "Kick command": as many channels as users kick user i from channel i.
    h = Harness()
    ana, bo, cy = h.room("ana", "bo", "cy")
    h.join("#other", ana, bo, cy)
    ana.send("KICK #room,#OTHER bo,cy :out")
    assert ana.replies() == [
        ("KICK", ("#room", "bo", "out")),
        ("KICK", ("#other", "cy", "out")),
    ]
    assert [u.nick for u in h.channel("#room").members] == ["ana", "cy"]
    assert [u.nick for u in h.channel("#other").members] == ["ana", "bo"]


def test_kick_pairs_answer_each_channel_on_its_own() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    h.join("#theirs", bo, ana)
    ana.send("KICK #theirs,#room,#nowhere bo,bo,bo :out")
    assert ana.replies() == [
        (n.ERR_CHANOPRIVSNEEDED, ("ana", "#theirs", "You're not channel operator")),
        ("KICK", ("#room", "bo", "out")),
        (n.ERR_NOSUCHCHANNEL, ("ana", "#nowhere", "No such channel")),
    ]
    assert h.user("bo") in h.channel("#theirs").members


def test_kick_with_unmatched_channels_and_users_is_461() -> None:
    h = Harness()
    ana, _bo, _cy = h.room("ana", "bo", "cy")
    ana.send("KICK #room,#room bo,cy,ana")
    assert ana.replies() == [(n.ERR_NEEDMOREPARAMS, ("ana", "KICK", "Not enough parameters"))]
    assert len(h.channel("#room").members) == 3


def test_kick_stops_at_targmax() -> None:
    h = Harness(max_targets=2)
    ana, _bo, _cy, _dee = h.room("ana", "bo", "cy", "dee")
    eve = h.connect()
    eve.send("NICK eve", "USER eve 0 * :Eve")
    targmax = next(p for m in eve.take() if m.command == "005" for p in m.params if "TARGMAX" in p)
    assert ",KICK:2," in targmax  # what is advertised is what is done
    ana.send("KICK #room,#room,#room bo,cy,dee")
    assert ana.replies() == [("KICK", ("#room", "bo", "ana")), ("KICK", ("#room", "cy", "ana"))]


def test_kick_user_not_in_channel() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    h.client("bo")
    ana.send("KICK #room bo")
    assert ana.replies() == [
        (n.ERR_USERNOTINCHANNEL, ("ana", "bo", "#room", "They aren't on that channel"))
    ]


def test_kick_unknown_nick() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("KICK #room ghost")
    assert ana.replies() == [(n.ERR_NOSUCHNICK, ("ana", "ghost", "No such nick/channel"))]


def test_kick_by_non_member_is_refused() -> None:
    h = Harness()
    h.room("ana")
    bo = h.client("bo")
    bo.send("KICK #room ana")
    assert bo.replies() == [(n.ERR_NOTONCHANNEL, ("bo", "#room", "You're not on that channel"))]


def test_kick_on_unknown_channel() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("KICK #nowhere bo")
    assert ana.replies() == [(n.ERR_NOSUCHCHANNEL, ("ana", "#nowhere", "No such channel"))]


def test_kick_needs_a_channel_and_a_user() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("KICK #room")
    assert ana.replies() == [(n.ERR_NEEDMOREPARAMS, ("ana", "KICK", "Not enough parameters"))]


# -- INVITE -----------------------------------------------------------------------------------


def test_invite_replies_rpl_inviting_and_sends_invite_to_the_target() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    bo = h.client("bo")
    ana.send("INVITE bo #room")
    assert ana.replies() == [(n.RPL_INVITING, ("ana", "bo", "#room"))]
    assert [(m.command, m.source, m.params) for m in bo.take()] == [
        ("INVITE", f"ana!~ana@{HOST}", ("bo", "#room"))
    ]


def test_invitation_lets_the_user_into_an_invite_only_channel_once() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    bo = h.client("bo")
    ana.send("MODE #room +i", "INVITE bo #room")
    bo.take()
    bo.send("JOIN #room")
    assert bo.replies()[0] == ("JOIN", ("#room",))
    bo.send("PART #room", "JOIN #room")
    assert bo.replies()[-1][0] == n.ERR_INVITEONLYCHAN


def test_invitation_bypasses_limit_and_ban_but_not_key() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    bo = h.client("bo")
    cy = h.client("cy")
    ana.send("MODE #room +lb 1 bo", "INVITE bo #room")
    bo.take()
    bo.send("JOIN #room")
    assert bo.replies()[0] == ("JOIN", ("#room",))
    ana.send("MODE #room -l+k sesame", "INVITE cy #room")
    cy.take()
    cy.send("JOIN #room")
    assert cy.replies()[0][0] == n.ERR_BADCHANNELKEY


def test_invite_to_invite_only_channel_requires_channel_operator() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    ana.send("MODE #room +i")
    h.client("cy")
    bo.take()
    bo.send("INVITE cy #room")
    assert bo.replies() == [
        (n.ERR_CHANOPRIVSNEEDED, ("bo", "#room", "You're not channel operator"))
    ]


def test_invite_to_open_channel_may_come_from_any_member() -> None:
    h = Harness()
    _ana, bo = h.room("ana", "bo")
    h.client("cy")
    bo.send("INVITE cy #room")
    assert bo.replies() == [(n.RPL_INVITING, ("bo", "cy", "#room"))]


def test_invite_of_user_already_on_channel() -> None:
    h = Harness()
    ana, _bo = h.room("ana", "bo")
    ana.send("INVITE BO #room")
    assert ana.replies() == [(n.ERR_USERONCHANNEL, ("ana", "bo", "#room", "is already on channel"))]


def test_invite_of_unknown_nick() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("INVITE ghost #room")
    assert ana.replies() == [(n.ERR_NOSUCHNICK, ("ana", "ghost", "No such nick/channel"))]


def test_invite_to_unknown_channel() -> None:
    h = Harness()
    ana = h.client("ana")
    h.client("bo")
    ana.send("INVITE bo #nowhere")
    assert ana.replies() == [(n.ERR_NOSUCHCHANNEL, ("ana", "#nowhere", "No such channel"))]


def test_invite_by_non_member_is_refused() -> None:
    h = Harness()
    h.room("ana")
    bo = h.client("bo")
    h.client("cy")
    bo.send("INVITE cy #room")
    assert bo.replies() == [(n.ERR_NOTONCHANNEL, ("bo", "#room", "You're not on that channel"))]


def test_invite_tells_the_inviter_the_target_is_away() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    h.client("bo")
    h.user("bo").away = "lunch"
    ana.send("INVITE bo #room")
    assert ana.replies() == [
        (n.RPL_INVITING, ("ana", "bo", "#room")),
        (n.RPL_AWAY, ("ana", "bo", "lunch")),
    ]


def test_invite_notify_tells_members_with_the_capability() -> None:
    h = Harness()
    ana = h.client("ana")
    notified = h.client("notified", caps=["invite-notify"])
    plain = h.client("plain")
    for client in (ana, notified, plain):
        client.send("JOIN #room")
    for client in (ana, notified, plain):
        client.take()
    h.client("bo")
    ana.send("INVITE bo #room")
    assert [(m.command, m.source, m.params) for m in notified.take()] == [
        ("INVITE", f"ana!~ana@{HOST}", ("bo", "#room"))
    ]
    assert plain.take() == []


def test_invite_notify_on_invite_only_channel_tells_only_operators() -> None:
    h = Harness()
    ana = h.client("ana")
    op = h.client("op", caps=["invite-notify"])
    member = h.client("member", caps=["invite-notify"])
    for client in (ana, op, member):
        client.send("JOIN #room")
    ana.send("MODE #room +io op")
    for client in (ana, op, member):
        client.take()
    h.client("bo")
    ana.send("INVITE bo #room")
    assert [m.command for m in op.take()] == ["INVITE"]
    assert member.take() == []


def test_invite_without_parameters_lists_pending_invitations() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    bo = h.client("bo")
    bo.send("INVITE")
    assert bo.replies() == [(n.RPL_ENDOFINVITELIST, ("bo", "End of /INVITE list"))]
    ana.send("INVITE bo #room")
    bo.take()
    bo.send("INVITE")
    assert bo.replies() == [
        (n.RPL_INVITELIST, ("bo", "#room")),
        (n.RPL_ENDOFINVITELIST, ("bo", "End of /INVITE list")),
    ]


def test_invite_with_only_a_nick_needs_more_params() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("INVITE bo")
    assert ana.replies() == [(n.ERR_NEEDMOREPARAMS, ("ana", "INVITE", "Not enough parameters"))]

"""Channel modes of issue 16: ban exceptions ``+e``, invite exceptions ``+I``, the mute extban
``m:``, no-CTCP ``+C``, registered-only ``+R``, and ``STATUSMSG`` targets.

References: Modern IRC "Ban Exception Channel Mode", "Invite Exception Channel Mode", the
ISUPPORT ``EXCEPTS``, ``INVEX``, ``EXTBAN``, ``STATUSMSG`` parameters; InspIRCd and Ergo for
``m:``, ``+C`` and ``+R``.
"""

from __future__ import annotations

import pytest

from chinwag.protocol import numerics as n
from chinwag.server.history import HistoryWriter
from tests.server.harness import HOST, Harness

# -- +e and +I as list modes --------------------------------------------------------------------


def test_exception_and_invex_masks_are_completed_listed_and_removed() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +eI bo cy@host")
    assert ana.lines() == [("MODE", "#room", "+eI", "bo!*@*", "*!cy@host")]
    ana.send("MODE #room e")
    replies = ana.replies()
    assert [code for code, _ in replies] == [n.RPL_EXCEPTLIST, n.RPL_ENDOFEXCEPTLIST]
    assert replies[0][1][:3] == ("ana", "#room", "bo!*@*")
    assert replies[1][1] == ("ana", "#room", "End of channel exception list")
    ana.send("MODE #room +I")
    replies = ana.replies()
    assert [code for code, _ in replies] == [n.RPL_INVEXLIST, n.RPL_ENDOFINVEXLIST]
    assert replies[0][1][:3] == ("ana", "#room", "*!cy@host")
    ana.send("MODE #room -e+b BO!*@* x")
    assert ana.lines() == [("MODE", "#room", "-e+b", "bo!*@*", "x!*@*")]
    assert h.channel("#room").excepts == []


def test_exception_lists_are_for_operators_but_bans_for_anyone() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    ana.send("MODE #room +e friend")
    ana.take()
    bo.take()
    bo.send("MODE #room +e")
    assert bo.replies() == [
        (n.ERR_CHANOPRIVSNEEDED, ("bo", "#room", "You're not channel operator"))
    ]
    bo.send("MODE #room +b")
    assert [code for code, _ in bo.replies()] == [n.RPL_ENDOFBANLIST]


def test_exception_and_invex_lists_are_limited_like_bans() -> None:
    h = Harness(max_bans=1)
    (ana,) = h.room("ana")
    ana.send("MODE #room +e one", "MODE #room +I one")
    ana.take()
    ana.send("MODE #room +e two")
    assert ana.replies() == [
        (n.ERR_BANLISTFULL, ("ana", "#room", "two!*@*", "Channel exception list is full"))
    ]
    ana.send("MODE #room +I two")
    assert ana.replies() == [
        (n.ERR_BANLISTFULL, ("ana", "#room", "two!*@*", "Channel invite exception list is full"))
    ]


def test_non_operator_cannot_set_exceptions() -> None:
    h = Harness()
    _ana, bo = h.room("ana", "bo")
    bo.send("MODE #room +e bo")
    assert [code for code, _ in bo.replies()] == [n.ERR_CHANOPRIVSNEEDED]
    assert h.channel("#room").excepts == []


# -- +e: ban exceptions ---------------------------------------------------------------------------


def test_a_ban_exception_lets_a_banned_user_join_and_speak() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    ana.send(f"MODE #room +be *!*@{HOST} bo")
    ana.take()
    bo.take()
    bo.send("PRIVMSG #room :still here")
    assert ana.commands() == ["PRIVMSG"]
    cy = h.client("cy")
    cy.send("JOIN #room")
    assert [code for code, _ in cy.replies()] == [n.ERR_BANNEDFROMCHAN]
    bo.send("PART #room")
    bo.send("JOIN #room")
    assert "JOIN" in bo.commands()


def test_a_mute_exception_does_not_lift_a_plain_ban() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +be bo m:bo")
    ana.take()
    bo = h.client("bo")
    bo.send("JOIN #room")
    assert [code for code, _ in bo.replies()] == [n.ERR_BANNEDFROMCHAN]


# -- +I: invite exceptions ------------------------------------------------------------------------


def test_an_invite_exception_lets_a_matching_user_into_an_invite_only_channel() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +iI bo")
    ana.take()
    bo, cy = h.client("bo"), h.client("cy")
    bo.send("JOIN #room")
    assert "JOIN" in bo.commands()
    cy.send("JOIN #room")
    assert [code for code, _ in cy.replies()] == [n.ERR_INVITEONLYCHAN]


def test_an_invite_exception_does_not_get_past_a_ban() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +iIb bo bo")
    ana.take()
    bo = h.client("bo")
    bo.send("JOIN #room")
    assert [code for code, _ in bo.replies()] == [n.ERR_BANNEDFROMCHAN]


# -- m: the mute extban ---------------------------------------------------------------------------


def test_a_mute_keeps_a_member_quiet_but_lets_them_in() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +b M:bo")
    assert ana.lines() == [("MODE", "#room", "+b", "m:bo!*@*")]
    bo = h.client("bo")
    bo.send("JOIN #room")
    assert "JOIN" in bo.commands()
    ana.take()
    bo.send("PRIVMSG #room :hello?")
    assert bo.lines() == [
        (n.ERR_CANNOTSENDTOCHAN, "bo", "#room", "Cannot send to channel (you're muted)")
    ]
    assert ana.raw() == []


def test_a_mute_exception_lifts_the_mute_and_voice_speaks_through_it() -> None:
    h = Harness()
    ana, bo, cy = h.room("ana", "bo", "cy")
    ana.send(f"MODE #room +be m:*!*@{HOST} m:bo")
    for client in (ana, bo, cy):
        client.take()
    bo.send("PRIVMSG #room :excepted")
    assert ana.commands() == ["PRIVMSG"]
    cy.take()
    cy.send("PRIVMSG #room :muted")
    assert [code for code, _ in cy.replies()] == [n.ERR_CANNOTSENDTOCHAN]
    ana.send("MODE #room +v cy")
    ana.take()
    bo.take()
    cy.take()
    cy.send("PRIVMSG #room :voiced")
    assert ana.commands() == ["PRIVMSG"]


def test_a_mute_by_account_is_kept_as_written_and_quiets_only_that_account() -> None:
    h = Harness()
    ana, bo, cy = h.room("ana", "bo", "cy")
    ana.send("MODE #room +b M:a:bo")
    assert ana.lines() == [("MODE", "#room", "+b", "m:a:bo")]
    bo.take()
    cy.take()
    bo.send("PRIVMSG #room :still a guest")  # not logged in yet: the mute does not match
    assert ana.commands() == ["PRIVMSG"]
    bo.send("REGISTER * :correct horse")
    bo.take()
    assert h.user("bo").account == "bo"
    ana.take()
    cy.take()
    bo.send("PRIVMSG #room :now muted")
    assert bo.lines() == [
        (n.ERR_CANNOTSENDTOCHAN, "bo", "#room", "Cannot send to channel (you're muted)")
    ]
    assert ana.raw() == []
    cy.send("PRIVMSG #room :others speak")
    assert ana.commands() == ["PRIVMSG"]
    assert "JOIN" not in bo.commands()  # muted, not banned: still a member
    assert h.user("bo") in h.channel("#room").members


def test_a_mute_by_an_empty_account_is_refused() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +b m:a:")
    assert ana.replies()[0][0] == n.ERR_INVALIDMODEPARAM
    assert h.channel("#room").bans == []


# -- +C: no CTCP ----------------------------------------------------------------------------------


def test_no_ctcp_refuses_ctcp_but_not_action() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    ana.send("MODE #room +C")
    ana.take()
    bo.take()
    bo.send("PRIVMSG #room :\x01VERSION\x01")
    assert bo.lines() == [
        (n.ERR_CANNOTSENDTOCHAN, "bo", "#room", "Cannot send CTCP to channel (+C)")
    ]
    bo.send("NOTICE #room :\x01PING 1\x01")
    assert bo.raw() == []
    assert ana.raw() == []
    bo.send("PRIVMSG #room :\x01ACTION waves\x01", "PRIVMSG #room :plain")
    assert ana.commands() == ["PRIVMSG", "PRIVMSG"]


def test_ctcp_is_allowed_without_plus_c() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    bo.send("PRIVMSG #room :\x01VERSION\x01")
    assert ana.commands() == ["PRIVMSG"]


# -- +R: registered only ---------------------------------------------------------------------------


def test_registered_only_channel_refuses_users_not_logged_in() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +R")
    ana.take()
    bo = h.client("bo")
    bo.send("JOIN #room")
    assert bo.replies() == [
        (
            n.ERR_NEEDREGGEDNICK,
            ("bo", "#room", "Cannot join channel (+R) - you need to be logged in"),
        )
    ]
    bo.send("REGISTER * :correct-horse-battery")
    bo.take()
    bo.send("JOIN #room")
    assert "JOIN" in bo.commands()


def test_an_operators_invitation_gets_past_plus_r() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    bo = h.client("bo")
    ana.send("MODE #room +R", "INVITE bo #room")
    bo.take()
    bo.send("JOIN #room")
    assert "JOIN" in bo.commands()


# -- STATUSMSG ----------------------------------------------------------------------------------


def test_a_message_to_at_room_reaches_only_operators() -> None:
    h = Harness()
    ana, bo, cy = h.room("ana", "bo", "cy")
    ana.send("MODE #room +o bo")
    for client in (ana, bo, cy):
        client.take()
    cy.send("PRIVMSG @#room :psst ops")
    assert ana.lines() == [("PRIVMSG", "@#room", "psst ops")]
    assert bo.lines() == [("PRIVMSG", "@#room", "psst ops")]
    assert cy.raw() == []


def test_a_message_to_plus_room_reaches_voiced_and_operators() -> None:
    h = Harness()
    ana, bo, cy, dee = h.room("ana", "bo", "cy", "dee")
    ana.send("MODE #room +v bo")
    for client in (ana, bo, cy, dee):
        client.take()
    ana.send("NOTICE +#room :voices")
    assert bo.lines() == [("NOTICE", "+#room", "voices")]
    assert cy.raw() == [] and dee.raw() == [] and ana.raw() == []


def test_statusmsg_needs_membership_and_the_right_to_speak() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    cy = h.client("cy")
    h.channel("#room").modes.discard("n")
    cy.send("PRIVMSG @#room :from outside")
    assert cy.lines() == [
        (n.ERR_CANNOTSENDTOCHAN, "cy", "#room", "Cannot send to channel (not a member)")
    ]
    ana.send("MODE #room +m")
    ana.take()
    bo.take()
    bo.send("PRIVMSG @#room :moderated")
    assert [code for code, _ in bo.replies()] == [n.ERR_CANNOTSENDTOCHAN]
    cy.send("PRIVMSG @#nowhere :x")
    assert [code for code, _ in cy.replies()] == [n.ERR_NOSUCHCHANNEL]
    assert ana.raw() == []


def test_statusmsg_is_echoed_and_reaches_the_senders_other_devices() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    bo.send("CAP REQ echo-message")
    bo.take()
    bo.send("PRIVMSG @#room :to ops")
    assert bo.lines() == [("PRIVMSG", "@#room", "to ops")]
    assert ana.lines() == [("PRIVMSG", "@#room", "to ops")]


def test_statusmsg_is_not_kept_in_the_rooms_history(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(HistoryWriter, "_start", lambda self: None)
    h = Harness()
    ana, _bo = h.room("ana", "bo")
    ana.send("PRIVMSG @#room :ops only", "PRIVMSG #room :for all")
    _seq, records = h.core.deps.history.drain()
    said = repr(records)
    assert "for all" in said
    assert "ops only" not in said

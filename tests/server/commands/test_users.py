"""AWAY, SETNAME, OPER, KILL, WALLOPS and MONITOR.

References: https://modern.ircdocs.horse/#away-message, #oper-message, #kill-message;
https://ircv3.net/specs/extensions/setname, https://ircv3.net/specs/extensions/monitor.
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from chinwag.config import Config, Operator, ServerInfo
from tests.server.harness import HOST, Harness


def hashed(password: str) -> str:
    """An operator password as config holds it: its argon2 hash (quick parameters)."""
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(password)


SECRET = hashed("secret")


def with_operators(*operators: Operator) -> Harness:
    return Harness(
        Config(server=ServerInfo(name="irc.test", network="TestNet"), operators=operators)
    )


# -- AWAY -----------------------------------------------------------------------------------


def test_away_with_text_marks_the_user_away() -> None:
    h = Harness()
    ana = h.client("ana")

    ana.send("AWAY :at lunch")

    assert ana.lines() == [("306", "ana", "You have been marked as being away")]
    assert h.user("ana").away == "at lunch"


def test_away_text_is_cut_to_awaylen() -> None:
    h = Harness(awaylen=5)
    ana = h.client("ana")

    ana.send("AWAY :at lunch")

    assert h.user("ana").away == "at lu"


def test_away_without_text_or_with_empty_text_marks_the_user_back() -> None:
    h = Harness()
    ana = h.client("ana")

    for back in ("AWAY", "AWAY :"):
        ana.send("AWAY :out")
        ana.take()
        ana.send(back)
        assert ana.lines() == [("305", "ana", "You are no longer marked as being away")]
        assert h.user("ana").away is None


def test_away_is_announced_to_away_notify_neighbours_only() -> None:
    h = Harness()
    ana = h.client("ana")
    bo = h.client("bo", caps=["away-notify"])
    cy = h.client("cy")
    h.join("#tea", ana, bo, cy)

    ana.send("AWAY :at lunch")
    assert bo.events() == [(f"ana!~ana@{HOST}", "AWAY", ("at lunch",))]
    ana.send("AWAY")
    assert bo.events() == [(f"ana!~ana@{HOST}", "AWAY", ())]
    assert cy.take() == []


def test_coming_back_when_not_away_announces_nothing() -> None:
    h = Harness()
    ana = h.client("ana")
    bo = h.client("bo", caps=["away-notify"])
    h.join("#tea", ana, bo)

    ana.send("AWAY")

    assert ana.lines() == [("305", "ana", "You are no longer marked as being away")]
    assert bo.take() == []


# -- SETNAME --------------------------------------------------------------------------------


def test_setname_changes_the_realname_and_echoes_to_the_sender_with_the_cap() -> None:
    h = Harness()
    ana = h.client("ana", caps=["setname"])

    ana.send("SETNAME :Ana Lovelace")

    assert ana.events() == [(f"ana!~ana@{HOST}", "SETNAME", ("Ana Lovelace",))]
    assert h.user("ana").realname == "Ana Lovelace"


def test_setname_is_silent_but_effective_without_the_cap() -> None:
    h = Harness()
    ana = h.client("ana")

    ana.send("SETNAME :Ana Lovelace")

    assert ana.take() == []
    assert h.user("ana").realname == "Ana Lovelace"


def test_setname_reaches_neighbours_with_the_cap_only() -> None:
    h = Harness()
    ana = h.client("ana")
    bo = h.client("bo", caps=["setname"])
    cy = h.client("cy")
    dee = h.client("dee", caps=["setname"])
    h.join("#tea", ana, bo, cy)

    ana.send("SETNAME :Ana Lovelace")

    assert bo.events() == [(f"ana!~ana@{HOST}", "SETNAME", ("Ana Lovelace",))]
    assert cy.take() == []
    assert dee.take() == []  # shares no channel and does not monitor ana


def test_setname_too_long_fails_and_changes_nothing() -> None:
    h = Harness(realnamelen=10)
    ana = h.client("ana", caps=["setname"])

    ana.send("SETNAME :Ana Lovelace Byron")

    assert ana.lines() == [("FAIL", "SETNAME", "INVALID_REALNAME", "Realname is not valid")]
    assert h.user("ana").realname == "ana Exampl"  # as USER cut it to realnamelen


def test_setname_at_exactly_the_limit_is_accepted() -> None:
    h = Harness(realnamelen=10)
    ana = h.client("ana")

    ana.send("SETNAME :0123456789")

    assert h.user("ana").realname == "0123456789"


def test_setname_empty_fails() -> None:
    h = Harness()
    ana = h.client("ana")

    ana.send("SETNAME :")

    assert ana.lines() == [("FAIL", "SETNAME", "INVALID_REALNAME", "Realname is not valid")]
    assert h.user("ana").realname == "ana Example"


# -- OPER -----------------------------------------------------------------------------------


def test_oper_with_the_right_password_grants_operator_status() -> None:
    h = with_operators(Operator("admin", SECRET, "*"))
    ana = h.client("ana")

    ana.send("OPER admin secret")

    assert ana.events() == [
        ("irc.test", "381", ("ana", "You are now an IRC operator")),
        (f"ana!~ana@{HOST}", "MODE", ("ana", "+o")),
    ]
    assert h.user("ana").is_oper


def test_oper_with_an_argon2_hashed_password() -> None:
    h = with_operators(Operator("admin", SECRET, "*"))
    ana, bo = h.client("ana"), h.client("bo")

    ana.send("OPER admin wrong")
    bo.send("OPER admin secret")

    assert ana.lines() == [("464", "ana", "Password incorrect")]
    assert not h.user("ana").is_oper
    assert ("381", "bo", "You are now an IRC operator") in bo.lines()
    assert h.user("bo").is_oper


def test_oper_with_a_wrong_password_is_password_mismatch() -> None:
    h = with_operators(Operator("admin", SECRET, "*"))
    ana = h.client("ana")

    ana.send("OPER admin Secret")

    assert ana.lines() == [("464", "ana", "Password incorrect")]
    assert not h.user("ana").is_oper


def test_a_plaintext_password_in_a_config_built_in_code_matches_nothing() -> None:
    # load_config refuses plaintext passwords; one that gets in another way is no way in.
    h = with_operators(Operator("admin", "secret", "*"))
    ana = h.client("ana")

    ana.send("OPER admin secret")

    assert ana.lines() == [("464", "ana", "Password incorrect")]
    assert not h.user("ana").is_oper


def test_oper_attempts_past_the_limit_are_refused_unchecked_saying_how_long_to_wait() -> None:
    h = with_operators(Operator("admin", SECRET, "*"))
    ana = h.client("ana")
    limit = h.core.config.accounts.login_failures

    for _ in range(limit):
        ana.send("OPER admin wrong")
    ana.send("OPER admin secret")

    lines = ana.lines()
    assert lines[:limit] == [("464", "ana", "Password incorrect")] * limit
    assert lines[limit] == (
        "464",
        "ana",
        "Too many failed OPER attempts; try again in 60 seconds",
    )
    assert not h.user("ana").is_oper
    h.clock.advance(h.core.config.accounts.login_window + 1)
    ana.send("OPER admin secret")
    assert ("381", "ana", "You are now an IRC operator") in ana.lines()


def test_oper_with_an_unknown_name_is_no_oper_host() -> None:
    h = with_operators(Operator("admin", SECRET, "*"))
    ana = h.client("ana")

    ana.send("OPER root secret")

    assert ana.lines() == [("491", "ana", "No O-lines for your host")]
    assert not h.user("ana").is_oper


def test_oper_from_a_host_outside_the_mask_is_no_oper_host() -> None:
    h = with_operators(Operator("admin", SECRET, "*@10.*"))
    ana = h.client("ana")

    ana.send("OPER admin secret")

    assert ana.lines() == [("491", "ana", "No O-lines for your host")]


def test_oper_hostmask_is_matched_against_username_at_host() -> None:
    h = with_operators(Operator("admin", SECRET, "~ana@127.0.0.*"))
    ana, bo = h.client("ana"), h.client("bo")

    ana.send("OPER admin secret")
    bo.send("OPER admin secret")

    assert h.user("ana").is_oper
    assert bo.lines() == [("491", "bo", "No O-lines for your host")]


def test_oper_needs_a_name_and_a_password() -> None:
    h = with_operators(Operator("admin", SECRET, "*"))
    ana = h.client("ana")

    ana.send("OPER admin")

    assert ana.lines() == [("461", "ana", "OPER", "Not enough parameters")]


def test_oper_never_logs_the_password(caplog: pytest.LogCaptureFixture) -> None:
    h = with_operators(Operator("admin", hashed("s3cr3t-pw"), "*"))
    ana = h.client("ana")

    with caplog.at_level("DEBUG"):
        ana.send("OPER admin s3cr3t-pw", "OPER admin wr0ng-pw")

    assert "is now an IRC operator" in caplog.text
    assert "s3cr3t-pw" not in caplog.text
    assert "wr0ng-pw" not in caplog.text


# -- KILL -----------------------------------------------------------------------------------


def test_kill_needs_operator_status() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")

    ana.send("KILL bo :go away")

    assert ana.lines() == [("481", "ana", "Permission Denied- You're not an IRC operator")]
    assert not bo.closed


def test_kill_unknown_nick_is_no_such_nick() -> None:
    h = Harness()
    ana = h.client("ana")
    h.user("ana").modes |= {"o"}

    ana.send("KILL ghost :boo")

    assert ana.lines() == [("401", "ana", "ghost", "No such nick/channel")]


def test_kill_disconnects_the_target_and_tells_its_channels() -> None:
    h = Harness()
    ana, bo, cy = h.client("ana"), h.client("bo"), h.client("cy")
    h.join("#tea", bo, cy)
    h.user("ana").modes |= {"o"}

    ana.send("KILL bo :spamming")

    assert bo.events() == [
        (f"ana!~ana@{HOST}", "KILL", ("bo", "spamming")),
        (None, "ERROR", (f"Closing Link: {HOST} (Killed (ana (spamming)))",)),
    ]
    assert bo.closed
    assert cy.events() == [(f"bo!~bo@{HOST}", "QUIT", ("Killed (ana (spamming))",))]
    assert h.core.network.find_user("bo") is None
    assert ana.take() == []


def test_kill_needs_a_comment() -> None:
    h = Harness()
    ana = h.client("ana")
    h.client("bo")
    h.user("ana").modes |= {"o"}

    ana.send("KILL bo")

    assert ana.lines() == [("461", "ana", "KILL", "Not enough parameters")]


# -- MONITOR --------------------------------------------------------------------------------


def test_monitor_add_reports_who_is_online_and_offline() -> None:
    h = Harness()
    h.client("Bo")
    ana = h.client("ana")

    ana.send("MONITOR + bo,ghost")

    assert ana.lines() == [("730", "ana", f"Bo!~Bo@{HOST}"), ("731", "ana", "ghost")]
    assert h.core.network.monitors == {"bo": {ana.session}, "ghost": {ana.session}}
    assert ana.session.monitoring == {"bo", "ghost"}


def test_a_running_service_is_always_online_to_monitor() -> None:
    h = Harness()
    ana = h.client("ana")

    ana.send("MONITOR + nickserv,ChanServ,OperServ")

    # NickServ and ChanServ run; OperServ is only a reserved name, nobody answers it.
    assert ana.lines() == [
        ("730", "ana", "NickServ!NickServ@services,ChanServ!ChanServ@services"),
        ("731", "ana", "OperServ"),
    ]


def test_monitor_add_skips_invalid_nicks_and_duplicates() -> None:
    h = Harness()
    ana = h.client("ana")

    ana.send("MONITOR + ghost,#chan,GHOST,1x")

    assert ana.lines() == [("731", "ana", "ghost")]
    assert ana.session.monitoring == {"ghost"}


def test_monitor_list_shows_every_target_then_the_end() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("MONITOR + zed,Bo")
    ana.take()

    ana.send("MONITOR L")

    assert ana.lines() == [("732", "ana", "bo,zed"), ("733", "ana", "End of MONITOR list")]


def test_monitor_list_when_empty_is_just_the_end() -> None:
    h = Harness()
    ana = h.client("ana")

    ana.send("MONITOR L")

    assert ana.lines() == [("733", "ana", "End of MONITOR list")]


def test_monitor_remove_is_silent_and_forgets_the_target() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("MONITOR + bo,zed")
    ana.take()

    ana.send("MONITOR - BO")

    assert ana.take() == []
    assert ana.session.monitoring == {"zed"}
    assert h.core.network.monitors == {"zed": {ana.session}}


def test_monitor_clear_is_silent_and_forgets_everything() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("MONITOR + bo,zed")
    ana.take()

    ana.send("MONITOR C")

    assert ana.take() == []
    assert ana.session.monitoring == set()
    assert h.core.network.monitors == {}


def test_monitor_status_reports_every_target() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("MONITOR + bo,zed")
    ana.take()
    h.client("bo")
    ana.take()  # the online notification

    ana.send("MONITOR S")

    assert ana.lines() == [("730", "ana", f"bo!~bo@{HOST}"), ("731", "ana", "zed")]


def test_monitor_full_list_adds_what_fits_and_names_the_rest() -> None:
    h = Harness(monitor=2)
    ana = h.client("ana")
    ana.send("MONITOR + one")
    ana.take()

    ana.send("MONITOR + two,three,four")

    assert ana.lines() == [
        ("731", "ana", "two"),
        ("734", "ana", "2", "three,four", "Monitor list is full."),
    ]
    assert ana.session.monitoring == {"one", "two"}


def test_monitor_re_adding_a_target_at_the_limit_is_not_an_error() -> None:
    h = Harness(monitor=1)
    ana = h.client("ana")
    ana.send("MONITOR + one")
    ana.take()

    ana.send("MONITOR + ONE")

    assert ana.lines() == [("731", "ana", "ONE")]


def test_monitor_plus_or_minus_needs_targets() -> None:
    h = Harness()
    ana = h.client("ana")

    ana.send("MONITOR +", "MONITOR")

    assert ana.lines() == [
        ("461", "ana", "MONITOR", "Not enough parameters"),
        ("461", "ana", "MONITOR", "Not enough parameters"),
    ]


def test_monitor_unknown_subcommand() -> None:
    h = Harness()
    ana = h.client("ana")

    ana.send("MONITOR X")

    assert ana.lines() == [("400", "ana", "MONITOR", "Unknown MONITOR subcommand")]


def test_monitor_entries_go_when_the_session_ends() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("MONITOR + bo")

    ana.send("QUIT")

    assert h.core.network.monitors == {}


# -- WALLOPS --------------------------------------------------------------------------------


def test_wallops_needs_operator_status() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    bo.send("MODE bo +w")
    bo.take()
    ana.send("WALLOPS :hello")
    assert ana.lines() == [("481", "ana", "Permission Denied- You're not an IRC operator")]
    assert bo.take() == []


def test_wallops_reaches_users_with_mode_w_only() -> None:
    h = Harness()
    ana, bo, cy = h.client("ana"), h.client("bo"), h.client("cy")
    h.user("ana").modes |= {"o"}
    bo.send("MODE bo +w")
    assert bo.events() == [("bo", "MODE", ("bo", "+w"))]

    ana.send("WALLOPS :server restarts at noon")

    assert bo.events() == [(f"ana!~ana@{HOST}", "WALLOPS", ("server restarts at noon",))]
    assert cy.take() == []
    assert ana.take() == []  # the sender has no +w


def test_wallops_reaches_the_sender_with_mode_w() -> None:
    h = Harness()
    ana = h.client("ana")
    h.user("ana").modes |= {"o", "w"}
    ana.send("WALLOPS :note")
    assert ana.events() == [(f"ana!~ana@{HOST}", "WALLOPS", ("note",))]


def test_wallops_mode_w_can_be_unset_and_shows_in_umodeis() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.user("ana").modes |= {"o"}
    bo.send("MODE bo +w", "MODE bo")
    assert bo.lines()[-1] == ("221", "bo", "+w")
    bo.send("MODE bo -w")
    bo.take()
    ana.send("WALLOPS :anyone?")
    assert bo.take() == []


def test_wallops_without_text_is_461() -> None:
    h = Harness()
    ana = h.client("ana")
    h.user("ana").modes |= {"o"}
    ana.send("WALLOPS")
    assert ana.lines() == [("461", "ana", "WALLOPS", "Not enough parameters")]
    ana.send("WALLOPS :")
    assert ana.lines() == [("461", "ana", "WALLOPS", "Not enough parameters")]

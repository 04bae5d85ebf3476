"""Registration as a phase machine: CAP, SASL, accounts and the welcome burst; no network."""

from __future__ import annotations

import base64

import pytest
from scramp import ScramMechanism

from chinwag.client import events as ev
from chinwag.client.negotiation import Phase
from chinwag.client.protocol import ClientProtocol, NotRegistered
from tests.client.harness import (
    ALL_CAPS,
    NOW,
    SASL_CAPS,
    b64,
    feed,
    joined_lobby,
    negotiate,
    new,
    only,
    registered,
    sent,
)

# -- registration and capabilities ---------------------------------------------------------


def test_register_asks_for_caps_then_pass_nick_user() -> None:
    proto = new(password="sesame", realname="Ana Smith")
    proto.register()
    assert sent(proto) == [
        "CAP LS 302",
        "PASS sesame",
        "NICK ana",
        "USER ana 0 * :Ana Smith",
    ]


def test_multiline_cap_ls_requests_what_we_use_and_ends_after_ack() -> None:
    proto = new()
    proto.register()
    sent(proto)
    assert feed(proto, ":irc.test CAP * LS * :multi-prefix foo server-time") == []
    assert sent(proto) == []  # more to come
    feed(proto, ":irc.test CAP * LS :draft/metadata-2=maxsub=10 batch unknown/thing")
    [request] = sent(proto)
    assert request.startswith("CAP REQ :")
    assert set(request.split(":", 1)[1].split()) == {
        "multi-prefix",
        "server-time",
        "draft/metadata-2",
        "batch",
    }
    assert proto.caps_available["draft/metadata-2"] == "maxsub=10"
    events = feed(proto, f":irc.test CAP * ACK :{request.split(' ', 2)[2].lstrip(':')}")
    assert sent(proto) == ["CAP END"]
    [changed] = events
    assert isinstance(changed, ev.CapabilitiesChanged)
    assert "server-time" in changed.enabled
    assert proto.has_cap("draft/metadata-2")


@pytest.mark.parametrize(
    ("offered", "requested"),
    [
        ("batch draft/metadata-2 draft/metadata-3", "draft/metadata-3"),
        ("batch draft/metadata-3=max-subs=5", "draft/metadata-3"),
        ("batch draft/metadata-2=max-subs=5", "draft/metadata-2"),
    ],
)
def test_the_newest_metadata_draft_offered_is_requested_never_both(
    offered: str, requested: str
) -> None:
    proto = new()
    proto.register()
    sent(proto)

    feed(proto, f":irc.test CAP * LS :{offered}")

    [request] = sent(proto)
    names = set(request.split(" ", 2)[2].lstrip(":").split())
    assert names == {"batch", requested}


def test_metadata_3_offered_later_is_not_added_to_metadata_2() -> None:
    proto = registered(caps="batch draft/metadata-2")
    assert proto.has_cap("draft/metadata-2")

    feed(proto, ":irc.test CAP ana NEW :draft/metadata-3")

    assert sent(proto) == []


def test_with_metadata_3_the_colour_is_subscribed_and_set_after_the_welcome() -> None:
    proto = new(metadata={"color": "#ff00af"})
    proto.register()
    feed(proto, ":irc.test CAP * LS :batch draft/metadata-3")
    feed(proto, ":irc.test CAP * ACK :batch draft/metadata-3")
    sent(proto)

    feed(proto, ":irc.test 001 ana :Welcome", ":irc.test 422 ana :No MOTD")

    assert sent(proto) == ["METADATA * SUB color", "METADATA * SET color #ff00af"]
    assert proto.shares_metadata


def test_cap_nak_still_ends_negotiation() -> None:
    proto = new()
    proto.register()
    sent(proto)
    feed(proto, ":irc.test CAP * LS :server-time")
    assert sent(proto) == ["CAP REQ server-time"]
    feed(proto, ":irc.test CAP * NAK :server-time")
    assert sent(proto) == ["CAP END"]
    assert not proto.has_cap("server-time")


def test_nothing_wanted_ends_at_once_and_a_server_without_cap_still_registers() -> None:
    proto = new()
    proto.register()
    sent(proto)
    feed(proto, ":irc.test CAP * LS :foo bar")
    assert sent(proto) == ["CAP END"]

    old = new()
    old.register()
    sent(old)
    events = feed(
        old,
        ":old.server 421 * CAP :Unknown command",
        ":old.server 001 ana :Welcome",
        ":old.server 422 ana :No MOTD",
    )
    assert [type(event) for event in events] == [ev.ServerReply, ev.Registered]


def test_cap_new_and_del_with_cap_notify() -> None:
    proto = registered(caps="cap-notify batch")
    feed(proto, ":irc.test CAP ana NEW :away-notify foo")
    assert sent(proto) == ["CAP REQ away-notify"]
    [changed] = feed(proto, ":irc.test CAP ana ACK :away-notify")
    assert isinstance(changed, ev.CapabilitiesChanged)
    assert "away-notify" in changed.enabled
    assert sent(proto) == []  # no CAP END after registration
    [changed] = feed(proto, ":irc.test CAP ana DEL :away-notify")
    assert isinstance(changed, ev.CapabilitiesChanged)
    assert "away-notify" not in changed.enabled


def test_welcome_burst_ends_in_registered_then_rooms_and_colour_are_sent() -> None:
    proto = new(rooms=("#lobby", "#Dev"), metadata={"color": "#ff00af"})
    proto.register()
    feed(proto, ":irc.test CAP * LS :batch draft/metadata-2")
    feed(proto, ":irc.test CAP * ACK :batch draft/metadata-2")
    sent(proto)
    events = feed(
        proto,
        ":irc.test 001 ana :Welcome to the TestNet Network, ana",
        ":irc.test 005 ana NETWORK=TestNet NICKLEN=30 :are supported by this server",
        ":irc.test 375 ana :- irc.test Message of the day -",
        ":irc.test 372 ana :- be nice",
        ":irc.test 376 ana :End of /MOTD command.",
    )
    assert isinstance(events[0], ev.ServerReply)
    assert events[0].text == "Welcome to the TestNet Network, ana"
    motd, done = events[1:]
    assert isinstance(motd, ev.Motd) and motd.lines == ("be nice",)
    assert done == ev.Registered("ana", "TestNet", None, time=NOW)
    assert proto.ready
    assert sent(proto) == [
        "METADATA * SUB color",
        "METADATA * SET color #ff00af",
        "JOIN #lobby",
        "JOIN #Dev",
    ]


# -- nick rejection ------------------------------------------------------------------------


def test_nick_in_use_reports_the_reason_and_waits_for_another() -> None:
    proto = new()
    proto.register()
    sent(proto)
    [rejected] = feed(proto, ":irc.test 433 * ana :Nickname is already in use")
    assert rejected == ev.NickRejected(
        "ana", "Nickname is already in use", "433", registered=False, time=NOW
    )
    assert sent(proto) == []  # no automatic rename
    proto.set_nick("ana2")
    assert sent(proto) == ["NICK ana2"]
    assert proto.nick == "ana2"
    feed(proto, ":irc.test 001 ana2 :Welcome")
    assert proto.registered and proto.nick == "ana2"


def test_erroneous_nick_and_auto_rename() -> None:
    proto = new("9lives")
    proto.register()
    sent(proto)
    [rejected] = feed(proto, ":irc.test 432 * 9lives :Erroneous nickname")
    assert isinstance(rejected, ev.NickRejected)
    assert (rejected.code, rejected.reason, rejected.retrying_as) == (
        "432",
        "Erroneous nickname",
        None,
    )

    renaming = new(auto_rename=True)
    renaming.register()
    sent(renaming)
    [rejected] = feed(renaming, ":irc.test 433 * ana :Nickname is already in use")
    assert isinstance(rejected, ev.NickRejected) and rejected.retrying_as == "ana_"
    assert sent(renaming) == ["NICK ana_"]


def test_nick_in_use_after_registration_keeps_our_nick() -> None:
    proto = registered()
    proto.set_nick("bob")
    assert sent(proto) == ["NICK bob"]
    assert proto.nick == "ana"
    [rejected] = feed(proto, ":irc.test 433 ana bob :Nickname is already in use")
    assert isinstance(rejected, ev.NickRejected) and rejected.registered
    assert proto.nick == "ana"


# -- accounts: SASL while connecting (https://ircv3.net/specs/extensions/sasl-3.1) ---------


def test_sasl_plain_logs_in_before_registration_ends() -> None:
    proto = new(account_password="correct horse", sasl_mechanisms=("PLAIN",))
    assert negotiate(proto) == ["AUTHENTICATE PLAIN"]  # CAP END waits for the login
    feed(proto, "AUTHENTICATE +")
    assert sent(proto) == ["AUTHENTICATE " + b64(b"\0ana\0correct horse")]
    events = feed(
        proto,
        ":irc.test 900 ana ana!~ana@127.0.0.1 ana :You are now logged in as ana",
        ":irc.test 903 ana :SASL authentication successful",
    )
    assert events[0] == ev.LoggedIn("ana", time=NOW)
    assert isinstance(events[1], ev.CapabilitiesChanged)
    assert sent(proto) == ["CAP END"]
    assert proto.account == "ana"
    events = feed(proto, ":irc.test 001 ana :Welcome", ":irc.test 422 ana :No MOTD")
    assert isinstance(events[-1], ev.Registered)


def test_sasl_scram_sha_256_is_preferred_and_proves_the_password_to_scramp() -> None:
    mechanism = ScramMechanism("SCRAM-SHA-256")
    auth_info = mechanism.make_auth_info("correct horse", iteration_count=4096)
    server = mechanism.make_server(lambda username: auth_info)
    proto = new(account_password="correct horse")
    assert negotiate(proto) == ["AUTHENTICATE SCRAM-SHA-256"]

    feed(proto, "AUTHENTICATE +")
    [first] = sent(proto)
    server.set_client_first(base64.b64decode(first.split(" ")[1]).decode())
    feed(proto, f"AUTHENTICATE {b64(server.get_server_first().encode())}")
    [final] = sent(proto)
    server.set_client_final(base64.b64decode(final.split(" ")[1]).decode())  # checks the proof
    assert "correct horse" not in first + final
    feed(proto, f"AUTHENTICATE {b64(server.get_server_final().encode())}")
    assert sent(proto) == ["AUTHENTICATE +"]  # the server proved it knows the password
    feed(proto, ":irc.test 900 ana ana!~ana@h ana :You are now logged in as ana")
    feed(proto, ":irc.test 903 ana :SASL authentication successful")
    assert sent(proto) == ["CAP END"]


def test_a_scram_server_that_cannot_prove_the_password_is_refused() -> None:
    mechanism = ScramMechanism("SCRAM-SHA-256")
    impostor_info = mechanism.make_auth_info("not the password", iteration_count=4096)
    impostor = mechanism.make_server(lambda username: impostor_info)
    proto = new(account_password="correct horse")
    negotiate(proto)
    feed(proto, "AUTHENTICATE +")
    impostor.set_client_first(base64.b64decode(sent(proto)[0].split(" ")[1]).decode())
    feed(proto, f"AUTHENTICATE {b64(impostor.get_server_first().encode())}")
    sent(proto)
    forged = b64(b"v=" + b64(b"x" * 32).encode())
    feed(proto, f"AUTHENTICATE {forged}")
    assert sent(proto) == ["AUTHENTICATE *"]
    [failed, changed] = feed(proto, ":irc.test 906 ana :SASL authentication aborted")
    assert isinstance(failed, ev.LoginFailed)
    assert "SCRAM" in failed.reason and not failed.registered
    assert isinstance(changed, ev.CapabilitiesChanged)
    assert sent(proto) == ["CAP END"]  # registration goes on without an account


def test_a_wrong_password_while_connecting_is_reported_and_forgotten() -> None:
    proto = new(account_password="wrong", sasl_mechanisms=("PLAIN",))
    negotiate(proto)
    feed(proto, "AUTHENTICATE +")
    sent(proto)
    [failed, _] = feed(proto, ":irc.test 904 ana :SASL authentication failed")
    assert failed == ev.LoginFailed(
        "ana", "SASL authentication failed", "904", registered=False, time=NOW
    )
    assert sent(proto) == ["CAP END"]
    assert proto.account_password is None  # not tried again on every reconnection
    assert proto.account is None


def test_a_refused_mechanism_falls_back_to_the_next_one_the_server_has() -> None:
    proto = new(account_password="pw")
    assert negotiate(proto, ALL_CAPS) == ["AUTHENTICATE SCRAM-SHA-256"]  # sasl without a list
    feed(
        proto,
        ":irc.test 908 ana PLAIN :are available SASL mechanisms",
        ":irc.test 904 ana :SASL authentication failed",
    )
    assert sent(proto) == ["AUTHENTICATE PLAIN"]
    feed(proto, "AUTHENTICATE +")
    assert sent(proto) == ["AUTHENTICATE " + b64(b"\0ana\0pw")]


def test_rate_limited_logins_carry_the_servers_words() -> None:
    proto = new(account_password="pw", sasl_mechanisms=("PLAIN",))
    negotiate(proto)
    text = "Too many failed login attempts; try again in 42 seconds"
    [failed, _] = feed(proto, f":irc.test 904 ana :{text}")
    assert isinstance(failed, ev.LoginFailed) and failed.reason == text


def test_without_a_password_or_without_sasl_registration_is_as_before() -> None:
    proto = new()
    assert negotiate(proto) == ["CAP END"]
    no_sasl = new(account_password="pw")
    no_sasl.register()
    sent(no_sasl)
    feed(no_sasl, ":irc.test CAP * LS :server-time")
    feed(no_sasl, ":irc.test CAP * ACK :server-time")
    assert sent(no_sasl) == ["CAP REQ server-time", "CAP END"]
    # ... and logs in with NickServ once registered.
    feed(no_sasl, ":irc.test 001 ana :Welcome", ":irc.test 422 ana :No MOTD")
    assert sent(no_sasl) == ["PRIVMSG NickServ :IDENTIFY ana pw"]


def test_a_server_that_does_not_know_authenticate_still_registers_us() -> None:
    proto = new(account_password="pw", sasl_mechanisms=("PLAIN",))
    negotiate(proto)
    [failed, _] = feed(proto, ":irc.test 421 ana AUTHENTICATE :Unknown command")
    assert isinstance(failed, ev.LoginFailed)
    assert sent(proto) == ["CAP END"]


# -- accounts: after registration ----------------------------------------------------------


def test_login_after_registration_uses_sasl_and_keeps_the_password_for_reconnecting() -> None:
    proto = registered(caps=SASL_CAPS, sasl_mechanisms=("PLAIN",))
    proto.login("correct horse")
    assert sent(proto) == ["AUTHENTICATE PLAIN"]
    feed(proto, "AUTHENTICATE +")
    assert sent(proto) == ["AUTHENTICATE " + b64(b"\0ana\0correct horse")]
    [logged_in] = feed(
        proto,
        ":irc.test 900 ana ana!~ana@h ana :You are now logged in as ana",
        ":irc.test 903 ana :SASL authentication successful",
    )
    assert logged_in == ev.LoggedIn("ana", time=NOW)
    assert sent(proto) == []  # no CAP END after registration
    assert proto.account_password == "correct horse"
    proto.connection_lost("Connection lost")
    assert proto.account is None
    assert negotiate(proto) == ["AUTHENTICATE PLAIN"]  # logged in again while connecting


def test_a_failed_login_after_registration_keeps_nothing() -> None:
    proto = registered(caps=SASL_CAPS, sasl_mechanisms=("PLAIN",))
    proto.login("wrong")
    feed(proto, "AUTHENTICATE +")
    sent(proto)
    [failed] = feed(proto, ":irc.test 904 ana :SASL authentication failed")
    assert isinstance(failed, ev.LoginFailed) and failed.registered
    assert proto.account_password is None
    assert sent(proto) == []


def test_login_without_sasl_identifies_to_nickserv_and_never_shows_the_password() -> None:
    proto = registered(caps="server-time echo-message")
    proto.login("correct horse", "ana")
    assert sent(proto) == ["PRIVMSG NickServ :IDENTIFY ana correct horse"]
    [echo] = feed(proto, ":ana!~ana@h PRIVMSG NickServ :IDENTIFY ana correct horse")
    assert isinstance(echo, ev.Message) and echo.text == "IDENTIFY ********"
    [logged_in] = feed(proto, ":irc.test 900 ana ana!~ana@h ana :You are now logged in as ana")
    assert isinstance(logged_in, ev.LoggedIn)
    assert proto.account_password == "correct horse"


def test_register_claims_the_nick_and_logs_in() -> None:
    proto = registered(caps=SASL_CAPS)
    proto.register_account("correct horse")
    assert sent(proto) == ["REGISTER * :correct horse"]
    registered_, logged_in = feed(
        proto,
        ":irc.test REGISTER SUCCESS ana :Account ana registered; you are logged in",
        ":irc.test 900 ana ana!~ana@h ana :You are now logged in as ana",
    )
    assert registered_ == ev.AccountRegistered(
        "ana", "Account ana registered; you are logged in", time=NOW
    )
    assert logged_in == ev.LoggedIn("ana", time=NOW)
    assert proto.account == "ana" and proto.account_password == "correct horse"


@pytest.mark.parametrize(
    "code", ["ACCOUNT_EXISTS", "WEAK_PASSWORD", "UNACCEPTABLE_PASSWORD", "ALREADY_AUTHENTICATED"]
)
def test_a_refused_registration_says_why(code: str) -> None:
    proto = registered(caps=SASL_CAPS)
    proto.register_account("pw")
    sent(proto)
    [failed] = feed(proto, f":irc.test FAIL REGISTER {code} ana :Not this time")
    assert failed == ev.RegistrationFailed(code, "ana", "Not this time", time=NOW)
    assert proto.account_password is None


def test_register_without_the_capability_asks_nickserv() -> None:
    proto = registered(caps="server-time")
    proto.register_account("correct horse")
    assert sent(proto) == ["PRIVMSG NickServ :REGISTER correct horse"]


def test_account_intents_need_a_connection() -> None:
    proto = new()
    with pytest.raises(NotRegistered):
        proto.login("pw")
    with pytest.raises(NotRegistered):
        proto.register_account("pw")


def test_logged_in_and_out_are_kept_in_our_own_state() -> None:
    proto = registered(caps=SASL_CAPS)
    feed(proto, ":irc.test 900 ana ana!~ana@h ana :You are now logged in as ana")
    assert proto.account == "ana"
    assert proto.user("ana") is not None and proto.user("ana").account == "ana"  # type: ignore[union-attr]
    [out] = feed(proto, ":irc.test 901 ana ana!~ana@h :You are now logged out")
    assert out == ev.LoggedOut(time=NOW)
    assert proto.account is None
    [already] = feed(proto, ":irc.test 907 ana :You have already authenticated using SASL")
    assert isinstance(already, ev.LoginFailed) and already.code == "907"


# -- nick protection -----------------------------------------------------------------------


def test_a_protected_nick_is_reported_with_the_seconds_left() -> None:
    proto = registered(caps=SASL_CAPS)
    text = "This nick belongs to a registered account; log in within 30 seconds or you will be"
    [protected] = feed(proto, f":irc.test NOTE NICK NICK_PROTECTED ana 30 :{text}")
    assert protected == ev.NickProtected("ana", 30, text, time=NOW)


def test_renamed_to_a_guest_then_logging_in_takes_the_nick_back() -> None:
    proto = registered(caps=SASL_CAPS, sasl_mechanisms=("PLAIN",))
    feed(proto, ":irc.test NOTE NICK NICK_PROTECTED ana 30 :log in or be renamed")
    [renamed] = feed(proto, ":ana!~ana@h NICK Guest12345")
    assert isinstance(renamed, ev.NickChanged) and renamed.forced and renamed.is_self
    assert proto.nick == "Guest12345" and proto.reclaim_nick == "ana"

    proto.login("pw")  # the account is the nick we lost, not the guest nick
    feed(proto, "AUTHENTICATE +")
    assert sent(proto) == ["AUTHENTICATE PLAIN", "AUTHENTICATE " + b64(b"\0ana\0pw")]
    feed(
        proto,
        ":irc.test 900 Guest12345 Guest12345!~ana@h ana :You are now logged in as ana",
        ":irc.test 903 Guest12345 :SASL authentication successful",
    )
    assert sent(proto) == ["NICK ana"]
    [back] = feed(proto, ":Guest12345!~ana@h NICK ana")
    assert isinstance(back, ev.NickChanged) and not back.forced
    assert proto.nick == "ana" and proto.reclaim_nick is None


def test_a_nick_change_we_asked_for_is_not_forced() -> None:
    proto = joined_lobby()
    feed(proto, ":irc.test NOTE NICK NICK_PROTECTED ana 30 :log in or be renamed")
    proto.set_nick("anna")
    [changed] = feed(proto, ":ana!~ana@h NICK anna")
    assert isinstance(changed, ev.NickChanged) and not changed.forced
    assert proto.reclaim_nick is None


def test_after_a_forced_rename_the_next_connection_asks_for_our_nick() -> None:
    proto = joined_lobby()
    feed(proto, ":irc.test NOTE NICK NICK_PROTECTED ana 30 :log in or be renamed")
    feed(proto, ":ana!~ana@h NICK Guest1")
    proto.connection_lost("Connection lost")
    proto.register()
    assert "NICK ana" in sent(proto)


# -- the connection's phase --------------------------------------------------------------------


def phases_through_welcome(proto: ClientProtocol) -> list[Phase]:
    """The phase after RPL_WELCOME and after the end of the MOTD."""
    feed(proto, ":irc.test 001 ana :Welcome")
    welcomed = proto.phase
    feed(proto, ":irc.test 422 ana :No MOTD")
    return [welcomed, proto.phase]


def test_a_plain_connection_moves_from_caps_to_ready_in_order() -> None:
    proto = new()
    assert proto.phase is Phase.CLOSED
    assert not (proto.connected or proto.registered or proto.ready)
    proto.register()
    assert proto.phase is Phase.CAPS and proto.connected and not proto.registered
    sent(proto)
    feed(proto, ":irc.test CAP * LS :server-time batch")
    assert proto.phase is Phase.CAPS  # the request is not answered yet
    assert sent(proto) == ["CAP REQ :server-time batch"]
    feed(proto, ":irc.test CAP * ACK :server-time batch")
    assert proto.phase is Phase.REGISTERING and not proto.registered
    assert sent(proto) == ["CAP END"]
    assert phases_through_welcome(proto) == [Phase.WELCOMED, Phase.READY]
    assert proto.registered and proto.ready
    proto.connection_lost("Connection lost")
    assert proto.phase is Phase.CLOSED and not proto.connected


def test_with_an_account_password_sasl_comes_between_caps_and_registering() -> None:
    proto = new(account_password="pw", sasl_mechanisms=("PLAIN",))
    assert negotiate(proto) == ["AUTHENTICATE PLAIN"]
    assert proto.phase is Phase.SASL and not proto.registered
    feed(proto, "AUTHENTICATE +")
    sent(proto)
    assert proto.phase is Phase.SASL
    feed(proto, ":irc.test 900 ana ana!~ana@h ana :You are now logged in as ana")
    assert proto.phase is Phase.SASL  # CAP END waits for 903
    feed(proto, ":irc.test 903 ana :SASL authentication successful")
    assert proto.phase is Phase.REGISTERING
    assert sent(proto) == ["CAP END"]
    assert phases_through_welcome(proto) == [Phase.WELCOMED, Phase.READY]


def test_a_failed_sasl_login_goes_on_registering_and_is_not_tried_again() -> None:
    proto = new(account_password="wrong", sasl_mechanisms=("PLAIN",))
    negotiate(proto)
    assert proto.phase is Phase.SASL
    feed(proto, "AUTHENTICATE +")
    sent(proto)
    [failed, changed] = feed(proto, ":irc.test 904 ana :SASL authentication failed")
    assert isinstance(failed, ev.LoginFailed) and isinstance(changed, ev.CapabilitiesChanged)
    assert proto.phase is Phase.REGISTERING
    assert sent(proto) == ["CAP END"]
    assert phases_through_welcome(proto) == [Phase.WELCOMED, Phase.READY]
    # The password was forgotten: the next connection goes from CAPS straight on.
    proto.connection_lost("Connection lost")
    assert negotiate(proto, SASL_CAPS) == ["CAP END"]
    assert proto.phase is Phase.REGISTERING


def test_cap_end_waits_for_a_capability_requested_during_the_login() -> None:
    caps = SASL_CAPS.replace(" setname", "")
    proto = new(account_password="pw", sasl_mechanisms=("PLAIN",))
    negotiate(proto, caps)
    feed(proto, ":irc.test CAP * NEW :setname")
    assert sent(proto) == ["CAP REQ setname"]
    feed(proto, "AUTHENTICATE +")
    sent(proto)
    feed(
        proto,
        ":irc.test 900 ana ana!~ana@h ana :You are now logged in as ana",
        ":irc.test 903 ana :SASL authentication successful",
    )
    assert proto.phase is Phase.SASL  # the login is over, the request is not
    assert sent(proto) == []
    feed(proto, ":irc.test CAP * ACK :setname")
    assert proto.phase is Phase.REGISTERING
    assert sent(proto) == ["CAP END"]
    assert proto.has_cap("setname")


def test_a_server_without_cap_goes_from_caps_to_registering() -> None:
    proto = new()
    proto.register()
    sent(proto)
    feed(proto, ":old.server 421 * CAP :Unknown command")
    assert proto.phase is Phase.REGISTERING
    assert sent(proto) == []  # no CAP END to a server that knows no CAP
    assert phases_through_welcome(proto) == [Phase.WELCOMED, Phase.READY]


def test_register_and_login_once_ready_leave_the_phase_alone() -> None:
    proto = registered(caps=SASL_CAPS, sasl_mechanisms=("PLAIN",))
    assert proto.phase is Phase.READY
    proto.register_account("correct horse")
    feed(
        proto,
        ":irc.test REGISTER SUCCESS ana :Account ana registered",
        ":irc.test 900 ana ana!~ana@h ana :You are now logged in as ana",
    )
    assert proto.phase is Phase.READY
    proto.login("correct horse")
    feed(proto, "AUTHENTICATE +")
    feed(proto, ":irc.test 904 ana :SASL authentication failed")
    assert proto.phase is Phase.READY
    assert "CAP END" not in sent(proto)
    assert proto.account_password == "correct horse"  # a later failure forgets nothing


def test_a_second_motd_or_welcome_does_not_register_us_again() -> None:
    proto = registered(rooms=("#lobby",))
    events = feed(
        proto,
        ":irc.test 001 ana :Welcome again",
        ":irc.test 375 ana :- irc.test Message of the day -",
        ":irc.test 376 ana :End of /MOTD command.",
    )
    assert proto.phase is Phase.READY
    assert not only(events, ev.Registered)
    assert sent(proto) == []  # no second round of JOINs

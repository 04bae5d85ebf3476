"""Accounts: REGISTER, what logging in brings back, nick protection, account-notify."""

from __future__ import annotations

import base64

from chinwag.config import AccountSettings, Config, ServerInfo
from chinwag.protocol import numerics as n
from tests.server.harness import Client, Harness

PASSWORD = "correct-horse-battery"


def register(client: Client, password: str = PASSWORD) -> list[tuple[str, ...]]:
    client.send(f"REGISTER * :{password}")
    return client.lines()


def owner_logs_in(h: Harness, nick: str = "ana", caps: tuple[str, ...] = ()) -> Client:
    """A new connection that logs in to ``nick`` with SASL PLAIN and registers."""
    client = h.connect()
    client.send("CAP LS 302", "CAP REQ :" + " ".join(("sasl", *caps)))
    client.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}", "AUTHENTICATE PLAIN")
    token = base64.b64encode(f"\0{nick}\0{PASSWORD}".encode()).decode()
    client.send(f"AUTHENTICATE {token}", "CAP END")
    return client


def registered(h: Harness, nick: str = "ana") -> None:
    """Register ``nick`` from a connection that then leaves."""
    client = h.client(nick)
    assert register(client)[0][:3] == ("REGISTER", "SUCCESS", nick)
    client.send("QUIT")


# -- REGISTER ----------------------------------------------------------------------------------


def test_register_claims_the_current_nick_and_logs_in() -> None:
    h = Harness()
    ana = h.client("ana", caps=["draft/account-registration"])
    replies = register(ana)
    assert replies[0] == ("REGISTER", "SUCCESS", "ana", "Account ana registered; you are logged in")
    assert replies[1][:4] == (n.RPL_LOGGEDIN, "ana", "ana!~ana@127.0.0.1", "ana")
    assert h.user("ana").account == "ana"
    assert "ana" in h.core.deps.accounts


def test_register_with_the_account_named_explicitly_and_an_email() -> None:
    h = Harness()
    ana = h.client("Ana")
    ana.send(f"REGISTER ana ana@example.org :{PASSWORD}")
    assert ana.lines()[0][:3] == ("REGISTER", "SUCCESS", "Ana")


def test_the_account_must_be_named_after_the_nick() -> None:
    h = Harness()
    ana = h.client("ana", caps=["standard-replies"])
    ana.send(f"REGISTER bo * :{PASSWORD}")
    assert ana.lines() == [
        (
            "FAIL",
            "REGISTER",
            "ACCOUNT_NAME_MUST_BE_NICK",
            "bo",
            "The account must be named after your current nick",
        )
    ]


def test_register_works_before_connection_registration_and_logs_that_session_in() -> None:
    h = Harness()
    client = h.connect()
    client.send("CAP LS 302", "CAP REQ draft/account-registration", "NICK ana")
    client.take()
    client.send(f"REGISTER * * :{PASSWORD}")
    assert client.lines()[0][:3] == ("REGISTER", "SUCCESS", "ana")
    client.send("USER ana 0 * :Ana", "CAP END")
    client.take()
    assert h.user("ana").account == "ana"


def test_register_before_nick_needs_a_nick() -> None:
    h = Harness()
    client = h.connect()
    client.send("CAP LS 302", f"REGISTER * * :{PASSWORD}")
    assert client.lines()[-1][:4] == ("FAIL", "REGISTER", "NEED_NICK", "*")


def test_a_taken_name_is_refused_in_any_case() -> None:
    h = Harness()
    registered(h, "ana")
    other = h.client("ANA")
    assert register(other)[0][:4] == ("FAIL", "REGISTER", "ACCOUNT_EXISTS", "ANA")


def test_short_passwords_are_weak_and_control_characters_unacceptable() -> None:
    h = Harness()
    ana = h.client("ana")
    assert register(ana, "short")[0][:3] == ("FAIL", "REGISTER", "WEAK_PASSWORD")
    assert register(ana, "long enough\x01")[0][:3] == ("FAIL", "REGISTER", "UNACCEPTABLE_PASSWORD")
    assert h.user("ana").account is None


def test_registering_twice_is_refused() -> None:
    h = Harness()
    ana = h.client("ana")
    register(ana)
    assert register(ana)[0][:3] == ("FAIL", "REGISTER", "ALREADY_REGISTERED")


def test_registration_can_be_switched_off() -> None:
    h = Harness(accounts=AccountSettings(registration=False))
    ana = h.client("ana")
    assert register(ana)[0][:3] == ("FAIL", "REGISTER", "TEMPORARILY_UNAVAILABLE")


def test_register_before_connecting_does_not_get_round_the_server_password() -> None:
    config = Config(server=ServerInfo(name="irc.test", password="letmein"))
    h = Harness(config)
    client = h.connect()
    client.send("CAP LS 302", "NICK ana", f"REGISTER * * :{PASSWORD}")
    assert client.lines()[-1][:3] == ("FAIL", "REGISTER", "TEMPORARILY_UNAVAILABLE")


def test_the_account_is_stored() -> None:
    h = Harness()
    registered(h, "ana")
    stored = h.core.deps.effects  # the harness runs store calls at once
    accounts: list[str] = []

    async def names() -> None:
        accounts.extend(account.name for account in await h.core.deps.store.accounts())

    stored.run(names(), lambda _result, _error: None)
    assert accounts == ["ana"]


# -- account-notify, extended-join, account-tag --------------------------------------------------


def test_logging_in_is_announced_with_account_notify() -> None:
    h = Harness()
    registered(h, "ana")
    ana = h.client("ana", caps=["sasl"])
    bo = h.client("bo", caps=["account-notify"])
    cy = h.client("cy")
    h.join("#room", ana, bo, cy)
    ana.send("AUTHENTICATE PLAIN")
    ana.send("AUTHENTICATE " + base64.b64encode(f"\0ana\0{PASSWORD}".encode()).decode())
    assert ("ana!~ana@127.0.0.1", "ACCOUNT", ("ana",)) in bo.events()
    assert cy.take() == []


def test_join_and_messages_carry_the_account() -> None:
    h = Harness()
    registered(h, "ana")
    bo = h.client("bo", caps=["extended-join", "account-tag"])
    bo.send("JOIN #room")
    bo.take()
    ana = owner_logs_in(h)
    ana.take()
    ana.send("JOIN #room", "PRIVMSG #room :hi")
    joined, said = bo.take()
    assert joined.params == ("#room", "ana", "ana")
    assert said.tags["account"] == "ana"


# -- nick protection -----------------------------------------------------------------------------


def test_holding_a_registered_nick_is_warned_then_renamed_after_the_grace_period() -> None:
    h = Harness()
    registered(h, "ana")
    mallory = h.connect().register("ana", caps=["standard-replies"])
    warning = [line for line in mallory.lines() if line[0] == "NOTE"]
    assert warning == [
        (
            "NOTE",
            "NICK",
            "NICK_PROTECTED",
            "ana",
            "30",
            "This nick belongs to a registered account; log in within 30 seconds or you "
            "will be renamed",
        )
    ]
    h.clock.advance(29)
    h.core.tick()
    assert h.core.network.find_user("ana") is not None
    h.clock.advance(2)
    h.core.tick()
    renamed = [m for m in mallory.take() if m.command == "NICK"]
    assert len(renamed) == 1 and renamed[0].params[0].startswith("Guest")
    assert h.core.network.find_user("ana") is None


def test_a_client_without_standard_replies_hears_it_from_nickserv() -> None:
    h = Harness()
    registered(h, "ana")
    mallory = h.connect().register("ana")
    notices = [m for m in mallory.take() if m.command == "NOTICE"]
    assert notices[-1].source == "NickServ!NickServ@services"
    assert "/msg NickServ IDENTIFY" in notices[-1].params[1]


def test_logging_in_within_the_grace_period_keeps_the_nick() -> None:
    h = Harness()
    registered(h, "ana")
    ana = h.connect().register("ana")
    ana.take()
    ana.send(f"PRIVMSG NickServ :IDENTIFY {PASSWORD}")
    assert any("logged in" in m.params[-1] for m in ana.take())
    h.clock.advance(60)
    h.core.tick()
    assert h.user("ana").account == "ana"


def test_changing_to_a_registered_nick_starts_the_grace_period_and_leaving_it_ends_it() -> None:
    h = Harness()
    registered(h, "ana")
    mallory = h.client("mallory")
    mallory.send("NICK ana")
    assert "NOTICE" in mallory.commands()
    mallory.send("NICK mallory")
    mallory.take()
    h.clock.advance(60)
    h.core.tick()
    assert h.user("mallory").nick == "mallory"


def test_the_owner_logging_in_takes_the_nick_from_a_guest_at_once() -> None:
    h = Harness()
    registered(h, "ana")
    mallory = h.connect().register("ana")
    mallory.take()
    ana = owner_logs_in(h)
    assert n.RPL_WELCOME in ana.commands()
    assert h.user("ana").account == "ana"
    renamed = [m for m in mallory.take() if m.command == "NICK"]
    assert renamed and renamed[0].params[0].startswith("Guest")


def test_an_owner_renamed_while_logging_in_late_can_take_the_nick_back() -> None:
    h = Harness()
    registered(h, "ana")
    mallory = h.connect().register("ana")
    ana = h.client("ana_")
    ana.send(f"NS IDENTIFY ana {PASSWORD}")
    ana.take()
    ana.send("NICK ana")
    assert ("NICK", "ana") in [(m.command, *m.params) for m in ana.take()]
    assert any(m.command == "NICK" for m in mallory.take())


def test_service_nicks_cannot_be_taken() -> None:
    h = Harness()
    client = h.client("ana")
    client.send("NICK NickServ")
    assert client.commands() == [n.ERR_NICKNAMEINUSE]


# -- what a login brings back ----------------------------------------------------------------------


def test_direct_messages_to_an_offline_account_wait_and_arrive_at_login_with_their_times() -> None:
    h = Harness()
    registered(h, "ana")
    bo = h.client("bo", caps=["standard-replies", "echo-message", "server-time"])
    for text in ("one", "two", "three"):
        bo.send(f"PRIVMSG ana :{text}")
    replies = bo.take()
    notes = [m for m in replies if m.command == "NOTE"]
    assert len(notes) == 3
    assert notes[0].params[:3] == ("PRIVMSG", "DELIVERED_LATER", "ana")
    echoes = [m for m in replies if m.command == "PRIVMSG"]
    sent_times = [m.tags["time"] for m in echoes]

    h.clock.advance(5)
    ana = owner_logs_in(h, caps=("batch", "server-time", "message-tags"))
    messages = ana.take()
    welcome_at = [m.command for m in messages].index(n.RPL_WELCOME)
    after = messages[welcome_at:]
    notice = next(m for m in after if m.command == "NOTICE" and "arrived" in m.params[1])
    assert notice.params[1] == "You have 3 messages that arrived while you were away"
    start = next(m for m in after if m.command == "BATCH" and m.params[0].startswith("+"))
    assert start.params[1:] == ("chathistory", "bo")
    missed = [m for m in after if m.command == "PRIVMSG"]
    assert [m.params for m in missed] == [("ana", "one"), ("ana", "two"), ("ana", "three")]
    assert [m.tags["time"] for m in missed] == sent_times
    assert all(m.tags["batch"] == start.params[0][1:] for m in missed)

    ana.send("QUIT")
    again = owner_logs_in(h)
    assert "arrived while you were away" not in " ".join(" ".join(m.params) for m in again.take())


def test_missed_messages_reach_a_client_without_batch_too() -> None:
    h = Harness()
    registered(h, "ana")
    bo = h.client("bo")
    bo.send("PRIVMSG ana :hello")
    assert "offline" in bo.take()[-1].params[1]
    ana = h.connect().register("ana")
    ana.take()
    ana.send(f"PRIVMSG NickServ :IDENTIFY {PASSWORD}")
    lines = [(m.command, m.params[-1]) for m in ana.take()]
    assert ("PRIVMSG", "hello") in lines
    assert "BATCH" not in [command for command, _ in lines]


def test_a_direct_message_to_an_unregistered_absent_nick_is_still_an_error() -> None:
    h = Harness()
    bo = h.client("bo")
    bo.send("PRIVMSG nobody :hello")
    assert bo.commands() == [n.ERR_NOSUCHNICK]


def test_metadata_set_while_logged_in_comes_back_at_the_next_login() -> None:
    h = Harness()
    registered(h, "ana")
    ana = owner_logs_in(h, caps=("draft/metadata-2",))
    ana.send("METADATA * SET color #ff00af")
    ana.send("QUIT")
    again = owner_logs_in(h, caps=("draft/metadata-2",))
    again.take()
    assert h.user("ana").metadata == {"color": "#ff00af"}


def test_a_colour_chosen_before_logging_in_wins_over_the_saved_one() -> None:
    h = Harness()
    registered(h, "ana")
    ana = owner_logs_in(h, caps=("draft/metadata-2",))
    ana.send("METADATA * SET color #ff00af")
    ana.send("QUIT")
    client = h.connect()
    client.send("CAP LS 302", "CAP REQ :sasl draft/metadata-2", "METADATA * SET color #00d700")
    client.send("NICK ana", "USER ana 0 * :ana", "AUTHENTICATE PLAIN")
    client.send("AUTHENTICATE " + base64.b64encode(f"\0ana\0{PASSWORD}".encode()).decode())
    client.send("CAP END")
    client.take()
    assert h.user("ana").metadata == {"color": "#00d700"}
    client.send("QUIT")
    owner_logs_in(h).take()
    assert h.user("ana").metadata == {"color": "#00d700"}


def test_being_logged_in_to_one_account_does_not_protect_anothers_nick() -> None:
    h = Harness()
    registered(h, "ana")
    registered(h, "bo")
    client = h.connect()
    client.send("CAP LS 302", "CAP REQ :sasl standard-replies", "NICK bo", "USER x 0 * :x")
    client.send("AUTHENTICATE PLAIN")
    client.send("AUTHENTICATE " + base64.b64encode(f"\0ana\0{PASSWORD}".encode()).decode())
    client.send("CAP END")
    assert ("NOTE", "NICK", "NICK_PROTECTED", "bo") in [line[:4] for line in client.lines()]
    assert h.user("bo").account == "ana"

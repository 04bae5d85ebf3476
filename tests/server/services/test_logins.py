"""Logging in (:mod:`chinwag.server.services.logins`): account-notify, and what a login brings
back: messages that waited, metadata, nick protection of other accounts."""

from __future__ import annotations

import base64

from chinwag.protocol import numerics as n
from tests.server.commands.test_accounts import PASSWORD, owner_logs_in, registered
from tests.server.harness import HOST, Harness

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
    assert (f"ana!~ana@{HOST}", "ACCOUNT", ("ana",)) in bo.events()
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

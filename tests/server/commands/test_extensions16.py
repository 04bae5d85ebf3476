"""draft/pre-away, draft/extended-isupport, no-implicit-names and the account extban.

References: https://ircv3.net/specs/extensions/pre-away,
https://ircv3.net/specs/extensions/extended-isupport,
https://ircv3.net/specs/extensions/no-implicit-names,
https://ircv3.net/specs/extensions/account-extban.
"""

from __future__ import annotations

from chinwag.protocol import numerics as n
from tests.server.harness import Client, Harness


def logged_in(h: Harness, nick: str) -> Client:
    """A registered client logged in to the account ``nick`` (``REGISTER`` after
    registration logs in)."""
    client = h.client(nick)
    client.send("REGISTER * :correct horse")
    client.take()
    assert h.user(nick).account == nick
    return client


def caps_offered(h: Harness) -> str:
    client = h.connect()
    client.send("CAP LS 302")
    return " ".join(" ".join(m.params) for m in client.take())


def test_the_new_capabilities_are_offered() -> None:
    offered = caps_offered(Harness()).split()
    for cap in ("draft/pre-away", "draft/extended-isupport", "no-implicit-names"):
        assert cap in offered


# -- draft/pre-away --------------------------------------------------------------------------


def test_away_before_registration_needs_the_capability() -> None:
    h = Harness()
    client = h.connect()
    client.send("AWAY :later")
    assert client.lines() == [(n.ERR_NOTREGISTERED, "*", "You have not registered")]
    client.register("ana")
    client.take()
    assert h.user("ana").away is None


def test_pre_away_message_is_applied_at_registration() -> None:
    h = Harness()
    client = h.connect()
    client.send("CAP LS 302", "CAP REQ :draft/pre-away")
    client.take()
    client.send("AWAY :fetching history")
    assert client.lines() == [(n.RPL_NOWAWAY, "*", "You have been marked as being away")]
    client.send("NICK ana", "USER ana 0 * :Ana", "CAP END")
    assert n.RPL_WELCOME in client.commands()
    assert h.user("ana").away == "fetching history"
    assert client.session.away is None


def test_pre_away_star_is_away_for_no_stated_reason() -> None:
    h = Harness()
    bo = h.client("bo")
    client = h.connect()
    client.send("CAP LS 302", "CAP REQ :draft/pre-away", "AWAY *")
    client.send("NICK ana", "USER ana 0 * :Ana", "CAP END")
    client.take()
    assert h.user("ana").away == "*"
    bo.send("PRIVMSG ana :hi")
    assert bo.lines() == [(n.RPL_AWAY, "bo", "ana", "*")]


def test_pre_away_without_text_is_present() -> None:
    h = Harness()
    client = h.connect()
    client.send("CAP LS 302", "CAP REQ :draft/pre-away", "AWAY *")
    client.take()
    client.send("AWAY")
    assert client.lines() == [(n.RPL_UNAWAY, "*", "You are no longer marked as being away")]
    client.send("NICK ana", "USER ana 0 * :Ana", "CAP END")
    assert h.user("ana").away is None


def test_pre_away_text_is_cut_to_awaylen() -> None:
    h = Harness(awaylen=5)
    client = h.connect()
    client.send("CAP LS 302", "CAP REQ :draft/pre-away", "AWAY :abcdefgh")
    client.send("NICK ana", "USER ana 0 * :Ana", "CAP END")
    assert h.user("ana").away == "abcde"


# -- draft/extended-isupport ------------------------------------------------------------------


def test_isupport_before_registration_needs_the_capability() -> None:
    h = Harness()
    client = h.connect()
    client.send("ISUPPORT")
    assert client.lines() == [(n.ERR_NOTREGISTERED, "*", "You have not registered")]


def test_isupport_before_registration_is_batched() -> None:
    h = Harness()
    client = h.connect()
    client.send("CAP LS 302", "CAP REQ :batch draft/extended-isupport")
    client.take()
    client.send("ISUPPORT")
    messages = client.take()
    assert messages[0].command == "BATCH"
    assert messages[0].params[1:] == ("draft/isupport",)
    ref = messages[0].params[0][1:]
    assert messages[-1].command == "BATCH" and messages[-1].params == ("-" + ref,)
    inner = messages[1:-1]
    assert inner and all(m.command == n.RPL_ISUPPORT for m in inner)
    assert all(m.tags.get("batch") == ref and m.params[0] == "*" for m in inner)
    tokens = [token for m in inner for token in m.params[1:-1]]
    assert "NETWORK=TestNet" in tokens


def test_isupport_without_batch_is_plain() -> None:
    h = Harness()
    client = h.connect()
    client.send("CAP LS 302", "CAP REQ :draft/extended-isupport")
    client.take()
    client.send("ISUPPORT")
    assert set(client.commands()) == {n.RPL_ISUPPORT}


def test_welcome_burst_isupport_is_batched_with_both_caps() -> None:
    h = Harness()
    client = h.connect().register("ana", ["batch", "draft/extended-isupport"])
    messages = client.take()
    isupport = [m for m in messages if m.command == n.RPL_ISUPPORT]
    assert isupport and all("batch" in m.tags for m in isupport)
    opens = [m for m in messages if m.command == "BATCH" and m.params[0].startswith("+")]
    assert [m.params[1] for m in opens] == ["draft/isupport"]


def test_isupport_and_version_after_registration() -> None:
    h = Harness()
    plain = h.client("ana")
    plain.send("ISUPPORT")
    assert set(plain.commands()) == {n.RPL_ISUPPORT}
    batched = h.client("bo", ["batch", "draft/extended-isupport"])
    batched.send("VERSION")
    commands = batched.commands()
    assert commands[0] == n.RPL_VERSION
    assert commands[1] == "BATCH" and commands[-1] == "BATCH"
    assert set(commands[2:-1]) == {n.RPL_ISUPPORT}


# -- no-implicit-names ------------------------------------------------------------------------


def test_no_implicit_names_join_sends_no_names() -> None:
    h = Harness()
    ana = h.client("ana", ["no-implicit-names"])
    ana.send("JOIN #room")
    commands = ana.commands()
    assert commands == ["JOIN"]
    ana.send("NAMES #room")
    assert ana.commands() == [n.RPL_NAMREPLY, n.RPL_ENDOFNAMES]


def test_join_without_the_cap_still_sends_names() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("JOIN #room")
    assert n.RPL_NAMREPLY in ana.commands()


# -- account extban ---------------------------------------------------------------------------


def isupport_tokens(h: Harness) -> list[str]:
    client = h.connect().register("zed")
    return [t for m in client.take() if m.command == n.RPL_ISUPPORT for t in m.params[1:-1]]


def test_isupport_announces_the_account_extban() -> None:
    tokens = isupport_tokens(Harness())
    assert "ACCOUNTEXTBAN=a" in tokens
    assert "EXTBAN=,am" in tokens  # with the mute extban


def test_account_extban_is_kept_as_written() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +b a:bo")
    assert ana.lines() == [("MODE", "#room", "+b", "a:bo")]
    ana.send("MODE #room +b a:")
    assert ana.replies()[0][0] == n.ERR_INVALIDMODEPARAM


def test_account_extban_refuses_the_logged_in_user() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +b a:BO")
    bo = logged_in(h, "bo")
    bo.send("JOIN #room")
    assert bo.replies() == [(n.ERR_BANNEDFROMCHAN, ("bo", "#room", "Cannot join channel (+b)"))]


def test_account_extban_spares_other_accounts_and_guests() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    ana.send("MODE #room +b a:b*")
    guest = h.client("bob")  # same nick pattern, but not logged in
    guest.send("JOIN #room")
    assert guest.commands()[0] == "JOIN"
    cy = logged_in(h, "cy")
    cy.send("JOIN #room")
    assert cy.commands()[0] == "JOIN"


def test_account_extban_mutes_a_member_who_logs_in() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    ana.send("MODE #room +b a:bo")
    ana.take()
    bo.take()
    bo.send("PRIVMSG #room :before")
    assert "PRIVMSG" in ana.commands()
    bo.send("REGISTER * :correct horse")
    bo.take()
    bo.send("PRIVMSG #room :after")
    assert bo.replies()[0][0] == n.ERR_CANNOTSENDTOCHAN

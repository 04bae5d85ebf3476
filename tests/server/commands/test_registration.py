"""Connection registration (Modern IRC "Connection Registration"), NICK changes, PING."""

from __future__ import annotations

import pytest

from chinwag.config import Config, ServerInfo
from chinwag.protocol.message import Message
from tests.server.harness import HOST, Harness

MOTD_LINE = (
    "- Welcome to chinwag! /list shows the rooms, /join #name enters one, /help lists the rest."
)

LUSERS_AND_MOTD = ["251", "252", "253", "254", "255", "265", "266", "375", "372", "376"]


def burst(h: Harness) -> list[str]:
    """The commands of the whole welcome burst, in order."""
    return (
        ["001", "002", "003", "004"]
        + ["005"] * len(h.core.deps.facts.isupport_lines)
        + ["396"]  # RPL_VISIBLEHOST: the host others see is a cloak
        + LUSERS_AND_MOTD
    )


def with_password(password: str = "pw") -> Harness:
    return Harness(Config(server=ServerInfo(name="irc.test", network="TestNet", password=password)))


# -- the welcome burst ----------------------------------------------------------------------


def test_nick_then_user_registers_with_the_full_burst() -> None:
    h = Harness()
    client = h.connect()
    client.send("NICK ana")
    assert client.raw() == []
    client.send("USER ana 0 * :Ana Example")
    assert client.commands() == burst(h)
    assert h.core.network.find_user("ana") is client.session.user


def test_user_then_nick_registers_too() -> None:
    h = Harness()
    client = h.connect()
    client.send("USER ana 0 * :Ana Example")
    assert client.raw() == []
    client.send("NICK ana")
    assert client.commands() == burst(h)


def test_welcome_burst_contents() -> None:
    h = Harness()
    client = h.connect()
    client.send("NICK ana", "USER ana 0 * :Ana Example")
    replies = client.take()
    assert all(m.source == "irc.test" and m.params[0] == "ana" for m in replies)
    by_code = {m.command: m.params[1:] for m in replies}
    assert by_code["001"] == (f"Welcome to the TestNet Network, ana!~ana@{HOST}",)
    assert by_code["002"] == (
        f"Your host is irc.test, running version {h.core.deps.facts.version}",
    )
    assert by_code["004"] == (
        "irc.test",
        h.core.deps.facts.version,
        "BZiow",
        "CIRbefiklmnostv",
        "Ibefklov",
    )
    isupport = [m.params[1:] for m in replies if m.command == "005"]
    assert [list(p[:-1]) for p in isupport] == [
        list(tokens) for tokens in h.core.deps.facts.isupport_lines
    ]
    assert all(p[-1] == "are supported by this server" for p in isupport)
    tokens = [token for p in isupport for token in p[:-1]]
    assert "NETWORK=TestNet" in tokens and "NICKLEN=30" in tokens and "UTF8ONLY" in tokens
    assert by_code["251"] == ("There are 1 users and 0 invisible on 1 servers",)
    assert by_code["375"] == ("- irc.test Message of the day - ",)
    assert by_code["372"] == (MOTD_LINE,)
    assert by_code["376"] == ("End of /MOTD command.",)


def test_every_motd_line_is_sent() -> None:
    config = Config(server=ServerInfo(name="irc.test", network="TestNet", motd=("one", "two")))
    client = Harness(config).connect()
    client.send("NICK ana", "USER ana 0 * :Ana")
    motd = [m.params[1] for m in client.take() if m.command == "372"]
    assert motd == ["- one", "- two"]


def test_missing_motd_is_422() -> None:
    config = Config(server=ServerInfo(name="irc.test", network="TestNet", motd=()))
    client = Harness(config).connect()
    client.send("NICK ana", "USER ana 0 * :Ana")
    assert client.commands()[-1] == "422"


def test_burst_lines_fit_with_a_long_network_and_nick() -> None:
    config = Config(server=ServerInfo(name="irc.test", network="N" * 300))
    client = Harness(config).connect()
    nick = "n" * 30
    client.send(f"NICK {nick}", f"USER {nick} 0 * :Ana")
    raw = client.raw()
    assert [line for line in raw if " 005 " in line]
    assert all(len(line.encode()) + 2 <= 512 for line in raw)


def test_username_is_cleaned_marked_and_cut() -> None:
    h = Harness(userlen=8)
    client = h.connect()
    client.send("NICK ana", "USER a$n%a_long_name 0 * :Ana Example")
    user = client.session.user
    assert user is not None
    assert user.username == "~ana_lon"
    assert user.realname == "Ana Example"


@pytest.mark.parametrize(
    "username", ["$$$", "\N{GRINNING FACE}", "\N{LATIN SMALL LETTER E WITH ACUTE}"]
)
def test_username_with_nothing_usable_becomes_u(username: str) -> None:
    # Nothing to keep (an emoji, accented letters): the client is welcomed as ~u, never left
    # waiting (Ergo's coerce-ident).
    client = Harness().connect()
    client.send("NICK ana", f"USER {username} 0 * :Ana")
    assert client.take()[0].command == "001"
    user = client.session.user
    assert user is not None
    assert user.username == "~u"


def test_username_keeps_its_ascii_among_other_characters() -> None:
    client = Harness().connect()
    client.send("NICK ana", "USER \N{GRINNING FACE}ana\N{GRINNING FACE} 0 * :Ana")
    user = client.session.user
    assert user is not None
    assert user.username == "~ana"


def test_user_with_an_empty_realname_is_461() -> None:
    # Modern IRC "USER message": the realname must not be empty.
    client = Harness().connect()
    client.send("NICK ana", "USER ana 0 * :")
    assert client.lines() == [("461", "ana", "USER", "Not enough parameters")]
    assert client.session.user is None
    # The client may try again with a proper USER.
    client.send("USER ana 0 * :Ana")
    assert client.take()[0].command == "001"


# -- CAP holds registration -------------------------------------------------------------------


def test_cap_ls_holds_registration_until_cap_end() -> None:
    h = Harness()
    client = h.connect()
    client.send("CAP LS 302", "NICK ana", "USER ana 0 * :Ana")
    assert set(client.commands()) == {"CAP"}  # the list may take several lines
    client.send("CAP REQ :server-time")
    assert client.commands() == ["CAP"]
    client.send("CAP END")
    assert client.commands() == burst(h)


def test_cap_req_alone_also_holds_registration() -> None:
    h = Harness()
    client = h.connect()
    client.send("CAP REQ :multi-prefix", "NICK ana", "USER ana 0 * :Ana")
    assert client.commands() == ["CAP"]
    client.send("CAP END")
    assert client.commands() == burst(h)


def test_cap_end_without_nick_and_user_waits_for_them() -> None:
    h = Harness()
    client = h.connect()
    client.send("CAP LS", "CAP END")
    assert set(client.commands()) == {"CAP"}  # the list, on one line or more
    client.send("NICK ana", "USER ana 0 * :Ana")
    assert client.commands() == burst(h)


# -- PASS -------------------------------------------------------------------------------------


def test_right_password_registers() -> None:
    h = with_password()
    client = h.connect()
    client.send("PASS pw", "NICK ana", "USER ana 0 * :Ana")
    assert client.commands() == burst(h)


def test_wrong_password_is_464_and_closes() -> None:
    h = with_password()
    client = h.connect()
    client.send("PASS nope", "NICK ana", "USER ana 0 * :Ana")
    assert client.lines() == [
        ("464", "ana", "Password incorrect"),
        ("ERROR", f"Closing Link: {HOST} (Bad password)"),
    ]
    assert client.closed
    assert h.core.network.find_user("ana") is None


def test_missing_password_is_464_and_closes() -> None:
    h = with_password()
    client = h.connect()
    client.send("NICK ana", "USER ana 0 * :Ana")
    assert [m.command for m in client.take()] == ["464", "ERROR"]
    assert client.closed


def test_last_pass_counts() -> None:
    h = with_password()
    client = h.connect()
    client.send("PASS pw", "PASS wrong", "NICK ana", "USER ana 0 * :Ana")
    assert client.commands() == ["464", "ERROR"]


def test_labelled_wrong_password_sends_nothing_after_error() -> None:
    h = with_password()
    client = h.connect()
    client.send("CAP REQ :labeled-response", "CAP END", "NICK ana")
    client.take()
    client.send("@label=x USER ana 0 * :Ana")
    assert [m.command for m in client.take()] == ["464", "ERROR"]
    assert client.outbox.closed
    assert client.outbox.after_close == []


def test_pass_is_ignored_without_a_configured_password() -> None:
    h = Harness()
    client = h.connect()
    client.send("PASS whatever", "NICK ana", "USER ana 0 * :Ana")
    assert client.commands() == burst(h)


def test_pass_after_registration_is_462() -> None:
    ana = Harness().client("ana")
    ana.send("PASS pw")
    assert ana.lines() == [("462", "ana", "You may not reregister")]


# -- nick rules and collisions ----------------------------------------------------------------


def test_nick_in_use_is_433() -> None:
    h = Harness()
    h.client("ana")
    client = h.connect()
    client.send("NICK ANA")
    assert client.lines() == [("433", "*", "ANA", "Nickname is already in use")]
    client.send("USER x 0 * :X")
    assert client.raw() == []  # still no usable nick
    client.send("NICK bo")
    assert client.commands()[0] == "001"


def test_two_unregistered_sessions_racing_for_one_nick_the_first_nick_holds_it() -> None:
    # The first NICK holds the nick while its session registers (issue 24, item 3): the
    # second is refused at once, not when the first completes.
    h = Harness()
    first, second = h.connect(), h.connect()
    first.send("NICK ana")
    second.send("NICK ana")
    assert second.lines() == [("433", "*", "ana", "Nickname is already in use")]
    second.send("USER two 0 * :Two")
    assert second.raw() == []  # still no usable nick
    first.send("USER one 0 * :One")
    assert first.commands()[0] == "001"
    second.send("NICK ana2")
    assert second.commands()[0] == "001"
    users = h.core.network.users
    assert {user.nick for user in users.values()} == {"ana", "ana2"}
    assert first.session.user is not None and first.session.user.username == "~one"
    assert h.core.network.pending_nicks == {}


def test_a_held_nick_is_let_go_when_its_session_changes_nick_or_leaves() -> None:
    h = Harness()
    first, second, third = h.connect(), h.connect(), h.connect()
    first.send("NICK ana", "NICK bo")
    second.send("NICK ana")
    assert second.raw() == []
    second.send("QUIT")
    third.send("NICK ana", "USER three 0 * :Three")
    assert third.commands()[0] == "001"


@pytest.mark.parametrize("nick", ["1ana", "-ana", "#ana", "ana!", "a.b", "é", "n" * 31])
def test_invalid_nick_is_432(nick: str) -> None:
    client = Harness().connect()
    client.send(f"NICK {nick}")
    assert client.lines() == [("432", "*", nick, "Erroneous nickname")]
    assert client.session.nick is None


def test_nick_of_exactly_nicklen_is_fine() -> None:
    client = Harness().connect()
    client.send("NICK " + "n" * 30, "USER a 0 * :A")
    assert client.commands()[0] == "001"


@pytest.mark.parametrize("line", ["NICK", "NICK :"])
def test_nick_without_a_name_is_431(line: str) -> None:
    client = Harness().connect()
    client.send(line)
    assert client.lines() == [("431", "*", "No nickname given")]


def test_user_after_registration_is_462() -> None:
    ana = Harness().client("ana")
    ana.send("USER again 0 * :Again")
    assert ana.lines() == [("462", "ana", "You may not reregister")]


def test_second_user_before_registration_is_462() -> None:
    client = Harness().connect()
    client.send("USER one 0 * :One", "USER two 0 * :Two")
    assert client.lines() == [("462", "*", "You may not reregister")]


def test_nick_can_change_before_registration() -> None:
    client = Harness().connect()
    client.send("NICK ana", "NICK bo", "USER x 0 * :X")
    assert client.take()[0].params[0] == "bo"


# -- NICK after registration ------------------------------------------------------------------


def test_nick_change_is_seen_by_self_and_channel_members_only() -> None:
    h = Harness()
    ana, bo, stranger = h.client("ana"), h.client("bo"), h.client("cy")
    for client in (ana, bo):
        client.send("JOIN #x")
    ana.take()
    bo.take()

    ana.send("NICK anya")

    change = Message("NICK", ("anya",), f"ana!~ana@{HOST}")
    assert [m.without_tags() for m in ana.take()] == [change]
    assert [m.without_tags() for m in bo.take()] == [change]
    assert stranger.raw() == []
    network = h.core.network
    assert network.find_user("ana") is None
    assert network.find_user("ANYA") is ana.session.user


def test_nick_change_seen_once_by_a_member_of_several_shared_channels() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    for channel in ("#x", "#y"):
        ana.send(f"JOIN {channel}")
        bo.send(f"JOIN {channel}")
    ana.take()
    bo.take()
    ana.send("NICK anya")
    assert bo.commands() == ["NICK"]


def test_nick_change_to_a_taken_nick_is_433() -> None:
    h = Harness()
    ana, _ = h.client("ana"), h.client("bo")
    ana.send("NICK Bo")
    assert ana.lines() == [("433", "ana", "Bo", "Nickname is already in use")]
    assert h.core.network.find_user("ana") is ana.session.user


def test_nick_change_of_case_only_is_allowed() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("NICK ANA")
    assert ana.lines() == [("NICK", "ANA")]
    user = ana.session.user
    assert user is not None and user.nick == "ANA"


def test_nick_change_to_the_same_nick_does_nothing() -> None:
    ana = Harness().client("ana")
    ana.send("NICK ana")
    assert ana.raw() == []


def test_old_nick_is_free_after_a_change() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("NICK anya")
    newcomer = h.client("ana")
    assert newcomer.session.user is not None


def test_nick_change_carries_tags_by_caps() -> None:
    h = Harness()
    ana = h.client("ana")
    bo = h.client("bo", caps=["server-time"])
    for client in (ana, bo):
        client.send("JOIN #x")
    ana.take()
    bo.take()
    ana.send("NICK anya")
    (seen,) = bo.take()
    assert set(seen.tags) == {"time"}


# -- PING -------------------------------------------------------------------------------------


def test_ping_before_registration_is_answered() -> None:
    client = Harness().connect()
    client.send("PING :abc def")
    assert client.lines() == [("PONG", "irc.test", "abc def")]


def test_ipv6_loopback_host_is_shown_so_it_can_be_a_parameter() -> None:
    # With cloaking off (on, the host is a cloak, which never starts with ":").
    uncloaked = ServerInfo(name="irc.test", network="TestNet", cloak_hosts=False)
    client = Harness(Config(server=uncloaked)).connect(ip="::1")
    client.send("NICK ana", "USER ana 0 * :Ana")
    welcome = client.take()[0]
    assert welcome.params[1] == "Welcome to the TestNet Network, ana!~ana@0::1"
    assert client.session.ip == "::1"

"""MOTD, LUSERS, VERSION and TIME (Modern IRC "Server Queries and Commands")."""

from __future__ import annotations

import time

from chinwag.config import Config, ServerInfo
from tests.server.harness import Harness

MOTD_LINE = (
    "- Welcome to chinwag! /list shows the rooms, /join #name enters one, /help lists the rest."
)


def test_motd_repeats_the_message_of_the_day() -> None:
    ana = Harness().client("ana")
    ana.send("MOTD")
    assert ana.lines() == [
        ("375", "ana", "- irc.test Message of the day - "),
        (
            "372",
            "ana",
            MOTD_LINE,
        ),
        ("376", "ana", "End of /MOTD command."),
    ]


def test_motd_for_this_server_by_name_in_any_case() -> None:
    ana = Harness().client("ana")
    ana.send("MOTD IRC.TEST")
    assert ana.commands() == ["375", "372", "376"]


def test_motd_for_another_server_is_402() -> None:
    ana = Harness().client("ana")
    ana.send("MOTD irc.elsewhere")
    assert ana.lines() == [("402", "ana", "irc.elsewhere", "No such server")]


def test_missing_motd_is_422() -> None:
    config = Config(server=ServerInfo(name="irc.test", network="TestNet", motd=()))
    ana = Harness(config).client("ana")
    ana.send("MOTD")
    assert ana.lines() == [("422", "ana", "MOTD File is missing")]


def test_lusers_counts_users_invisible_operators_unknown_and_channels() -> None:
    h = Harness()
    ana, bo, _ = h.client("ana"), h.client("bo"), h.client("cy")
    h.connect()  # an unregistered connection
    network = h.core.network
    bo_user = network.find_user("bo")
    assert bo_user is not None
    bo_user.modes.update({"i", "o"})
    ana.send("JOIN #x", "JOIN #y")
    ana.take()
    bo.take()

    ana.send("LUSERS")

    assert ana.lines() == [
        ("251", "ana", "There are 2 users and 1 invisible on 1 servers"),
        ("252", "ana", "1", "operator(s) online"),
        ("253", "ana", "1", "unknown connection(s)"),
        ("254", "ana", "2", "channels formed"),
        ("255", "ana", "I have 3 clients and 0 servers"),
        ("265", "ana", "3", "3", "Current local users 3, max 3"),
        ("266", "ana", "3", "3", "Current global users 3, max 3"),
    ]


def test_lusers_remembers_the_peak() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    bo.send("QUIT")
    ana.send("LUSERS")
    local = next(line for line in ana.lines() if line[0] == "265")
    assert local == ("265", "ana", "1", "2", "Current local users 1, max 2")


def test_version_then_isupport() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("VERSION")
    replies = ana.lines()
    assert replies[0] == ("351", "ana", h.core.deps.facts.version, "irc.test", "chinwag IRC server")
    isupport = replies[1:]
    assert [line[0] for line in isupport] == ["005"] * len(h.core.deps.facts.isupport_lines)
    assert [list(line[2:-1]) for line in isupport] == [
        list(tokens) for tokens in h.core.deps.facts.isupport_lines
    ]


def test_version_of_another_server_is_402() -> None:
    ana = Harness().client("ana")
    ana.send("VERSION irc.elsewhere")
    assert ana.commands() == ["402"]


def test_time_gives_the_timestamp_and_readable_time() -> None:
    ana = Harness().client("ana")
    before = int(time.time())
    ana.send("TIME")
    ((code, nick, server, stamp, offset, readable),) = ana.lines()
    assert (code, nick, server, offset) == ("391", "ana", "irc.test", "0")
    assert before <= int(stamp) <= int(time.time())
    assert readable.endswith("+00:00")


def test_time_of_another_server_is_402() -> None:
    ana = Harness().client("ana")
    ana.send("TIME irc.elsewhere")
    assert ana.commands() == ["402"]


def test_info_commands_need_registration() -> None:
    client = Harness().connect()
    client.send("MOTD", "LUSERS", "VERSION", "TIME")
    assert client.commands() == ["451"] * 4

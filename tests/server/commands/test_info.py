"""MOTD, LUSERS, VERSION, TIME, INFO, HELP, LINKS and STATS (Modern IRC "Server Queries and
Commands")."""

from __future__ import annotations

import re
import time

from chinwag.config import Config, ServerInfo
from chinwag.server import sources
from chinwag.server.dispatch import REGISTRY
from chinwag.server.helptext import HELP_TEXTS
from chinwag.server.sources import SystemSources
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
    bo_user.modes |= {"i", "o"}
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


# -- INFO, HELP, LINKS, STATS ----------------------------------------------------------------


def test_info_tells_about_the_server_then_ends() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("INFO")
    got = ana.lines()
    assert [line[0] for line in got] == ["371"] * (len(got) - 1) + ["374"]
    assert len(got) > 1
    assert h.core.deps.facts.version in got[0][2]
    assert got[-1] == ("374", "ana", "End of INFO list")


def test_info_for_another_server_is_402() -> None:
    ana = Harness().client("ana")
    ana.send("INFO irc.elsewhere")
    assert ana.lines() == [("402", "ana", "irc.elsewhere", "No such server")]


def test_help_alone_is_an_index_of_the_commands() -> None:
    ana = Harness().client("ana")
    ana.send("HELP")
    got = ana.lines()
    assert got[0] == ("704", "ana", "*", "** Help System **")
    assert all(line[:3] == ("705", "ana", "*") for line in got[1:-1])
    assert got[-1] == ("706", "ana", "*", "End of /HELP.")
    listed = " ".join(line[3] for line in got[1:-1]).split()
    assert {"PRIVMSG", "JOIN", "HELP", "WALLOPS", "LIST"} <= set(listed)


def test_help_on_a_command_in_any_case() -> None:
    ana = Harness().client("ana")
    ana.send("HELP privmsg")
    got = ana.lines()
    assert got[0] == ("704", "ana", "PRIVMSG", "** The PRIVMSG command **")
    assert ("705", "ana", "PRIVMSG", "PRIVMSG <target>{,<target>} <text>") in got
    assert got[-1] == ("706", "ana", "PRIVMSG", "End of /HELP.")


def test_helpop_is_help() -> None:
    ana = Harness().client("ana")
    ana.send("HELPOP JOIN")
    assert ana.commands()[0] == "704"


def test_help_on_an_unknown_subject_is_524() -> None:
    ana = Harness().client("ana")
    ana.send("HELP frobnicate")
    assert ana.lines() == [("524", "ana", "frobnicate", "No help available on this topic")]


def test_every_command_has_help() -> None:
    assert set(REGISTRY) <= set(HELP_TEXTS)


def test_links_names_this_server_only() -> None:
    ana = Harness().client("ana")
    ana.send("LINKS")
    assert ana.lines() == [
        ("364", "ana", "*", "irc.test", "0 chinwag IRC server"),
        ("365", "ana", "*", "End of /LINKS list"),
    ]


def test_stats_u_tells_the_uptime() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("STATS u")
    got = ana.lines()
    assert got[-1] == ("219", "ana", "u", "End of /STATS report")
    assert got[0][:2] == ("242", "ana")
    assert re.fullmatch(r"Server Up 0 days 0:00:\d\d", got[0][2])


def test_stats_u_counts_days() -> None:
    h = Harness()
    ana = h.client("ana")
    started = h.core.deps.facts.started
    with sources.using(SystemSources(lambda: started + 2 * 86400 + 3 * 3600 + 4 * 60 + 5)):
        ana.send("STATS u")
        assert ana.lines()[0] == ("242", "ana", "Server Up 2 days 3:04:05")


def test_stats_m_counts_commands() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("PING a", "PING b", "TIME")
    ana.take()
    ana.send("STATS m")
    got = ana.lines()
    counts = {line[2]: int(line[3]) for line in got if line[0] == "212"}
    assert counts["PING"] == 2
    assert counts["TIME"] == 1
    assert counts["NICK"] == 1
    assert counts["STATS"] == 1
    assert got[-1] == ("219", "ana", "m", "End of /STATS report")


def test_stats_of_an_unknown_letter_just_ends() -> None:
    ana = Harness().client("ana")
    ana.send("STATS q")
    assert ana.lines() == [("219", "ana", "q", "End of /STATS report")]


def test_stats_needs_a_query() -> None:
    ana = Harness().client("ana")
    ana.send("STATS")
    assert ana.lines() == [("461", "ana", "STATS", "Not enough parameters")]

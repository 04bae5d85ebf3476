"""Telling others that a user came, went or changed: MONITOR notifications, away-notify and
extended-monitor.

References: https://ircv3.net/specs/extensions/monitor (RPL_MONONLINE, RPL_MONOFFLINE),
https://ircv3.net/specs/extensions/away-notify,
https://ircv3.net/specs/extensions/extended-monitor.
"""

from __future__ import annotations

from tests.server.harness import HOST, Client, Harness


def watching(h: Harness, nick: str, *targets: str, caps: tuple[str, ...] = ()) -> Client:
    """A registered client that monitors ``targets``, its MONITOR replies already read."""
    client = h.client(nick, caps=caps)
    client.send("MONITOR + " + ",".join(targets))
    client.take()
    return client


# -- MONITOR notifications ------------------------------------------------------------------


def test_watcher_is_told_when_a_monitored_nick_connects() -> None:
    h = Harness()
    ana = watching(h, "ana", "bo")

    h.client("Bo")

    assert ana.events() == [("irc.test", "730", ("ana", f"Bo!~Bo@{HOST}"))]


def test_watcher_is_told_when_a_monitored_nick_quits() -> None:
    h = Harness()
    bo = h.client("bo")
    ana = watching(h, "ana", "bo")

    bo.send("QUIT :bye")

    assert ana.events() == [("irc.test", "731", ("ana", "bo"))]


def test_watcher_is_told_when_a_monitored_nick_loses_its_connection() -> None:
    h = Harness()
    bo = h.client("bo")
    ana = watching(h, "ana", "bo")

    h.core.connection_lost(bo.session)

    assert ana.events() == [("irc.test", "731", ("ana", "bo"))]


def test_nick_change_is_offline_for_the_old_nick_and_online_for_the_new() -> None:
    h = Harness()
    bo = h.client("bo")
    ana = watching(h, "ana", "bo", "robert")

    bo.send("NICK robert")

    assert ana.events() == [
        ("irc.test", "731", ("ana", "bo")),
        ("irc.test", "730", ("ana", f"robert!~bo@{HOST}")),
    ]


def test_nick_change_to_an_unmonitored_nick_only_reports_offline() -> None:
    h = Harness()
    bo = h.client("bo")
    ana = watching(h, "ana", "bo")

    bo.send("NICK robert")

    assert ana.events() == [("irc.test", "731", ("ana", "bo"))]


def test_nick_case_change_is_not_a_monitor_event() -> None:
    h = Harness()
    bo = h.client("bo")
    ana = watching(h, "ana", "bo")

    bo.send("NICK Bo")

    assert ana.take() == []


def test_sessions_that_stopped_monitoring_are_not_told() -> None:
    h = Harness()
    ana = watching(h, "ana", "bo")
    ana.send("MONITOR - bo")

    h.client("bo")

    assert ana.take() == []


def test_every_watcher_is_told() -> None:
    h = Harness()
    ana = watching(h, "ana", "bo")
    cy = watching(h, "cy", "bo")

    h.client("bo")

    assert ana.events() == [("irc.test", "730", ("ana", f"bo!~bo@{HOST}"))]
    assert cy.events() == [("irc.test", "730", ("cy", f"bo!~bo@{HOST}"))]


# -- away-notify ----------------------------------------------------------------------------


def test_away_notify_tells_neighbours_with_the_cap() -> None:
    h = Harness()
    bo = h.client("bo")
    ana = h.client("ana", caps=["away-notify"])
    cy = h.client("cy")
    h.join("#tea", bo, ana, cy)

    bo.send("AWAY :brb")

    assert ana.events() == [(f"bo!~bo@{HOST}", "AWAY", ("brb",))]
    assert cy.take() == []


def test_away_notify_is_not_sent_to_users_sharing_no_channel() -> None:
    h = Harness()
    bo = h.client("bo")
    ana = h.client("ana", caps=["away-notify"])

    bo.send("AWAY :brb")

    assert ana.take() == []


def test_joining_while_away_is_followed_by_away_for_away_notify_members() -> None:
    h = Harness()
    ana = h.client("ana", caps=["away-notify"])
    bo = h.client("bo")
    h.join("#tea", ana)
    bo.send("AWAY :brb")

    bo.send("JOIN #tea")

    assert ana.events() == [
        (f"bo!~bo@{HOST}", "JOIN", ("#tea",)),
        (f"bo!~bo@{HOST}", "AWAY", ("brb",)),
    ]


# -- extended-monitor -----------------------------------------------------------------------


def test_extended_monitor_sends_away_to_a_watcher_sharing_no_channel() -> None:
    h = Harness()
    bo = h.client("bo")
    ana = watching(h, "ana", "bo", caps=("extended-monitor", "away-notify"))

    bo.send("AWAY :brb")

    assert ana.events() == [(f"bo!~bo@{HOST}", "AWAY", ("brb",))]


def test_extended_monitor_needs_away_notify_too() -> None:
    h = Harness()
    bo = h.client("bo")
    ana = watching(h, "ana", "bo", caps=("extended-monitor",))

    bo.send("AWAY :brb")

    assert ana.take() == []


def test_monitor_without_extended_monitor_sends_no_away() -> None:
    h = Harness()
    bo = h.client("bo")
    ana = watching(h, "ana", "bo", caps=("away-notify",))

    bo.send("AWAY :brb")

    assert ana.take() == []


def test_extended_monitor_watcher_in_a_shared_channel_gets_away_once() -> None:
    h = Harness()
    bo = h.client("bo")
    ana = watching(h, "ana", "bo", caps=("extended-monitor", "away-notify"))
    h.join("#tea", bo, ana)

    bo.send("AWAY :brb")

    assert ana.events() == [(f"bo!~bo@{HOST}", "AWAY", ("brb",))]


def test_extended_monitor_sends_setname_to_a_watcher_with_the_setname_cap() -> None:
    h = Harness()
    bo = h.client("bo")
    ana = watching(h, "ana", "bo", caps=("extended-monitor", "setname"))
    cy = watching(h, "cy", "bo", caps=("extended-monitor",))

    bo.send("SETNAME :Bo Diddley")

    assert ana.events() == [(f"bo!~bo@{HOST}", "SETNAME", ("Bo Diddley",))]
    assert cy.take() == []

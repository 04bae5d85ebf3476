"""The server ban list (``UBAN``, issue 17): what a target names, what each kind of ban
matches, durations, and expiry. No sockets: the list is plain data."""

from __future__ import annotations

import pytest

from chinwag.server.banlist import BanList, parse_duration, parse_target
from chinwag.storage.base import ServerBan

NOW = 10_000.0


def ban(kind: str, target: str, expires_at: float | None = None) -> ServerBan:
    return ServerBan(kind, target, "why", "olga", NOW - 10, expires_at)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("203.0.113.7", ("ip", "203.0.113.7/32")),
        ("203.0.113.7/24", ("ip", "203.0.113.0/24")),
        ("2001:db8::1/64", ("ip", "2001:db8::/64")),
        ("2001:db8::1", ("ip", "2001:db8::1/128")),
        ("*!*@evil.example", ("mask", "*!*@evil.example")),
        ("troll", ("account", "troll")),
        ("Troll", ("account", "troll")),
        ("~user@host", ("mask", "*!~user@host")),
        ("nick!user", ("mask", "nick!user@*")),
        ("Troll*!*@Evil.Example", ("mask", "troll*!*@evil.example")),
    ],
)
def test_a_target_names_an_address_a_mask_or_an_account(
    text: str, expected: tuple[str, str]
) -> None:
    assert parse_target(text) == expected


@pytest.mark.parametrize("text", ["#channel", "", "1nick", "a b@c", "x,y!z@w"])
def test_what_names_nothing_is_refused(text: str) -> None:
    assert parse_target(text) is None


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90.0), ("30m", 1800.0), ("2h", 7200.0), ("1d2h", 93600.0), ("1h30m15s", 5415.0)],
)
def test_durations_are_seconds_or_units(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "0m", "soon", "1w", "-5", "1.5h", "h"])
def test_what_is_not_a_duration_is_none(text: str) -> None:
    assert parse_duration(text) is None


def test_an_address_ban_holds_every_address_of_its_range_and_no_other() -> None:
    bans = BanList()
    bans.add(ban("ip", "203.0.113.0/24"))
    bans.add(ban("ip", "2001:db8::/64"))
    assert bans.for_address("203.0.113.200", NOW) is not None
    assert bans.for_address("::ffff:203.0.113.9", NOW) is not None  # IPv4-mapped
    assert bans.for_address("2001:db8::abcd", NOW) is not None
    assert bans.for_address("203.0.114.1", NOW) is None
    assert bans.for_address("2001:db8:0:1::1", NOW) is None
    assert bans.for_address("not an address", NOW) is None


def test_a_mask_ban_matches_the_address_or_the_shown_host_ignoring_case() -> None:
    bans = BanList()
    bans.add(ban("mask", "*!*@203.0.113.*"))
    bans.add(ban("mask", "troll*!*@*"))
    assert bans.for_user("ana", "ana", "203.0.113.5", "cloak.example", NOW) is not None
    assert bans.for_user("TROLL9", "x", "198.51.100.1", "h", NOW) is not None
    assert bans.for_user("ana", "ana", "198.51.100.1", "cloak.example", NOW) is None


def test_an_account_ban_matches_the_account_in_any_case() -> None:
    bans = BanList()
    bans.add(ban("account", "mallory"))
    assert bans.for_account("Mallory", NOW) is not None
    assert bans.for_account("alice", NOW) is None
    assert bans.for_account(None, NOW) is None


def test_an_expired_ban_answers_no_and_is_pruned() -> None:
    bans = BanList()
    old = ban("ip", "203.0.113.0/24", expires_at=NOW - 1)
    live = ban("account", "mallory", expires_at=NOW + 60)
    bans.load([old, live])
    assert bans.for_address("203.0.113.1", NOW) is None
    assert bans.active(NOW) == [live]
    assert bans.prune(NOW) == [old]
    assert list(bans.bans.values()) == [live]
    assert bans.prune(NOW + 61) == [live]
    assert bans.bans == {} and bans.networks == {}


def test_removing_a_ban_lifts_it() -> None:
    bans = BanList()
    bans.add(ban("ip", "203.0.113.7/32"))
    assert bans.remove("ip", "203.0.113.7/32") is not None
    assert bans.for_address("203.0.113.7", NOW) is None
    assert bans.remove("ip", "203.0.113.7/32") is None

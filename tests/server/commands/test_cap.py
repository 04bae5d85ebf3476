"""CAP: capability negotiation (https://ircv3.net/specs/extensions/capability-negotiation)."""

from __future__ import annotations

import pytest

from chinwag.protocol.caps import CAPABILITIES, Capability
from chinwag.protocol.message import Message
from chinwag.server.commands import cap as cap_module
from tests.server.harness import Client, Harness

ALL_NAMES = " ".join(cap.name for cap in CAPABILITIES)


def enabled(client: Client) -> set[str]:
    return set(client.session.caps)


def test_ls_lists_every_capability() -> None:
    client = Harness().connect()
    client.send("CAP LS")
    lines = client.lines()
    # Before 302 a long list takes several lines, without the ``*`` marker.
    assert all(line[:3] == ("CAP", "*", "LS") and len(line) == 4 for line in lines)
    assert " ".join(line[3] for line in lines) == ALL_NAMES


def test_ls_302_lists_with_values_and_enables_cap_notify() -> None:
    h = Harness()
    client = h.connect()
    client.send("CAP LS 302")
    values = h.core.deps.facts.cap_values
    *more, last = client.lines()
    # The list is long enough to take more than one line: each but the last says "*" first.
    assert all(line[:4] == ("CAP", "*", "LS", "*") for line in more)
    assert last[:3] == ("CAP", "*", "LS")
    assert " ".join([line[4] for line in more] + [last[3]]) == " ".join(
        c.advertised(302, values.get(c.name)) for c in CAPABILITIES
    )
    client.send("CAP LIST")
    assert client.lines() == [("CAP", "*", "LIST", "cap-notify")]


def test_plain_ls_does_not_enable_cap_notify() -> None:
    client = Harness().connect()
    client.send("CAP LS", "CAP LIST")
    assert client.lines()[-1] == ("CAP", "*", "LIST", "")


def test_subcommands_are_case_insensitive() -> None:
    client = Harness().connect()
    client.send("cap ls")
    assert set(client.commands()) == {"CAP"}


def test_req_acks_and_enables_all_requested() -> None:
    client = Harness().connect()
    client.send("CAP REQ :server-time message-tags")
    assert client.lines() == [("CAP", "*", "ACK", "server-time message-tags")]
    assert enabled(client) == {"server-time", "message-tags"}


def test_req_with_an_unknown_name_is_naked_entirely() -> None:
    client = Harness().connect()
    client.send("CAP REQ :server-time no-such-cap message-tags")
    assert client.lines() == [("CAP", "*", "NAK", "server-time no-such-cap message-tags")]
    assert enabled(client) == set()


def test_nak_leaves_earlier_caps_alone() -> None:
    client = Harness().connect()
    client.send("CAP REQ :batch", "CAP REQ :-batch bogus")
    assert [line[2] for line in client.lines()] == ["ACK", "NAK"]
    assert enabled(client) == {"batch"}


def test_req_can_disable_with_a_minus() -> None:
    client = Harness().connect()
    client.send("CAP REQ :batch server-time", "CAP REQ :-batch")
    assert client.lines()[-1] == ("CAP", "*", "ACK", "-batch")
    assert enabled(client) == {"server-time"}


def test_list_shows_what_is_enabled() -> None:
    client = Harness().connect()
    client.send("CAP REQ :server-time batch", "CAP LIST")
    (listed,) = client.lines()[-1:]
    assert listed[:3] == ("CAP", "*", "LIST")
    assert set(listed[3].split()) == {"server-time", "batch"}


def test_cap_notify_is_sticky_after_ls_302() -> None:
    client = Harness().connect()
    client.send("CAP LS 302")
    client.take()
    client.send("CAP REQ :-cap-notify")
    assert client.lines() == [("CAP", "*", "NAK", "-cap-notify")]
    assert "cap-notify" in enabled(client)


def test_cap_notify_can_be_dropped_by_pre_302_clients() -> None:
    client = Harness().connect()
    client.send("CAP REQ :cap-notify", "CAP REQ :-cap-notify")
    assert [line[2] for line in client.lines()] == ["ACK", "ACK"]
    assert enabled(client) == set()


def test_req_without_caps_is_461() -> None:
    client = Harness().connect()
    client.send("CAP REQ")
    assert client.lines() == [("461", "*", "CAP", "Not enough parameters")]


def test_cap_without_subcommand_is_461() -> None:
    client = Harness().connect()
    client.send("CAP")
    assert client.lines() == [("461", "*", "CAP", "Not enough parameters")]


def test_unknown_subcommand_is_410() -> None:
    client = Harness().connect()
    client.send("CAP FROB")
    assert client.lines() == [("410", "*", "FROB", "Invalid CAP command")]


def test_replies_address_the_nick_once_known() -> None:
    client = Harness().connect()
    client.send("NICK ana", "CAP LS")
    assert client.lines()[0][:3] == ("CAP", "ana", "LS")


def test_caps_can_change_after_registration_without_a_new_welcome() -> None:
    ana = Harness().client("ana")
    ana.send("CAP LS 302", "CAP REQ :echo-message", "CAP END")
    assert list(dict.fromkeys(line[2] for line in ana.lines())) == ["LS", "ACK"]
    assert "echo-message" in enabled(ana)


def test_req_sets_the_tag_mask_used_for_delivery() -> None:
    h = Harness()
    ana = h.client("ana")
    bo = h.client("bo")
    bo.send("CAP REQ :server-time")
    bo.take()
    ana.send("PRIVMSG bo :hi")
    (message,) = bo.take()
    assert set(message.tags) == {"time"}
    bo.send("CAP REQ :-server-time")
    bo.take()
    ana.send("PRIVMSG bo :hi")
    (message,) = bo.take()
    assert message.tags == {}


def test_long_ls_302_is_split_with_continuation_markers(monkeypatch: pytest.MonkeyPatch) -> None:
    many = tuple(Capability(f"vendor.example/cap-{i:03}", "https://ircv3.net/x") for i in range(60))
    monkeypatch.setattr(cap_module, "CAPABILITIES", many)
    client = Harness().connect()
    client.send("CAP LS 302")
    replies = client.lines()
    assert len(replies) > 1
    assert all(reply[:4] == ("CAP", "*", "LS", "*") for reply in replies[:-1])
    assert replies[-1][:3] == ("CAP", "*", "LS") and len(replies[-1]) == 4
    listed = [name for reply in replies for name in reply[-1].split()]
    assert listed == [cap.name for cap in many]
    assert all(len(Message(r[0], r[1:], "irc.test").to_bytes()) <= 512 for r in replies)


def test_ls_with_a_version_of_non_ascii_digits_is_a_plain_ls() -> None:
    # Found while fuzzing (docs/security.md): "²".isdigit() holds but int("²") raises,
    # which was a 400 Internal error.
    client = Harness().connect()
    client.send("CAP LS ²", "CAP LIST")
    replies = client.lines()
    assert all(reply[0] == "CAP" for reply in replies)
    assert replies[-1] == ("CAP", "*", "LIST", "")

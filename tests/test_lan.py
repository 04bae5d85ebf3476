"""The join hint names an address a friend can reach, never just localhost."""

from __future__ import annotations

import ipaddress

from chinwag.lan import join_hints, lan_addresses


def test_lan_addresses_are_ipv4_and_never_loopback() -> None:
    for address in lan_addresses():
        parsed = ipaddress.IPv4Address(address)
        assert not parsed.is_loopback


def test_each_friend_is_told_what_their_own_client_takes() -> None:
    assert join_hints("10.1.2.3", 6697) == [
        "  irssi:           /connect 10.1.2.3 6697",
        "  WeeChat:         /server add chinwag 10.1.2.3/6697 -notls   then   /connect chinwag",
        '  HexChat:         Network List → Add → 10.1.2.3/6697, untick "Use SSL"',
        "  with this repo:  ./dev chat 10.1.2.3:6697",
    ]


def test_the_port_is_spelled_out_even_when_it_is_the_default() -> None:
    hints = join_hints("10.1.2.3", 6667)
    assert "  irssi:           /connect 10.1.2.3 6667" in hints
    assert "  with this repo:  ./dev chat 10.1.2.3:6667" in hints


def test_a_server_on_every_interface_hints_reachable_addresses_not_the_wildcard() -> None:
    hints = "\n".join(join_hints("0.0.0.0", 6667))
    assert "0.0.0.0" not in hints
    for address in lan_addresses() or ["127.0.0.1"]:
        assert f"/connect {address} 6667" in hints

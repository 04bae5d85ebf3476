"""The join hint names an address a friend can reach, never just localhost."""

from __future__ import annotations

import ipaddress

from chinwag.lan import join_hints, lan_addresses


def test_lan_addresses_are_ipv4_and_never_loopback() -> None:
    for address in lan_addresses():
        parsed = ipaddress.IPv4Address(address)
        assert not parsed.is_loopback


def test_a_specific_listen_address_is_the_one_hinted() -> None:
    assert join_hints("10.1.2.3", 6697) == [
        "  chinwag:           chinwag chat 10.1.2.3:6697",
        "  irssi or WeeChat:  /connect 10.1.2.3 6697",
        "  HexChat:           server 10.1.2.3, port 6697",
    ]


def test_the_default_port_is_left_out_of_the_connect_command() -> None:
    assert join_hints("10.1.2.3", 6667)[:2] == [
        "  chinwag:           chinwag chat 10.1.2.3",
        "  irssi or WeeChat:  /connect 10.1.2.3",
    ]

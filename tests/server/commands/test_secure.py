"""Secure connections as the core sees them: user mode +Z, WHOIS 671 and 276, and the
``sts`` capability (https://ircv3.net/specs/extensions/sts)."""

from __future__ import annotations

from chinwag.config import Config, Listener, ServerInfo, TlsSettings
from chinwag.protocol import numerics as n
from tests.server.harness import Client, Harness

FP = "ab" * 32


def test_a_user_on_tls_gets_z_and_cannot_change_it() -> None:
    h = Harness()
    secure = h.client("ana", secure=True)
    plain = h.client("bo")
    assert "Z" in h.user("ana").modes and "Z" not in h.user("bo").modes
    secure.send("MODE ana -Z", "MODE ana")
    assert secure.lines() == [(n.RPL_UMODEIS, "ana", "+Z")]
    plain.send("MODE bo +Z", "MODE bo")
    assert plain.lines() == [(n.RPL_UMODEIS, "bo", "+")]


def whois(client: Client, nick: str) -> dict[str, tuple[str, ...]]:
    client.send(f"WHOIS {nick}")
    return {line[0]: line for line in client.lines()}


def test_whois_says_secure_to_everyone_and_the_fingerprint_only_to_self_and_operators() -> None:
    h = Harness()
    ana = h.client("ana", secure=True, certfp=FP)
    bo = h.client("bo")
    seen_by_bo = whois(bo, "ana")
    assert seen_by_bo[n.RPL_WHOISSECURE] == (
        n.RPL_WHOISSECURE,
        "bo",
        "ana",
        "is using a secure connection",
    )
    assert n.RPL_WHOISCERTFP not in seen_by_bo
    assert whois(ana, "ana")[n.RPL_WHOISCERTFP] == (
        n.RPL_WHOISCERTFP,
        "ana",
        "ana",
        f"has client certificate fingerprint {FP}",
    )
    h.user("bo").modes |= {"o"}
    assert n.RPL_WHOISCERTFP in whois(bo, "ana")
    assert n.RPL_WHOISSECURE not in whois(ana, "bo")


def sts_config(duration: int, preload: bool = False) -> Config:
    return Config(
        server=ServerInfo(name="irc.test", network="TestNet"),
        listeners=(Listener(port=0), Listener(port=0, kind="tls")),
        tls=TlsSettings(sts_duration=duration, sts_preload=preload),
    )


def sts_token(client: Client) -> str | None:
    client.send("CAP LS 302")
    words = " ".join(line[-1] for line in client.lines()).split()
    found = [word for word in words if word.split("=")[0] == "sts"]
    return found[0] if found else None


def test_sts_tells_plain_connections_the_port_and_secure_ones_the_duration() -> None:
    h = Harness(config=sts_config(86400, preload=True))
    assert sts_token(h.connect()) is None  # the port is not known yet
    h.core.tls_port = 6697
    assert sts_token(h.connect()) == "sts=port=6697"
    assert sts_token(h.connect(secure=True)) == "sts=duration=86400,preload"


def test_sts_is_not_advertised_without_a_duration_and_cannot_be_requested() -> None:
    h = Harness(config=sts_config(0))
    h.core.tls_port = 6697
    assert sts_token(h.connect()) is None
    client = h.connect()
    client.send("CAP REQ sts")
    assert client.lines() == [("CAP", "*", "NAK", "sts")]


def test_sts_version_301_gets_no_valueless_policy() -> None:
    h = Harness(config=sts_config(60))
    h.core.tls_port = 6697
    client = h.connect()
    client.send("CAP LS")
    assert "sts" not in " ".join(line[-1] for line in client.lines()).split()

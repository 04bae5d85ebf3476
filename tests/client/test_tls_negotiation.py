"""The sans-I/O side of issue 14: ``sts`` in CAP LS, SASL EXTERNAL with a client certificate,
``/cert``, typed addresses, the known-servers file and ``make-cert``; no network."""

from __future__ import annotations

import ssl
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from chinwag.cli import main
from chinwag.client import events as ev
from chinwag.client.commands import DirectMessage, Usage, parse_input
from chinwag.client.options import OptionError, Server, check_cert, parse_server
from chinwag.client.sts import StsValue, parse_sts
from chinwag.client.trust import KnownServers, Verdict, connected_words
from chinwag.protocol.fingerprints import display_fingerprint as fingerprint
from tests.client.harness import feed, negotiate, new, sent

# -- STS (https://ircv3.net/specs/extensions/sts) -------------------------------------------


def test_sts_in_cap_ls_is_reported_before_anything_is_requested() -> None:
    proto = new()
    proto.register()
    sent(proto)
    events = feed(proto, ":irc.test CAP * LS :sts=port=6697,duration=300 server-time")
    assert isinstance(events[0], ev.StsAdvertised)
    assert (events[0].port, events[0].duration) == (6697, 300)


def test_no_sts_no_event() -> None:
    proto = new()
    proto.register()
    sent(proto)
    events = feed(proto, ":irc.test CAP * LS :server-time")
    assert not any(isinstance(event, ev.StsAdvertised) for event in events)


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("port=6697", StsValue(6697, None)),
        ("duration=0", StsValue(None, 0)),
        ("duration=31536000,port=6697,preload", StsValue(6697, 31536000)),
        ("port=99999,duration=x", StsValue(None, None)),
        ("", StsValue(None, None)),
        (None, StsValue(None, None)),
    ],
)
def test_the_sts_value(value: str | None, parsed: StsValue) -> None:
    assert parse_sts(value) == parsed


# -- SASL EXTERNAL (a client certificate, no password) --------------------------------------


def test_a_certificate_without_a_password_logs_in_with_external() -> None:
    proto = new()
    proto.certificate = True
    assert negotiate(proto, "sasl=PLAIN,EXTERNAL server-time") == ["AUTHENTICATE EXTERNAL"]
    feed(proto, "AUTHENTICATE +")
    assert sent(proto) == ["AUTHENTICATE +"]
    events = feed(
        proto,
        ":irc.test 900 ana ana!~ana@127.0.0.1 ana :You are now logged in as ana",
        ":irc.test 903 ana :SASL authentication successful",
    )
    assert isinstance(events[0], ev.LoggedIn)
    assert sent(proto) == ["CAP END"]


def test_a_refused_certificate_is_said_in_words_and_registration_goes_on() -> None:
    proto = new()
    proto.certificate = True
    negotiate(proto, "sasl=EXTERNAL")
    feed(proto, "AUTHENTICATE +")
    sent(proto)
    failed, *_ = feed(proto, ":irc.test 904 ana :SASL authentication failed")
    assert isinstance(failed, ev.LoginFailed)
    assert "did not accept your client certificate" in failed.reason
    assert "/cert add" in failed.reason
    assert sent(proto) == ["CAP END"]
    assert proto.certificate is False  # not again on every reconnection


def test_external_only_where_the_server_lists_it() -> None:
    proto = new()
    proto.certificate = True
    assert negotiate(proto, "sasl=PLAIN,SCRAM-SHA-256") == ["CAP END"]


def test_a_password_wins_over_the_certificate() -> None:
    proto = new(account_password="pw", sasl_mechanisms=("PLAIN",))
    proto.certificate = True
    assert negotiate(proto, "sasl=PLAIN,EXTERNAL") == ["AUTHENTICATE PLAIN"]


# -- /cert ------------------------------------------------------------------------------------


def test_cert_commands_go_to_nickserv() -> None:
    assert parse_input("/cert add") == DirectMessage("NickServ", "CERT ADD")
    assert parse_input("/cert list") == DirectMessage("NickServ", "CERT LIST")
    assert parse_input("/cert del SHA256:AB:CD") == DirectMessage(
        "NickServ", "CERT DEL SHA256:AB:CD"
    )
    for wrong in ("/cert", "/cert del", "/cert add now", "/cert burn"):
        assert isinstance(parse_input(wrong), Usage)


# -- typed addresses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "tls", "server"),
    [
        ("chat.example.org", False, Server("chat.example.org", 6697, True, 6667)),
        ("chat.example.org:7000", False, Server("chat.example.org", 7000, False)),
        ("chat.example.org:7000", True, Server("chat.example.org", 7000, True)),
        ("chat.example.org", True, Server("chat.example.org", 6697, True)),
        ("ircs://chat.example.org", False, Server("chat.example.org", 6697, True)),
        ("ircs://chat.example.org:7000/", False, Server("chat.example.org", 7000, True)),
        ("irc://chat.example.org", False, Server("chat.example.org", 6667, False)),
        ("irc://chat.example.org:6697", False, Server("chat.example.org", 6697, False)),
        ("::1", False, Server("::1", 6697, True, 6667)),
        ("[::1]:6667", False, Server("::1", 6667, False)),
    ],
)
def test_a_typed_address_says_whether_tls(typed: str, tls: bool, server: Server) -> None:
    assert parse_server(typed, tls=tls) == server


def test_irc_scheme_with_tls_and_other_schemes_are_mistakes() -> None:
    with pytest.raises(OptionError, match="irc://"):
        parse_server("irc://chat.example.org", tls=True)
    with pytest.raises(OptionError, match="https://"):
        parse_server("https://chat.example.org")


# -- the known-servers file and the words -----------------------------------------------------


def test_known_servers_file_keeps_one_line_per_address(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "known_servers"
    known = KnownServers(path)
    assert known.check("Chat.Example.org:6697", "SHA256:AA") is Verdict.NEW
    assert known.remember("Chat.Example.org:6697", "SHA256:AA")
    assert KnownServers(path).check("chat.example.org:6697", "SHA256:AA") is Verdict.SAME
    assert KnownServers(path).check("chat.example.org:6697", "SHA256:BB") is Verdict.CHANGED
    assert "chat.example.org:6697 SHA256:AA" in path.read_text().splitlines()
    assert [p.name for p in path.parent.iterdir()] == ["known_servers"]


def test_the_fingerprint_format() -> None:
    shown = fingerprint(b"abc")
    assert shown.startswith("SHA256:BA:78:16:BF:")
    assert len(shown) == len("SHA256:") + 32 * 3 - 1


def test_what_a_connection_says() -> None:
    assert connected_words(ev.Connected("h", 6667, False)) == [
        "Connected to h:6667 (not encrypted)"
    ]
    first = connected_words(ev.Connected("h", 6697, True, fingerprint="SHA256:AA", first_use=True))
    assert first[1] == (
        "First connection to h:6697; its certificate fingerprint is SHA256:AA, remembered"
    )
    assert "verified" in connected_words(ev.Connected("h", 6697, True, verified=True))[0]


# -- make-cert ----------------------------------------------------------------------------------


def test_make_cert_writes_a_loadable_certificate_readable_only_by_its_owner(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "certs" / "me.pem"
    assert main(["make-cert", str(path)]) == 0
    printed = capsys.readouterr().out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    ssl.create_default_context().load_cert_chain(path)  # certificate and key, usable
    assert check_cert(path) == path
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    shown = fingerprint(cert.public_bytes(serialization.Encoding.DER))
    assert shown in printed and "/cert add" in printed
    before = path.read_bytes()
    assert main(["make-cert", str(path)]) == 1
    assert "exists" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_make_cert_defaults_to_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert main(["make-cert"]) == 0
    assert (tmp_path / "data" / "chinwag" / "client.pem").exists()


def test_a_file_that_is_no_certificate_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "nope.pem"
    path.write_text("hello\n")
    with pytest.raises(OptionError, match=r"nope\.pem"):
        check_cert(path)
    assert main(["chat", "--cert", str(path), "--plain"]) == 2


def test_sts_numbers_of_non_ascii_digits_count_as_absent() -> None:
    # "²".isdigit() holds but int("²") raises: a server could crash the client's reader.
    assert parse_sts("port=²,duration=³") == StsValue(None, None)

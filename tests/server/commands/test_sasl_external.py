"""SASL EXTERNAL: a login by the client certificate (RFC 4422 appendix A, IRCv3 sasl-3.1)."""

from __future__ import annotations

import base64

from chinwag.protocol import numerics as n
from tests.server.harness import Client, Harness

FP = "ab" * 32


def sasl_client(h: Harness, certfp: str | None, nick: str = "ana") -> Client:
    client = h.connect(secure=certfp is not None, certfp=certfp)
    client.send("CAP LS 302", "CAP REQ :sasl", f"NICK {nick}", f"USER {nick} 0 * :{nick}")
    client.take()
    return client


def account_with_cert(h: Harness, name: str = "ana", certfp: str = FP) -> None:
    owner = h.client(name)
    owner.send("REGISTER * :correct horse", f"NS CERT ADD {certfp}", "QUIT")
    owner.take()
    assert h.core.deps.accounts.by_certfp(certfp) is not None


def test_external_logs_in_the_account_of_the_certificate() -> None:
    h = Harness()
    account_with_cert(h)
    client = sasl_client(h, FP, nick="someone")
    client.send("AUTHENTICATE EXTERNAL")
    assert client.lines() == [("AUTHENTICATE", "+")]
    client.send("AUTHENTICATE +")
    replies = client.lines()
    assert replies[0][0] == n.RPL_LOGGEDIN and replies[0][3] == "ana"
    assert replies[1][0] == n.RPL_SASLSUCCESS
    client.send("CAP END")
    client.take()
    assert h.user("someone").account == "ana"


def test_external_with_the_accounts_name_as_authzid() -> None:
    h = Harness()
    account_with_cert(h)
    client = sasl_client(h, FP)
    client.send("AUTHENTICATE EXTERNAL", "AUTHENTICATE " + base64.b64encode(b"ANA").decode())
    assert [line[0] for line in client.lines()] == ["AUTHENTICATE", n.RPL_LOGGEDIN, "903"]


def test_external_naming_another_account_fails() -> None:
    h = Harness()
    account_with_cert(h)
    account_with_cert(h, "bo", "cd" * 32)
    client = sasl_client(h, FP)
    client.send("AUTHENTICATE EXTERNAL", "AUTHENTICATE " + base64.b64encode(b"bo").decode())
    assert client.lines()[-1][0] == n.ERR_SASLFAIL


def test_no_certificate_or_an_unknown_one_fails() -> None:
    h = Harness()
    account_with_cert(h)
    plain = sasl_client(h, None)
    plain.send("AUTHENTICATE EXTERNAL", "AUTHENTICATE +")
    assert plain.lines()[-1] == (
        n.ERR_SASLFAIL,
        "ana",
        "SASL authentication failed: You did not present a client certificate (TLS CertFP)",
    )
    stranger = sasl_client(h, "ef" * 32, nick="eve")
    stranger.send("AUTHENTICATE EXTERNAL", "AUTHENTICATE +")
    assert stranger.lines()[-1][0] == n.ERR_SASLFAIL


def test_failures_count_against_the_login_limit() -> None:
    h = Harness()
    account_with_cert(h)
    limit = h.core.config.accounts.login_failures
    for attempt in range(limit):
        stranger = sasl_client(h, f"{attempt:064x}", nick=f"eve{attempt}")
        stranger.send("AUTHENTICATE EXTERNAL", "AUTHENTICATE +")
        assert stranger.lines()[-1][0] == n.ERR_SASLFAIL
    # The right certificate from the same address now waits like a right password would.
    client = sasl_client(h, FP)
    client.send("AUTHENTICATE EXTERNAL", "AUTHENTICATE +")
    last = client.lines()[-1]
    assert last[0] == n.ERR_SASLFAIL and "Too many failed login attempts" in last[2]
    h.clock.advance(h.core.config.accounts.login_window + 1)
    client.send("AUTHENTICATE EXTERNAL", "AUTHENTICATE +")
    assert client.lines()[-1][0] == n.RPL_SASLSUCCESS

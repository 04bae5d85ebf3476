"""NickServ CERT: the client certificates (CertFP) that log in to an account."""

from __future__ import annotations

from chinwag.server.services.nickserv import MAX_CERTFPS
from tests.server.harness import Client, Harness

PASSWORD = "correct-horse-battery"
FP_ANA = "ab" * 32
FP_BO = "cd" * 32


def says(client: Client) -> list[str]:
    """What NickServ told the client since the last read."""
    return [
        m.params[1]
        for m in client.take()
        if m.command == "NOTICE" and m.source == "NickServ!NickServ@services"
    ]


def registered(h: Harness, nick: str, certfp: str | None = None) -> Client:
    client = h.client(nick, secure=certfp is not None, certfp=certfp)
    client.send(f"PRIVMSG NickServ :REGISTER {PASSWORD}")
    client.take()
    return client


def test_cert_add_without_argument_adds_the_connections_certificate() -> None:
    h = Harness()
    ana = registered(h, "ana", certfp=FP_ANA)
    ana.send("NS CERT ADD", "NS CERT LIST")
    assert says(ana) == [
        f"{FP_ANA} now logs in to ana.",
        "Client certificates of ana:",
        FP_ANA,
    ]
    assert h.core.deps.accounts.by_certfp(FP_ANA) is h.core.deps.accounts.get("ana")


def test_cert_add_takes_the_display_form_and_stores_it_normalised() -> None:
    h = Harness()
    ana = registered(h, "ana")
    shown = ":".join(FP_BO.upper()[i : i + 2] for i in range(0, 64, 2))
    ana.send(f"NS CERT ADD {shown}")
    assert says(ana) == [f"{FP_BO} now logs in to ana."]


def test_cert_needs_a_login_and_a_valid_fingerprint() -> None:
    h = Harness()
    guest = h.client("guest", secure=True, certfp=FP_ANA)
    guest.send("NS CERT ADD")
    assert says(guest) == ["You are not logged in."]
    ana = registered(h, "ana")
    ana.send("NS CERT ADD nothex", "NS CERT ADD", "NS CERT FROB")
    replies = says(ana)
    assert replies[0] == "nothex is not a SHA-256 fingerprint (64 hex digits)."
    assert replies[1] == "You are not connected with a client certificate; give its fingerprint."
    assert replies[2].startswith("Syntax: CERT ADD")


def test_a_fingerprint_belongs_to_one_account_and_the_refusal_names_nobody() -> None:
    h = Harness()
    ana = registered(h, "ana")
    ana.send(f"NS CERT ADD {FP_ANA}")
    ana.take()
    bo = registered(h, "bo")
    bo.send(f"NS CERT ADD {FP_ANA}", "NS CERT LIST", f"NS CERT DEL {FP_ANA}")
    replies = says(bo)
    assert replies == [
        "That certificate cannot be added to your account.",
        "No client certificates log in to bo.",
        f"{FP_ANA} is not one of bo's certificates.",
    ]
    assert not any("ana" in line for line in replies)
    assert h.core.deps.accounts.get("ana").certfps == (FP_ANA,)  # type: ignore[union-attr]


def test_cert_del_removes_it_and_it_no_longer_logs_in() -> None:
    h = Harness()
    ana = registered(h, "ana")
    ana.send(f"NS CERT ADD {FP_ANA}", f"NS CERT DEL {FP_ANA}", "NS CERT LIST")
    assert says(ana)[1:] == [
        f"{FP_ANA} no longer logs in to ana.",
        "No client certificates log in to ana.",
    ]
    assert h.core.deps.accounts.by_certfp(FP_ANA) is None


def test_an_account_holds_at_most_a_few_certificates() -> None:
    h = Harness()
    ana = registered(h, "ana")
    for number in range(MAX_CERTFPS):
        ana.send(f"NS CERT ADD {number:064x}")
    ana.take()
    ana.send(f"NS CERT ADD {FP_BO}")
    assert says(ana) == [f"An account has at most {MAX_CERTFPS} certificates; CERT DEL one first."]


def test_identify_alone_logs_in_by_certificate() -> None:
    h = Harness()
    ana = registered(h, "ana", certfp=FP_ANA)
    ana.send("NS CERT ADD", "QUIT")
    again = h.client("ana", secure=True, certfp=FP_ANA)
    again.send("NS IDENTIFY")
    assert "You are now logged in as ana." in says(again)
    assert h.user("ana").account == "ana"


def test_dropping_the_account_frees_its_fingerprints() -> None:
    h = Harness()
    ana = registered(h, "ana")
    ana.send(f"NS CERT ADD {FP_ANA}", f"NS DROP {PASSWORD}")
    ana.take()
    assert h.core.deps.accounts.by_certfp(FP_ANA) is None
    bo = registered(h, "bo")
    bo.send(f"NS CERT ADD {FP_ANA}")
    assert says(bo) == [f"{FP_ANA} now logs in to bo."]


def test_help_describes_cert() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("NS HELP CERT")
    assert says(ana)[0].startswith("CERT ADD [<fingerprint>]")

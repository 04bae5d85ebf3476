"""``REGISTER`` before connecting (``register_before_connect``) and e-mail verification
(``email_verification``, ``VERIFY``): IRCv3 draft/account-registration."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from chinwag.config import AccountSettings, ConfigError, load_config
from chinwag.protocol import numerics as n
from chinwag.server.services import verification
from chinwag.storage.base import Account
from chinwag.storage.memory import MemoryStore
from tests.server.harness import Client, Harness

PASSWORD = "correct-horse-battery"
QUICK = {"argon2_time_cost": 1, "argon2_memory_kib": 64, "argon2_parallelism": 1}


def advertised(client: Client) -> str:
    client.send("CAP LS 302")
    words = " ".join(reply[-1] for reply in client.lines()).split()
    return next(w for w in words if w.startswith("draft/account-registration="))


# -- before-connect ------------------------------------------------------------------------


def test_register_before_connecting_is_refused_when_the_server_does_not_allow_it() -> None:
    h = Harness(accounts=AccountSettings(register_before_connect=False, **QUICK))
    client = h.connect()
    assert advertised(client) == "draft/account-registration=chinwag.im/min-password=8"
    client.send("NICK ana", f"REGISTER * * :{PASSWORD}")
    assert client.lines()[-1][:3] == ("FAIL", "REGISTER", "COMPLETE_CONNECTION_REQUIRED")
    assert "ana" not in h.core.deps.accounts
    client.send("USER ana 0 * :Ana", "CAP END")
    client.take()
    client.send(f"REGISTER * * :{PASSWORD}")
    assert client.lines()[0][:3] == ("REGISTER", "SUCCESS", "ana")


def test_before_connect_is_advertised_by_default_and_custom_account_name_never() -> None:
    h = Harness()
    value = advertised(h.connect())
    assert value == "draft/account-registration=before-connect,chinwag.im/min-password=8"
    h = Harness(accounts=AccountSettings(email_verification=True, mail_command="x", **QUICK))
    value = advertised(h.connect())
    assert "before-connect,email-required," in value
    assert "custom-account-name" not in value


# -- e-mail verification -------------------------------------------------------------------


class Mailbox:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str, str, str]] = []
        self.broken = False

    async def send(self, command: str, email: str, account: str, code: str, text: str) -> None:
        if self.broken:
            raise OSError("no mail today")
        self.sent.append((command, email, account, code, text))

    @property
    def code(self) -> str:
        return self.sent[-1][3]


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Mailbox:
    box = Mailbox()
    monkeypatch.setattr(verification, "send_mail", box.send)
    return box


def verifying(**settings: object) -> Harness:
    return Harness(
        accounts=AccountSettings(
            email_verification=True,
            mail_command="/usr/sbin/sendmail -i",
            **{**QUICK, **settings},  # type: ignore[arg-type]
        )
    )


def test_register_needs_a_valid_email_when_verification_is_on(mailbox: Mailbox) -> None:
    h = verifying()
    ana = h.client("ana", caps=["standard-replies"])
    for line in (
        f"REGISTER * :{PASSWORD}",
        f"REGISTER ana * :{PASSWORD}",
        f"REGISTER ana not-an-address :{PASSWORD}",
        f"REGISTER ana -oQ/tmp/x@example.org :{PASSWORD}",
        f"REGISTER ana a@b :{PASSWORD}",
    ):
        ana.send(line)
        assert ana.lines()[0][:4] == ("FAIL", "REGISTER", "INVALID_EMAIL", "ana"), line
    assert mailbox.sent == []


def test_register_mails_a_code_and_the_account_waits_for_verify(mailbox: Mailbox) -> None:
    h = verifying()
    ana = h.client("ana", caps=["standard-replies"])
    ana.send(f"REGISTER ana ana@example.org :{PASSWORD}")
    replies = ana.lines()
    assert replies[0][:3] == ("REGISTER", "VERIFICATION_REQUIRED", "ana")
    assert len(replies) == 1  # not logged in
    ((command, email, account, code, text),) = mailbox.sent
    assert (command, email, account) == ("/usr/sbin/sendmail -i", "ana@example.org", "ana")
    assert len(code) == 8 and code in text and "To: ana@example.org" in text
    assert "ana" not in h.core.deps.accounts  # nobody can log in to it yet
    assert h.user("ana").account is None

    ana.send("VERIFY ana WRONG123")
    assert ana.lines() == [("FAIL", "VERIFY", "INVALID_CODE", "ana", "Invalid code")]
    ana.send(f"VERIFY ana {code.lower()}")
    replies = ana.lines()
    assert replies[0][:3] == ("VERIFY", "SUCCESS", "ana")
    assert replies[1][0] == n.RPL_LOGGEDIN
    assert h.user("ana").account == "ana"
    assert "ana" in h.core.deps.accounts
    ana.send(f"VERIFY ana {code}")
    assert ana.lines()[0][:3] == ("FAIL", "VERIFY", "ALREADY_AUTHENTICATED")


def test_codes_are_random(mailbox: Mailbox) -> None:
    h = verifying()
    for nick in ("ana", "bo", "cy"):
        h.client(nick).send(f"REGISTER {nick} {nick}@example.org :{PASSWORD}")
    assert len({sent[3] for sent in mailbox.sent}) == 3


def test_a_pending_name_cannot_be_registered_by_someone_else(mailbox: Mailbox) -> None:
    h = verifying()
    ana = h.client("ana")
    ana.send(f"REGISTER ana ana@example.org :{PASSWORD}")
    ana.send("QUIT")
    other = h.client("ana")
    other.send(f"REGISTER ana evil@example.org :{PASSWORD}")
    assert other.lines()[0][:3] == ("FAIL", "REGISTER", "ACCOUNT_EXISTS")
    assert len(mailbox.sent) == 1


def test_too_many_wrong_codes_forget_the_pending_account(mailbox: Mailbox) -> None:
    h = verifying(verification_attempts=3)
    ana = h.client("ana")
    ana.send(f"REGISTER ana ana@example.org :{PASSWORD}")
    code = mailbox.code
    for _ in range(3):
        ana.send("VERIFY ana WRONG123")
    assert "too many" in ana.lines()[-1][-1]
    ana.send(f"VERIFY ana {code}")
    assert ana.lines()[0][:3] == ("FAIL", "VERIFY", "INVALID_CODE")
    assert "ana" not in h.core.deps.accounts
    ana.send(f"REGISTER ana ana@example.org :{PASSWORD}")  # the name is free again
    assert ana.lines()[0][:3] == ("REGISTER", "VERIFICATION_REQUIRED", "ana")


def test_codes_expire(mailbox: Mailbox) -> None:
    h = verifying()
    ana = h.client("ana")
    ana.send(f"REGISTER ana ana@example.org :{PASSWORD}")
    ana.take()
    h.clock.advance(3601)
    ana.send(f"VERIFY ana {mailbox.code}")
    assert ana.lines()[0][:3] == ("FAIL", "VERIFY", "INVALID_CODE")
    assert "ana" not in h.core.deps.accounts
    assert not h.core.deps.accounts.reserved("ana")


def test_a_mail_that_cannot_be_sent_refuses_the_registration(mailbox: Mailbox) -> None:
    h = verifying()
    mailbox.broken = True
    ana = h.client("ana")
    ana.send(f"REGISTER ana ana@example.org :{PASSWORD}")
    assert ana.lines()[0][:3] == ("FAIL", "REGISTER", "TEMPORARILY_UNAVAILABLE")
    assert not h.core.deps.accounts.reserved("ana")


def test_verify_before_connecting_logs_that_session_in(mailbox: Mailbox) -> None:
    h = verifying()
    client = h.connect()
    client.send("CAP LS 302", "NICK ana", f"REGISTER * ana@example.org :{PASSWORD}")
    assert client.lines()[-1][:3] == ("REGISTER", "VERIFICATION_REQUIRED", "ana")
    client.send(f"VERIFY ana {mailbox.code}")
    assert client.lines()[0][:3] == ("VERIFY", "SUCCESS", "ana")
    client.send("USER ana 0 * :Ana", "CAP END")
    client.take()
    assert h.user("ana").account == "ana"


def test_nickserv_register_cannot_get_round_verification(mailbox: Mailbox) -> None:
    h = verifying()
    ana = h.client("ana")
    ana.send(f"PRIVMSG NickServ :REGISTER {PASSWORD} ana@example.org")
    assert any("verifies e-mail" in line[-1] for line in ana.lines())
    assert "ana" not in h.core.deps.accounts
    assert mailbox.sent == []


# -- the mail command ----------------------------------------------------------------------


SCRIPT = """\
import os, sys, json
out = sys.argv[1]
with open(out, "w") as f:
    json.dump({"argv": sys.argv[2:], "stdin": sys.stdin.read(),
               "code": os.environ["CHINWAG_VERIFY_CODE"]}, f)
"""


def test_the_mail_command_runs_without_a_shell_with_the_message_on_stdin(tmp_path: Path) -> None:
    import json

    script = tmp_path / "mail.py"
    script.write_text(SCRIPT)
    out = tmp_path / "out.json"
    command = f"{sys.executable} {script} {out}"
    text = verification.message_text("irc.test", "ana", "ana@example.org", "ABCD2345", 3600)
    asyncio.run(verification.send_mail(command, "ana@example.org", "ana", "ABCD2345", text))
    got = json.loads(out.read_text())
    assert got == {"argv": ["ana@example.org"], "stdin": text, "code": "ABCD2345"}

    with pytest.raises(OSError):
        asyncio.run(verification.send_mail(command, "-oX@example.org", "ana", "X", text))
    with pytest.raises(OSError):
        asyncio.run(
            verification.send_mail(
                f"{sys.executable} -c 'raise SystemExit(3)'", "ana@example.org", "ana", "X", text
            )
        )


def test_verification_needs_a_mail_command(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[accounts]\nemail_verification = true\n")
    with pytest.raises(ConfigError, match="mail_command"):
        load_config(path, env={})


# -- codes of the spec's "Responses" that the flows above do not reach ------------------------


def test_verify_before_connecting_is_refused_when_the_server_does_not_allow_it(
    mailbox: Mailbox,
) -> None:
    h = verifying(register_before_connect=False)
    client = h.connect()
    client.send("CAP LS 302", "NICK ana", "VERIFY ana ABCDEFGH")
    # The spec's form carries no account: FAIL VERIFY COMPLETE_CONNECTION_REQUIRED <message>.
    (fail,) = [line for line in client.lines() if line[0] == "FAIL"]
    assert fail[:3] == ("FAIL", "VERIFY", "COMPLETE_CONNECTION_REQUIRED") and len(fail) == 4


class UnsavingStore(MemoryStore):
    """A store that cannot create accounts."""

    async def create_account(self, account: Account) -> bool:
        raise OSError("disk on fire")


def test_verify_when_the_account_cannot_be_saved_is_temporarily_unavailable(
    mailbox: Mailbox,
) -> None:
    h = Harness(
        accounts=AccountSettings(
            email_verification=True, mail_command="/usr/sbin/sendmail -i", **QUICK
        ),
        store=UnsavingStore(),
    )
    ana = h.client("ana")
    ana.send(f"REGISTER ana ana@example.org :{PASSWORD}")
    ana.take()
    ana.send(f"VERIFY ana {mailbox.code}")
    assert ana.lines()[0][:4] == ("FAIL", "VERIFY", "TEMPORARILY_UNAVAILABLE", "ana")
    assert h.user("ana").account is None


def test_a_name_no_account_may_take_is_a_bad_account_name() -> None:
    h = Harness()
    guest = h.client("Guest42")
    guest.send(f"REGISTER * * :{PASSWORD}")
    assert guest.lines()[0][:4] == ("FAIL", "REGISTER", "BAD_ACCOUNT_NAME", "Guest42")
    assert "Guest42" not in h.core.deps.accounts


# -- guessing codes (issue 17: the login limits cover VERIFY too) ---------------------------


def test_wrong_codes_from_another_address_never_throw_the_registration_away(
    mailbox: Mailbox,
) -> None:
    h = verifying(verification_attempts=3)
    ana = h.client("ana")
    ana.send(f"REGISTER ana ana@example.org :{PASSWORD}")
    ana.take()
    mallory = h.connect("198.51.100.66").register("mallory")
    mallory.take()
    for _ in range(10):
        mallory.send("VERIFY ana WRONG123")
    assert all(line[:2] == ("FAIL", "VERIFY") for line in mallory.lines())

    ana.send(f"VERIFY ana {mailbox.code}")
    assert ana.lines()[0][:3] == ("VERIFY", "SUCCESS", "ana")
    assert h.user("ana").account == "ana"


def test_guessed_codes_are_limited_like_passwords(mailbox: Mailbox) -> None:
    h = verifying()
    limit = h.core.config.accounts.login_failures
    ana = h.client("ana")
    ana.send(f"REGISTER ana ana@example.org :{PASSWORD}")
    ana.take()
    mallory = h.connect("198.51.100.66").register("mallory")
    mallory.take()
    for _ in range(limit):
        mallory.send("VERIFY ana WRONG123")
    assert [line[-1] for line in mallory.lines()] == ["Invalid code"] * limit

    # Even the right code is not checked for the guesser now, ...
    mallory.send(f"VERIFY ana {mailbox.code}")
    assert "Too many failed verification attempts" in mallory.lines()[0][-1]
    assert "ana" not in h.core.deps.accounts
    # ... nor from a second address (the account's own limit is full) ...
    other = h.connect("203.0.113.99").register("other")
    other.take()
    other.send(f"VERIFY ana {mailbox.code}")
    assert "Too many failed verification attempts" in other.lines()[0][-1]
    # ... but the address that registered is known, and gets in.
    ana.send(f"VERIFY ana {mailbox.code}")
    assert ana.lines()[0][:3] == ("VERIFY", "SUCCESS", "ana")

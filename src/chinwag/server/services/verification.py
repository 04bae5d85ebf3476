"""E-mail verification of new accounts (``[accounts] email_verification``).

Reference: https://ircv3.net/specs/extensions/account-registration (``email-required``,
``REGISTER VERIFICATION_REQUIRED``, ``VERIFY``). ``REGISTER <account> <email> <password>``
hashes the password and keeps the account *pending*: not in the registry nor the store, so
nobody can log in to it, but its name is reserved. A random code is mailed with
``mail_command`` (run without a shell, off the event loop). ``VERIFY <account> <code>`` with
the right code stores the account and logs the session in; a pending account is forgotten
(and its name given back) when its code expires or after too many wrong codes.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import re
import shlex
from dataclasses import dataclass

from chinwag.protocol.casemap import Folded
from chinwag.server import sources
from chinwag.storage.base import Account

_ATOM = r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~"
EMAIL = re.compile(
    _ATOM + r"]" + _ATOM + r"-]*"  # the local part, not beginning with "-"
    r"@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.[A-Za-z]{2,63}"  # a dotted domain
)
"""A plain address: no quoting, comments or IP literals, and never beginning with ``-``
(the address is an argument of ``mail_command``)."""

MAX_EMAIL = 254
"""The longest address (RFC 5321's path limit less its angle brackets)."""

MAIL_TIMEOUT = 30.0
"""Seconds ``mail_command`` may take before it is killed and the registration refused."""


def valid_email(address: str) -> bool:
    """Whether ``address`` is a plain e-mail address chinwag will hand to ``mail_command``."""
    return len(address) <= MAX_EMAIL and EMAIL.fullmatch(address) is not None


def new_code() -> str:
    """A verification code: 8 characters from the core's :mod:`~chinwag.server.sources`, easy to
    type."""
    return "".join(sources.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(8))


def same_code(given: str, expected: str) -> bool:
    """Whether ``given`` is the code, compared in constant time and ignoring case."""
    return hmac.compare_digest(given.strip().upper().encode(), expected.encode())


@dataclass(slots=True)
class PendingAccount:
    """An account waiting for its ``VERIFY``."""

    account: Account
    email: str
    code: str
    expires: float
    """On the core's monotonic clock."""
    wrong: int = 0
    """Wrong codes sent from :attr:`address`; only these can make the account forgotten."""
    address: str = ""
    """The address that registered it (:func:`~chinwag.server.services.attempts.address_of`):
    a wrong code from anywhere else is only a failed attempt in the login limits, so that
    nobody can throw away someone else's registration by guessing (issue 17)."""


class PendingAccounts:
    """The pending accounts of one core, by folded name."""

    __slots__ = ("_pending",)

    def __init__(self) -> None:
        self._pending: dict[Folded, PendingAccount] = {}

    def add(self, pending: PendingAccount) -> None:
        self._pending[pending.account.folded] = pending

    def get(self, folded: Folded) -> PendingAccount | None:
        return self._pending.get(folded)

    def remove(self, folded: Folded) -> None:
        self._pending.pop(folded, None)

    def all(self) -> list[PendingAccount]:
        """Every pending account, in the order they were added."""
        return list(self._pending.values())

    def expired(self, now: float) -> list[PendingAccount]:
        """Forget and return the pending accounts whose codes have expired."""
        gone = [p for p in self._pending.values() if p.expires <= now]
        for pending in gone:
            del self._pending[pending.account.folded]
        return gone


def message_text(server: str, account: str, email: str, code: str, ttl: float) -> str:
    """The mail: headers, then the code and how long it is valid."""
    minutes = max(1, int(ttl // 60))
    return (
        f"To: {email}\n"
        f"Subject: Your {server} account verification code\n"
        "\n"
        f"Someone (hopefully you) registered the account {account} on {server}.\n"
        f"To finish, send within {minutes} minutes:\n"
        "\n"
        f"    /quote VERIFY {account} {code}\n"
        "\n"
        "If it was not you, ignore this message.\n"
    )


async def send_mail(command: str, email: str, account: str, code: str, text: str) -> None:
    """Run ``command`` (split like a shell would, but not run by one) with ``email`` as its
    last argument and ``text`` on stdin; raise :class:`OSError` if it cannot be run, fails
    or takes longer than :data:`MAIL_TIMEOUT`. The test seam for mail."""
    if not valid_email(email):  # never hand anything else to a program
        raise OSError(f"refusing to mail {email!r}")
    argv = [*shlex.split(command), email]
    env = {**os.environ, "CHINWAG_VERIFY_CODE": code, "CHINWAG_ACCOUNT": account}
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        _, errors = await asyncio.wait_for(process.communicate(text.encode()), MAIL_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise OSError(f"{argv[0]} took longer than {MAIL_TIMEOUT:.0f} s") from None
    if process.returncode != 0:
        detail = errors.decode(errors="replace").strip()[:200]
        raise OSError(f"{argv[0]} exited with {process.returncode}: {detail}")

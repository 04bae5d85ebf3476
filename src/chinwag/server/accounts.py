"""Accounts without I/O: the registry in memory, password hashing, and login throttling.

Every account is kept in memory (:class:`AccountRegistry`, loaded from the store at start-up
and written through to it), so the hot questions, "is this nick registered?" and "which
account is that?", never wait for the store. Hashing is slow on purpose, so
:func:`make_account` and :func:`check_password` are plain functions the handlers run in a
thread (``Effects.in_thread``).

Passwords are hashed with argon2id (argon2-cffi) for PLAIN, NickServ IDENTIFY and REGISTER,
and SCRAM-SHA-256 keys (RFC 5802 StoredKey and ServerKey, via scramp) are kept beside the
hash so that a SCRAM exchange can be checked without the password (RFC 7677).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import replace

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from scramp import ScramMechanism

from chinwag.config import AccountSettings
from chinwag.protocol.casemap import Folded, fold
from chinwag.storage.base import Account

SCRAM = ScramMechanism("SCRAM-SHA-256")


def hasher(settings: AccountSettings) -> PasswordHasher:
    """The argon2id hasher the ``[accounts]`` settings describe."""
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )


def make_account(name: str, password: str, settings: AccountSettings) -> Account:
    """A new account record for ``name`` with ``password`` hashed both ways (slow)."""
    salt, stored_key, server_key, iterations = SCRAM.make_auth_info(
        password, iteration_count=settings.scram_iterations
    )
    return Account(
        name=name,
        password_hash=hasher(settings).hash(password),
        scram_salt=salt,
        scram_iterations=iterations,
        scram_stored_key=stored_key,
        scram_server_key=server_key,
        created=time.time(),
    )


def with_password(account: Account, password: str, settings: AccountSettings) -> Account:
    """``account`` with a new password (slow); name, creation time and metadata kept."""
    fresh = make_account(account.name, password, settings)
    return replace(fresh, created=account.created, metadata=account.metadata)


def check_password(account: Account, password: str) -> bool:
    """Whether ``password`` is the account's (slow; constant-time comparison in argon2)."""
    try:
        return PasswordHasher().verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, settings: AccountSettings) -> str | None:
    """Why ``password`` cannot be used, in words for the person, or ``None``."""
    if len(password) < settings.min_password_length:
        return f"Passwords must be at least {settings.min_password_length} characters long"
    if len(password.encode()) > settings.max_password_length:
        return f"Passwords must be at most {settings.max_password_length} bytes long"
    if any(ord(char) < 32 or ord(char) == 127 for char in password):
        return "Passwords must not contain control characters"
    return None


class AccountRegistry:
    """Every registered account by folded name, loaded once and kept in step with the store.

    Handlers change the registry only after the store has accepted the change, so what is
    here is always what a restart would load.
    """

    __slots__ = ("_accounts", "_by_identity", "_decoy_hash", "_decoy_key")

    def __init__(self) -> None:
        self._accounts: dict[Folded, Account] = {}
        self._by_identity: dict[Folded, Folded] = {}
        """Each account's history identity to its folded name."""
        self._decoy_key = secrets.token_bytes(32)
        self._decoy_hash: str | None = None

    def decoy_check(self, password: str, settings: AccountSettings) -> bool:
        """Check ``password`` against a hash nobody knows the password of (slow, always
        ``False``): a login to an unknown account then takes as long as a wrong password."""
        if self._decoy_hash is None:
            self._decoy_hash = hasher(settings).hash(secrets.token_urlsafe(16))
        with contextlib.suppress(VerificationError, InvalidHashError):
            hasher(settings).verify(self._decoy_hash, password)
        return False

    def load(self, accounts: Iterable[Account]) -> None:
        """Replace what is known with ``accounts`` (the store's, at start-up)."""
        accounts = list(accounts)
        self._accounts = {account.folded: account for account in accounts}
        self._by_identity = {account.identity: account.folded for account in accounts}

    def get(self, name: str) -> Account | None:
        """The account called ``name`` (any case), if registered."""
        return self._accounts.get(fold(name))

    def by_identity(self, identity: Folded) -> Account | None:
        """The account whose history identity (``Account.identity``) this is, if any."""
        name = self._by_identity.get(identity)
        return None if name is None else self._accounts.get(name)

    def put(self, account: Account) -> None:
        """Add or replace ``account`` (after the store took it)."""
        self._accounts[account.folded] = account
        self._by_identity[account.identity] = account.folded

    def remove(self, name: Folded) -> None:
        """Forget the account (after the store dropped it)."""
        account = self._accounts.pop(name, None)
        if account is not None:
            self._by_identity.pop(account.identity, None)

    def set_metadata(self, name: Folded, key: str, value: str | None) -> None:
        """Record one metadata change of an account (after the store took it)."""
        account = self._accounts.get(name)
        if account is not None:
            self._accounts[name] = account.with_metadata(key, value)

    def scram_keys(self, name: str) -> tuple[bytes, bytes, bytes, int]:
        """SCRAM auth info for ``name``, as scramp's server asks for it.

        For a name nobody registered, keys derived from a secret are returned instead of an
        error, so the exchange fails only at the proof, as it would with a wrong password:
        SCRAM then does not tell who has an account.
        """
        account = self.get(name)
        if account is not None:
            return (
                account.scram_salt,
                account.scram_stored_key,
                account.scram_server_key,
                account.scram_iterations,
            )
        digest = hmac.new(self._decoy_key, fold(name).encode(), hashlib.sha256).digest()
        return digest[:16], digest, hashlib.sha256(digest).digest(), 4096

    def __len__(self) -> int:
        return len(self._accounts)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and fold(name) in self._accounts


class LoginThrottle:
    """Failed logins counted per key (an account, an address) in a sliding window.

    After ``limit`` failures within ``window`` seconds a key is refused until the oldest of
    them is older than the window. Times are the core's monotonic clock.
    """

    __slots__ = ("_failures", "limit", "window")

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}

    def wait(self, keys: Iterable[str], now: float) -> float:
        """Seconds until a login for ``keys`` may be tried again; 0 if it may now."""
        longest = 0.0
        for key in keys:
            times = self._recent(key, now)
            if self.limit and len(times) >= self.limit:
                longest = max(longest, times[0] + self.window - now)
        return longest

    def failed(self, keys: Iterable[str], now: float) -> None:
        """Count one failed login against each of ``keys``."""
        for key in keys:
            self._recent(key, now).append(now)

    def succeeded(self, key: str) -> None:
        """Forget the failures of ``key`` (the account, after a good password)."""
        self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            times = self._failures[key] = deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times and len(self._failures) > 10_000:
            # Forget idle keys so a scan from many addresses cannot grow this for ever.
            self._failures = {k: v for k, v in self._failures.items() if v}
            self._failures[key] = times
        return times

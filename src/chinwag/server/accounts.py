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
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, replace

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from scramp import ScramMechanism

from chinwag.config import AccountSettings
from chinwag.protocol.casemap import Folded, fold
from chinwag.server import sources
from chinwag.storage.base import Account

SCRAM = ScramMechanism("SCRAM-SHA-256")


def hasher(settings: AccountSettings) -> PasswordHasher:
    """The argon2id hasher the ``[accounts]`` settings describe."""
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )


@dataclass(frozen=True, slots=True)
class AccountDraws:
    """What a new account record takes from the core's sources: its creation time, its id
    and the salts of its two password hashes. The handler draws them
    (:func:`new_account_draws`) before the slow hashing starts in a thread, which must not
    read the sources (:mod:`chinwag.server.sources`): replicas then make the same record,
    and the SCRAM salt a client is shown is the same whichever node it asks."""

    created: float
    id: str
    scram_salt: bytes
    argon2_salt: bytes


SALT_BYTES = 16
"""The size of both salts (argon2-cffi's and scramp's default)."""


def new_account_draws() -> AccountDraws:
    """Draw what :func:`make_account` needs from the current sources (call it in the handler,
    not in the deferred work)."""
    return AccountDraws(
        created=sources.now(),
        id=sources.token_hex(8),
        scram_salt=sources.token_bytes(SALT_BYTES),
        argon2_salt=sources.token_bytes(SALT_BYTES),
    )


def make_account(
    name: str, password: str, settings: AccountSettings, draws: AccountDraws | None = None
) -> Account:
    """A new account record for ``name`` with ``password`` hashed both ways (slow), made from
    ``draws`` (drawn here if not given: only where no thread is involved, as in tests)."""
    if draws is None:
        draws = new_account_draws()
    salt, stored_key, server_key, iterations = SCRAM.make_auth_info(
        password, iteration_count=settings.scram_iterations, salt=draws.scram_salt
    )
    return Account(
        name=name,
        password_hash=hasher(settings).hash(password, salt=draws.argon2_salt),
        scram_salt=salt,
        scram_iterations=iterations,
        scram_stored_key=stored_key,
        scram_server_key=server_key,
        created=draws.created,
        id=draws.id,
    )


def with_password(
    account: Account, password: str, settings: AccountSettings, draws: AccountDraws | None = None
) -> Account:
    """``account`` with a new password (slow; new salts from ``draws``); name, creation time
    and metadata kept."""
    fresh = make_account(account.name, password, settings, draws)
    return replace(fresh, created=account.created, metadata=account.metadata, id=account.id)


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

    __slots__ = (
        "_accounts",
        "_by_certfp",
        "_by_identity",
        "_decoy_hash",
        "_decoy_key",
        "_reserved",
    )

    def __init__(self) -> None:
        self._accounts: dict[Folded, Account] = {}
        self._by_identity: dict[Folded, Folded] = {}
        """Each account's history identity to its folded name."""
        self._by_certfp: dict[str, Folded] = {}
        """Each client certificate fingerprint to the folded name of its account: a SASL
        EXTERNAL login is one lookup."""
        self._decoy_key = sources.token_bytes(32)
        self._decoy_hash: str | None = None
        self._reserved: set[Folded] = set()
        """Folded names being registered (their passwords are being hashed): a second
        registration of one of them is refused at once, whatever becomes of the first."""

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
        self._by_certfp = {fp: account.folded for account in accounts for fp in account.certfps}

    def get(self, name: str) -> Account | None:
        """The account called ``name`` (any case), if registered."""
        return self._accounts.get(fold(name))

    def by_identity(self, identity: Folded) -> Account | None:
        """The account whose history identity (``Account.identity``) this is, if any."""
        name = self._by_identity.get(identity)
        return None if name is None else self._accounts.get(name)

    def by_certfp(self, fingerprint: str) -> Account | None:
        """The account the client certificate ``fingerprint`` logs in to, if any."""
        name = self._by_certfp.get(fingerprint)
        return None if name is None else self._accounts.get(name)

    def put(self, account: Account) -> None:
        """Add or replace ``account`` (after the store took it), with its fingerprints."""
        old = self._accounts.get(account.folded)
        if old is not None:
            for fingerprint in old.certfps:
                self._by_certfp.pop(fingerprint, None)
        self._accounts[account.folded] = account
        self._by_identity[account.identity] = account.folded
        for fingerprint in account.certfps:
            self._by_certfp[fingerprint] = account.folded

    def remove(self, name: Folded) -> None:
        """Forget the account (after the store dropped it)."""
        account = self._accounts.pop(name, None)
        if account is not None:
            self._by_identity.pop(account.identity, None)
            for fingerprint in account.certfps:
                self._by_certfp.pop(fingerprint, None)

    def set_certfps(self, name: Folded, certfps: tuple[str, ...]) -> None:
        """Record the account's fingerprints as they now are (after the store took it)."""
        account = self._accounts.get(name)
        if account is not None:
            self.put(replace(account, certfps=certfps))

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

    def reserve(self, name: str) -> bool:
        """Hold ``name`` for a registration that has begun; ``False`` if it is registered or
        another registration holds it. Give it back with :meth:`release` once the store has
        answered (after :meth:`put`, if the account was created)."""
        folded = fold(name)
        if folded in self._accounts or folded in self._reserved:
            return False
        self._reserved.add(folded)
        return True

    def release(self, name: str) -> None:
        """A registration of ``name`` is over (see :meth:`reserve`)."""
        self._reserved.discard(fold(name))

    def reserved(self, name: str) -> bool:
        """Whether a registration of ``name`` is under way."""
        return fold(name) in self._reserved

    def all(self) -> list[Account]:
        """Every registered account, in the order they became known."""
        return list(self._accounts.values())

    def __len__(self) -> int:
        return len(self._accounts)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and fold(name) in self._accounts


@dataclass(slots=True, eq=False)
class Attempt:
    """One password check in progress, holding its place in :class:`LoginThrottle`.

    Made by :meth:`LoginThrottle.reserve` before the check starts; a success gives the place
    back (:meth:`LoginThrottle.release`), anything else (a wrong password, an exchange never
    finished, a connection gone) leaves it counted as a failure until the window passes.
    """

    keys: tuple[str, ...]
    at: float
    released: bool = False


class LoginThrottle:
    """Password attempts counted per key (an account, an operator name, an address) in a
    sliding window, each counted *before* its slow check.

    :meth:`reserve` takes a place for an attempt in every key it counts against, or refuses
    when any of them already holds ``limit`` attempts from the last ``window`` seconds; checks
    still running count, so guesses sent together from many connections cannot all be
    checked. Times are the core's monotonic clock. ``limit`` 0 turns the limit off.

    It also remembers which addresses have proved a password for which subject
    (:meth:`remember`, :meth:`knows`): callers leave such an address out of the subject's
    limit, so an attack on an account from elsewhere never locks out its owner's usual client
    (:mod:`chinwag.server.services.attempts` says how). This memory lives in the process:
    after a restart every address is unknown until it logs in again.
    """

    __slots__ = ("_attempts", "_known", "limit", "window")

    KNOWN_PER_SUBJECT = 16
    """Addresses remembered per subject, the most recent kept (a phone's address changes)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._attempts: dict[str, deque[float]] = {}
        self._known: dict[str, dict[str, None]] = {}

    def wait(self, keys: Iterable[str], now: float) -> float:
        """Seconds until an attempt counted against ``keys`` may be made; 0 if it may now."""
        longest = 0.0
        for key in keys:
            times = self._recent(key, now)
            if self.limit and len(times) >= self.limit:
                longest = max(longest, times[0] + self.window - now)
        return longest

    def reserve(self, keys: Iterable[str], now: float) -> Attempt | None:
        """Take a place for one attempt in each of ``keys``, before checking the password;
        ``None`` (nothing taken) if any key is full: refuse without checking (:meth:`wait`
        says for how long)."""
        keys = tuple(keys)
        if self.wait(keys, now):
            return None
        if self.limit:
            for key in keys:
                self._recent(key, now).append(now)
        return Attempt(keys, now)

    def release(self, attempt: Attempt) -> None:
        """Give back the place of an attempt that succeeded (once; later calls do nothing)."""
        if attempt.released:
            return
        attempt.released = True
        for key in attempt.keys:
            times = self._attempts.get(key)
            if times:
                # Gone already if the window passed while the check ran.
                with contextlib.suppress(ValueError):
                    times.remove(attempt.at)

    def remember(self, subject: str, address: str) -> None:
        """``address`` proved the password of ``subject``: from now on it is known."""
        known = self._known.setdefault(subject, {})
        known.pop(address, None)
        known[address] = None
        while len(known) > self.KNOWN_PER_SUBJECT:
            del known[next(iter(known))]

    def knows(self, subject: str, address: str) -> bool:
        """Whether ``address`` has proved the password of ``subject`` before."""
        return address in self._known.get(subject, ())

    def forget_subject(self, subject: str) -> None:
        """Forget the known addresses of ``subject`` (an account that was dropped)."""
        self._known.pop(subject, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._attempts.get(key)
        if times is None:
            times = self._attempts[key] = deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times and len(self._attempts) > 10_000:
            # Forget idle keys so a scan from many addresses cannot grow this for ever.
            self._attempts = {k: v for k, v in self._attempts.items() if v}
            self._attempts[key] = times
        return times

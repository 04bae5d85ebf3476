"""Where the server core gets the wall clock and randomness (issue 18: replicas agree).

Several nodes run the same sans-I/O :class:`~chinwag.server.core.ServerCore` over the same
totally ordered stream of events; they reach the same state only if nothing the core decides
comes from outside that stream. The monotonic clock of timeouts is already injected
(``ServerCore(clock=...)``); the wall clock and randomness come from here:

- :class:`SystemSources`, the default of a single node: :func:`time.time` and
  :mod:`secrets`, exactly as fast and as unpredictable as calling them directly;
- :class:`SeededSources`, for a replica: an HMAC-SHA256 generator keyed by a seed every
  replica shares (unpredictable without the seed, identical for two replicas that have it)
  and the wall clock the event stream carries.

A replica sets the current sources (:func:`use` or :func:`using`) before applying each
event; the module-level functions (:func:`now`, :func:`token_hex`, ...) read whichever is
current, so code that calls them needs no sources passed in.

What must come from here: every wall-clock time and every random draw that a command
handler, a continuation (the ``then`` of :meth:`~chinwag.server.context.Context.later`),
a timer or the core itself uses to decide state or a reply: timestamps (signon, topics,
bans, ``server-time``), msgids, user tokens, account ids, guest nicks, verification codes,
SCRAM nonces and salts (a client sees them), cloak and decoy keys. Draw them before
starting deferred work and hand them in (:func:`chinwag.server.accounts.new_account_draws`).

What need not: randomness used inside deferred work (:class:`~chinwag.server.effects
.Effects` coroutines and the threads they start) that decides nothing a replica could see,
such as the throwaway password hashed for decoy logins. Such work may run in another
thread while the current sources belong to a later event, so it must not read them; what it
returns is shipped between nodes with the result, not recomputed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol, TypeVar

T = TypeVar("T")

DEFAULT_ENTROPY = 32
"""Bytes a token has when no size is given (as :mod:`secrets` does)."""


class Sources(Protocol):
    """The wall clock and the randomness of one server core."""

    def now(self) -> float:
        """The wall-clock time, in Unix seconds."""
        ...

    def token_bytes(self, nbytes: int = DEFAULT_ENTROPY) -> bytes:
        """``nbytes`` random bytes (:func:`secrets.token_bytes`)."""
        ...

    def token_hex(self, nbytes: int = DEFAULT_ENTROPY) -> str:
        """``nbytes`` random bytes as hex (:func:`secrets.token_hex`)."""
        ...

    def token_urlsafe(self, nbytes: int = DEFAULT_ENTROPY) -> str:
        """``nbytes`` random bytes as URL-safe base64 (:func:`secrets.token_urlsafe`)."""
        ...

    def randbelow(self, n: int) -> int:
        """A random int in ``[0, n)`` (:func:`secrets.randbelow`)."""
        ...

    def choice(self, seq: Sequence[T]) -> T:
        """A random element of the non-empty ``seq`` (:func:`secrets.choice`)."""
        ...

    def new_msgid(self) -> str:
        """A fresh message id, unique across servers and restarts (message-ids spec)."""
        ...


class SystemSources:
    """The operating system's clock and randomness: what a single node uses.

    Its msgids are a random per-process prefix (72 bits, chosen once) and a counter: unique
    without asking the operating system for randomness per message (message-ids asks only
    for uniqueness; history stores msgids UNIQUE across restarts, which the random part
    covers). Every core of the process shares the one default instance, so their msgids
    never collide either.
    """

    __slots__ = ("_counter", "_prefix", "now")

    token_bytes = staticmethod(secrets.token_bytes)
    token_hex = staticmethod(secrets.token_hex)
    token_urlsafe = staticmethod(secrets.token_urlsafe)
    randbelow = staticmethod(secrets.randbelow)

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.now = clock
        """The wall clock: :func:`time.time` itself, called with no layer in between (tests
        give their own)."""
        self._prefix = secrets.token_urlsafe(9)
        self._counter = itertools.count(1)

    def choice(self, seq: Sequence[T]) -> T:
        """A random element of ``seq`` (:func:`secrets.choice`)."""
        return secrets.choice(seq)

    def new_msgid(self) -> str:
        """The prefix and the next count, in hex."""
        return f"{self._prefix}{next(self._counter):x}"


class SeededSources:
    """A deterministic generator for replicas: HMAC-SHA256 keyed by ``seed`` over a counter
    (in the manner of NIST SP 800-90A's HMAC_DRBG, without reseeding), and ``clock`` for the
    wall clock (a replica passes the time its event stream agreed on).

    Two instances with the same seed give the same draws in the same order; without the seed
    the draws cannot be predicted. Msgids are a prefix derived from the seed and a counter,
    so they never repeat while one instance lives. A replica that starts again must go on
    from where it was (a new seed, or the counters restored), or it would repeat them.
    """

    __slots__ = ("_block", "_buffer", "_clock", "_key", "_msgids", "_prefix", "_seed")

    def __init__(self, seed: bytes, clock: Callable[[], float]) -> None:
        # The keys are made on first use: a replica makes one of these for every event it
        # applies, and most events draw nothing, or only a msgid.
        self._seed = seed
        self._key: bytes | None = None
        self._prefix: str | None = None
        self._clock = clock
        self._block = 0
        self._buffer = b""
        self._msgids = itertools.count(1)

    def now(self) -> float:
        """What ``clock`` says."""
        return self._clock()

    def token_bytes(self, nbytes: int = DEFAULT_ENTROPY) -> bytes:
        """The next ``nbytes`` bytes of the stream (HMAC(key, block counter) back to back)."""
        if nbytes < 0:
            raise ValueError("negative number of bytes")
        key = self._key
        if key is None:
            # Separate keys for the byte stream and the msgid prefix, so one never tells the
            # other.
            key = self._key = hmac.new(
                self._seed, b"chinwag sources: stream", hashlib.sha256
            ).digest()
        buffer = self._buffer
        while len(buffer) < nbytes:
            self._block += 1
            block = hmac.new(key, self._block.to_bytes(8, "big"), hashlib.sha256)
            buffer += block.digest()
        self._buffer = buffer[nbytes:]
        return buffer[:nbytes]

    def token_hex(self, nbytes: int = DEFAULT_ENTROPY) -> str:
        """The next ``nbytes`` bytes as hex."""
        return self.token_bytes(nbytes).hex()

    def token_urlsafe(self, nbytes: int = DEFAULT_ENTROPY) -> str:
        """The next ``nbytes`` bytes as URL-safe base64 without padding."""
        return base64.urlsafe_b64encode(self.token_bytes(nbytes)).rstrip(b"=").decode()

    def randbelow(self, n: int) -> int:
        """An int in ``[0, n)``, uniform: drawn bits above ``n`` are thrown away and drawn
        again (never reduced modulo ``n``, which would favour small values)."""
        if n <= 0:
            raise ValueError("Upper bound must be positive.")
        bits = (n - 1).bit_length()
        nbytes = (bits + 7) // 8
        while True:
            value = int.from_bytes(self.token_bytes(nbytes), "big") >> (8 * nbytes - bits)
            if value < n:
                return value

    def choice(self, seq: Sequence[T]) -> T:
        """An element of ``seq`` (non-empty) at a :meth:`randbelow` index."""
        if not seq:
            raise IndexError("Cannot choose from an empty sequence")
        return seq[self.randbelow(len(seq))]

    def new_msgid(self) -> str:
        """The seed's prefix and the next count, in hex."""
        prefix = self._prefix
        if prefix is None:
            digest = hmac.new(self._seed, b"chinwag sources: msgid", hashlib.sha256).digest()
            prefix = self._prefix = base64.urlsafe_b64encode(digest[:9]).decode()
        return f"{prefix}{next(self._msgids):x}"


class _Current:
    """The current sources and its bound ``now``, kept apart so that :func:`now` is one
    attribute read and one call (it runs for every message relayed)."""

    __slots__ = ("now", "sources")

    def __init__(self, sources: Sources) -> None:
        self.sources = sources
        self.now: Callable[[], float] = sources.now


_current = _Current(SystemSources())


def current() -> Sources:
    """The sources the core uses now."""
    return _current.sources


def use(sources: Sources) -> Sources:
    """Make ``sources`` current; returns the one it replaces (to put back afterwards)."""
    previous = _current.sources
    _current.sources = sources
    _current.now = sources.now
    return previous


@contextmanager
def using(sources: Sources) -> Iterator[Sources]:
    """Make ``sources`` current inside the ``with`` block, then put back the previous one."""
    previous = use(sources)
    try:
        yield sources
    finally:
        use(previous)


def now() -> float:
    """The current sources' wall-clock time, in Unix seconds."""
    return _current.now()


def token_bytes(nbytes: int = DEFAULT_ENTROPY) -> bytes:
    """``nbytes`` random bytes from the current sources."""
    return _current.sources.token_bytes(nbytes)


def token_hex(nbytes: int = DEFAULT_ENTROPY) -> str:
    """``nbytes`` random bytes as hex from the current sources."""
    return _current.sources.token_hex(nbytes)


def token_urlsafe(nbytes: int = DEFAULT_ENTROPY) -> str:
    """``nbytes`` random bytes as URL-safe base64 from the current sources."""
    return _current.sources.token_urlsafe(nbytes)


def randbelow(n: int) -> int:
    """A random int in ``[0, n)`` from the current sources."""
    return _current.sources.randbelow(n)


def choice(seq: Sequence[T]) -> T:
    """A random element of ``seq`` from the current sources."""
    return _current.sources.choice(seq)


def new_msgid() -> str:
    """A fresh msgid from the current sources."""
    return _current.sources.new_msgid()

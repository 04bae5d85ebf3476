"""Password attempts: each takes its place in the limits before the slow check.

Issue 24, items 7 and 8. SASL (PLAIN and SCRAM-SHA-256), NickServ ``IDENTIFY`` and ``DROP``,
``REGISTER`` and ``OPER`` all go through here, on the server's one
:class:`~chinwag.server.accounts.LoginThrottle` (``[accounts] login_failures`` attempts in
``login_window`` seconds per key):

1. :func:`reserve` before the check takes a place in every limit the attempt counts against,
   or refuses at once, unchecked, when one is full: a check still running counts, so guesses
   sent together from many connections are checked only up to the limit.
2. :func:`succeeded` after a right password gives the place back and makes the address
   known; after a wrong one the caller does nothing and the place stays, a failure, until
   the window has passed.

The keys of an attempt, for a ``kind`` (``login``, ``oper``, ``register``) and a subject
(an account or an operator name):

- the subject's own limit, ``<kind>:<subject>``, shared by every address, so that an
  attack spread over many addresses is still slowed down;
- the address's limit, ``<kind>@<address>``, where the address is the client's IPv4 address
  or its IPv6 /64 (one subscriber's share of addresses counts as one);
- **the known-client rule:** an address that has proved the subject's password before (a
  login, a registration or an ``OPER`` that succeeded from it, remembered in memory for the
  16 most recent addresses per subject, since the start of the process) is exempt from the
  subject's limit: only its own address limit applies. An attacker elsewhere can fill the
  subject's limit, but never the one that the owner's usual client is held to, so the owner
  still gets in. A registration has no subject: it counts only against its address.
"""

from __future__ import annotations

import ipaddress

from chinwag.protocol.casemap import fold
from chinwag.server.accounts import Attempt
from chinwag.server.context import Context


def address_of(ip: str) -> str:
    """The address a client's attempts count against: IPv4 as is, IPv6 as its /64."""
    try:
        parsed = ipaddress.ip_address(ip)
    except ValueError:
        return ip  # not an IP (a test's or a socket file's peer): counted by its name
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def attempt_keys(ctx: Context, kind: str, subject: str | None) -> tuple[str, ...]:
    """The limits an attempt of ``kind`` on ``subject`` from this client counts against
    (see the module docstring for the known-client rule)."""
    address = f"{kind}@{address_of(ctx.session.ip)}"
    if subject is None:
        return (address,)
    key = f"{kind}:{fold(subject)}"
    if ctx.deps.throttle.knows(key, address):
        return (address,)
    return (key, address)


def reserve(ctx: Context, kind: str, subject: str | None) -> Attempt | None:
    """Take this attempt's place before checking anything slow; ``None`` if a limit is full,
    and the caller refuses without checking, saying to wait :func:`wait_seconds`."""
    throttle = ctx.deps.throttle
    return throttle.reserve(attempt_keys(ctx, kind, subject), ctx.deps.clock())


def wait_seconds(ctx: Context, kind: str, subject: str | None) -> float:
    """How long before an attempt of ``kind`` on ``subject`` from this client may be made."""
    return ctx.deps.throttle.wait(attempt_keys(ctx, kind, subject), ctx.deps.clock())


def succeeded(ctx: Context, kind: str, subject: str, attempt: Attempt | None = None) -> None:
    """The password of ``subject`` was right: give ``attempt``'s place back (if there was
    one) and remember this client's address as known for ``subject``."""
    throttle = ctx.deps.throttle
    if attempt is not None:
        throttle.release(attempt)
    throttle.remember(f"{kind}:{fold(subject)}", f"{kind}@{address_of(ctx.session.ip)}")


def forget(ctx: Context, kind: str, subject: str) -> None:
    """``subject`` is gone (a dropped account): its known addresses are forgotten, so that
    whoever registers the name next does not inherit them."""
    ctx.deps.throttle.forget_subject(f"{kind}:{fold(subject)}")


def wait_text(seconds: float, what: str = "login") -> str:
    """ "Too many failed attempts" in words, with how long to wait (whole seconds, at least 1)."""
    whole = max(1, int(seconds + 0.999))
    return f"Too many failed {what} attempts; try again in {whole} seconds"

"""Extended ban masks (``<type>:<value>``) and matching a channel list entry against a user.

The account extban, https://ircv3.net/specs/extensions/account-extban: ``a:<account>`` matches
a user logged in to that account (a wildcard mask, folded like nicks, as Ergo and InspIRCd
allow); a user who is not logged in never matches it. ISUPPORT announces it with
``ACCOUNTEXTBAN=a``, beside ``EXTBAN``, which that spec requires.

This module is on its own so that every list mode that matches users (``+b`` and any later
ones) shares one definition of what an extban is and how it matches.
"""

from __future__ import annotations

from chinwag.protocol.masks import matches

EXTBAN_PREFIX = ""
"""Our extbans have no prefix character: ``a:bob``, as InspIRCd writes them."""

ACCOUNT = "a"
"""The account extban type (``ACCOUNTEXTBAN``)."""

TYPES = ACCOUNT
"""Every extban type this server knows, for ``EXTBAN=<prefix>,<types>``."""


def split(mask: str) -> tuple[str, str] | None:
    """``(type, value)`` of an extban mask of a known type, else ``None`` (a plain
    ``nick!user@host`` mask, whose ``:`` can only be in an IPv6 host after ``@``)."""
    kind, colon, value = mask.partition(":")
    if colon and len(kind) == 1 and kind in TYPES:
        return kind, value
    return None


def is_valid(mask: str) -> bool:
    """Whether ``mask``, an extban, has something to match: ``a:`` alone is refused."""
    parts = split(mask)
    return parts is None or bool(parts[1])


def ban_matches(mask: str, source: str, account: str | None) -> bool:
    """Whether a user (``nick!user@host`` ``source``, logged in to ``account`` or not) matches
    list entry ``mask``: an extban by its type, else as a wildcard mask of the source."""
    parts = split(mask)
    if parts is None:
        return matches(mask, source)
    kind, value = parts
    if kind == ACCOUNT:
        return account is not None and matches(value, account)
    return False  # pragma: no cover - every type in TYPES is handled above

"""Case-insensitive names: folding for ``CASEMAPPING=ascii`` and name validity.

Modern IRC ("Casemapping"; ISUPPORT ``CASEMAPPING``): with ``ascii``, only A-Z fold to a-z.
Folded names are their own type, :data:`Folded`, and only :func:`fold` makes them, so a
folded name can never be confused with one shown to a user.
"""

from __future__ import annotations

from typing import NewType

Folded = NewType("Folded", str)
"""A name folded with :func:`fold`; use it for lookups and comparisons, never for display."""

CASEMAPPING = "ascii"

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

CHANNEL_PREFIXES = "#"
"""Channel types we offer (ISUPPORT ``CHANTYPES``)."""

_NICK_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz[]\\`_^{|}")
_NICK_REST = _NICK_FIRST | frozenset("0123456789-")
_CHANNEL_FORBIDDEN = frozenset(" ,\x07\x00\r\n:")


def fold(name: str) -> Folded:
    """Fold ``name`` with the ``ascii`` casemapping."""
    return Folded(name.translate(_ASCII_LOWER))


def is_channel_name(name: str) -> bool:
    """Whether ``name`` has the form of a channel name (it may still be too long)."""
    return (
        len(name) > 1
        and name[0] in CHANNEL_PREFIXES
        and not (_CHANNEL_FORBIDDEN.intersection(name))
    )


def is_valid_nick(nick: str, max_length: int) -> bool:
    """Whether ``nick`` may be used as a nickname (Modern IRC "Clients": nickname rules).

    Letters, digits and ``[]\\`_^{|}-``, not starting with a digit or ``-``, at most
    ``max_length`` characters. The rules are strict on purpose: a nick never looks like a
    channel, a prefix or a parameter.
    """
    return (
        0 < len(nick) <= max_length
        and nick[0] in _NICK_FIRST
        and all(char in _NICK_REST for char in nick)
    )

"""Wildcard masks (``*`` and ``?``) as used by bans, operator host masks and WHO.

Modern IRC "Wildcard expressions": ``*`` matches any run of characters, ``?`` exactly one,
compared case-insensitively with the server's casemapping.
"""

from __future__ import annotations

import re
from functools import lru_cache

from chinwag.protocol.casemap import fold
from chinwag.protocol.modes import MUTE_EXTBAN

EXTBAN_PREFIXES = (MUTE_EXTBAN + ":",)
"""How an extended ban starts (ISUPPORT ``EXTBAN=,m``: no prefix character, then the type
and a colon)."""


@lru_cache(maxsize=1024)
def _compile(mask: str) -> tuple[tuple[re.Pattern[str], int], ...]:
    """The runs of a (folded) mask between its ``*``, each a fixed-length pattern with its
    length in characters.

    One regular expression with a ``.*`` per star backtracks exponentially on a mask such as
    ``*a*a*a*a*a*a*a*a*b`` (seconds for a 40-character subject, minutes soon after: any user
    could stall the server with WHO); runs matched in turn, each at its leftmost place,
    take time proportional to the subject per run (found by fuzzing, docs/security.md)."""
    return tuple(
        (
            re.compile("".join("." if c == "?" else re.escape(c) for c in run), re.DOTALL),
            len(run),
        )
        for run in mask.split("*")
    )


def matches(mask: str, text: str) -> bool:
    """Whether ``text`` matches the wildcard ``mask``, ignoring case."""
    runs = _compile(fold(mask))
    subject = fold(text)
    first = runs[0][0]
    if len(runs) == 1:
        return first.fullmatch(subject) is not None
    # Without a star before it, the first run must start the subject, and without one after
    # it the last must end it; each run in between may sit anywhere after the one before,
    # and its leftmost place leaves the most room for the rest (runs have fixed lengths).
    head = first.match(subject)
    if head is None:
        return False
    at = head.end()
    for run, _ in runs[1:-1]:
        found = run.search(subject, at)
        if found is None:
            return False
        at = found.end()
    last, length = runs[-1]
    start = len(subject) - length
    return start >= at and last.fullmatch(subject, start) is not None


def normalize_ban_mask(mask: str) -> str:
    """Complete a partial ban mask: ``nick`` -> ``nick!*@*``, ``user@host`` -> ``*!user@host``."""
    if "!" not in mask and "@" not in mask:
        return f"{mask}!*@*"
    if "!" not in mask:
        return f"*!{mask}"
    if "@" not in mask:
        return f"{mask}@*"
    return mask


def is_extban(mask: str) -> bool:
    """Whether ``mask`` is an extended ban (``m:<mask>``, a mute) rather than a plain mask."""
    return mask[:2].lower() in EXTBAN_PREFIXES


def normalize_list_mask(mask: str, extbans: bool) -> str:
    """Complete a ``+b``/``+e``/``+I`` mask as :func:`normalize_ban_mask` does; with
    ``extbans`` (``+b``, ``+e``) an ``m:<mask>`` keeps its type (lower-cased) and has the
    mask after it completed."""
    if extbans and is_extban(mask):
        return mask[:2].lower() + normalize_ban_mask(mask[2:] or "*")
    return normalize_ban_mask(mask)

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
def _compile(mask: str) -> re.Pattern[str]:
    pattern = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in fold(mask)
    )
    return re.compile(pattern, re.DOTALL)


def matches(mask: str, text: str) -> bool:
    """Whether ``text`` matches the wildcard ``mask``, ignoring case."""
    return _compile(mask).fullmatch(fold(text)) is not None


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

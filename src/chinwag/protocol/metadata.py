"""Metadata keys and values (IRCv3 ``draft/metadata-2``), shared by server and clients.

Reference: https://ircv3.net/specs/extensions/metadata ("Keys and Values"). Key names are
lower-case letters, digits and ``_./-`` (the current draft, as Ergo implements it: no colon,
no upper case). Values are any UTF-8 text, except for keys chinwag gives a meaning to: the
user's name colour ``color`` is ``#rrggbb`` (design.md section 5). Pure functions; the caller
answers a ``None`` with ``FAIL METADATA KEY_INVALID`` or ``VALUE_INVALID``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

COLOR_KEY = "color"
"""The user's name colour, ``#rrggbb``."""

VISIBLE_TO_ALL = "*"
"""The ``<Visibility>`` of a key anyone may see (the only visibility chinwag uses)."""

KEY_MAX_BYTES = 100
"""Longest key name accepted, so every reply naming a key fits one line."""

MAX_KEY_AND_VALUE_BYTES = 350
"""A key and its value together, so ``RPL_KEYVALUE`` and ``METADATA`` fit one line (Ergo's
rule); the configured ``max-value-bytes`` may be lower."""

WHOIS_KEYS: tuple[str, ...] = (COLOR_KEY,)
"""The keys WHOIS shows with RPL_WHOISKEYVALUE: the spec asks for an explicit, readable
subset."""

_KEY = re.compile(r"[a-z0-9_./-]+")
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


def is_valid_key(key: str) -> bool:
    """Whether ``key`` is a valid metadata key name."""
    return len(key) <= KEY_MAX_BYTES and _KEY.fullmatch(key) is not None


def normalise_color(value: str) -> str | None:
    """``#RRGGBB`` (any case) as ``#rrggbb``; ``None`` for anything else."""
    if _COLOR.fullmatch(value) is None:
        return None
    return value.lower()


VALUE_RULES: dict[str, Callable[[str], str | None]] = {COLOR_KEY: normalise_color}
"""Keys whose values chinwag checks, each with the function that normalises a value or
returns ``None`` for an invalid one."""


def normalise_value(key: str, value: str, max_value_bytes: int) -> str | None:
    """The value to store for ``key``, or ``None`` if it is invalid: too long (over
    ``max_value_bytes``, or too long to share a line with its key) or refused by the key's
    rule in :data:`VALUE_RULES`."""
    size = len(value.encode("utf-8"))
    if size > max_value_bytes or size + len(key) > MAX_KEY_AND_VALUE_BYTES:
        return None
    rule = VALUE_RULES.get(key)
    return value if rule is None else rule(value)

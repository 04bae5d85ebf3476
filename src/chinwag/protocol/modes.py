"""Channel and user modes: the tables we support and the parser for mode strings.

Reference: Modern IRC "Channel Modes", "User Modes" and the ``CHANMODES``/``PREFIX`` ISUPPORT
parameters. The ``MODE`` handler calls :func:`parse_mode_changes` and applies what it returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

MAX_MODES_PER_COMMAND = 6
"""At most this many parameterised mode changes are applied from one MODE (ISUPPORT MODES)."""


class ModeKind(Enum):
    """How a channel mode takes its parameter (the ``CHANMODES`` types A-D, plus prefixes)."""

    LIST = "A"  # a list of masks; no parameter means "show the list"
    ALWAYS = "B"  # a parameter when set and when unset
    WHEN_SET = "C"  # a parameter only when set
    FLAG = "D"  # never a parameter
    PREFIX = "P"  # a member status; the parameter is a nick


CHANNEL_MODES: dict[str, ModeKind] = {
    "b": ModeKind.LIST,
    "e": ModeKind.LIST,
    "I": ModeKind.LIST,
    "k": ModeKind.ALWAYS,
    "l": ModeKind.WHEN_SET,
    "f": ModeKind.WHEN_SET,
    "i": ModeKind.FLAG,
    "m": ModeKind.FLAG,
    "n": ModeKind.FLAG,
    "s": ModeKind.FLAG,
    "t": ModeKind.FLAG,
    "C": ModeKind.FLAG,
    "R": ModeKind.FLAG,
    "o": ModeKind.PREFIX,
    "v": ModeKind.PREFIX,
}

PREFIXES: dict[str, str] = {"o": "@", "v": "+"}
"""Member status modes and their prefix characters, highest rank first."""

PREFIX_TOKEN = "(" + "".join(PREFIXES) + ")" + "".join(PREFIXES.values())
CHANMODES_TOKEN = ",".join(
    "".join(sorted(mode for mode, kind in CHANNEL_MODES.items() if kind is wanted))
    for wanted in (ModeKind.LIST, ModeKind.ALWAYS, ModeKind.WHEN_SET, ModeKind.FLAG)
)

FLOOD_MODE = "f"
"""``+f <lines>:<seconds>``: a member without status who sends more than ``<lines>``
messages in ``<seconds>`` is muted in the channel for a while (InspIRCd's messageflood
syntax without its ``*`` kick-ban: we mute, never kick; docs/security.md "Flood control")."""

MAX_FLOOD_LINES = 1000
MAX_FLOOD_SECONDS = 86400


def parse_flood(param: str) -> tuple[int, int] | None:
    """The ``(lines, seconds)`` of a ``+f`` parameter ``<lines>:<seconds>``, each a whole
    number from 1 (up to :data:`MAX_FLOOD_LINES` and :data:`MAX_FLOOD_SECONDS`), or
    ``None`` when ``param`` is not one."""
    lines, colon, seconds = param.partition(":")
    if not colon:
        return None
    for part, top in ((lines, MAX_FLOOD_LINES), (seconds, MAX_FLOOD_SECONDS)):
        # Digits only, and short, before int(): no quadratic int() of a huge parameter.
        if not (part.isascii() and part.isdigit()) or len(part) > 5 or not 0 < int(part) <= top:
            return None
    return int(lines), int(seconds)


LIST_MODES = "beI"
"""The list modes: bans, ban exceptions (``EXCEPTS``) and invite exceptions (``INVEX``)."""

MUTE_EXTBAN = "m"
"""The one extended ban: ``+b m:<mask>`` mutes a matching user without keeping them out,
and ``+e m:<mask>`` lifts it (as InspIRCd and Ergo spell it; ISUPPORT ``EXTBAN=,m``)."""

STATUSMSG = "@+"
"""Prefixes a channel name may carry as a message target to reach only the members with that
status or higher (ISUPPORT ``STATUSMSG``)."""

DEFAULT_CHANNEL_MODES = "nt"
"""Modes a new channel starts with: no outside messages, only operators set the topic."""

BOT_USER_MODE = "B"
SECURE_USER_MODE = "Z"
"""Set by the server on a user connected over TLS (as in UnrealIRCd, InspIRCd and Ergo);
nobody sets or unsets it with MODE."""
WALLOPS_USER_MODE = "w"
"""Receives ``WALLOPS`` (Modern IRC "Wallops User Mode"); users set and unset it themselves."""
USER_MODES = "BZiow"
"""User modes: ``B`` marks a bot (IRCv3 bot-mode), ``Z`` a TLS connection, ``i`` invisible,
``o`` operator, ``w`` receives WALLOPS."""

CHANNEL_MODE_LETTERS = "".join(sorted(CHANNEL_MODES))
CHANNEL_MODES_WITH_PARAMS = "".join(
    sorted(mode for mode, kind in CHANNEL_MODES.items() if kind is not ModeKind.FLAG)
)


@dataclass(frozen=True, slots=True)
class ModeChange:
    """One requested change: ``+`` or ``-``, the letter, and its parameter if it took one."""

    adding: bool
    mode: str
    param: str | None = None

    @property
    def sign(self) -> str:
        """``+`` or ``-``."""
        return "+" if self.adding else "-"


@dataclass(frozen=True, slots=True)
class ParsedModes:
    """What a mode string asked for: the changes, and letters we do not know."""

    changes: list[ModeChange]
    unknown: list[str]


def takes_param(kind: ModeKind, adding: bool) -> bool:
    """Whether a mode of ``kind`` consumes a parameter in this direction."""
    if kind in (ModeKind.LIST, ModeKind.ALWAYS, ModeKind.PREFIX):
        return True
    return kind is ModeKind.WHEN_SET and adding


def parse_mode_changes(
    modestring: str, params: list[str] | tuple[str, ...], table: dict[str, ModeKind]
) -> ParsedModes:
    """Split ``modestring`` (e.g. ``+ov-k``) and its parameters into changes.

    A mode that needs a parameter but has none left gets ``param=None``; for a list mode that
    means "show the list", for the others the caller ignores the change.
    """
    changes: list[ModeChange] = []
    unknown: list[str] = []
    remaining = list(params)
    adding = True
    for letter in modestring:
        if letter in "+-":
            adding = letter == "+"
            continue
        kind = table.get(letter)
        if kind is None:
            unknown.append(letter)
            continue
        param = None
        if takes_param(kind, adding) and remaining:
            param = remaining.pop(0)
        changes.append(ModeChange(adding, letter, param))
    return ParsedModes(changes, unknown)


def format_changes(changes: list[ModeChange]) -> list[str]:
    """Render applied changes as MODE parameters: ``["+o-v", "ana", "bo"]``."""
    letters: list[str] = []
    params: list[str] = []
    sign = ""
    for change in changes:
        if change.sign != sign:
            sign = change.sign
            letters.append(sign)
        letters.append(change.mode)
        if change.param is not None:
            params.append(change.param)
    return ["".join(letters), *params] if letters else []


_STATUSES: dict[frozenset[str], frozenset[str]] = {}
"""Every combination of member status modes made so far, each kept once: a channel holds
one of these per member instead of a set of its own."""


def member_status(modes: Iterable[str]) -> frozenset[str]:
    """The shared frozen set of status modes ``modes`` (``o``, ``v``) for a channel member."""
    status = frozenset(modes)
    return _STATUSES.setdefault(status, status)


_PREFIX_CHARS: dict[frozenset[str], tuple[str, str]] = {}
"""Each member status's prefix characters: the highest, and all of them highest first."""


def status_prefix(status: frozenset[str], multi: bool = False) -> str:
    """The prefix characters of a member with ``status``: the highest, or all with ``multi``
    (IRCv3 ``multi-prefix``). Worked out once per status: NAMES asks for every member."""
    chars = _PREFIX_CHARS.get(status)
    if chars is None:
        ranked = "".join(char for mode, char in PREFIXES.items() if mode in status)
        chars = _PREFIX_CHARS[status] = (ranked[:1], ranked)
    return chars[1] if multi else chars[0]

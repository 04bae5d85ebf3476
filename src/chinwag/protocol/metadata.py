"""Metadata keys and values (IRCv3 ``draft/metadata-2`` and ``draft/metadata-3``), and what
differs between the two drafts, shared by server and clients.

Reference: https://ircv3.net/specs/extensions/metadata ("Keys and Values"). Key names are
lower-case letters, digits and ``_./-`` (the current draft, as Ergo implements it: no colon,
no upper case). Values are any UTF-8 text, except for keys chinwag gives a meaning to: the
user's name colour ``color`` is ``#rrggbb`` (design.md section 5). Pure functions; the caller
answers a ``None`` with ``FAIL METADATA KEY_INVALID`` or ``VALUE_INVALID``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from chinwag.protocol.caps import METADATA, METADATA_3

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


ALL_TARGETS = "*ALL"
"""The ``METADATA SYNC`` target meaning every visible target, and the parameter of the
``metadata`` batch a ``SUB`` is answered with (``draft/metadata-3``)."""


@dataclass(frozen=True, slots=True)
class Dialect:
    """How one version of the metadata draft speaks: everything ``draft/metadata-2`` and
    ``draft/metadata-3`` do differently, in one place (ircv3-specifications pull request #613,
    its "Errata" section lists the changes). The server picks a session's dialect by the
    capability it negotiated (:data:`DIALECTS`) and asks it instead of comparing versions."""

    cap: str
    """The capability that selects this dialect."""
    numeric_notifications: bool
    """Changes and synchronisation are RPL_KEYVALUE / RPL_KEYNOTSET (metadata-3) instead of
    the ``METADATA <target> <key> <visibility> [<value>]`` message (metadata-2)."""
    invalid_key: str
    """The standard-reply code for a malformed key (``KEY_INVALID``, then ``INVALID_KEY``)."""
    invalid_value: str
    """The code for a refused value (``VALUE_INVALID``, then ``INVALID_VALUE <key>``)."""
    invalid_params: str
    """The code for an unknown subcommand (``SUBCOMMAND_INVALID``); metadata-3's
    ``INVALID_PARAMS`` also answers missing or excess parameters, where metadata-2 sessions
    get ERR_NEEDMOREPARAMS."""
    params_fail: bool
    """Missing or excess parameters are ``FAIL METADATA INVALID_PARAMS <subcommand>``
    (metadata-3 "SHOULD"); metadata-2 sessions get ERR_NEEDMOREPARAMS and extra parameters
    are ignored."""
    too_many_subs: str
    """The code when the subscription list is full (``TOO_MANY_SUBS <key>``, then
    ``LIMIT_REACHED SUB <key> <limit>``)."""
    limit_names_command: bool
    """``LIMIT_REACHED`` carries the subcommand and the limit (metadata-3)."""
    partial_failure: str
    """The verb for one key refused in a command that goes on with the others (GET, SUB,
    UNSUB): ``FAIL`` in metadata-2, ``WARN`` in metadata-3."""
    value_names_key: bool
    """``INVALID_VALUE`` names the key (metadata-3)."""
    removing_unset_key_fails: bool
    """``SET`` without a value on a key that is not set is ``FAIL KEY_NOT_SET`` (metadata-2);
    metadata-3 answers RPL_KEYNOTSET, as for any removal."""
    empty_value_removes: bool
    """``SET <key> :`` removes the key (metadata-3: "The empty string is an invalid value");
    in metadata-2 the empty string is a value."""
    clear_answers_not_set: bool
    """``CLEAR`` lists the removed keys as RPL_KEYNOTSET (metadata-3; PR #605) instead of
    RPL_KEYVALUE without a value."""
    own_target_only_for_subs: bool
    """``SUB``, ``UNSUB`` and ``SUBS`` fail with ``INVALID_TARGET`` unless the target is
    ``*`` or the sender's nick (metadata-3)."""
    sync_after_sub: bool
    """A ``SUB`` that added keys after registration is followed by a ``metadata`` batch with
    parameter ``*ALL`` of those keys on every visible target (metadata-3)."""
    sync_all: bool
    """``METADATA *ALL SYNC`` synchronises every visible target (metadata-3)."""
    monitor: bool
    """Users the session MONITORs are visible targets: their changes are notified and a
    ``metadata`` batch follows RPL_MONONLINE (metadata-3)."""
    batch_bound: bool
    """The dialect is tied to batch (metadata-3's "metadata-aware client" has both): only
    with batch does a session get the automatic synchronisation, and dropping batch clears
    its subscriptions."""
    sync_every_join: bool
    """Every JOIN is followed by a ``metadata`` batch, even an empty one, for a session with
    batch (metadata-3 "MUST send either a metadata batch ... or" RPL_METADATASYNCLATER);
    metadata-2 sends one only when there is something subscribed to say."""
    rate_limit_numeric: bool
    """A change refused for its rate is ERR_METADATARATELIMIT (775), which repeats the
    command (metadata-3) instead of ``FAIL METADATA RATE_LIMITED <target> <key>
    <retry-after>`` (metadata-2)."""
    own_metadata_before_motd: bool
    """The registration burst's batch of the user's own metadata comes before the end of the
    MOTD (metadata-3) instead of after it."""


METADATA_2_DIALECT = Dialect(
    cap=METADATA,
    numeric_notifications=False,
    invalid_key="KEY_INVALID",
    invalid_value="VALUE_INVALID",
    invalid_params="SUBCOMMAND_INVALID",
    params_fail=False,
    too_many_subs="TOO_MANY_SUBS",
    limit_names_command=False,
    partial_failure="FAIL",
    value_names_key=False,
    removing_unset_key_fails=True,
    empty_value_removes=False,
    clear_answers_not_set=False,
    own_target_only_for_subs=False,
    sync_after_sub=False,
    sync_all=False,
    monitor=False,
    batch_bound=False,
    sync_every_join=False,
    rate_limit_numeric=False,
    own_metadata_before_motd=False,
)
"""``draft/metadata-2`` as chinwag spoke it before metadata-3 (Ergo's reading of the draft)."""

METADATA_3_DIALECT = Dialect(
    cap=METADATA_3,
    numeric_notifications=True,
    invalid_key="INVALID_KEY",
    invalid_value="INVALID_VALUE",
    invalid_params="INVALID_PARAMS",
    params_fail=True,
    too_many_subs="LIMIT_REACHED",
    limit_names_command=True,
    partial_failure="WARN",
    value_names_key=True,
    removing_unset_key_fails=False,
    empty_value_removes=True,
    clear_answers_not_set=True,
    own_target_only_for_subs=True,
    sync_after_sub=True,
    sync_all=True,
    monitor=True,
    batch_bound=True,
    sync_every_join=True,
    rate_limit_numeric=True,
    own_metadata_before_motd=True,
)
"""``draft/metadata-3``, ircv3-specifications pull request #613 (the revision with
``ERR_METADATARATELIMIT`` 775 and ``LIMIT_REACHED <Command>``)."""

DIALECTS: tuple[Dialect, ...] = (METADATA_3_DIALECT, METADATA_2_DIALECT)
"""The dialects, the preferred first: a session with both capabilities (which the server
does not let happen) would speak metadata-3."""


def dialect_for(caps: set[str] | frozenset[str]) -> Dialect | None:
    """The dialect a session with capabilities ``caps`` speaks, or ``None`` without
    metadata."""
    for dialect in DIALECTS:
        if dialect.cap in caps:
            return dialect
    return None


class ChangeBudget:
    """The metadata changes a session may still make (a token bucket): ``burst`` at once,
    one more every second after that. Pure: the caller passes the monotonic time."""

    __slots__ = ("_at", "_tokens")

    def __init__(self, burst: int, now: float) -> None:
        self._tokens = float(burst)
        self._at = now

    def take(self, burst: int, now: float) -> int:
        """Spend one change if there is one and return 0; else the whole seconds until
        there is (the ``<RetryAfter>`` to answer with)."""
        self._tokens = min(float(burst), self._tokens + max(0.0, now - self._at))
        self._at = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0
        return max(1, math.ceil(1.0 - self._tokens))

"""``METADATA``: user and channel metadata, IRCv3 ``draft/metadata-2`` and ``draft/metadata-3``.

References: https://ircv3.net/specs/extensions/metadata (metadata-2) and ircv3-specifications
pull request #613, "Update metadata spec" (metadata-3). Each session is answered in the
dialect of the capability it negotiated (:class:`chinwag.protocol.metadata.Dialect`; a
session with neither, after registration, gets metadata-2's). Where a draft leaves a choice
open, chinwag does what Ergo does; docs/protocol.md ("Metadata") lists the choices. In short:

- ``METADATA <target> GET|LIST|SET|CLEAR`` read and change the metadata of ``*`` (yourself),
  a nick or a channel. Anyone may read a user's keys; a channel's are read by its members
  and changed by its operators; a user changes only their own. Replies: RPL_KEYVALUE (761)
  for a value, RPL_KEYNOTSET (766) for a missing or removed key; GET, LIST and CLEAR answer
  in a ``metadata`` batch whose parameter is the target. CLEAR lists the removed keys as
  RPL_KEYVALUE without a value (metadata-2) or RPL_KEYNOTSET (metadata-3).
- ``METADATA * SUB|UNSUB|SUBS`` manage the keys this session subscribes to (RPL_METADATASUBOK,
  RPL_METADATAUNSUBOK, RPL_METADATASUBS in a ``metadata-subs`` batch); ``METADATA <target>
  SYNC`` sends the target's subscribed keys (a channel's members' too) in a ``metadata``
  batch; metadata-3 adds ``SYNC *ALL`` and a ``*ALL`` batch after a SUB that added keys.
  chinwag never postpones a sync (no RPL_METADATASYNCLATER).
- Errors are ``FAIL METADATA`` standard replies: ``INVALID_TARGET <target>``, the invalid key
  (``KEY_INVALID`` / ``INVALID_KEY <key>``), ``KEY_NO_PERMISSION <target> <key>`` (``*``
  for the whole target), the refused value (``VALUE_INVALID`` / ``INVALID_VALUE <key>``), a
  full store (``LIMIT_REACHED <target>`` / ``LIMIT_REACHED SET <target> <limit>``), full
  subscriptions (``TOO_MANY_SUBS <key>`` / ``LIMIT_REACHED SUB <key> <limit>``), an unknown
  subcommand (``SUBCOMMAND_INVALID`` / ``INVALID_PARAMS``); metadata-2 also fails removing a
  key that is not set (``KEY_NOT_SET <target> <key>``). A key refused in GET, SUB or UNSUB
  is a ``FAIL`` in metadata-2 and a ``WARN`` in metadata-3, the other keys going on.
- A change is announced to every other session that enabled metadata, subscribed to the key
  and sees the target (:func:`chinwag.server.services.metadata.announce`).
- ``before-connect``: a session with either capability may ``METADATA *`` before
  registering; what it sets becomes the user's, and the registration burst ends with the
  user's own metadata in a ``metadata`` batch (empty if there is none).
"""

from __future__ import annotations

from collections.abc import Iterable

from chinwag.protocol import numerics as n
from chinwag.protocol.casemap import fold, is_channel_name
from chinwag.protocol.message import Message
from chinwag.protocol.metadata import (
    ALL_TARGETS,
    METADATA_2_DIALECT,
    VISIBLE_TO_ALL,
    ChangeBudget,
    Dialect,
    is_valid_key,
    normalise_value,
)
from chinwag.server.context import Context
from chinwag.server.dispatch import command
from chinwag.server.replies import pack, safe_param
from chinwag.server.services.metadata import Target, announce, persist_own, reply_batch
from chinwag.server.services.metadata_forms import (
    KEY_NOT_SET,
    channel_stores,
    dialect_of,
    visible_stores,
)


def _fail(ctx: Context, code: str, description: str, *context: str) -> None:
    ctx.fail("METADATA", code, description, *context)


def _partial(ctx: Context, dialect: Dialect, code: str, description: str, *context: str) -> None:
    """One key refused while the command goes on: ``FAIL`` (metadata-2) or ``WARN``."""
    if dialect.partial_failure == "WARN":
        ctx.warn("METADATA", code, description, *context)
    else:
        ctx.fail("METADATA", code, description, *context)


def _invalid_params(ctx: Context, dialect: Dialect, subcommand: str, description: str) -> None:
    """Missing or excess parameters: FAIL INVALID_PARAMS (metadata-3) or ERR_NEEDMOREPARAMS."""
    if dialect.params_fail:
        _fail(ctx, "INVALID_PARAMS", description, subcommand)
    else:
        ctx.numeric(n.ERR_NEEDMOREPARAMS, "METADATA", "Not enough parameters")


def _resolve(ctx: Context, name: str) -> Target | None:
    """The target called ``name`` (``*`` is the sender), or ``None`` after ``FAIL
    INVALID_TARGET``. A secret channel the sender is not in does not exist for them."""
    session = ctx.session
    user = session.user
    if user is None:
        if name == "*":
            if session.metadata is None:
                session.metadata = {}
            return Target("*", session.metadata)
    elif name == "*":
        return Target(user.nick, user.metadata, user=user)
    elif is_channel_name(name):
        channel = ctx.network.find_channel(name)
        if channel is not None and ("s" not in channel.modes or user in channel.members):
            return Target(channel.name, channel.metadata, channel=channel)
    else:
        other = ctx.network.find_user(name)
        if other is not None:
            return Target(other.nick, other.metadata, user=other)
    _fail(ctx, "INVALID_TARGET", "Invalid metadata target", name)
    return None


def _is_self(ctx: Context, name: str) -> bool:
    """Whether ``name`` names the sender: ``*``, or their nick once registered."""
    user = ctx.session.user
    return name == "*" or (user is not None and fold(name) == user.folded)


def _may_see(ctx: Context, target: Target) -> bool:
    """A user's keys are public; a channel's are for its members."""
    return target.channel is None or ctx.session.user in target.channel.members


def _may_edit(ctx: Context, target: Target) -> bool:
    """Users edit their own keys, channel operators their channel's."""
    user = ctx.session.user
    if target.channel is not None:
        return user is not None and target.channel.is_operator(user)
    return target.user is user


def _refused(ctx: Context, target: Target, key: str = "*") -> None:
    _fail(ctx, "KEY_NO_PERMISSION", "Permission denied", target.name, key)


def _within_budget(ctx: Context, dialect: Dialect, params: list[str]) -> bool:
    """Whether the session may make one more change now (see ``metadata_changes_burst``);
    if not, the refusal in its dialect: ERR_METADATARATELIMIT repeating the command
    (metadata-3 "Replies") or ``FAIL METADATA RATE_LIMITED <target> <key> <retry-after>``."""
    session = ctx.session
    burst = ctx.deps.limits.metadata_changes_burst
    now = ctx.deps.clock()
    if session.metadata_budget is None:
        session.metadata_budget = ChangeBudget(burst, now)
    wait = session.metadata_budget.take(burst, now)
    if not wait:
        return True
    if dialect.rate_limit_numeric:
        *middle, last = params
        ctx.numeric(n.ERR_METADATARATELIMIT, str(wait), *map(safe_param, middle), last)
    else:
        key = params[2] if len(params) > 2 else "*"
        _fail(ctx, "RATE_LIMITED", "Too many changes, try again later", params[0], key, str(wait))
    return False


# -- subcommands ------------------------------------------------------------------------


def _get(ctx: Context, dialect: Dialect, target: Target, keys: list[str]) -> None:
    if not _may_see(ctx, target):
        _refused(ctx, target)
        return
    with ctx.reply.batch("metadata", target.name):
        for key in keys:
            if not is_valid_key(key):
                _partial(ctx, dialect, dialect.invalid_key, "Invalid key", key)
            elif key in target.store:
                ctx.numeric(n.RPL_KEYVALUE, target.name, key, VISIBLE_TO_ALL, target.store[key])
            else:
                ctx.numeric(n.RPL_KEYNOTSET, target.name, key, KEY_NOT_SET)


def _list(ctx: Context, target: Target) -> None:
    if not _may_see(ctx, target):
        _refused(ctx, target)
        return
    with ctx.reply.batch("metadata", target.name):
        for key, value in sorted(target.store.items()):
            ctx.numeric(n.RPL_KEYVALUE, target.name, key, VISIBLE_TO_ALL, value)


def _remove(ctx: Context, dialect: Dialect, target: Target, key: str) -> None:
    store = target.store
    if key not in store:
        if dialect.removing_unset_key_fails:
            _fail(ctx, "KEY_NOT_SET", KEY_NOT_SET, target.name, key)
        else:
            # metadata-3: "It is not an error if a client attempts to ... remove a
            # nonexistent key".
            ctx.numeric(n.RPL_KEYNOTSET, target.name, key, KEY_NOT_SET)
        return
    del store[key]
    ctx.numeric(n.RPL_KEYNOTSET, target.name, key, KEY_NOT_SET)
    announce(ctx, target, key, None)
    persist_own(ctx, target, key, None)


def _set(ctx: Context, dialect: Dialect, target: Target, key: str, value: str | None) -> None:
    if not is_valid_key(key):
        _fail(ctx, dialect.invalid_key, "Invalid key", key)
        return
    if not _may_edit(ctx, target):
        _refused(ctx, target, key)
        return
    if value is None or (value == "" and dialect.empty_value_removes):
        _remove(ctx, dialect, target, key)
        return
    store = target.store
    limits = ctx.deps.limits
    stored = normalise_value(key, value, limits.metadata_max_value_bytes)
    if stored is None:
        named: tuple[str, ...] = (key,) if dialect.value_names_key else ()
        _fail(ctx, dialect.invalid_value, f"Invalid value for {key}", *named)
        return
    if key not in store and len(store) >= limits.metadata_max_keys:
        limit = str(limits.metadata_max_keys)
        context = ("SET", target.name, limit) if dialect.limit_names_command else (target.name,)
        _fail(ctx, "LIMIT_REACHED", "Metadata limit reached", *context)
        return
    changed = store.get(key) != stored
    store[key] = stored
    ctx.numeric(n.RPL_KEYVALUE, target.name, key, VISIBLE_TO_ALL, stored)
    if changed:
        announce(ctx, target, key, stored)
        persist_own(ctx, target, key, stored)


def _clear(ctx: Context, dialect: Dialect, target: Target) -> None:
    if not _may_edit(ctx, target):
        _refused(ctx, target)
        return
    cleared = sorted(target.store)
    target.store.clear()
    with ctx.reply.batch("metadata", target.name):
        for key in cleared:
            if dialect.clear_answers_not_set:
                ctx.numeric(n.RPL_KEYNOTSET, target.name, key, KEY_NOT_SET)
            else:
                ctx.numeric(n.RPL_KEYVALUE, target.name, key, VISIBLE_TO_ALL)
    for key in cleared:
        announce(ctx, target, key, None)
        persist_own(ctx, target, key, None)


def _key_lines(ctx: Context, code: str, keys: Iterable[str]) -> None:
    """One numeric per line's worth of keys, each key its own parameter (as Ergo sends)."""
    for group in pack(keys):
        ctx.numeric(code, *group)


def _sub(ctx: Context, dialect: Dialect, keys: list[str]) -> None:
    subs = ctx.session.metadata_subs
    limit = ctx.deps.limits.metadata_max_subs
    accepted: list[str] = []
    added: set[str] = set()
    for key in keys:
        if not is_valid_key(key):
            _partial(ctx, dialect, dialect.invalid_key, "Invalid key", key)
            continue
        if key not in subs and key not in added:
            if len(subs) + len(added) >= limit:
                # The first key not subscribed; the keys after it were not processed.
                context = ("SUB", key, str(limit)) if dialect.limit_names_command else (key,)
                _fail(ctx, dialect.too_many_subs, "Too many subscriptions", *context)
                break
            added.add(key)
        if key not in accepted:
            accepted.append(key)
    if added:
        ctx.session.metadata_subs = subs | added
    _key_lines(ctx, n.RPL_METADATASUBOK, accepted)
    if dialect.sync_after_sub and added and ctx.session.user is not None:
        # metadata-3 "METADATA SUB": the new keys' values on every visible target.
        reply_batch(ctx, ALL_TARGETS, visible_stores(ctx.network, ctx.session), added)


def _unsub(ctx: Context, dialect: Dialect, keys: list[str]) -> None:
    subs = ctx.session.metadata_subs
    removed: list[str] = []
    for key in keys:
        if not is_valid_key(key):
            _partial(ctx, dialect, dialect.invalid_key, "Invalid key", key)
            continue
        if key not in removed:
            removed.append(key)
    ctx.session.metadata_subs = subs.difference(removed)
    _key_lines(ctx, n.RPL_METADATAUNSUBOK, removed)


def _subs(ctx: Context) -> None:
    with ctx.reply.batch("metadata-subs"):
        _key_lines(ctx, n.RPL_METADATASUBS, sorted(ctx.session.metadata_subs))


def _sync(ctx: Context, target: Target) -> None:
    if not _may_see(ctx, target):
        _refused(ctx, target)
        return
    subs = ctx.session.metadata_subs
    if target.channel is not None:
        stores = channel_stores(target.name, target.store, target.channel.members)
    else:
        stores = [(target.name, target.store)]
    reply_batch(ctx, target.name, stores, subs)


_ON_TARGET = ("GET", "LIST", "SET", "CLEAR", "SYNC")
_ON_SESSION = ("SUB", "UNSUB", "SUBS")
_NEEDS_KEYS = ("GET", "SET", "SUB", "UNSUB")
_MOST_PARAMS = {"SET": 2, "LIST": 0, "CLEAR": 0, "SUBS": 0, "SYNC": 0}
"""The most parameters after the subcommand, where there is a most (metadata-3 answers more
with INVALID_PARAMS)."""


@command("METADATA", before_registration=True)
def metadata(ctx: Context, message: Message) -> None:
    """``METADATA <target> <subcommand> [<params>...]`` (IRCv3 draft/metadata-2 and
    draft/metadata-3); see the module docstring for the replies.

    Before registration only a session that enabled a metadata capability may use it
    (``before-connect``), and only on ``*``.
    """
    session = ctx.session
    negotiated = dialect_of(session)
    if session.user is None and negotiated is None:
        ctx.numeric(n.ERR_NOTREGISTERED, "You have not registered")
        return
    dialect = negotiated or METADATA_2_DIALECT
    if len(message.params) < 2:
        _invalid_params(ctx, dialect, "*", "Not enough parameters")
        return
    name, subcommand, *rest = message.params
    subcommand = subcommand.upper()
    if subcommand not in _ON_TARGET + _ON_SESSION:
        # What cannot be a middle parameter shows as * (metadata-3's example; ctx.fail).
        _fail(ctx, dialect.invalid_params, "Invalid METADATA subcommand", subcommand)
        return
    if subcommand in _NEEDS_KEYS and not rest:
        _invalid_params(ctx, dialect, subcommand, "Not enough parameters")
        return
    most = _MOST_PARAMS.get(subcommand)
    if dialect.params_fail and most is not None and len(rest) > most:
        _fail(ctx, "INVALID_PARAMS", "Too many parameters", subcommand)
        return
    if subcommand in _ON_SESSION:
        if dialect.own_target_only_for_subs and not _is_self(ctx, name):
            _fail(ctx, "INVALID_TARGET", "Invalid metadata target", name)
        elif subcommand == "SUB":
            _sub(ctx, dialect, rest)
        elif subcommand == "UNSUB":
            _unsub(ctx, dialect, rest)
        else:
            _subs(ctx)
        return
    if subcommand == "SYNC" and name == ALL_TARGETS and dialect.sync_all:
        stores = visible_stores(ctx.network, session)
        reply_batch(ctx, ALL_TARGETS, stores, session.metadata_subs)
        return
    if subcommand in ("SET", "CLEAR") and not _within_budget(
        ctx, dialect, [name, subcommand, *rest]
    ):
        return
    target = _resolve(ctx, name)
    if target is None:
        return
    if subcommand == "GET":
        _get(ctx, dialect, target, rest)
    elif subcommand == "LIST":
        _list(ctx, target)
    elif subcommand == "SET":
        _set(ctx, dialect, target, rest[0], rest[1] if len(rest) > 1 else None)
    elif subcommand == "CLEAR":
        _clear(ctx, dialect, target)
    else:
        _sync(ctx, target)

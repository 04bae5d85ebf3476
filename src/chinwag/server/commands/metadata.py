"""``METADATA``: user and channel metadata, IRCv3 ``draft/metadata-2``.

Reference: https://ircv3.net/specs/extensions/metadata. Where the draft leaves a choice open,
chinwag does what Ergo does. In short:

- ``METADATA <target> GET|LIST|SET|CLEAR`` read and change the metadata of ``*`` (yourself),
  a nick or a channel. Anyone may read a user's keys; a channel's are read by its members
  and changed by its operators; a user changes only their own. Replies: RPL_KEYVALUE (761)
  for a value, RPL_KEYNOTSET (766) for a missing or removed key; GET, LIST and CLEAR answer
  in a ``metadata`` batch whose parameter is the target.
- ``METADATA * SUB|UNSUB|SUBS`` manage the keys this session subscribes to (RPL_METADATASUBOK,
  RPL_METADATAUNSUBOK, RPL_METADATASUBS in a ``metadata-subs`` batch); ``METADATA <target>
  SYNC`` sends the target's subscribed keys (a channel's members' too) as ``METADATA``
  messages in a ``metadata`` batch. chinwag never postpones a sync (no RPL_METADATASYNCLATER).
- Errors are ``FAIL METADATA`` standard replies: ``INVALID_TARGET <target>``,
  ``KEY_INVALID <key>``, ``KEY_NO_PERMISSION <target> <key>`` (``*`` for the whole target),
  ``KEY_NOT_SET <target> <key>`` (removing a key that is not set), ``LIMIT_REACHED
  <target>``, ``VALUE_INVALID`` (too long, or ``color`` not ``#RRGGBB``), ``TOO_MANY_SUBS
  <key>``, ``SUBCOMMAND_INVALID <subcommand>``.
- A change is announced as ``:server METADATA <target> <key> * [:<value>]`` (no value: the key
  was removed) to every other session that enabled the capability, subscribed to the key and
  sees the target: for a user, those sharing a channel and the user's other sessions; for a
  channel, its members.
- ``before-connect``: a session with the capability may ``METADATA *`` before registering;
  what it sets becomes the user's. After registration (or on enabling the capability later)
  the client receives its own metadata as ``METADATA`` lines in a ``metadata`` batch, empty
  if there is none.
- After a JOIN, the joiner receives the channel's and its members' subscribed keys in a
  ``metadata`` batch, and members who did not yet share a channel with the joiner receive the
  joiner's.
"""

from __future__ import annotations

from collections.abc import Iterable

from chinwag.protocol import numerics as n
from chinwag.protocol.caps import METADATA
from chinwag.protocol.casemap import is_channel_name
from chinwag.protocol.message import Message
from chinwag.protocol.metadata import VISIBLE_TO_ALL, is_valid_key, normalise_value
from chinwag.server.context import Context
from chinwag.server.dispatch import command
from chinwag.server.replies import pack
from chinwag.server.services.metadata import (
    Target,
    announce,
    metadata_messages,
    persist_own,
)
from chinwag.server.state import Session


def _fail(ctx: Context, code: str, description: str, *context: str) -> None:
    ctx.fail("METADATA", code, description, *context)


def _resolve(ctx: Context, name: str) -> Target | None:
    """The target called ``name`` (``*`` is the sender), or ``None`` after ``FAIL
    INVALID_TARGET``. A secret channel the sender is not in does not exist for them."""
    session = ctx.session
    user = session.user
    if user is None:
        if name == "*":
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


# -- subcommands ------------------------------------------------------------------------


def _get(ctx: Context, target: Target, keys: list[str]) -> None:
    if not _may_see(ctx, target):
        _refused(ctx, target)
        return
    with ctx.reply.batch("metadata", target.name):
        for key in keys:
            if not is_valid_key(key):
                _fail(ctx, "KEY_INVALID", "Invalid key", key)
            elif key in target.store:
                ctx.numeric(n.RPL_KEYVALUE, target.name, key, VISIBLE_TO_ALL, target.store[key])
            else:
                ctx.numeric(n.RPL_KEYNOTSET, target.name, key, "Key not set")


def _list(ctx: Context, target: Target) -> None:
    if not _may_see(ctx, target):
        _refused(ctx, target)
        return
    with ctx.reply.batch("metadata", target.name):
        for key, value in sorted(target.store.items()):
            ctx.numeric(n.RPL_KEYVALUE, target.name, key, VISIBLE_TO_ALL, value)


def _set(ctx: Context, target: Target, key: str, value: str | None) -> None:
    if not is_valid_key(key):
        _fail(ctx, "KEY_INVALID", "Invalid key", key)
        return
    if not _may_edit(ctx, target):
        _refused(ctx, target, key)
        return
    store = target.store
    if value is None:
        if key not in store:
            _fail(ctx, "KEY_NOT_SET", "Key not set", target.name, key)
            return
        del store[key]
        ctx.numeric(n.RPL_KEYNOTSET, target.name, key, "Key not set")
        announce(ctx, target, key, None)
        persist_own(ctx, target, key, None)
        return
    limits = ctx.deps.limits
    stored = normalise_value(key, value, limits.metadata_max_value_bytes)
    if stored is None:
        _fail(ctx, "VALUE_INVALID", f"Invalid value for {key}")
        return
    if key not in store and len(store) >= limits.metadata_max_keys:
        _fail(ctx, "LIMIT_REACHED", "Metadata limit reached", target.name)
        return
    changed = store.get(key) != stored
    store[key] = stored
    ctx.numeric(n.RPL_KEYVALUE, target.name, key, VISIBLE_TO_ALL, stored)
    if changed:
        announce(ctx, target, key, stored)
        persist_own(ctx, target, key, stored)


def _clear(ctx: Context, target: Target) -> None:
    if not _may_edit(ctx, target):
        _refused(ctx, target)
        return
    cleared = sorted(target.store)
    target.store.clear()
    with ctx.reply.batch("metadata", target.name):
        for key in cleared:
            ctx.numeric(n.RPL_KEYVALUE, target.name, key, VISIBLE_TO_ALL)
    for key in cleared:
        announce(ctx, target, key, None)
        persist_own(ctx, target, key, None)


def _key_lines(ctx: Context, code: str, keys: Iterable[str]) -> None:
    """One numeric per line's worth of keys, each key its own parameter (as Ergo sends)."""
    for group in pack(keys):
        ctx.numeric(code, *group)


def _sub(ctx: Context, keys: list[str]) -> None:
    subs = ctx.session.metadata_subs
    limit = ctx.deps.limits.metadata_max_subs
    accepted: list[str] = []
    for key in keys:
        if not is_valid_key(key):
            _fail(ctx, "KEY_INVALID", "Invalid key", key)
            continue
        if key not in subs:
            if len(subs) >= limit:
                # The first key not subscribed; the keys after it were not processed.
                _fail(ctx, "TOO_MANY_SUBS", "Too many subscriptions", key)
                break
            subs.add(key)
        if key not in accepted:
            accepted.append(key)
    _key_lines(ctx, n.RPL_METADATASUBOK, accepted)


def _unsub(ctx: Context, keys: list[str]) -> None:
    subs = ctx.session.metadata_subs
    removed: list[str] = []
    for key in keys:
        if not is_valid_key(key):
            _fail(ctx, "KEY_INVALID", "Invalid key", key)
            continue
        subs.discard(key)
        if key not in removed:
            removed.append(key)
    _key_lines(ctx, n.RPL_METADATAUNSUBOK, removed)


def _subs(ctx: Context) -> None:
    with ctx.reply.batch("metadata-subs"):
        _key_lines(ctx, n.RPL_METADATASUBS, sorted(ctx.session.metadata_subs))


def _sync(ctx: Context, target: Target) -> None:
    if not _may_see(ctx, target):
        _refused(ctx, target)
        return
    subs = ctx.session.metadata_subs
    name = ctx.deps.name
    messages = metadata_messages(name, target.name, target.store, subs)
    if target.channel is not None:
        for member in target.channel.members:
            messages += metadata_messages(name, member.nick, member.metadata, subs)
    with ctx.reply.batch("metadata", target.name):
        for message in messages:
            ctx.reply.add(message)


_ON_TARGET = ("GET", "LIST", "SET", "CLEAR", "SYNC")
_ON_SESSION = ("SUB", "UNSUB", "SUBS")
_NEEDS_KEYS = ("GET", "SET", "SUB", "UNSUB")


@command("METADATA", min_params=2, before_registration=True)
def metadata(ctx: Context, message: Message) -> None:
    """``METADATA <target> <subcommand> [<params>...]`` (IRCv3 draft/metadata-2); see the
    module docstring for the replies.

    Before registration only a session that enabled the capability may use it
    (``before-connect``), and only on ``*``.
    """
    session: Session = ctx.session
    if session.user is None and not session.has(METADATA):
        ctx.numeric(n.ERR_NOTREGISTERED, "You have not registered")
        return
    name, subcommand, *rest = message.params
    subcommand = subcommand.upper()
    if subcommand not in _ON_TARGET + _ON_SESSION:
        _fail(ctx, "SUBCOMMAND_INVALID", "Invalid METADATA subcommand", subcommand)
        return
    if subcommand in _NEEDS_KEYS and not rest:
        ctx.numeric(n.ERR_NEEDMOREPARAMS, "METADATA", "Not enough parameters")
        return
    if subcommand == "SUB":
        _sub(ctx, rest)
    elif subcommand == "UNSUB":
        _unsub(ctx, rest)
    elif subcommand == "SUBS":
        _subs(ctx)
    else:
        target = _resolve(ctx, name)
        if target is None:
            return
        if subcommand == "GET":
            _get(ctx, target, rest)
        elif subcommand == "LIST":
            _list(ctx, target)
        elif subcommand == "SET":
            _set(ctx, target, rest[0], rest[1] if len(rest) > 1 else None)
        elif subcommand == "CLEAR":
            _clear(ctx, target)
        else:
            _sync(ctx, target)

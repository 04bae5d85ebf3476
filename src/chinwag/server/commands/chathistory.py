"""``CHATHISTORY``: IRCv3 ``draft/chathistory`` and ``draft/event-playback``, and the short
replay on JOIN for clients without them.

Reference: https://ircv3.net/specs/extensions/chathistory (with the ``chathistory`` batch type,
https://ircv3.net/specs/batches/chathistory). Where the draft leaves a choice open, chinwag
does what Ergo does. In short:

- ``CHATHISTORY LATEST|BEFORE|AFTER|AROUND <target> <ref> <limit>``, ``CHATHISTORY BETWEEN
  <target> <ref> <ref> <limit>`` and ``CHATHISTORY TARGETS <timestamp> <timestamp> <limit>``.
  A reference is ``timestamp=YYYY-MM-DDThh:mm:ss.sssZ`` or ``msgid=<id>``; LATEST also takes
  ``*`` (no lower bound). Bounds are exclusive. A limit of 0 or above the ISUPPORT
  ``CHATHISTORY`` value means that value (as Ergo does).
- The messages come oldest first in a ``chathistory <target>`` batch (``draft/chathistory-
  targets`` for TARGETS, whose lines are ``CHATHISTORY TARGETS <name> <timestamp>``); a batch
  is sent even when empty, and a session without ``batch`` gets the lines bare. Each line is
  the message as it was relayed, with its original ``time`` and ``msgid``; the reply buffer
  shows each session only the tags its capabilities allow.
- The opening ``BATCH`` line carries ``draft/chathistory-end`` (for a session with
  ``draft/chathistory``; ircv3-specifications PR #598) exactly when nothing more lies in the
  direction the request pages: older than the page for LATEST and BEFORE, newer for AFTER,
  the rest of the range for BETWEEN, either side for AROUND, and no further target for
  TARGETS. Each query asks the store for one message more than the limit to know, so a page
  that ends exactly on the limit is tagged too. chinwag sends no context messages, so the
  spec's ``draft/chathistory-context`` tag never appears.
- Only PRIVMSG and NOTICE are played back, unless the session has ``draft/event-playback``:
  then channel JOIN, PART, KICK, TOPIC and MODE lines too.
- Messages that share a timestamp keep the order they were stored in, so paging by msgid
  (BEFORE/AFTER the first/last msgid of the previous page) never skips or repeats one.
- Targets (Ergo's rule): a channel's history is for its current members only; a nick means
  the direct conversation between the asker and that nick (whether or not they are online),
  shown under the other party's current nick.
- Errors are ``FAIL CHATHISTORY`` standard replies, with the codes of the current draft:
  ``INVALID_PARAMS <subcommand> [<param>]`` for an unknown subcommand, too few or too many
  parameters, or a parameter that cannot be parsed (the older draft's ``UNKNOWN_COMMAND`` and
  ``NEED_MORE_PARAMS`` were folded into it); ``INVALID_TARGET <subcommand> <target>`` for a
  channel that does not exist or that the asker is not in, or a name that is neither;
  ``MESSAGE_ERROR <subcommand> <target>`` when the store fails.
- A session without ``draft/chathistory`` gets the last ``[history] replay_lines`` messages of
  a channel after its JOIN burst, in a ``chathistory`` batch (spec: a client with the
  capability gets no automatic playback); that replay, the batches and the direct
  conversations are :mod:`chinwag.server.services.playback`, shared with JOIN and MARKREAD.
"""

from __future__ import annotations

from dataclasses import dataclass

from chinwag.protocol.caps import EVENT_PLAYBACK
from chinwag.protocol.casemap import Folded, fold, is_channel_name, is_valid_nick
from chinwag.protocol.message import Message
from chinwag.server.context import Context
from chinwag.server.dispatch import command
from chinwag.server.history import identity
from chinwag.server.services.playback import add_history_batch, direct_target, history_end_tags
from chinwag.server.tags import parse_timestamp, server_time
from chinwag.storage.base import Bound, Store, StoredMessage, identity_kind, identity_value

TARGETS_BATCH_TYPE = "draft/chathistory-targets"
"""The batch type of ``CHATHISTORY TARGETS`` replies (no parameter)."""

HALF_MILLISECOND = 0.0005
"""Stored times are whole milliseconds (they come from ``time`` tags); a bound this much
before a timestamp lets a query include the messages at exactly that timestamp."""

TARGETS_SCAN = 10_000
"""Targets read from the store for a backwards ``TARGETS`` query, which wants the newest
ones while the store hands out the oldest first."""


# -- CHATHISTORY ----------------------------------------------------------------------------


class InvalidParamError(Exception):
    """A parameter that cannot be used; ``args`` are the FAIL context and description."""


def _fail(ctx: Context, code: str, description: str, *context: str) -> None:
    ctx.fail("CHATHISTORY", code, description, *context)


def _reference(subcommand: str, param: str) -> Bound:
    """A ``timestamp=`` or ``msgid=`` reference as a bound."""
    kind, equals, value = param.partition("=")
    kind = kind.lower()
    if equals and value and kind == "msgid":
        return Bound(msgid=value)
    if equals and kind == "timestamp":
        moment = parse_timestamp(value)
        if moment is None:
            raise InvalidParamError(subcommand, param, "Invalid timestamp")
        return Bound(time=moment)
    raise InvalidParamError(subcommand, param, "Invalid message reference")


def _timestamp(subcommand: str, param: str) -> float:
    """A ``timestamp=`` reference (TARGETS takes no msgid)."""
    bound = _reference(subcommand, param)
    if bound.time is None:
        raise InvalidParamError(subcommand, param, "TARGETS takes timestamps only")
    return bound.time


def _limit(ctx: Context, subcommand: str, param: str) -> int:
    """The limit asked for, capped at the ISUPPORT value; 0 means that value (Ergo)."""
    if not (param.isascii() and param.isdigit()):
        raise InvalidParamError(subcommand, param, "Invalid limit")
    most = ctx.deps.config.history.chathistory_limit
    asked = int(param)
    return most if asked == 0 else min(asked, most)


_PARAM_COUNTS = {
    "LATEST": 4,
    "BEFORE": 4,
    "AFTER": 4,
    "AROUND": 4,
    "BETWEEN": 5,
    "TARGETS": 4,
}
"""Parameters of each subcommand, the subcommand included."""


@command("CHATHISTORY")
def chathistory(ctx: Context, message: Message) -> None:
    """CHATHISTORY <subcommand> ... (chathistory spec, "CHATHISTORY Command"); see the
    module docstring for the choices made."""
    params = message.params
    if not params:
        _fail(ctx, "INVALID_PARAMS", "Insufficient parameters", "*")
        return
    given = params[0]
    subcommand = given.upper()
    expected = _PARAM_COUNTS.get(subcommand)
    if expected is None:
        _fail(ctx, "INVALID_PARAMS", "Unknown command", given)
        return
    if len(params) != expected:
        description = "Insufficient parameters" if len(params) < expected else "Too many parameters"
        _fail(ctx, "INVALID_PARAMS", description, subcommand)
        return
    try:
        if subcommand == "TARGETS":
            _targets(ctx, params)
        else:
            _history(ctx, subcommand, params)
    except InvalidParamError as error:
        *context, description = error.args
        _fail(ctx, "INVALID_PARAMS", description, *context)


@dataclass(frozen=True, slots=True)
class _Query:
    """One history request, parsed: what the store is asked."""

    subcommand: str
    key: Folded
    shown: str
    first: Bound | None
    second: Bound | None
    limit: int
    events: bool
    reader: Folded


def _history(ctx: Context, subcommand: str, params: tuple[str, ...]) -> None:
    """LATEST, BEFORE, AFTER, AROUND and BETWEEN: parse, check access, then query."""
    name = params[1]
    first = (
        None if subcommand == "LATEST" and params[2] == "*" else _reference(subcommand, params[2])
    )
    second = _reference(subcommand, params[3]) if subcommand == "BETWEEN" else None
    limit = _limit(ctx, subcommand, params[-1])
    target = _resolve(ctx, name)
    if target is None:
        _fail(ctx, "INVALID_TARGET", "Messages could not be retrieved", subcommand, name)
        return
    key, shown = target
    query = _Query(
        subcommand,
        key,
        shown,
        first,
        second,
        limit,
        ctx.session.has(EVENT_PLAYBACK),
        identity(ctx.user),
    )
    deps = ctx.deps
    ctx.later(
        deps.history.after(_run(deps.store, query)),
        lambda ctx, found: add_history_batch(ctx, shown, found.messages, end=found.end),
        lambda ctx, _error: _fail(
            ctx, "MESSAGE_ERROR", "Messages could not be retrieved", subcommand, name
        ),
    )


def _resolve(ctx: Context, name: str) -> tuple[Folded, str] | None:
    """The store key and shown name of a target the sender may read, or ``None``: a channel
    they are in, or a nick (the direct conversation with it)."""
    if is_channel_name(name):
        channel = ctx.user.channels.get(fold(name))
        return None if channel is None else (channel.folded, channel.name)
    if is_valid_nick(name, ctx.deps.limits.nicklen):
        conversation = direct_target(ctx, name)
        return conversation.key, conversation.shown
    return None


@dataclass(frozen=True, slots=True)
class Page:
    """What one selector found, oldest first, and whether it is the last page in the
    direction the request pages (``draft/chathistory-end``)."""

    messages: list[StoredMessage]
    end: bool


def _newest(found: list[StoredMessage], limit: int) -> Page:
    """The newest ``limit`` of a look-ahead query that asked for ``limit + 1``: one more
    means older ones remain."""
    if len(found) > limit:
        return Page(found[len(found) - limit :], False)
    return Page(found, True)


def _oldest(found: list[StoredMessage], limit: int) -> Page:
    """The oldest ``limit`` of a look-ahead query that asked for ``limit + 1``: one more
    means newer ones remain."""
    if len(found) > limit:
        return Page(found[:limit], False)
    return Page(found, True)


async def _run(store: Store, query: _Query) -> Page:
    """Answer one selector with :meth:`Store.history` (oldest first), one message more than
    the limit asked for to know whether the page is the last."""
    key, limit, events, reader = query.key, query.limit, query.events, query.reader
    first = query.first
    ahead = limit + 1
    match query.subcommand:
        case "LATEST":
            found = await store.history(key, after=first, limit=ahead, events=events, reader=reader)
            return _newest(found, limit)
        case "BEFORE":
            found = await store.history(
                key, before=first, limit=ahead, events=events, reader=reader
            )
            return _newest(found, limit)
        case "AFTER":
            found = await store.history(
                key, after=first, limit=ahead, newest=False, events=events, reader=reader
            )
            return _oldest(found, limit)
        case "AROUND":
            assert first is not None
            return await _around(store, key, first, limit, events, reader)
        case _:  # BETWEEN
            assert first is not None and query.second is not None
            return await _between(store, key, first, query.second, limit, events, reader)


async def _around(
    store: Store, key: Folded, ref: Bound, limit: int, events: bool, reader: Folded
) -> Page:
    """Up to ``limit // 2`` messages before the reference, then the referenced message (a
    msgid) or those at its timestamp, and what follows, ``limit`` in all. The last page
    when neither side left any out."""
    half = limit // 2
    before = _newest(
        await store.history(key, before=ref, limit=half + 1, events=events, reader=reader), half
    )
    older = before.messages
    room = limit - len(older)
    newer: list[StoredMessage] = []
    if ref.msgid is not None:
        found = await store.find(key, ref.msgid, reader=reader)
        if found is None:
            return Page([], True)  # an unknown msgid names no place in the history
        if events or not found.event:
            newer.append(found)
        after = ref
    else:
        assert ref.time is not None
        after = Bound(time=ref.time - HALF_MILLISECOND)
    wanted = room - len(newer)
    rest = _oldest(
        await store.history(
            key, after=after, limit=wanted + 1, newest=False, events=events, reader=reader
        ),
        wanted,
    )
    return Page(older + newer + rest.messages, before.end and rest.end)


async def _between(
    store: Store,
    key: Folded,
    first: Bound,
    second: Bound,
    limit: int,
    events: bool,
    reader: Folded,
) -> Page:
    """Messages between two references, counted from the first: forwards if the first is
    the earlier, else backwards. An empty forward range means the references are the other
    way round (or nothing lies between them, and the backward range is empty too), so no
    lookup of where each msgid sits is needed. The last page when the range held no more."""
    forward = await store.history(
        key, after=first, before=second, limit=limit + 1, newest=False, events=events, reader=reader
    )
    if forward:
        return _oldest(forward, limit)
    backward = await store.history(
        key, after=second, before=first, limit=limit + 1, events=events, reader=reader
    )
    return _newest(backward, limit)


def _targets(ctx: Context, params: tuple[str, ...]) -> None:
    """CHATHISTORY TARGETS <timestamp> <timestamp> <limit>: the sender's channels and direct
    conversations whose latest message is between the two moments, by its time (one with a
    newer message past the range is left out: its latest time is that one's)."""
    first = _timestamp("TARGETS", params[1])
    second = _timestamp("TARGETS", params[2])
    limit = _limit(ctx, "TARGETS", params[3])
    user = ctx.user
    channels = {channel.folded: channel.name for channel in user.channels.values()}
    me = identity(user)
    backwards = first > second
    low, high = (second, first) if backwards else (first, second)
    deps = ctx.deps
    # One more than the limit tells whether the list is complete (draft/chathistory-end).
    scan = TARGETS_SCAN if backwards else limit + 1
    ctx.later(
        deps.history.after(deps.store.targets(channels, me, low, high, scan)),
        lambda ctx, found: _send_targets(
            ctx,
            channels,
            me,
            found[-limit:] if backwards else found[:limit],
            end=len(found) <= limit,
        ),
        lambda ctx, _error: _fail(
            ctx, "MESSAGE_ERROR", "Messages could not be retrieved", "TARGETS", "*"
        ),
    )


def _send_targets(
    ctx: Context,
    channels: dict[Folded, str],
    me: Folded,
    found: list[tuple[Folded, float]],
    *,
    end: bool,
) -> None:
    with ctx.reply.batch(TARGETS_BATCH_TYPE, tags=history_end_tags(ctx, end)):
        for key, latest in found:
            shown = channels.get(key) or _other_party(ctx, key, me)
            if shown is None:
                continue
            ctx.reply.add(
                Message("CHATHISTORY", ("TARGETS", shown, server_time(latest)), ctx.deps.name)
            )


def _other_party(ctx: Context, key: Folded, me: Folded) -> str | None:
    """The name to show for the other side of conversation ``key``: the nick of the online
    user with that identity, else the name of the account with it; ``None`` if neither
    exists any more (the conversation is about to be deleted)."""
    low, _, high = key.partition(" ")
    other = Folded(high if low == me else low)
    if identity_kind(other) == "s":
        user = ctx.network.tokens.get(identity_value(other))
        return None if user is None or identity(user) != other else user.nick
    account = ctx.deps.accounts.by_identity(other)
    if account is None:
        return None
    holder = ctx.network.users.get(account.folded)
    return holder.nick if holder is not None and identity(holder) == other else account.name

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
  capability gets no automatic playback).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from chinwag.protocol.caps import CHATHISTORY, EVENT_PLAYBACK
from chinwag.protocol.casemap import Folded, fold, is_channel_name, is_valid_nick
from chinwag.protocol.errors import ProtocolError
from chinwag.protocol.message import Message, parse
from chinwag.server.dispatch import Context, command
from chinwag.server.history import identity
from chinwag.server.replies import server_time
from chinwag.server.state import Channel
from chinwag.storage.base import Bound, Store, StoredMessage, conversation_key

log = logging.getLogger(__name__)

BATCH_TYPE = "chathistory"
"""The ratified batch type of history replies (one parameter: the target)."""

TARGETS_BATCH_TYPE = "draft/chathistory-targets"
"""The batch type of ``CHATHISTORY TARGETS`` replies (no parameter)."""

_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z")

HALF_MILLISECOND = 0.0005
"""Stored times are whole milliseconds (they come from ``time`` tags); a bound this much
before a timestamp lets a query include the messages at exactly that timestamp."""

TARGETS_SCAN = 10_000
"""Targets read from the store for a backwards ``TARGETS`` query, which wants the newest
ones while the store hands out the oldest first."""


# -- what other modules use ---------------------------------------------------------------


def parse_timestamp(text: str) -> float | None:
    """The Unix time of a server-time timestamp ``YYYY-MM-DDThh:mm:ss.sssZ`` (server-time
    spec), or ``None`` if ``text`` is not one. The same conversion as the store's, so a
    message's own timestamp names exactly its stored time."""
    if not _TIMESTAMP.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:  # a well-formed string naming no real moment (month 13)
        return None


@dataclass(frozen=True, slots=True)
class Conversation:
    """A direct conversation as history keeps it: the store key, and the other party's
    name as the asker should see it."""

    key: Folded
    shown: str


def direct_target(ctx: Context, nick: str) -> Conversation:
    """The direct conversation between the sender and ``nick`` (chathistory spec, "If a
    nickname is given as the target"): keyed by both identities, the other one being the
    online user's (account, else nick) or, for someone offline, the folded nick, which is
    also their account's key if the nick is an account name (as messaging does)."""
    other = ctx.network.find_user(nick)
    if other is not None:
        return Conversation(conversation_key(identity(ctx.user), identity(other)), other.nick)
    account = ctx.server.accounts.get(fold(nick))
    shown = account.name if account is not None else nick
    return Conversation(conversation_key(identity(ctx.user), fold(nick)), shown)


def replayed(message: StoredMessage, extended_join: bool) -> Message | None:
    """The stored line as a message to send again, or ``None`` (logged) if it no longer
    parses. A JOIN is stored as extended-join shows it; a session without that capability
    gets the plain form."""
    try:
        line = parse(message.line)
    except ProtocolError:
        log.warning("stored message %s of %s does not parse", message.msgid, message.target)
        return None
    if line.command == "JOIN" and len(line.params) > 1 and not extended_join:
        return Message("JOIN", line.params[:1], line.source, line.tags)
    return line


def add_history_batch(
    ctx: Context, shown: str, messages: Sequence[StoredMessage], *, always: bool = True
) -> None:
    """Add ``messages`` to the replies as one ``chathistory <shown>`` batch (batch spec,
    "chathistory"); with ``always`` false, nothing at all when there are none."""
    if not messages and not always:
        return
    extended_join = ctx.session.has("extended-join")
    with ctx.reply.batch(BATCH_TYPE, shown):
        for stored in messages:
            message = replayed(stored, extended_join)
            if message is not None:
                ctx.reply.add(message)


def replay_on_join(ctx: Context, channels: Sequence[Channel], until: float, relayed: int) -> None:
    """After the JOIN burst of ``channels``, the last ``[history] replay_lines`` messages of
    each (PRIVMSG and NOTICE, stamped before ``until``), for a session without
    draft/chathistory (chathistory spec: with the capability, no automatic playback).

    ``relayed`` is the history sequence number before the JOIN: the query waits for what
    was relayed up to then to be stored, not for the JOIN's own events (which it does not
    replay), so joining a quiet room never waits for a commit.

    One store query per channel, all in one piece of deferred work; a channel with nothing
    stored gets no batch.
    """
    lines = ctx.server.config.history.replay_lines
    if not channels or lines <= 0 or ctx.session.has(CHATHISTORY):
        return
    if ctx.reply.label is None:
        # Others' messages to the channel reach this session's outbox directly while the
        # query runs; sending the burst now keeps the JOIN ahead of them. A labelled JOIN
        # must stay one response, so it waits whole.
        ctx.reply.flush()
    chosen = list(channels)
    ctx.later(
        ctx.server.after_history(_recent(ctx.server.store, chosen, lines, until), relayed),
        _send_replay,
    )


async def _recent(
    store: Store, channels: list[Channel], limit: int, until: float
) -> list[tuple[Channel, list[StoredMessage]]]:
    return [
        (channel, await store.history(channel.folded, before=Bound(time=until), limit=limit))
        for channel in channels
    ]


def _send_replay(ctx: Context, found: list[tuple[Channel, list[StoredMessage]]]) -> None:
    user = ctx.user
    for channel, messages in found:
        if user in channel.members:  # not kicked while the store was asked
            add_history_batch(ctx, channel.name, messages, always=False)


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
    most = ctx.server.config.history.chathistory_limit
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
    query = _Query(subcommand, key, shown, first, second, limit, ctx.session.has(EVENT_PLAYBACK))
    ctx.later(
        ctx.server.after_history(_run(ctx.server.store, query)),
        lambda ctx, found: add_history_batch(ctx, shown, found),
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
    if is_valid_nick(name, ctx.server.limits.nicklen):
        conversation = direct_target(ctx, name)
        return conversation.key, conversation.shown
    return None


async def _run(store: Store, query: _Query) -> list[StoredMessage]:
    """Answer one selector with :meth:`Store.history` (oldest first)."""
    key, limit, events = query.key, query.limit, query.events
    first = query.first
    match query.subcommand:
        case "LATEST":
            return await store.history(key, after=first, limit=limit, events=events)
        case "BEFORE":
            return await store.history(key, before=first, limit=limit, events=events)
        case "AFTER":
            return await store.history(key, after=first, limit=limit, newest=False, events=events)
        case "AROUND":
            assert first is not None
            return await _around(store, key, first, limit, events)
        case _:  # BETWEEN
            assert first is not None and query.second is not None
            return await _between(store, key, first, query.second, limit, events)


async def _around(
    store: Store, key: Folded, ref: Bound, limit: int, events: bool
) -> list[StoredMessage]:
    """Up to ``limit // 2`` messages before the reference, then the referenced message (a
    msgid) or those at its timestamp, and what follows, ``limit`` in all."""
    older = await store.history(key, before=ref, limit=limit // 2, events=events)
    room = limit - len(older)
    newer: list[StoredMessage] = []
    if ref.msgid is not None:
        found = await store.find(key, ref.msgid)
        if found is None:
            return []  # an unknown msgid names no place in the history
        if events or not found.event:
            newer.append(found)
        after = ref
    else:
        assert ref.time is not None
        after = Bound(time=ref.time - HALF_MILLISECOND)
    newer += await store.history(
        key, after=after, limit=room - len(newer), newest=False, events=events
    )
    return older + newer


async def _between(
    store: Store, key: Folded, first: Bound, second: Bound, limit: int, events: bool
) -> list[StoredMessage]:
    """Messages between two references, counted from the first: forwards if the first is
    the earlier, else backwards. An empty forward range means the references are the other
    way round (or nothing lies between them, and the backward range is empty too), so no
    lookup of where each msgid sits is needed."""
    forward = await store.history(
        key, after=first, before=second, limit=limit, newest=False, events=events
    )
    if forward:
        return forward
    return await store.history(key, after=second, before=first, limit=limit, events=events)


def _targets(ctx: Context, params: tuple[str, ...]) -> None:
    """CHATHISTORY TARGETS <timestamp> <timestamp> <limit>: the sender's channels and direct
    conversations with messages between the two moments, by time of the latest one."""
    first = _timestamp("TARGETS", params[1])
    second = _timestamp("TARGETS", params[2])
    limit = _limit(ctx, "TARGETS", params[3])
    user = ctx.user
    channels = {channel.folded: channel.name for channel in user.channels.values()}
    me = identity(user)
    backwards = first > second
    low, high = (second, first) if backwards else (first, second)
    ctx.later(
        ctx.server.after_history(
            ctx.server.store.targets(channels, me, low, high, TARGETS_SCAN if backwards else limit)
        ),
        lambda ctx, found: _send_targets(ctx, channels, me, found[-limit:] if backwards else found),
        lambda ctx, _error: _fail(
            ctx, "MESSAGE_ERROR", "Messages could not be retrieved", "TARGETS", "*"
        ),
    )


def _send_targets(
    ctx: Context, channels: dict[Folded, str], me: Folded, found: list[tuple[Folded, float]]
) -> None:
    with ctx.reply.batch(TARGETS_BATCH_TYPE):
        for key, latest in found:
            shown = channels.get(key) or _other_party(ctx, key, me)
            ctx.reply.add(
                Message("CHATHISTORY", ("TARGETS", shown, server_time(latest)), ctx.server.name)
            )


def _other_party(ctx: Context, key: Folded, me: Folded) -> str:
    """The name to show for the other side of conversation ``key``: their nick if someone
    with that identity is online under it, else the account's name, else the folded nick."""
    low, _, high = key.partition(" ")
    other = Folded(high if low == me else low)
    user = ctx.network.users.get(other)
    if user is not None and identity(user) == other:
        return user.nick
    account = ctx.server.accounts.get(other)
    return account.name if account is not None else other

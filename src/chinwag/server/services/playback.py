"""History played back outside ``CHATHISTORY``: the replay on JOIN, history batches, and the
direct conversation a nick names.

References: https://ircv3.net/specs/extensions/chathistory ("If a nickname is given as the
target"; a client with the capability gets no automatic playback) and the ``chathistory``
batch type (https://ircv3.net/specs/batches/chathistory). Shared by ``CHATHISTORY``,
``JOIN`` and ``MARKREAD``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from chinwag.protocol import multiline as ml
from chinwag.protocol.caps import CHATHISTORY
from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.errors import ProtocolError
from chinwag.protocol.message import Message, parse
from chinwag.server.context import Context
from chinwag.server.deps import Deps
from chinwag.server.history import identity
from chinwag.server.state import Channel, Session, User
from chinwag.server.tags import new_batch_id
from chinwag.storage.base import Bound, Store, StoredMessage, conversation_key

log = logging.getLogger(__name__)

BATCH_TYPE = "chathistory"
"""The ratified batch type of history replies (one parameter: the target)."""

END_TAG = "draft/chathistory-end"
"""The tag on a history batch that is the last page in its direction (chathistory spec)."""


@dataclass(frozen=True, slots=True)
class Conversation:
    """A direct conversation as history keeps it: the store key, and the other party's
    name as the asker should see it."""

    key: Folded
    shown: str


@dataclass(frozen=True, slots=True)
class Party:
    """Who a nick names as the other side of a direct conversation: the name to show, the
    history identity, and the user to reach now (``None``: the message waits for the
    account's next login)."""

    shown: str
    identity: Folded
    user: User | None


def direct_party(deps: Deps, nick: str) -> Party | None:
    """The owner of ``nick`` for direct messages and their history (docs/security.md):
    the online user holding it, unless it is a registered nick held by someone not logged in
    to its account (the grace period of nick protection), in which case the account; else
    the account of that name. ``None`` when the nick names neither."""
    holder = deps.network.find_user(nick)
    if holder is not None and (holder.account is None or fold(holder.account) != holder.folded):
        owner = deps.accounts.get(holder.folded)
        if owner is not None:
            return Party(owner.name, owner.identity, None)
    if holder is not None:
        return Party(holder.nick, identity(holder), holder)
    account = deps.accounts.get(fold(nick))
    return None if account is None else Party(account.name, account.identity, None)


def direct_target(ctx: Context, nick: str) -> Conversation:
    """The direct conversation between the sender and ``nick`` (chathistory spec, "If a
    nickname is given as the target"), keyed by both identities as messaging keys it
    (:func:`direct_party`). A nick that names nobody names a conversation nobody has
    (docs/security.md: a departed user's is gone)."""
    me = identity(ctx.user)
    party = direct_party(ctx.deps, nick)
    if party is None:
        return Conversation(conversation_key(me, Folded(f"nobody:{fold(nick)}")), nick)
    return Conversation(conversation_key(me, party.identity), party.shown)


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


def replay_messages(session: Session, stored: StoredMessage) -> list[Message]:
    """What a stored message is sent again as, to ``session``: :func:`replayed`, except
    that a multiline message (draft/multiline, kept in one record by
    :func:`chinwag.protocol.multiline.stored_form`) becomes its ``draft/multiline`` batch for
    a session with the capability and batch, and its lines one by one for the others
    (multiline spec, "Fallback")."""
    message = replayed(stored, session.has("extended-join"))
    if message is None:
        return []
    value = message.tags.get(ml.STORED_TAG)
    if value is None:
        return [message]
    tags = {key: data for key, data in message.tags.items() if key != ml.STORED_TAG}
    target, text = message.params[0], message.params[-1]
    lines = ml.stored_lines(text, value)
    if lines is None:
        return [Message(message.command, message.params, message.source, tags)]
    source = message.source or ""
    if session.has(ml.CAP) and session.has("batch"):
        return ml.batch_messages(
            message.command, target, lines, new_batch_id(), source=source, tags=tags
        )
    return ml.fallback_messages(message.command, target, lines, source, tags)


def history_end_tags(ctx: Context, end: bool) -> dict[str, str]:
    """The tags of the opening BATCH line of a CHATHISTORY reply: ``draft/chathistory-end``
    when ``end`` (nothing more lies in the direction the request pages) and the session
    negotiated draft/chathistory, which defines the tag (chathistory spec, ircv3-
    specifications PR #598)."""
    return {END_TAG: ""} if end and ctx.session.has(CHATHISTORY) else {}


def add_history_batch(
    ctx: Context,
    shown: str,
    messages: Sequence[StoredMessage],
    *,
    always: bool = True,
    end: bool = False,
) -> None:
    """Add ``messages`` to the replies as one ``chathistory <shown>`` batch (batch spec,
    "chathistory"); with ``always`` false, nothing at all when there are none. With ``end``
    the batch carries ``draft/chathistory-end`` (:func:`history_end_tags`)."""
    if not messages and not always:
        return
    # message-tags spec: a TAGMSG never reaches a client without the capability.
    tagmsg = ctx.session.has("message-tags")
    with ctx.reply.batch(BATCH_TYPE, shown, tags=history_end_tags(ctx, end)):
        for stored in messages:
            for message in replay_messages(ctx.session, stored):
                if tagmsg or message.command != "TAGMSG":
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
    lines = ctx.deps.config.history.replay_lines
    if not channels or lines <= 0 or ctx.session.has(CHATHISTORY):
        return
    if ctx.reply.label is None:
        # Others' messages to the channel reach this session's outbox directly while the
        # query runs; sending the burst now keeps the JOIN ahead of them. A labelled JOIN
        # must stay one response, so it waits whole.
        ctx.reply.flush()
    chosen = list(channels)
    deps = ctx.deps
    reader = identity(ctx.user)
    ctx.later(
        deps.history.after(_recent(deps.store, chosen, lines, until, reader), relayed),
        _send_replay,
    )


async def _recent(
    store: Store, channels: list[Channel], limit: int, until: float, reader: Folded
) -> list[tuple[Channel, list[StoredMessage]]]:
    before = Bound(time=until)
    return [
        (channel, await store.history(channel.folded, before=before, limit=limit, reader=reader))
        for channel in channels
    ]


def _send_replay(ctx: Context, found: list[tuple[Channel, list[StoredMessage]]]) -> None:
    user = ctx.user
    for channel, messages in found:
        if user in channel.members:  # not kicked while the store was asked
            add_history_batch(ctx, channel.name, messages, always=False)

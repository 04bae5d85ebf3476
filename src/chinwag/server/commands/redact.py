"""``REDACT``: IRCv3 ``draft/message-redaction``, deleting a message already sent.

Reference: https://ircv3.net/specs/extensions/message-redaction. In short:

- ``REDACT <target> <msgid> [:<reason>]``, where ``target`` is a channel the user is in or
  a nick (the direct conversation with it, keyed as history keys it).
- Allowed for the message's sender (the same account; without an account, the same user, one
  of whose latest messages it was) and, in a channel, for its operators. Anyone else gets
  ``FAIL REDACT REDACT_FORBIDDEN``; a msgid not in the target's history they may read gets
  ``FAIL REDACT UNKNOWN_MSGID``; a target they may not redact in, ``INVALID_TARGET``.
- The ``REDACT`` line goes to every session of the target's members (or of both sides of
  the conversation) that has the capability, the redacting session included; the others
  get nothing (spec: clients without the capability are not told).
- History deletes the message (the search index with it): chathistory and SEARCH no longer
  return it.
"""

from __future__ import annotations

from chinwag.protocol.caps import MESSAGE_REDACTION
from chinwag.protocol.casemap import fold, is_channel_name, is_valid_nick
from chinwag.protocol.message import Message
from chinwag.server.context import Context
from chinwag.server.dispatch import command
from chinwag.server.history import identity
from chinwag.server.services.playback import direct_party, direct_target
from chinwag.server.state import Channel, Session, User
from chinwag.server.tags import server_time
from chinwag.storage.base import StoredMessage


def _fail(ctx: Context, code: str, description: str, *context: str) -> None:
    ctx.fail("REDACT", code, description, *context)


@command("REDACT")
def redact(ctx: Context, message: Message) -> None:
    """REDACT <target> <msgid> [:<reason>] (message-redaction spec, "REDACT")."""
    params = message.params
    if len(params) < 2:
        _fail(ctx, "NEED_MORE_PARAMS", "Missing parameters")
        return
    name, msgid = params[0], params[1]
    reason = params[2] if len(params) > 2 else None
    user = ctx.user
    channel: Channel | None = None
    if is_channel_name(name):
        channel = ctx.network.find_channel(name)
        if channel is None or user not in channel.members:
            _fail(ctx, "INVALID_TARGET", "You are not in that channel", name)
            return
        key, shown = channel.folded, channel.name
    elif is_valid_nick(name, ctx.deps.limits.nicklen):
        conversation = direct_target(ctx, name)
        key, shown = conversation.key, conversation.shown
    else:
        _fail(ctx, "INVALID_TARGET", "Invalid target", name)
        return
    deps = ctx.deps
    ctx.later(
        deps.history.after(deps.store.find(key, msgid, reader=identity(user))),
        lambda ctx, found: _found(ctx, found, channel, shown, msgid, reason),
        lambda ctx, _error: _fail(
            ctx, "INTERNAL_ERROR", "The message could not be read", name, msgid
        ),
    )


def _is_sender(user: User, stored: StoredMessage) -> bool:
    if user.account is not None and stored.account is not None:
        return fold(user.account) == fold(stored.account)
    return user.said is not None and stored.msgid in user.said


def _found(
    ctx: Context,
    stored: StoredMessage | None,
    channel: Channel | None,
    shown: str,
    msgid: str,
    reason: str | None,
) -> None:
    user = ctx.user
    if stored is None or stored.event:
        _fail(ctx, "UNKNOWN_MSGID", "No such message", shown, msgid)
        return
    if channel is not None and user not in channel.members:
        _fail(ctx, "INVALID_TARGET", "You are not in that channel", shown)
        return
    allowed = _is_sender(user, stored) or (channel is not None and channel.is_operator(user))
    if not allowed:
        _fail(ctx, "REDACT_FORBIDDEN", "You may not redact this message", shown, msgid)
        return
    ctx.deps.history.redact(stored.target, msgid)
    params = (shown, msgid) if reason is None else (shown, msgid, reason)
    line = Message("REDACT", params, user.source, {"time": server_time()})
    sessions: list[Session]
    if channel is not None:
        sessions = list(channel.all_sessions)
    else:
        sessions = list(user.sessions)
        party = direct_party(ctx.deps, shown)
        if party is not None and party.user is not None and party.user is not user:
            sessions += party.user.sessions
    reached = [s for s in sessions if s.has(MESSAGE_REDACTION)]
    if ctx.session in reached:
        reached.remove(ctx.session)
        ctx.reply.add(line)
    ctx.deps.delivery.deliver(reached, line)

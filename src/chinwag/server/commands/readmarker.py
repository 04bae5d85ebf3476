"""``MARKREAD``: IRCv3 ``draft/read-marker``, where each user's devices agree on what was read.

Reference: https://ircv3.net/specs/extensions/read-marker. Where the draft leaves a choice
open, chinwag does what Ergo does. In short:

- ``MARKREAD <target>`` asks for the marker, ``MARKREAD <target> timestamp=<time>`` sets it;
  either way the answer is ``MARKREAD <target> timestamp=<time>``, or ``*`` when nothing was
  marked yet. A marker only moves forward: an older (or equal) time gets the stored one back,
  and a time in the future is taken as now.
- When a marker moves, the user's other sessions with the capability are told with the same
  ``MARKREAD`` line. After a JOIN, a session with the capability gets the channel's marker
  before RPL_ENDOFNAMES (right after the JOIN, as Ergo sends it).
- A target is a channel name (it need not exist, nor the user be in it, as in Ergo) or a nick:
  the direct conversation with that nick, keyed as history keys it
  (:func:`chinwag.server.services.playback.direct_target`).
- Markers live on the user (``User.read_markers``); those of a logged-in user are also written
  to the store under the account, so they survive a reconnect; the reply waits for the write.
- Errors are ``FAIL MARKREAD`` standard replies: ``NEED_MORE_PARAMS`` (no target),
  ``INVALID_PARAMS <param>`` (a target that is neither a channel nor a nick, or a time that is
  not ``timestamp=YYYY-MM-DDThh:mm:ss.sssZ``), ``INTERNAL_ERROR <target>`` (the store failed).
"""

from __future__ import annotations

from chinwag.protocol.caps import READ_MARKER
from chinwag.protocol.casemap import fold, is_channel_name, is_valid_nick
from chinwag.protocol.message import Message
from chinwag.server.context import Context
from chinwag.server.dispatch import command
from chinwag.server.services.playback import direct_target
from chinwag.server.services.readmarkers import PREFIX, MarkerTarget, marker_message
from chinwag.server.tags import parse_timestamp, server_time


def _fail(ctx: Context, code: str, description: str, *context: str) -> None:
    ctx.fail("MARKREAD", code, description, *context)


def _resolve(ctx: Context, name: str) -> MarkerTarget | None:
    """A channel (folded name) or a nick (the conversation with it); ``None`` otherwise."""
    if is_channel_name(name):
        channel = ctx.network.find_channel(name)
        return MarkerTarget(fold(name), channel.name if channel is not None else name)
    if is_valid_nick(name, ctx.deps.limits.nicklen):
        conversation = direct_target(ctx, name)
        return MarkerTarget(conversation.key, conversation.shown)
    return None


def _now() -> float:
    """Now, to the millisecond a timestamp can carry, so a marker clamped to now reads back
    exactly as sent."""
    moment = parse_timestamp(server_time())
    assert moment is not None
    return moment


@command("MARKREAD")
def markread(ctx: Context, message: Message) -> None:
    """MARKREAD <target> [timestamp=<time>] (read-marker spec, "MARKREAD Command")."""
    params = message.params
    if not params:
        _fail(ctx, "NEED_MORE_PARAMS", "Missing parameters")
        return
    target = _resolve(ctx, params[0])
    if target is None:
        _fail(ctx, "INVALID_PARAMS", "Invalid target", params[0])
        return
    user = ctx.user
    if len(params) == 1:
        ctx.reply.add(marker_message(ctx, user, target))
        return
    given = params[1]
    when = parse_timestamp(given[len(PREFIX) :]) if given.startswith(PREFIX) else None
    if when is None:
        _fail(ctx, "INVALID_PARAMS", "Invalid timestamp", given)
        return
    when = min(when, _now())
    known = user.marker(target.key)
    if known is not None and when <= known:
        # Never back (spec, "Read timestamp notes"): the stored value is the answer.
        ctx.reply.add(marker_message(ctx, user, target))
        return
    if user.account is None:
        _moved(ctx, target, when)
        return
    ctx.later(
        ctx.deps.store.set_read_marker(fold(user.account), target.key, when),
        lambda ctx, stored: _moved(ctx, target, stored),
        lambda ctx, _error: _fail(
            ctx, "INTERNAL_ERROR", "The read timestamp could not be set", target.shown
        ),
    )


def _moved(ctx: Context, target: MarkerTarget, when: float) -> None:
    """Record the marker (the later of ``when`` and what is known: another session may have
    moved it meanwhile), answer, and tell the other sessions if it moved."""
    user = ctx.user
    known = user.marker(target.key)
    moved = known is None or when > known
    if moved:
        user.move_marker(target.key, when)
    marker = marker_message(ctx, user, target)
    ctx.reply.add(marker)
    if not moved:
        return
    devices = [user]
    if user.account is not None:
        # The same account logged in on other devices (other nicks) reads along.
        account = fold(user.account)
        devices += [
            other
            for other in ctx.network.users.values()
            if other is not user and other.account is not None and fold(other.account) == account
        ]
    for device in devices:
        known = device.marker(target.key)
        device.move_marker(target.key, when if known is None else max(known, when))
        sessions = [s for s in device.sessions if s is not ctx.session and s.has(READ_MARKER)]
        ctx.deps.delivery.deliver(sessions, marker)

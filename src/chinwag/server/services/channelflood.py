"""Channel flood protection (``+f``) and the limits announced to clients.

``+f <lines>:<seconds>`` (InspIRCd's messageflood syntax, :data:`chinwag.protocol.modes
.FLOOD_MODE`): a member without status who sends more than ``<lines>`` PRIVMSG or NOTICE to
the channel within ``<seconds>`` is muted there for ``[limits] channel_flood_mute`` seconds
instead of kicked: the message that went over and everything until the mute ends is refused
with ERR_CANNOTSENDTOCHAN (404) saying how long. Voiced members and operators are exempt, as
they are from ``+m`` and bans.

The limits are announced with ``CHANLIMITS`` of draft/channel-flood-limits (IRCv3 PR #589):
``CHANLIMITS * user:message=<count>/<duration>`` after the welcome for the connection's
fakelag, and per channel on JOIN, when ``+f`` changes and when a member's status changes.
Only to sessions with the ``draft/channel-flood-limits`` capability.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from chinwag.protocol.caps import CHANNEL_FLOOD_LIMITS
from chinwag.protocol.fakelag import TokenBucket, announced_limits
from chinwag.protocol.message import Message
from chinwag.server.context import Context
from chinwag.server.deps import Deps
from chinwag.server.state import Channel, Session, User

NO_LIMITS = "*"
"""The ``CHANLIMITS`` parameter saying that no limits apply (draft/channel-flood-limits)."""


def check(deps: Deps, channel: Channel, user: User) -> str | None:
    """Count one message of ``user`` to ``channel`` against ``+f``; return why it is refused
    (the text of ERR_CANNOTSENDTOCHAN) when the user is or now becomes muted, else ``None``."""
    window = channel.flood
    if window is None or channel.members.get(user):
        return None  # no +f, or a voiced member or operator
    now = deps.clock()
    muted = channel.flood_muted
    if muted is not None:
        until = muted.get(user)
        if until is not None:
            if now < until:
                left = math.ceil(until - now)
                return f"Cannot send to channel (flooding: muted for {left} more seconds)"
            del muted[user]
    lines, seconds = window
    senders = channel.flood_senders
    if senders is None:
        senders = channel.flood_senders = {}
    bucket = senders.get(user)
    if bucket is None:
        bucket = senders[user] = TokenBucket(lines, lines / seconds, now)
    if bucket.charge(1.0, now) <= 0.0:
        return None
    del senders[user]
    mute = deps.config.limits.channel_flood_mute
    if channel.flood_muted is None:
        channel.flood_muted = {}
    channel.flood_muted[user] = now + mute
    return (
        f"Cannot send to channel (flooding: more than {lines} messages in {seconds} seconds;"
        f" muted for {math.ceil(mute)} seconds)"
    )


def network_limits(deps: Deps, session: Session) -> str:
    """The ``<limit-param>`` of the session's fakelag (``*`` when it has none)."""
    limits = deps.config.limits
    if session.flood is None:
        return NO_LIMITS
    count, duration = announced_limits(limits.flood_burst, limits.flood_rate)
    return f"user:message={count}/{duration}"


def effective_limits(deps: Deps, channel: Channel, session: Session) -> str:
    """The ``<limit-param>`` for ``session`` in ``channel``: the stricter of ``+f`` (unless
    its user has status there) and its connection's fakelag (the spec's "Multi-source
    merging": the lower rate wins)."""
    own = network_limits(deps, session)
    user = session.user
    window = channel.flood
    if window is None or user is None or channel.members.get(user):
        return own
    lines, seconds = window
    if own != NO_LIMITS:
        limits = deps.config.limits
        count, duration = announced_limits(limits.flood_burst, limits.flood_rate)
        if count / duration < lines / seconds:
            return own
    return f"user:message={lines}/{seconds}"


def announce_network(ctx: Context) -> None:
    """``CHANLIMITS * ...`` to a session that just registered (the spec: "SHOULD be sent
    during connection registration, after RPL_WELCOME"); ``CHANLIMITS * *`` when fakelag
    does not apply to it (off, or an exempt address), so its client need not pace itself."""
    session = ctx.session
    if session.has(CHANNEL_FLOOD_LIMITS):
        ctx.reply.add(_chanlimits(ctx.deps, "*", network_limits(ctx.deps, session)))


def announce_join(ctx: Context, channel: Channel) -> None:
    """``CHANLIMITS <channel> ...`` to the session that joined, when the channel has ``+f``
    (otherwise the network defaults apply, which the spec lets the server leave unsaid)."""
    session = ctx.session
    if channel.flood is not None and session.has(CHANNEL_FLOOD_LIMITS):
        ctx.reply.add(
            _chanlimits(ctx.deps, channel.name, effective_limits(ctx.deps, channel, session))
        )


def announce_change(ctx: Context, channel: Channel, sessions: Iterable[Session]) -> None:
    """The limits of ``channel`` changed (``+f``/``-f``, or a status): tell each of
    ``sessions`` with the capability what now applies to it."""
    deps = ctx.deps
    for session in sessions:
        if not session.has(CHANNEL_FLOOD_LIMITS):
            continue
        message = _chanlimits(deps, channel.name, effective_limits(deps, channel, session))
        if session is ctx.session:
            ctx.reply.add(message)
        else:
            deps.delivery.send(session, message)


def _chanlimits(deps: Deps, target: str, param: str) -> Message:
    return Message("CHANLIMITS", (target, param), deps.facts.name)

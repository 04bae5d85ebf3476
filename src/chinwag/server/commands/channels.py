"""Channel membership: ``JOIN``, ``PART``, ``NAMES`` (Modern IRC "Channel Operations").

IRCv3 extended-join (account and real name in JOIN), multi-prefix and userhost-in-names
(NAMES), away-notify (an away user's JOIN is followed by AWAY). The first user to join a
channel creates it and becomes its operator.
"""

from __future__ import annotations

import hmac
import logging

from chinwag.protocol import numerics as n
from chinwag.protocol.casemap import is_channel_name
from chinwag.protocol.message import Message
from chinwag.server.commands.messaging import is_banned
from chinwag.server.dispatch import Context, command
from chinwag.server.replies import deliver, event_tags
from chinwag.server.state import Channel, Session, User

log = logging.getLogger("chinwag.server")

_NAMES_LINE_BUDGET = 400
"""Bytes of names per RPL_NAMREPLY, leaving room for the prefix and the other parameters."""


def join_message(user: User, channel: Channel, session: Session, tags: dict[str, str]) -> Message:
    """The JOIN as ``session`` should see it: extended-join adds account and real name."""
    if session.has("extended-join"):
        params = (channel.name, user.account or "*", user.realname)
    else:
        params = (channel.name,)
    return Message("JOIN", params, user.source, tags)


def announce_join(ctx: Context, user: User, channel: Channel) -> None:
    """Tell every member (the joiner's sessions too) that ``user`` joined."""
    tags = event_tags(user.account)
    plain = [s for s in channel.sessions(exclude=ctx.session) if not s.has("extended-join")]
    extended = [s for s in channel.sessions(exclude=ctx.session) if s.has("extended-join")]
    deliver(plain, Message("JOIN", (channel.name,), user.source, tags))
    deliver(extended, Message("JOIN", (channel.name, user.account or "*", user.realname),
                              user.source, tags))
    ctx.reply.add(join_message(user, channel, ctx.session, tags))
    if user.away is not None:
        away = Message("AWAY", (user.away,), user.source, event_tags(user.account))
        deliver([s for s in plain + extended if s.has("away-notify")], away)


def send_topic(ctx: Context, channel: Channel) -> None:
    """RPL_TOPIC and RPL_TOPICWHOTIME, or RPL_NOTOPIC."""
    if not channel.topic:
        ctx.numeric(n.RPL_NOTOPIC, channel.name, "No topic is set")
        return
    ctx.numeric(n.RPL_TOPIC, channel.name, channel.topic)
    ctx.numeric(n.RPL_TOPICWHOTIME, channel.name, channel.topic_by, str(channel.topic_at))


def send_names(ctx: Context, channel: Channel) -> None:
    """RPL_NAMREPLY lines and RPL_ENDOFNAMES for one channel, as the asker may see it."""
    session = ctx.session
    asker = ctx.user
    member = asker in channel.members
    if "s" in channel.modes and not member:
        ctx.numeric(n.RPL_ENDOFNAMES, channel.name, "End of /NAMES list")
        return
    multi = session.has("multi-prefix")
    full = session.has("userhost-in-names")
    entries = [
        channel.prefix_of(user, multi) + (user.source if full else user.nick)
        for user in channel.members
        if member or "i" not in user.modes
    ]
    symbol = "@" if "s" in channel.modes else "="
    line: list[str] = []
    size = 0
    for entry in entries:
        if line and size + len(entry) + 1 > _NAMES_LINE_BUDGET:
            ctx.numeric(n.RPL_NAMREPLY, symbol, channel.name, " ".join(line))
            line, size = [], 0
        line.append(entry)
        size += len(entry) + 1
    if line:
        ctx.numeric(n.RPL_NAMREPLY, symbol, channel.name, " ".join(line))
    ctx.numeric(n.RPL_ENDOFNAMES, channel.name, "End of /NAMES list")


def _join_refusal(ctx: Context, channel: Channel, key: str | None) -> tuple[str, str] | None:
    """Why the user may not join an existing channel: (numeric, text), or ``None``."""
    user = ctx.user
    invited = user.folded in channel.invited
    if channel.key is not None and not (
        key is not None and hmac.compare_digest(key.encode(), channel.key.encode())
    ):
        return n.ERR_BADCHANNELKEY, "Cannot join channel (+k)"
    if channel.limit is not None and len(channel.members) >= channel.limit and not invited:
        return n.ERR_CHANNELISFULL, "Cannot join channel (+l)"
    if "i" in channel.modes and not invited:
        return n.ERR_INVITEONLYCHAN, "Cannot join channel (+i)"
    if is_banned(channel, user) and not invited:
        return n.ERR_BANNEDFROMCHAN, "Cannot join channel (+b)"
    return None


def join_channel(ctx: Context, name: str, key: str | None) -> None:
    """Join ``name`` (creating it if new), with every check and reply JOIN calls for."""
    user = ctx.user
    limits = ctx.server.limits
    if not is_channel_name(name) or len(name) > limits.channellen:
        ctx.numeric(n.ERR_BADCHANMASK, name, "Bad Channel Mask")
        return
    network = ctx.network
    channel = network.find_channel(name)
    if channel is not None and user in channel.members:
        return
    if len(user.channels) >= limits.max_channels:
        ctx.numeric(n.ERR_TOOMANYCHANNELS, name, "You have joined too many channels")
        return
    if channel is None:
        channel = Channel(name)
        network.channels[channel.folded] = channel
        channel.members[user] = {"o"}
    else:
        refusal = _join_refusal(ctx, channel, key)
        if refusal is not None:
            ctx.numeric(refusal[0], channel.name, refusal[1])
            return
        channel.members[user] = set()
        channel.invited.discard(user.folded)
    user.channels[channel.folded] = channel
    log.info("%s joined %s", user.nick, channel.name)
    announce_join(ctx, user, channel)
    if channel.topic:
        send_topic(ctx, channel)
    send_names(ctx, channel)


def leave_channel(ctx: Context, user: User, channel: Channel, message: Message) -> None:
    """Remove ``user`` from ``channel`` after telling every member (``user`` included) with
    ``message`` (a PART or KICK); an empty channel ceases to exist."""
    others = [s for s in channel.sessions() if s is not ctx.session]
    deliver(others, message)
    ctx.reply.add(message)
    del channel.members[user]
    del user.channels[channel.folded]
    if not channel.members:
        del ctx.network.channels[channel.folded]


@command("JOIN", min_params=1)
def join(ctx: Context, message: Message) -> None:
    """JOIN <channel>{,<channel>} [<key>{,<key>}], or JOIN 0 to leave every channel."""
    if message.params[0] == "0":
        user = ctx.user
        for channel in list(user.channels.values()):
            part = Message("PART", (channel.name,), user.source, event_tags(user.account))
            leave_channel(ctx, user, channel, part)
        return
    names = message.params[0].split(",")
    keys = message.params[1].split(",") if len(message.params) > 1 else []
    for index, name in enumerate(names):
        if name:
            join_channel(ctx, name, keys[index] if index < len(keys) else None)


@command("PART", min_params=1)
def part(ctx: Context, message: Message) -> None:
    """PART <channel>{,<channel>} [<reason>]."""
    user = ctx.user
    reason = message.params[1] if len(message.params) > 1 else ""
    for name in message.params[0].split(","):
        if not name:
            continue
        channel = ctx.network.find_channel(name)
        if channel is None:
            ctx.numeric(n.ERR_NOSUCHCHANNEL, name, "No such channel")
            continue
        if user not in channel.members:
            ctx.numeric(n.ERR_NOTONCHANNEL, channel.name, "You're not on that channel")
            continue
        params = (channel.name, reason) if reason else (channel.name,)
        leave_channel(ctx, user, channel, Message("PART", params, user.source,
                                                  event_tags(user.account)))
        log.info("%s left %s", user.nick, channel.name)


@command("NAMES")
def names(ctx: Context, message: Message) -> None:
    """NAMES [<channel>{,<channel>}]: who is in a channel."""
    if not message.params:
        ctx.numeric(n.RPL_ENDOFNAMES, "*", "End of /NAMES list")
        return
    for name in message.params[0].split(","):
        channel = ctx.network.find_channel(name)
        if channel is None:
            ctx.numeric(n.RPL_ENDOFNAMES, name, "End of /NAMES list")
        else:
            send_names(ctx, channel)

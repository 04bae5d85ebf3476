"""What a session is shown of a channel it is in: its JOIN, the topic and the names.

Modern IRC "JOIN message" (RPL_TOPIC, RPL_TOPICWHOTIME, RPL_NAMREPLY, RPL_ENDOFNAMES) with
IRCv3 extended-join, multi-prefix and userhost-in-names. Shared by ``JOIN`` and ``NAMES``
(:mod:`chinwag.server.commands.channels`) and by a session attaching to an always-on user
(:mod:`chinwag.server.services.alwayson`), which is shown each channel as a fresh join would
show it.
"""

from __future__ import annotations

from chinwag.protocol import numerics as n
from chinwag.protocol.message import Message
from chinwag.protocol.modes import status_prefix
from chinwag.server.context import Context
from chinwag.server.replies import pack
from chinwag.server.state import Channel, Session, User


def join_message(user: User, channel: Channel, session: Session, tags: dict[str, str]) -> Message:
    """The JOIN as ``session`` should see it: extended-join adds account and real name."""
    params: tuple[str, ...]
    if session.has("extended-join"):
        params = (channel.name, user.account or "*", user.realname)
    else:
        params = (channel.name,)
    return Message("JOIN", params, user.source, tags)


def send_topic(ctx: Context, channel: Channel) -> None:
    """RPL_TOPIC and RPL_TOPICWHOTIME, or RPL_NOTOPIC."""
    if not channel.topic:
        ctx.numeric(n.RPL_NOTOPIC, channel.name, "No topic is set")
        return
    ctx.numeric(n.RPL_TOPIC, channel.name, channel.topic)
    ctx.numeric(n.RPL_TOPICWHOTIME, channel.name, channel.topic_by, str(channel.topic_at))


def send_names(ctx: Context, channel: Channel) -> None:
    """RPL_NAMREPLY lines and RPL_ENDOFNAMES for one channel, as the asker may see it."""
    for code, *params in names_lines(channel, ctx.session, ctx.user):
        ctx.numeric(code, *params)


def names_lines(channel: Channel, session: Session, asker: User) -> list[tuple[str, ...]]:
    """The NAMES reply for ``channel`` as ``asker`` on ``session`` may see it: each line's
    numeric and parameters (the addressee left out)."""
    member = asker in channel.members
    end = (n.RPL_ENDOFNAMES, channel.name, "End of /NAMES list")
    if "s" in channel.modes and not member:
        return [end]
    multi = session.has("multi-prefix")
    full = session.has("userhost-in-names")
    # A room has a handful of distinct statuses: their prefixes are looked up once each, and
    # a member's view needs no visibility test (NAMES of a big room follows each JOIN to it).
    prefix = {status: status_prefix(status, multi) for status in set(channel.members.values())}
    if member and full:
        entries = [prefix[status] + user.source for user, status in channel.members.items()]
    elif member:
        entries = [prefix[status] + user.nick for user, status in channel.members.items()]
    else:
        entries = [
            prefix[status] + (user.source if full else user.nick)
            for user, status in channel.members.items()
            if "i" not in user.modes
        ]
    symbol = "@" if "s" in channel.modes else "="
    lines = [(n.RPL_NAMREPLY, symbol, channel.name, " ".join(line)) for line in pack(entries)]
    return [*lines, end]

"""Channel operations: ``JOIN``, ``PART``, ``NAMES``, ``TOPIC``, ``LIST``, ``KICK``, ``INVITE``,
``RENAME``.

Modern IRC "Channel Operations". IRCv3 extended-join (account and real name in JOIN),
multi-prefix and userhost-in-names (NAMES), away-notify (an away user's JOIN is followed by
AWAY), invite-notify (INVITE shown to members), no-implicit-names (no NAMES after JOIN).
The first user to join a channel creates it and becomes its operator.
"""

from __future__ import annotations

import hmac
import logging

from chinwag.protocol import numerics as n
from chinwag.protocol.caps import CHANNEL_RENAME, NO_IMPLICIT_NAMES
from chinwag.protocol.casemap import Folded, fold, is_channel_name
from chinwag.protocol.framing import truncate_utf8
from chinwag.protocol.masks import matches
from chinwag.protocol.message import Message
from chinwag.server import sources
from chinwag.server.context import Context, existing_channel, existing_user
from chinwag.server.dispatch import command
from chinwag.server.services.channelburst import (
    join_message,
    names_lines,
    send_names,
    send_topic,
)
from chinwag.server.services.channelflood import announce_join as announce_flood_limits
from chinwag.server.services.chanreg import grant_on_join, has_access
from chinwag.server.services.metadata import after_join
from chinwag.server.services.playback import replay_on_join
from chinwag.server.services.readmarkers import send_join_marker
from chinwag.server.state import Channel, Session, User
from chinwag.server.tags import event_tags

log = logging.getLogger("chinwag.server")


def joined_channel(ctx: Context, name: str) -> Channel | None:
    """The channel called ``name`` if the user is in it; else ``None`` after replying
    ERR_NOSUCHCHANNEL (no such channel) or ERR_NOTONCHANNEL (not a member)."""
    channel = existing_channel(ctx, name)
    if channel is not None and ctx.user not in channel.members:
        ctx.numeric(n.ERR_NOTONCHANNEL, channel.name, "You're not on that channel")
        return None
    return channel


def announce_join(ctx: Context, user: User, channel: Channel) -> None:
    """Tell every member (the joiner's sessions too) that ``user`` joined; history keeps the
    extended-join form (event-playback shows others the plain one)."""
    tags = event_tags(user.account)
    full = Message("JOIN", (channel.name, user.account or "*", user.realname), user.source, tags)
    plain = Message("JOIN", (channel.name,), user.source, tags)
    delivery = ctx.deps.delivery
    # One walk of the members for both forms: a JOIN storm repeats it thousands of times over
    # thousands of members (issue 20).
    delivery.deliver_by_cap(channel.all_sessions, ctx.session, "extended-join", full, plain)
    ctx.deps.history.to_channel(channel, full, event=True)
    ctx.reply.add(join_message(user, channel, ctx.session, tags))
    if user.away is not None:
        away = Message("AWAY", (user.away,), user.source, event_tags(user.account))
        told = [s for s in channel.sessions(exclude=ctx.session) if s.has("away-notify")]
        delivery.deliver(told, away)


def _join_refusal(ctx: Context, channel: Channel, key: str | None) -> tuple[str, str] | None:
    """Why the user may not join an existing channel: (numeric, text), or ``None``."""
    user = ctx.user
    # Only a channel operator's invitation lets anyone past the room's rules; another
    # member's is a notification (issue 24: it must not override +b or +l).
    invited = channel.invitation(user) is True
    if channel.key is not None and not (
        key is not None and hmac.compare_digest(key.encode(), channel.key.encode())
    ):
        return n.ERR_BADCHANNELKEY, "Cannot join channel (+k)"
    if channel.limit is not None and len(channel.members) >= channel.limit and not invited:
        return n.ERR_CHANNELISFULL, "Cannot join channel (+l)"
    if "i" in channel.modes and not invited and not channel.is_invite_exempt(user):
        return n.ERR_INVITEONLYCHAN, "Cannot join channel (+i)"
    if "R" in channel.modes and user.account is None and not invited:
        return n.ERR_NEEDREGGEDNICK, "Cannot join channel (+R) - you need to be logged in"
    if channel.is_banned(user) and not invited:
        return n.ERR_BANNEDFROMCHAN, "Cannot join channel (+b)"
    return None


def join_channel(ctx: Context, name: str, key: str | None) -> Channel | None:
    """Join ``name`` (creating it if new), with every check and reply JOIN calls for; the
    channel if the user joined it now, else ``None``."""
    user = ctx.user
    limits = ctx.deps.limits
    if not is_channel_name(name) or len(name) > limits.channellen:
        ctx.numeric(n.ERR_BADCHANMASK, name, "Bad Channel Mask")
        return None
    network = ctx.network
    channel = network.find_channel(name)
    if channel is not None and user in channel.members:
        return None
    if len(user.channels) >= limits.max_channels:
        ctx.numeric(n.ERR_TOOMANYCHANNELS, name, "You have joined too many channels")
        return None
    if channel is None:
        channel = Channel(name)
        network.channels[channel.folded] = channel
        channel.add_member(user, "o")
    else:
        # The founder and access list are let in whatever the room's rules (issue 17).
        refusal = None if has_access(channel, user) else _join_refusal(ctx, channel, key)
        if refusal is not None:
            ctx.numeric(refusal[0], channel.name, refusal[1])
            return None
        channel.add_member(user)
        channel.uninvite(user)
    # Before the JOIN is stamped, so the member reads their own JOIN in a private room.
    ctx.deps.history.joined(channel, user)
    user.channels[channel.folded] = channel
    log.info("%s joined %s", user.nick, channel.name)
    announce_join(ctx, user, channel)
    # A registered room's founder and access list get their status now (issue 17).
    granted = grant_on_join(ctx.deps, channel, user, ctx.session)
    if granted is not None:
        ctx.reply.add(granted)
    send_join_marker(ctx, user, channel.folded, channel.name)
    if channel.topic:
        send_topic(ctx, channel)
    if not ctx.session.has(NO_IMPLICIT_NAMES):
        send_names(ctx, channel)
    announce_flood_limits(ctx, channel)
    after_join(ctx, user, channel)
    return channel


def leave_channel(ctx: Context, user: User, channel: Channel, message: Message) -> None:
    """Remove ``user`` from ``channel`` after telling every member (``user`` included) with
    ``message`` (a PART or KICK), which history keeps as an event; an empty channel ceases to
    exist."""
    others = [s for s in channel.sessions() if s is not ctx.session]
    ctx.deps.delivery.deliver(others, message)
    ctx.reply.add(message)
    ctx.deps.history.to_channel(channel, message, event=True)
    ctx.deps.history.left(channel, user)
    channel.remove_member(user)
    del user.channels[channel.folded]
    if not channel.members and channel.registration is None:  # a registered one stays
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
    # Replayed lines are those stamped before the JOIN: later ones reach the joiner live.
    until = sources.now()
    relayed = ctx.deps.history.pushed_seq
    names = message.params[0].split(",")
    keys = message.params[1].split(",") if len(message.params) > 1 else []
    joined: list[Channel] = []
    for index, name in enumerate(names):
        if name:
            entered = join_channel(ctx, name, keys[index] if index < len(keys) else None)
            if entered is not None:
                joined.append(entered)
    replay_on_join(ctx, joined, until, relayed)


@command("PART", min_params=1)
def part(ctx: Context, message: Message) -> None:
    """PART <channel>{,<channel>} [<reason>]."""
    user = ctx.user
    # No PARTLEN token exists; KICKLEN bounds the other reason a member sees on leaving.
    reason = message.params[1] if len(message.params) > 1 else ""
    reason = truncate_utf8(reason, ctx.deps.limits.kicklen)
    for name in message.params[0].split(","):
        if not name:
            continue
        channel = joined_channel(ctx, name)
        if channel is None:
            continue
        params = (channel.name, reason) if reason else (channel.name,)
        leave_channel(
            ctx, user, channel, Message("PART", params, user.source, event_tags(user.account))
        )
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


# -- TOPIC, LIST, KICK, INVITE -----------------------------------------------------------------


@command("TOPIC", min_params=1)
def topic(ctx: Context, message: Message) -> None:
    """TOPIC <channel> [<topic>]: show the topic, or set it (Modern IRC "TOPIC message").

    Without ``<topic>`` the asker gets RPL_TOPIC + RPL_TOPICWHOTIME, or RPL_NOTOPIC; a secret
    channel's topic is shown to members only (ERR_NOTONCHANNEL otherwise). Setting needs
    membership, and channel operator status on a ``+t`` channel (ERR_CHANOPRIVSNEEDED); an
    empty topic clears it, a long one is cut to TOPICLEN. Every member, the setter included,
    then sees ``TOPIC <channel> :<topic>``.
    """
    user = ctx.user
    channel = existing_channel(ctx, message.params[0])
    if channel is None:
        return
    member = user in channel.members
    if len(message.params) < 2:
        if "s" in channel.modes and not member:
            ctx.numeric(n.ERR_NOTONCHANNEL, channel.name, "You're not on that channel")
        else:
            send_topic(ctx, channel)
        return
    if not member:
        ctx.numeric(n.ERR_NOTONCHANNEL, channel.name, "You're not on that channel")
        return
    if "t" in channel.modes and not channel.is_operator(user):
        ctx.numeric(n.ERR_CHANOPRIVSNEEDED, channel.name, "You're not channel operator")
        return
    text = truncate_utf8(message.params[1], ctx.deps.limits.topiclen)
    channel.topic = text
    channel.topic_by = user.nick if text else ""
    channel.topic_at = int(sources.now()) if text else 0
    change = Message("TOPIC", (channel.name, text), user.source, event_tags(user.account))
    ctx.deps.delivery.deliver(channel.sessions(exclude=ctx.session), change)
    ctx.reply.add(change)
    ctx.deps.history.to_channel(channel, change, event=True)
    log.info("%s set the topic of %s", user.nick, channel.name)


ListCondition = tuple[str, str, int]
"""An ELIST condition: what it looks at (``U`` users, ``C`` creation, ``T`` topic), ``<`` or
``>``, and the number (users, or minutes ago)."""


def _parse_elist(token: str) -> ListCondition | None:
    """An ELIST condition (Modern IRC "ELIST Parameter"), or ``None`` if ``token`` is not one.

    ``<N``/``>N``: fewer/more than N users (U); ``C<N``/``C>N``: created less/more than N
    minutes ago (C); ``T<N``/``T>N``: topic set less/more than N minutes ago (T).
    """
    field = "U"
    if token[:1].upper() in ("C", "T"):
        field, token = token[0].upper(), token[1:]
    if len(token) < 2 or token[0] not in "<>":
        return None
    number = token[1:]
    if not (number.isascii() and number.isdigit()):
        return None
    return field, token[0], int(number)


def _passes(channel: Channel, conditions: list[ListCondition], now: int) -> bool:
    """Whether ``channel`` meets every ELIST condition; one without a topic fails every T
    condition."""
    for field, operator, value in conditions:
        if field == "U":
            measure = len(channel.members)
        elif field == "C":
            measure = now - channel.created
            value *= 60
        else:
            if not channel.topic:
                return False
            measure = now - channel.topic_at
            value *= 60
        if not (measure < value if operator == "<" else measure > value):
            return False
    return True


def _is_mask(token: str) -> bool:
    return "*" in token or "?" in token


@command("LIST")
def list_(ctx: Context, message: Message) -> None:
    """LIST [<channel>{,<channel>}] [<elistcond>{,<elistcond>}] (Modern IRC "LIST message").

    RPL_LISTSTART, one RPL_LIST per visible channel (``<channel> <count> :<topic>``), then
    RPL_LISTEND. Secret channels are listed only to their members, even when named. The
    ELIST extensions (``ELIST=CMNTU``) may be given in either position: ``<N``/``>N`` users
    (U), ``C<N``/``C>N`` created less/more than N minutes ago (C), ``T<N``/``T>N`` topic set
    less/more than N minutes ago (T), wildcard masks (M) and ``!mask`` exclusions (N).
    """
    user = ctx.user
    names: list[str] = []
    masks: list[str] = []
    excluded: list[str] = []
    conditions: list[ListCondition] = []
    for param in message.params:
        for token in param.split(","):
            if not token:
                continue
            condition = _parse_elist(token)
            if condition is not None:
                conditions.append(condition)
            elif token[0] == "!":
                if len(token) > 1:
                    excluded.append(token[1:])
            elif _is_mask(token):
                masks.append(token)
            elif token[0] not in "<>":
                names.append(token)
    if names and not masks:
        found = (ctx.network.find_channel(name) for name in dict.fromkeys(names))
        channels = [channel for channel in found if channel is not None]
    else:
        wanted = {fold(name) for name in names}
        channels = [
            channel
            for channel in ctx.network.channels.values()
            if not masks
            or channel.folded in wanted
            or any(matches(mask, channel.name) for mask in masks)
        ]
    now = int(sources.now())
    ctx.numeric(n.RPL_LISTSTART, "Channel", "Users  Name")
    for channel in channels:
        if "s" in channel.modes and user not in channel.members:
            continue
        if any(matches(mask, channel.name) for mask in excluded):
            continue
        if _passes(channel, conditions, now):
            ctx.numeric(n.RPL_LIST, channel.name, str(len(channel.members)), channel.topic)
    ctx.numeric(n.RPL_LISTEND, "End of /LIST")


@command("KICK", min_params=2)
def kick(ctx: Context, message: Message) -> None:
    """KICK <channel>{,<channel>} <user>{,<user>} [<comment>] (Modern IRC "KICK message").

    One channel with several users kicks each of them from it; as many channels as users
    kick user *i* from channel *i* (RFC 2812 "Kick command"); any other pairing is
    ERR_NEEDMOREPARAMS. Only a channel operator may kick (ERR_NOSUCHCHANNEL,
    ERR_NOTONCHANNEL, ERR_CHANOPRIVSNEEDED, answered once per channel); each target that is
    unknown gets ERR_NOSUCHNICK, one not in the channel ERR_USERNOTINCHANNEL. Every member,
    the kicked user included, sees one ``KICK <channel> <nick> :<comment>`` per target; the
    comment defaults to the kicker's nick and is cut to KICKLEN. Kicks beyond TARGMAX (KICK,
    counted in users) are dropped silently.
    """
    user = ctx.user
    limits = ctx.deps.limits
    channel_names = message.params[0].split(",")
    nick_list = message.params[1].split(",")
    if len(channel_names) == 1:
        pairs = [(channel_names[0], nick) for nick in nick_list]
    elif len(channel_names) == len(nick_list):
        pairs = list(zip(channel_names, nick_list, strict=True))
    else:
        ctx.numeric(n.ERR_NEEDMOREPARAMS, "KICK", "Not enough parameters")
        return
    comment = message.params[2] if len(message.params) > 2 and message.params[2] else user.nick
    comment = truncate_utf8(comment, limits.kicklen)
    seen: set[tuple[Folded, Folded]] = set()
    checked: dict[Folded, Channel | None] = {}
    kicks = 0
    for name, nick in pairs:
        key = (fold(name), fold(nick))
        if not name or not nick or key in seen:
            continue
        seen.add(key)
        if kicks >= limits.max_targets:
            break
        kicks += 1
        if key[0] not in checked:
            checked[key[0]] = _kicking_channel(ctx, name)
        channel = checked[key[0]]
        if channel is None or user not in channel.members:
            continue  # refused, or the kicker kicked themselves out
        target = existing_user(ctx, nick)
        if target is None:
            continue
        if target not in channel.members:
            ctx.numeric(
                n.ERR_USERNOTINCHANNEL, target.nick, channel.name, "They aren't on that channel"
            )
            continue
        removal = Message(
            "KICK", (channel.name, target.nick, comment), user.source, event_tags(user.account)
        )
        leave_channel(ctx, target, channel, removal)
        log.info("%s kicked %s from %s", user.nick, target.nick, channel.name)


def _kicking_channel(ctx: Context, name: str) -> Channel | None:
    """The channel ``name`` if the user may kick there; else ``None`` after the error."""
    channel = joined_channel(ctx, name)
    if channel is not None and not channel.is_operator(ctx.user):
        ctx.numeric(n.ERR_CHANOPRIVSNEEDED, channel.name, "You're not channel operator")
        return None
    return channel


def _invite_notify_recipients(ctx: Context, channel: Channel, target: User) -> list[Session]:
    """Members told of an invitation by invite-notify: those with the capability who could
    invite themselves (operators on a ``+i`` channel, every member otherwise)."""
    invite_only = "i" in channel.modes
    return [
        session
        for member, status in channel.members.items()
        if member is not target and (not invite_only or "o" in status)
        for session in member.sessions
        if session is not ctx.session and session.has("invite-notify")
    ]


@command("INVITE")
def invite(ctx: Context, message: Message) -> None:
    """INVITE <nickname> <channel> (Modern IRC "INVITE message"; IRCv3 invite-notify).

    Checks, in order: ERR_NOSUCHNICK, ERR_NOSUCHCHANNEL, ERR_NOTONCHANNEL,
    ERR_CHANOPRIVSNEEDED (``+i`` channels need an operator), ERR_USERONCHANNEL. On success the
    inviter gets RPL_INVITING (and RPL_AWAY if the invitee is away), the invitee an ``INVITE``,
    and members with invite-notify who could invite too see the same ``INVITE``. The
    invitation is bound to the invitee (their account, or their connection), not to the nick.
    A channel operator's lets the invitee past ``+i``, ``+l`` and ``+b`` once; another
    member's lets them past nothing. Without parameters, INVITE lists the caller's pending
    invitations (RPL_INVITELIST, RPL_ENDOFINVITELIST).
    """
    user = ctx.user
    if not message.params:
        for pending in ctx.network.channels.values():
            if pending.invitation(user) is not None:
                ctx.numeric(n.RPL_INVITELIST, pending.name)
        ctx.numeric(n.RPL_ENDOFINVITELIST, "End of /INVITE list")
        return
    if len(message.params) < 2:
        ctx.numeric(n.ERR_NEEDMOREPARAMS, "INVITE", "Not enough parameters")
        return
    nick, name = message.params[0], message.params[1]
    target = existing_user(ctx, nick)
    if target is None:
        return
    channel = joined_channel(ctx, name)
    if channel is None:
        return
    if "i" in channel.modes and not channel.is_operator(user):
        ctx.numeric(n.ERR_CHANOPRIVSNEEDED, channel.name, "You're not channel operator")
        return
    if target in channel.members:
        ctx.numeric(n.ERR_USERONCHANNEL, target.nick, channel.name, "is already on channel")
        return
    channel.invite(target, by_operator=channel.is_operator(user))
    ctx.numeric(n.RPL_INVITING, target.nick, channel.name)
    if target.away is not None:
        ctx.numeric(n.RPL_AWAY, target.nick, target.away)
    invitation = Message(
        "INVITE", (target.nick, channel.name), user.source, event_tags(user.account)
    )
    ctx.deps.delivery.deliver(target.sessions, invitation)
    ctx.deps.delivery.deliver(_invite_notify_recipients(ctx, channel, target), invitation)
    log.info("%s invited %s to %s", user.nick, target.nick, channel.name)


# -- RENAME (draft/channel-rename) -------------------------------------------------------------


def _rename_refusal(ctx: Context, channel: Channel, new: str) -> tuple[str, str] | None:
    """Why ``channel`` may not take the name ``new``: a FAIL code and its text, or ``None``."""
    limits = ctx.deps.limits
    if not is_channel_name(new) or len(new) > limits.channellen:
        return "CANNOT_RENAME", "Invalid channel name"
    if new[0] != channel.name[0]:
        return "CANNOT_RENAME", "Cannot change the channel's type"
    if new == channel.name:
        return "CANNOT_RENAME", "The channel already has that name"
    other = ctx.network.find_channel(new)
    if other is not None and other is not channel:
        return "CHANNEL_NAME_IN_USE", "Channel name is already taken"
    return None


@command("RENAME", min_params=2)
def rename(ctx: Context, message: Message) -> None:
    """RENAME <channel> <new-name> [<reason>] (IRCv3 draft/channel-rename).

    Only a channel operator may rename (ERR_NOSUCHCHANNEL, ERR_NOTONCHANNEL,
    ERR_CHANOPRIVSNEEDED); a name that is invalid, of another channel type or unchanged is
    ``FAIL RENAME CANNOT_RENAME``, another channel's ``FAIL RENAME CHANNEL_NAME_IN_USE``. A
    change of case only is a rename. Members with the capability see
    ``RENAME <old> <new> :<reason>``, the reason always there (empty when none was given: the
    spec's "MUST always include the third parameter"); the others a PART of the old name
    (with the reason, if given) and a JOIN of the new one with its topic and NAMES, as the
    spec's fallback says, except for a change of case only, which the spec says SHOULD NOT
    use the fallback: they see nothing. History moves to the new name and the old one is
    free.
    """
    user = ctx.user
    channel = joined_channel(ctx, message.params[0])
    if channel is None:
        return
    new = message.params[1]
    if not channel.is_operator(user):
        ctx.numeric(n.ERR_CHANOPRIVSNEEDED, channel.name, "You're not channel operator")
        return
    refusal = _rename_refusal(ctx, channel, new)
    if refusal is not None:
        ctx.fail("RENAME", refusal[0], refusal[1], channel.name, new)
        return
    reason = message.params[2] if len(message.params) > 2 else ""
    reason = truncate_utf8(reason, ctx.deps.limits.kicklen)
    old_name, old = channel.name, channel.folded
    channel.name = new
    channel.folded = fold(new)
    network = ctx.network
    del network.channels[old]
    network.channels[channel.folded] = channel
    for member in channel.members:
        del member.channels[old]
        member.channels[channel.folded] = channel
    ctx.deps.history.renamed(old, channel.folded)
    log.info("%s renamed %s to %s", user.nick, old_name, new)
    notice = Message("RENAME", (old_name, new, reason), user.source, event_tags(user.account))
    case_only = fold(old_name) == channel.folded
    for session in channel.sessions():
        if session.has(CHANNEL_RENAME):
            _send(ctx, session, [notice])
        elif not case_only:
            _send(ctx, session, _rename_fallback(ctx, session, channel, old_name, reason))


def _send(ctx: Context, session: Session, messages: list[Message]) -> None:
    """Give ``messages`` to ``session``: as replies if it sent the command, else delivered."""
    for line in messages:
        if session is ctx.session:
            ctx.reply.add(line)
        else:
            ctx.deps.delivery.deliver([session], line)


def _rename_fallback(
    ctx: Context, session: Session, channel: Channel, old_name: str, reason: str
) -> list[Message]:
    """What a member without draft/channel-rename sees of a rename: their own PART of the old
    name, then their JOIN of the new one with its topic and NAMES."""
    member = session.user
    assert member is not None
    # The spec: "with part message matching the rename reason if given".
    why = reason or f"Channel renamed to {channel.name}"
    tags = event_tags(member.account)
    lines = [
        Message("PART", (old_name, why), member.source, tags),
        join_message(member, channel, session, tags),
    ]
    numerics: list[tuple[str, ...]] = []
    if channel.topic:
        numerics.append((n.RPL_TOPIC, channel.name, channel.topic))
        numerics.append((n.RPL_TOPICWHOTIME, channel.name, channel.topic_by, str(channel.topic_at)))
    if not session.has(NO_IMPLICIT_NAMES):
        numerics.extend(names_lines(channel, session, member))
    for code, *params in numerics:
        lines.append(Message(code, (session.target, *params), ctx.deps.name))
    return lines

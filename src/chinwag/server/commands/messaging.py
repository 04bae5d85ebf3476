"""``PRIVMSG``, ``NOTICE`` and ``TAGMSG``: the hot path of a chat server.

Modern IRC "Sending Messages"; IRCv3 message-tags (client-only tags relayed, TAGMSG),
echo-message, server-time, msgid, account-tag, bot-mode (the ``bot`` tag). A message to a
channel is serialized once per distinct tag mask and queued on each member's outbox without
awaiting anyone (:class:`chinwag.server.delivery.Delivery`).
"""

from __future__ import annotations

from chinwag.protocol import modes
from chinwag.protocol import multiline as ml
from chinwag.protocol import numerics as n
from chinwag.protocol.casemap import Folded, fold, is_channel_name
from chinwag.protocol.framing import MAX_BODY_BYTES, truncate_utf8
from chinwag.protocol.message import Message, serialize_tags
from chinwag.server import sources
from chinwag.server.context import Context
from chinwag.server.dispatch import command
from chinwag.server.history import direct_key, kept_tagmsg, remember_conversation
from chinwag.server.services import SERVICES, channelflood, is_service_name
from chinwag.server.services.multiline import close_batch, fail, open_batch
from chinwag.server.services.playback import direct_party
from chinwag.server.state import Channel, Session, User
from chinwag.server.tags import new_batch_id, new_msgid, server_time


def cannot_send_reason(channel: Channel, user: User, text: str = "") -> str | None:
    """Why ``user`` may not speak in ``channel`` (+n, +C for a CTCP in ``text``, +m, a ban,
    a mute), or ``None`` if they may."""
    status = channel.members.get(user)
    if status is None and "n" in channel.modes:
        return "Cannot send to channel (no external messages)"
    if "C" in channel.modes and is_ctcp(text):
        return "Cannot send CTCP to channel (+C)"
    if status:
        return None  # voiced and operators speak through +m, bans and mutes
    if "m" in channel.modes:
        return "Cannot send to channel (+m)"
    if channel.is_banned(user):
        return "Cannot send to channel (you're banned)"
    if channel.is_muted(user):
        return "Cannot send to channel (you're muted)"
    return None


def is_ctcp(text: str) -> bool:
    """Whether ``text`` is a CTCP other than ``ACTION`` (which ``+C`` still lets through)."""
    if not text.startswith("\x01"):
        return False
    verb = text[1:].rstrip("\x01").split(" ", 1)[0]
    return verb.upper() != "ACTION"


MAX_CLIENT_TAG_BYTES = 4094
"""Tag data a client may send (message-tags, "Size limit"), leaving room for the server's."""


def _message_tags(ctx: Context, message: Message) -> dict[str, str]:
    """The tags of the relayed message: the sender's client-only tags, then ours."""
    user = ctx.user
    tags = {key: value for key, value in message.tags.items() if key.startswith("+")}
    tags["time"] = server_time()
    tags["msgid"] = new_msgid()
    if user.account:
        tags["account"] = user.account
    if modes.BOT_USER_MODE in user.modes:
        tags["bot"] = ""
    return tags


def fit_text(source: str, command: str, target: str, text: str) -> str:
    """``text`` cut (at a character) so that ``:<source> <command> <target> :<text>`` CR LF
    is at most 512 bytes (Modern IRC "Message format").

    A client may send 512 bytes; the prefix the server puts in front of what it relays would
    take the line past the limit. Called once per target, before the message is relayed,
    echoed and stored, so all three hold the same text.
    """
    overhead = len(source) + len(command) + len(target) + 6  # ":", spaces, ":", CR LF
    if (len(text) + overhead) * 4 <= MAX_BODY_BYTES:
        return text  # fits whatever the characters: most messages stop here
    room = MAX_BODY_BYTES - len(f":{source} {command} {target} :\r\n".encode())
    return truncate_utf8(text, max(room, 0))


def _relay(ctx: Context, message: Message, quiet: bool) -> None:
    """Shared body of PRIVMSG, NOTICE and TAGMSG; ``quiet`` suppresses error replies."""
    command_name = message.command
    is_tagmsg = command_name == "TAGMSG"
    if not message.params or not message.params[0]:
        if not quiet:
            ctx.numeric(n.ERR_NORECIPIENT, f"No recipient given ({command_name})")
        return
    text = ""
    if not is_tagmsg:
        if len(message.params) < 2 or not message.params[1]:
            if not quiet:
                ctx.numeric(n.ERR_NOTEXTTOSEND, "No text to send")
            return
        text = message.params[1]
    if message.tags and len(serialize_tags(message.tags).encode()) > MAX_CLIENT_TAG_BYTES:
        if not quiet:
            ctx.numeric(n.ERR_INPUTTOOLONG, "Input line was too long (tags)")
        return
    user = ctx.user
    session = ctx.session
    delivery = ctx.deps.delivery
    if not is_tagmsg:
        session.last_message = sources.now()
    limit = ctx.deps.limits.max_targets
    # A target named twice, in any case, is one target: ``PRIVMSG ana,ANA`` reaches ana (and
    # echoes) once, so a labeled message to oneself has one labeled response.
    named: dict[Folded, str] = {}
    for target in message.params[0].split(","):
        if target:
            named.setdefault(fold(target), target)
    targets = list(named.values())
    if len(targets) > 1 and _refused_for_service(ctx, targets, quiet):
        return
    for index, target in enumerate(targets):
        if index >= limit:
            if not quiet:
                ctx.numeric(n.ERR_TOOMANYTARGETS, target, "Too many targets")
            continue
        if target[:1] in modes.STATUSMSG and is_channel_name(target[1:]):
            _relay_to_status(ctx, message, target[0], target[1:], text, quiet)
            continue
        if is_channel_name(target):
            channel = _speakable_channel(ctx, target, quiet, text)
            if channel is None:
                continue
            relayed = Message(
                command_name,
                (channel.name,)
                if is_tagmsg
                else (channel.name, fit_text(user.source, command_name, channel.name, text)),
                user.source,
                _message_tags(ctx, message),
            )
            # Every member's sessions are in the list, the sender's other devices too: they
            # see what was said from this one.
            if is_tagmsg:
                members = channel.all_sessions
                listeners = [s for s in members if s is not session and s.has("message-tags")]
                delivery.deliver(listeners, relayed)
            else:
                delivery.to_channel(channel.all_sessions, relayed, session)
            if len(user.sessions) > 1 and user not in channel.members:
                # Speaking from outside (-n): the sender's other devices are not in the list.
                delivery.deliver([s for s in user.sessions if s is not session], relayed)
            _acknowledge(ctx, relayed, channel=channel)
            continue
        if fold(target) in SERVICES:
            # Service commands carry passwords: never relayed, echoed or stored.
            if command_name == "PRIVMSG":
                SERVICES[fold(target)](ctx, text)
            continue
        found = _user_recipients(ctx, target, quiet, command_name == "PRIVMSG")
        if found is None:
            continue
        shown_target, others, recipient, target_user = found
        # An always-on user with no session connected gets it as an account would: waiting
        # for its next login (issue 16), which brings it to clients without chathistory too.
        offline_for = recipient if target_user is None or not target_user.sessions else None
        params = (
            (shown_target,)
            if is_tagmsg
            else (shown_target, fit_text(user.source, command_name, shown_target, text))
        )
        # Each delivered message has its own msgid, even when one command had several targets.
        relayed = Message(command_name, params, user.source, _message_tags(ctx, message))
        # Other devices of the sender see what they said, as if echoed.
        if len(user.sessions) > 1:
            reached = set(others)
            others.extend(s for s in user.sessions if s is not session and s not in reached)
        if is_tagmsg:
            others = [other for other in others if other.has("message-tags")]
        delivery.deliver(others, relayed)
        key = direct_key(user, recipient)
        if not is_tagmsg or kept_tagmsg(relayed):
            # Conversations live no longer than those without an account who had them.
            remember_conversation(user, key)
            if target_user is not None:
                remember_conversation(target_user, key)
        _acknowledge(ctx, relayed, key=key, offline_for=offline_for)
        if offline_for is not None and not quiet and not is_tagmsg:
            _tell_offline(ctx, shown_target)


def _refused_for_service(ctx: Context, targets: list[str], quiet: bool) -> bool:
    """Whether a message with several ``targets`` names a service among them, and so is
    refused whole with ERR_TOOMANYTARGETS (unless ``quiet``).

    What is sent to a service is a command that may hold a password (``IDENTIFY``): a copy
    must not reach the other targets, and the service acting on a line that also went
    elsewhere would be no better. RFC 2812 gives ERR_TOOMANYTARGETS for a message refused
    for its recipients, with the target named.
    """
    service = next((target for target in targets if is_service_name(target)), None)
    if service is None:
        return False
    if not quiet:
        ctx.numeric(
            n.ERR_TOOMANYTARGETS,
            service,
            "Messages to services take one target; nothing was sent",
        )
    return True


def _acknowledge(
    ctx: Context,
    relayed: Message,
    *,
    channel: Channel | None = None,
    key: Folded | None = None,
    offline_for: Folded | None = None,
) -> None:
    """The sender's echo (echo-message), and the history record (said in ``channel``, or
    the direct conversation ``key``), which the sender's next replies wait for. A TAGMSG is
    recorded only if :func:`~chinwag.server.history.kept_tagmsg` (not typing), as an event,
    and never queued for an offline account."""
    ctx.deps.counters.messages_relayed += 1
    if ctx.session.has("echo-message"):
        ctx.reply.add(relayed)
    if relayed.command == "TAGMSG":
        if kept_tagmsg(relayed):
            history = ctx.deps.history
            if channel is not None:
                seq = history.to_channel(channel, relayed, event=True)
            else:
                assert key is not None
                seq = history.push(key, relayed, event=True)
            ctx.reply.after_commit(seq)
    else:
        ctx.user.remember_said(relayed.tags["msgid"])
        history = ctx.deps.history
        if channel is not None:
            seq = history.to_channel(channel, relayed)  # private or not, decided there
        else:
            assert key is not None
            seq = history.push(key, relayed, offline_for=offline_for)
        # The sender hears nothing more (echo, ACK, PONG...) until the message is durable.
        ctx.reply.after_commit(seq)


_STATUS_REACHES: dict[str, frozenset[str]] = {
    "@": frozenset("o"),
    "+": frozenset("ov"),
}
"""Which member statuses a STATUSMSG prefix reaches: its own and every higher one."""


def _relay_to_status(
    ctx: Context, message: Message, prefix: str, name: str, text: str, quiet: bool
) -> None:
    """A message to ``@#room`` or ``+#room`` (ISUPPORT ``STATUSMSG``): only the members with
    that status or higher receive it, the target shown with its prefix.

    The sender must be a member and may speak there (else ERR_CANNOTSENDTOCHAN). It is
    echoed (echo-message) and reaches the sender's other sessions, but is not kept in the
    room's history, which every member may read.
    """
    user = ctx.user
    session = ctx.session
    channel = _speakable_channel(ctx, name, quiet, text)
    if channel is None:
        return
    if user not in channel.members:
        if not quiet:
            ctx.numeric(
                n.ERR_CANNOTSENDTOCHAN, channel.name, "Cannot send to channel (not a member)"
            )
        return
    command_name = message.command
    shown = prefix + channel.name
    params = (
        (shown,)
        if command_name == "TAGMSG"
        else (shown, fit_text(user.source, command_name, shown, text))
    )
    relayed = Message(command_name, params, user.source, _message_tags(ctx, message))
    reaches = _STATUS_REACHES[prefix]
    listeners = [
        s
        for member, status in channel.members.items()
        if member is user or not reaches.isdisjoint(status)
        for s in member.sessions
        if s is not session
    ]
    if command_name == "TAGMSG":
        listeners = [s for s in listeners if s.has("message-tags")]
    ctx.deps.delivery.deliver(listeners, relayed)
    ctx.deps.counters.messages_relayed += 1
    if session.has("echo-message"):
        ctx.reply.add(relayed)


def _speakable_channel(ctx: Context, name: str, quiet: bool, text: str = "") -> Channel | None:
    """The channel ``name`` if the sender may speak there (``text`` is what they say, for
    ``+C``); otherwise the error is told (unless ``quiet``) and ``None`` returned."""
    channel = ctx.network.find_channel(name)
    if channel is None:
        if not quiet:
            ctx.numeric(n.ERR_NOSUCHCHANNEL, name, "No such channel")
        return None
    reason = cannot_send_reason(channel, ctx.user, text)
    if reason is None and channel.flood is not None and ctx.message.command != "TAGMSG":
        # +f counts PRIVMSG and NOTICE (a multiline batch as one), not typing notices.
        reason = channelflood.check(ctx.deps, channel, ctx.user)
    if reason is not None:
        if not quiet:
            ctx.numeric(n.ERR_CANNOTSENDTOCHAN, channel.name, reason)
        return None
    return channel


def _user_recipients(
    ctx: Context, nick: str, quiet: bool, tell_away: bool
) -> tuple[str, list[Session], Folded, User | None] | None:
    """The nick as shown, the sessions to reach, the recipient's history identity, and the
    recipient; for a registered account with nobody online, no sessions and no user (the
    message waits for the account's next login).

    So too for a registered nick held by someone not logged in to its account (the grace
    period of nick protection): what is said to the nick is for its owner, so it waits for
    the owner's login rather than reaching whoever holds the name (docs/security.md).
    """
    party = direct_party(ctx.deps, nick)
    if party is None:
        if not quiet:
            ctx.numeric(n.ERR_NOSUCHNICK, nick, "No such nick/channel")
        return None
    target = party.user
    if target is None:
        return party.shown, [], party.identity, None
    if tell_away and target.away is not None and target is not ctx.user:
        # Not to oneself: the sender knows they are away, and a labeled message to oneself
        # gets its echo (or ACK) as its one response.
        ctx.numeric(n.RPL_AWAY, target.nick, target.away)
    # A message to oneself reaches the sending session once: as its echo with echo-message,
    # otherwise as an ordinary delivery.
    echoed = ctx.session.has("echo-message")
    sessions = [s for s in target.sessions if s is not ctx.session or not echoed]
    return party.shown, sessions, party.identity, target


def _tell_offline(ctx: Context, nick: str) -> None:
    """Tell the sender a direct message waits for its recipient's next login."""
    text = f"{nick} is offline; your message will be delivered when they next log in"
    if ctx.session.has("standard-replies"):
        ctx.note("PRIVMSG", "DELIVERED_LATER", text, nick)
    else:
        ctx.reply.add(Message("NOTICE", (ctx.session.target, text), ctx.deps.name))


@command("PRIVMSG")
def privmsg(ctx: Context, message: Message) -> None:
    """PRIVMSG <target>{,<target>} <text>."""
    _relay(ctx, message, quiet=False)


@command("NOTICE")
def notice(ctx: Context, message: Message) -> None:
    """NOTICE <target>{,<target>} <text>: like PRIVMSG, but never an automatic reply."""
    _relay(ctx, message, quiet=True)


@command("TAGMSG")
def tagmsg(ctx: Context, message: Message) -> None:
    """TAGMSG <target>: only tags (``+typing``, reactions), to clients with message-tags."""
    _relay(ctx, message, quiet=False)


# -- multiline messages (draft/multiline) --------------------------------------------------------


@command("BATCH", min_params=1)
def batch(ctx: Context, message: Message) -> None:
    """``BATCH +<ref> draft/multiline <target>`` ... ``BATCH -<ref>``: a client batch, of
    which the multiline spec (https://ircv3.net/specs/extensions/multiline) defines the only
    type. The lines in between are collected by
    :mod:`chinwag.server.services.multiline`; the end relays the message."""
    marker = message.params[0]
    ref = marker[1:]
    if marker.startswith("+"):
        kind = message.params[1] if len(message.params) > 1 else ""
        if kind != ml.BATCH_TYPE:
            # The spec's "any other error": multiline is the only client batch there is.
            fail(ctx, ml.INVALID_ERROR, "Only draft/multiline batches may be sent", kind or "*")
            return
        open_batch(ctx, ref, message.params)
    elif marker.startswith("-"):
        collector = close_batch(ctx, ref)
        if collector is not None:
            _relay_multiline(ctx, collector)
    else:
        fail(ctx, ml.INVALID_ERROR, "A batch reference starts with + or -", marker)


def _relay_multiline(ctx: Context, collected: ml.Collector) -> None:
    """Say a whole multiline message to its one target, under the same rules as a single
    PRIVMSG or NOTICE (+n, +m, bans, mutes, +C; ERR_NOSUCHNICK; offline delivery), relayed
    as a ``draft/multiline`` batch to sessions with the capability and line by line to the
    others (spec, "Fallback"); echoed as the batch, the label on its opening (spec,
    "Labeled response"); stored once under the batch's msgid."""
    command_name = collected.command or "PRIVMSG"
    quiet = command_name == "NOTICE"
    target = collected.target
    user = ctx.user
    session = ctx.session
    session.last_message = sources.now()
    if "," in target or is_service_name(target) or target[:1] in modes.STATUSMSG:
        fail(ctx, ml.TARGET_ERROR, "A multiline message has one user or channel", target, target)
        return
    lines = collected.lines
    # +C looks at every line: a fallback client gets each as a message of its own.
    first = next((line.text for line in lines if is_ctcp(line.text)), lines[0].text)
    tags = _message_tags(ctx, Message(command_name, (), None, collected.tags))
    channel: Channel | None = None
    offline_for: Folded | None = None
    key: Folded | None = None
    if is_channel_name(target):
        channel = _speakable_channel(ctx, target, quiet, first)
        if channel is None:
            return
        shown = channel.name
        reached = [s for s in channel.all_sessions if s is not session]
        if user not in channel.members:
            reached.extend(s for s in user.sessions if s is not session)
    else:
        found = _user_recipients(ctx, target, quiet, not quiet)
        if found is None:
            return
        shown, reached, recipient, target_user = found
        reached.extend(s for s in user.sessions if s is not session and s not in reached)
        offline_for = recipient if target_user is None else None
        key = direct_key(user, recipient)
        remember_conversation(user, key)
        if target_user is not None:
            remember_conversation(target_user, key)
    source = user.source
    lines = [ml.Line(fit_text(source, command_name, shown, ln.text), ln.concat) for ln in lines]
    whole = ml.batch_messages(command_name, shown, lines, new_batch_id(), source=source, tags=tags)
    fallback = ml.fallback_messages(command_name, shown, lines, user.source, tags)
    delivery = ctx.deps.delivery
    batched = [s for s in reached if s.has(ml.CAP) and s.has("batch")]
    plain = [s for s in reached if not (s.has(ml.CAP) and s.has("batch"))]
    for part in whole:
        delivery.deliver(batched, part)
    for part in fallback:
        delivery.deliver(plain, part)
    ctx.deps.counters.messages_relayed += 1
    if session.has("echo-message"):
        for part in whole:
            ctx.reply.add(part)
    text, value = ml.stored_form(lines)
    stored = Message(command_name, (shown, text), user.source, {**tags, ml.STORED_TAG: value})
    user.remember_said(tags["msgid"])
    history = ctx.deps.history
    if channel is not None:
        seq = history.to_channel(channel, stored)
    else:
        assert key is not None
        seq = history.push(key, stored, offline_for=offline_for)
    ctx.reply.after_commit(seq)
    if offline_for is not None and not quiet:
        _tell_offline(ctx, shown)

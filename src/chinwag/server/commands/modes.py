"""``MODE`` for channels and users (Modern IRC "MODE message", "Channel Modes", "User Modes").

Channel modes: ``b e I`` (lists), ``k`` (type B), ``l`` (type C), ``i m n s t C R`` (flags) and the
member statuses ``o``/``v`` (see :data:`chinwag.protocol.modes.CHANNEL_MODES`). Changing them
needs channel operator status; what was actually applied is announced to every member in one
``MODE`` message, and changes that change nothing are dropped. User modes: ``i`` (invisible)
and ``B`` (IRCv3 bot-mode) may be set and unset by the user; ``o`` may only be removed, as only
``OPER`` grants it.
"""

from __future__ import annotations

from collections.abc import Callable

from chinwag.protocol import extbans
from chinwag.protocol import numerics as n
from chinwag.protocol.casemap import fold, is_channel_name
from chinwag.protocol.masks import is_extban, normalize_list_mask
from chinwag.protocol.message import Message
from chinwag.protocol.modes import (
    CHANNEL_MODES,
    FLOOD_MODE,
    MAX_FLOOD_LINES,
    MAX_FLOOD_SECONDS,
    MAX_MODES_PER_COMMAND,
    SECURE_USER_MODE,
    USER_MODES,
    ModeChange,
    ModeKind,
    format_changes,
    parse_flood,
    parse_mode_changes,
)
from chinwag.server import sources
from chinwag.server.context import Context, existing_channel, existing_user
from chinwag.server.dispatch import command
from chinwag.server.replies import safe_param, sendable
from chinwag.server.services import channelflood
from chinwag.server.state import Channel, ListEntry, User
from chinwag.server.tags import event_tags

USER_MODE_TABLE: dict[str, ModeKind] = dict.fromkeys(USER_MODES, ModeKind.FLAG)
"""User modes are all type D (Modern IRC "MODE message": "User mode letters are always Type D")."""

OPER_USER_MODE = "o"
"""Only ``OPER`` grants this mode; ``MODE <nick> +o`` is ignored, ``-o`` is allowed."""

_Applier = Callable[[Context, Channel, ModeChange], ModeChange | None]


# -- channel modes -------------------------------------------------------------------------


_LIST_REPLIES: dict[str, tuple[str, str, str]] = {
    "b": (n.RPL_BANLIST, n.RPL_ENDOFBANLIST, "End of channel ban list"),
    "e": (n.RPL_EXCEPTLIST, n.RPL_ENDOFEXCEPTLIST, "End of channel exception list"),
    "I": (n.RPL_INVEXLIST, n.RPL_ENDOFINVEXLIST, "End of channel invite exception list"),
}
"""Each list mode's entry numeric, end numeric and end text (Modern IRC 367/368, 348/349,
346/347)."""

_LIST_NAMES = {"b": "ban", "e": "exception", "I": "invite exception"}


def send_list(ctx: Context, channel: Channel, mode: str) -> None:
    """One numeric per entry of list mode ``mode`` (mask, who set it, when) and the list's
    end numeric (Modern IRC "MODE message", type A lists)."""
    entry_numeric, end_numeric, end_text = _LIST_REPLIES[mode]
    for entry in channel.list_of(mode):
        ctx.numeric(entry_numeric, channel.name, entry.mask, entry.set_by, str(entry.set_at))
    ctx.numeric(end_numeric, channel.name, end_text)


def _apply_flag(ctx: Context, channel: Channel, change: ModeChange) -> ModeChange | None:
    """A type D flag (``i m n s t``): set or cleared, unless it already is."""
    if change.adding == (change.mode in channel.modes):
        return None
    if change.adding:
        channel.modes.add(change.mode)
    else:
        channel.modes.discard(change.mode)
    return change


def _apply_status(ctx: Context, channel: Channel, change: ModeChange) -> ModeChange | None:
    """``o``/``v`` on a member: ERR_NOSUCHNICK or ERR_USERNOTINCHANNEL if it cannot apply."""
    nick = change.param
    if nick is None or not sendable(nick):
        return None
    target = existing_user(ctx, nick)
    if target is None:
        return None
    if target not in channel.members:
        ctx.numeric(
            n.ERR_USERNOTINCHANNEL, target.nick, channel.name, "They aren't on that channel"
        )
        return None
    if not channel.set_status(target, change.mode, change.adding):
        return None
    return ModeChange(change.adding, change.mode, target.nick)


def _valid_key(key: str) -> bool:
    """A key usable in ``JOIN``: non-empty, no space, no comma, not starting with ``:``."""
    return sendable(key) and "," not in key


def _apply_key(ctx: Context, channel: Channel, change: ModeChange) -> ModeChange | None:
    """``+k <key>`` (ERR_INVALIDKEY if malformed) or ``-k [<key>]`` (Modern IRC "Key Channel
    Mode"). The removal is announced with ``*``, as type B modes always carry a parameter."""
    if not change.adding:
        if channel.key is None:
            return None
        channel.key = None
        return ModeChange(False, "k", "*")
    key = change.param
    if key is None:
        return None
    if not _valid_key(key):
        ctx.numeric(n.ERR_INVALIDKEY, channel.name, "Key is not well-formed")
        return None
    if channel.key == key:
        return None
    channel.key = key
    return ModeChange(True, "k", key)


MAX_CHANNEL_LIMIT = 2**31 - 1
"""The largest ``+l`` accepted: what a 32-bit signed int (other servers, clients) can hold."""


def _apply_limit(ctx: Context, channel: Channel, change: ModeChange) -> ModeChange | None:
    """``+l <count>`` (a positive integer, else ERR_INVALIDMODEPARAM) or ``-l`` (Modern IRC
    "Client Limit Channel Mode")."""
    if not change.adding:
        if channel.limit is None:
            return None
        channel.limit = None
        return ModeChange(False, "l")
    param = change.param
    if param is None:
        return None
    # Digits only before int(): a 26-digit limit is no limit anyone means, and a long
    # string of digits costs int() time quadratic in its length.
    if (
        not (param.isascii() and param.isdigit())
        or len(param) > len(str(MAX_CHANNEL_LIMIT))
        or not 0 < int(param) <= MAX_CHANNEL_LIMIT
    ):
        ctx.numeric(
            n.ERR_INVALIDMODEPARAM,
            channel.name,
            "l",
            param,
            f"Invalid limit: it must be a whole number from 1 to {MAX_CHANNEL_LIMIT}",
        )
        return None
    limit = int(param)
    if channel.limit == limit:
        return None
    channel.limit = limit
    return ModeChange(True, "l", str(limit))


def _apply_flood(ctx: Context, channel: Channel, change: ModeChange) -> ModeChange | None:
    """``+f <lines>:<seconds>`` (else ERR_INVALIDMODEPARAM) or ``-f``: channel flood
    protection, :mod:`chinwag.server.services.channelflood`. Changing it forgets who was
    counted and muted under the old setting."""
    if not change.adding:
        if channel.flood is None:
            return None
        channel.flood = None
        channel.flood_senders = channel.flood_muted = None
        return ModeChange(False, FLOOD_MODE)
    param = change.param
    if param is None:
        return None
    window = parse_flood(param)
    if window is None:
        ctx.numeric(
            n.ERR_INVALIDMODEPARAM,
            channel.name,
            FLOOD_MODE,
            safe_param(param),
            f"Invalid flood setting: <lines>:<seconds>, lines from 1 to {MAX_FLOOD_LINES},"
            f" seconds from 1 to {MAX_FLOOD_SECONDS}",
        )
        return None
    if channel.flood == window:
        return None
    channel.flood = window
    channel.flood_senders = channel.flood_muted = None
    return ModeChange(True, FLOOD_MODE, f"{window[0]}:{window[1]}")


def _apply_list(ctx: Context, channel: Channel, change: ModeChange) -> ModeChange | None:
    """``+b``/``-b``, ``+e``/``-e``, ``+I``/``-I <mask>``: the mask is completed to
    ``nick!user@host`` form (a ``m:`` mute keeps its type, on ``b`` and ``e``; an account
    extban ``a:<account>`` is kept as written, :mod:`chinwag.protocol.extbans`); adding beyond
    MAXLIST gets ERR_BANLISTFULL; adding a present mask or removing an absent one is a no-op."""
    param = change.param
    mode = change.mode
    name = _LIST_NAMES[mode]
    if param is None:
        return None
    inner = param[2:] if mode != "I" and is_extban(param) else param  # a mute's own mask
    if not sendable(param) or not extbans.is_valid(param) or not extbans.is_valid(inner):
        ctx.numeric(
            n.ERR_INVALIDMODEPARAM, channel.name, mode, safe_param(param), f"Invalid {name} mask"
        )
        return None
    if mode != "I" and extbans.split(param) is not None:
        mask = param  # a:<account>: an account name, not a nick!user@host to complete
    elif mode != "I" and is_extban(param) and extbans.split(param[2:]) is not None:
        mask = param[:2].lower() + param[2:]  # m:a:<account>: a mute by account, kept too
    else:
        mask = normalize_list_mask(param, extbans=mode != "I")
    entries = channel.list_of(mode)
    folded = fold(mask)
    existing = next((entry for entry in entries if fold(entry.mask) == folded), None)
    if not change.adding:
        if existing is None:
            return None
        entries.remove(existing)
        return ModeChange(False, mode, existing.mask)
    if existing is not None:
        return None
    if len(entries) >= ctx.deps.limits.max_bans:
        ctx.numeric(n.ERR_BANLISTFULL, channel.name, mask, f"Channel {name} list is full")
        return None
    entries.append(ListEntry(mask, ctx.user.source, int(sources.now())))
    return ModeChange(True, mode, mask)


_APPLIERS: dict[str, _Applier] = {
    "b": _apply_list,
    "e": _apply_list,
    "I": _apply_list,
    "k": _apply_key,
    "l": _apply_limit,
    FLOOD_MODE: _apply_flood,
    "o": _apply_status,
    "v": _apply_status,
}


def channel_mode(ctx: Context, name: str, args: tuple[str, ...]) -> None:
    """``MODE <channel> [<modestring> [<mode arguments>...]]`` (Modern IRC "Channel mode").

    No modestring: RPL_CHANNELMODEIS (the key shown to members only) and RPL_CREATIONTIME.
    ``+b`` without a mask lists the bans to anyone; ``+e`` and ``+I`` list the exceptions to
    channel operators only (ERR_CHANOPRIVSNEEDED to others). Other changes need channel
    operator status (ERR_CHANOPRIVSNEEDED, and nothing is applied); unknown letters get
    ERR_UNKNOWNMODE; at most MODES changes with a parameter are applied. The applied changes
    go to every member, the setter included, as one ``MODE`` message.
    """
    user = ctx.user
    channel = existing_channel(ctx, name)
    if channel is None:
        return
    if not args:
        ctx.numeric(
            n.RPL_CHANNELMODEIS, channel.name, *channel.mode_string(user in channel.members)
        )
        ctx.numeric(n.RPL_CREATIONTIME, channel.name, str(channel.created))
        return
    parsed = parse_mode_changes(args[0], args[1:], CHANNEL_MODES)
    for letter in dict.fromkeys(parsed.unknown):
        ctx.numeric(n.ERR_UNKNOWNMODE, letter, "is unknown mode char to me")
    wanted: list[ModeChange] = []
    listed: set[str] = set()
    for change in parsed.changes:
        # An empty mask ("MODE #c +b :") asks for the list as no mask does.
        if CHANNEL_MODES[change.mode] is ModeKind.LIST and not change.param:
            if change.mode in listed:
                continue
            listed.add(change.mode)
            # Exceptions say whom the operators trust: only they see them (as InspIRCd).
            if change.mode != "b" and not channel.is_operator(user):
                ctx.numeric(n.ERR_CHANOPRIVSNEEDED, channel.name, "You're not channel operator")
                continue
            send_list(ctx, channel, change.mode)
        else:
            wanted.append(change)
    if not wanted:
        return
    if not channel.is_operator(user):
        ctx.numeric(n.ERR_CHANOPRIVSNEEDED, channel.name, "You're not channel operator")
        return
    applied: list[ModeChange] = []
    with_param = 0
    was_private = channel.is_private
    for change in wanted:
        if change.param is not None:
            with_param += 1
            if with_param > MAX_MODES_PER_COMMAND:
                continue
        result = _APPLIERS.get(change.mode, _apply_flag)(ctx, channel, change)
        if result is not None:
            applied.append(result)
    if not applied:
        return
    history = ctx.deps.history
    if channel.is_private and not was_private:
        # Members may read from here on: from before the MODE (and its key) is stamped.
        history.privacy_changed(channel, was_private)
    announcement = Message(
        "MODE", (channel.name, *format_changes(applied)), user.source, event_tags(user.account)
    )
    ctx.deps.delivery.deliver(channel.sessions(exclude=ctx.session), announcement)
    ctx.reply.add(announcement)
    changed = {change.mode for change in applied}
    if FLOOD_MODE in changed or (channel.flood is not None and not changed.isdisjoint("ov")):
        # +f, or a status that exempts from it, changed what applies to members
        # (draft/channel-flood-limits "On limit change", "On user status change").
        channelflood.announce_change(ctx, channel, channel.all_sessions)
    # Kept for draft/event-playback; like every event, not acknowledged durably. A change
    # that made the room public was still said while it was private (it may carry the key).
    history.to_channel(channel, announcement, event=True, private=was_private)
    if was_private and not channel.is_private:
        history.privacy_changed(channel, was_private)


# -- user modes ----------------------------------------------------------------------------


def user_mode(ctx: Context, nick: str, args: tuple[str, ...]) -> None:
    """``MODE <nick> [<modestring>]`` (Modern IRC "User mode").

    Only one's own modes: ERR_NOSUCHNICK for an unknown nick, ERR_USERSDONTMATCH for another
    user's. No modestring: RPL_UMODEIS. Otherwise the known modes are applied (``+o`` only by
    OPER, so it is ignored here) and a ``MODE`` message with what changed is sent to the user's
    sessions, followed by ERR_UMODEUNKNOWNFLAG if some letters were unknown.
    """
    user = ctx.user
    target = existing_user(ctx, nick)
    if target is None:
        return
    if target is not user:
        text = "Cant change mode for other users" if args else "Can't view modes for other users"
        ctx.numeric(n.ERR_USERSDONTMATCH, text)
        return
    if not args:
        ctx.numeric(n.RPL_UMODEIS, user_mode_string(user))
        return
    parsed = parse_mode_changes(args[0], args[1:], USER_MODE_TABLE)
    applied: list[ModeChange] = []
    for change in parsed.changes:
        if change.adding and change.mode == OPER_USER_MODE:
            continue
        if change.mode == SECURE_USER_MODE:  # says how the user connected: the server's
            continue
        if change.adding == (change.mode in user.modes):
            continue
        if change.adding:
            user.modes = user.modes | {change.mode}
        else:
            user.modes = user.modes - {change.mode}
        applied.append(change)
    if applied:
        announcement = Message("MODE", (user.nick, *format_changes(applied)), user.nick)
        others = [s for s in user.sessions if s is not ctx.session]
        ctx.deps.delivery.deliver(others, announcement)
        ctx.reply.add(announcement)
    if parsed.unknown:
        ctx.numeric(n.ERR_UMODEUNKNOWNFLAG, "Unknown MODE flag")


def user_mode_string(user: User) -> str:
    """The user's modes as RPL_UMODEIS shows them: ``+`` and the letters, sorted."""
    return "+" + "".join(sorted(user.modes))


@command("MODE", min_params=1)
def mode(ctx: Context, message: Message) -> None:
    """MODE <target> [<modestring> [<mode arguments>...]] (Modern IRC "MODE message"):
    a channel's modes if ``<target>`` is a channel name, else the user's own."""
    target, args = message.params[0], message.params[1:]
    if is_channel_name(target):
        channel_mode(ctx, target, args)
    else:
        user_mode(ctx, target, args)

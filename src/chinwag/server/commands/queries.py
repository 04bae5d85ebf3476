"""User queries: ``WHO`` (with WHOX), ``WHOIS``, ``WHOWAS``, ``ISON``, ``USERHOST``.

References: Modern IRC "User-Based Queries" (https://modern.ircdocs.horse/#user-based-queries)
and its numerics; IRCv3 WHOX (https://ircv3.net/specs/extensions/whox), multi-prefix (every
prefix in WHO and WHOIS) and bot-mode (``RPL_WHOISBOT``, the ``B`` WHO flag). Handlers only
read state and write numerics to the reply buffer, which shows an echoed name that cannot be a
middle parameter as ``*`` (:meth:`chinwag.server.replies.ReplyBuffer.numeric`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from chinwag.protocol import modes
from chinwag.protocol import numerics as n
from chinwag.protocol.casemap import fold, is_channel_name
from chinwag.protocol.masks import matches
from chinwag.protocol.message import Message
from chinwag.protocol.metadata import VISIBLE_TO_ALL, WHOIS_KEYS
from chinwag.server import sources
from chinwag.server.context import Context, existing_user
from chinwag.server.dispatch import command
from chinwag.server.replies import pack, sendable
from chinwag.server.state import Channel, User

WHOX_FIELDS = "tcuihsnfdlaor"
"""WHOX field letters in the order replies carry them (WHOX spec, "RPL_WHOSPCRPL")."""

_USERHOST_MAX = 5
"""USERHOST answers for at most this many nicks (Modern IRC "USERHOST message")."""

_HIDDEN_IP = "255.255.255.255"
"""The WHOX ``i`` placeholder when the IP address is not disclosed."""


def shares_channel(one: User, other: User) -> bool:
    """Whether the two users have at least one channel in common."""
    return not one.channels.keys().isdisjoint(other.channels.keys())


def can_see_channel(asker: User, channel: Channel) -> bool:
    """Whether ``asker`` may see that ``channel`` exists: it is not secret, or they are in it
    (Modern IRC "Secret Channel Mode")."""
    return "s" not in channel.modes or asker in channel.members


def idle_seconds(user: User, now: float | None = None) -> int:
    """Seconds since ``user`` last sent a message from any session (WHOIS ``RPL_WHOISIDLE``)."""
    now = sources.now() if now is None else now
    last = max((session.last_message for session in user.sessions), default=float(user.signon))
    return max(0, int(now - last))


def who_flags(user: User, channel: Channel | None, multi_prefix: bool) -> str:
    """The ``<flags>`` of RPL_WHOREPLY, in the order Modern IRC gives: ``H``/``G``, ``*`` for
    an operator, the channel prefix (all of them with multi-prefix), then ``B`` for a bot."""
    flags = "G" if user.away is not None else "H"
    if user.is_oper:
        flags += "*"
    if channel is not None:
        flags += channel.prefix_of(user, multi_prefix)
    if modes.BOT_USER_MODE in user.modes:
        flags += modes.BOT_USER_MODE
    return flags


def _shown_channel(asker: User, user: User) -> Channel | None:
    """An arbitrary channel of ``user`` that ``asker`` may see, preferring a shared one."""
    visible = [channel for channel in user.channels.values() if can_see_channel(asker, channel)]
    for channel in visible:
        if asker in channel.members:
            return channel
    return visible[0] if visible else None


def _who_matches(mask: str, user: User) -> bool:
    """Whether a WHO mask pattern matches the user's nick, username, host or real name."""
    return any(
        matches(mask, value) for value in (user.nick, user.username, user.host, user.realname)
    )


def _who_targets(ctx: Context, mask: str) -> list[tuple[User, Channel | None]]:
    """The users a WHO for ``mask`` lists, each with the channel its reply names."""
    asker = ctx.user
    network = ctx.network
    if is_channel_name(mask):
        channel = network.find_channel(mask)
        if channel is None or not can_see_channel(asker, channel):
            return []
        member = asker in channel.members
        return [(user, channel) for user in channel.members if member or "i" not in user.modes]
    if mask in ("", "0", "*"):
        mask = "*"
    elif "*" not in mask and "?" not in mask:
        # An exact nickname returns that single user (Modern IRC "WHO message").
        user = network.find_user(mask)
        return [] if user is None else [(user, _shown_channel(asker, user))]
    return [
        (user, _shown_channel(asker, user))
        for user in network.users.values()
        if (user is asker or "i" not in user.modes or shares_channel(asker, user))
        and _who_matches(mask, user)
    ]


def _whox_params(
    ctx: Context, user: User, channel: Channel | None, fields: str, query_token: str
) -> list[str]:
    """The RPL_WHOSPCRPL parameters for ``user``: exactly the requested fields, in the
    canonical order (WHOX spec)."""
    asker = ctx.user
    session = ctx.session
    values: list[str] = []
    for letter in WHOX_FIELDS:
        if letter not in fields:
            continue
        if letter == "t":
            values.append(query_token)
        elif letter == "c":
            values.append(channel.name if channel is not None else "*")
        elif letter == "u":
            values.append(user.username)
        elif letter == "i":
            disclose = (user is asker or asker.is_oper) and user.sessions
            values.append(user.sessions[0].ip if disclose else _HIDDEN_IP)
        elif letter == "h":
            values.append(user.host)
        elif letter == "s":
            values.append(ctx.deps.name)
        elif letter == "n":
            values.append(user.nick)
        elif letter == "f":
            values.append(who_flags(user, channel, session.has("multi-prefix")))
        elif letter == "d":
            values.append("0")
        elif letter == "l":
            values.append(str(idle_seconds(user)))
        elif letter == "a":
            values.append(user.account or "0")
        elif letter == "o":
            values.append("n/a")
        else:  # "r", the last field
            values.append(user.realname)
    return values


@command("WHO")
def who(ctx: Context, message: Message) -> None:
    """``WHO <mask> [<flags>][%<fields>[,<token>]]`` (Modern IRC "WHO message", IRCv3 WHOX).

    The mask is a channel (its members), an exact nick, or a wildcard pattern matched against
    nick, username, host and real name; invisible users are listed only to those who share a
    channel with them. The ``o`` flag keeps operators only. With ``%`` the replies are
    RPL_WHOSPCRPL carrying the requested fields; else RPL_WHOREPLY. Ends with RPL_ENDOFWHO.
    """
    mask = message.params[0] if message.params else "*"
    options = message.params[1] if len(message.params) > 1 else ""
    flags, percent, requested = options.partition("%")
    fields, _, query_token = requested.partition(",")
    # The token is echoed as given; a missing (or unsendable) one is shown as 0.
    reply_token = query_token if sendable(query_token) else "0"
    targets = _who_targets(ctx, mask)
    if "o" in flags:
        targets = [(user, channel) for user, channel in targets if user.is_oper]
    multi = ctx.session.has("multi-prefix")
    server_name = ctx.deps.name
    for user, channel in targets:
        if percent:
            params = _whox_params(ctx, user, channel, fields, reply_token)
            ctx.numeric(n.RPL_WHOSPCRPL, *params)
        else:
            ctx.numeric(
                n.RPL_WHOREPLY,
                channel.name if channel is not None else "*",
                user.username,
                user.host,
                server_name,
                user.nick,
                who_flags(user, channel, multi),
                f"0 {user.realname}",
            )
    ctx.numeric(n.RPL_ENDOFWHO, mask, "End of WHO list")


def _whois_channels(ctx: Context, user: User) -> list[str]:
    """``[prefix]<channel>`` for each channel of ``user`` the asker may see."""
    asker = ctx.user
    multi = ctx.session.has("multi-prefix")
    return [
        channel.prefix_of(user, multi) + channel.name
        for channel in user.channels.values()
        if can_see_channel(asker, channel)
    ]


def send_whois(ctx: Context, user: User) -> None:
    """The WHOIS numerics about ``user``, without the closing RPL_ENDOFWHOIS (Modern IRC
    "WHOIS message"; bot-mode RPL_WHOISBOT; draft/metadata-2 RPL_WHOISKEYVALUE for the keys
    in :data:`~chinwag.protocol.metadata.WHOIS_KEYS`)."""
    nick = user.nick
    ctx.numeric(n.RPL_WHOISUSER, nick, user.username, user.host, "*", user.realname)
    if ctx.user.is_oper or ctx.user is user:
        # The real addresses behind a cloak: for operators (and the user themself) only.
        for ip in dict.fromkeys(session.ip for session in user.sessions):
            shown = "0" + ip if ip.startswith(":") else ip  # "::1" is no middle parameter
            mask = f"{user.username}@{user.host}"
            ctx.numeric(n.RPL_WHOISACTUALLY, nick, mask, shown, "Is actually using host")
    for line in pack(_whois_channels(ctx, user)):
        ctx.numeric(n.RPL_WHOISCHANNELS, nick, " ".join(line))
    deps = ctx.deps
    ctx.numeric(n.RPL_WHOISSERVER, nick, deps.name, deps.config.server.description)
    if user.is_oper:
        ctx.numeric(n.RPL_WHOISOPERATOR, nick, "is an IRC operator")
    if user.away is not None:
        ctx.numeric(n.RPL_AWAY, nick, user.away)
    if user.account:
        ctx.numeric(n.RPL_WHOISACCOUNT, nick, user.account, "is logged in as")
    if modes.SECURE_USER_MODE in user.modes:
        ctx.numeric(n.RPL_WHOISSECURE, nick, "is using a secure connection")
    if ctx.user.is_oper or ctx.user is user:
        # A fingerprint identifies its holder wherever they connect: not for everyone.
        for fingerprint in dict.fromkeys(s.certfp for s in user.sessions if s.certfp):
            text = f"has client certificate fingerprint {fingerprint}"
            ctx.numeric(n.RPL_WHOISCERTFP, nick, text)
    if modes.BOT_USER_MODE in user.modes:
        ctx.numeric(n.RPL_WHOISBOT, nick, f"is a bot on {deps.config.server.network}")
    for key in WHOIS_KEYS:
        if key in user.metadata:
            ctx.numeric(n.RPL_WHOISKEYVALUE, nick, key, VISIBLE_TO_ALL, user.metadata[key])
    ctx.numeric(
        n.RPL_WHOISIDLE,
        nick,
        str(idle_seconds(user)),
        str(user.signon),
        "seconds idle, signon time",
    )


@command("WHOIS")
def whois(ctx: Context, message: Message) -> None:
    """``WHOIS [<server>] <nick>`` (Modern IRC "WHOIS message").

    Every answer ends with RPL_ENDOFWHOIS naming the nick exactly as asked; an unknown nick
    gets ERR_NOSUCHNICK first. ``<server>`` may be this server's name or any user's nick (the
    server they are on is this one); anything else is ERR_NOSUCHSERVER.
    """
    if not message.params or not message.params[-1]:
        ctx.numeric(n.ERR_NONICKNAMEGIVEN, "No nickname given")
        return
    asked = message.params[-1]
    if len(message.params) > 1:
        server = message.params[0]
        if fold(server) != fold(ctx.deps.name) and ctx.network.find_user(server) is None:
            ctx.numeric(n.ERR_NOSUCHSERVER, server, "No such server")
            return
    # WHOIS takes one target (TARGMAX=WHOIS:1); of a list, only the first is answered.
    user = existing_user(ctx, asked.split(",")[0])
    if user is not None:
        send_whois(ctx, user)
    ctx.numeric(n.RPL_ENDOFWHOIS, asked, "End of /WHOIS list")


@command("WHOWAS", min_params=1)
def whowas(ctx: Context, message: Message) -> None:
    """``WHOWAS <nick> [<count>]`` (Modern IRC "WHOWAS message").

    The most recent entries first, each RPL_WHOWASUSER then RPL_WHOISSERVER (with the time
    the nick was left), at most ``<count>`` of them when it is a positive number; no entry
    gives ERR_WASNOSUCHNICK. Always ends with RPL_ENDOFWHOWAS.
    """
    asked = message.params[0]
    if not asked:
        ctx.numeric(n.ERR_NONICKNAMEGIVEN, "No nickname given")
        return
    limit: int | None = None
    given = message.params[1] if len(message.params) > 1 else ""
    if given.isascii() and given.isdigit() and int(given) > 0:  # not "²": int() refuses it
        limit = int(given)
    wanted = fold(asked)
    entries = [entry for entry in ctx.network.whowas if fold(entry.nick) == wanted][:limit]
    if not entries:
        ctx.numeric(n.ERR_WASNOSUCHNICK, asked, "There was no such nickname")
    for entry in entries:
        ctx.numeric(n.RPL_WHOWASUSER, entry.nick, entry.username, entry.host, "*", entry.realname)
        left = datetime.fromtimestamp(entry.left_at, UTC).strftime("%a %b %d %H:%M:%S %Y")
        ctx.numeric(n.RPL_WHOISSERVER, entry.nick, entry.server, left)
    ctx.numeric(n.RPL_ENDOFWHOWAS, asked, "End of WHOWAS")


@command("ISON", min_params=1)
def ison(ctx: Context, message: Message) -> None:
    """``ISON <nick>{ <nick>}`` (RFC 2812 "Ison message", kept by Modern IRC's numerics).

    RPL_ISON lists those of the nicks that are online, each as its owner spells it. Nicks may
    come as separate parameters or space-separated in one trailing parameter.
    """
    online: list[str] = []
    for param in message.params:
        for nick in param.split():
            user = ctx.network.find_user(nick)
            if user is not None:
                online.append(user.nick)
    ctx.numeric(n.RPL_ISON, " ".join(online))


@command("USERHOST", min_params=1)
def userhost(ctx: Context, message: Message) -> None:
    """``USERHOST <nick>{ <nick>}`` (Modern IRC "USERHOST message", ``RPL_USERHOST``).

    For each of the first five nicks that is online: ``nick[*]=<+|->user@host``, ``*`` for
    an operator, ``-`` when away and ``+`` when here. Unknown nicks are left out.
    """
    replies: list[str] = []
    for nick in message.params[:_USERHOST_MAX]:
        user = ctx.network.find_user(nick)
        if user is None:
            continue
        oper = "*" if user.is_oper else ""
        away = "-" if user.away is not None else "+"
        replies.append(f"{user.nick}{oper}={away}{user.username}@{user.host}")
    ctx.numeric(n.RPL_USERHOST, " ".join(replies))

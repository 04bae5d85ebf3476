"""Connection registration and the commands that keep a connection alive or end it.

Modern IRC "Connection Registration": ``PASS``, ``NICK``, ``USER`` (and ``CAP``, which can hold
registration open) until the server sends the welcome burst (RPL_WELCOME .. RPL_ISUPPORT,
LUSERS, MOTD); ``NICK`` afterwards renames; ``PING``/``PONG``; ``QUIT``.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime

from chinwag.protocol import isupport, modes
from chinwag.protocol import numerics as n
from chinwag.protocol.caps import METADATA
from chinwag.protocol.casemap import fold, is_valid_nick
from chinwag.protocol.message import Message
from chinwag.server import presence
from chinwag.server.commands.accounts import (
    after_welcome,
    protect_nick,
    registered_with_account,
    take_nick_from_guest,
)
from chinwag.server.commands.info import send_lusers, send_motd
from chinwag.server.commands.metadata import send_own_metadata
from chinwag.server.dispatch import Context, command
from chinwag.server.replies import deliver, event_tags
from chinwag.server.services import SERVICES
from chinwag.server.state import User

_USERNAME_ALLOWED = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.[]{}`^|"
)


def try_complete_registration(ctx: Context) -> None:
    """Register the session if it has all it needs: a nick, USER, CAP END, the password."""
    session = ctx.session
    if session.user is not None or session.cap_negotiating:
        return
    if session.nick is None or session.username is None:
        return
    server = ctx.server
    if server.config.server.password is not None and not session.password_ok:
        ctx.numeric(n.ERR_PASSWDMISMATCH, "Password incorrect")
        ctx.reply.flush()
        server.close(session, "Bad password")
        return
    if server.network.find_user(session.nick) is not None and not take_nick_from_guest(
        ctx, session.nick, session.account
    ):
        # Another session registered this nick first; this one has no nick (``*``) again.
        wanted, session.nick = session.nick, None
        ctx.numeric(n.ERR_NICKNAMEINUSE, wanted, "Nickname is already in use")
        return
    user = User(session.nick, session.username, session.host, session.realname)
    user.metadata, session.metadata = session.metadata, {}  # set before-connect
    if session.account is not None:
        registered_with_account(ctx, user)
    server.add_user(session, user)
    welcome(ctx)
    after_welcome(ctx, user)


def welcome(ctx: Context) -> None:
    """The welcome burst (Modern IRC "Connection Registration" step 4), then the user's own
    metadata for a client with draft/metadata-2."""
    server = ctx.server
    user = ctx.user
    created = datetime.fromtimestamp(server.started, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    network_name = server.config.server.network
    ctx.numeric(n.RPL_WELCOME, f"Welcome to the {network_name} Network, {user.source}")
    ctx.numeric(n.RPL_YOURHOST, f"Your host is {server.name}, running version {server.version}")
    ctx.numeric(n.RPL_CREATED, f"This server was created {created}")
    ctx.numeric(
        n.RPL_MYINFO,
        server.name,
        server.version,
        modes.USER_MODES,
        modes.CHANNEL_MODE_LETTERS,
        modes.CHANNEL_MODES_WITH_PARAMS,
    )
    for tokens in server.isupport_lines:
        ctx.numeric(n.RPL_ISUPPORT, *tokens, isupport.TRAILER)
    send_lusers(ctx, fresh=False)
    send_motd(ctx)
    if ctx.session.has(METADATA):
        send_own_metadata(ctx)


@command("PASS", min_params=1, before_registration=True)
def pass_(ctx: Context, message: Message) -> None:
    """PASS <password>: the connection password, checked when registration completes."""
    if ctx.session.user is not None:
        ctx.numeric(n.ERR_ALREADYREGISTERED, "You may not reregister")
        return
    expected = ctx.server.config.server.password
    ctx.session.password_ok = expected is not None and hmac.compare_digest(
        message.params[0].encode(), expected.encode()
    )


@command("NICK", before_registration=True)
def nick(ctx: Context, message: Message) -> None:
    """NICK <nickname>: choose a nick before registration, or change it after."""
    if not message.params or not message.params[0]:
        ctx.numeric(n.ERR_NONICKNAMEGIVEN, "No nickname given")
        return
    wanted = message.params[0]
    if not is_valid_nick(wanted, ctx.server.limits.nicklen):
        ctx.numeric(n.ERR_ERRONEUSNICKNAME, wanted, "Erroneous nickname")
        return
    session = ctx.session
    holder = ctx.network.find_user(wanted)
    user = session.user
    account = user.account if user is not None else session.account
    in_use = holder is not None and holder is not user
    if in_use and user is None and _held_without_login(ctx, wanted):
        # The owner may be about to log in (SASL comes after NICK): decide when
        # registration completes, where a logged-in owner takes the nick over.
        in_use = False
    if fold(wanted) in SERVICES or (in_use and not take_nick_from_guest(ctx, wanted, account)):
        ctx.numeric(n.ERR_NICKNAMEINUSE, wanted, "Nickname is already in use")
        return
    if user is None:
        session.nick = wanted
        try_complete_registration(ctx)
        return
    if wanted == user.nick:
        return
    rename(ctx, user, wanted)
    protect_nick(ctx, user)


def _held_without_login(ctx: Context, nick: str) -> bool:
    """Whether ``nick`` is a registered account held by someone not logged in to it."""
    account = ctx.server.accounts.get(nick)
    holder = ctx.network.find_user(nick)
    return (
        account is not None
        and holder is not None
        and (holder.account is None or fold(holder.account) != account.folded)
    )


def rename(ctx: Context, user: User, new_nick: str) -> None:
    """Change ``user``'s nick and tell everyone who can see it, the user included."""
    network = ctx.network
    old_nick, old_source = user.nick, user.source
    change = Message("NICK", (new_nick,), old_source, event_tags(user.account))
    deliver(network.neighbour_sessions(user), change)
    for session in user.sessions:
        if session is not ctx.session:
            deliver([session], change)
    ctx.reply.add(change)
    network.remember(user)
    del network.users[user.folded]
    user.nick = new_nick
    user.folded = fold(new_nick)
    network.users[user.folded] = user
    if fold(old_nick) != user.folded:
        presence.monitor_offline(network, old_nick)
        presence.monitor_online(network, user)


@command("USER", min_params=4, before_registration=True)
def user_(ctx: Context, message: Message) -> None:
    """USER <username> <mode> <unused> :<realname>."""
    session = ctx.session
    if session.user is not None or session.username is not None:
        ctx.numeric(n.ERR_ALREADYREGISTERED, "You may not reregister")
        return
    limits = ctx.server.limits
    cleaned = "".join(c for c in message.params[0] if c in _USERNAME_ALLOWED)
    if not cleaned:
        ctx.numeric(n.ERR_NEEDMOREPARAMS, "USER", "Not enough parameters")
        return
    # No ident lookup is done, so the user name is marked unverified with "~" as is usual.
    session.username = "~" + cleaned[: limits.userlen - 1]
    session.realname = message.params[3][: limits.realnamelen]
    try_complete_registration(ctx)


@command("PING", min_params=1, before_registration=True)
def ping(ctx: Context, message: Message) -> None:
    """PING <token>: answer PONG with the same token."""
    ctx.reply.add(Message("PONG", (ctx.server.name, message.params[0]), ctx.server.name))


@command("PONG", before_registration=True)
def pong(ctx: Context, message: Message) -> None:
    """PONG: proof of life; receiving any line already reset the timeout."""


@command("QUIT", before_registration=True)
def quit_(ctx: Context, message: Message) -> None:
    """QUIT [<reason>]: leave the server; others see ``Quit: <reason>``."""
    reason = message.params[0] if message.params and message.params[0] else ""
    quit_text = f"Quit: {reason}" if reason else "Quit"
    ctx.reply.flush()
    ctx.server.close(ctx.session, quit_text[: ctx.server.limits.kicklen])

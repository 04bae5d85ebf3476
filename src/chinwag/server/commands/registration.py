"""Connection registration and the commands that keep a connection alive or end it.

Modern IRC "Connection Registration": ``PASS``, ``NICK``, ``USER`` (and ``CAP``, which can hold
registration open) until the server sends the welcome burst
(:mod:`chinwag.server.services.welcome`); ``NICK`` afterwards renames; ``PING``/``PONG``;
``QUIT``.
"""

from __future__ import annotations

import hmac

from chinwag.protocol import numerics as n
from chinwag.protocol.casemap import fold, is_valid_nick
from chinwag.protocol.framing import truncate_utf8
from chinwag.protocol.message import Message
from chinwag.server.context import Context
from chinwag.server.dispatch import command
from chinwag.server.services import SERVICES, is_service_name
from chinwag.server.services.nicks import (
    claim_expired,
    held_without_login,
    protect_nick,
    rename,
    take_nick_from_guest,
)
from chinwag.server.services.welcome import try_complete_registration
from chinwag.server.state import User

_USERNAME_ALLOWED = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.[]{}`^|"
)


@command("PASS", min_params=1, before_registration=True)
def pass_(ctx: Context, message: Message) -> None:
    """PASS <password>: the connection password, checked when registration completes."""
    if ctx.session.user is not None:
        ctx.numeric(n.ERR_ALREADYREGISTERED, "You may not reregister")
        return
    expected = ctx.deps.config.server.password
    ctx.session.password_ok = expected is not None and hmac.compare_digest(
        message.params[0].encode(), expected.encode()
    )


def holder_logged_in(holder: User | None) -> bool:
    """Whether ``holder`` is logged in to an account, which a registering session may be
    about to log in to as well."""
    return holder is not None and holder.account is not None


@command("NICK", before_registration=True)
def nick(ctx: Context, message: Message) -> None:
    """NICK <nickname>: choose a nick before registration, or change it after."""
    if not message.params or not message.params[0]:
        ctx.numeric(n.ERR_NONICKNAMEGIVEN, "No nickname given")
        return
    wanted = message.params[0]
    if not is_valid_nick(wanted, ctx.deps.limits.nicklen):
        ctx.numeric(n.ERR_ERRONEUSNICKNAME, wanted, "Erroneous nickname")
        return
    session = ctx.session
    holder = ctx.network.find_user(wanted)
    user = session.user
    account = user.account if user is not None else session.account
    in_use = holder is not None and holder is not user
    if in_use and user is None and held_without_login(ctx, wanted):
        # The owner may be about to log in (SASL comes after NICK): decide when
        # registration completes, where a logged-in owner takes the nick over.
        in_use = False
    elif in_use and user is None and session.cap_negotiating and holder_logged_in(holder):
        # A login to the holder's account (SASL, after NICK) makes this session another of
        # the holder's (issue 16, multiclient): decided when registration completes.
        in_use = False
    if fold(wanted) not in SERVICES and is_service_name(wanted):
        # Reserved for services nobody runs here: not "in use", but never acceptable (Modern
        # IRC "NICK message": a nickname the server does not accept gets ERR_ERRONEUSNICKNAME).
        ctx.numeric(n.ERR_ERRONEUSNICKNAME, wanted, "Erroneous nickname (reserved for services)")
        return
    if user is not None and fold(wanted) != user.folded and claim_expired(ctx.deps, user, wanted):
        # Their grace period on this nick is over: coming back to it does not start another.
        ctx.numeric(
            n.ERR_NICKNAMEINUSE,
            wanted,
            "Nickname is reserved by a registered account; log in to it first",
        )
        return
    pending = ctx.network.pending_nicks.get(fold(wanted))
    if pending is not None and pending is not session and wanted not in ctx.deps.accounts:
        # Another connection sent this NICK first and is still registering: the nick is
        # theirs (a registered account's name is the exception: its login decides).
        in_use = True
    if fold(wanted) in SERVICES or (in_use and not take_nick_from_guest(ctx, wanted, account)):
        # A running service is on the network under its nick, so the nick is in use.
        ctx.numeric(n.ERR_NICKNAMEINUSE, wanted, "Nickname is already in use")
        return
    if user is None:
        ctx.network.hold_pending_nick(session, wanted)
        try_complete_registration(ctx)
        return
    if wanted == user.nick:
        return
    ctx.reply.add(rename(ctx.deps, user, wanted, ctx.session))
    protect_nick(ctx, user)


_FALLBACK_USERNAME = "u"
"""The user name of a ``USER`` whose name has no character we allow (an emoji, say): shown as
``~u``, as Ergo's ``coerce-ident`` default does for idents it cannot use."""


@command("USER", min_params=4, before_registration=True)
def user_(ctx: Context, message: Message) -> None:
    """USER <username> <mode> <unused> :<realname> (Modern IRC "USER message").

    An empty username or realname is ERR_NEEDMOREPARAMS, as the spec asks of a client that
    sends an empty parameter. Otherwise the username is cleaned to the ASCII characters a
    user name may hold; if nothing is left (an emoji, say) it becomes ``~u`` rather than
    leaving the client waiting, as Ergo does with odd idents.
    """
    session = ctx.session
    if session.user is not None or session.username is not None:
        ctx.numeric(n.ERR_ALREADYREGISTERED, "You may not reregister")
        return
    if not message.params[0] or not message.params[3]:
        ctx.numeric(n.ERR_NEEDMOREPARAMS, "USER", "Not enough parameters")
        return
    limits = ctx.deps.limits
    cleaned = "".join(c for c in message.params[0] if c in _USERNAME_ALLOWED)
    # No ident lookup is done, so the user name is marked unverified with "~" as is usual.
    session.username = "~" + (cleaned or _FALLBACK_USERNAME)[: limits.userlen - 1]
    # In bytes, as every length limit here: 128 four-byte characters fit no JOIN line.
    session.realname = truncate_utf8(message.params[3], limits.realnamelen)
    try_complete_registration(ctx)


@command("PING", min_params=1, before_registration=True)
def ping(ctx: Context, message: Message) -> None:
    """PING <token>: answer PONG with the same token."""
    ctx.reply.add(Message("PONG", (ctx.deps.name, message.params[0]), ctx.deps.name))


@command("PONG", before_registration=True)
def pong(ctx: Context, message: Message) -> None:
    """PONG: proof of life; receiving any line already reset the timeout."""


@command("QUIT", before_registration=True)
def quit_(ctx: Context, message: Message) -> None:
    """QUIT [<reason>]: leave the server; others see ``Quit: <reason>``."""
    reason = message.params[0] if message.params and message.params[0] else ""
    quit_text = f"Quit: {reason}" if reason else "Quit"
    ctx.reply.flush()
    ctx.deps.sessions.close(ctx.session, truncate_utf8(quit_text, ctx.deps.limits.kicklen))

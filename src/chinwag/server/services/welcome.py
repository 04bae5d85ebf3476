"""Completing connection registration: the moment a session becomes a user.

Modern IRC "Connection Registration": once the session has a nick, ``USER``, the connection
password if one is set, and has ended capability negotiation (``CAP END``), the server sends
the welcome burst (RPL_WELCOME .. RPL_ISUPPORT, LUSERS, MOTD). ``NICK``, ``USER``, ``CAP`` and
``PASS`` each may be the last of these, so they share :func:`try_complete_registration`.

A session that logged in (SASL) before registering, to an account whose user is already here
(an always-on ghost or another device), becomes another session of that user (issue 16,
multiclient): the welcome shows the user's nick, whatever nick the session asked for.
"""

from __future__ import annotations

from datetime import UTC, datetime

from chinwag.protocol import isupport, modes
from chinwag.protocol import numerics as n
from chinwag.protocol.caps import EXTENDED_ISUPPORT, ISUPPORT_BATCH
from chinwag.server import sources
from chinwag.server.context import Context
from chinwag.server.services import alwayson, channelflood
from chinwag.server.services.bans import reason_text
from chinwag.server.services.logins import after_welcome, attach, registered_with_account
from chinwag.server.services.metadata import welcome_metadata
from chinwag.server.services.nicks import take_nick_from_guest
from chinwag.server.services.serverinfo import send_lusers, send_motd
from chinwag.server.state import User


def try_complete_registration(ctx: Context) -> None:
    """Register the session if it has all it needs: a nick, USER, CAP END, the password."""
    session = ctx.session
    if session.user is not None or session.cap_negotiating:
        return
    if session.nick is None or session.username is None:
        return
    deps = ctx.deps
    if deps.config.server.password is not None and not session.password_ok:
        deps.counters.login_failures += 1
        ctx.numeric(n.ERR_PASSWDMISMATCH, "Password incorrect")
        ctx.reply.flush()
        deps.sessions.close(session, "Bad password")
        return
    if _banned(ctx):
        return
    if session.account is not None and _attached(ctx, session.account):
        return
    if ctx.network.find_user(session.nick) is not None and not take_nick_from_guest(
        ctx, session.nick, session.account
    ):
        # Another session registered this nick first; this one has no nick (``*``) again.
        ctx.network.drop_pending_nick(session)
        wanted, session.nick = session.nick, None
        ctx.numeric(n.ERR_NICKNAMEINUSE, wanted, "Nickname is already in use")
        return
    ctx.network.drop_pending_nick(session)  # held from now on as a user's nick
    user = User(session.nick, session.username, session.host, session.realname)
    if session.metadata is not None:  # set before-connect
        user.metadata, session.metadata = session.metadata, None
    user.away, session.away = session.away, None  # set with draft/pre-away
    if session.secure:
        user.modes = user.modes | {modes.SECURE_USER_MODE}
    if session.account is not None:
        registered_with_account(ctx, user)
    deps.sessions.add_user(session, user)
    deps.counters.registrations += 1
    welcome(ctx)
    after_welcome(ctx, user)


def _banned(ctx: Context) -> bool:
    """Close the session if an operator's ban (``UBAN``, issue 17) covers the user it is
    about to be: its ``nick!user@host`` (with its address or its shown host), its address,
    or the account it logged in to before registering. Whether it did."""
    session = ctx.session
    nick, username = session.nick or "*", session.username or "*"
    bans, now = ctx.deps.bans, sources.now()
    ban = (
        bans.for_user(nick, username, session.ip, session.host, now)
        or bans.for_address(session.ip, now)
        or bans.for_account(session.account, now)
    )
    if ban is None:
        return False
    ctx.deps.sessions.close(session, reason_text(ban))
    return True


def _attached(ctx: Context, account: str) -> bool:
    """If a user logged in to ``account`` is here, make the session one of its sessions,
    with the welcome burst and then its channels (:func:`attach`); whether it was."""
    user = alwayson.account_user(ctx.network, account)
    if user is None or ctx.deps.accounts.get(account) is None:
        return False
    session = ctx.session
    ctx.network.drop_pending_nick(session)
    # What the session set before registering (pre-away, metadata) is the user's already.
    session.account, session.away, session.metadata = None, None, None
    ctx.deps.counters.registrations += 1
    attach(ctx, user, greet=welcome)
    return True


def welcome(ctx: Context) -> None:
    """The welcome burst (Modern IRC "Connection Registration" step 4), with the user's own
    metadata for a client with metadata (before the MOTD for draft/metadata-3, after it for
    draft/metadata-2)."""
    facts = ctx.deps.facts
    user = ctx.user
    created = datetime.fromtimestamp(facts.started, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    network_name = ctx.deps.config.server.network
    ctx.numeric(n.RPL_WELCOME, f"Welcome to the {network_name} Network, {user.source}")
    ctx.numeric(n.RPL_YOURHOST, f"Your host is {facts.name}, running version {facts.version}")
    ctx.numeric(n.RPL_CREATED, f"This server was created {created}")
    ctx.numeric(
        n.RPL_MYINFO,
        facts.name,
        facts.version,
        modes.USER_MODES,
        modes.CHANNEL_MODE_LETTERS,
        modes.CHANNEL_MODES_WITH_PARAMS,
    )
    send_isupport(ctx)
    channelflood.announce_network(ctx)
    if ctx.deps.config.server.cloak_hosts:
        # The host others see is not the address the client connected from: say which it is
        # (clients size their lines by their own prefix).
        ctx.numeric(n.RPL_VISIBLEHOST, user.host, "is now your displayed host")
    send_lusers(ctx, fresh=False)
    welcome_metadata(ctx, before_motd=True)
    send_motd(ctx)
    welcome_metadata(ctx, before_motd=False)


def send_isupport(ctx: Context) -> None:
    """Every RPL_ISUPPORT line; in one ``draft/isupport`` batch for a session with both batch
    and draft/extended-isupport, which must get no 005 outside such a batch (extended-isupport
    spec; :meth:`chinwag.server.replies.Reply.batch` adds the batch only with batch)."""
    lines = ctx.deps.facts.isupport_lines
    if not ctx.session.has(EXTENDED_ISUPPORT):
        for tokens in lines:
            ctx.numeric(n.RPL_ISUPPORT, *tokens, isupport.TRAILER)
        return
    with ctx.reply.batch(ISUPPORT_BATCH):
        for tokens in lines:
            ctx.numeric(n.RPL_ISUPPORT, *tokens, isupport.TRAILER)

"""Nick changes and nick protection: a registered nick belongs to its account.

A user holding a registered nick without being logged in to that account is told so at once
and renamed to a guest nick after ``[accounts] guest_grace`` seconds
(:func:`enforce_nick_protection`, run by the core's ticker); an owner who logs in takes the
nick back from such a holder straight away (:func:`take_nick_from_guest`). Renames are told
to everyone who can see the user, as Modern IRC "NICK message" asks.

Each user has one deadline per nick claimed (``User.nick_claims``): changing away and back
keeps the first deadline, and once it has passed the nick is refused to that user
(:func:`claim_expired`), so nobody holds someone else's nick by hopping between two. Only a
login to the account that owns the nick ends the grace period (see ``log_in``).
"""

from __future__ import annotations

import math

from chinwag.protocol.casemap import fold
from chinwag.protocol.message import Message
from chinwag.server import sources
from chinwag.server.context import Context
from chinwag.server.deps import Deps
from chinwag.server.state import Session, User
from chinwag.server.tags import event_tags

SERVICES_HOST = "services"
"""The host part of service pseudo-users (``NickServ!NickServ@services``)."""

NICKSERV_SOURCE = f"NickServ!NickServ@{SERVICES_HOST}"
"""The source of NickServ's messages."""

CHANSERV_SOURCE = f"ChanServ!ChanServ@{SERVICES_HOST}"
"""The source of ChanServ's messages and of the status it gives (issue 17)."""


def rename(deps: Deps, user: User, new_nick: str, actor: Session | None) -> Message:
    """Change ``user``'s nick and tell everyone who can see it: those sharing a channel and
    the user's sessions but ``actor`` (the session that asked, which gets the returned
    ``NICK`` as its reply), and MONITOR watchers of both nicks."""
    network = deps.network
    old_nick, old_source = user.nick, user.source
    change = Message("NICK", (new_nick,), old_source, event_tags(user.account))
    deps.delivery.deliver(network.neighbour_sessions(user), change)
    deps.delivery.deliver([s for s in user.sessions if s is not actor], change)
    network.remember(user)
    del network.users[user.folded]
    user.nick = new_nick
    user.folded = fold(new_nick)
    network.users[user.folded] = user
    if fold(old_nick) != user.folded:
        deps.presence.monitor_offline(old_nick)
        deps.presence.monitor_online(user)
    return change


def protect_nick(ctx: Context, user: User) -> None:
    """If ``user`` holds a registered nick that is not their account, warn them and (re)start
    the countdown to their claim's deadline, set the first time they took this nick;
    otherwise end any countdown."""
    deps = ctx.deps
    account = deps.accounts.get(user.nick)
    if account is None or (user.account is not None and fold(user.account) == account.folded):
        release_nick(deps, user)
        return
    grace = deps.config.accounts.guest_grace
    now = deps.clock()
    if user.nick_claims is None:
        user.nick_claims = {}
    deadline = user.nick_claims.setdefault(user.folded, now + grace)
    deps.nick_deadlines[user] = deadline
    left = deadline - now
    seconds = f"{grace:g}" if left >= grace else str(max(1, math.ceil(left)))
    text = (
        f"This nick belongs to a registered account; log in within {seconds} seconds "
        "or you will be renamed"
    )
    if ctx.session.has("standard-replies"):
        ctx.note("NICK", "NICK_PROTECTED", text, user.nick, seconds)
    else:
        ctx.reply.add(
            Message(
                "NOTICE",
                (
                    user.nick,
                    f"{text}. Log in with /msg NickServ IDENTIFY <password>, "
                    "or choose another nick with /nick.",
                ),
                NICKSERV_SOURCE,
            )
        )


def claim_expired(deps: Deps, user: User, nick: str) -> bool:
    """Whether ``user`` held the registered nick ``nick`` without its login until their
    grace period ran out: they may not take it again (short of logging in to it)."""
    claims = user.nick_claims
    deadline = None if claims is None else claims.get(fold(nick))
    if deadline is None or deadline > deps.clock():
        return False
    account = deps.accounts.get(nick)
    return account is not None and (user.account is None or fold(user.account) != account.folded)


def release_nick(deps: Deps, user: User) -> None:
    """Stop ``user``'s countdown, if any (they logged in to the nick's account, or changed
    nick); the claim's deadline is kept for a return to the nick."""
    deps.nick_deadlines.pop(user, None)


def guest_nick(deps: Deps) -> str:
    """A guest nick nobody holds: the configured prefix and five digits."""
    prefix = deps.config.accounts.guest_prefix
    while True:
        nick = f"{prefix}{sources.randbelow(100_000):05d}"
        network = deps.network
        if (
            network.find_user(nick) is None
            and fold(nick) not in network.pending_nicks
            and nick not in deps.accounts
        ):
            return nick


def rename_to_guest(deps: Deps, user: User, reason: str) -> None:
    """Rename ``user`` to a guest nick, telling every session of theirs why first, and
    everyone who sees them the new nick."""
    deps.delivery.deliver(user.sessions, Message("NOTICE", (user.nick, reason), NICKSERV_SOURCE))
    release_nick(deps, user)
    rename(deps, user, guest_nick(deps), None)


def enforce_nick_protection(deps: Deps) -> None:
    """Rename every holder of a registered nick whose grace period is over (the ticker)."""
    now = deps.clock()
    expired = [user for user, deadline in deps.nick_deadlines.items() if deadline <= now]
    for user in expired:
        deps.nick_deadlines.pop(user, None)
        if not user.sessions or deps.network.users.get(user.folded) is not user:
            continue
        if deps.accounts.get(user.nick) is None:
            continue  # the account was dropped meanwhile
        rename_to_guest(deps, user, f"You did not log in to {user.nick}, so you have been renamed")


def take_nick_from_guest(ctx: Context, nick: str, account: str | None) -> bool:
    """If ``nick`` is the account ``account`` and someone not logged in to it holds it, rename
    that holder to a guest so the owner can have it. Returns whether the nick is now free."""
    if account is None or fold(nick) != fold(account):
        return False
    holder = ctx.network.find_user(nick)
    if holder is None:
        return True
    if holder.account is not None and fold(holder.account) == fold(account):
        return False  # the owner is already here on another connection
    rename_to_guest(ctx.deps, holder, f"{nick} logged in, so you have been renamed")
    return True


def held_without_login(ctx: Context, nick: str) -> bool:
    """Whether ``nick`` is a registered account held by someone not logged in to it."""
    account = ctx.deps.accounts.get(nick)
    holder = ctx.network.find_user(nick)
    return (
        account is not None
        and holder is not None
        and (holder.account is None or fold(holder.account) != account.folded)
    )

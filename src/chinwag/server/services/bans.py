"""Applying server bans (``UBAN``, issue 17) to those already connected; the list itself and
what each kind matches is :mod:`chinwag.server.banlist`."""

from __future__ import annotations

from chinwag.server.deps import Deps
from chinwag.server.services import alwayson
from chinwag.server.state import Session
from chinwag.storage.base import ServerBan


def reason_text(ban: ServerBan) -> str:
    """What a banned client is told (and, in a ``QUIT``, those who share a channel)."""
    return f"Banned: {ban.reason}" if ban.reason else "Banned"


def enforce(deps: Deps, now: float, spare: Session | None = None) -> list[str]:
    """Close every connection a ban in force covers (after a ``UBAN ADD``), but ``spare``
    (the operator's own, as Ergo spares it): each gets ``ERROR`` with the reason and its
    user quits; an always-on user of a banned account or mask with no session goes too.
    Returns the nicks (or session targets) closed."""
    bans = deps.bans
    closed: list[str] = []
    for session in list(deps.network.sessions.values()):
        if session.closed or session is spare:
            continue
        ban = bans.for_session(session, now)
        if ban is None:
            continue
        closed.append(session.target)
        user = session.user
        if user is not None:
            user.always_on = None  # banned users do not linger as ghosts
        deps.sessions.close(session, reason_text(ban))
    for user in list(deps.network.users.values()):
        ghost = user
        if alwayson.is_ghost(ghost):
            ban = bans.for_account(ghost.account, now) or bans.for_user(
                ghost.nick, ghost.username, "", ghost.host, now
            )
            if ban is not None:
                ghost.always_on = None
                closed.append(ghost.nick)
                deps.sessions.quit_user(ghost, reason_text(ban))
    return closed

"""``UBAN``: operators' server bans (issue 17), in the form of Ergo's ``UBAN`` command.

``UBAN ADD <target> [DURATION <duration>] [<reason>]``, ``UBAN DEL <target>``, ``UBAN LIST``
and ``UBAN INFO <target>``, operators only (ERR_NOPRIVILEGES to anyone else, from the
dispatcher). A target is an address or CIDR range, a ``nick!user@host`` mask, or an account
name (:func:`chinwag.server.banlist.parse_target`); a duration is seconds or units
(``30m``, ``2h``, ``7d``). Answers are ``NOTICE``\\ s to the operator, as Ergo's are; a
malformed command gets ``FAIL UBAN INVALID_PARAMS`` or ``FAIL UBAN UNKNOWN_COMMAND`` (IRCv3
standard replies). Ergo's ``REQUIRE-SASL`` option is not offered.

A ban is stored before it takes effect, so one the operator was told about survives a
restart; it then closes everyone it covers at once (:func:`chinwag.server.services.bans.enforce`),
except the operator's own connection, as in Ergo (they are told if their address is covered).
"""

from __future__ import annotations

import logging

from chinwag.protocol.message import Message
from chinwag.server import sources
from chinwag.server.banlist import parse_duration, parse_target
from chinwag.server.context import Context
from chinwag.server.dispatch import command
from chinwag.server.services.bans import enforce
from chinwag.storage.base import ServerBan

log = logging.getLogger("chinwag.server")

MAX_REASON = 300
"""Characters of a ban's reason kept (it is shown in every refusal and ``QUIT``)."""


def _notice(ctx: Context, text: str) -> None:
    ctx.reply.add(Message("NOTICE", (ctx.user.nick, text), ctx.deps.name))


def _describe(ban: ServerBan, now: float) -> str:
    """One ban in words: what, why, who, and for how long still."""
    if ban.expires_at is None:
        left = "until removed"
    else:
        left = f"expires in {max(1, int(ban.expires_at - now))}s"
    reason = ban.reason or "no reason given"
    return f"{ban.kind} {ban.target} ({reason}) set by {ban.set_by}, {left}"


@command("UBAN", min_params=1, oper_only=True)
def uban(ctx: Context, message: Message) -> None:
    """``UBAN ADD|DEL|LIST|INFO ...``: add, lift, list or describe server bans (Ergo's
    ``UBAN``; see the module docstring)."""
    params = message.params
    sub = params[0].upper()
    if sub == "LIST":
        now = sources.now()
        bans = ctx.deps.bans.active(now)
        for ban in bans:
            _notice(ctx, _describe(ban, now))
        _notice(ctx, f"End of UBAN LIST ({len(bans)} bans)")
        return
    if sub not in ("ADD", "DEL", "INFO"):
        ctx.fail("UBAN", "UNKNOWN_COMMAND", "Unknown subcommand; use ADD, DEL, LIST or INFO")
        return
    if len(params) < 2:
        ctx.fail("UBAN", "INVALID_PARAMS", f"UBAN {sub} needs a target")
        return
    parsed = parse_target(params[1])
    if parsed is None:
        ctx.fail("UBAN", "INVALID_PARAMS", "Not an address, range, mask or account", params[1])
        return
    kind, target = parsed
    if sub == "INFO":
        now = sources.now()
        found = ctx.deps.bans.get(kind, target, now)
        _notice(ctx, _describe(found, now) if found else f"No ban on {kind} {target}")
    elif sub == "DEL":
        _delete(ctx, kind, target)
    else:
        _add(ctx, kind, target, list(params[2:]))


def _add(ctx: Context, kind: str, target: str, rest: list[str]) -> None:
    expires: float | None = None
    now = sources.now()
    if len(rest) >= 2 and rest[0].upper() == "DURATION":
        seconds = parse_duration(rest[1])
        if seconds is None:
            ctx.fail("UBAN", "INVALID_PARAMS", "Not a duration (say 3600, 30m, 2h or 7d)", rest[1])
            return
        expires, rest = now + seconds, rest[2:]
    reason = " ".join(rest).strip()[:MAX_REASON]
    oper = ctx.user.nick
    ban = ServerBan(kind, target, reason, oper, now, expires)

    def stored(ctx: Context, _: None) -> None:
        deps = ctx.deps
        deps.bans.add(ban)
        log.info("%s added a ban on %s %s (%s)", oper, kind, target, reason)
        closed = enforce(deps, sources.now(), spare=ctx.session)
        _notice(ctx, f"Added UBAN: {_describe(ban, sources.now())}")
        if closed:
            _notice(ctx, f"Disconnected by it: {', '.join(closed)}")
        if deps.bans.for_session(ctx.session, sources.now()) is ban:
            _notice(ctx, "This ban covers your own connection: you will not be let in again")

    ctx.later(ctx.deps.store.add_server_ban(ban), stored)


def _delete(ctx: Context, kind: str, target: str) -> None:
    def deleted(ctx: Context, found: bool) -> None:
        removed = ctx.deps.bans.remove(kind, target)
        if found or removed is not None:
            log.info("%s lifted the ban on %s %s", ctx.user.nick, kind, target)
            _notice(ctx, f"Removed UBAN on {kind} {target}")
        else:
            ctx.fail("UBAN", "INVALID_PARAMS", "No such ban", target)

    ctx.later(ctx.deps.store.remove_server_ban(kind, target), deleted)

"""What users do to themselves and, as operators, to others: ``AWAY``, ``SETNAME``, ``OPER``,
``KILL``, ``WALLOPS`` and ``MONITOR``.

References: Modern IRC "AWAY message", "OPER message", "KILL message", "WALLOPS message"
(https://modern.ircdocs.horse); IRCv3 away-notify, setname
(https://ircv3.net/specs/extensions/setname), monitor
(https://ircv3.net/specs/extensions/monitor) and extended-monitor. Notifications to others go
through :mod:`chinwag.server.services.presence`.
"""

from __future__ import annotations

import logging

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from chinwag.config import Operator
from chinwag.protocol import numerics as n
from chinwag.protocol.caps import PRE_AWAY
from chinwag.protocol.casemap import Folded, fold, is_valid_nick
from chinwag.protocol.framing import truncate_utf8
from chinwag.protocol.masks import matches
from chinwag.protocol.message import Message
from chinwag.protocol.modes import WALLOPS_USER_MODE
from chinwag.server.accounts import Attempt
from chinwag.server.context import Context, existing_user
from chinwag.server.dispatch import command
from chinwag.server.replies import pack
from chinwag.server.services import SERVICE_NICKS, attempts
from chinwag.server.services.metadata import after_monitor_online
from chinwag.server.services.nicks import SERVICES_HOST
from chinwag.server.state import User
from chinwag.server.tags import event_tags

log = logging.getLogger("chinwag.server")

_hasher = PasswordHasher()


# -- AWAY -----------------------------------------------------------------------------------


@command("AWAY", before_registration=True)
def away(ctx: Context, message: Message) -> None:
    """``AWAY [<text>]`` (Modern IRC "AWAY message"; IRCv3 away-notify, extended-monitor,
    pre-away).

    With text (cut to AWAYLEN) the user is away: RPL_NOWAWAY. Without, or with empty text,
    they are back: RPL_UNAWAY. Each change is announced with ``AWAY`` to away-notify
    neighbours and extended-monitor watchers. ``AWAY *`` is away for no stated reason
    (pre-away); the ``*`` is kept and shown as it is, which pre-away clients read as such.

    Before registration only a session with draft/pre-away may send it (others get
    ERR_NOTREGISTERED): the message is kept on the session and the user starts out with it,
    unannounced, as they had no neighbours yet.
    """
    text = message.params[0] if message.params else ""
    away_text = truncate_utf8(text, ctx.deps.limits.awaylen) if text else None
    if ctx.session.user is None:
        if not ctx.session.has(PRE_AWAY):
            ctx.numeric(n.ERR_NOTREGISTERED, "You have not registered")
            return
        ctx.session.away = away_text
        if away_text is None:
            ctx.numeric(n.RPL_UNAWAY, "You are no longer marked as being away")
        else:
            ctx.numeric(n.RPL_NOWAWAY, "You have been marked as being away")
        return
    user = ctx.user
    user.auto_away = False  # the user's own now: a returning session keeps it (issue 16)
    if away_text is not None:
        user.away = away_text
        ctx.numeric(n.RPL_NOWAWAY, "You have been marked as being away")
        ctx.deps.presence.away_changed(user)
        return
    was_away = user.away is not None
    user.away = None
    ctx.numeric(n.RPL_UNAWAY, "You are no longer marked as being away")
    if was_away:
        ctx.deps.presence.away_changed(user)


# -- SETNAME --------------------------------------------------------------------------------


@command("SETNAME", min_params=1)
def setname(ctx: Context, message: Message) -> None:
    """``SETNAME :<realname>`` (IRCv3 setname).

    An empty real name or one longer than the configured limit gets ``FAIL SETNAME
    INVALID_REALNAME``. Otherwise the change is made (silently for a client without the cap)
    and ``SETNAME`` goes to neighbours and extended-monitor watchers with the setname cap, to
    the user's other sessions with it, and back to the sender if it has it.
    """
    realname = message.params[0]
    if not realname or len(realname.encode()) > ctx.deps.limits.realnamelen:
        ctx.fail("SETNAME", "INVALID_REALNAME", "Realname is not valid")
        return
    user = ctx.user
    user.realname = realname
    change = Message("SETNAME", (realname,), user.source, event_tags(user.account))
    ctx.deps.presence.notify_neighbours(user, change, "setname")
    others = [s for s in user.sessions if s is not ctx.session and s.has("setname")]
    ctx.deps.delivery.deliver(others, change)
    if ctx.session.has("setname"):
        ctx.reply.add(change)


# -- OPER -----------------------------------------------------------------------------------


def password_matches(stored: str, given: str) -> bool:
    """Whether ``given`` is the operator password ``stored``, the argon2 hash of config
    ``Operator.password`` (slow). Anything else in ``stored`` matches nothing: the config
    refuses plaintext passwords at load, and a config built in code gets no plaintext
    comparison either."""
    try:
        return _hasher.verify(stored, given)
    except (VerificationError, InvalidHashError):
        return False


def _operator_block(ctx: Context, name: str) -> Operator | None:
    """The operator block called ``name`` whose host mask matches the user, if any."""
    user = ctx.user
    # Operator blocks name real addresses; the shown host is a cloak when cloaking is on.
    subjects = [f"{user.username}@{host}" for host in (user.host, ctx.session.ip)]
    for block in ctx.deps.config.operators:
        if block.name == name and any(matches(block.hostmask, s) for s in subjects):
            return block
    return None


@command("OPER", min_params=2)
def oper(ctx: Context, message: Message) -> None:
    """``OPER <name> <password>`` (Modern IRC "OPER message").

    No operator block of that name for the user's ``user@host`` gives ERR_NOOPERHOST (so an
    unknown name and a wrong host look alike); a wrong password gives ERR_PASSWDMISMATCH.
    Success sets user mode ``+o``, replies RPL_YOUREOPER and a ``MODE`` to every session.

    Every attempt takes its place in the limits of the operator name and of the address
    before the password is checked (issue 24, item 8; kind ``oper`` in
    :mod:`chinwag.server.services.attempts`, whose known-client rule exempts the addresses
    that have opered as that name before from the name's limit). Past ``[accounts]
    login_failures`` in ``login_window`` seconds the attempt is refused unchecked with
    ERR_PASSWDMISMATCH saying how long to wait.
    """
    name, password = message.params[0], message.params[1]
    block = _operator_block(ctx, name)
    if block is None:
        ctx.numeric(n.ERR_NOOPERHOST, "No O-lines for your host")
        log.info("%s failed OPER as %s: no matching operator block", ctx.user.nick, name)
        return
    attempt = attempts.reserve(ctx, "oper", name)
    if attempt is None:
        wait = attempts.wait_seconds(ctx, "oper", name)
        ctx.numeric(n.ERR_PASSWDMISMATCH, attempts.wait_text(wait, "OPER"))
        log.info("%s refused OPER as %s: too many failed attempts", ctx.user.nick, name)
        return
    # argon2 is slow on purpose: verified in a thread, never on the event loop.
    matched = ctx.deps.effects.in_thread(password_matches, block.password, password)
    ctx.later(matched, lambda ctx, good: _opered(ctx, name, good, attempt))


def _opered(ctx: Context, name: str, good: bool, attempt: Attempt) -> None:
    user = ctx.user
    if not good:
        # The attempt keeps its place in the limits: it counts as a failure.
        ctx.numeric(n.ERR_PASSWDMISMATCH, "Password incorrect")
        ctx.deps.counters.login_failures += 1
        log.info("%s failed OPER as %s from %s: wrong password", user.nick, name, ctx.session.ip)
        return
    attempts.succeeded(ctx, "oper", name, attempt)
    ctx.numeric(n.RPL_YOUREOPER, "You are now an IRC operator")
    if user.is_oper:
        return
    user.modes = user.modes | {"o"}
    change = Message("MODE", (user.nick, "+o"), user.source)
    ctx.deps.delivery.deliver([s for s in user.sessions if s is not ctx.session], change)
    ctx.reply.add(change)
    log.info("%s is now an IRC operator (as %s)", user.nick, name)


# -- KILL -----------------------------------------------------------------------------------


@command("KILL", min_params=2, oper_only=True)
def kill(ctx: Context, message: Message) -> None:
    """``KILL <nick> <comment>`` (Modern IRC "KILL message"), operators only.

    The target receives ``KILL`` from the operator, then ``ERROR :Closing Link: <host>
    (Killed (<oper> (<comment>)))`` on every session; those sharing a channel see ``QUIT
    :Killed (<oper> (<comment>))``. An always-on user quits for good, even one with no
    session connected. An unknown nick gives ERR_NOSUCHNICK.
    """
    nick, comment = message.params[0], message.params[1]
    target = existing_user(ctx, nick)
    if target is None:
        return
    killer = ctx.user
    reason = f"Killed ({killer.nick} ({comment}))"
    log.info("%s killed %s (%s)", killer.nick, target.nick, comment)
    kill = Message("KILL", (target.nick, comment), killer.source)
    ctx.deps.delivery.deliver(target.sessions, kill)
    # An always-on user is killed for good: it does not stay behind its sessions (issue 16).
    target.always_on = None
    for session in list(target.sessions):
        ctx.deps.sessions.close(session, reason)
    if not target.sessions and ctx.network.users.get(target.folded) is target:
        ctx.deps.sessions.quit_user(target, reason)  # a ghost had no session to close


@command("WALLOPS", min_params=1, oper_only=True)
def wallops(ctx: Context, message: Message) -> None:
    """``WALLOPS <text>`` (Modern IRC "WALLOPS message"), operators only.

    Every user with user mode ``+w`` (the sender too, if they have it) receives
    ``:<sender> WALLOPS :<text>`` on each of their sessions. Empty text is ERR_NEEDMOREPARAMS.
    """
    text = message.params[0]
    if not text:
        ctx.numeric(n.ERR_NEEDMOREPARAMS, "WALLOPS", "Not enough parameters")
        return
    sender = ctx.user
    wallop = Message("WALLOPS", (text,), sender.source)
    recipients = [
        session
        for user in ctx.network.users.values()
        if WALLOPS_USER_MODE in user.modes
        for session in user.sessions
        if session is not ctx.session
    ]
    ctx.deps.delivery.deliver(recipients, wallop)
    if WALLOPS_USER_MODE in sender.modes:
        ctx.reply.add(wallop)
    log.info("WALLOPS from %s: %s", sender.nick, text)


# -- MONITOR --------------------------------------------------------------------------------


def _chunks(items: list[str]) -> list[str]:
    """Comma-joined groups of ``items``, each short enough for one numeric."""
    return [",".join(group) for group in pack(items)]


def _send_status(ctx: Context, nicks: list[str]) -> None:
    """RPL_MONONLINE for the online ones (as ``nick!user@host``; running services are
    always online), RPL_MONOFFLINE for the rest; a draft/metadata-3 session then gets each
    online user's subscribed keys in a ``metadata`` batch."""
    online: list[str] = []
    offline: list[str] = []
    users: list[User] = []
    for nick in nicks:
        user = ctx.network.find_user(nick)
        if user is not None:
            online.append(user.source)
            users.append(user)
        elif fold(nick) in SERVICE_NICKS:
            # A running service (NickServ) never leaves: a client watching it, as a direct
            # conversation with it does, must not be told it is offline.
            name = SERVICE_NICKS[fold(nick)]
            online.append(f"{name}!{name}@{SERVICES_HOST}")
        else:
            offline.append(nick)
    for line in _chunks(online):
        ctx.numeric(n.RPL_MONONLINE, line)
    for line in _chunks(offline):
        ctx.numeric(n.RPL_MONOFFLINE, line)
    for user in users:
        after_monitor_online(ctx, user)


def _monitor_add(ctx: Context, targets: list[str]) -> None:
    """``MONITOR + <targets>``: add, report each one's status, stop at the limit."""
    session = ctx.session
    limit = ctx.deps.limits.monitor
    nicks: list[str] = []
    seen: set[Folded] = set()
    for nick in targets:
        if is_valid_nick(nick, ctx.deps.limits.nicklen) and fold(nick) not in seen:
            seen.add(fold(nick))
            nicks.append(nick)
    reported: list[str] = []
    for index, nick in enumerate(nicks):
        folded = fold(nick)
        if folded not in session.monitoring:
            if len(session.monitoring) >= limit:
                _send_status(ctx, reported)
                ctx.numeric(
                    n.ERR_MONLISTFULL,
                    str(limit),
                    ",".join(nicks[index:]),
                    "Monitor list is full.",
                )
                return
            ctx.deps.presence.watch(session, folded)
        reported.append(nick)
    _send_status(ctx, reported)


@command("MONITOR", min_params=1)
def monitor(ctx: Context, message: Message) -> None:
    """``MONITOR (+|-) <nick>{,<nick>}`` and ``MONITOR C|L|S`` (IRCv3 monitor).

    ``+`` adds nicks (invalid ones are ignored) and answers RPL_MONONLINE / RPL_MONOFFLINE
    for them; past the MONITOR limit, ERR_MONLISTFULL lists the ones not added. ``-``
    removes and ``C`` clears, silently. ``L`` lists with RPL_MONLIST and RPL_ENDOFMONLIST;
    ``S`` reports the status of every monitored nick.
    """
    subcommand = message.params[0].upper()
    session = ctx.session
    presence = ctx.deps.presence
    if subcommand in ("+", "-"):
        if len(message.params) < 2 or not message.params[1]:
            ctx.numeric(n.ERR_NEEDMOREPARAMS, "MONITOR", "Not enough parameters")
            return
        targets = [target for target in message.params[1].split(",") if target]
        if subcommand == "+":
            _monitor_add(ctx, targets)
        else:
            for target in targets:
                presence.unwatch(session, fold(target))
    elif subcommand == "C":
        for nick in list(session.monitoring):
            presence.unwatch(session, nick)
    elif subcommand == "L":
        for line in _chunks(sorted(session.monitoring)):
            ctx.numeric(n.RPL_MONLIST, line)
        ctx.numeric(n.RPL_ENDOFMONLIST, "End of MONITOR list")
    elif subcommand == "S":
        _send_status(ctx, sorted(session.monitoring))
    else:
        ctx.numeric(n.ERR_UNKNOWNERROR, "MONITOR", "Unknown MONITOR subcommand")

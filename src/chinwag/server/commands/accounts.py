"""Accounts: logging in and out, ``REGISTER``, nick protection, and what a login brings back.

References: IRCv3 account-registration (https://ircv3.net/specs/extensions/account-registration,
``REGISTER [<account>] {<email> | *} <password>``), account-notify (``ACCOUNT``), sasl-3.1 for
RPL_LOGGEDIN / RPL_LOGGEDOUT. SASL itself is in :mod:`.sasl`, NickServ in
:mod:`chinwag.server.services.nickserv`; all three end in :func:`log_in`.

A login, however it happens, brings back what the account keeps:

- its metadata (``color`` and the rest): keys the user has set on this connection win and are
  saved to the account, the others are restored;
- its read markers (draft/read-marker), for MARKREAD;
- the direct messages that arrived while no session was logged in: a notice saying how many,
  then one ``chathistory`` batch per correspondent with their original ``time`` tags.

Nick protection: a user holding a registered nick without being logged in to that account is
told so at once and renamed to a guest nick after ``[accounts] guest_grace`` seconds; an
owner who logs in takes the nick back from such a holder straight away.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from chinwag.protocol import numerics as n
from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.message import Message, parse
from chinwag.server import presence
from chinwag.server.accounts import (
    check_password,
    make_account,
    password_problem,
    persist_metadata,
)
from chinwag.server.commands.metadata import Target, announce
from chinwag.server.dispatch import Context, command
from chinwag.server.replies import deliver, event_tags
from chinwag.server.state import Session, User
from chinwag.storage.base import Account, StoredMessage

if TYPE_CHECKING:
    from chinwag.server.core import ServerCore

log = logging.getLogger("chinwag.server")

SERVICES_HOST = "services"
"""The host part of service pseudo-users (``NickServ!NickServ@services``)."""


# -- throttling ------------------------------------------------------------------------------


def throttle_keys(session: Session, account: str) -> tuple[str, str]:
    """The keys a login attempt counts against: the account and the client's address."""
    return (f"account:{fold(account)}", f"ip:{session.ip}")


def login_wait(ctx: Context, account: str) -> float:
    """Seconds before another login to ``account`` from this client may be tried (0: now)."""
    return ctx.server.login_throttle.wait(throttle_keys(ctx.session, account), ctx.server.clock())


def login_failed(ctx: Context, account: str) -> None:
    """Count a wrong password against the account and the client's address."""
    ctx.server.login_throttle.failed(throttle_keys(ctx.session, account), ctx.server.clock())
    log.info("failed login to %s from %s", account, ctx.session.ip)


async def verify_login(server: ServerCore, name: str, password: str) -> bool:
    """Whether ``password`` opens the account ``name`` (argon2, in a thread). An unknown
    account takes as long to refuse as a wrong password, so timing does not tell who has one."""
    account = server.accounts.get(name)
    if account is None:
        await server.effects.in_thread(
            server.accounts.decoy_check, password, server.config.accounts
        )
        return False
    return await server.effects.in_thread(check_password, account, password)


def wait_text(seconds: float) -> str:
    """ "Too many failed logins" in words, with how long to wait."""
    whole = max(1, int(seconds + 0.999))
    return f"Too many failed login attempts; try again in {whole} seconds"


# -- logging in and out ------------------------------------------------------------------------


def _mask(session: Session) -> str:
    user = session.user
    if user is not None:
        return user.source
    if session.nick and session.username:
        return f"{session.nick}!{session.username}@{session.host}"
    return "*"


def log_in(ctx: Context, account: Account) -> None:
    """The session proved it owns ``account``: RPL_LOGGEDIN, and for a registered user
    everything the account brings back (see the module docstring).

    Before registration the session only remembers the account; registration completing
    (:func:`registered_with_account`) does the rest.
    """
    session = ctx.session
    ctx.server.login_throttle.succeeded(f"account:{account.folded}")
    ctx.numeric(
        n.RPL_LOGGEDIN, _mask(session), account.name, f"You are now logged in as {account.name}"
    )
    log.info("%s logged in as %s", session.target, account.name)
    user = session.user
    if user is None:
        session.account = account.name
        return
    user.account = account.name
    _account_changed(ctx, user)
    release_nick(ctx.server, user)
    restore_metadata(ctx, user, account, announce_changes=True)
    ctx.later(_login_state(ctx.server, account.folded), _deliver_login_state)


def log_out(ctx: Context, user: User) -> None:
    """End ``user``'s login (the account was dropped): RPL_LOGGEDOUT and ``ACCOUNT *``."""
    user.account = None
    ctx.numeric(n.RPL_LOGGEDOUT, user.source, "You are now logged out")
    _account_changed(ctx, user)
    user.read_markers.clear()
    protect_nick(ctx, user)


def _account_changed(ctx: Context, user: User) -> None:
    """account-notify: ``ACCOUNT <name>|*`` to neighbours and the user's other sessions."""
    change = Message("ACCOUNT", (user.account or "*",), user.source, event_tags(user.account))
    presence.notify_neighbours(ctx.network, user, change, "account-notify")
    deliver([s for s in user.sessions if s is not ctx.session and s.has("account-notify")], change)


def registered_with_account(ctx: Context, user: User) -> None:
    """Registration just completed for a session that logged in before it (SASL, REGISTER):
    the user takes over the account, its metadata first (so the welcome burst's own
    metadata includes it). Call before the welcome burst, and :func:`after_welcome` after."""
    account = ctx.server.accounts.get(ctx.session.account or "")
    ctx.session.account = None
    if account is None:  # dropped meanwhile
        return
    user.account = account.name
    restore_metadata(ctx, user, account, announce_changes=False)


def after_welcome(ctx: Context, user: User) -> None:
    """After the welcome burst: nick protection (someone logged in to one account may still
    hold another's nick), then for a logged-in user the read markers and missed messages."""
    protect_nick(ctx, user)
    if user.account is not None:
        ctx.later(_login_state(ctx.server, fold(user.account)), _deliver_login_state)


def restore_metadata(ctx: Context, user: User, account: Account, announce_changes: bool) -> None:
    """Bring back the account's metadata: keys set on this connection win and are saved,
    the others are restored (and announced to subscribers when ``announce_changes``)."""
    saved = account.metadata
    for key, value in sorted(user.metadata.items()):
        if saved.get(key) != value:
            persist_metadata(ctx.server, account.folded, key, value)
    for key, value in sorted(saved.items()):
        if key not in user.metadata and len(user.metadata) < ctx.server.limits.metadata_max_keys:
            user.metadata[key] = value
            if announce_changes:
                announce(ctx, Target(user.nick, user.metadata, user=user), key, value)


async def _login_state(
    server: ServerCore, account: Folded
) -> tuple[Folded, dict[Folded, float], list[StoredMessage]]:
    markers = await server.store.read_markers(account)
    waiting = await server.store.offline_messages(account)
    return account, markers, waiting


def _deliver_login_state(
    ctx: Context, state: tuple[Folded, dict[Folded, float], list[StoredMessage]]
) -> None:
    account, markers, waiting = state
    user = ctx.session.user
    if user is None or user.account is None or fold(user.account) != account:
        return  # logged out (or dropped) while the store answered
    for target, when in markers.items():
        user.read_markers[target] = max(user.read_markers.get(target, 0.0), when)
    if not waiting:
        return
    count = len(waiting)
    noun = "message" if count == 1 else "messages"
    ctx.reply.add(
        Message(
            "NOTICE",
            (user.nick, f"You have {count} {noun} that arrived while you were away"),
            ctx.server.name,
        )
    )
    for sender, lines in _by_sender(waiting):
        with ctx.reply.batch("chathistory", sender):
            for line in lines:
                ctx.reply.add(line)
    # Forgotten once queued for this session; history keeps them either way.
    server = ctx.server
    msgids = [message.msgid for message in waiting]

    def done(_: object, error: BaseException | None) -> None:
        if isinstance(error, Exception):
            log.error("could not mark delivered messages for %s: %r", account, error)

    server.effects.run(server.store.clear_offline(account, msgids), done)


def _by_sender(waiting: Sequence[StoredMessage]) -> Iterable[tuple[str, list[Message]]]:
    """The waiting messages grouped by sender nick, in the order each sender first wrote."""
    groups: dict[str, list[Message]] = {}
    for stored in waiting:
        try:
            message = parse(stored.line)
        except Exception:  # a line stored by an older chinwag that no longer parses
            log.warning("skipping unreadable stored message %s", stored.msgid)
            continue
        sender = (message.source or "*").split("!", 1)[0]
        groups.setdefault(sender, []).append(message)
    return groups.items()


# -- nick protection ---------------------------------------------------------------------------


def protect_nick(ctx: Context, user: User) -> None:
    """If ``user`` holds a registered nick that is not their account, warn them and start
    the grace period after which they are renamed; otherwise end any grace period."""
    server = ctx.server
    account = server.accounts.get(user.nick)
    if account is None or (user.account is not None and fold(user.account) == account.folded):
        release_nick(server, user)
        return
    grace = server.config.accounts.guest_grace
    server.nick_deadlines[user] = server.clock() + grace
    seconds = f"{grace:g}"
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
                nickserv_source(server),
            )
        )


def release_nick(server: ServerCore, user: User) -> None:
    """End ``user``'s grace period, if any (they logged in, or changed nick)."""
    server.nick_deadlines.pop(user, None)


def nickserv_source(server: ServerCore) -> str:
    """The source of NickServ's messages."""
    return f"NickServ!NickServ@{SERVICES_HOST}"


def guest_nick(server: ServerCore) -> str:
    """A guest nick nobody holds: the configured prefix and five digits."""
    prefix = server.config.accounts.guest_prefix
    while True:
        nick = f"{prefix}{secrets.randbelow(100_000):05d}"
        if server.network.find_user(nick) is None and nick not in server.accounts:
            return nick


def rename_to_guest(server: ServerCore, user: User, reason: str) -> None:
    """Rename ``user`` to a guest nick, telling them why and everyone who sees them."""
    # Imported here: registration imports this module for its registration hooks.
    from chinwag.server.commands.registration import rename

    session = user.sessions[0]
    ctx = Context(server, session, Message("NICK", ()))
    ctx.reply.add(Message("NOTICE", (user.nick, reason), nickserv_source(server)))
    release_nick(server, user)
    rename(ctx, user, guest_nick(server))
    ctx.reply.flush()


def enforce_nick_protection(server: ServerCore) -> None:
    """Rename every holder of a registered nick whose grace period is over (the ticker)."""
    now = server.clock()
    expired = [user for user, deadline in server.nick_deadlines.items() if deadline <= now]
    for user in expired:
        server.nick_deadlines.pop(user, None)
        if not user.sessions or server.network.users.get(user.folded) is not user:
            continue
        if server.accounts.get(user.nick) is None:
            continue  # the account was dropped meanwhile
        rename_to_guest(
            server, user, f"You did not log in to {user.nick}, so you have been renamed"
        )


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
    rename_to_guest(ctx.server, holder, f"{nick} logged in, so you have been renamed")
    return True


# -- REGISTER (draft/account-registration) ---------------------------------------------------------


def registration_problem(ctx: Context, nick: str | None) -> tuple[str, str] | None:
    """Why the session may not register an account named ``nick`` now, as a FAIL code and
    text, or ``None`` if it may."""
    server = ctx.server
    if not server.config.accounts.registration:
        return "TEMPORARILY_UNAVAILABLE", "Registration is disabled on this server"
    if server.config.server.password is not None and not ctx.session.password_ok:
        # REGISTER before connecting must not get round the connection password.
        return "TEMPORARILY_UNAVAILABLE", "Send the server password (PASS) first"
    if ctx.session.account is not None or (ctx.session.user and ctx.session.user.account):
        return "ALREADY_REGISTERED", "You are already logged in"
    if nick is None:
        return "NEED_NICK", "Choose a nick first: the account is named after it"
    if nick in server.accounts:
        return "ACCOUNT_EXISTS", f"{nick} is already registered"
    if fold(nick).startswith(fold(server.config.accounts.guest_prefix)):
        return "ACCOUNT_EXISTS", "Guest nicks cannot be registered; choose a nick first"
    return None


def start_registration(
    ctx: Context,
    nick: str,
    password: str,
    succeeded: Callable[[Context, Account], None],
    failed: Callable[[Context, str, str], None],
) -> None:
    """Hash ``password`` (in a thread), store the account, log in, then ``succeeded``;
    or ``failed`` with a FAIL code and text. Registrations count against the address's
    login throttle so that nobody can keep the hashing busy."""
    server = ctx.server
    settings = server.config.accounts
    wait = server.login_throttle.wait((f"register:{ctx.session.ip}",), server.clock())
    if wait:
        seconds = max(1, int(wait + 0.999))
        failed(ctx, "TEMPORARILY_UNAVAILABLE", f"Too many registrations; try in {seconds} s")
        return
    server.login_throttle.failed((f"register:{ctx.session.ip}",), server.clock())
    problem = password_problem(password, settings)
    if problem is not None:
        failed(ctx, "WEAK_PASSWORD" if "least" in problem else "UNACCEPTABLE_PASSWORD", problem)
        return

    async def create() -> Account | None:
        account = await server.effects.in_thread(make_account, nick, password, settings)
        created = await server.store.create_account(account)
        return account if created else None

    def then(ctx: Context, account: Account | None) -> None:
        if account is None:
            failed(ctx, "ACCOUNT_EXISTS", f"{nick} is already registered")
            return
        server.accounts.put(account)
        log.info("account %s registered from %s", account.name, ctx.session.ip)
        succeeded(ctx, account)
        log_in(ctx, account)

    def broken(ctx: Context, error: Exception) -> None:
        failed(ctx, "TEMPORARILY_UNAVAILABLE", "Accounts cannot be saved right now; try later")

    ctx.later(create(), then, broken)


@command("REGISTER", min_params=2, before_registration=True)
def register(ctx: Context, message: Message) -> None:
    """``REGISTER [<account>] {<email> | *} <password>`` (draft/account-registration).

    The account is named after the current nick: ``<account>`` must be ``*`` or that nick
    (chinwag does not offer ``custom-account-name``). No e-mail is needed or checked, so there
    is no ``VERIFY`` step: success logs the client in at once, as if by SASL.
    """
    params = message.params
    account_param = params[0] if len(params) >= 3 else "*"
    password = params[2] if len(params) >= 3 else params[1]
    session = ctx.session
    nick = session.user.nick if session.user is not None else session.nick
    shown = nick or "*"
    if account_param != "*" and (nick is None or fold(account_param) != fold(nick)):
        ctx.fail(
            "REGISTER",
            "ACCOUNT_NAME_MUST_BE_NICK",
            "The account must be named after your current nick",
            account_param,
        )
        return
    problem = registration_problem(ctx, nick)
    if problem is not None:
        code, text = problem
        ctx.fail("REGISTER", code, text, shown)
        return
    assert nick is not None

    def succeeded(ctx: Context, account: Account) -> None:
        ctx.reply.add(
            Message(
                "REGISTER",
                ("SUCCESS", account.name, f"Account {account.name} registered; you are logged in"),
                ctx.server.name,
            )
        )

    def failed(ctx: Context, code: str, text: str) -> None:
        ctx.fail("REGISTER", code, text, shown)

    start_registration(ctx, nick, password, succeeded, failed)

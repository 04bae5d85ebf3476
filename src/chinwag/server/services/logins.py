"""Logging in and out, registering accounts, and what a login brings back.

References: IRCv3 account-registration (https://ircv3.net/specs/extensions/account-registration),
account-notify (``ACCOUNT``), sasl-3.1 for RPL_LOGGEDIN / RPL_LOGGEDOUT. SASL
(:mod:`chinwag.server.commands.sasl`), ``REGISTER`` (:mod:`chinwag.server.commands.accounts`)
and NickServ (:mod:`chinwag.server.services.nickserv`) all end in :func:`log_in`.

A login, however it happens, brings back what the account keeps:

- its metadata (``color`` and the rest): keys the user has set on this connection win and are
  saved to the account, the others are restored;
- its read markers (draft/read-marker), for MARKREAD;
- the direct messages that arrived while no session was logged in: a notice saying how many,
  then one ``chathistory`` batch per correspondent with their original ``time`` tags.

A login to an account whose user is already here (an always-on ghost, or another device's
session, issue 16) attaches the session to that user instead (:func:`attach`): it gets the
user's channels with their read markers, then what it missed in them
(:mod:`chinwag.server.services.alwayson`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence

from chinwag.protocol import numerics as n
from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.message import Message
from chinwag.server import sources
from chinwag.server.accounts import (
    Attempt,
    check_password,
    make_account,
    new_account_draws,
    password_problem,
)
from chinwag.server.context import Context
from chinwag.server.deps import Deps
from chinwag.server.history import identity
from chinwag.server.services import alwayson, attempts, is_service_name
from chinwag.server.services.bans import reason_text
from chinwag.server.services.metadata import Target, announce, persist
from chinwag.server.services.nicks import protect_nick, release_nick
from chinwag.server.services.playback import replay_messages
from chinwag.server.state import Session, User
from chinwag.server.tags import event_tags
from chinwag.storage.base import Account, StoredMessage

log = logging.getLogger("chinwag.server")

LoginState = tuple[Folded, dict[Folded, float], list[StoredMessage]]
"""What the store keeps for an account to bring back at login: the account, its read
markers, and the direct messages that waited for it."""


# -- limiting attempts ----------------------------------------------------------------------


def begin_login(ctx: Context, account: str) -> Attempt | None:
    """Take this login attempt's place in the limits of ``account`` and of the client's
    address *before* the password is checked (:mod:`chinwag.server.services.attempts`, with
    its known-client rule); ``None``: refuse unchecked, with :func:`wait_text` of
    :func:`login_wait`."""
    return attempts.reserve(ctx, "login", account)


def login_wait(ctx: Context, account: str) -> float:
    """Seconds before another login to ``account`` from this client may be tried (0: now)."""
    return attempts.wait_seconds(ctx, "login", account)


def end_login(ctx: Context, attempt: Attempt, account: str, good: bool) -> None:
    """The check of ``attempt`` is over: a right password gives its place back (and
    :func:`log_in` makes the address known); a wrong one leaves it counted as a failure."""
    if good:
        ctx.deps.throttle.release(attempt)
    else:
        ctx.deps.counters.login_failures += 1
        log.info("failed login to %s from %s", account, ctx.session.ip)


async def verify_login(deps: Deps, name: str, password: str) -> bool:
    """Whether ``password`` opens the account ``name`` (argon2, in a thread). An unknown
    account takes as long to refuse as a wrong password, so timing does not tell who has one."""
    account = deps.accounts.get(name)
    if account is None:
        await deps.effects.in_thread(deps.accounts.decoy_check, password, deps.config.accounts)
        return False
    return await deps.effects.in_thread(check_password, account, password)


def wait_text(seconds: float) -> str:
    """ "Too many failed logins" in words, with how long to wait."""
    return attempts.wait_text(seconds, "login")


def certificate_account(ctx: Context, name: str | None = None) -> Account | str:
    """The account the session's client certificate logs in to (CertFP: SASL EXTERNAL,
    NickServ ``IDENTIFY`` without a password), or why not, in words.

    ``name``, if given, must be that account (SASL EXTERNAL's authzid). The check is a
    lookup, but it still takes its place in the login limits like a password attempt
    (:mod:`chinwag.server.services.attempts`), and a failure stays counted: trying one
    certificate after another is guessing too. An unknown certificate names no account,
    so it counts against the address alone.
    """
    fingerprint = ctx.session.certfp
    account = None if fingerprint is None else ctx.deps.accounts.by_certfp(fingerprint)
    subject = None if account is None else account.name
    attempt = attempts.reserve(ctx, "login", subject)
    if attempt is None:
        return wait_text(attempts.wait_seconds(ctx, "login", subject))
    if fingerprint is None:
        return "You did not present a client certificate (TLS CertFP)"
    if account is None or (name and fold(name) != account.folded):
        log.info("failed certificate login from %s", ctx.session.ip)
        return "Your client certificate is not registered to that account"
    ctx.deps.throttle.release(attempt)
    return account


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
    attempts.succeeded(ctx, "login", account.name)  # this address is known from now on
    ban = ctx.deps.bans.for_account(account.name, sources.now())
    if ban is not None:
        # An operator banned the account (UBAN, issue 17): the right password gets the
        # ban's reason and the connection closed, never the account.
        log.info("%s refused: the account %s is banned", session.target, account.name)
        ctx.deps.sessions.close(session, reason_text(ban))
        return
    ctx.numeric(
        n.RPL_LOGGEDIN, _mask(session), account.name, f"You are now logged in as {account.name}"
    )
    log.info("%s logged in as %s", session.target, account.name)
    user = session.user
    if user is None:
        session.account = account.name
        return
    ghost = alwayson.account_user(ctx.network, account.name)
    if ghost is not None and ghost is not user and alwayson.is_ghost(ghost):
        _move_to(ctx, user, ghost)
        return
    set_account(ctx.deps, user, account)
    _account_changed(ctx, user)
    if user.folded == account.folded:
        # Only the nick's own account ends its protection: a login to any other account
        # must not let its holder keep someone else's nick.
        release_nick(ctx.deps, user)
    restore_metadata(ctx, user, account, announce_changes=True)
    ctx.later(_login_state(ctx.deps, account.folded), _deliver_login_state)


def _move_to(ctx: Context, user: User, ghost: User) -> None:
    """The session of ``user`` logged in to the account of the always-on ``ghost``: its
    user leaves (``QUIT`` to whoever shares a channel with it, not to the session), and the
    session sees its nick change to the ghost's, then is attached to the ghost."""
    session, deps = ctx.session, ctx.deps
    user.remove_session(session)
    session.user = None
    deps.sessions.quit_user(user, f"Logged in as {ghost.account}")
    if ghost.nick != user.nick:
        ctx.reply.add(Message("NICK", (ghost.nick,), user.source, event_tags(ghost.account)))
    attach(ctx, ghost)


def attach(ctx: Context, user: User, greet: Callable[[Context], None] | None = None) -> None:
    """Attach the session, just logged in, to ``user``, who is logged in to the same account
    (multiclient, issue 16): the session is shown the user's channels as fresh JOINs would
    show them (each with its read marker), and nobody else hears of it; a ghost comes back
    (its automatic away ends). Then, as for any login, the account's read markers and the
    direct messages that waited, and what was said in its channels while it was away.
    ``greet`` (the welcome burst of a session that is registering) comes first."""
    deps = ctx.deps
    since = alwayson.come_back(deps, user) if not user.sessions else None
    deps.sessions.attach(ctx.session, user)
    if greet is not None:
        greet(ctx)
    alwayson.send_channels(ctx, user)
    account = fold(user.account or "")

    def delivered(ctx: Context, state: LoginState) -> None:
        _deliver_login_state(ctx, state)
        if ctx.session.user is user:
            alwayson.replay_missed(ctx, user, since)

    ctx.later(_login_state(deps, account), delivered)


def log_out(ctx: Context, user: User) -> None:
    """End ``user``'s login (the account was dropped): RPL_LOGGEDOUT and ``ACCOUNT *``."""
    set_account(ctx.deps, user, None)
    ctx.numeric(n.RPL_LOGGEDOUT, user.source, "You are now logged out")
    _account_changed(ctx, user)
    user.read_markers = None
    protect_nick(ctx, user)


def set_account(deps: Deps, user: User, account: Account | None) -> None:
    """``user`` is now logged in to ``account`` (``None``: to none): what history they own
    changes with it (docs/security.md, "Who owns what")."""
    old = identity(user)
    user.account = None if account is None else account.name
    user.account_id = None if account is None else account.id
    deps.history.identity_changed(user, old)
    alwayson.refresh(deps, user)


def _account_changed(ctx: Context, user: User) -> None:
    """account-notify: ``ACCOUNT <name>|*`` to neighbours and the user's other sessions."""
    change = Message("ACCOUNT", (user.account or "*",), user.source, event_tags(user.account))
    ctx.deps.presence.notify_neighbours(user, change, "account-notify")
    others = [s for s in user.sessions if s is not ctx.session and s.has("account-notify")]
    ctx.deps.delivery.deliver(others, change)


def registered_with_account(ctx: Context, user: User) -> None:
    """Registration just completed for a session that logged in before it (SASL, REGISTER):
    the user takes over the account, its metadata first (so the welcome burst's own
    metadata includes it). Call before the welcome burst, and :func:`after_welcome` after."""
    account = ctx.deps.accounts.get(ctx.session.account or "")
    ctx.session.account = None
    if account is None:  # dropped meanwhile
        return
    set_account(ctx.deps, user, account)
    restore_metadata(ctx, user, account, announce_changes=False)


def after_welcome(ctx: Context, user: User) -> None:
    """After the welcome burst: nick protection (someone logged in to one account may still
    hold another's nick), then for a logged-in user the read markers and missed messages."""
    protect_nick(ctx, user)
    if user.account is not None:
        ctx.later(_login_state(ctx.deps, fold(user.account)), _deliver_login_state)


def restore_metadata(ctx: Context, user: User, account: Account, announce_changes: bool) -> None:
    """Bring back the account's metadata: keys set on this connection win and are saved,
    the others are restored (and announced to subscribers when ``announce_changes``)."""
    saved = account.metadata
    for key, value in sorted(user.metadata.items()):
        if saved.get(key) != value:
            persist(ctx.deps, account.folded, key, value)
    for key, value in sorted(saved.items()):
        if key not in user.metadata and len(user.metadata) < ctx.deps.limits.metadata_max_keys:
            user.metadata[key] = value
            if announce_changes:
                announce(ctx, Target(user.nick, user.metadata, user=user), key, value)


async def _login_state(deps: Deps, account: Folded) -> LoginState:
    markers = await deps.store.read_markers(account)
    waiting = await deps.store.offline_messages(account)
    return account, markers, waiting


def _deliver_login_state(ctx: Context, state: LoginState) -> None:
    account, markers, waiting = state
    user = ctx.session.user
    if user is None or user.account is None or fold(user.account) != account:
        return  # logged out (or dropped) while the store answered
    for target, when in markers.items():
        user.move_marker(target, max(user.marker(target) or 0.0, when))
    if not waiting:
        return
    count = len(waiting)
    noun = "message" if count == 1 else "messages"
    ctx.reply.add(
        Message(
            "NOTICE",
            (user.nick, f"You have {count} {noun} that arrived while you were away"),
            ctx.deps.name,
        )
    )
    for sender, lines in _by_sender(ctx.session, waiting):
        with ctx.reply.batch("chathistory", sender):
            for line in lines:
                ctx.reply.add(line)
    # Forgotten once queued for this session; history keeps them either way.
    msgids = [message.msgid for message in waiting]

    def done(_: object, error: BaseException | None) -> None:
        if isinstance(error, Exception):
            log.error("could not mark delivered messages for %s: %r", account, error)

    deps = ctx.deps
    deps.effects.run(deps.store.clear_offline(account, msgids), done)


def _by_sender(
    session: Session, waiting: Sequence[StoredMessage]
) -> Iterable[tuple[str, list[Message]]]:
    """The waiting messages grouped by sender nick, in the order each sender first wrote;
    a multiline message as its batch or its lines (:func:`playback.replay_messages`)."""
    groups: dict[str, list[Message]] = {}
    for stored in waiting:
        messages = replay_messages(session, stored)  # an unreadable line is logged, skipped
        if messages:
            sender = (messages[0].source or "*").split("!", 1)[0]
            groups.setdefault(sender, []).extend(messages)
    return groups.items()


# -- registering accounts ------------------------------------------------------------------------


def registration_problem(ctx: Context, nick: str | None) -> tuple[str, str] | None:
    """Why the session may not register an account named ``nick`` now, as a FAIL code and
    text (account-registration spec, "Responses"), or ``None`` if it may. ACCOUNT_EXISTS is
    for a name someone registered (or is registering); a name no account may take (a
    service's, a guest nick, a nick someone else holds) is BAD_ACCOUNT_NAME."""
    config = ctx.deps.config
    if not config.accounts.registration:
        return "TEMPORARILY_UNAVAILABLE", "Registration is disabled on this server"
    if config.server.password is not None and not ctx.session.password_ok:
        # REGISTER before connecting must not get round the connection password.
        return "TEMPORARILY_UNAVAILABLE", "Send the server password (PASS) first"
    if ctx.session.account is not None or (ctx.session.user and ctx.session.user.account):
        return "ALREADY_AUTHENTICATED", "You are already logged in"
    if nick is None:
        return "NEED_NICK", "Choose a nick first: the account is named after it"
    if nick in ctx.deps.accounts:
        return "ACCOUNT_EXISTS", f"{nick} is already registered"
    if ctx.deps.accounts.reserved(nick):
        return "ACCOUNT_EXISTS", f"{nick} is being registered by someone else"
    # The spec's BAD_ACCOUNT_NAME: "invalid or otherwise restricted/disallowed" names, such
    # as a service's, or one somebody else holds (registering it would rename them).
    if is_service_name(nick):
        return "BAD_ACCOUNT_NAME", f"{nick} is reserved for services"
    network = ctx.network
    holder = network.find_user(nick)
    if holder is not None:
        if holder is not ctx.session.user:
            return "BAD_ACCOUNT_NAME", f"{nick} is someone else's nick"
    elif network.pending_nicks.get(fold(nick), ctx.session) is not ctx.session:
        return "BAD_ACCOUNT_NAME", f"{nick} is someone else's nick"
    if fold(nick).startswith(fold(config.accounts.guest_prefix)):
        return "BAD_ACCOUNT_NAME", "Guest nicks cannot be registered; choose a nick first"
    return None


def start_registration(
    ctx: Context,
    nick: str,
    password: str,
    succeeded: Callable[[Context, Account], None],
    failed: Callable[[Context, str, str], None],
) -> None:
    """Hash ``password`` (in a thread), store the account, log in, then ``succeeded``;
    or ``failed`` with a FAIL code and text. Every registration that reaches the hashing
    takes a place in its address's limit first (kind ``register``, never given back) so
    that nobody can keep the hashing busy or fill the account list. The name is reserved in
    the registry while the password is hashed, so a second registration of it (its first
    holder left, and someone else took the nick) gets ACCOUNT_EXISTS at once."""
    deps = ctx.deps
    ip = ctx.session.ip
    settings = deps.config.accounts
    if settings.email_verification:
        # Only REGISTER with an e-mail address (then VERIFY) may create accounts here.
        failed(
            ctx,
            "TEMPORARILY_UNAVAILABLE",
            "This server verifies e-mail: use REGISTER <account> <email> <password>",
        )
        return
    problem = password_problem(password, settings)
    if problem is not None:
        failed(ctx, "WEAK_PASSWORD" if "least" in problem else "UNACCEPTABLE_PASSWORD", problem)
        return
    if attempts.reserve(ctx, "register", None) is None:
        seconds = max(1, int(attempts.wait_seconds(ctx, "register", None) + 0.999))
        failed(ctx, "TEMPORARILY_UNAVAILABLE", f"Too many registrations; try in {seconds} s")
        return
    registry = deps.accounts
    if not registry.reserve(nick):
        failed(ctx, "ACCOUNT_EXISTS", f"{nick} is already registered")
        return

    draws = new_account_draws()  # here, not in the thread (see chinwag.server.sources)

    async def create() -> Account | None:
        account = await deps.effects.in_thread(make_account, nick, password, settings, draws)
        return account if await deps.store.create_account(account) else None

    def settle(account: object, error: BaseException | None) -> None:
        # Here rather than in ``then``: a session closed meanwhile never runs ``then``, yet
        # its account exists, and no one else may register the name.
        if isinstance(account, Account):
            registry.put(account)
            log.info("account %s registered from %s", account.name, ip)
        registry.release(nick)

    def then(ctx: Context, account: Account | None) -> None:
        if account is None:
            failed(ctx, "ACCOUNT_EXISTS", f"{nick} is already registered")
            return
        succeeded(ctx, account)
        log_in(ctx, account)

    def broken(ctx: Context, error: Exception) -> None:
        failed(ctx, "TEMPORARILY_UNAVAILABLE", "Accounts cannot be saved right now; try later")

    ctx.later(create(), then, broken, settle)

"""``REGISTER`` and ``VERIFY``: IRCv3 ``draft/account-registration``.

Reference: https://ircv3.net/specs/extensions/account-registration, ``REGISTER [<account>]
{<email> | *} <password>``. The checks, the hashing and the login that follows are shared with
NickServ (:mod:`chinwag.server.services.logins`). With ``[accounts] email_verification`` the
account waits for the code mailed to it (:mod:`chinwag.server.services.verification`).
"""

from __future__ import annotations

import logging

from chinwag.protocol.casemap import fold
from chinwag.protocol.message import Message
from chinwag.server.accounts import make_account, new_account_draws, password_problem
from chinwag.server.context import Context
from chinwag.server.dispatch import command
from chinwag.server.services import attempts, verification
from chinwag.server.services.logins import log_in, registration_problem, start_registration
from chinwag.server.services.verification import PendingAccount
from chinwag.storage.base import Account

log = logging.getLogger("chinwag.server")


@command("REGISTER", min_params=2, before_registration=True)
def register(ctx: Context, message: Message) -> None:
    """``REGISTER [<account>] {<email> | *} <password>`` (draft/account-registration).

    The account is named after the current nick: ``<account>`` must be ``*`` or that nick
    (chinwag does not offer ``custom-account-name``). Before connection registration only with
    ``register_before_connect``. Without ``email_verification`` no e-mail is needed or checked
    and success logs the client in at once, as if by SASL; with it, see :func:`verify`.
    """
    params = message.params
    account_param = params[0] if len(params) >= 3 else "*"
    password = params[2] if len(params) >= 3 else params[1]
    session = ctx.session
    nick = session.user.nick if session.user is not None else session.nick
    shown = nick or "*"
    settings = ctx.deps.config.accounts
    if session.user is None and not settings.register_before_connect:
        # The spec's form has no account parameter: FAIL REGISTER COMPLETE_CONNECTION_REQUIRED
        # <message>.
        ctx.fail(
            "REGISTER",
            "COMPLETE_CONNECTION_REQUIRED",
            "Finish connecting (NICK, USER, CAP END) before registering an account",
        )
        return
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
    if settings.email_verification:
        email = params[1] if len(params) >= 3 else params[0]
        if not verification.valid_email(email):
            ctx.fail("REGISTER", "INVALID_EMAIL", "A valid e-mail address is required", shown)
            return
        _forget_expired(ctx)
        _register_pending(ctx, nick, email, password)
        return

    def succeeded(ctx: Context, account: Account) -> None:
        ctx.reply.add(
            Message(
                "REGISTER",
                ("SUCCESS", account.name, f"Account {account.name} registered; you are logged in"),
                ctx.deps.name,
            )
        )

    def failed(ctx: Context, code: str, text: str) -> None:
        ctx.fail("REGISTER", code, text, shown)

    start_registration(ctx, nick, password, succeeded, failed)


def _forget_expired(ctx: Context) -> None:
    """Give back the names of pending accounts whose codes have expired."""
    for pending in ctx.deps.pending_accounts.expired(ctx.deps.clock()):
        ctx.deps.accounts.release(pending.account.name)


def _register_pending(ctx: Context, nick: str, email: str, password: str) -> None:
    """Hash the password and keep the account pending, its name reserved, while the code
    goes to ``email``; then ``REGISTER VERIFICATION_REQUIRED``. The same limits as an
    immediate registration apply (:func:`~chinwag.server.services.logins.start_registration`)."""
    deps = ctx.deps
    settings = deps.config.accounts
    problem = password_problem(password, settings)
    if problem is not None:
        code = "WEAK_PASSWORD" if "least" in problem else "UNACCEPTABLE_PASSWORD"
        ctx.fail("REGISTER", code, problem, nick)
        return
    if attempts.reserve(ctx, "register", None) is None:
        seconds = max(1, int(attempts.wait_seconds(ctx, "register", None) + 0.999))
        ctx.fail(
            "REGISTER",
            "TEMPORARILY_UNAVAILABLE",
            f"Too many registrations; try in {seconds} s",
            nick,
        )
        return
    registry = deps.accounts
    if not registry.reserve(nick):
        ctx.fail("REGISTER", "ACCOUNT_EXISTS", f"{nick} is already registered", nick)
        return
    ip = ctx.session.ip
    address = attempts.address_of(ip)
    # The registering address is known for VERIFY of this name: an attacker filling the
    # name's limit elsewhere cannot keep the registrant from entering the code.
    attempts.succeeded(ctx, "verify", nick)

    # Drawn here, not in the deferred work (see chinwag.server.sources).
    draws = new_account_draws()
    code = verification.new_code()

    async def hash_and_mail() -> PendingAccount:
        account = await deps.effects.in_thread(make_account, nick, password, settings, draws)
        expires = deps.clock() + settings.verification_ttl
        pending = PendingAccount(account, email, code, expires, address=address)
        text = verification.message_text(
            deps.name, account.name, email, code, settings.verification_ttl
        )
        await verification.send_mail(settings.mail_command, email, account.name, code, text)
        log.info("account %s pending e-mail verification, from %s", account.name, ip)
        return pending

    def settle(pending: object, error: BaseException | None) -> None:
        # Here rather than in ``then``: a session closed meanwhile never runs ``then``, and
        # the name must still be given back on expiry (or now, if the mail failed).
        if isinstance(pending, PendingAccount):
            deps.pending_accounts.add(pending)
        else:
            registry.release(nick)

    def then(ctx: Context, _: PendingAccount) -> None:
        ctx.reply.add(
            Message(
                "REGISTER",
                (
                    "VERIFICATION_REQUIRED",
                    nick,
                    f"A code was sent to {email}; send VERIFY {nick} <code> to finish",
                ),
                ctx.deps.name,
            )
        )

    def broken(ctx: Context, error: Exception) -> None:
        log.error("could not mail a verification code for %s: %r", nick, error)
        ctx.fail(
            "REGISTER",
            "TEMPORARILY_UNAVAILABLE",
            "The verification e-mail could not be sent; try later",
            nick,
        )

    ctx.later(hash_and_mail(), then, broken, settle)


@command("VERIFY", min_params=2, before_registration=True)
def verify(ctx: Context, message: Message) -> None:
    """``VERIFY <account> <code>`` (draft/account-registration): the code mailed after
    ``REGISTER`` creates the pending account and logs the session in to it. A wrong code
    counts against the pending account; after ``verification_attempts`` of them, or once
    ``verification_ttl`` has passed, it is forgotten and must be registered again."""
    name, code = message.params[0], message.params[1]
    deps = ctx.deps
    _forget_expired(ctx)
    session = ctx.session
    if session.user is None and not deps.config.accounts.register_before_connect:
        # Without the before-connect key, VERIFY waits for the connection like REGISTER.
        ctx.fail(
            "VERIFY",
            "COMPLETE_CONNECTION_REQUIRED",
            "Finish connecting (NICK, USER, CAP END) before verifying an account",
        )
        return
    if session.account is not None or (session.user is not None and session.user.account):
        ctx.fail("VERIFY", "ALREADY_AUTHENTICATED", "You are already logged in", name)
        return
    pending = deps.pending_accounts.get(fold(name))
    if pending is None:
        ctx.fail("VERIFY", "INVALID_CODE", f"No registration of {name} awaits a code", name)
        return
    attempt = attempts.reserve(ctx, "verify", pending.account.name)
    if attempt is None:
        seconds = attempts.wait_seconds(ctx, "verify", pending.account.name)
        ctx.fail("VERIFY", "INVALID_CODE", attempts.wait_text(seconds, "verification"), name)
        return
    if not verification.same_code(code, pending.code):
        deps.counters.login_failures += 1
        log.info("wrong verification code for %s from %s", pending.account.name, session.ip)
        if attempts.address_of(session.ip) != pending.address:
            # Someone else's guess: it stays a failure in the limits, and nothing more.
            ctx.fail("VERIFY", "INVALID_CODE", "Invalid code", name)
            return
        pending.wrong += 1
        if pending.wrong >= deps.config.accounts.verification_attempts:
            deps.pending_accounts.remove(pending.account.folded)
            deps.accounts.release(pending.account.name)
            text = "Invalid code; too many tries, so register again"
        else:
            text = "Invalid code"
        ctx.fail("VERIFY", "INVALID_CODE", text, name)
        return
    attempts.succeeded(ctx, "verify", pending.account.name, attempt)
    deps.pending_accounts.remove(pending.account.folded)
    account = pending.account
    registry = deps.accounts

    async def create() -> bool:
        return await deps.store.create_account(account)

    def settle(created: object, error: BaseException | None) -> None:
        # Here rather than in ``then``: a session closed meanwhile never runs ``then``, yet
        # the account exists, and the name must be given back either way.
        if created is True:
            registry.put(account)
            log.info("account %s verified and registered from %s", account.name, session.ip)
        registry.release(account.name)

    def then(ctx: Context, created: bool) -> None:
        if not created:
            ctx.fail("VERIFY", "ACCOUNT_EXISTS", f"{account.name} is already registered", name)
            return
        ctx.reply.add(
            Message(
                "VERIFY",
                ("SUCCESS", account.name, f"Account {account.name} verified; you are logged in"),
                ctx.deps.name,
            )
        )
        log_in(ctx, account)

    def broken(ctx: Context, error: Exception) -> None:
        ctx.fail(
            "VERIFY",
            "TEMPORARILY_UNAVAILABLE",
            "Accounts cannot be saved right now; try later",
            name,
        )

    ctx.later(create(), then, broken, settle)

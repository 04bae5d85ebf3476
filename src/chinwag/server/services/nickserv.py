"""NickServ: accounts for clients that know nothing of SASL or ``REGISTER``.

``/msg NickServ <command>`` (or ``/ns``, ``/nickserv``) with the commands every IRC user knows
from Atheme and Anope, answered with NOTICEs from ``NickServ!NickServ@services``:

- ``REGISTER <password> [<email>]``: register the current nick as an account and log in;
- ``IDENTIFY [<account>] <password>``: log in (the current nick's account by default);
  ``IDENTIFY`` alone logs in by the client certificate (CertFP), as in Ergo;
- ``SET PASSWORD <new password>``: change the password (logged in);
- ``SET ALWAYS-ON [ON|OFF]``: whether the user stays in its channels when its last
  session ends (issue 16; alone: the current value and whether it may change), as the
  ``[accounts] always_on`` mode allows; ``SET AWAY-MESSAGE [<text>]``: the away text shown
  meanwhile (alone: the server's default again);
- ``INFO [<account>]``: when an account was registered and whether it is online;
- ``DROP <password>``: delete your account (logged in; the password again, to be sure);
- ``CERT ADD [<fingerprint>]``, ``CERT DEL <fingerprint>``, ``CERT LIST``: the client
  certificates (SHA-256 fingerprints) that log in to your account by SASL EXTERNAL, at most
  :data:`MAX_CERTFPS`; ``ADD`` alone adds the one this connection presented. One
  fingerprint belongs to one account at most;
- ``HELP [<command>]``.

Logins share the throttling, hashing and everything a login brings back with SASL
(:mod:`chinwag.server.services.logins`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from chinwag.protocol.casemap import fold
from chinwag.protocol.fingerprints import normal_fingerprint
from chinwag.protocol.message import Message
from chinwag.server.accounts import (
    check_password,
    new_account_draws,
    password_problem,
    with_password,
)
from chinwag.server.context import Context
from chinwag.server.dispatch import command
from chinwag.server.services import alwayson, attempts, chanreg, run_service_command, service
from chinwag.server.services.logins import (
    begin_login,
    certificate_account,
    end_login,
    log_in,
    log_out,
    login_wait,
    registration_problem,
    set_account,
    start_registration,
    verify_login,
    wait_text,
)
from chinwag.server.services.nicks import NICKSERV_SOURCE
from chinwag.storage.base import Account

MAX_CERTFPS = 5
"""Client certificates per account: a few devices' worth."""

HELP: dict[str, tuple[str, ...]] = {
    "REGISTER": (
        "REGISTER <password> [<email>]",
        "Registers your current nick as an account and logs you in. From then on nobody",
        "else can keep this nick without the password.",
    ),
    "IDENTIFY": (
        "IDENTIFY [<account>] <password>",
        "Logs you in to an account (by default the one named like your current nick).",
        "IDENTIFY with nothing after it logs you in by your client certificate (see CERT).",
    ),
    "SET": (
        "SET PASSWORD <new password> | SET ALWAYS-ON [ON|OFF] | SET AWAY-MESSAGE [<text>]",
        "PASSWORD changes your account's password. ALWAYS-ON ON keeps you in your rooms,",
        "with your nick, when your last connection ends: you are shown away, and when you",
        "log in again (from any device) you get what was said meanwhile. ALWAYS-ON alone",
        "shows the setting. AWAY-MESSAGE sets the away text shown while you are not",
        "connected (alone: the server's default). You must be logged in.",
    ),
    "INFO": (
        "INFO [<account>]",
        "Shows when an account was registered and whether it is online.",
    ),
    "DROP": (
        "DROP <password>",
        "Deletes your account for good. Your messages stay in the history.",
    ),
    "CERT": (
        "CERT ADD [<fingerprint>] | CERT DEL <fingerprint> | CERT LIST",
        "Client certificates that log you in without a password (SASL EXTERNAL) when your",
        "client connects over TLS with one. CERT ADD alone adds the certificate you are",
        "connected with now; a fingerprint is its SHA-256, 64 hex digits. You must be",
        "logged in.",
    ),
    "HELP": ("HELP [<command>]", "Shows this help, or help on one command."),
}


def _own_account(ctx: Context) -> Account | None:
    """The account the user is logged in to; if none, they are told so."""
    account = ctx.deps.accounts.get(ctx.user.account or "")
    if account is None:
        _say(ctx, "You are not logged in.")
    return account


def _say(ctx: Context, *lines: str) -> None:
    for line in lines:
        ctx.reply.add(Message("NOTICE", (ctx.session.target, line), NICKSERV_SOURCE))


@service("NickServ")
def nickserv(ctx: Context, text: str) -> None:
    """Handle one message to NickServ: the first word is the command."""
    run_service_command(ctx, text, "NickServ", COMMANDS, _say)


def _register(ctx: Context, args: list[str]) -> None:
    if not args or len(args) > 2 or (len(args) == 2 and "@" not in args[1]):
        # "REGISTER my secret" must not quietly register the password "my".
        _say(ctx, "Syntax: " + HELP["REGISTER"][0] + " (the password cannot contain spaces)")
        return
    nick = ctx.user.nick
    problem = registration_problem(ctx, nick)
    if problem is not None:
        _say(ctx, problem[1] + ".")
        return

    def succeeded(ctx: Context, account: Account) -> None:
        _say(ctx, f"Account {account.name} registered. You are now logged in.")

    def failed(ctx: Context, code: str, text: str) -> None:
        _say(ctx, text + ".")

    start_registration(ctx, nick, args[0], succeeded, failed)


def _identify(ctx: Context, args: list[str]) -> None:
    if not args and ctx.session.certfp is not None and ctx.user.account is None:
        found = certificate_account(ctx)
        if isinstance(found, str):
            _say(ctx, found + ".")
            return
        _say(ctx, f"You are now logged in as {found.name}.")
        log_in(ctx, found)
        return
    if not args or len(args) > 2:
        _say(ctx, "Syntax: " + HELP["IDENTIFY"][0])
        return
    user = ctx.user
    name, password = (args[0], args[1]) if len(args) == 2 else (user.nick, args[0])
    if user.account is not None:
        _say(ctx, f"You are already logged in as {user.account}.")
        return
    attempt = begin_login(ctx, name)
    if attempt is None:
        _say(ctx, wait_text(login_wait(ctx, name)) + ".")
        return

    def then(ctx: Context, good: bool) -> None:
        current = ctx.deps.accounts.get(name)
        end_login(ctx, attempt, name, good and current is not None)
        if not good or current is None:
            _say(ctx, f"Invalid password for {name}.")
            return
        _say(ctx, f"You are now logged in as {current.name}.")
        log_in(ctx, current)

    ctx.later(verify_login(ctx.deps, name, password), then)


def _set(ctx: Context, args: list[str]) -> None:
    option = args[0].upper() if args else ""
    if option == "ALWAYS-ON" and len(args) <= 2:
        _set_always_on(ctx, args[1].upper() if len(args) == 2 else None)
        return
    if option == "AWAY-MESSAGE":
        _set_away_message(ctx, " ".join(args[1:]))
        return
    if len(args) != 2 or option != "PASSWORD":
        _say(ctx, "Syntax: " + HELP["SET"][0])
        return
    account = _own_account(ctx)
    if account is None:
        return
    settings = ctx.deps.config.accounts
    problem = password_problem(args[1], settings)
    if problem is not None:
        _say(ctx, problem + ".")
        return

    draws = new_account_draws()  # here, not in the thread (see chinwag.server.sources)

    async def change() -> Account:
        effects = ctx.deps.effects
        changed = await effects.in_thread(with_password, account, args[1], settings, draws)
        await ctx.deps.store.update_password(changed)
        return changed

    def then(ctx: Context, changed: Account) -> None:
        current = ctx.deps.accounts.get(changed.name)
        if current is not None:  # keep what changed meanwhile (metadata)
            ctx.deps.accounts.put(
                replace(
                    current,
                    password_hash=changed.password_hash,
                    scram_salt=changed.scram_salt,
                    scram_iterations=changed.scram_iterations,
                    scram_stored_key=changed.scram_stored_key,
                    scram_server_key=changed.scram_server_key,
                )
            )
        _say(ctx, "Your password has been changed.")

    def broken(ctx: Context, error: Exception) -> None:
        _say(ctx, "The password could not be saved right now; try again later.")

    ctx.later(change(), then, broken)


def _always_on_text(ctx: Context, account: Account) -> str:
    """The account's always-on setting in words, with whether the server lets it change."""
    settings = ctx.deps.config.accounts
    state = "on" if alwayson.always_on_for(settings, account) else "off"
    if settings.always_on == "mandatory":
        return f"Always-on is {state}: this server keeps every account always-on."
    if settings.always_on == "disabled":
        return f"Always-on is {state}: this server does not offer it."
    return f"Always-on is {state} for {account.name}; SET ALWAYS-ON ON or OFF changes it."


def _set_always_on(ctx: Context, value: str | None) -> None:
    account = _own_account(ctx)
    if account is None:
        return
    if value is None:
        _say(ctx, _always_on_text(ctx, account))
        return
    if value not in ("ON", "OFF"):
        _say(ctx, "Syntax: SET ALWAYS-ON [ON|OFF]")
        return
    if ctx.deps.config.accounts.always_on not in alwayson.CHANGEABLE:
        _say(ctx, _always_on_text(ctx, account))
        return
    _save_setting(ctx, account, alwayson.SETTING, value.lower())


def _set_away_message(ctx: Context, text: str) -> None:
    account = _own_account(ctx)
    if account is None:
        return
    limit = ctx.deps.limits.awaylen
    if len(text.encode()) > limit:
        _say(ctx, f"The away message is too long: at most {limit} bytes.")
        return
    _save_setting(ctx, account, alwayson.AWAY_SETTING, text or None)


def _save_setting(ctx: Context, account: Account, key: str, value: str | None) -> None:
    """Store one setting of ``account``, then apply it to every user logged in to it."""

    def then(ctx: Context, _: None) -> None:
        deps = ctx.deps
        current = deps.accounts.get(account.name)
        if current is None:
            return  # dropped meanwhile
        current = current.with_setting(key, value)
        deps.accounts.put(current)
        for user in list(ctx.network.users.values()):
            if user.account is not None and fold(user.account) == current.folded:
                alwayson.refresh(deps, user)
                if user.always_on is None and not user.sessions:
                    alwayson.remove(deps, user, "Always-on turned off")
        if key == alwayson.SETTING:
            _say(ctx, _always_on_text(ctx, current))
        else:
            shown = value or f"the server's default ({deps.config.accounts.always_on_away})"
            _say(ctx, f"While you are not connected your away message is: {shown}")

    def broken(ctx: Context, error: Exception) -> None:
        _say(ctx, "The setting could not be saved right now; try again later.")

    ctx.later(ctx.deps.store.set_account_setting(account.folded, key, value), then, broken)


def _info(ctx: Context, args: list[str]) -> None:
    name = args[0] if args else ctx.user.nick
    account = ctx.deps.accounts.get(name)
    if account is None:
        _say(ctx, f"{name} is not registered.")
        return
    created = datetime.fromtimestamp(account.created, UTC).strftime("%Y-%m-%d %H:%M UTC")
    online = [
        user.nick if user.sessions else f"{user.nick} (always-on, not connected)"
        for user in ctx.network.users.values()
        if user.account is not None and fold(user.account) == account.folded
    ]
    status = f"online as {', '.join(online)}" if online else "offline"
    _say(ctx, f"Account {account.name}: registered {created}, {status}.")
    if ctx.user.account is not None and fold(ctx.user.account) == account.folded:
        _say(ctx, _always_on_text(ctx, account))  # the owner's own business


def _drop(ctx: Context, args: list[str]) -> None:
    if len(args) != 1:
        _say(ctx, "Syntax: " + HELP["DROP"][0])
        return
    user = ctx.user
    account = _own_account(ctx)
    if account is None:
        return
    attempt = begin_login(ctx, account.name)
    if attempt is None:
        _say(ctx, wait_text(login_wait(ctx, account.name)) + ".")
        return

    async def drop() -> bool:
        good = await ctx.deps.effects.in_thread(check_password, account, args[0])
        if good:
            await ctx.deps.store.drop_account(account.folded)
        return good

    def then(ctx: Context, dropped: bool) -> None:
        end_login(ctx, attempt, account.name, dropped)
        if not dropped:
            _say(ctx, f"Invalid password for {account.name}.")
            return
        ctx.deps.accounts.remove(account.folded)
        # Its rooms are unregistered and it leaves every access list (issue 17).
        chanreg.account_dropped(ctx.network, account.folded)
        # Whoever registers the name next must not inherit the addresses known for it.
        attempts.forget(ctx, "login", account.name)
        for other in list(ctx.network.users.values()):
            if other.account is not None and fold(other.account) == account.folded:
                if other is user:
                    log_out(ctx, other)
                else:
                    set_account(ctx.deps, other, None)
                    if not other.sessions:  # an always-on user left behind: it goes now
                        alwayson.remove(ctx.deps, other, "Account dropped")
        _say(ctx, f"Account {account.name} has been dropped.")

    ctx.later(drop(), then)


def _cert(ctx: Context, args: list[str]) -> None:
    verb = args[0].upper() if args else ""
    if verb not in ("ADD", "DEL", "LIST") or len(args) > 2 or (verb == "DEL" and len(args) != 2):
        _say(ctx, "Syntax: " + HELP["CERT"][0])
        return
    account = _own_account(ctx)
    if account is None:
        return
    if verb == "LIST":
        if not account.certfps:
            _say(ctx, f"No client certificates log in to {account.name}.")
        else:
            _say(ctx, f"Client certificates of {account.name}:", *account.certfps)
        return
    if len(args) == 2:
        fingerprint = normal_fingerprint(args[1])
        if fingerprint is None:
            _say(ctx, f"{args[1]} is not a SHA-256 fingerprint (64 hex digits).")
            return
    elif ctx.session.certfp is not None:
        fingerprint = ctx.session.certfp
    else:
        _say(ctx, "You are not connected with a client certificate; give its fingerprint.")
        return
    if verb == "ADD":
        _add_cert(ctx, account, fingerprint)
    else:
        _delete_cert(ctx, account, fingerprint)


def _add_cert(ctx: Context, account: Account, fingerprint: str) -> None:
    if fingerprint in account.certfps:
        _say(ctx, f"{fingerprint} already logs in to {account.name}.")
        return
    if len(account.certfps) >= MAX_CERTFPS:
        _say(ctx, f"An account has at most {MAX_CERTFPS} certificates; CERT DEL one first.")
        return

    def then(ctx: Context, added: bool) -> None:
        current = ctx.deps.accounts.get(account.name)
        if not added or current is None:
            # Whose it is stays unsaid: a fingerprint must not lead to an account.
            _say(ctx, "That certificate cannot be added to your account.")
            return
        ctx.deps.accounts.set_certfps(current.folded, (*current.certfps, fingerprint))
        _say(ctx, f"{fingerprint} now logs in to {current.name}.")

    def broken(ctx: Context, error: Exception) -> None:
        _say(ctx, "The certificate could not be saved right now; try again later.")

    ctx.later(ctx.deps.store.add_certfp(account.folded, fingerprint), then, broken)


def _delete_cert(ctx: Context, account: Account, fingerprint: str) -> None:
    if fingerprint not in account.certfps:
        _say(ctx, f"{fingerprint} is not one of {account.name}'s certificates.")
        return

    def then(ctx: Context, removed: bool) -> None:
        current = ctx.deps.accounts.get(account.name)
        if current is not None:
            kept = tuple(each for each in current.certfps if each != fingerprint)
            ctx.deps.accounts.set_certfps(current.folded, kept)
        _say(ctx, f"{fingerprint} no longer logs in to {account.name}.")

    def broken(ctx: Context, error: Exception) -> None:
        _say(ctx, "The certificate could not be removed right now; try again later.")

    ctx.later(ctx.deps.store.remove_certfp(account.folded, fingerprint), then, broken)


def _help(ctx: Context, args: list[str]) -> None:
    if args and args[0].upper() in HELP:
        _say(ctx, *HELP[args[0].upper()])
        return
    _say(
        ctx,
        "NickServ lets you register your nick as an account and log in to it.",
        *(f"  {lines[0]}" for lines in HELP.values()),
        "Clients that know SASL log in on their own: give them your password.",
    )


COMMANDS: dict[str, Callable[[Context, list[str]], None]] = {
    "REGISTER": _register,
    "IDENTIFY": _identify,
    "LOGIN": _identify,
    "SET": _set,
    "INFO": _info,
    "DROP": _drop,
    "CERT": _cert,
    "HELP": _help,
}


@command("NICKSERV", min_params=1)
def nickserv_command(ctx: Context, message: Message) -> None:
    """``NICKSERV <command>`` (also ``NS``): the same as ``/msg NickServ <command>``."""
    nickserv(ctx, " ".join(message.params))


@command("NS", min_params=1)
def ns_command(ctx: Context, message: Message) -> None:
    """``NS <command>``: short for ``NICKSERV``."""
    nickserv(ctx, " ".join(message.params))

"""``REGISTER``: IRCv3 ``draft/account-registration``.

Reference: https://ircv3.net/specs/extensions/account-registration, ``REGISTER [<account>]
{<email> | *} <password>``. The checks, the hashing and the login that follows are shared with
NickServ (:mod:`chinwag.server.services.logins`).
"""

from __future__ import annotations

from chinwag.protocol.casemap import fold
from chinwag.protocol.message import Message
from chinwag.server.context import Context
from chinwag.server.dispatch import command
from chinwag.server.services.logins import registration_problem, start_registration
from chinwag.storage.base import Account


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
                ctx.deps.name,
            )
        )

    def failed(ctx: Context, code: str, text: str) -> None:
        ctx.fail("REGISTER", code, text, shown)

    start_registration(ctx, nick, password, succeeded, failed)

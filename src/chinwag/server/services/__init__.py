"""Domain services the command modules share, and pseudo-users such as NickServ.

The modules here hold what more than one command needs (design.md: "a command module that
needs another's behaviour moves it into a service"): the session lifecycle (``sessions``),
MONITOR and away-notify (``presence``), nick protection (``nicks``), logins and account
registration (``logins``), the limits on password attempts (``attempts``), metadata
announcements and persistence (``metadata``), the welcome burst (``welcome``,
``serverinfo``), history playback (``playback``) and read markers (``readmarkers``).
Command modules import these; these never import command modules.

A pseudo-user service is reached by ``PRIVMSG <service> :<command>``; the messaging handler
hands the text to the service's function instead of relaying it, and never echoes or stores
it (it may hold a password). Each service module registers its function here with
:func:`service` (NickServ: :mod:`chinwag.server.services.nickserv`; ChanServ:
:mod:`chinwag.server.services.chanserv`, with registered channels' shared behaviour in
:mod:`chinwag.server.services.chanreg`).

The names of the usual IRC services (Atheme, Anope) are reserved whether or not chinwag runs
such a service (:func:`is_service_name`): nobody may take them as a nick or an account, so that
a ``/msg ChanServ ...`` meant for services never reaches a person who chose the name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chinwag.protocol.casemap import Folded, fold

if TYPE_CHECKING:
    from chinwag.server.context import Context

ServiceHandler = Callable[["Context", str], None]

SERVICES: dict[Folded, ServiceHandler] = {}
"""Each service's folded nick and the function that handles text sent to it."""

SERVICE_NICKS: dict[Folded, str] = {}
"""Each service's nick as shown."""


RESERVED_NAMES: frozenset[Folded] = frozenset(
    fold(name)
    for name in (
        "NickServ",
        "ChanServ",
        "OperServ",
        "MemoServ",
        "HostServ",
        "BotServ",
        "SaslServ",
        "HelpServ",
        "InfoServ",
        "StatServ",
        "GroupServ",
        "GameServ",
        "ProxyScan",
        "Global",
        "ALIS",
        "Services",
    )
)
"""The service names of Atheme and Anope, reserved even for services chinwag does not run."""


def is_service_name(name: str) -> bool:
    """Whether ``name`` belongs to services (a running one or a reserved name), and so may be
    nobody's nick or account."""
    folded = fold(name)
    return folded in SERVICES or folded in RESERVED_NAMES


def service(nick: str) -> Callable[[ServiceHandler], ServiceHandler]:
    """Register the decorated function as the service called ``nick``."""

    def register(handler: ServiceHandler) -> ServiceHandler:
        SERVICES[fold(nick)] = handler
        SERVICE_NICKS[fold(nick)] = nick
        return handler

    return register


ServiceCommand = Callable[["Context", list[str]], None]
"""One command of a service: called with the words after the command's name."""


def run_service_command(
    ctx: Context,
    text: str,
    nick: str,
    commands: dict[str, ServiceCommand],
    say: Callable[[Context, str], None],
) -> None:
    """Handle one message to the service ``nick``: its first word names one of
    ``commands``; an empty message or an unknown word is answered with ``say`` pointing at
    HELP (the unknown word cut to 32 characters, as a reply line must stay short)."""
    words = text.split()
    if not words:
        say(ctx, f"Type /msg {nick} HELP for the commands.")
        return
    name, args = words[0].upper(), words[1:]
    handler = commands.get(name)
    if handler is None:
        say(ctx, f"Unknown command {name[:32]}. Type /msg {nick} HELP for the commands.")
        return
    handler(ctx, args)

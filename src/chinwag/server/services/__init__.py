"""Services: pseudo-users such as NickServ, for clients without IRCv3 account support.

A service is reached by ``PRIVMSG <service> :<command>``; the messaging handler hands the text
to the service's function instead of relaying it, and never echoes or stores it (it may hold
a password). Each service module registers its function here with :func:`service`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chinwag.protocol.casemap import Folded, fold

if TYPE_CHECKING:
    from chinwag.server.dispatch import Context

ServiceHandler = Callable[["Context", str], None]

SERVICES: dict[Folded, ServiceHandler] = {}
"""Each service's folded nick and the function that handles text sent to it."""

SERVICE_NICKS: dict[Folded, str] = {}
"""Each service's nick as shown."""


def service(nick: str) -> Callable[[ServiceHandler], ServiceHandler]:
    """Register the decorated function as the service called ``nick``."""

    def register(handler: ServiceHandler) -> ServiceHandler:
        SERVICES[fold(nick)] = handler
        SERVICE_NICKS[fold(nick)] = nick
        return handler

    return register

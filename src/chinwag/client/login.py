"""What a login form shows while connecting, the same in the terminal client and the window.

Until the server has accepted us the login form is on screen, and each event of the
connection may be news for it (:func:`login_news`): progress under the Connect button, the
server's reason for refusing a nick next to the nick, a wrong password next to the password,
a server nobody answers on next to the address. The terminal client
(:class:`~chinwag.tui.app.ChinwagApp`) and the window (:mod:`chinwag.gui.bridge`) both draw
these :class:`LoginNews` values; each field name is one both forms have.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chinwag.client import events as ev
from chinwag.client.text import clean
from chinwag.client.trust import connected_words
from chinwag.client.wording import nick_refusal, server_error_words


@dataclass(frozen=True, slots=True)
class LoginNews:
    """What the login form shows for one event while connecting.

    ``status`` is the line under Connect; ``problem`` goes next to field ``field``
    (``"server"``, ``"nick"`` or ``"password"``); ``stop`` ends this attempt (the connection
    is closed: the person fixes and presses Connect again); ``ready`` means the server
    accepted us: open the chat.
    """

    status: str | None = None
    field: str | None = None
    problem: str | None = None
    stop: bool = False
    ready: bool = False


def login_news(
    event: ev.Event, address: str, *, shown: Callable[[str], str] = clean
) -> LoginNews | None:
    """What the login form shows for ``event`` of a connection to ``address``; None for
    the events it does not mention.

    A refused nick waits for another on the same connection (the person types it and
    presses Connect). A wrong password and a server that cannot be reached end the attempt.
    Every string from the network or the form goes through ``shown`` (:func:`clean` by
    default; the window passes :func:`chinwag.gui.text.displayable`).
    """
    match event:
        case ev.Connected():
            said = connected_words(event)
            return LoginNews(status=shown(" — ".join(said[1:] or said)) + ", logging in …")
        case ev.NickRejected(nick=nick, reason=reason, code=code, registered=False):
            problem = shown(nick_refusal(code, nick, reason))
            return LoginNews(status="", field="nick", problem=problem)
        case ev.LoginFailed(account=account, reason=reason, registered=False):
            problem = f"Cannot log in as {shown(account)}: {shown(reason)}"
            return LoginNews(status="", field="password", problem=problem, stop=True)
        case ev.Disconnected(reason=reason, error=error):
            words = reason if error is None else server_error_words(error)
            problem = "\n".join(shown(line) for line in words.splitlines())
            return LoginNews(status="", field="server", problem=problem, stop=True)
        case ev.Registered():
            return LoginNews(status="", ready=True)
    return None

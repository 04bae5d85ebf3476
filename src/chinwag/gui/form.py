"""The login form without the window: checking what was typed, and what to say while connecting.

:func:`check_login` turns the five fields as typed into :class:`~chinwag.client.options.ChatOptions`
or into one problem per field, worded for the person (the window shows each next to its
field). :func:`form_news` says what the form shows for each event of the connection until
the server has accepted us (:func:`chinwag.client.login.login_news`, shared with the terminal
client). Both are plain functions, tested without a display.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from chinwag.client import events as ev
from chinwag.client.colors import PALETTE, color_name, parse_color
from chinwag.client.login import LoginNews, login_news
from chinwag.client.options import (
    DEFAULT_PORT,
    DEFAULT_ROOM,
    DEFAULT_TLS_PORT,
    ChatOptions,
    OptionError,
    Server,
    check_cert,
    check_color,
    check_nick,
    check_password,
    check_port,
    parse_server,
)
from chinwag.gui.settings import GuiSettings
from chinwag.gui.text import displayable

T = TypeVar("T")

FIELDS = ("server", "port", "nick", "password", "color", "cert")
"""The form's fields, top to bottom; problems are keyed by these names."""


@dataclass(frozen=True, slots=True)
class LoginFields:
    """The form's fields exactly as typed."""

    server: str = ""
    port: str = ""
    nick: str = ""
    password: str = field(default="", repr=False)
    color: str = ""
    cert: str = ""
    """The client certificate file (CertFP, SASL EXTERNAL); empty for none."""


@dataclass(frozen=True, slots=True)
class LoginCheck:
    """The outcome of :func:`check_login`: ``options`` to connect with, or ``problems`` (one
    message per field name of :data:`FIELDS`), never both."""

    options: ChatOptions | None
    problems: Mapping[str, str]


def check_login(
    fields: LoginFields,
    *,
    tls: bool = False,
    room: str = DEFAULT_ROOM,
    trust_folder: Path | None = None,
) -> LoginCheck:
    """Check every field at once, so all the mistakes are shown together.

    The server field takes a host name or an IP address (empty: ``localhost``), or an
    ``ircs://`` or ``irc://`` address; a port typed in it (``host:6668``, ``[::1]:6668``) is
    used instead of the port field. The rules of ``chinwag chat``
    (:func:`~chinwag.client.options.parse_server`): no port anywhere, TLS on 6697 if the
    server offers it, else plain 6667; a port means plain unless ``tls`` (``--tls``) or
    ``ircs://``. The password is optional; the colour is a palette name or ``#rrggbb``,
    empty for one derived from the nick. The client certificate field (``--cert`` fills it
    in) is optional; a file named there must be usable (PEM with its key).
    """
    problems: dict[str, str] = {}
    server = Server("localhost", DEFAULT_TLS_PORT, True, DEFAULT_PORT)
    text = fields.server.strip() or "localhost"
    try:
        server = parse_server(text, tls=tls and "://" not in text)
    except OptionError as error:
        problems[error.field] = str(error)
    if fields.port.strip() and not _has_port(text.partition("://")[2] or text):
        try:
            port = check_port(fields.port.strip())
            server = Server(server.host, port, (server.tls and server.fallback is None) or tls)
        except OptionError as error:
            problems["port"] = str(error)
    nick = _check(check_nick, fields.nick, problems)
    color = _check(check_color, fields.color, problems)
    password = _check(check_password, fields.password, problems) if fields.password else None
    cert_file = fields.cert.strip()
    cert = _check(_cert_file, cert_file, problems) if cert_file else None
    if problems:
        return LoginCheck(None, problems)
    return LoginCheck(
        ChatOptions(
            host=server.host,
            port=server.port,
            tls=server.tls,
            fallback=server.fallback,
            cert=cert,
            trust_folder=trust_folder,
            nick=nick or "",
            color=color,
            room=room,
            password=password,
        ),
        {},
    )


def _cert_file(text: str) -> Path:
    """The client certificate file typed (``~`` is the home folder), if it is usable."""
    return check_cert(Path(text).expanduser())


def _has_port(server: str) -> bool:
    """Whether a port is typed in the server field (``host:6668``, ``[::1]:6668``)."""
    # A bare IPv6 address has several colons and no port; in brackets it may have one.
    return "]:" in server if server.startswith("[") else server.count(":") == 1


def _check(check: Callable[[str], T], value: str, problems: dict[str, str]) -> T | None:
    """``check(value)``, or None with its problem filed under its field."""
    try:
        return check(value)
    except OptionError as error:
        problems[error.field] = str(error)
        return None


def initial_fields(
    options: ChatOptions, remembered: GuiSettings, *, server_given: bool
) -> LoginFields:
    """What the form shows when the window opens: what the command line gave (``options``),
    else what was used last time (``remembered``). The server and port are remembered as a
    pair, and only stand in when the command line named no server (``server_given``)."""
    use_remembered = not server_given and bool(remembered.host)
    host, tls_only = options.host, options.tls
    port: int | None = options.port
    if options.fallback is not None:
        port, tls_only = None, False  # no port: TLS if the server offers it
    if use_remembered:
        host, port, tls_only = remembered.host, remembered.port, remembered.tls
    if tls_only:
        host = f"ircs://{host}"
    return LoginFields(
        server=host,
        port=str(port) if port is not None else "",
        nick=options.nick or remembered.nick,
        password=options.password or "",
        color=color_field(options.color or remembered.color),
        cert=str(options.cert) if options.cert is not None else remembered.cert,
    )


def color_field(color: str | None) -> str:
    """What the colour field shows for ``#rrggbb`` ``color``: its palette name if it has one."""
    if not color:
        return ""
    return color_name(color) or color


def surprise_color(current: str = "", rng: random.Random | None = None) -> str:
    """A palette colour name for "Surprise me": picked at random, never the one in the
    colour field now (``current``, as typed), so pressing it always changes something."""
    try:
        now = parse_color(current) if current.strip() else None
    except ValueError:
        now = None
    choose = rng.choice if rng is not None else random.choice
    return choose([name for name, value in PALETTE.items() if value != now])


# -- what the form shows while connecting ------------------------------------------------------


def form_news(event: ev.Event, address: str) -> LoginNews | None:
    """What the window's login form shows for ``event``: the news every client's form shows
    (:func:`chinwag.client.login.login_news`), each string made drawable by Tk
    (:func:`~chinwag.gui.text.displayable`), as everything that crosses to Tk's thread is."""
    return login_news(event, address, shown=displayable)

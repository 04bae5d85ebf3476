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
    check_color,
    check_nick,
    check_password,
    check_port,
    parse_address,
)
from chinwag.gui.settings import GuiSettings
from chinwag.gui.text import displayable

T = TypeVar("T")

FIELDS = ("server", "port", "nick", "password", "color")
"""The form's fields, top to bottom; problems are keyed by these names."""


@dataclass(frozen=True, slots=True)
class LoginFields:
    """The form's fields exactly as typed."""

    server: str = ""
    port: str = ""
    nick: str = ""
    password: str = field(default="", repr=False)
    color: str = ""


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
    verify: bool = True,
    room: str = DEFAULT_ROOM,
) -> LoginCheck:
    """Check every field at once, so all the mistakes are shown together.

    The server field takes a host name or an IP address (empty: ``localhost``); a port typed
    in it (``host:6668``, ``[::1]:6668``) is used instead of the port field. An empty port
    field means 6667 (6697 with ``tls``). The password is optional; the colour is a palette
    name or ``#rrggbb``, empty for one derived from the nick.
    """
    problems: dict[str, str] = {}
    host, port = "localhost", DEFAULT_TLS_PORT if tls else DEFAULT_PORT
    port_in_server = None
    try:
        host, port_in_server = _split_server(fields.server.strip() or "localhost")
    except OptionError as error:
        problems[error.field] = str(error)
    if port_in_server is not None:
        port = port_in_server
    elif fields.port.strip():
        try:
            port = check_port(fields.port.strip())
        except OptionError as error:
            problems["port"] = str(error)
    nick = _check(check_nick, fields.nick, problems)
    color = _check(check_color, fields.color, problems)
    password = _check(check_password, fields.password, problems) if fields.password else None
    if problems:
        return LoginCheck(None, problems)
    return LoginCheck(
        ChatOptions(
            host=host,
            port=port,
            tls=tls,
            verify=verify,
            nick=nick or "",
            color=color,
            room=room,
            password=password,
        ),
        {},
    )


def _split_server(server: str) -> tuple[str, int | None]:
    """(host, the port typed in the server field or None); raises OptionError."""
    # A bare IPv6 address has several colons and no port; in brackets it may have one.
    has_port = "]:" in server if server.startswith("[") else server.count(":") == 1
    host, port = parse_address(server)
    return host, port if has_port else None


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
    host = remembered.host if use_remembered else options.host
    port = remembered.port if use_remembered else options.port
    return LoginFields(
        server=host,
        port=str(port),
        nick=options.nick or remembered.nick,
        password=options.password or "",
        color=color_field(options.color or remembered.color),
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

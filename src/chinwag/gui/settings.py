"""What the window remembers between runs: its size, the last server, port, nick and colour,
and whether typing indicators are on.

One small JSON file per user: ``$XDG_CONFIG_HOME/chinwag/gui.json`` (``~/.config/...`` when
unset) on Linux and the BSDs, ``%APPDATA%\\chinwag\\gui.json`` on Windows,
``~/Library/Application Support/chinwag/gui.json`` on macOS. The password is never written:
:class:`GuiSettings` has no field for it.

Reading is forgiving: a missing, unreadable or hand-mangled file, or one bad value in it,
gives the defaults for what could not be used, never an error, because a settings file is
not worth refusing to start over. Writing goes to a temporary file that then replaces the
old one, so a crash halfway leaves the previous settings intact.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypeVar

from chinwag.client.options import (
    OptionError,
    check_color,
    check_host,
    check_nick,
    check_port,
)
from chinwag.client.places import user_folder

log = logging.getLogger("chinwag.gui")

T = TypeVar("T")

FILE_NAME = "gui.json"
_GEOMETRY = re.compile(r"\d{2,5}x\d{2,5}(?:[+-]-?\d{1,5}[+-]-?\d{1,5})?")
"""Tk's ``WIDTHxHEIGHT+X+Y`` (the position optional)."""


@dataclass(frozen=True, slots=True)
class GuiSettings:
    """What is remembered. Empty strings and None mean "nothing remembered"."""

    host: str = ""
    port: int | None = None
    """None: no port was given (TLS on 6697 if the server offers it, else plain 6667)."""
    tls: bool = False
    """TLS only (``--tls`` or ``ircs://``) on :attr:`port`."""
    nick: str = ""
    color: str | None = None
    """``#rrggbb`` as chosen on the login form."""
    geometry: str | None = None
    """The window's last ``WIDTHxHEIGHT+X+Y``."""
    typing: bool = True
    """Typing indicators ("bob is typing…", and ours sent) on: the chat's "Show typing"."""
    cert: str = ""
    """The client certificate file last logged in with (a path; the file holds the key, the
    settings only where it is)."""


def settings_path(environ: Mapping[str, str], platform: str = sys.platform) -> Path:
    """Where this user's settings live (see the module docstring), from ``environ`` (the
    caller passes ``os.environ``) and ``platform`` (``sys.platform``)."""
    return user_folder(environ, "config", platform) / FILE_NAME


def load_settings(path: Path) -> GuiSettings:
    """The settings in ``path``; defaults for whatever is missing or unusable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return GuiSettings()
    except (OSError, UnicodeDecodeError, ValueError) as error:
        log.warning("ignoring the settings in %s: %s", path, error)
        return GuiSettings()
    if not isinstance(data, dict):
        return GuiSettings()
    return GuiSettings(
        host=_checked(data.get("host"), check_host) or "",
        port=_checked(data.get("port"), check_port),
        tls=data.get("tls") is True,
        nick=_checked(data.get("nick"), check_nick) or "",
        color=_checked(data.get("color"), check_color),
        geometry=_geometry(data.get("geometry")),
        typing=data.get("typing") is not False,  # only a deliberate "off" turns them off
        cert=cert if isinstance(cert := data.get("cert"), str) else "",
    )


def save_settings(path: Path, settings: GuiSettings) -> bool:
    """Write ``settings`` to ``path`` (creating its folder); False, and a log line, when the
    disk says no: losing the window size is no reason to interrupt anyone."""
    text = json.dumps(asdict(settings), indent=2) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=".gui-", suffix=".tmp", delete=False
        ) as file:
            file.write(text)
        os.replace(file.name, path)
    except OSError as error:
        log.warning("cannot save the settings to %s: %s", path, error)
        return False
    return True


def _checked(value: object, check: Callable[[str], T]) -> T | None:
    """``check(value)`` for a string (a port may be a number), None if it does not pass."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    try:
        return check(value)
    except OptionError:
        return None


def _geometry(value: object) -> str | None:
    return value if isinstance(value, str) and _GEOMETRY.fullmatch(value) else None

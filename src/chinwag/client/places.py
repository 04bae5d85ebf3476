"""Where a client keeps what it remembers for one person: the per-user folder of each system.

Linux and the BSDs follow the XDG Base Directory specification (``$XDG_CONFIG_HOME`` or
``~/.config`` for settings, ``$XDG_DATA_HOME`` or ``~/.local/share`` for data; a relative
value is invalid and ignored); Windows uses ``%APPDATA%``, macOS ``~/Library/Application
Support``, for both kinds.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

_XDG = {"config": ("XDG_CONFIG_HOME", (".config",)), "data": ("XDG_DATA_HOME", (".local", "share"))}


def user_folder(
    environ: Mapping[str, str], kind: Literal["config", "data"], platform: str = sys.platform
) -> Path:
    """chinwag's folder of ``kind`` for this user, from ``environ`` (the caller passes
    ``os.environ``) and ``platform`` (``sys.platform``)."""
    home = Path(environ.get("HOME") or environ.get("USERPROFILE") or Path.home())
    if platform == "win32":
        base = Path(environ["APPDATA"]) if environ.get("APPDATA") else home / "AppData/Roaming"
    elif platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        variable, default = _XDG[kind]
        xdg = environ.get(variable, "")
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else home.joinpath(*default)
    return base / "chinwag"

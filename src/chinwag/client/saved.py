"""Rooms remembered between launches, per server and per account (or nick without one).

One small JSON file, ``rooms.json``, in the client's data directory
(``$XDG_DATA_HOME/chinwag``, ``~/.local/share/chinwag`` when unset; ``%APPDATA%\\chinwag``
on Windows; ``~/Library/Application Support/chinwag`` on macOS). Reading forgives a missing
or mangled file (nothing remembered); writing goes to a temporary file that replaces the old
one, so a crash halfway leaves the previous list intact.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from chinwag.client.options import ChatOptions
from chinwag.client.places import user_folder
from chinwag.protocol.casemap import fold

log = logging.getLogger("chinwag.client")

FILE_NAME = "rooms.json"


def data_path(environ: Mapping[str, str], platform: str = sys.platform) -> Path:
    """Where the remembered rooms live (see the module docstring), from ``environ`` (the
    caller passes ``os.environ``) and ``platform``."""
    return user_folder(environ, "data", platform) / FILE_NAME


def rooms_key(address: str, who: str) -> str:
    """The entry of one server (``host:port``) and one account or nick (case-folded)."""
    return f"{address.lower()}/{fold(who)}"


def load_rooms(path: Path, key: str) -> list[str]:
    """The rooms remembered under ``key``; empty when nothing usable is there."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, ValueError) as error:
        log.warning("ignoring the rooms in %s: %s", path, error)
        return []
    rooms = data.get(key) if isinstance(data, dict) else None
    if not isinstance(rooms, list):
        return []
    # A hand-edited file could hold anything: only one-word names go back on the wire.
    return [
        room
        for room in rooms
        if isinstance(room, str)
        and room[:1] in "#&"
        and not any(char.isspace() or not char.isprintable() or char == "," for char in room)
    ]


def save_rooms(path: Path, key: str, rooms: list[str]) -> bool:
    """Remember ``rooms`` under ``key`` (other entries kept); False, and a log line, when the
    disk says no: a forgotten room is no reason to interrupt a chat."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    data[key] = list(rooms)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=".rooms-", suffix=".tmp", delete=False
        ) as file:
            file.write(json.dumps(data, indent=2) + "\n")
        os.replace(file.name, path)
    except OSError as error:
        log.warning("cannot save the rooms to %s: %s", path, error)
        return False
    return True


def remembered(options: ChatOptions) -> list[str]:
    """The rooms remembered for ``options``' server and nick (none without a rooms file)."""
    if options.rooms_path is None:
        return []
    return load_rooms(options.rooms_path, rooms_key(options.address, options.nick))


def remember(options: ChatOptions, rooms: list[str]) -> None:
    """Remember ``rooms`` for ``options``' server and nick, if they have a rooms file: the
    nick asked for at start is the key, so a rename on a taken nick does not lose them."""
    if options.rooms_path is not None:
        save_rooms(options.rooms_path, rooms_key(options.address, options.nick), rooms)

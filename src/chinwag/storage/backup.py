"""A consistent copy of the SQLite database while the server runs (``chinwag backup``).

Copying ``chinwag.db`` with ``cp`` while the server writes can catch a half-written page and
leaves out what is still in the write-ahead log. SQLite's online backup API
(https://sqlite.org/backup.html), through :meth:`sqlite3.Connection.backup`, copies a
consistent snapshot that includes the log, page by page, without stopping the server.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path


class BackupError(Exception):
    """The backup could not be made; the message says why, for a person."""


def backup_database(source: Path, destination: Path) -> None:
    """Copy the database ``source`` to the new file ``destination`` (readable by this user
    only, like the database). Refuses to overwrite a file or to back up a missing database.
    Raises :class:`BackupError`."""
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    if destination.exists():
        raise BackupError(f"{destination} already exists; name a new file")
    try:
        fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise BackupError(f"cannot create {destination}: {error.strerror}") from None
    os.close(fd)
    try:
        # Read-only: a backup never creates, migrates or locks the live database for writing.
        live = sqlite3.connect(f"{source.absolute().as_uri()}?mode=ro", uri=True)
        with contextlib.closing(live), contextlib.closing(sqlite3.connect(destination)) as copy:
            live.backup(copy)
    except sqlite3.Error as error:
        destination.unlink(missing_ok=True)
        raise BackupError(f"cannot back up {source}: {error}") from None

"""Where ``chinwag serve`` writes its log: the console and, if configured, a rotating file.

Both go through :class:`EscapingFormatter`, so nothing a peer sent (a nick, a KILL reason, an
account name typed at NickServ) can put control characters or terminal escape sequences into
an operator's terminal or log file: a log line is always one line of printable text. The file
is rotated by size with the standard library's :class:`~logging.handlers.RotatingFileHandler`
and created readable by the server's user only, since it names addresses and accounts.
Passwords are never logged: no log call in the server is given one (a test greps the file).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import unicodedata
from pathlib import Path
from typing import TextIO

from chinwag.config import LogSettings

FORMAT = "%(asctime)s %(message)s"
FILE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
"""Unicode categories escaped in log lines: controls (ESC, CR, LF, DEL, C1), format
characters (bidirectional overrides that reorder what an operator reads) and line and
paragraph separators."""


def escape_unprintable(text: str) -> str:
    """``text`` with every control, format or line-separator character written as a Python
    escape (``\\x1b``, ``\\u202e``), so it is shown and never acted on."""
    if text.isprintable():  # the usual case, checked in C
        return text
    return "".join(
        char.encode("unicode_escape").decode("ascii")
        if unicodedata.category(char) in _UNSAFE_CATEGORIES
        else char
        for char in text
    )


class EscapingFormatter(logging.Formatter):
    """A formatter whose message part has every unprintable character escaped.

    Only the message (with its arguments filled in) is escaped; a traceback the server logs
    about itself keeps its own lines.
    """

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - stdlib name
        record.message = escape_unprintable(record.message)
        return super().formatMessage(record)


class ConsoleHandler(logging.StreamHandler[TextIO]):
    """The console handler :func:`configure_logging` made (and replaces when called again)."""


class FileHandler(logging.handlers.RotatingFileHandler):
    """The rotating log file :func:`configure_logging` made (and replaces when called again)."""


def _private_file(path: Path) -> None:
    """Create ``path`` (and its directory) if missing, readable by this user only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)


def _tagged(format_: str, tag: str) -> str:
    """``format_`` with ``[tag]`` before the message (``tag`` as literal text)."""
    if not tag:
        return format_
    return format_.replace("%(message)s", f"[{tag.replace('%', '%%')}] %(message)s")


def file_handler(settings: LogSettings, tag: str = "") -> FileHandler | None:
    """The rotating file handler ``[log]`` asks for, or None without ``file``; each line
    says ``[tag]`` first when one is given.

    Raises :class:`OSError` when the file cannot be opened (the caller says so and stops)."""
    if not settings.file:
        return None
    path = Path(settings.file).expanduser()
    _private_file(path)
    handler = FileHandler(
        path, maxBytes=settings.max_bytes, backupCount=settings.backups, encoding="utf-8"
    )
    handler.setFormatter(EscapingFormatter(_tagged(FILE_FORMAT, tag)))
    return handler


def configure_logging(
    settings: LogSettings,
    level: str | None = None,
    console: TextIO | None = None,
    *,
    tag: str = "",
) -> None:
    """Send chinwag's log to the console (``console``, standard error by default) and to the
    file of ``settings``, at ``level`` (the ``--log-level`` flag) or ``settings.level``.
    ``tag`` (a worker's node name, ``chinwag serve --workers``) starts every line, so the
    processes sharing one console can be told apart.

    Called again (SIGHUP), it replaces the handlers it made before: a new file name or level
    applies at once. Raises :class:`OSError` when the log file cannot be opened."""
    root = logging.getLogger()
    new_file = file_handler(settings, tag)  # first, so a bad path leaves the old handlers working
    for handler in list(root.handlers):
        if isinstance(handler, (ConsoleHandler, FileHandler)):
            root.removeHandler(handler)
            handler.close()
    stream = ConsoleHandler(console or sys.stderr)
    stream.setFormatter(EscapingFormatter(_tagged(FORMAT, tag), datefmt="%H:%M:%S"))
    root.addHandler(stream)
    if new_file is not None:
        root.addHandler(new_file)
    root.setLevel((level or settings.level).upper())

"""What plain mode needs from the terminal it runs in: colours, the background, echo, lines.

``chinwag chat --plain`` (:mod:`chinwag.tui.plain`) writes colours only to a terminal that
wants them (:func:`wants_ansi`), made readable on its background (:func:`light_background`,
which the full-screen client uses too); reads a password with the terminal's echo off
(:class:`TerminalEcho`); and reads what is typed, or piped, line by line as it arrives
(:func:`stdin_lines`). Nothing here knows about chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import AsyncIterator, Mapping
from typing import Any, Protocol, TextIO

_LIGHT_BACKGROUNDS = frozenset({"7", "15"})
"""``COLORFGBG`` background numbers of a light terminal (white and bright white)."""


def light_background(colorfgbg: str | None) -> bool:
    """Whether ``COLORFGBG`` (``"fg;bg"``, set by rxvt, Konsole and others) says the terminal
    background is light (its last field 7 or 15); unset or unknown means dark, the usual
    terminal (design.md section 5: names are kept readable on the background)."""
    if not colorfgbg:
        return False
    return colorfgbg.rsplit(";", 1)[-1].strip() in _LIGHT_BACKGROUNDS


def wants_ansi(stream: TextIO, env: Mapping[str, str]) -> bool:
    """Whether to colour what is written to ``stream``: only a terminal gets escapes, never a
    pipe or a file; ``NO_COLOR`` set to anything non-empty (https://no-color.org) and
    ``TERM=dumb`` turn them off. On Windows the console's VT processing is switched on, and
    colours are off if that fails (an old console would print the escapes)."""
    if env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return False
    if not isatty(stream):
        return False
    return _enable_windows_vt()


def isatty(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal; a closed stream or one that is not a file is not."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):  # closed or not a real stream
        return False


def _enable_windows_vt() -> bool:
    """Switch on ANSI processing of the Windows console (a no-op elsewhere)."""
    if sys.platform != "win32":
        return True
    import ctypes
    from ctypes import wintypes

    enable_virtual_terminal_processing = 0x0004
    kernel32 = ctypes.windll.kernel32
    handle = kernel32.GetStdHandle(-11)  # STD_OUTPUT_HANDLE
    mode = wintypes.DWORD()
    if not kernel32.GetConsoleMode(handle, ctypes.byref(mode)):
        return False
    return bool(kernel32.SetConsoleMode(handle, mode.value | enable_virtual_terminal_processing))


# -- input ------------------------------------------------------------------------------------


class Echo(Protocol):
    """Turns the terminal's echo of what is typed off (for a password) and on again."""

    def hide(self) -> None:
        """Stop showing what is typed (Enter still moves to a new line)."""
        ...

    def show(self) -> None:
        """Show what is typed again, as before :meth:`hide`."""
        ...


class TerminalEcho:
    """:class:`Echo` for a POSIX terminal on ``stream``, by termios.

    The stdin thread keeps reading lines meanwhile, so the password is simply the next line
    it delivers: no second reader (as :func:`getpass.getpass` would be) races it for the
    keystrokes.
    """

    def __init__(self, stream: TextIO) -> None:
        self._fd = stream.fileno()
        self._saved: list[Any] | None = None

    @classmethod
    def of(cls, stream: TextIO) -> TerminalEcho | None:
        """Echo control of ``stream`` if it is a terminal we can control, else None."""
        if not isatty(stream):
            return None
        try:
            import termios  # noqa: F401  (POSIX only)
        except ImportError:
            return None
        return cls(stream)

    def hide(self) -> None:
        """Echo off, newline echo on (so the next line starts on a line of its own)."""
        import termios

        with contextlib.suppress(termios.error, OSError):
            attributes = termios.tcgetattr(self._fd)
            if self._saved is None:
                self._saved = list(attributes)
            lflag = (attributes[3] & ~termios.ECHO) | termios.ECHONL
            termios.tcsetattr(self._fd, termios.TCSANOW, [*attributes[:3], lflag, *attributes[4:]])

    def show(self) -> None:
        """The settings from before :meth:`hide`."""
        import termios

        saved, self._saved = self._saved, None
        if saved is not None:
            with contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(self._fd, termios.TCSANOW, saved)


async def stdin_lines(stream: TextIO) -> AsyncIterator[str]:
    """The lines of ``stream`` (without their line ending) as they arrive, until end of input.

    A daemon thread does the blocking reads and hands each line to the running loop: this
    works on every platform (Windows has no ``add_reader`` for a console or a pipe) and never
    keeps the program from exiting when it leaves before the input ends (``/quit``, Ctrl-C).
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def deliver(item: str | None) -> bool:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # the loop is closed: the program is leaving
            return False
        return True

    def pump() -> None:
        try:
            # readline on a text stream over a pipe returns each line as soon as it is there.
            while text := stream.readline():
                if not deliver(text.removesuffix("\n").removesuffix("\r")):
                    return
        except (OSError, ValueError):  # stdin closed or unreadable: that is end of input
            pass
        deliver(None)

    threading.Thread(target=pump, name="chinwag-plain-stdin", daemon=True).start()
    while (text := await queue.get()) is not None:
        yield text

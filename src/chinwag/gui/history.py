"""The input line's memory: Up recalls what was sent, Down comes back to what was being typed."""

from __future__ import annotations

from chinwag.client.commands import is_secret

HISTORY_LIMIT = 500
"""Lines remembered."""


class InputHistory:
    """Lines sent from the input, oldest first, for Up and Down (as in the terminal client).

    Never remembered: empty lines, the same line twice in a row, and lines that may hold a
    password (``/login``, ``/register``, ``/msg NickServ IDENTIFY ...``).
    """

    def __init__(self, limit: int = HISTORY_LIMIT) -> None:
        self.limit = limit
        self.lines: list[str] = []
        self._position: int | None = None
        self._draft = ""

    def remember(self, line: str) -> None:
        """A line was sent; the next Up starts from the newest again."""
        if line.strip() and not is_secret(line) and (not self.lines or self.lines[-1] != line):
            self.lines.append(line)
            del self.lines[: -self.limit]
        self._position = None
        self._draft = ""

    def back(self, typed: str) -> str | None:
        """Up: the line before the one shown (``typed`` is what the input holds now, kept
        as the draft when leaving it); None when there is nothing earlier to show."""
        if not self.lines:
            return None
        if self._position is None:
            self._draft = typed
            self._position = len(self.lines) - 1
        elif self._position > 0:
            self._position -= 1
        return self.lines[self._position]

    def forward(self) -> str | None:
        """Down: the line after the one shown, then the draft; None when not browsing."""
        if self._position is None:
            return None
        self._position += 1
        if self._position >= len(self.lines):
            self._position = None
            return self._draft
        return self.lines[self._position]

"""The only errors the protocol core raises, each carrying the reply it deserves.

A caller that catches :class:`ProtocolError` knows what to tell the peer without inspecting
the message text: ``numeric`` is set for errors answered with a numeric reply, ``fail_code``
for errors answered with an IRCv3 standard reply (``FAIL``), and neither for lines that are
silently dropped (Modern IRC, "Messages": empty lines are ignored).
"""

from __future__ import annotations


class ProtocolError(Exception):
    """Base class: a line from a peer that cannot be handled as a message."""

    numeric: str | None = None
    fail_code: str | None = None

    def __init__(self, description: str, command: str = "*") -> None:
        super().__init__(description)
        self.description = description
        self.command = command


class EmptyMessage(ProtocolError):  # noqa: N818
    """A blank line (or one of spaces only); ignored without a reply.

    A line with tags or a source but no command is a :class:`MalformedMessage`.
    """


class MalformedMessage(ProtocolError):  # noqa: N818
    """A line that does not follow the message grammar; answered with ERR_UNKNOWNERROR."""

    numeric = "400"


class ForbiddenCharacters(MalformedMessage):
    """A line holding NUL or a bare CR, which the grammar forbids anywhere in a message."""


class InputTooLong(ProtocolError):  # noqa: N818
    """A line over the length limits; answered with ERR_INPUTTOOLONG (417) and dropped."""

    numeric = "417"


class InvalidUtf8(ProtocolError):  # noqa: N818
    """A line that is not valid UTF-8 on a UTF8ONLY network; answered with FAIL INVALID_UTF8."""

    fail_code = "INVALID_UTF8"

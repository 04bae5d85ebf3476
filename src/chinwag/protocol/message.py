"""The IRC message as a value: parse a line into a :class:`Message`, serialize one back.

Implements the message grammar of Modern IRC ("Message Format") and IRCv3 message tags
(https://ircv3.net/specs/extensions/message-tags, "Escaping values"). The caller frames lines
first (see :mod:`chinwag.protocol.framing`), then calls :func:`parse` on each; to send, it
calls :meth:`Message.to_line` (or :meth:`Message.to_bytes`) and writes the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from chinwag.protocol.errors import EmptyMessage, MalformedMessage

_EMPTY_TAGS: Mapping[str, str] = MappingProxyType({})

# Tag value escaping, "Escaping values" in the message-tags spec.
_ESCAPE = str.maketrans({";": "\\:", " ": "\\s", "\\": "\\\\", "\r": "\\r", "\n": "\\n"})
_UNESCAPE = {":": ";", "s": " ", "\\": "\\", "r": "\r", "n": "\n"}
_BAD_TAG_KEY_CHARS = frozenset("=; \r\n\0")


def escape_tag_value(value: str) -> str:
    """Escape a tag value for the wire (``;``, space, backslash, CR and LF)."""
    # str.translate with a table walks every character in Python-level lookups; most values
    # (times, msgids, accounts) have nothing to escape, which five scans in C tell quickly.
    if ";" in value or " " in value or "\\" in value or "\r" in value or "\n" in value:
        return value.translate(_ESCAPE)
    return value


def unescape_tag_value(raw: str) -> str:
    """Undo :func:`escape_tag_value`; an unknown escape drops its backslash, a lone one vanishes."""
    if "\\" not in raw:
        return raw
    out: list[str] = []
    chars = iter(raw)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        following = next(chars, "")
        out.append(_UNESCAPE.get(following, following))
    return "".join(out)


def parse_tags(raw: str) -> dict[str, str]:
    """Parse the tag section (without ``@``); a repeated key keeps its last value."""
    tags: dict[str, str] = {}
    for item in raw.split(";"):
        if not item:
            continue
        key, _, value = item.partition("=")
        if key:
            tags[key] = unescape_tag_value(value)
    return tags


def serialize_tags(tags: Mapping[str, str]) -> str:
    """Serialize tags (without ``@``); a tag whose value is empty is sent as a bare key."""
    return ";".join(
        [f"{key}={escape_tag_value(value)}" if value else key for key, value in tags.items()]
    )


@dataclass(frozen=True, slots=True)
class Message:
    """One IRC message: optional tags and source, a command (verb or numeric), parameters.

    Messages are values: build a new one with :meth:`with_tags` rather than changing one.
    ``source`` is the prefix without its colon; ``params`` holds the trailing parameter as
    its last element, without its colon.
    """

    command: str
    params: tuple[str, ...] = ()
    source: str | None = None
    tags: Mapping[str, str] = field(default_factory=lambda: _EMPTY_TAGS)

    def with_tags(self, extra: Mapping[str, str]) -> Message:
        """Return a copy whose tags are this message's tags updated with ``extra``."""
        return Message(self.command, self.params, self.source, {**self.tags, **extra})

    def without_tags(self) -> Message:
        """Return a copy with no tags at all."""
        return Message(self.command, self.params, self.source)

    def to_line(self) -> str:
        """Serialize to one line without the CRLF terminator.

        Raises ``ValueError`` for what no line can carry: a middle parameter that is empty,
        starts with ``:`` or holds a space; a command that is empty, holds a space or starts
        with ``:`` or ``@``; a source that is empty or holds a space; a tag key that is empty
        or holds ``=``, ``;`` or a space; CR, LF or NUL anywhere but in a tag value.
        """
        # One pass of cheap checks in C (str.__contains__, set.isdisjoint) for the common
        # case; the loops that name the culprit run only when something is wrong.
        command = self.command
        if not command or " " in command or command[0] in ":@":
            raise ValueError(f"command cannot be sent as is: {command!r}")
        line = command
        params = self.params
        if params:
            last = params[-1]
            for param in params[:-1]:
                if not param or param[0] == ":" or " " in param:
                    raise ValueError(f"middle parameter cannot be sent as is: {param!r}")
            if len(params) > 1:
                line = f"{command} {' '.join(params[:-1])}"
            trailing = not last or last[0] == ":" or " " in last
            line = f"{line} :{last}" if trailing else f"{line} {last}"
        source = self.source
        if source is not None:
            if not source or " " in source:
                raise ValueError(f"source cannot be sent as is: {source!r}")
            line = f":{source} {line}"
        tags = self.tags
        if tags:
            if "" in tags or not _BAD_TAG_KEY_CHARS.isdisjoint("".join(tags)):
                bad = next(k for k in tags if not k or _BAD_TAG_KEY_CHARS.intersection(k))
                raise ValueError(f"tag key cannot be sent as is: {bad!r}")
            line = f"@{serialize_tags(tags)} {line}"
        # After the tags: their values have CR and LF escaped, but a NUL has no escape.
        if "\r" in line or "\n" in line or "\0" in line:
            raise ValueError("a message cannot hold CR, LF or NUL")
        return line

    def to_bytes(self) -> bytes:
        """Serialize to UTF-8 bytes ending in CRLF, ready to write."""
        return self.to_line().encode("utf-8") + b"\r\n"

    def __str__(self) -> str:
        return self.to_line()


def parse(line: str) -> Message:
    """Parse one line (without its CRLF) into a :class:`Message`.

    Runs of spaces between parts are accepted, as real peers send them; only the space
    character separates parameters (a tab or other white space is part of a parameter).
    Raises :class:`EmptyMessage` for a blank line and :class:`MalformedMessage` for a line
    with tags or a source but no command (or a second tag section in its place). An empty
    source (``: PING``) reads as none.
    """
    rest = line.lstrip(" ")
    tags: Mapping[str, str] = _EMPTY_TAGS
    if rest.startswith("@"):
        raw_tags, _, rest = rest[1:].partition(" ")
        tags = parse_tags(raw_tags)
        rest = rest.lstrip(" ")
    source: str | None = None
    if rest.startswith(":"):
        source, _, rest = rest[1:].partition(" ")
        rest = rest.lstrip(" ")
    if not rest:
        if tags or source is not None:
            raise MalformedMessage("Message has no command")
        raise EmptyMessage("Empty line")
    if rest[0] in ":@":
        # A parameter or a second tag section where the command should be: the grammar's
        # command is missing (and no line could carry such a command back: fuzzing).
        raise MalformedMessage("Message has no command")
    if not source:
        # ": CMD": the grammar has no empty source; like a missing one it names nobody
        # (a server ignores a client's source anyway), and None serializes back (fuzzing).
        source = None
    trailing: str | None = None
    head, sep, tail = rest.partition(" :")
    if sep:
        trailing = tail
    words = [word for word in head.split(" ") if word]
    if not words:
        raise MalformedMessage("Message has no command")
    command = words[0].upper()
    params = words[1:]
    if trailing is not None:
        params.append(trailing)
    return Message(command, tuple(params), source, tags)

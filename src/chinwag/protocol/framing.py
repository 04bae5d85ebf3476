"""Bytes to lines: framing of the IRC byte stream with its length limits.

Modern IRC ("Messages"): a message ends in CR LF; like most servers we also accept a bare LF.
The part after the tags may be at most 512 bytes including CR LF; the tag section (with its
``@`` and the space after it) at most 8191 bytes (IRCv3 message-tags, "Size limit"). The
network is UTF-8 only (IRCv3 ``UTF8ONLY``).

The caller feeds whatever bytes arrive to :meth:`LineFramer.feed` and handles each item
it returns: a ``str`` is one decoded line to :func:`~chinwag.protocol.message.parse`; a
:class:`~chinwag.protocol.errors.ProtocolError` is a line to refuse with the reply it carries.
"""

from __future__ import annotations

from chinwag.protocol.errors import (
    ForbiddenCharacters,
    InputTooLong,
    InvalidUtf8,
    ProtocolError,
)

MAX_BODY_BYTES = 512
"""The part of a line after the tags, CR LF included (Modern IRC)."""

MAX_TAG_BYTES = 8191
"""The tag section of a line, ``@`` and the trailing space included (message-tags)."""

MAX_LINE_BYTES = MAX_TAG_BYTES + MAX_BODY_BYTES
"""No line can be longer than this; a peer that sends more without a newline is refused."""

CLIENT_MAX_LINE_BYTES = 65536
"""What a client accepts from a server. Servers are known to send more than the 512 bytes
they read (a relayed message plus the prefix they add, long WHO replies); mainstream clients
show such lines rather than drop them, so ours takes any line up to this size (still a bound,
so a broken server cannot make it buffer without end)."""


def truncate_utf8(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, never inside a character.

    For what a server builds from a peer's input: a real name, a topic, a reason, the text of
    a relayed message once its prefix is known (Modern IRC "Message format": 512 bytes after
    the tags, CR LF included).
    """
    if len(text) * 4 <= limit:  # even four-byte characters fit: nothing to measure
        return text
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    # "ignore" drops only the character the cut went through: the rest came valid.
    return data[:limit].decode("utf-8", "ignore")


def fit_line(line: bytes) -> bytes:
    """A serialized line (CR LF at the end) whose part after the tags is within
    :data:`MAX_BODY_BYTES`: a longer one has its trailing parameter cut at a character.

    The last guard before a line leaves the server, for replies that show what peers wrote
    (WHO, WHOIS, a JOIN's real name); what the server stores and relays is bounded at input
    already, so nothing it records differs from what this lets through. A line whose excess
    lies before its trailing parameter is returned as it is: no cut could make it right.
    """
    tags = line.find(b" ") + 1 if line.startswith(b"@") else 0
    over = len(line) - tags - MAX_BODY_BYTES
    if over <= 0:
        return line
    body = line[tags:]
    trailing = body.find(b" :")
    cut = len(body) - 2 - over
    if trailing < 0 or cut < trailing + 2:
        return line
    while cut > trailing + 2 and body[cut] & 0xC0 == 0x80:
        cut -= 1  # back to the first byte of the character the cut went through
    return line[:tags] + body[:cut] + b"\r\n"


def _command_of(line: bytes) -> str:
    """Best-effort command of a line we refuse, for the error reply; ``*`` when unknown."""
    words = line.split()
    while words and words[0][:1] in (b"@", b":"):
        words.pop(0)
    if not words:
        return "*"
    word = words[0].decode("ascii", "replace").upper()
    return word if word.isalnum() else "*"


def check_line(line: bytes, strict: bool = True) -> str | ProtocolError:
    """Check one line (without its terminator) against the limits and decode it.

    Returns the decoded line, or the error to answer it with. ``strict=False`` (a client
    reading a server) skips the per-section limits: the framer's total bound is enough.
    """
    if not strict:
        pass
    elif line.startswith(b"@"):
        space = line.find(b" ")
        tag_part = len(line) if space < 0 else space + 1
        if tag_part > MAX_TAG_BYTES:
            return InputTooLong("Input line was too long", _command_of(line))
        body = len(line) - tag_part
        if body + 2 > MAX_BODY_BYTES:
            return InputTooLong("Input line was too long", _command_of(line))
    elif len(line) + 2 > MAX_BODY_BYTES:
        return InputTooLong("Input line was too long", _command_of(line))
    if b"\0" in line or b"\r" in line:
        return ForbiddenCharacters("Message contains a forbidden character", _command_of(line))
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return InvalidUtf8(
            "Message rejected, your IRC client MUST use UTF-8 encoding on this network",
            _command_of(line),
        )


class LineFramer:
    """Splits a byte stream into checked lines; one per connection, fed as bytes arrive.

    A server reads its clients with the spec's limits (the default); a client reads a server
    with ``max_line=CLIENT_MAX_LINE_BYTES``, which accepts any line up to that size.
    """

    __slots__ = ("_buffer", "_discarding", "_max_line", "_strict")

    def __init__(self, max_line: int = MAX_LINE_BYTES) -> None:
        self._buffer: bytearray | None = None
        """The unfinished line held between feeds; ``None`` when there is none, as is usual
        between reads: one connection of many thousands should not keep an empty buffer
        (issue 20)."""
        self._discarding = False
        self._max_line = max_line
        self._strict = max_line <= MAX_LINE_BYTES

    @property
    def pending(self) -> int:
        """How many bytes of an unfinished line are held."""
        return 0 if self._buffer is None else len(self._buffer)

    def feed(self, data: bytes) -> list[str | ProtocolError]:
        """Take newly received bytes; return every line they complete, in order.

        A line that grows past the framer's ``max_line`` without a terminator is answered once
        with :class:`InputTooLong` and the rest of it, up to its terminator, is discarded, so
        a peer cannot make us buffer without bound.
        """
        held = self._buffer
        buffer: bytes | bytearray
        if held is None:
            buffer = data  # nothing held: frame what arrived as it is, without a copy
        else:
            held += data
            buffer = held
        out: list[str | ProtocolError] = []
        start = 0
        while True:
            end = buffer.find(b"\n", start)
            if end < 0:
                break
            if self._discarding:
                self._discarding = False
            else:
                line = bytes(buffer[start:end])
                if line.endswith(b"\r"):
                    line = line[:-1]
                if line:
                    out.append(check_line(line, self._strict))
            start = end + 1
        rest = len(buffer) - start
        if not rest or self._discarding:
            self._buffer = None  # still inside a refused line: keep nothing of it
        elif rest > self._max_line:
            out.append(InputTooLong("Input line was too long", _command_of(bytes(buffer[start:]))))
            self._discarding = True
            self._buffer = None
        elif held is None:
            self._buffer = bytearray(memoryview(data)[start:])
        else:
            del held[:start]
        return out

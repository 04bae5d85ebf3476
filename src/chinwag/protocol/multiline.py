"""Multiline messages (IRCv3 ``draft/multiline``), shared by the server and the clients.

Spec: https://ircv3.net/specs/extensions/multiline. A client opens ``BATCH +<ref>
draft/multiline <target>``, sends PRIVMSG (or NOTICE) lines tagged ``batch=<ref>`` (a line
tagged ``draft/multiline-concat`` is joined to the previous one with nothing between them,
the others with a line feed) and closes with ``BATCH -<ref>``; the server relays the whole
message as one batch to clients with the capability and line by line to the others.

This module is data and pure functions: the names, the limits in the capability value, the
collector a server keeps per open batch (:class:`Collector`, bounded by the limits), the
lines of a batch as messages (:func:`batch_messages`, :func:`fallback_messages`), how a
stored message keeps its lines (:func:`stored_form`, :func:`stored_lines`) and how a client
cuts what a person typed into lines and batches (:func:`split_text`, :func:`batches`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from chinwag.protocol.caps import MULTILINE
from chinwag.protocol.casemap import fold
from chinwag.protocol.message import Message

CAP = MULTILINE
"""The capability; its value is ``max-bytes=<n>[,max-lines=<n>]`` (spec, "Capabilities")."""

BATCH_TYPE = "draft/multiline"
"""The batch type (spec, "Batch types")."""

CONCAT_TAG = "draft/multiline-concat"
"""The tag on a line joined to the previous one with no line feed (spec, "Tags")."""

STORED_TAG = "chinwag.im/multiline"
"""Our tag on the stored record of a multiline message, saying where its lines begin
(:func:`stored_form`); never sent to a client."""

DEFAULT_MAX_BYTES = 4096
"""``max-bytes`` when the configuration says nothing (Ergo's default too)."""

DEFAULT_MAX_LINES = 100
"""``max-lines`` when the configuration says nothing (Ergo's default too)."""

COMMANDS = frozenset({"PRIVMSG", "NOTICE"})
"""What a multiline batch may hold: one of these, the same for every line."""

MAX_ERROR = "MULTILINE_MAX_BYTES"
LINES_ERROR = "MULTILINE_MAX_LINES"
TARGET_ERROR = "MULTILINE_INVALID_TARGET"
INVALID_ERROR = "MULTILINE_INVALID"
"""The ``FAIL BATCH`` codes of the spec's "Errors"."""


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a multiline message: its text and whether it continues the previous
    line (``draft/multiline-concat``) instead of starting a new one."""

    text: str
    concat: bool = False


def cap_value(max_bytes: int, max_lines: int) -> str:
    """The capability value advertised in ``CAP LS 302`` (spec, "Capabilities")."""
    return f"max-bytes={max_bytes},max-lines={max_lines}"


def parse_cap_value(value: str | None) -> tuple[int, int | None]:
    """``max-bytes`` and ``max-lines`` (``None``: no line limit) from a capability value;
    a missing or unreadable ``max-bytes`` (it is REQUIRED) reads as the default."""
    keys: dict[str, str] = {}
    for item in (value or "").split(","):
        key, _, data = item.partition("=")
        keys[key] = data
    max_bytes = _positive(keys.get("max-bytes")) or DEFAULT_MAX_BYTES
    return max_bytes, _positive(keys.get("max-lines"))


def _positive(text: str | None) -> int | None:
    return (
        int(text)
        if text is not None and text.isascii() and text.isdigit() and int(text) > 0
        else None
    )


def combined(lines: Sequence[Line]) -> str:
    """The message the lines make (spec: joined by a line feed unless concatenated)."""
    parts: list[str] = []
    for index, line in enumerate(lines):
        if index and not line.concat:
            parts.append("\n")
        parts.append(line.text)
    return "".join(parts)


def size(lines: Sequence[Line]) -> int:
    """The bytes that count towards ``max-bytes``: the UTF-8 text of every line and one
    for each line feed joining two of them (spec, "Batch types")."""
    total = 0
    for index, line in enumerate(lines):
        total += len(line.text.encode()) + (1 if index and not line.concat else 0)
    return total


@dataclass(slots=True)
class Collector:
    """A multiline batch a client has opened and not yet closed, on the server.

    :meth:`add` takes each line and answers with the ``FAIL BATCH`` code and context that
    refuse the batch, or ``None``; a batch over ``max_bytes`` or ``max_lines`` is refused
    at the line that passes the limit, so what is kept never grows past them. Once refused,
    the batch is ``discarding``: its remaining lines are swallowed (not relayed one by one)
    until ``BATCH -<ref>``.
    """

    ref: str
    target: str
    max_bytes: int
    max_lines: int
    tags: Mapping[str, str] = field(default_factory=dict)
    """The client-only tags of the opening ``BATCH`` (spec, "Message tags")."""
    label: str | None = None
    """The opening ``BATCH``'s label: the echo carries it (labeled-response)."""
    command: str | None = None
    lines: list[Line] = field(default_factory=list)
    bytes: int = 0
    discarding: bool = False

    def add(self, message: Message) -> tuple[str, tuple[str, ...], str] | None:
        """Take one line of the batch; on refusal, the code, its context and a description
        (and the collector turns to discarding)."""
        refusal = self._check(message)
        if refusal is not None:
            self.discard()
        return refusal

    def _check(self, message: Message) -> tuple[str, tuple[str, ...], str] | None:
        if message.command not in COMMANDS or (
            self.command is not None and message.command != self.command
        ):
            return INVALID_ERROR, (), "A multiline batch holds only PRIVMSG or only NOTICE"
        if not message.params or fold(message.params[0]) != fold(self.target):
            given = message.params[0] if message.params else "*"
            return TARGET_ERROR, (self.target, given), "Invalid multiline target"
        text = message.params[1] if len(message.params) > 1 else ""
        concat = CONCAT_TAG in message.tags
        if concat and (not text or not self.lines):
            return INVALID_ERROR, (), "A blank or first line cannot be concatenated"
        if len(self.lines) >= self.max_lines:
            return LINES_ERROR, (str(self.max_lines),), "Multiline batch max-lines exceeded"
        added = len(text.encode()) + (1 if self.lines and not concat else 0)
        if self.bytes + added > self.max_bytes:
            return MAX_ERROR, (str(self.max_bytes),), "Multiline batch max-bytes exceeded"
        self.command = message.command
        self.lines.append(Line(text, concat))
        self.bytes += added
        return None

    def discard(self) -> None:
        """Forget the lines; those still to come are swallowed until the batch ends."""
        self.discarding = True
        self.lines = []
        self.bytes = 0

    def problem(self) -> str | None:
        """Why the closed batch cannot be relayed (spec: no lines, or only blank ones), or
        ``None``."""
        if not any(line.text for line in self.lines):
            return "A multiline message needs a line that is not blank"
        return None


def batch_messages(
    command: str,
    target: str,
    lines: Sequence[Line],
    ref: str,
    *,
    source: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> list[Message]:
    """The whole batch: ``BATCH +ref draft/multiline <target>`` carrying ``tags`` (msgid,
    time, account, client-only tags: spec, "Fallback" and "Message tags"), each line tagged
    ``batch=ref`` (and ``draft/multiline-concat`` where it continues the previous one), and
    ``BATCH -ref``. ``source`` is the sender's mask as the server relays it; a client
    sending leaves it out."""
    out = [Message("BATCH", ("+" + ref, BATCH_TYPE, target), source, dict(tags or {}))]
    for line in lines:
        line_tags = {"batch": ref, CONCAT_TAG: ""} if line.concat else {"batch": ref}
        out.append(Message(command, (target, line.text), source, line_tags))
    out.append(Message("BATCH", ("-" + ref,), source))
    return out


def fallback_messages(
    command: str, target: str, lines: Sequence[Line], source: str, tags: Mapping[str, str]
) -> list[Message]:
    """The message for a client without the capability (spec, "Fallback"): each line as its
    own message, kept as the sender cut them (concatenated ones too), blank lines left out;
    the first carries every tag, the others all but ``msgid`` (spec, "Message ids")."""
    later = {key: value for key, value in tags.items() if key != "msgid"}
    out: list[Message] = []
    for line in lines:
        if line.text:
            out.append(Message(command, (target, line.text), source, later if out else tags))
    return out


def stored_form(lines: Sequence[Line]) -> tuple[str, str]:
    """How history keeps a multiline message in one ordinary line: the text (the lines
    joined by a space, or nothing where concatenated, so a search finds every word and a
    reader that knows nothing of multiline still shows something sensible) and the value
    of :data:`STORED_TAG` (each line's length in characters, ``+`` after a concatenated
    one), from which :func:`stored_lines` gives the lines back exactly."""
    text = "".join(
        ("" if line.concat or not index else " ") + line.text for index, line in enumerate(lines)
    )
    value = ",".join(f"{len(line.text)}{'+' if line.concat else ''}" for line in lines)
    return text, value


def stored_lines(text: str, value: str) -> list[Line] | None:
    """The lines of a stored multiline message (:func:`stored_form`), or ``None`` if
    ``value`` does not describe ``text``."""
    lines: list[Line] = []
    at = 0
    for index, item in enumerate(value.split(",")):
        concat = item.endswith("+")
        length = item[:-1] if concat else item
        if not (length.isascii() and length.isdigit()):
            return None
        if index and not concat:
            if text[at : at + 1] != " ":
                return None
            at += 1
        end = at + int(length)
        if end > len(text):
            return None
        lines.append(Line(text[at:end], concat))
        at = end
    return lines if at == len(text) else None


# -- for clients: cutting what a person typed ---------------------------------------------------


def split_text(text: str, room: int) -> list[Line]:
    """The lines to send for ``text`` (which may hold line feeds): one per line typed, a
    line longer than ``room`` UTF-8 bytes cut into several, the later ones concatenated
    (spec, "Splitting long lines": between words where possible, the space left at the end
    of the line, never inside a character). Blank lines stay (the server keeps them), but
    leading and trailing blank lines are dropped and a text of only blank lines gives no
    lines at all (spec: clients "MUST NOT send messages consisting entirely of blank
    lines")."""
    rows = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while rows and not rows[-1].strip():
        rows.pop()
    while rows and not rows[0].strip():
        rows.pop(0)
    lines: list[Line] = []
    for row in rows:
        pieces = _cut(row, max(room, 1))
        lines.append(Line(pieces[0]))
        lines.extend(Line(piece, True) for piece in pieces[1:] if piece)
    return lines


def _cut(row: str, room: int) -> list[str]:
    """``row`` in pieces of at most ``room`` UTF-8 bytes, cut after a space if one is in
    the second half of a piece, else at a character."""
    pieces: list[str] = []
    while len(row.encode()) > room:
        end = 0
        used = 0
        for char in row:
            width = len(char.encode())
            if used + width > room:
                break
            used += width
            end += 1
        end = max(end, 1)  # a character wider than the room goes whole
        space = row.rfind(" ", 0, end)
        if space >= end // 2:
            end = space + 1
        pieces.append(row[:end])
        row = row[end:]
    pieces.append(row)
    return pieces


def batches(lines: Sequence[Line], max_bytes: int, max_lines: int | None) -> list[list[Line]]:
    """``lines`` in as few batches as the server's limits allow, in order. A batch never
    starts with a concatenated line (the spec forbids it): one that would becomes a new
    line of the next batch. A line alone over ``max_bytes`` is its own batch (the server
    refuses it; nothing here can make it fit a limit smaller than a line)."""
    groups: list[list[Line]] = []
    used = 0
    for line in lines:
        cost = len(line.text.encode())
        current = groups[-1] if groups else None
        if current is not None:
            joined = cost + (0 if line.concat else 1)
            full = max_lines is not None and len(current) >= max_lines
            if not full and used + joined <= max_bytes:
                current.append(line)
                used += joined
                continue
        groups.append([Line(line.text)])
        used = cost
    return groups

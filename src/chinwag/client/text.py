"""Make text from the network safe to display.

The standard: nothing a remote user sends may reach a terminal or a page unescaped; control
characters and escape sequences are stripped before display. :func:`clean` removes terminal
escape sequences (ECMA-48: CSI, OSC, DCS, SOS, PM, APC and two-byte escapes, in their 7-bit
and 8-bit forms), mIRC formatting codes, every C0 and C1 control character, and the Unicode
bidirectional overrides and isolates that could make a line read differently from what it
says (the "Trojan Source" trick, CVE-2021-42574). Everything else printable, emoji, CJK and
accents included, is kept as sent.

Monospace (the formatting code ``\x11``, modern.ircdocs.horse "Monospace") is the one piece
of formatting kept: :func:`clean_monospace` cleans a message as :func:`clean_message` does
and says which parts of the result were monospace, so a game bot's board lines up in every
client. The code itself never reaches a screen.

Rich/Textual markup such as ``[bold]`` is deliberately left alone: the user interfaces show
network text as a literal ``rich.text.Text``, never as markup, so brackets are just brackets
and escaping them here would show the escapes to the reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"

_SEQUENCES = re.compile(
    r"""
    # CSI: parameters, intermediates, final byte. An unterminated one ends the text.
      (?:\x1b\[|\x9b) [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]?
    # OSC (titles, hyperlinks, clipboard): ends at BEL or ST, or swallows the rest of the
    # text, because a terminal would also treat everything up to a terminator as its payload.
    | (?:\x1b\]|\x9d) .*? (?:\x07|\x1b\\|\x9c|\Z)
    # DCS, SOS, PM, APC: end only at ST.
    | (?:\x1b[PX^_]|[\x90\x98\x9e\x9f]) .*? (?:\x1b\\|\x9c|\Z)
    # Any other escape: ESC, intermediates (as in "ESC ( 0", the line-drawing charset), final.
    | \x1b [\x20-\x2f]* [\x30-\x7e]?
    # mIRC colours: ^C with optional fg[,bg] (one or two digits each), ^D with hex RRGGBB.
    | \x03 (?:[0-9]{1,2}(?:,[0-9]{1,2})?)?
    | \x04 (?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?
    """,
    re.VERBOSE | re.DOTALL,
)

_BIDI_CONTROLS = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]

# Whatever the sequences leave: TAB and line breaks become spaces so a message stays on its
# line (U+2028 and U+2029 too, as some widgets break lines on them); every other control
# character (C0, DEL, C1 and with them mIRC's one-byte bold, italic, reset... codes) and the
# bidi controls go.
_CHARACTERS: dict[int, str | None] = {
    **dict.fromkeys([*range(0x20), *range(0x7F, 0xA0), *_BIDI_CONTROLS]),
    **dict.fromkeys(map(ord, "\t\r\n\u2028\u2029"), " "),
}


def clean(text: str) -> str:
    """``text`` made safe to write to a terminal or any widget (see the module docstring).

    Escape sequences and mIRC colour codes are removed whole, including their parameters;
    TAB, CR, LF, U+2028 and U+2029 become one space each; other control characters and the
    bidi overrides/isolates (U+202A-U+202E, U+2066-U+2069) are removed. Pure, never raises,
    and idempotent: the result contains no character that starts anything it removes.
    """
    # Every character this function changes is a control (Cc) or format (Cf) character or a
    # line/paragraph separator, none of which is printable: most chat lines take this path.
    if text.isprintable():
        return text
    return _SEQUENCES.sub("", text).translate(_CHARACTERS)


def clean_lines(text: str) -> str:
    """:func:`clean` each line of ``text``, keeping the line breaks (a message written as
    several lines, such as a refused certificate's two fingerprints and what to do)."""
    return "\n".join(clean(line) for line in text.splitlines())


def clean_message(text: str) -> str:
    """:func:`clean` each line of a message's ``text``, keeping its line feeds: only a
    multiline message (IRCv3 ``draft/multiline``) has them, since no single IRC line can, and
    they are the message's own line breaks. Nothing else breaks a line (not CR, U+2028 or
    U+2029, which a single line may carry)."""
    if "\n" not in text:
        return clean(text)
    return "\n".join(clean(line) for line in text.split("\n"))


MONOSPACE = "\x11"
"""The formatting code that starts and ends monospace text."""

RESET = "\x0f"
"""The formatting code that ends all formatting, monospace included."""

_TOGGLES = re.compile("[\x11\x0f]")


@dataclass(frozen=True, slots=True)
class Formatted:
    """A message's text cleaned as :func:`clean_message` cleans it, and the parts of it that
    were sent as monospace: ``(start, end)`` offsets into :attr:`text`, in order, none empty
    and none touching the next."""

    text: str
    monospace: tuple[tuple[int, int], ...] = ()


def clean_monospace(text: str) -> Formatted:
    """``text`` cleaned as :func:`clean_message` cleans it, with its monospace runs marked.

    ``\x11`` starts monospace or ends it; ``\x0f`` (reset) ends it; a run left open ends with
    the text. Each run is cleaned on its own, so a sequence cannot span a toggle and the
    offsets are those of the cleaned text (cleaned pieces joined make nothing new to clean:
    they hold no character that starts a sequence). Pure, never raises.
    """
    if MONOSPACE not in text:
        return Formatted(clean_message(text))
    pieces: list[str] = []
    spans: list[tuple[int, int]] = []
    length, mono, start = 0, False, 0
    for match in _TOGGLES.finditer(text + RESET):
        piece = clean_message(text[start : match.start()])
        if mono and piece:
            if spans and spans[-1][1] == length:
                spans[-1] = (spans[-1][0], length + len(piece))  # two runs that touch are one
            else:
                spans.append((length, length + len(piece)))
        pieces.append(piece)
        length += len(piece)
        mono = match.group() == MONOSPACE and not mono
        start = match.end()
    return Formatted("".join(pieces), tuple(spans))


def clean_line(text: str, limit: int | None = None) -> str:
    """:func:`clean` ``text`` and, if ``limit`` is given, shorten it to at most ``limit``
    characters, the last being ``…`` when something was cut (for a topic in a narrow bar).

    A ``limit`` of 0 gives the empty string; a negative one raises :class:`ValueError`.
    """
    cleaned = clean(text)
    if limit is None or len(cleaned) <= limit:
        return cleaned
    if limit < 0:
        raise ValueError(f"limit must not be negative, got {limit}")
    if limit == 0:
        return ""
    # Drop the space a cut may leave before the ellipsis: "a long…" reads better than "a long …".
    return cleaned[: limit - 1].rstrip() + _ELLIPSIS

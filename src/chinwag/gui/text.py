"""Make text fit for a Tk 8.6 widget.

Tk 8.6 stores text as UTF-16-like units and cannot show characters outside the Basic
Multilingual Plane (above U+FFFF: most emoji, mathematical letters, rare CJK ideographs).
Depending on the platform and fonts they come out as two boxes, or take the whole process
down (Xft with a colour emoji font: ``X Error of failed request: BadLength``). So before
anything reaches a widget, :func:`displayable` replaces those no installed font can draw
safely (:mod:`chinwag.gui.glyphs`: a monochrome font has the glyph, no colour font does; an
emoji with several parts is kept when each part can be drawn); the rule for the rest is:

- a character that compatibility-normalises (NFKC) to ordinary characters becomes those
  (the mathematical bold letters of "fancy text" read as plain ``Bold``);
- a flag (two regional indicator letters) becomes ``[flag FR]``;
- any other character becomes its Unicode name, lower case, in brackets (``😀`` reads
  ``[grinning face]``); the skin-tone modifiers, variation selectors, tag characters and
  zero-width-joined characters that complete an emoji are folded into that one marker,
  so ``🙅🏽‍♀️`` reads ``[face with no good gesture]`` rather than a row of markers;
- a character without a name (unassigned, private use) and a lone surrogate become U+FFFD.

A name says more than a box or a question mark, and it is still plain text: copying the log
gives what was shown. Everything is cleaned of control characters first
(:func:`chinwag.client.text.clean`), so the result is safe to insert as literal text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from chinwag.client.text import clean
from chinwag.gui.glyphs import Glyphs, system_glyphs

REPLACEMENT = "\N{REPLACEMENT CHARACTER}"
"""What a character without a name (or a lone surrogate) becomes."""

_ASTRAL = "\U00010000-\U0010ffff"
_MODIFIERS = "\U0001f3fb-\U0001f3ff\ufe0e\ufe0f\U000e0020-\U000e007f"
"""Skin tones, text/emoji variation selectors and tag characters: parts of the emoji before."""

_SEQUENCE = re.compile(
    rf"""
      (?P<flag>[\U0001f1e6-\U0001f1ff]{{2}})
    | (?P<surrogate>[\ud800-\udfff])
    | (?P<astral>[{_ASTRAL}])
      [{_MODIFIERS}]*
      (?:\u200d[{_ASTRAL}\u2000-\u2bff][{_MODIFIERS}]*)*
    """,
    re.VERBOSE,
)
_BMP_ONLY = re.compile(rf"[^{_ASTRAL}\ud800-\udfff]*")
_REGIONAL_A = 0x1F1E6


def displayable(text: str, glyphs: Glyphs | None = None) -> str:
    """``text`` cleaned of control characters, with every character Tk 8.6 cannot show
    replaced as the module docstring says. ``glyphs`` says which characters above U+FFFF a
    font here can draw (None: the system's, :func:`~chinwag.gui.glyphs.system_glyphs`).
    Idempotent; never raises."""
    cleaned = clean(text)
    if _BMP_ONLY.fullmatch(cleaned):
        return cleaned  # the usual case: nothing to replace
    drawable = (system_glyphs() if glyphs is None else glyphs).drawable
    return _SEQUENCE.sub(lambda match: _replace(match, drawable), cleaned)


def _replace(match: re.Match[str], drawable: Callable[[str], bool]) -> str:
    if (flag := match["flag"]) is not None:
        return "[flag " + "".join(chr(ord(char) - _REGIONAL_A + ord("A")) for char in flag) + "]"
    if match["surrogate"] is not None:
        return REPLACEMENT
    char = match["astral"]
    normal = unicodedata.normalize("NFKC", char)
    if _BMP_ONLY.fullmatch(normal) and normal.isprintable():
        return normal
    if all(drawable(part) for part in match[0] if part > "\uffff"):
        return match[0]  # every part has a glyph in a font here: drawn as sent
    name = unicodedata.name(char, None)
    return f"[{name.lower()}]" if name else REPLACEMENT


def from_tk(text: str) -> str:
    """Text read from a Tk widget as Python text: a surrogate pair that some Tk builds hand
    over for a typed emoji is joined into the one character it stands for, and a lone
    surrogate (which cannot be encoded as UTF-8) becomes U+FFFD."""
    if _BMP_ONLY.fullmatch(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")

"""Which characters above U+FFFF (most emoji) the window can draw, from the fonts installed.

Tk 8.6.13 on X11 draws such a character when a font has its glyph, falling back through
fontconfig from the widget's font; but a colour emoji font (Noto Color Emoji) takes the whole
process down under Xft (``X Error of failed request: BadLength``). So a character counts as
drawable when a monochrome font has it (Symbola, DejaVu Sans for a few) and no colour font
does, since the fallback might pick that one. Anything else keeps its name
(:func:`chinwag.gui.text.displayable`).

What the fonts cover is read once from ``fc-list``; without fontconfig (Windows, macOS) nothing
above U+FFFF counts as drawable, as before.
"""

from __future__ import annotations

import bisect
import functools
import subprocess
from dataclasses import dataclass

FC_LIST_TIMEOUT = 5.0
"""Seconds ``fc-list`` may take before the window does without it."""
_FORMAT = "%{family[0]}|%{color}|%{charset}\n"
_FIRST_ASTRAL = 0x10000

Ranges = tuple[tuple[int, int], ...]
"""Sorted, merged, inclusive ranges of code points."""


@dataclass(frozen=True, slots=True)
class Glyphs:
    """The code points above U+FFFF that monochrome fonts (``mono``) and colour fonts
    (``color``) on the system have glyphs for."""

    mono: Ranges = ()
    color: Ranges = ()

    def drawable(self, char: str) -> bool:
        """Whether the window can draw ``char`` (one character above U+FFFF) as itself."""
        code = ord(char)
        return _within(self.mono, code) and not _within(self.color, code)


NO_GLYPHS = Glyphs()
"""Nothing above U+FFFF is drawn: every such character is shown by its name."""


def parse_fc_list(output: str) -> Glyphs:
    """:class:`Glyphs` from what ``fc-list --format`` with :data:`_FORMAT` printed: one font a
    line, ``family|color|charset``, the charset hex ranges (``1f600-1f64f 1f680``). A font
    fontconfig cannot say is monochrome, or whose name says colour, is taken as colour."""
    mono: list[tuple[int, int]] = []
    color: list[tuple[int, int]] = []
    for line in output.splitlines():
        family, _, rest = line.partition("|")
        is_color, _, charset = rest.partition("|")
        coloured = is_color != "False" or "color" in family.lower()
        for part in charset.split():
            first, _, last = part.partition("-")
            try:
                start, end = int(first, 16), int(last or first, 16)
            except ValueError:
                continue  # a line fontconfig printed another way: skip, do not guess
            if end >= _FIRST_ASTRAL:
                (color if coloured else mono).append((max(start, _FIRST_ASTRAL), end))
    return Glyphs(_merge(mono), _merge(color))


@functools.cache
def system_glyphs() -> Glyphs:
    """What the fonts installed here cover (read once; :data:`NO_GLYPHS` without fc-list)."""
    try:
        done = subprocess.run(
            ["fc-list", "--format", _FORMAT],
            capture_output=True,
            text=True,
            timeout=FC_LIST_TIMEOUT,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return NO_GLYPHS
    return parse_fc_list(done.stdout)


def _merge(ranges: list[tuple[int, int]]) -> Ranges:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _within(ranges: Ranges, code: int) -> bool:
    index = bisect.bisect_right(ranges, (code, 0x10FFFF + 1)) - 1
    return index >= 0 and ranges[index][0] <= code <= ranges[index][1]

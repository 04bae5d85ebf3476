"""Name colours shared by every first-party client (design.md section 5, "The colours").

A user's name colour is stored as the metadata key ``color`` in the form ``#rrggbb``. This
module turns what a person types (``/color Light Blue``, ``/color #f0a``) into that form,
names a stored colour when it is in the palette, gives people without a colour a stable one
derived from their nick, and keeps any colour readable on the client's background using the
WCAG 2 relative luminance and contrast ratio (https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio).

Pure functions, no UI toolkit: the terminal client, the Tk window and the tests all use them.
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Mapping
from types import MappingProxyType

from chinwag.protocol.casemap import fold

PALETTE: Mapping[str, str] = MappingProxyType(
    {
        "black": "#080808",
        "orange": "#ffaf00",
        "teal": "#008787",
        "white": "#ffffff",
        "yellow": "#ffff00",
        "light blue": "#afd7ff",
        "pink": "#ff00af",
        "green": "#00d700",
        "blue": "#0000ff",
        "red": "#ff0000",
        "cyan": "#00ffff",
        "purple": "#8700ff",
    }
)
"""The named palette of design.md section 5, in the order its table reads (row by row);
names are lower case with a single space."""

NICK_COLORS: tuple[str, ...] = (
    "#e02727",
    "#c1531c",
    "#986d16",
    "#797911",
    "#5b8012",
    "#398513",
    "#13873a",
    "#138282",
    "#197cad",
    "#356ee2",
    "#6363e9",
    "#8656e7",
    "#ac3ce3",
    "#c81dc8",
    "#d61f99",
    "#df205f",
)
"""Colours for people who chose none (design.md section 5): hues about 22 degrees apart, each
with a relative luminance near 0.175, so every one has a contrast ratio of about 4.5 against
both black and white and reads on any terminal without being adjusted."""

MIN_CONTRAST = 3.0
"""The contrast ratio :func:`readable` guarantees: WCAG's minimum for large or bold text,
which is how names are shown."""

DARK_BACKGROUND = "#000000"
"""The background :func:`readable` assumes on a dark display."""

LIGHT_BACKGROUND = "#ffffff"
"""The background :func:`readable` assumes on a light display."""

_BLEND_STEPS = 50
"""How finely :func:`readable` blends: small steps keep as much of the colour as possible."""

_HEX6 = re.compile(r"#?([0-9a-f]{6})")
_HEX3 = re.compile(r"#([0-9a-f]{3})")
_SEPARATORS = re.compile(r"[\s_-]+")

# Spelling variants ("light blue", "Light-Blue", "lightblue") all compact to the same key.
_BY_COMPACT_NAME: Mapping[str, str] = {name.replace(" ", ""): name for name in PALETTE}
_NAME_BY_HEX: Mapping[str, str] = {hex_color: name for name, hex_color in PALETTE.items()}


class ColorError(ValueError):
    """Text that is neither a palette name nor a hex colour; the message is meant for the
    person who typed it (design.md section 6, ``/color <name or #hex>``)."""


def parse_color(text: str) -> str:
    """The ``#rrggbb`` (lower case) for a colour a person typed (design.md sections 5 and 6).

    Accepted: a palette name in any case, with any run of spaces, ``-`` or ``_`` between its
    words or none at all (``Light Blue``, ``light-blue``, ``LIGHT_BLUE``, ``lightblue``);
    ``#rgb`` or ``#rrggbb`` in any case; and six hex digits without the ``#`` (``ff00af``),
    because that is how colours are often copied. Three hex digits without the ``#`` are not
    accepted: too many ordinary words (``bad``, ``fed``) would turn into colours. Surrounding
    whitespace is ignored. Raises :class:`ColorError` for anything else, the empty string
    included; the caller shows its message to the user.
    """
    stripped = text.strip()
    if not stripped:
        raise ColorError(f"No colour given: use {_choices()}")
    lowered = stripped.lower()
    name = _BY_COMPACT_NAME.get(_SEPARATORS.sub("", lowered))
    if name is not None:
        return PALETTE[name]
    if (match := _HEX6.fullmatch(lowered)) is not None:
        return "#" + match[1]
    if (match := _HEX3.fullmatch(lowered)) is not None:
        return "#" + "".join(digit * 2 for digit in match[1])
    raise ColorError(f"Unknown colour {stripped!r}: use {_choices()}")


def _choices() -> str:
    return f"a name ({', '.join(PALETTE)}) or #rrggbb"


def color_name(hex_color: str) -> str | None:
    """The palette name of a ``#rrggbb`` colour (any case), or ``None`` when it has none, so a
    client can say "your colour is light blue" rather than "#afd7ff" (design.md section 5)."""
    return _NAME_BY_HEX.get(hex_color.lower())


def nick_color(nick: str) -> str:
    """The colour shown for ``nick`` when its user chose none (design.md section 5).

    Stable: the same for every spelling of the nick under the ``ascii`` casemapping, on every
    machine and every run (a CRC-32 of the folded nick, never Python's salted ``hash``).
    Always one of :data:`NICK_COLORS`.
    """
    digest = zlib.crc32(fold(nick).encode("utf-8"))
    return NICK_COLORS[digest % len(NICK_COLORS)]


def random_color(rng: random.Random | None = None) -> str:
    """A random palette colour as ``#rrggbb``, for a "surprise me" button (design.md section 5).

    Pass ``rng`` for a reproducible choice; without it the module's shared generator is used.
    """
    choose = rng.choice if rng is not None else random.choice
    return choose(list(PALETTE.values()))


def luminance(color: str) -> float:
    """The WCAG relative luminance of ``color``, from 0.0 (black) to 1.0 (white).

    ``color`` is anything :func:`parse_color` accepts; raises :class:`ColorError` otherwise.
    """
    red, green, blue = _rgb(parse_color(color))
    return 0.2126 * _linear(red) + 0.7152 * _linear(green) + 0.0722 * _linear(blue)


def contrast_ratio(a: str, b: str) -> float:
    """The WCAG contrast ratio of two colours, from 1.0 (the same) to 21.0 (black on white).

    Symmetric; raises :class:`ColorError` if either is not a colour.
    """
    lighter, darker = sorted((luminance(a), luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable(color: str, *, dark_background: bool, background: str | None = None) -> str:
    """``color``, adjusted if needed to have at least :data:`MIN_CONTRAST` against the
    background, as ``#rrggbb`` (design.md section 5: black is lifted on a dark terminal,
    white darkened on a light one).

    The background is ``background`` if given, else black when ``dark_background`` is true
    and white when false. A colour that already has enough contrast is returned unchanged.
    Otherwise it is blended towards white (dark background) or black (light background) in
    small steps and the first blend with enough contrast is returned; blending towards white
    or black keeps the hue. When an explicit ``background`` is so close to that end that the
    blend cannot reach the target, the colour is blended the other way instead. Raises
    :class:`ColorError` if ``color`` or ``background`` is not a colour.
    """
    start = parse_color(color)
    against = parse_color(
        background if background is not None else _default_background(dark_background)
    )
    if contrast_ratio(start, against) >= MIN_CONTRAST:
        return start
    preferred, other = (
        (LIGHT_BACKGROUND, DARK_BACKGROUND)
        if dark_background
        else (DARK_BACKGROUND, LIGHT_BACKGROUND)
    )
    for target in (preferred, other):
        if contrast_ratio(target, against) < MIN_CONTRAST:
            continue
        for step in range(1, _BLEND_STEPS + 1):
            candidate = _blend(start, target, step / _BLEND_STEPS)
            if contrast_ratio(candidate, against) >= MIN_CONTRAST:
                return candidate
    # Unreachable in practice: every colour has a contrast of at least sqrt(21) (about 4.6)
    # with white or with black. Kept so a future higher MIN_CONTRAST degrades gracefully.
    return max((preferred, other), key=lambda end: contrast_ratio(end, against))


def _default_background(dark_background: bool) -> str:
    return DARK_BACKGROUND if dark_background else LIGHT_BACKGROUND


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return int(hex_color[1:3], 16), int(hex_color[3:5], 16), int(hex_color[5:7], 16)


def _linear(channel: int) -> float:
    # WCAG's sRGB linearisation: luminance is perceived on linear light, not on the gamma
    # encoded values stored in #rrggbb.
    value = channel / 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def _blend(start: str, target: str, amount: float) -> str:
    # Mixing every channel by the same fraction towards white or black keeps the ratios
    # between the channels' distances, which is what keeps the hue.
    mixed = (round(a + (b - a) * amount) for a, b in zip(_rgb(start), _rgb(target), strict=True))
    return "#" + "".join(f"{channel:02x}" for channel in mixed)

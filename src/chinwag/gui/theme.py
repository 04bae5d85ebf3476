"""The window's look: Sun Valley (sv-ttk), light or dark as the system is, and its fonts.

sv-ttk is a maintained ttk theme after Windows 11's; darkdetect reads the system's light or
dark setting (Windows, macOS, GNOME's ``gsettings``; anywhere else it says light). The plain
Tk widgets the theme does not reach (the log, the colour swatches, the down bar) take their
colours from :class:`~chinwag.gui.view.GuiPalette`, which matches the theme's backgrounds.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from dataclasses import dataclass, replace
from tkinter import font as tkfont
from tkinter import ttk

import sv_ttk

from chinwag.gui.view import GuiPalette

THEMES = ("auto", "dark", "light")


def system_is_dark() -> bool:
    """Whether the system asks for dark windows (darkdetect; no answer means light)."""
    try:
        import darkdetect
    except ImportError:  # pragma: no cover - a declared dependency; be kind to odd installs
        return False
    try:
        return bool(darkdetect.isDark())
    except Exception:  # it shells out on Linux; a broken desktop is not our problem
        return False


def wants_dark(theme: str, detect: Callable[[], bool] = system_is_dark) -> bool:
    """Whether ``theme`` (``auto``, ``dark`` or ``light``) means dark; ``auto`` asks
    ``detect``."""
    if theme == "auto":
        return detect()
    return theme == "dark"


@dataclass(frozen=True, slots=True)
class Fonts:
    """The named fonts the window uses (each a font name Tk widgets accept)."""

    body: str
    bold: str
    italic: str
    small: str
    title: str
    heading: str
    problem: str
    """A problem next to what caused it: larger than small print, bold, to be noticed."""
    mono: str = "TkFixedFont"
    """Fixed-width, for text sent as monospace (a game bot's board)."""
    keep: tuple[tkfont.Font, ...] = ()
    """The font objects: Tk deletes a named font when its Python object goes away."""


def apply_theme(root: tk.Tk, palette: GuiPalette) -> Fonts:
    """Use sv-ttk's light or dark theme on ``root``, make the fonts, style the labels."""
    sv_ttk.set_theme("dark" if palette.dark else "light", root)
    family = tkfont.nametofont("SunValleyBodyFont", root=root).actual("family")

    made: list[tkfont.Font] = []

    def make(
        name: str, size: int, *, bold: bool = False, italic: bool = False, face: str = family
    ) -> str:
        # Negative sizes are pixels: the same on every screen, as sv-ttk's own fonts are.
        font = tkfont.Font(
            root=root,
            name=name,
            family=face,
            size=size,
            weight="bold" if bold else "normal",
            slant="italic" if italic else "roman",
        )
        made.append(font)
        return name

    # Tk's own fixed-width family (DejaVu Sans Mono, Courier...), at the body's size.
    fixed = tkfont.nametofont("TkFixedFont", root=root).actual("family")
    fonts = Fonts(
        body=make("ChinwagBody", -15),
        bold=make("ChinwagBold", -15, bold=True),
        italic=make("ChinwagItalic", -15, italic=True),
        small=make("ChinwagSmall", -13),
        title=make("ChinwagTitle", -28, bold=True),
        heading=make("ChinwagHeading", -17, bold=True),
        problem=make("ChinwagProblem", -14, bold=True),
        mono=make("ChinwagMono", -15, face=fixed),
    )
    fonts = replace(fonts, keep=tuple(made))
    style = ttk.Style(root)
    # A label of this style must also be given foreground=palette.error itself: sv-ttk
    # recolours on every <<ThemeChanged>> (any style change sends one) with tk_setPalette,
    # which sets -foreground on each widget still at its default, and that hides the style's.
    style.configure("Problem.TLabel", foreground=palette.error, font=fonts.problem)
    style.configure("Dim.TLabel", foreground=palette.dim, font=fonts.small)
    style.configure("Title.TLabel", font=fonts.title)
    style.configure("Heading.TLabel", font=fonts.heading)
    style.configure("Sidebar.Treeview", font=fonts.body, rowheight=28)
    root.configure(background=palette.background)
    return fonts

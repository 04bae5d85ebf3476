"""The login form on its own under Xvfb: a problem is shown in the theme's error style, after a
warning sign, on a line kept for it, so the form does not move when it comes or goes."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Iterator

import pytest
from PIL import ImageGrab

from chinwag.gui.form import FIELDS, LoginFields
from chinwag.gui.login import LoginFrame
from chinwag.gui.theme import apply_theme
from chinwag.gui.view import GuiPalette
from tests.gui.conftest import restore_display

NICK_TAKEN = "bob is taken; pick another nick, or give the password if it is yours"


@pytest.fixture(params=[False, True], ids=["light", "dark"])
def form(request: pytest.FixtureRequest, display: str) -> Iterator[LoginFrame]:
    """The form in a window of the default size, in the light and the dark theme."""
    root = tk.Tk(screenName=display)
    try:
        root.geometry("1000x640")
        palette = GuiPalette.for_theme(dark=request.param)
        login = LoginFrame(root, LoginFields(server="localhost", nick="bob"), palette,
                           apply_theme(root, palette), lambda _fields: None)  # fmt: skip
        login.pack(fill="both", expand=True)
        root.update()
        yield login
    finally:
        root.destroy()
        restore_display()


def layout(form: LoginFrame) -> dict[str, tuple[int, int, int, int]]:
    """Where every widget of the form is, and its size, as drawn."""
    form.update()
    places: dict[str, tuple[int, int, int, int]] = {}
    widgets: list[tk.Misc] = [form.card]
    while widgets:
        widget = widgets.pop()
        widgets.extend(widget.winfo_children())
        if widget not in form.problems.values():  # its width follows its text
            places[str(widget)] = (
                widget.winfo_rootx(), widget.winfo_rooty(),
                widget.winfo_width(), widget.winfo_height(),
            )  # fmt: skip
    return places


def test_showing_and_clearing_problems_moves_nothing_on_the_form(form: LoginFrame) -> None:
    before = layout(form)
    form.show_problems(dict.fromkeys(FIELDS, NICK_TAKEN))
    assert all(form.problem(field) == NICK_TAKEN for field in FIELDS)
    assert layout(form) == before
    form.show_problems({})
    assert all(form.problem(field) is None for field in FIELDS)
    assert layout(form) == before


def test_a_problem_is_drawn_in_the_themes_error_colour_after_a_warning_sign(
    form: LoginFrame,
) -> None:
    form.show_problem("nick", NICK_TAKEN)
    form.update()
    label = form.problems["nick"]
    assert str(label.cget("text")) == f"\N{WARNING SIGN} {NICK_TAKEN}"
    x, y = label.winfo_rootx(), label.winfo_rooty()
    shot = ImageGrab.grab(
        bbox=(x, y, x + label.winfo_width(), y + label.winfo_height()),
        xdisplay=str(form.tk.call("winfo", "screen", ".")),
    ).convert("RGB")
    error = form.palette.error
    wanted = tuple(int(error[i : i + 2], 16) for i in (1, 3, 5))
    colors = {color for _count, color in shot.getcolors(maxcolors=100_000) or []}
    assert wanted in colors, f"no pixel of {error} in the problem line"
    # Larger than the small print around it, so it is noticed.
    assert form.tk.call("font", "actual", label.cget("font") or "ChinwagProblem", "-weight") == (
        "bold"
    )

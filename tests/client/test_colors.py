"""Name colours (design.md section 5): palette, parsing, nick colours and readability."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chinwag.client.colors import (
    DARK_BACKGROUND,
    LIGHT_BACKGROUND,
    MIN_CONTRAST,
    NICK_COLORS,
    PALETTE,
    ColorError,
    color_name,
    contrast_ratio,
    luminance,
    nick_color,
    parse_color,
    random_color,
    readable,
)

HEX = re.compile(r"#[0-9a-f]{6}")
hex_colors = st.integers(min_value=0, max_value=0xFFFFFF).map(lambda value: f"#{value:06x}")

DESIGN_TABLE = [
    ("black", "#080808"),
    ("orange", "#ffaf00"),
    ("teal", "#008787"),
    ("white", "#ffffff"),
    ("yellow", "#ffff00"),
    ("light blue", "#afd7ff"),
    ("pink", "#ff00af"),
    ("green", "#00d700"),
    ("blue", "#0000ff"),
    ("red", "#ff0000"),
    ("cyan", "#00ffff"),
    ("purple", "#8700ff"),
]


def channels(hex_color: str) -> tuple[int, int, int]:
    return int(hex_color[1:3], 16), int(hex_color[3:5], 16), int(hex_color[5:7], 16)


# -- the palette -------------------------------------------------------------------------------


def test_palette_is_the_design_table_read_row_by_row() -> None:
    assert list(PALETTE.items()) == DESIGN_TABLE


def test_palette_cannot_be_changed() -> None:
    with pytest.raises(TypeError):
        PALETTE["mauve"] = "#e0b0ff"  # type: ignore[index]


# -- parse_color -------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "hex_color"), DESIGN_TABLE)
def test_every_palette_name_parses_to_its_hex(name: str, hex_color: str) -> None:
    assert parse_color(name) == hex_color


@pytest.mark.parametrize(("name", "hex_color"), DESIGN_TABLE)
def test_palette_names_are_case_insensitive(name: str, hex_color: str) -> None:
    assert parse_color(name.upper()) == hex_color
    assert parse_color(name.title()) == hex_color


@pytest.mark.parametrize(
    "spelling",
    [
        "light blue",
        "Light Blue",
        "LIGHT BLUE",
        "light-blue",
        "light_blue",
        "LIGHT_BLUE",
        "lightblue",
        "LightBlue",
        "light   blue",
        "light\tblue",
        "light - blue",
        "  light blue  ",
        "\tLight-Blue\n",
    ],
)
def test_two_word_name_accepts_any_spacing_hyphen_or_underscore(spelling: str) -> None:
    assert parse_color(spelling) == "#afd7ff"


def test_one_word_name_tolerates_surrounding_whitespace() -> None:
    assert parse_color("  Red \n") == "#ff0000"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#ff00af", "#ff00af"),
        ("#FF00AF", "#ff00af"),
        ("#Ff00aF", "#ff00af"),
        ("#f0a", "#ff00aa"),
        ("#F0A", "#ff00aa"),
        ("#000", "#000000"),
        ("  #abcdef  ", "#abcdef"),
    ],
)
def test_hex_colours_in_either_length_and_any_case_come_back_long_and_lower_case(
    text: str, expected: str
) -> None:
    assert parse_color(text) == expected


def test_six_hex_digits_without_the_hash_are_accepted() -> None:
    assert parse_color("FF00af") == "#ff00af"
    # A word made of hex letters is still a colour when it is six long.
    assert parse_color("facade") == "#facade"


@pytest.mark.parametrize(
    "text",
    [
        "mauve",
        "bad",  # three hex digits without '#' would make ordinary words colours
        "f0a",
        "#ff00a",
        "#ff00af0",
        "#ggg",
        "#gg00af",
        "##ff00af",
        "ff00af0",
        "ff 00 af",
        "0xff00af",
        "light",
        "blue light",
        "lightblu",
        "#",
    ],
)
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ColorError):
        parse_color(text)


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_an_empty_colour_is_refused(text: str) -> None:
    with pytest.raises(ColorError, match="No colour given"):
        parse_color(text)


def test_the_error_names_what_was_typed_and_lists_every_choice() -> None:
    with pytest.raises(ColorError) as caught:
        parse_color("  mauve ")
    message = str(caught.value)
    assert message == (
        "Unknown colour 'mauve': use a name (black, orange, teal, white, yellow, light blue, "
        "pink, green, blue, red, cyan, purple) or #rrggbb"
    )


def test_colour_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_color("mauve")


# -- color_name --------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "hex_color"), DESIGN_TABLE)
def test_every_palette_hex_has_its_name(name: str, hex_color: str) -> None:
    assert color_name(hex_color) == name
    assert color_name(hex_color.upper()) == name


@pytest.mark.parametrize("hex_color", ["#123456", "#afd7fe", "#000000", "", "red"])
def test_colours_outside_the_palette_have_no_name(hex_color: str) -> None:
    assert color_name(hex_color) is None


# -- nick_color --------------------------------------------------------------------------------


def test_nick_colour_is_fixed_across_runs_and_machines() -> None:
    # Regression values: a change here recolours every user without a chosen colour.
    assert nick_color("ana") == "#986d16"
    assert nick_color("bob") == "#e02727"


def test_nick_colour_ignores_case_as_the_ascii_casemapping_does() -> None:
    assert nick_color("Ana") == nick_color("ana") == nick_color("ANA")
    assert nick_color("Zoe[away]") == nick_color("zoe[AWAY]")


def test_nick_colour_is_one_of_the_nick_colours() -> None:
    for index in range(50):
        assert nick_color(f"user{index}") in NICK_COLORS


def test_nick_colours_spread_over_many_hues() -> None:
    colours = {nick_color(f"guest{index}") for index in range(200)}
    assert len(colours) >= 10


def test_there_are_at_least_sixteen_distinct_nick_colours() -> None:
    assert len(set(NICK_COLORS)) == len(NICK_COLORS) >= 16
    assert all(HEX.fullmatch(colour) for colour in NICK_COLORS)


@pytest.mark.parametrize("colour", NICK_COLORS)
def test_nick_colours_read_unchanged_on_black_and_on_white(colour: str) -> None:
    assert readable(colour, dark_background=True) == colour
    assert readable(colour, dark_background=False) == colour


# -- luminance and contrast_ratio --------------------------------------------------------------


def test_luminance_runs_from_black_to_white() -> None:
    assert luminance("#000000") == 0.0
    assert luminance("#ffffff") == pytest.approx(1.0)
    assert luminance("#ff0000") == pytest.approx(0.2126)
    assert luminance("#00ff00") == pytest.approx(0.7152)
    assert luminance("#0000ff") == pytest.approx(0.0722)


def test_luminance_uses_the_wcag_gamma_curve() -> None:
    # Mid grey #777777 is about 0.184, not 0.467 as a straight average would give.
    assert luminance("#777777") == pytest.approx(0.1845, abs=1e-3)


def test_contrast_ratio_of_black_and_white_is_21_either_way() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21.0)


def test_contrast_ratio_of_a_colour_with_itself_is_1() -> None:
    assert contrast_ratio("#8700ff", "#8700FF") == pytest.approx(1.0)


def test_luminance_of_something_not_a_colour_is_an_error() -> None:
    with pytest.raises(ColorError):
        luminance("not a colour")


# -- readable ----------------------------------------------------------------------------------


def test_black_on_a_dark_background_is_lifted_to_a_visible_grey() -> None:
    lifted = readable(PALETTE["black"], dark_background=True)
    assert lifted != PALETTE["black"]
    assert contrast_ratio(lifted, DARK_BACKGROUND) >= MIN_CONTRAST
    red, green, blue = channels(lifted)
    assert red == green == blue  # still a grey: blending to white keeps the hue


def test_blue_on_a_dark_background_is_lifted_but_stays_blue() -> None:
    lifted = readable("#0000ff", dark_background=True)
    assert lifted != "#0000ff"
    assert contrast_ratio(lifted, DARK_BACKGROUND) >= MIN_CONTRAST
    red, green, blue = channels(lifted)
    assert blue == 0xFF
    assert red == green < blue


@pytest.mark.parametrize("name", ["white", "yellow", "cyan", "light blue"])
def test_pale_colours_on_a_light_background_are_darkened(name: str) -> None:
    darkened = readable(PALETTE[name], dark_background=False)
    assert darkened != PALETTE[name]
    assert luminance(darkened) < luminance(PALETTE[name])
    assert contrast_ratio(darkened, LIGHT_BACKGROUND) >= MIN_CONTRAST


def test_yellow_darkened_keeps_its_hue() -> None:
    red, green, blue = channels(readable("#ffff00", dark_background=False))
    assert red == green > blue == 0


def test_the_adjustment_is_as_small_as_the_steps_allow() -> None:
    # Only just enough: the result should not overshoot far past the target.
    lifted = readable("#080808", dark_background=True)
    assert contrast_ratio(lifted, DARK_BACKGROUND) < MIN_CONTRAST + 0.5


@pytest.mark.parametrize(
    ("colour", "dark"),
    [
        ("#ff0000", True),
        ("#ffaf00", True),
        ("#00ffff", True),
        ("#ffffff", True),
        ("#0000ff", False),
        ("#080808", False),
        ("#8700ff", False),
        ("#008787", False),
    ],
)
def test_colours_with_enough_contrast_are_left_alone(colour: str, dark: bool) -> None:
    assert readable(colour, dark_background=dark) == colour


def test_an_unchanged_colour_comes_back_lower_case() -> None:
    assert readable("#FF0000", dark_background=True) == "#ff0000"


def test_an_explicit_background_replaces_the_default() -> None:
    # Red is fine on black but not on a dark red.
    assert readable("#ff0000", dark_background=True) == "#ff0000"
    adjusted = readable("#ff0000", dark_background=True, background="#800000")
    assert adjusted != "#ff0000"
    assert contrast_ratio(adjusted, "#800000") >= MIN_CONTRAST


def test_on_a_mid_grey_background_the_display_kind_picks_the_direction() -> None:
    # Both white and black contrast enough with mid grey, so only dark_background decides.
    grey = "#777777"
    assert luminance(readable(grey, dark_background=True, background=grey)) > luminance(grey)
    assert luminance(readable(grey, dark_background=False, background=grey)) < luminance(grey)


def test_a_background_too_light_to_lift_against_is_darkened_against_instead() -> None:
    # Said to be dark, but nothing lighter has enough contrast with light grey.
    adjusted = readable("#c0c0c0", dark_background=True, background="#d0d0d0")
    assert contrast_ratio(adjusted, "#d0d0d0") >= MIN_CONTRAST
    assert luminance(adjusted) < luminance("#c0c0c0")


def test_readable_accepts_palette_names_too() -> None:
    assert readable("red", dark_background=True) == "#ff0000"


def test_readable_refuses_something_not_a_colour() -> None:
    with pytest.raises(ColorError):
        readable("#12345", dark_background=True)
    with pytest.raises(ColorError):
        readable("#123456", dark_background=True, background="dark")


@given(hex_colors)
def test_readable_always_reaches_the_minimum_contrast_on_both_default_backgrounds(
    colour: str,
) -> None:
    on_dark = readable(colour, dark_background=True)
    on_light = readable(colour, dark_background=False)
    assert HEX.fullmatch(on_dark)
    assert HEX.fullmatch(on_light)
    assert contrast_ratio(on_dark, DARK_BACKGROUND) >= MIN_CONTRAST
    assert contrast_ratio(on_light, LIGHT_BACKGROUND) >= MIN_CONTRAST


@given(hex_colors, hex_colors, st.booleans())
def test_readable_reaches_the_minimum_contrast_on_any_background(
    colour: str, background: str, dark: bool
) -> None:
    result = readable(colour, dark_background=dark, background=background)
    assert contrast_ratio(result, background) >= MIN_CONTRAST


# -- random_color ------------------------------------------------------------------------------


def test_random_colour_is_always_a_palette_colour() -> None:
    rng = random.Random(7)
    assert all(random_color(rng) in PALETTE.values() for _ in range(100))


def test_random_colour_reaches_the_whole_palette() -> None:
    rng = random.Random(7)
    assert {random_color(rng) for _ in range(500)} == set(PALETTE.values())


def test_random_colour_is_reproducible_with_a_seeded_generator() -> None:
    first = [random_color(random.Random(42)) for _ in range(5)]
    second = [random_color(random.Random(42)) for _ in range(5)]
    assert first == second


def test_random_colour_works_without_a_generator() -> None:
    assert random_color() in PALETTE.values()

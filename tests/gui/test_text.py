"""Text for Tk 8.6: nothing outside the Basic Multilingual Plane reaches a widget, nothing is lost
without a trace, and what Tk hands back is ordinary Python text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chinwag.gui.glyphs import NO_GLYPHS, Glyphs, parse_fc_list
from chinwag.gui.text import REPLACEMENT, from_tk
from chinwag.gui.text import displayable as shown_by

SMILEYS = Glyphs(mono=((0x1F600, 0x1F64F),))
"""A system with one monochrome font that has the emoticons block (as DejaVu Sans does)."""


def displayable(text: str) -> str:
    """What a system without any font for characters above U+FFFF shows."""
    return shown_by(text, NO_GLYPHS)


def is_bmp(text: str) -> bool:
    return all(ord(char) <= 0xFFFF and not 0xD800 <= ord(char) <= 0xDFFF for char in text)


def test_ordinary_text_accents_cjk_and_bmp_symbols_are_kept_as_sent() -> None:
    for text in ("hello", "café", "你好", "❤ ☺ ✓", "[bold]not markup[/bold] {braces} $x"):
        assert displayable(text) == text


def test_an_emoji_becomes_its_name_in_brackets() -> None:
    assert displayable("hi 😀 there") == "hi [grinning face] there"


def test_skin_tones_variation_selectors_and_joined_parts_make_one_marker() -> None:
    assert displayable("no 🙅🏽‍♀️ thanks") == "no [face with no good gesture] thanks"
    assert displayable("👍🏿") == "[thumbs up sign]"


def test_a_flag_names_its_country_code() -> None:
    assert displayable("🇫🇷 and 🇯🇵") == "[flag FR] and [flag JP]"


def test_fancy_mathematical_letters_read_as_plain_letters() -> None:
    assert displayable("\U0001d401\U0001d428\U0001d425\U0001d41d") == "Bold"


@pytest.mark.parametrize("char", ["\U000f0000", "\U0010fffd", "\ud83d", "\udc00"])
def test_private_use_unnamed_characters_and_lone_surrogates_become_the_replacement(
    char: str,
) -> None:
    assert displayable(f"a{char}b") == f"a{REPLACEMENT}b"


def test_control_characters_and_escapes_are_cleaned_too() -> None:
    assert displayable("\x1b[31mred\x1b[0m\x07 \x1b]0;title\x07ok") == "red ok"


@given(st.text())
def test_whatever_arrives_the_result_is_all_bmp_and_stable(text: str) -> None:
    shown = displayable(text)
    assert is_bmp(shown)
    assert displayable(shown) == shown


def test_an_emoji_a_monochrome_font_has_is_drawn_as_sent_and_others_keep_their_names() -> None:
    assert shown_by("hi 😀 🎉", SMILEYS) == "hi 😀 [party popper]"
    # An emoji of several parts is kept only when each part can be drawn.
    assert shown_by("🙅🏽‍♀️", SMILEYS) == "[face with no good gesture]"
    assert shown_by("🙅🏽‍♀️", Glyphs(mono=((0x1F3FB, 0x1F64F),))) == "🙅🏽‍♀️"
    assert shown_by("🇫🇷 \U0001d401", SMILEYS) == "[flag FR] B"  # flags, fancy letters as before


def test_an_emoji_a_colour_font_has_keeps_its_name_as_tk_would_crash_on_that_font() -> None:
    both = Glyphs(mono=((0x1F600, 0x1F64F),), color=((0x1F600, 0x1F600),))
    assert shown_by("😀😁", both) == "[grinning face]😁"


@given(st.text())
def test_with_fonts_every_character_above_the_bmp_that_is_kept_has_a_glyph(text: str) -> None:
    shown = shown_by(text, SMILEYS)
    assert all(SMILEYS.drawable(char) for char in shown if ord(char) > 0xFFFF)
    assert shown_by(shown, SMILEYS) == shown


def test_what_the_fonts_cover_is_read_from_fc_list() -> None:
    glyphs = parse_fc_list(
        "DejaVu Sans|False|20-7e 1f600-1f64f 1f680\n"
        "Symbola|False|20-7e 1f300-1f5ff\n"
        "Noto Color Emoji|True|20 1f389 1f680\n"
        "Odd Emoji|   |1f900-1f9ff\n"  # fontconfig could not say: taken as colour
        "Broken|False|zz-1f\n"
    )
    assert glyphs.mono == ((0x1F300, 0x1F64F), (0x1F680, 0x1F680))
    assert [glyphs.drawable(char) for char in "😀🌀🎉🚀🤔"] == [True, True, False, False, False]
    assert not parse_fc_list("").drawable("😀")


def test_a_surrogate_pair_from_tk_is_joined_into_its_character() -> None:
    assert from_tk("\ud83d\ude00 hi") == "😀 hi"
    assert from_tk("lone \ud83d") == f"lone {REPLACEMENT}"
    assert from_tk("plain 😀") == "plain 😀"
    from_tk("\ud83d\ude00").encode()  # can be sent as UTF-8

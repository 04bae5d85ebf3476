"""Text for Tk 8.6: nothing outside the Basic Multilingual Plane reaches a widget, nothing is lost
without a trace, and what Tk hands back is ordinary Python text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chinwag.gui.text import REPLACEMENT, displayable, from_tk


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


def test_a_surrogate_pair_from_tk_is_joined_into_its_character() -> None:
    assert from_tk("\ud83d\ude00 hi") == "😀 hi"
    assert from_tk("lone \ud83d") == f"lone {REPLACEMENT}"
    assert from_tk("plain 😀") == "plain 😀"
    from_tk("\ud83d\ude00").encode()  # can be sent as UTF-8

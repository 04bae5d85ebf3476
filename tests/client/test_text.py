"""Network text made safe to display: no escape sequence or control character gets through."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from chinwag.client.text import Formatted, clean, clean_line, clean_message, clean_monospace

ESC = "\x1b"
BEL = "\x07"
ST = ESC + "\\"

CONTROLS = {*range(0x20), *range(0x7F, 0xA0)}
BIDI = {*range(0x202A, 0x202F), *range(0x2066, 0x206A)}

# Text biased towards the characters clean() cares about, so hypothesis finds the edge cases.
risky_text = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x00, max_codepoint=0xA0),
        st.sampled_from([ESC, "[", "]", "\\", "P", "_", "^", "X", "\x9b", "\x9c", "\x9d", ";"]),
        st.sampled_from([chr(code) for code in sorted(BIDI)] + ["\u2028", "\u2029"]),
        st.characters(),
    )
)


# -- plain text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello, world",
        "naïve café, São Paulo, Zürich",
        "你好 世界 こんにちは 안녕하세요",
        "party 🎉 family 👨\u200d👩\u200d👧 flag 🇳🇿",
        "مرحبا بالعالم",
        "a\u00a0non-breaking space",
    ],
)
def test_printable_text_is_kept_exactly(text: str) -> None:
    assert clean(text) == text


@pytest.mark.parametrize(
    "text", ["[bold red]x[/]", "[link=https://example.com]click[/link]", "\\[escaped]"]
)
def test_rich_markup_is_kept_literally_for_the_ui_to_show_as_typed(text: str) -> None:
    assert clean(text) == text


# -- control characters ------------------------------------------------------------------------


def test_a_lone_escape_is_removed() -> None:
    assert clean("a" + ESC) == "a"


def test_bel_is_removed() -> None:
    assert clean("ding" + BEL + BEL + "!") == "ding!"


def test_nul_and_del_are_removed() -> None:
    assert clean("a\x00b\x7fc") == "abc"


def test_tab_becomes_one_space() -> None:
    assert clean("a\tb\t\tc") == "a b  c"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("one\ntwo", "one two"),
        ("one\rtwo", "one two"),
        ("one\r\ntwo", "one  two"),
        ("one\u2028two\u2029three", "one two three"),
    ],
)
def test_line_breaks_become_spaces_so_a_message_stays_on_its_line(text: str, expected: str) -> None:
    assert clean(text) == expected


def test_backspace_cannot_rub_out_what_was_shown() -> None:
    assert clean("rm -rf /\b\b\b\b\b\b\b\bls") == "rm -rf /ls"


def test_vertical_tab_and_form_feed_are_removed() -> None:
    assert clean("a\x0bb\x0cc") == "abc"


@pytest.mark.parametrize("code", range(0x80, 0xA0))
def test_every_c1_control_is_removed(code: int) -> None:
    assert chr(code) not in clean(f"a{chr(code)}b")


# -- CSI sequences -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ESC + "[31mred" + ESC + "[0m", "red"),
        (ESC + "[1;38;5;196mbright" + ESC + "[m", "bright"),
        (ESC + "[38;2;255;0;0mtrue colour" + ESC + "[39m", "true colour"),
        ("up" + ESC + "[2A" + ESC + "[10;20Hthere", "upthere"),
        ("before" + ESC + "[2J" + ESC + "[H" + "after", "beforeafter"),
        ("erase" + ESC + "[K line", "erase line"),
        (ESC + "[?1049h" + "alternate screen" + ESC + "[?1049l", "alternate screen"),
        (ESC + "[?25l" + "hidden cursor", "hidden cursor"),
        (ESC + "[>4;1m" + "modify keys", "modify keys"),
        (ESC + "[6n" + "report position", "report position"),
        (ESC + "[1 q" + "cursor shape", "cursor shape"),
    ],
)
def test_csi_sequences_are_removed_with_their_parameters(text: str, expected: str) -> None:
    assert clean(text) == expected


def test_an_unterminated_csi_at_the_end_is_removed() -> None:
    assert clean("text" + ESC + "[38;5") == "text"


def test_the_8_bit_csi_is_removed_with_its_parameters() -> None:
    assert clean("\x9b31mred\x9b0m") == "red"
    assert clean("a\x9b2Jb") == "ab"


# -- OSC and other strings ---------------------------------------------------------------------


@pytest.mark.parametrize("terminator", [BEL, ST, "\x9c"])
def test_osc_window_title_is_removed_with_either_terminator(terminator: str) -> None:
    assert clean("hi" + ESC + "]0;pwned" + terminator + " there") == "hi there"


@pytest.mark.parametrize("terminator", [BEL, ST])
def test_osc_8_hyperlink_leaves_only_its_visible_text(terminator: str) -> None:
    link = (
        ESC + "]8;;https://evil.example/" + terminator + "https://bank.example" + ESC + "]8;;"
    ) + terminator
    assert clean("see " + link + " now") == "see https://bank.example now"


def test_osc_52_clipboard_write_is_removed() -> None:
    assert clean("x" + ESC + "]52;c;Y3VybCBldmlsIHwgc2g=" + BEL + "y") == "xy"


def test_an_unterminated_osc_swallows_the_rest_as_a_terminal_would() -> None:
    assert clean("safe" + ESC + "]0;title and more text") == "safe"


def test_the_8_bit_osc_is_removed() -> None:
    assert clean("a\x9d0;title\x07b") == "ab"
    assert clean("a\x9d0;title\x9cb") == "ab"


@pytest.mark.parametrize("introducer", ["P", "X", "^", "_"])
def test_dcs_sos_pm_and_apc_strings_are_removed_up_to_st(introducer: str) -> None:
    assert clean("a" + ESC + introducer + "payload;1;2" + ST + "b") == "ab"


def test_dcs_with_a_bel_inside_is_not_ended_by_it() -> None:
    # Only ST ends a DCS string; the BEL is payload and the text after it is too.
    assert clean("a" + ESC + "Pq#0" + BEL + "still payload" + ST + "b") == "ab"


@pytest.mark.parametrize("introducer", ["\x90", "\x98", "\x9e", "\x9f"])
def test_8_bit_string_introducers_are_removed_with_their_payload(introducer: str) -> None:
    assert clean("a" + introducer + "payload\x9cb") == "ab"


# -- other escapes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ESC + "7saved" + ESC + "8", "saved"),
        (ESC + "cfull reset", "full reset"),
        (ESC + "Mreverse index", "reverse index"),
        (ESC + "(0" + "lqqk" + ESC + "(B", "lqqk"),
        (ESC + "#8" + "screen of Es", "screen of Es"),
        (ESC + "=" + "keypad", "keypad"),
    ],
)
def test_two_character_and_charset_escapes_are_removed_whole(text: str, expected: str) -> None:
    assert clean(text) == expected


def test_escape_followed_by_non_ascii_removes_only_the_escape() -> None:
    assert clean(ESC + "é") == "é"


# -- mIRC formatting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\x02bold\x02", "bold"),
        ("\x1ditalic\x1d", "italic"),
        ("\x1funderline\x1f", "underline"),
        ("\x1estrike\x1e", "strike"),
        ("\x11mono\x11", "mono"),
        ("\x16reverse\x16", "reverse"),
        ("\x02\x1dall\x0f off", "all off"),
    ],
)
def test_mirc_toggles_are_removed(text: str, expected: str) -> None:
    assert clean(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\x034red\x03", "red"),
        ("\x0304red", "red"),
        ("\x034,12red on blue", "red on blue"),
        ("\x0304,01red on black", "red on black"),
        ("\x03123 apples", "3 apples"),  # at most two digits of colour
        ("\x034,123 pears", "3 pears"),
        ("\x034,x", ",x"),  # a comma without a background digit is text
        ("\x03,4x", ",4x"),  # a background without a foreground is not a colour
        ("plain\x03 off", "plain off"),
    ],
)
def test_mirc_colours_are_removed_with_their_numbers(text: str, expected: str) -> None:
    assert clean(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\x04FF0000red\x04", "red"),
        ("\x04ff0000,00ff00red on green", "red on green"),
        ("\x04ff0000,zz", ",zz"),
        ("\x04abc short", "abc short"),
    ],
)
def test_mirc_hex_colours_are_removed_with_their_digits(text: str, expected: str) -> None:
    assert clean(text) == expected


# -- bidi controls -----------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(BIDI))
def test_bidi_overrides_and_isolates_are_removed(code: int) -> None:
    assert clean(f"a{chr(code)}b") == "ab"


def test_a_right_to_left_override_cannot_reverse_a_file_name() -> None:
    assert clean("invoice\u202egpj.exe") == "invoicegpj.exe"


def test_bidi_marks_that_do_not_reorder_text_are_kept() -> None:
    assert clean("a\u200eb\u200fc") == "a\u200eb\u200fc"


# -- properties --------------------------------------------------------------------------------


@given(risky_text)
@example(ESC + "]0;" + ESC)
@example("\x03" + ESC + "[0m12")
@example(ESC + "\x00[31m")
def test_clean_output_never_contains_a_control_or_bidi_character(text: str) -> None:
    cleaned = clean(text)
    assert not any(ord(char) in CONTROLS | BIDI for char in cleaned)


@given(risky_text)
def test_clean_is_idempotent(text: str) -> None:
    once = clean(text)
    assert clean(once) == once


@given(st.text(alphabet=st.characters(blacklist_categories=["Cc", "Cf", "Zl", "Zp"])))
def test_clean_keeps_text_without_control_or_format_characters(text: str) -> None:
    assert clean(text) == text


def test_clean_is_quick_on_a_long_line_of_nothing_but_escapes() -> None:
    # A hostile line must not make the regexes backtrack for long.
    hostile = (ESC + "[" + "1;" * 2000) * 20 + ESC + "]" + "x" * 50_000
    assert clean(hostile) == ""


# -- clean_line --------------------------------------------------------------------------------


def test_clean_line_without_limit_is_clean() -> None:
    assert clean_line("topic\x02!\n") == "topic! "


def test_clean_line_leaves_text_that_fits() -> None:
    assert clean_line("short", 5) == "short"


def test_clean_line_cuts_long_text_to_the_limit_ending_with_an_ellipsis() -> None:
    cut = clean_line("Welcome to the room, be nice", 10)
    assert cut == "Welcome t…"
    assert len(cut) == 10


def test_clean_line_measures_after_cleaning() -> None:
    assert clean_line("\x034,1" + "abcde" + ESC + "[0m", 5) == "abcde"


def test_clean_line_does_not_leave_a_space_before_the_ellipsis() -> None:
    assert clean_line("Welcome to the room", 9) == "Welcome…"


def test_clean_line_with_limit_one_is_just_the_ellipsis() -> None:
    assert clean_line("abc", 1) == "…"


def test_clean_line_with_limit_zero_is_empty() -> None:
    assert clean_line("abc", 0) == ""


def test_clean_line_refuses_a_negative_limit() -> None:
    with pytest.raises(ValueError, match="negative"):
        clean_line("abc", -1)


@given(risky_text, st.integers(min_value=0, max_value=40))
def test_clean_line_never_exceeds_its_limit(text: str, limit: int) -> None:
    assert len(clean_line(text, limit)) <= limit


def test_clean_message_keeps_only_line_feeds_as_line_breaks() -> None:
    assert clean_message("a\n\x1b[31mb\x07\r\u2028c") == "a\nb  c"
    assert clean_message("plain") == "plain"


# -- monospace (\x11, modern.ircdocs.horse "Monospace") ------------------------------------------


def runs(formatted: Formatted) -> list[str]:
    return [formatted.text[start:end] for start, end in formatted.monospace]


def test_monospace_toggles_on_and_off_and_the_codes_are_gone() -> None:
    formatted = clean_monospace("say \x11a  b\x11 then \x11c\x11")
    assert formatted.text == "say a  b then c"
    assert runs(formatted) == ["a  b", "c"]


def test_reset_ends_monospace_and_an_open_run_ends_with_the_text() -> None:
    formatted = clean_monospace("\x11ab\x0fcd\x11ef")
    assert formatted.text == "abcdef"
    assert runs(formatted) == ["ab", "ef"]


def test_text_without_monospace_is_cleaned_as_a_message_is() -> None:
    assert clean_monospace("a\n\x1b[31mb\x0f") == Formatted("a\nb")


def test_a_board_sent_as_monospace_lines_keeps_its_lines_and_columns() -> None:
    board = "\x11 X | O |  \x11\n\x11---+---+---\x11\n\x11   | X |  \x11"
    formatted = clean_monospace(board)
    assert formatted.text == " X | O |  \n---+---+---\n   | X |  "
    assert runs(formatted) == [" X | O |  ", "---+---+---", "   | X |  "]


def test_runs_that_touch_are_one_and_empty_runs_are_none() -> None:
    assert runs(clean_monospace("\x11ab\x11\x11cd\x11")) == ["abcd"]
    assert clean_monospace("x\x11\x11y").monospace == ()


def test_hostile_text_inside_monospace_is_still_cleaned() -> None:
    formatted = clean_monospace(f"\x11{ESC}[2J{ESC}]0;pwned{BEL}\x07\u202eevil\x03" + "4,1red\x11")
    assert formatted.text == "evilred"
    assert runs(formatted) == ["evilred"]


def test_a_sequence_cannot_straddle_a_toggle_to_hide_or_forge_text() -> None:
    # Each run is cleaned on its own: an OSC opened in one run swallows only that run.
    formatted = clean_monospace(f"a{ESC}]0;\x11b{BEL}c\x11")
    assert formatted.text == "abc"
    assert not CONTROL_RE.search(formatted.text)


CONTROL_RE = re.compile("[\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]")


@given(st.lists(st.one_of(risky_text, st.sampled_from(["\x11", "\x0f", "\n"])), max_size=12))
@example(["\x11", ESC + "]", "\x11", BEL])
def test_monospace_runs_are_clean_in_bounds_in_order_and_apart(pieces: list[str]) -> None:
    formatted = clean_monospace("".join(pieces))
    assert not CONTROL_RE.search(formatted.text)
    at = -1
    for start, end in formatted.monospace:
        assert at < start < end <= len(formatted.text)
        at = end

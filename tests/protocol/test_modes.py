"""Mode strings: splitting ``+ov-k`` and its parameters into changes, and rendering them back."""

from __future__ import annotations

from chinwag.protocol import modes
from chinwag.protocol.modes import (
    CHANNEL_MODES,
    ModeChange,
    ModeKind,
    format_changes,
    parse_mode_changes,
    takes_param,
)


def parse(modestring: str, *params: str) -> modes.ParsedModes:
    return parse_mode_changes(modestring, list(params), CHANNEL_MODES)


def test_prefix_modes_take_nicks_in_order() -> None:
    assert parse("+ov", "ana", "bo").changes == [
        ModeChange(True, "o", "ana"),
        ModeChange(True, "v", "bo"),
    ]


def test_sign_defaults_to_plus_and_switches_mid_string() -> None:
    assert parse("o-v+t", "ana", "bo").changes == [
        ModeChange(True, "o", "ana"),
        ModeChange(False, "v", "bo"),
        ModeChange(True, "t"),
    ]


def test_key_takes_a_parameter_both_ways_limit_only_when_set() -> None:
    assert parse("+kl", "secret", "10").changes == [
        ModeChange(True, "k", "secret"),
        ModeChange(True, "l", "10"),
    ]
    assert parse("-lk", "secret").changes == [
        ModeChange(False, "l"),
        ModeChange(False, "k", "secret"),
    ]


def test_list_mode_without_parameter_asks_for_the_list() -> None:
    assert parse("+b").changes == [ModeChange(True, "b", None)]
    assert parse("b").changes == [ModeChange(True, "b", None)]


def test_missing_parameter_gives_none() -> None:
    assert parse("+ok", "ana").changes == [ModeChange(True, "o", "ana"), ModeChange(True, "k")]


def test_flags_never_consume_parameters() -> None:
    assert parse("+nt-m", "extra").changes == [
        ModeChange(True, "n"),
        ModeChange(True, "t"),
        ModeChange(False, "m"),
    ]


def test_unknown_letters_are_reported_and_skipped() -> None:
    parsed = parse("+xo-Z", "ana")
    assert parsed.unknown == ["x", "Z"]
    assert parsed.changes == [ModeChange(True, "o", "ana")]


def test_bare_signs_give_nothing() -> None:
    parsed = parse("+-+")
    assert parsed.changes == [] and parsed.unknown == []


def test_takes_param_table() -> None:
    assert takes_param(ModeKind.LIST, True) and takes_param(ModeKind.LIST, False)
    assert takes_param(ModeKind.ALWAYS, True) and takes_param(ModeKind.ALWAYS, False)
    assert takes_param(ModeKind.WHEN_SET, True) and not takes_param(ModeKind.WHEN_SET, False)
    assert not takes_param(ModeKind.FLAG, True) and not takes_param(ModeKind.FLAG, False)
    assert takes_param(ModeKind.PREFIX, True) and takes_param(ModeKind.PREFIX, False)


def test_format_groups_signs_and_appends_params() -> None:
    changes = [
        ModeChange(True, "o", "ana"),
        ModeChange(True, "v", "bo"),
        ModeChange(False, "k", "key"),
        ModeChange(False, "t"),
        ModeChange(True, "n"),
    ]
    assert format_changes(changes) == ["+ov-kt+n", "ana", "bo", "key"]


def test_format_of_nothing_is_nothing() -> None:
    assert format_changes([]) == []


def test_format_then_parse_gives_the_same_changes() -> None:
    changes = [
        ModeChange(True, "l", "5"),
        ModeChange(False, "o", "ana"),
        ModeChange(True, "b", "x!*@*"),
    ]
    assert parse(*format_changes(changes)).changes == changes


def test_isupport_tokens_follow_the_table() -> None:
    assert modes.CHANMODES_TOKEN == "Ibe,k,fl,CRimnst"
    assert modes.PREFIX_TOKEN == "(ov)@+"
    assert modes.CHANNEL_MODE_LETTERS == "CIRbefiklmnostv"
    assert modes.CHANNEL_MODES_WITH_PARAMS == "Ibefklov"


def test_flood_settings_parse_as_lines_colon_seconds() -> None:
    assert modes.parse_flood("5:10") == (5, 10)
    assert modes.parse_flood("1000:86400") == (1000, 86400)
    for bad in ("", "5", "5:", ":10", "0:10", "5:0", "1001:10", "5:86401", "*5:10", "\u0665:10"):
        assert modes.parse_flood(bad) is None, bad

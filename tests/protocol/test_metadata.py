"""Metadata keys and values (IRCv3 draft/metadata-2; the ``color`` key of design.md §5)."""

from __future__ import annotations

import pytest

from chinwag.protocol.metadata import is_valid_key, normalise_color, normalise_value


@pytest.mark.parametrize("key", ["color", "display-name", "im.xmpp", "a_b/c", "0", "k" * 100])
def test_valid_keys(key: str) -> None:
    assert is_valid_key(key)


@pytest.mark.parametrize("key", ["", "Color", "a:b", ":a", "a b", "$a", "é", "k" * 101])
def test_invalid_keys(key: str) -> None:
    assert not is_valid_key(key)


def test_colors_are_rrggbb_in_lower_case() -> None:
    assert normalise_color("#FFaF00") == "#ffaf00"
    for bad in ("#fff", "ffaf00", "#ffaf00 ", "#gggggg", "red", ""):
        assert normalise_color(bad) is None, bad


def test_values_are_limited_in_bytes_and_checked_by_key() -> None:
    assert normalise_value("status", "💜", max_value_bytes=4) == "💜"
    assert normalise_value("status", "💜x", max_value_bytes=4) is None
    assert normalise_value("status", "x" * 345, max_value_bytes=1000) is None  # 351 with its key
    assert normalise_value("color", "#ABCDEF", max_value_bytes=300) == "#abcdef"
    assert normalise_value("color", "blue", max_value_bytes=300) is None

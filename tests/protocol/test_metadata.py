"""Metadata keys and values (IRCv3 draft/metadata-2 and draft/metadata-3; the ``color`` key of
design.md §5), the two drafts' dialects, and the budget of changes."""

from __future__ import annotations

import pytest

from chinwag.protocol.metadata import (
    METADATA_2_DIALECT,
    METADATA_3_DIALECT,
    ChangeBudget,
    dialect_for,
    is_valid_key,
    normalise_color,
    normalise_value,
)


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


def test_the_dialects_are_chosen_by_capability_metadata_3_first() -> None:
    assert dialect_for({"batch"}) is None
    assert dialect_for({"draft/metadata-2"}) is METADATA_2_DIALECT
    assert dialect_for({"draft/metadata-3"}) is METADATA_3_DIALECT
    assert dialect_for({"draft/metadata-2", "draft/metadata-3"}) is METADATA_3_DIALECT


def test_a_change_budget_gives_a_burst_then_one_a_second() -> None:
    budget = ChangeBudget(2, now=100.0)
    assert [budget.take(2, 100.0) for _ in range(3)] == [0, 0, 1]
    assert budget.take(2, 100.5) == 1  # half a change saved: still a second to wait
    assert budget.take(2, 101.0) == 0
    assert [budget.take(2, 200.0) for _ in range(3)] == [0, 0, 1]  # never more than the burst

"""Wildcard masks: the public vectors, then our own edge cases and ban-mask completion."""

from __future__ import annotations

import time
from typing import Any

import pytest
from parser_tests.data import mask_match  # type: ignore[import-untyped]

from chinwag.protocol.masks import matches, normalize_ban_mask

MASK_VECTORS: list[dict[str, Any]] = mask_match["tests"]


@pytest.mark.parametrize("vector", MASK_VECTORS, ids=[v["mask"] for v in MASK_VECTORS])
def test_mask_vector(vector: dict[str, Any]) -> None:
    for text in vector.get("matches", []):
        assert matches(vector["mask"], text), text
    for text in vector.get("fails", []):
        assert not matches(vector["mask"], text), text


def test_star_matches_any_run_including_none() -> None:
    assert matches("a*b", "ab")
    assert matches("a*b", "a-long-way-b")
    assert not matches("a*b", "a-long-way-c")


def test_question_mark_matches_exactly_one() -> None:
    assert matches("a?c", "abc")
    assert not matches("a?c", "ac")
    assert not matches("a?c", "abbc")


def test_whole_text_must_match() -> None:
    assert not matches("ana", "ana!u@h")
    assert not matches("na!u@h", "ana!u@h")


def test_matching_ignores_ascii_case() -> None:
    assert matches("ANA!*@*", "ana!u@HOST")
    assert matches("ana!*@*", "ANA!u@host")


def test_regex_metacharacters_are_literal() -> None:
    assert matches("a.b+c(d)|e$", "a.b+c(d)|e$")
    assert not matches("a.b", "axb")
    assert matches("*!*@1.2.3.*", "x!y@1.2.3.4")
    assert not matches("*!*@1.2.3.*", "x!y@1x2x3x4")


def test_newline_in_text_is_matched_by_star() -> None:
    assert matches("a*b", "a\nb")


@pytest.mark.parametrize(
    ("given", "complete"),
    [
        ("ana", "ana!*@*"),
        ("*", "*!*@*"),
        ("user@host", "*!user@host"),
        ("ana!user", "ana!user@*"),
        ("ana!user@host", "ana!user@host"),
        ("*!*@*.example.org", "*!*@*.example.org"),
    ],
)
def test_normalize_ban_mask(given: str, complete: str) -> None:
    assert normalize_ban_mask(given) == complete


# -- found by fuzzing (docs/security.md, "Fuzzing") ---------------------------------------------


@pytest.mark.parametrize("stars", [10, 40, 200])
def test_a_mask_of_many_stars_is_matched_in_time_proportional_to_the_text(stars: int) -> None:
    # One regular expression with a ".*" per star took minutes here (10 stars, 40 letters).
    started = time.perf_counter()
    assert not matches("*a" * stars + "*b", "a" * 400)
    assert matches("*a" * stars + "*", "a" * 400)
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    ("mask", "text", "expected"),
    [
        ("a*b*c", "abc", True),
        ("a*b*c", "aXbYc", True),
        ("a*b*c", "acb", False),
        ("*ab", "aab", True),
        ("ab*", "aab", False),
        ("a*a", "a", False),
        ("a*a", "aa", True),
        ("?*?", "x", False),
        ("?*?", "xy", True),
        ("**", "", True),
        ("*?b?*", "abab", True),
        ("a?*c*?", "abcd", True),
    ],
)
def test_runs_between_stars_keep_their_order_and_places(
    mask: str, text: str, expected: bool
) -> None:
    assert matches(mask, text) is expected

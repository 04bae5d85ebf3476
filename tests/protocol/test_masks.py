"""Wildcard masks: the public vectors, then our own edge cases and ban-mask completion."""

from __future__ import annotations

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

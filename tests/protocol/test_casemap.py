"""Casefolding with CASEMAPPING=ascii, and what counts as a nick or a channel name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chinwag.protocol.casemap import CASEMAPPING, fold, is_channel_name, is_valid_nick


def test_casemapping_is_ascii() -> None:
    assert CASEMAPPING == "ascii"


def test_fold_lowers_ascii_letters() -> None:
    assert fold("AnA") == "ana"
    assert fold("#Lobby") == "#lobby"


def test_fold_leaves_rfc1459_specials_alone() -> None:
    # With ascii casemapping, []\~ are not the upper case of {}|^.
    assert fold("[]\\~") == "[]\\~"
    assert fold("[]\\~") != fold("{}|^")


def test_fold_leaves_non_ascii_alone() -> None:
    assert fold("ÄÖÜ") == "ÄÖÜ"
    assert fold("İ") == "İ"  # no length-changing Unicode lowering


@given(st.text())
def test_fold_is_idempotent_and_keeps_length(text: str) -> None:
    assert fold(fold(text)) == fold(text)
    assert len(fold(text)) == len(text)


@given(st.text(st.characters(max_codepoint=127)))
def test_fold_matches_ascii_lower(text: str) -> None:
    assert fold(text) == text.lower()


@pytest.mark.parametrize(
    "nick", ["ana", "Ana", "a", "[bot]", "x_y-z", "^_^", "{a}|b`", "a1", "A" * 30]
)
def test_valid_nicks(nick: str) -> None:
    assert is_valid_nick(nick, 30)


@pytest.mark.parametrize(
    "nick",
    [
        "",
        "1ana",
        "-ana",
        "#ana",
        "a b",
        "ana!",
        "ana@h",
        "a,b",
        ":ana",
        "a.b",
        "ana*",
        "é",
        "A" * 31,
    ],
)
def test_invalid_nicks(nick: str) -> None:
    assert not is_valid_nick(nick, 30)


def test_nick_length_limit_is_the_one_given() -> None:
    assert is_valid_nick("abcde", 5)
    assert not is_valid_nick("abcdef", 5)


@pytest.mark.parametrize("name", ["#a", "#lobby", "#Café", "##", "#a-b_c.d"])
def test_channel_names(name: str) -> None:
    assert is_channel_name(name)


@pytest.mark.parametrize(
    "name", ["", "#", "lobby", "&local", "#a b", "#a,b", "#a\x07", "#a\0", "#a\r", "#a:b"]
)
def test_not_channel_names(name: str) -> None:
    assert not is_channel_name(name)

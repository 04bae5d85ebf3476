"""Extended ban masks: https://ircv3.net/specs/extensions/account-extban."""

from __future__ import annotations

from chinwag.protocol.extbans import ban_matches, is_valid, split


def test_split_knows_the_account_type_only() -> None:
    assert split("a:bob") == ("a", "bob")
    assert split("a:") == ("a", "")
    assert split("z:bob") is None
    assert split("*!*@2001:db8::1") is None
    assert split("bob!*@*") is None


def test_is_valid_refuses_an_empty_account() -> None:
    assert is_valid("a:bob")
    assert not is_valid("a:")
    assert is_valid("bob!*@*")


def test_account_extban_matches_the_account_folded_and_with_wildcards() -> None:
    assert ban_matches("a:Bob", "x!u@h", "bob")
    assert ban_matches("a:b*", "x!u@h", "bert")
    assert not ban_matches("a:bob", "bob!u@h", None)
    assert not ban_matches("a:bob", "bob!u@h", "alice")


def test_plain_masks_match_the_source() -> None:
    assert ban_matches("bob!*@*", "bob!u@h", None)
    assert not ban_matches("bob!*@*", "ann!u@h", "bob")

"""The one polling helper tests share (tests/waiting.py) returns what it waited for and
fails with what it saw."""

from __future__ import annotations

import pytest

from tests.waiting import until


async def test_until_returns_the_first_true_result_of_a_plain_or_async_check() -> None:
    looks: list[int] = []

    def plain() -> int:
        looks.append(1)
        return len(looks) if len(looks) >= 3 else 0

    assert await until(plain, "three looks") == 3

    async def eventually() -> str:
        return "there"

    assert await until(eventually, "at once") == "there"


async def test_until_fails_in_time_saying_what_it_waited_for_and_saw() -> None:
    with pytest.raises(AssertionError, match=r"the moon: not seen in 0.1s\nscreen: empty"):
        await until(lambda: None, "the moon", timeout=0.1, describe=lambda: "screen: empty")

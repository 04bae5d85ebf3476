"""Where the core gets the wall clock and randomness: system sources for one node, seeded
sources that two replicas share (issue 18)."""

from __future__ import annotations

import string
import threading

import pytest

from chinwag.server import sources
from chinwag.server.sources import SeededSources, SystemSources


def fixed(when: float = 1_767_225_600.0) -> SeededSources:
    return SeededSources(b"seed", lambda: when)


def draws(source: SeededSources) -> list[object]:
    """One of every kind of draw, in order."""
    return [
        source.token_bytes(5),
        source.token_hex(8),
        source.token_urlsafe(9),
        source.randbelow(1000),
        source.choice("abcdefgh"),
        source.new_msgid(),
        source.token_bytes(),
        source.new_msgid(),
    ]


# -- SeededSources --------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_draws_in_the_same_order() -> None:
    assert draws(fixed()) == draws(fixed())


def test_another_seed_gives_other_draws() -> None:
    first, second = draws(fixed()), draws(SeededSources(b"another seed", lambda: 0.0))
    for mine, theirs in zip(first, second, strict=True):
        if isinstance(mine, int | str) and len(str(mine)) <= 1:
            continue  # a single digit or letter may coincide
        assert mine != theirs


def test_draws_do_not_repeat() -> None:
    source = fixed()
    assert len({source.token_hex(8) for _ in range(20_000)}) == 20_000
    assert len({source.new_msgid() for _ in range(20_000)}) == 20_000
    assert len({source.token_urlsafe(12) for _ in range(5_000)}) == 5_000


def test_the_bytes_are_one_stream_however_they_are_asked_for() -> None:
    one, other = fixed(), fixed()
    assert one.token_bytes(16) + one.token_bytes(50) + one.token_bytes(30) == other.token_bytes(96)


def test_tokens_have_the_sizes_and_alphabets_secrets_gives() -> None:
    source = fixed()
    assert len(source.token_bytes(0)) == 0
    assert len(source.token_bytes(100)) == 100
    assert len(source.token_bytes()) == 32
    hex_token = source.token_hex(8)
    assert len(hex_token) == 16 and set(hex_token) <= set(string.hexdigits.lower())
    urlsafe = source.token_urlsafe(9)
    assert len(urlsafe) == 12 and set(urlsafe) <= set(string.ascii_letters + string.digits + "-_")
    with pytest.raises(ValueError):
        source.token_bytes(-1)


def test_randbelow_covers_its_range_evenly_and_nothing_else() -> None:
    source = fixed()
    counts = [0] * 10
    for _ in range(10_000):
        counts[source.randbelow(10)] += 1
    assert min(counts) > 850 and max(counts) < 1150  # 1000 each, give or take 5 sigma
    assert {source.randbelow(1) for _ in range(50)} == {0}
    assert max(source.randbelow(2**70) for _ in range(50)) >= 2**64  # big bounds work too
    with pytest.raises(ValueError):
        source.randbelow(0)


def test_choice_picks_from_the_sequence_and_refuses_an_empty_one() -> None:
    source = fixed()
    assert {source.choice("xyz") for _ in range(200)} == {"x", "y", "z"}
    with pytest.raises(IndexError):
        source.choice([])


def test_msgids_are_a_seed_prefix_and_a_counter() -> None:
    one, same, other = fixed(), fixed(), SeededSources(b"elsewhere", lambda: 0.0)
    first = one.new_msgid()
    assert first == same.new_msgid()
    assert first[:12] != other.new_msgid()[:12]
    assert one.new_msgid()[:12] == first[:12]
    assert "," not in first and " " not in first and ";" not in first  # a valid tag value


def test_now_is_the_given_clock() -> None:
    moments = iter([10.0, 20.5])
    source = SeededSources(b"seed", lambda: next(moments))
    assert (source.now(), source.now()) == (10.0, 20.5)


# -- SystemSources ---------------------------------------------------------------------------------


def test_system_sources_are_the_real_clock_and_differ_per_instance() -> None:
    import time

    before = time.time()
    assert before <= SystemSources().now() <= time.time()
    assert SystemSources().token_hex(16) != SystemSources().token_hex(16)
    one, other = SystemSources(), SystemSources()
    assert one.new_msgid()[:12] != other.new_msgid()[:12]
    assert len({one.new_msgid() for _ in range(10_000)}) == 10_000
    assert 0 <= one.randbelow(5) < 5 and one.choice("ab") in "ab"


def test_system_sources_take_another_clock() -> None:
    assert SystemSources(lambda: 42.0).now() == 42.0


# -- the current sources ---------------------------------------------------------------------------


def test_the_module_functions_read_the_current_sources() -> None:
    seeded, twin = fixed(5.0), fixed(5.0)
    with sources.using(seeded):
        assert sources.current() is seeded
        got = [
            sources.now(),
            sources.token_bytes(4),
            sources.token_hex(4),
            sources.token_urlsafe(4),
            sources.randbelow(100),
            sources.choice("abc"),
            sources.new_msgid(),
        ]
    assert got == [
        5.0,
        twin.token_bytes(4),
        twin.token_hex(4),
        twin.token_urlsafe(4),
        twin.randbelow(100),
        twin.choice("abc"),
        twin.new_msgid(),
    ]


def test_using_puts_the_previous_sources_back_even_after_an_error() -> None:
    before = sources.current()
    with pytest.raises(RuntimeError), sources.using(fixed(1.0)):
        assert sources.now() == 1.0
        raise RuntimeError
    assert sources.current() is before
    assert sources.now() != 1.0


def test_use_returns_what_it_replaced() -> None:
    before = sources.current()
    seeded = fixed()
    assert sources.use(seeded) is before
    assert sources.use(before) is seeded
    assert sources.current() is before


def test_the_default_is_one_system_sources_for_the_process() -> None:
    assert isinstance(sources.current(), SystemSources)
    seen: list[object] = []
    thread = threading.Thread(target=lambda: seen.append(sources.current()))
    thread.start()
    thread.join()
    assert seen == [sources.current()]

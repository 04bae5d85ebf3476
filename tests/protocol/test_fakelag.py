"""The token bucket of flood control (RFC 1459 section 8.10; Ergo's fakelag), sans I/O."""

from __future__ import annotations

import pytest

from chinwag.protocol.fakelag import (
    MULTILINE_LINE_COST,
    TokenBucket,
    announced_limits,
    line_cost,
    parse_window,
)


def test_a_burst_goes_at_once_and_the_next_line_waits_one_interval() -> None:
    bucket = TokenBucket(burst=5, rate=2.0, now=0.0)
    assert [bucket.charge(1, 0.0) for _ in range(5)] == [0.0] * 5
    assert bucket.charge(1, 0.0) == pytest.approx(0.5)
    assert bucket.charge(1, 0.0) == pytest.approx(1.0)


def test_the_bucket_refills_at_its_rate_and_never_beyond_its_burst() -> None:
    bucket = TokenBucket(burst=5, rate=2.0, now=0.0)
    for _ in range(5):
        bucket.charge(1, 0.0)
    assert bucket.charge(1, 1.0) == 0.0  # two tokens came back in a second
    assert bucket.charge(1, 1.0) == 0.0
    assert bucket.charge(1, 1.0) > 0.0
    idle = TokenBucket(burst=5, rate=2.0, now=0.0)
    # An hour of silence saves up no more than the burst.
    assert [idle.charge(1, 3600.0) for _ in range(6)][-1] > 0.0


def test_typing_at_a_human_pace_never_waits() -> None:
    bucket = TokenBucket(burst=20, rate=2.0, now=0.0)
    assert all(bucket.charge(1, second * 0.7) == 0.0 for second in range(1000))


def test_lag_and_delay_report_without_charging() -> None:
    bucket = TokenBucket(burst=2, rate=1.0, now=0.0)
    assert bucket.delay(1, 0.0) == 0.0
    for _ in range(4):
        bucket.charge(1, 0.0)
    assert bucket.lag(0.0) == pytest.approx(2.0)
    assert bucket.delay(1, 0.0) == pytest.approx(3.0)
    assert bucket.lag(0.0) == pytest.approx(2.0)  # delay() took nothing
    assert bucket.lag(5.0) == 0.0


def test_heavy_commands_cost_more_and_multiline_lines_little() -> None:
    assert line_cost("PRIVMSG") == 1.0
    assert line_cost("LIST") > line_cost("WHO") > line_cost("PRIVMSG") > line_cost("PONG")
    assert line_cost("PRIVMSG", in_batch=True) == MULTILINE_LINE_COST
    # A 50-line paste sent as one multiline message weighs as a few typed lines.
    assert 1 + 50 * MULTILINE_LINE_COST + 1 < 10


def test_a_bad_bucket_is_refused() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0, 1.0, 0.0)
    with pytest.raises(ValueError):
        TokenBucket(5, 0.0, 0.0)


def test_the_announced_window_never_trips_the_bucket() -> None:
    count, duration = announced_limits(20, 2.0)
    assert (count, duration) == (20, 10)
    bucket = TokenBucket(20, 2.0, 0.0)
    # Sending the whole window's count at the start of each window never waits.
    for window in range(20):
        assert all(bucket.charge(1, window * duration) == 0.0 for _ in range(count))
    assert announced_limits(5, 0.3) == (5, 17)


def test_windows_parse_as_count_slash_duration() -> None:
    assert parse_window("20/10") == (20, 10)
    for bad in ("", "20", "0/10", "20/0", "a/b", "-1/5", "20/10/3"):
        assert parse_window(bad) is None


def test_a_whole_burst_goes_at_once_despite_rounding() -> None:
    bucket = TokenBucket(burst=3, rate=3 / 10, now=0.0)
    assert [bucket.charge(1, 0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.charge(1, 0.0) > 0.0

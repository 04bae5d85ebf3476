"""/whois and /list answers as the log shows them."""

from __future__ import annotations

from chinwag.client.answers import duration


def test_idle_times_are_short() -> None:
    assert [duration(s) for s in (42, 300, 7620)] == ["42s", "5m", "2h 7m"]

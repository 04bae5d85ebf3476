"""The "Server is down" banner's words and countdown (:mod:`chinwag.client.banner`), which the
terminal client, plain mode and the window all show."""

from __future__ import annotations

import pytest

from chinwag.client.banner import BANNER_DOWN, BANNER_NOW, QUIT_HINT, down_banner
from chinwag.client.values import Link


def test_it_counts_whole_seconds_down_to_the_next_attempt_then_says_now() -> None:
    assert down_banner(Link.DOWN, 1005.0, 1000.0) == "Server is down — reconnecting in 5s"
    assert down_banner(Link.DOWN, 1005.0, 1003.5) == BANNER_DOWN.format(seconds=2)  # rounded up
    assert down_banner(Link.DOWN, 1005.0, 1004.999) == BANNER_DOWN.format(seconds=1)
    assert down_banner(Link.DOWN, 1005.0, 1005.0) == BANNER_NOW
    assert down_banner(Link.DOWN, 1005.0, 1100.0) == BANNER_NOW
    assert down_banner(Link.DOWN, None, 0.0) == "Server is down — reconnecting now"


def test_a_hint_follows_in_brackets() -> None:
    assert down_banner(Link.DOWN, 1005.0, 1000.0, hint=QUIT_HINT) == (
        "Server is down — reconnecting in 5s (press Ctrl-C to quit)"
    )
    assert down_banner(Link.DOWN, None, 0.0, hint=QUIT_HINT) == (
        "Server is down — reconnecting now (press Ctrl-C to quit)"
    )


@pytest.mark.parametrize("link", [Link.CONNECTING, Link.ONLINE, Link.CLOSED])
def test_there_is_no_banner_unless_the_server_is_down(link: Link) -> None:
    assert down_banner(link, 1005.0, 1000.0, hint=QUIT_HINT) is None

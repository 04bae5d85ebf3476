"""What every client says while the server is down: the banner with its countdown, the hint.

The words are defined here once. The terminal client and plain mode show the banner as
:meth:`~chinwag.client.chat.ChatModel.banner` gives it, with the key that leaves after it
(``press Ctrl-C to quit``: a terminal has no close button); the window shows it without
(:func:`chinwag.gui.view.banner_text`). Both count down from the model's
:attr:`~chinwag.client.chat.ChatModel.reconnect_at` on their own clock.
"""

from __future__ import annotations

import math

from chinwag.client.values import Link

BANNER_DOWN = "Server is down — reconnecting in {seconds}s"
"""The banner while the next attempt is ``seconds`` away."""

BANNER_NOW = "Server is down — reconnecting now"
"""The banner while an attempt is under way."""

QUIT_HINT = "press Ctrl-C to quit"
"""What the terminal clients add to the banner, in brackets."""

RETRY_HINT = "F5 to retry now, Ctrl-C to quit"
"""What the terminal client adds instead: it has a key that cuts the wait short."""

NOT_CONNECTED = "Not connected: what you type waits and is sent once we are back"
"""The input line's hint while we are not online."""


def down_banner(
    link: Link, reconnect_at: float | None, now: float, *, hint: str | None = None
) -> str | None:
    """The "Server is down" banner at monotonic time ``now``, or None unless ``link`` is down.

    Until ``reconnect_at`` it counts whole seconds, rounded up (``… reconnecting in 4s``);
    from then, or with no attempt planned, ``… reconnecting now``. A ``hint`` follows in
    brackets.
    """
    if link is not Link.DOWN:
        return None
    seconds = 0 if reconnect_at is None else math.ceil(reconnect_at - now)
    text = BANNER_DOWN.format(seconds=seconds) if seconds > 0 else BANNER_NOW
    return f"{text} ({hint})" if hint else text

"""Flood control as a token bucket, shared by the server (fakelag) and the clients (pacing).

RFC 1459 section 8.10 gives each client a "message timer": every line pushes it two seconds
further, and while it is more than ten seconds ahead of the clock the server reads no more
from that client. That is a token bucket of five lines refilled one line per two seconds;
Ergo's ``fakelag`` (irc/fakelag.go) is the same idea with a configurable burst and rate.
:class:`TokenBucket` keeps the timer form, which needs one float and no loop: each line
costs ``cost / rate`` seconds of the timer, and a line may go now while the timer is no
further ahead than the burst allows. The caller asks how long a line must wait
(:meth:`TokenBucket.charge`) and does the waiting itself (the server holds the line and
stops reading; a client sleeps before writing).

Costs follow RFC 1459's penalty idea: most lines cost 1, commands whose answers are long
(LIST, WHO, CHATHISTORY, SEARCH) cost more, and a line inside a ``draft/multiline`` batch
costs only :data:`MULTILINE_LINE_COST`, so a 50-line paste sent as one message weighs about
as much as six typed lines.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

COMMAND_COSTS: Mapping[str, float] = {
    "LIST": 3.0,
    "SEARCH": 3.0,
    "WHO": 2.0,
    "WHOIS": 2.0,
    "WHOWAS": 2.0,
    "NAMES": 2.0,
    "CHATHISTORY": 2.0,
    "MOTD": 2.0,
    "HELP": 2.0,
    "PONG": 0.5,
    "PING": 0.5,
}
"""What a line of each command costs, in lines (RFC 1459 8.10's penalty); others cost 1."""

MULTILINE_LINE_COST = 0.1
"""What one line inside a client's ``draft/multiline`` batch costs: a paste sent as one
message is one message to its readers, so its lines are cheap (but never free: the batch
limits of ``max-lines`` bound it, and free lines would be a loophole)."""


def line_cost(command: str, in_batch: bool = False) -> float:
    """The cost of one line of ``command`` (upper case); ``in_batch``: it carries the
    ``batch`` tag of an open ``draft/multiline`` batch of the sender."""
    if in_batch:
        return MULTILINE_LINE_COST
    return COMMAND_COSTS.get(command, 1.0)


_EPSILON = 1e-9
"""Seconds of wait too small to be more than rounding: three lines of a 3-in-10-seconds
bucket add up to 10.000000000000002 seconds, and the third must still go at once."""


class TokenBucket:
    """A sender's allowance: ``burst`` lines at once, then ``rate`` lines per second.

    The state is one number, the time at which the bucket would be full again
    (:attr:`ready_at`, RFC 1459's message timer). :meth:`charge` takes a line's cost and
    says how many seconds it must wait before it is handled or sent; the caller waits.
    """

    __slots__ = ("burst", "rate", "ready_at")

    def __init__(self, burst: float, rate: float, now: float) -> None:
        if burst <= 0 or rate <= 0:
            raise ValueError("burst and rate must be positive")
        self.burst = burst
        self.rate = rate
        self.ready_at = now
        """When the bucket is full again; never earlier than the clock (a full bucket)."""

    def charge(self, cost: float, now: float) -> float:
        """Take ``cost`` lines' worth from the bucket at time ``now``; return the seconds
        the line must wait first (0.0: at once). Lines charged one after another wait in
        that order, each a little longer: the returned delays never decrease while the
        sender keeps going faster than the rate."""
        ready_at = self.ready_at
        if ready_at < now:
            ready_at = now
        ready_at += cost / self.rate
        self.ready_at = ready_at
        wait = ready_at - now - self.burst / self.rate
        return wait if wait > _EPSILON else 0.0

    def delay(self, cost: float, now: float) -> float:
        """The seconds a line of ``cost`` would wait if charged at ``now``, without taking
        anything (a client asks this before it writes)."""
        ready_at = max(self.ready_at, now) + cost / self.rate
        wait = ready_at - now - self.burst / self.rate
        return wait if wait > _EPSILON else 0.0

    def lag(self, now: float) -> float:
        """How far behind the sender is: the seconds until its bucket has a token again."""
        wait = self.ready_at - now - self.burst / self.rate
        return wait if wait > _EPSILON else 0.0


def announced_limits(burst: int, rate: float) -> tuple[int, int]:
    """A ``<count>/<duration>`` window (draft/channel-flood-limits "Window semantics")
    that never trips a bucket of ``burst`` lines and ``rate`` lines per second: within
    any ``duration`` seconds such a bucket lets ``burst + rate * duration`` lines through,
    so announcing ``burst`` lines per ``ceil(burst / rate)`` seconds is conservative."""
    return burst, max(1, math.ceil(burst / rate))


def parse_window(text: str) -> tuple[int, int] | None:
    """``"5/10"`` as ``(5, 10)``: a ``<count>/<duration>`` of draft/channel-flood-limits
    (both positive integers), or ``None`` when ``text`` is not one."""
    count, slash, duration = text.partition("/")
    if not slash or not count.isdigit() or not duration.isdigit():
        return None
    lines, seconds = int(count), int(duration)
    if lines < 1 or seconds < 1:
        return None
    return lines, seconds

"""Client-side pacing: what the client writes never trips the server's flood control.

The server's fakelag (docs/security.md "Flood control") holds, and past a hard limit
disconnects, a client that sends faster than its allowance. The first-party clients keep
below it with their own :class:`~chinwag.protocol.fakelag.TokenBucket`, sized from what the
server announces with ``CHANLIMITS * user:message=<count>/<duration>``
(draft/channel-flood-limits, IRCv3 PR #589; :class:`FloodLimits` keeps it) less the spec's
safety margin, or from :data:`DEFAULT_BURST` / :data:`DEFAULT_RATE` before (or without) it.

Sans-I/O: :class:`Pacer` takes the bytes the protocol queued and hands back, at a time the
caller gives, the lines that may go now and how long until the next; the runner writes and
sleeps. A paste the server offers ``draft/multiline`` for goes as one batch whose lines
cost what the server charges for them (:data:`~chinwag.protocol.fakelag.MULTILINE_LINE_COST`).
"""

from __future__ import annotations

from collections import deque

from chinwag.client.events import Event
from chinwag.client.wire import Handler, Handlers
from chinwag.protocol.errors import ProtocolError
from chinwag.protocol.fakelag import TokenBucket, line_cost, parse_window
from chinwag.protocol.message import Message as IrcMessage
from chinwag.protocol.message import parse

MARGIN = 0.8
"""The share of the announced limits the client uses: the spec asks clients to stay 10-20%
below them ("Window semantics")."""

DEFAULT_BURST = 16
DEFAULT_RATE = 1.6
"""The allowance before the server says otherwise: 80% of chinwag's default fakelag
(``[limits] flood_burst = 20``, ``flood_rate = 2``)."""

UNLIMITED = (1e9, 1e9)
"""The allowance where the server has no limits for us: nothing ever waits."""

URGENT = frozenset({"PONG"})
"""Lines that jump the queue (still counted): a PONG late behind a paste could time the
connection out. A QUIT waits its turn: what was typed before it is meant to be sent
(``chinwag chat`` fed by a pipe quits after its last line)."""


class Pacer:
    """Lines waiting to be written, released as the allowance permits."""

    __slots__ = ("_bucket", "_lines", "burst", "rate")

    def __init__(self, now: float, burst: float = DEFAULT_BURST, rate: float = DEFAULT_RATE):
        self.burst = burst
        self.rate = rate
        self._bucket = TokenBucket(burst, rate, now)
        self._lines: deque[tuple[bytes, float]] = deque()

    def configure(self, burst: float, rate: float, now: float) -> None:
        """Pace to ``burst`` lines at once and ``rate`` a second from now on."""
        if (burst, rate) == (self.burst, self.rate):
            return
        # What was sent lately still counts on the server: carry the lines used over.
        used = max(0.0, self._bucket.ready_at - now) * self.rate
        self.burst, self.rate = burst, rate
        self._bucket = TokenBucket(burst, rate, now)
        self._bucket.ready_at = now + used / rate

    def push(self, data: bytes) -> None:
        """Queue the complete lines of ``data`` (what the protocol queued), in order."""
        in_batch = False
        for raw in data.split(b"\r\n"):
            if not raw:
                continue
            try:
                message = parse(raw.decode("utf-8", "replace"))
            except ProtocolError:
                cost = 1.0
                command = ""
            else:
                command = message.command
                if command == "BATCH" and message.params:
                    in_batch = message.params[0].startswith("+")
                cost = line_cost(command, in_batch and "batch" in message.tags)
            line = raw + b"\r\n"
            if command in URGENT:
                # Sent before what waits; a zero-length wait is what we give it.
                self._bucket.charge(cost, 0.0)
                self._lines.appendleft((line, -1.0))
            else:
                self._lines.append((line, cost))

    def take(self, now: float) -> bytes:
        """The lines that may be written at ``now``; the rest wait (:meth:`wait`)."""
        out = bytearray()
        lines, bucket = self._lines, self._bucket
        while lines:
            line, cost = lines[0]
            if cost >= 0.0:
                if bucket.delay(cost, now) > 0.0:
                    break
                bucket.charge(cost, now)
            lines.popleft()
            out += line
        return bytes(out)

    def wait(self, now: float) -> float | None:
        """Seconds until the next waiting line may go; ``None`` if none waits."""
        if not self._lines:
            return None
        _line, cost = self._lines[0]
        return self._bucket.delay(max(cost, 0.0), now)

    def drain_time(self, now: float) -> float:
        """Seconds until every waiting line has gone, at the current allowance."""
        if not self._lines:
            return 0.0
        total = sum(max(cost, 0.0) for _, cost in self._lines)
        bucket = self._bucket
        ahead = max(bucket.ready_at, now) - now
        return max(0.0, ahead + (total - bucket.burst) / bucket.rate)

    def clear(self) -> None:
        """Forget what waits (the connection is gone)."""
        self._lines.clear()

    @property
    def pending(self) -> int:
        """Lines waiting."""
        return len(self._lines)


_HANDLERS: Handlers[FloodLimits] = Handlers()


class FloodLimits:
    """What the server announced with ``CHANLIMITS`` (draft/channel-flood-limits): the
    network defaults (``*``) and each channel's, as ``(count, duration)`` of ``message``."""

    def __init__(self) -> None:
        self.network: tuple[int, int] | None = None
        """``user:message`` of ``CHANLIMITS *``, or ``None`` before it or without one."""
        self.unlimited = False
        """The server said no network limits apply to us (``CHANLIMITS * *``)."""
        self.channels: dict[str, tuple[int, int] | None] = {}
        """``user:message`` per channel, as announced (``None``: no limits there)."""

    def reset(self) -> None:
        """A new connection: nothing announced yet."""
        self.network = None
        self.unlimited = False
        self.channels.clear()

    def handlers(self) -> dict[str, Handler]:
        """This part's handlers, by command, for the facade's dispatch table."""
        return _HANDLERS.bind(self)

    @_HANDLERS.on("CHANLIMITS")
    def _on_chanlimits(self, message: IrcMessage) -> list[Event]:
        if len(message.params) < 2:
            return []
        target, params = message.params[0], message.params[1:]
        window = message_window(params)
        if target == "*":
            self.network = window
            self.unlimited = params[0] == "*"
        else:
            self.channels[target.lower()] = window
        return []

    def allowance(self) -> tuple[float, float]:
        """The ``(burst, rate)`` to pace with: :data:`MARGIN` of the network limits, or the
        defaults before they are known; no pacing to speak of when there are none."""
        if self.unlimited:
            return UNLIMITED
        if self.network is None:
            return DEFAULT_BURST, DEFAULT_RATE
        count, duration = self.network
        burst = max(1.0, float(int(count * MARGIN)))
        return burst, count / duration * MARGIN


def message_window(params: tuple[str, ...] | list[str]) -> tuple[int, int] | None:
    """The ``user:message=<count>/<duration>`` among ``CHANLIMITS`` limit parameters, or
    ``None`` (``*``, or no such limit; unknown scopes and types are ignored, as the spec
    asks)."""
    for param in params:
        scope, colon, limits = param.partition(":")
        if not colon or scope != "user":
            continue
        for item in limits.split(","):
            kind, equals, value = item.partition("=")
            if equals and kind == "message":
                return parse_window(value)
    return None

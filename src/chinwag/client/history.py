"""History sync: batches, ``CHATHISTORY`` requests, gap filling and read markers.

Rooms we join are asked for their latest lines; after a reconnection every room and direct
conversation with a known newest message is asked for what came after it, page after page
while pages come back full, so the gap the reconnection left is filled. Replayed lines arrive
in IRCv3 batches, which are put together here too (every batch, not only history: a
labeled-response or metadata batch is delivered whole as well). A history batch we did not ask
for holds direct messages that arrived while we were away: it is marked ``missed``. Read
markers say how far each conversation was read, on any of our devices.

The facade (:class:`~chinwag.client.protocol.ClientProtocol`) routes ``BATCH`` lines to
:meth:`HistorySync.on_batch` and every line inside an open batch to the batch
(:meth:`HistorySync.open_batch`), then calls :meth:`HistorySync.joined` and
:meth:`HistorySync.fill_gaps` through the roster and the negotiation.

References: https://ircv3.net/specs/extensions/batch,
https://ircv3.net/specs/extensions/chathistory, https://ircv3.net/specs/extensions/read-marker,
https://ircv3.net/specs/extensions/labeled-response. Sans-I/O: no asyncio, no socket.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from chinwag.client.events import Batch, Event, ReadMarker
from chinwag.client.state import World
from chinwag.client.wire import (
    Connection,
    Handler,
    Handlers,
    format_server_time,
    parse_server_time,
    time_of,
)
from chinwag.protocol.caps import SEARCH
from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.message import Message as IrcMessage

HISTORY_BATCHES = frozenset({"chathistory", "draft/chathistory"})
"""Batch types whose messages are replayed history, not news."""

HISTORY_CAPS = ("draft/chathistory", "chathistory")
"""The chathistory capability under its draft and (future) ratified names
(https://ircv3.net/specs/extensions/chathistory)."""

DEFAULT_HISTORY_ON_JOIN = 50
"""Lines of a room's recent conversation asked for when we join it."""

GAP_FILL_PAGE = 100
"""Lines asked for per ``CHATHISTORY AFTER`` when filling the gap a reconnection left."""

GAP_FILL_PAGES = 20
"""Pages asked for at most per conversation and reconnection (enough for the scrollback)."""

END_TAG = "draft/chathistory-end"
"""The tag on a history batch that is the server's last page in the direction we page
(chathistory spec, ircv3-specifications PR #598): no need to ask for the next."""

READ_MARKER_CAP = "draft/read-marker"
"""``MARKREAD`` (https://ircv3.net/specs/extensions/read-marker)."""


@dataclass
class _HistoryRequest:
    """A ``CHATHISTORY`` we sent: LATEST on join, or AFTER a time to fill a gap."""

    target: str
    limit: int
    after: datetime | None = None
    pages: int = 1


@dataclass
class OpenBatch:
    """A batch the server opened and has not closed yet (https://ircv3.net/specs/extensions/
    batch). The facade adds each line tagged with its reference, with the events the line
    made: dispatched as ``history`` (and ``missed``) when the batch says so."""

    ref: str
    kind: str
    params: tuple[str, ...]
    label: str | None
    history: bool
    """Replayed history (or inside it): its lines are shown, they change no state."""
    parent: str | None
    time: datetime
    missed: bool = False
    """History nobody asked for: direct messages that arrived while we were away."""
    request: _HistoryRequest | None = None
    end: bool = False
    """The opening line carried ``draft/chathistory-end``: nothing more lies that way."""
    events: list[Event] = field(default_factory=list)
    lines: list[IrcMessage] = field(default_factory=list)

    def add(self, line: IrcMessage, events: list[Event]) -> None:
        """Keep ``line`` and the events it made until the batch closes."""
        self.lines.append(line)
        self.events += events


_HANDLERS: Handlers[HistorySync] = Handlers()


class HistorySync:
    """Batches, history requests and read markers for one client, across reconnections.

    ``history_on_join`` lines (0: none) of each room we join are asked for when the server
    offers chathistory. What it knows of the newest message in each conversation
    (:meth:`saw`) is kept across connections: that is where gaps are filled from. Everything
    else belongs to one connection (:meth:`reset`).
    """

    def __init__(
        self,
        link: Connection,
        world: World,
        *,
        history_on_join: int = DEFAULT_HISTORY_ON_JOIN,
        clock: Callable[[], datetime],
    ) -> None:
        self._link = link
        self._world = world
        self._clock = clock
        self.history_on_join = history_on_join
        self._newest: dict[Folded, datetime] = {}
        """The time of the newest message seen in each room and direct conversation, kept
        across connections: where to fill gaps from after a reconnection."""
        self.reset()

    def reset(self) -> None:
        """Forget what belongs to one connection: open batches, requests, read markers."""
        self._batches: dict[str, OpenBatch] = {}
        self._labels: dict[str, _HistoryRequest] = {}
        self._queue: dict[Folded, list[_HistoryRequest]] = {}
        """Requests by target, answered in order, when labeled-response is not there."""
        self.read_markers: dict[Folded, datetime | None] = {}
        """draft/read-marker: the last read time of each target the server told us about."""

    def handlers(self) -> dict[str, Handler]:
        """This part's handlers, by command, for the facade's dispatch table."""
        return _HANDLERS.bind(self)

    # -- what the others tell us -----------------------------------------------------------

    def saw(self, conversation: str, moment: datetime) -> None:
        """A live or replayed message of ``conversation`` was sent at ``moment``."""
        key = fold(conversation)
        if key not in self._newest or moment > self._newest[key]:
            self._newest[key] = moment

    def joined(self, room: str) -> None:
        """We joined ``room``: ask for its latest lines, or for what came after the newest
        one we saw before a reconnection."""
        self.request(room, after=self._newest.get(fold(room)))

    def fill_gaps(self) -> None:
        """Registered again: ask every direct conversation with a known newest message for
        what came after it (rooms ask when we join them), its read marker first."""
        for key, newest in list(self._newest.items()):
            if not self._world.server.is_channel(key):
                self.ask_read_marker(key)  # answered before the history: for its divider
                self.request(key, after=newest)

    def forget_request(self, label: str | None) -> None:
        """The server refused the request labelled ``label`` (``FAIL CHATHISTORY``)."""
        if label is not None:
            self._labels.pop(label, None)

    # -- requests (https://ircv3.net/specs/extensions/chathistory) -------------------------

    def _enabled(self) -> bool:
        return any(self._link.has_cap(cap) for cap in HISTORY_CAPS)

    def _limit(self, wanted: int) -> int:
        """``wanted``, or less if the server's ``CHATHISTORY`` ISUPPORT limit says so."""
        with contextlib.suppress(ValueError):
            server_limit = int(self._world.server.tokens.get("CHATHISTORY", "0") or "0")
            if server_limit > 0:
                return min(wanted, server_limit)
        return wanted

    def request(self, target: str, *, after: datetime | None, pages: int = 1) -> None:
        """``CHATHISTORY LATEST <target> * <n>``, or with ``after`` ``CHATHISTORY AFTER
        <target> timestamp=<after> <n>``, remembered so the answer is known for an answer.
        Nothing without chathistory (or for LATEST with ``history_on_join`` 0)."""
        if not self._enabled():
            return
        if after is None:
            if self.history_on_join <= 0:
                return
            request = _HistoryRequest(target, self._limit(self.history_on_join))
            params = ("LATEST", target, "*", str(request.limit))
        else:
            request = _HistoryRequest(target, self._limit(GAP_FILL_PAGE), after, pages)
            params = ("AFTER", target, "timestamp=" + format_server_time(after), str(request.limit))
        # A label tells our answers from the missed messages the server sends unasked.
        label = self._link.new_label() if self._link.has_cap("labeled-response") else None
        if label is not None:
            self._labels[label] = request
        else:
            self._queue.setdefault(fold(target), []).append(request)
        self._link.send("CHATHISTORY", *params, label=label)

    def around(self, target: str, msgid: str, limit: int) -> None:
        """``CHATHISTORY AROUND <target> msgid=<msgid> <limit>``: a message with the lines
        around it (going to a search result), remembered as our request like the others."""
        if not self._enabled():
            return
        request = _HistoryRequest(target, self._limit(limit))
        label = self._link.new_label() if self._link.has_cap("labeled-response") else None
        if label is not None:
            self._labels[label] = request
        else:
            self._queue.setdefault(fold(target), []).append(request)
        self._link.send(
            "CHATHISTORY", "AROUND", target, f"msgid={msgid}", str(request.limit), label=label
        )

    def _answered(self, target: str, label: str | None) -> _HistoryRequest | None:
        """The request a history batch for ``target`` answers, or None if we asked nothing."""
        if label is not None and label in self._labels:
            return self._labels.pop(label)
        if self._link.has_cap("labeled-response"):
            return None  # our requests all carry labels
        queue = self._queue.get(fold(target))
        if not queue:
            return None
        request = queue.pop(0)
        if not queue:
            del self._queue[fold(target)]
        return request

    def _next_page(self, request: _HistoryRequest, lines: list[IrcMessage], end: bool) -> None:
        """A full page of a gap fill means more may follow: ask for what came after it,
        unless the server said it was the last (``end``: a page that ends exactly on the
        limit then costs no empty request)."""
        if (
            end
            or request.after is None
            or len(lines) < request.limit
            or request.pages >= GAP_FILL_PAGES
        ):
            return
        times = [parse_server_time(line.tags.get("time")) for line in lines]
        newest = max((moment for moment in times if moment is not None), default=None)
        if newest is None or newest <= request.after:
            return  # no progress: asking again would get the same page
        self.request(request.target, after=newest, pages=request.pages + 1)

    # -- batches (https://ircv3.net/specs/extensions/batch) --------------------------------

    def open_batch(self, ref: str | None) -> OpenBatch | None:
        """The open batch a line's ``batch`` tag names, if any: the line belongs to it."""
        return self._batches.get(ref) if ref is not None else None

    def on_batch(self, message: IrcMessage) -> list[Event]:
        """``BATCH +ref type params`` opens a batch, ``BATCH -ref`` closes it: returns the
        whole :class:`Batch` once it closes (inside its parent if it had one, then nothing)."""
        if not message.params or len(message.params[0]) < 2:
            return []
        sign, ref = message.params[0][0], message.params[0][1:]
        if sign == "+":
            self._open(ref, message)
            return []
        batch = self._batches.pop(ref, None)
        if batch is None:
            return []
        if batch.request is not None:
            self._next_page(batch.request, batch.lines, batch.end)
        inner = tuple(
            event if event.label or batch.label is None else replace(event, label=batch.label)
            for event in batch.events
        )
        done = Batch(
            batch.ref,
            batch.kind,
            batch.params,
            inner,
            tuple(batch.lines),
            time=batch.time,
            label=batch.label,
            missed=batch.missed,
        )
        parent = self._batches.get(batch.parent) if batch.parent is not None else None
        if parent is not None:
            parent.events.append(done)
            return []
        return [done]

    def _open(self, ref: str, message: IrcMessage) -> None:
        parent = self.open_batch(message.tags.get("batch"))
        kind = message.params[1] if len(message.params) > 1 else ""
        label = message.tags.get("label") or (parent.label if parent else None)
        request = None
        missed = parent is not None and parent.missed
        if kind in HISTORY_BATCHES and len(message.params) > 2:
            request = self._answered(message.params[2], label)
            # History of a person we did not ask for is what arrived while we were away
            # (a room's unasked replay on join is only history).
            missed = request is None and not self._world.server.is_channel(message.params[2])
        self._batches[ref] = OpenBatch(
            ref=ref,
            kind=kind,
            params=message.params[2:],
            label=label,
            # Search results are old lines too: shown where asked, changing no state.
            history=kind in HISTORY_BATCHES
            or kind == SEARCH
            or (parent is not None and parent.history),
            parent=parent.ref if parent is not None else None,
            time=time_of(message, self._clock),
            missed=missed,
            request=request,
            end=END_TAG in message.tags,
        )

    # -- read markers (https://ircv3.net/specs/extensions/read-marker) ---------------------

    def read_marker(self, target: str) -> datetime | None:
        """The last read time of ``target`` as the server last said, or None."""
        return self.read_markers.get(fold(target))

    def mark_read(self, target: str, moment: datetime) -> bool:
        """``MARKREAD <target> timestamp=<moment>``; whether it was sent: not without
        draft/read-marker, or when the server knows a later time already. The facade checks
        that we are registered."""
        if not self._link.has_cap(READ_MARKER_CAP):
            return False
        key = fold(target)
        known = self.read_markers.get(key)
        if known is not None and moment <= known:
            return False
        self.read_markers[key] = moment  # the server answers with the same or a later time
        self._link.send("MARKREAD", target, "timestamp=" + format_server_time(moment))
        return True

    def ask_read_marker(self, target: str) -> None:
        """``MARKREAD <target>``, with draft/read-marker; :class:`ReadMarker` answers."""
        if self._link.has_cap(READ_MARKER_CAP):
            self._link.send("MARKREAD", target)

    @_HANDLERS.on("MARKREAD")
    def _on_markread(self, message: IrcMessage) -> list[Event]:
        """``MARKREAD <target> timestamp=<time>|*``."""
        params = message.params
        if not params:
            return []
        value = params[1] if len(params) > 1 else "*"
        if value == "*":
            stamp = None
        elif value.startswith("timestamp="):
            stamp = parse_server_time(value.removeprefix("timestamp="))
            if stamp is None:
                return []
        else:
            return []
        target = params[0]
        key = fold(target)
        self.read_markers[key] = stamp
        channel = self._world.channels.get(key)
        return [ReadMarker(channel.name if channel is not None else target, stamp)]

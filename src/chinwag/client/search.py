"""Searching what was said (issue 15): ``/search`` and ``/goto`` on soju's ``soju.im/search``.

``/search words`` (with ``from:nick`` and ``in:#room`` or ``in:nick`` among the words to
narrow it) sends ``SEARCH`` (soju's doc/ext/search.md) and files the answer as numbered rows
in the conversation the person searched from: ``[1] 2026-05-01 #lobby <ana> the cake...``.
``/goto 1`` (or a double-click on the row in the window) opens that conversation and asks for
the message with the lines around it (``CHATHISTORY AROUND <target> msgid=<id> <n>``); when
they arrive, the conversation is shown around that message (:attr:`SearchResults.focus`).

:class:`SearchResults` is the chat model's part for this; it knows nothing of a screen and
does no I/O (it sends through the :class:`~chinwag.client.protocol.ClientProtocol`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chinwag.client import events as ev
from chinwag.client.filing import ConversationFiling
from chinwag.client.text import clean
from chinwag.client.values import Changes, ConversationKind, Line
from chinwag.protocol.caps import SEARCH
from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.message import escape_tag_value

SEARCH_BATCH = SEARCH
"""The batch type of the answer (the capability's name, as soju's examples have it)."""

AROUND_LINES = 21
"""Lines asked for around a result when going to it: ten before, the result, ten after."""

NO_SEARCH = "This server does not offer search (soju.im/search)"

USAGE = "/search <words> [from:nick] [in:#room]: search what was said"

_RESULT = re.compile(r"\[(\d+)\] ")
"""How a result row starts (after the row's time and mark): its number, for ``/goto``."""


@dataclass(frozen=True, slots=True)
class Found:
    """One search result: when, where (a room, or the other person of a direct
    conversation), who, what, and the msgid to go to it by."""

    time: datetime
    where: str
    nick: str
    text: str
    msgid: str | None
    direct: bool

    def row(self, number: int) -> str:
        """The result as its row says it: ``[3] 2026-05-01 #lobby <ana> the cake is ready``
        (the row's own time is the message's: the date says which day)."""
        day = self.time.astimezone().strftime("%Y-%m-%d")
        return f"[{number}] {day} {self.where} <{self.nick}> {self.text}"


def search_attributes(query: str) -> str | None:
    """The ``SEARCH`` attributes of what was typed after ``/search``: ``from:nick`` and
    ``in:target`` words become those attributes, the other words ``text``; each value
    escaped as a message tag value (soju.im/search). ``None`` when nothing is asked."""
    attributes: dict[str, str] = {}
    words: list[str] = []
    for word in query.split():
        name, colon, value = word.partition(":")
        if colon and value and name.lower() in ("from", "in"):
            attributes[name.lower()] = value
        else:
            words.append(word)
    if words:
        attributes["text"] = " ".join(words)
    if not attributes:
        return None
    return ";".join(f"{key}={escape_tag_value(value)}" for key, value in attributes.items())


def result_number(row_text: str) -> int | None:
    """The number of the search result a row shows, if it is one (for a double-click)."""
    match = _RESULT.search(row_text)
    return int(match.group(1)) if match else None


class _Protocol(Protocol):
    """What :class:`SearchResults` uses of :class:`~chinwag.client.protocol.ClientProtocol`."""

    def has_cap(self, name: str) -> bool: ...

    def search(self, attributes: str) -> None: ...

    def history_around(self, target: str, msgid: str, limit: int) -> None: ...


class SearchResults:
    """The last search's results, and the one being gone to, filed by ``filing`` (the chat
    model's) and asked for through ``protocol``."""

    def __init__(self, protocol: _Protocol, filing: ConversationFiling) -> None:
        self._protocol = protocol
        self._filing = filing
        self.results: list[Found] = []
        self.focus: tuple[Folded, str] | None = None
        """The conversation and msgid last gone to: a screen shows that line (and the lines
        around it) rather than the newest, once the history around it has arrived."""
        self._asked_from: Folded | None = None

    def search(self, query: str, changes: Changes) -> None:
        """``/search <query>``: send ``SEARCH`` (its answer comes as a batch)."""
        attributes = search_attributes(query)
        now = datetime.now().astimezone()
        if attributes is None:
            self._filing.error(self._filing.current, now, f"Usage: {USAGE}", changes)
            return
        if not self._protocol.has_cap(SEARCH):
            self._filing.error(self._filing.current, now, NO_SEARCH, changes)
            return
        self._protocol.search(attributes)
        self._asked_from = self._filing.current

    def on_batch(self, batch: ev.Batch, changes: Changes) -> None:
        """The answer to our ``SEARCH``: numbered rows where the search was typed."""
        found = [
            Found(
                event.time,
                clean(event.conversation if event.is_direct else event.target),
                clean(event.sender),
                clean(event.text),
                event.msgid,
                event.is_direct,
            )
            for event in batch.events
            if isinstance(event, ev.Message)
        ]
        self.results = found
        key = self._asked_from
        if key is None or key not in self._filing.conversations:
            key = self._filing.current
        if not found:
            self._filing.info(key, batch.time, "Search: nothing found", changes)
            return
        plural = "s" if len(found) > 1 else ""
        self._filing.info(
            key, batch.time, f"Search: {len(found)} result{plural} (/goto N)", changes
        )
        for number, result in enumerate(found, start=1):
            self._filing.info(key, result.time, result.row(number), changes)

    def goto(self, number: int, changes: Changes) -> None:
        """``/goto N``: show result ``number``'s conversation, and ask for the lines around
        it; :attr:`focus` names it until another is gone to."""
        now = datetime.now().astimezone()
        if not 1 <= number <= len(self.results):
            text = f"No search result {number}" if self.results else "No search results yet"
            self._filing.error(self._filing.current, now, text, changes)
            return
        result = self.results[number - 1]
        kind = ConversationKind.DIRECT if result.direct else ConversationKind.ROOM
        key = fold(result.where)
        if key not in self._filing.conversations:
            self._filing.open(result.where, kind)
            changes.conversations = True
        changes.merge(self._filing.select(key))
        if result.msgid is None:
            return
        self.focus = (key, result.msgid)
        changes.redraw = True
        self._protocol.history_around(result.where, result.msgid, AROUND_LINES)

    def arrived(self, changes: Changes) -> bool:
        """Whether ``changes`` brought the result gone to (the history around it came):
        the screen redraws the log to show it."""
        focus = self.focus
        return focus is not None and any(
            conversation.key == focus[0] and line.msgid == focus[1]
            for conversation, line in changes.lines
        )

    def take_focus(self, key: Folded, lines: Sequence[Line]) -> int | None:
        """Where in ``lines`` (conversation ``key``'s, as a screen draws them) the result
        gone to is, once it has arrived: the screen shows that line (the lines around it
        above and below) instead of the newest. The focus is then spent, so the next
        redraw follows the talk again. ``None`` when there is nothing to show yet."""
        if self.focus is None or self.focus[0] != key:
            return None
        msgid = self.focus[1]
        for index, line in enumerate(lines):
            if line.msgid == msgid:
                self.focus = None
                return index
        return None

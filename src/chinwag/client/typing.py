"""Typing indicators both ways, timed as https://ircv3.net/specs/client-tags/typing says.

:class:`TypingNotices` decides when to send our ``+typing`` (``active`` at most once per
:data:`THROTTLE` seconds while the person types, ``paused`` once they stop with text left in
the input, ``done`` when they clear it or leave the conversation; a message sent implies
``done``, so nothing is sent for it) and remembers who else is typing where, until the
spec's timeouts (:data:`ACTIVE_FOR`, :data:`PAUSED_FOR`) or their message end it.
It owns no connection: it calls a ``send(target, state)`` given by the chat model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chinwag.client.text import clean
from chinwag.protocol.casemap import Folded, fold

THROTTLE = 3.0
"""Seconds between two ``active`` notices to one conversation (the spec's minimum)."""

PAUSE_AFTER = 3.0
"""Seconds without a keystroke, text still typed, before we say ``paused``."""

ACTIVE_FOR = 6.0
"""Seconds an ``active`` notice of someone else holds without a new one (the spec's)."""

PAUSED_FOR = 30.0
"""Seconds a ``paused`` notice of someone else holds (the spec's)."""


@dataclass(slots=True)
class _Ours:
    """What we last told one conversation."""

    target: str
    state: str
    sent_at: float
    typed_at: float


class TypingNotices:
    """Our typing notices (throttled) and everyone else's (expiring), on a monotonic clock.

    ``enabled`` False sends nothing and shows nothing: the person turned typing off.
    """

    def __init__(
        self,
        send: Callable[[str, str], object],
        clock: Callable[[], float],
        *,
        enabled: bool = True,
    ) -> None:
        self._send = send
        self._clock = clock
        self.enabled = enabled
        self._ours: _Ours | None = None
        self._theirs: dict[Folded, dict[Folded, tuple[str, float]]] = {}
        """Who is typing in each conversation: folded nick -> (nick, when it expires)."""

    # -- ours ------------------------------------------------------------------------------

    def input_changed(self, target: str | None, text: str) -> None:
        """The input line now holds ``text`` while ``target`` (a room or nick; None for the
        server window) is on screen: say ``active`` (throttled), or ``done`` when emptied.
        Commands (``/...``) are not talk: typing one counts as an empty line."""
        if not self.enabled:
            return
        now = self._clock()
        talking = bool(text.strip()) and not text.startswith("/") and target is not None
        ours = self._ours
        if ours is not None and (not talking or fold(ours.target) != fold(target or "")):
            if ours.state != "done":
                self._send(ours.target, "done")
            self._ours = None
            ours = None
        if not talking or target is None:
            return
        if ours is None or ours.state != "active" or now - ours.sent_at >= THROTTLE:
            self._send(target, "active")
            self._ours = _Ours(target, "active", now, now)
        else:
            ours.typed_at = now

    def sent(self) -> None:
        """The person sent what they typed: the message itself says ``done``."""
        self._ours = None

    def tick(self) -> bool:
        """Say ``paused`` once typing stopped (call it now and then); True when someone
        else's indicator expired and the typing row should be drawn again."""
        now = self._clock()
        ours = self._ours
        if ours is not None and ours.state == "active" and now - ours.typed_at >= PAUSE_AFTER:
            self._send(ours.target, "paused")
            ours.state, ours.sent_at = "paused", now
        expired = False
        for key, typists in list(self._theirs.items()):
            for nick, (_, until) in list(typists.items()):
                if until <= now:
                    del typists[nick]
                    expired = True
            if not typists:
                del self._theirs[key]
        return expired

    # -- theirs ----------------------------------------------------------------------------

    def heard(self, conversation: str, nick: str, state: str) -> None:
        """``nick`` says they are ``state`` in ``conversation``."""
        if not self.enabled:
            return
        key = fold(conversation)
        typists = self._theirs.setdefault(key, {})
        if state == "done":
            typists.pop(fold(nick), None)
        else:
            hold = ACTIVE_FOR if state == "active" else PAUSED_FOR
            typists[fold(nick)] = (clean(nick), self._clock() + hold)
        if not typists:
            del self._theirs[key]

    def stopped(self, nick: str, conversation: str | None = None) -> bool:
        """``nick`` said something in ``conversation`` (or left everywhere when None): their
        indicator goes. True if one went."""
        gone = False
        for key, typists in list(self._theirs.items()):
            if conversation is None or key == fold(conversation):
                gone |= typists.pop(fold(nick), None) is not None
                if not typists:
                    del self._theirs[key]
        return gone

    def typing_in(self, conversation: str) -> list[str]:
        """The nicks (cleaned) typing in ``conversation`` now, paused ones included, sorted."""
        now = self._clock()
        typists = self._theirs.get(fold(conversation), {})
        return sorted((nick for nick, until in typists.values() if until > now), key=fold)


def typing_text(nicks: list[str]) -> str:
    """The words under the log: ``bob is typing…``, ``ana and bob are typing…``,
    ``3 people are typing…``; empty when nobody is."""
    if not nicks:
        return ""
    if len(nicks) == 1:
        return f"{nicks[0]} is typing…"
    if len(nicks) == 2:
        return f"{nicks[0]} and {nicks[1]} are typing…"
    return f"{len(nicks)} people are typing…"

"""What a direct conversation says of its person: online, offline, away, back, each once.

The reports come from MONITOR (``RPL_MONONLINE`` / ``RPL_MONOFFLINE``, IRCv3 extended-monitor)
and away-notify, and repeat: a WHO, an ``RPL_AWAY`` after each message. :class:`PresenceNotes`
remembers what was last said of each person, so a repeat says nothing.
"""

from __future__ import annotations

from chinwag.client.text import clean
from chinwag.protocol.casemap import Folded


class PresenceNotes:
    """The last (online, away message) said in each direct conversation, by its key."""

    __slots__ = ("_said",)

    def __init__(self) -> None:
        self._said: dict[Folded, tuple[bool | None, str | None]] = {}

    def away(self, key: Folded, nick: str, message: str | None) -> str | None:
        """The line for ``nick`` going away (``message``) or coming back (``None``), or
        ``None`` if that was said already."""
        online, away = self._said.get(key, (None, None))
        if message == away:
            return None
        self._said[key] = (online, message)
        return (
            f"{clean(nick)} is back"
            if message is None
            else f"{clean(nick)} is away: {clean(message)}"
        )

    def online(self, key: Folded, nick: str, now_online: bool) -> str | None:
        """The line for ``nick`` coming online or going offline, or ``None`` when it says
        nothing new (that they are online when the conversation opens goes without saying)."""
        online, away = self._said.get(key, (None, None))
        self._said[key] = (now_online, away if now_online else None)
        if online is now_online or (online is None and now_online):
            return None
        return f"{clean(nick)} is online" if now_online else f"{clean(nick)} is offline"

    def quit(self, key: Folded) -> None:
        """The quit line said they left: the MONITOR report that follows says nothing."""
        self._said[key] = (False, None)

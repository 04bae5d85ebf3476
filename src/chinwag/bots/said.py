"""What someone said to a bot, made safe before any bot code sees it.

:func:`heard` turns the client core's :class:`~chinwag.client.events.Message` into a
:class:`Said`: its text cleaned of control characters and escape sequences
(:func:`chinwag.client.text.clean`) and cut to :data:`MAX_TEXT` characters, so a bot may
quote any part of it back without further checks, and a 10 KB paste costs no more than a line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chinwag.client.events import Message
from chinwag.client.text import clean
from chinwag.protocol.casemap import fold

MAX_TEXT = 400
"""Characters of a message a bot looks at; the rest is never read."""

GUEST_PREFIX = "~"
"""Starts the player id of someone with no account (no account name can start with it)."""


@dataclass(frozen=True, slots=True)
class Said:
    """A message to the bot or in one of its rooms, from someone else.

    ``room`` is None for a direct message; ``where`` is where a reply goes (the room, or the
    sender for a direct message). ``account`` is the sender's account (IRCv3 account-tag), None
    for a guest.
    """

    nick: str
    account: str | None
    room: str | None
    text: str
    time: datetime
    msgid: str | None = None

    @property
    def where(self) -> str:
        """The room, or for a direct message the sender: where a reply goes."""
        return self.room if self.room is not None else self.nick

    @property
    def direct(self) -> bool:
        """Whether this was a direct message to the bot."""
        return self.room is None

    @property
    def player(self) -> str:
        """Who said it, as games keep players: the account, or ``~`` and the folded nick of a
        guest (so scores follow the account, not the nick)."""
        return player_id(self.nick, self.account)


@dataclass(frozen=True, slots=True)
class Call(Said):
    """A command: :class:`Said` plus the command word and the text after it."""

    command: str = ""
    arguments: str = ""


def player_id(nick: str, account: str | None) -> str:
    """A player's id: the account name, or :data:`GUEST_PREFIX` and the folded nick."""
    return account if account else GUEST_PREFIX + fold(nick)


def is_guest(player: str) -> bool:
    """Whether ``player`` (an id from :func:`player_id`) has no account."""
    return player.startswith(GUEST_PREFIX)


def heard(message: Message) -> Said:
    """The safe :class:`Said` of a message from someone else."""
    text = clean(message.text)[:MAX_TEXT]
    room = None if message.is_direct else message.target
    return Said(
        nick=clean(message.sender),
        account=clean(message.account) if message.account else None,
        room=room,
        text=text,
        time=message.time,
        msgid=message.msgid,
    )

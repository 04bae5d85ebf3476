"""Moderation from the first-party clients: the commands that send it, and the words that
tell the person it concerns.

The commands (:class:`~chinwag.client.commands.Moderate`, ``Invite``, ``SetMode``) work in the
room on screen: ``/kick`` sends ``KICK`` (Modern IRC "KICK message"), ``/op``, ``/voice`` and
their opposites a ``MODE`` with the member's prefix mode ("Channel Membership Prefixes"),
``/invite`` an ``INVITE``. ``/ban`` and ``/mute`` given a nick find out who it is first with a
``WHOIS``: someone logged in is banned by account (``a:<account>``,
https://ircv3.net/specs/extensions/account-extban), anyone else by host (``*!*@host``), so a
new nick does not get them past it; a mute is the same mask behind the server's ``m:`` mute
extban (ISUPPORT ``EXTBAN=,am``). A mask (anything with ``!``, ``@``, ``*``, ``?`` or ``:``)
is used as given. ``/unban`` and ``/unmute`` given a nick lift both forms.

What the person affected sees is said in words here too: being kicked, banned, muted,
voiced, made an operator (:func:`kicked_words`, :func:`mode_notes`). Nothing here cleans the
network's strings: the callers pass every result through :func:`chinwag.client.text.clean`.
"""

from __future__ import annotations

from dataclasses import dataclass

from chinwag.client import commands as cmd
from chinwag.client import events as ev
from chinwag.client.filing import ConversationFiling, now
from chinwag.client.protocol import ClientProtocol
from chinwag.client.text import clean
from chinwag.client.values import Changes, ConversationKind
from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.extbans import ban_matches
from chinwag.protocol.modes import MUTE_EXTBAN

MASK_CHARS = frozenset("!@*?:")
"""Characters no nick has: a target holding one is a mask, used as given."""

MUTE_PREFIX = MUTE_EXTBAN + ":"
"""The server's mute extban: ``+b m:<mask>`` quiets whoever ``<mask>`` matches."""

STATUS_MODES: dict[str, tuple[bool, str]] = {
    "op": (True, "o"),
    "deop": (False, "o"),
    "voice": (True, "v"),
    "devoice": (False, "v"),
}
"""The status commands: whether each gives or takes, and the prefix mode it is."""

LIST_ACTIONS: dict[str, tuple[bool, bool]] = {
    "ban": (True, False),
    "kickban": (True, False),
    "unban": (False, False),
    "mute": (True, True),
    "unmute": (False, True),
}
"""The ban-list commands: whether each adds, and whether it is a mute (``m:``)."""


@dataclass(frozen=True, slots=True)
class Waiting:
    """A ban-list command given a nick, waiting for the ``WHOIS`` that says who it is."""

    action: str
    room: str
    nick: str
    reason: str | None


def is_mask(target: str) -> bool:
    """Whether ``target`` is a mask (used as given) rather than a nick."""
    return not MASK_CHARS.isdisjoint(target)


def masks_for(account: str | None, user: str | None, host: str | None, nick: str) -> list[str]:
    """The masks that name a person: ``a:<account>`` first when logged in, then
    ``*!*@host`` (``nick!*@*`` when the host is unknown)."""
    by_host = f"*!*@{host}" if host else f"{nick}!*@*"
    return [f"a:{account}", by_host] if account else [by_host]


class Moderation:
    """Runs the moderation commands typed in a room: sends them through ``protocol`` and
    files usage errors in ``filing``. A ban or mute by nick waits for the ``WHOIS`` answer,
    which :class:`~chinwag.client.chat.ChatModel` hands to :meth:`whois_answered`."""

    def __init__(self, filing: ConversationFiling, protocol: ClientProtocol) -> None:
        self._filing = filing
        self._protocol = protocol
        self._waiting: dict[Folded, list[Waiting]] = {}

    def _complain(self, text: str, changes: Changes) -> None:
        self._filing.error(self._filing.current, now(), text, changes)

    def _room(self, changes: Changes, what: str) -> str | None:
        """The room on screen, if we are in one; else say ``what`` works in a room."""
        conversation = self._filing.current_conversation
        if conversation.kind is not ConversationKind.ROOM or not conversation.joined:
            self._complain(f"{what} works in a room you are in: go to the room first", changes)
            return None
        return conversation.name

    def run(self, request: cmd.Moderate | cmd.Invite | cmd.SetMode, changes: Changes) -> None:
        """Send what ``request`` asks for (raises ``NotRegistered`` while disconnected)."""
        match request:
            case cmd.Invite(nick, room):
                if room is not None and not self._protocol.server.is_channel(room):
                    room = "#" + room
                room = room or self._room(changes, "/invite without a room")
                if room is not None:
                    self._protocol.invite(nick, room)
            case cmd.SetMode(room, modes):
                room = room or self._room(changes, "/mode without a room")
                if room is not None:
                    self._protocol.mode(room, *modes.split())
            case cmd.Moderate(action, target, reason):
                room = self._room(changes, f"/{action}")
                if room is not None:
                    self._moderate(action, room, target, reason, changes)

    def _moderate(
        self, action: str, room: str, target: str, reason: str | None, changes: Changes
    ) -> None:
        if action == "kick":
            self._protocol.kick(room, target, reason)
            return
        if action in STATUS_MODES:
            adding, mode = STATUS_MODES[action]
            self._protocol.mode(room, ("+" if adding else "-") + mode, target)
            return
        if is_mask(target):
            if action == "kickban":
                self._complain("/kickban needs a nick: /ban <mask> bans a mask", changes)
                return
            self._set_list(action, room, [target], changes)
            return
        # Who the nick is (account, host) comes with WHOIS; its answer finishes the job.
        self._protocol.whois(target)
        self._waiting.setdefault(fold(target), []).append(Waiting(action, room, target, reason))

    def _set_list(self, action: str, room: str, masks: list[str], changes: Changes) -> None:
        adding, mute = LIST_ACTIONS[action]
        if mute:
            masks = [m if m[:2].lower() == MUTE_PREFIX else MUTE_PREFIX + m for m in masks]
        if adding:
            masks = masks[:1]  # the best one: by account when logged in
        self._protocol.mode(room, ("+" if adding else "-") + "b" * len(masks), *masks)

    def whois_answered(self, event: ev.WhoisResult, changes: Changes) -> bool:
        """Finish the bans and mutes that waited for ``event``; whether it was theirs (and
        so not shown as an answer to ``/whois``)."""
        waiting = self._waiting.pop(fold(event.nick), None)
        if not waiting:
            return False
        for job in waiting:
            if not event.found:
                nick = clean(job.nick)
                self._complain(
                    f"No such nick: {nick} is not online (/{job.action} <mask> for a mask)",
                    changes,
                )
                continue
            masks = masks_for(event.account, event.user, event.host, event.nick)
            self._set_list(job.action, job.room, masks, changes)
            if job.action == "kickban":
                self._protocol.kick(job.room, event.nick, job.reason)
        return True


# -- what the person affected sees --------------------------------------------------------


def kicked_words(event: ev.Kicked) -> str:
    """``bo kicked you from #room: reason`` for us, else ``was removed from #room by bo
    (reason)`` (after the kicked person's nick); cleaned."""
    room, by = clean(event.channel), clean(event.by)
    if event.is_self:
        reason = f": {clean(event.reason)}" if event.reason else ""
        return f"{by} kicked you from {room}{reason} (/join {room} to try to go back)"
    reason = f" ({clean(event.reason)})" if event.reason else ""
    return f"was removed from {room} by {by}{reason}"


def invited_words(event: ev.Invited) -> str:
    """``bo invites you to #room: /join #room`` (how to accept, Modern IRC "INVITE
    message"); cleaned."""
    room = clean(event.channel)
    return f"{clean(event.by)} invites you to {room}: /join {room}"


def mode_words(event: ev.ModeChanged) -> str:
    """``sets mode +b m:*!*@host`` (after the setter's nick): the changes in letters, cleaned."""
    flags = " ".join(
        ("+" if change.adding else "-") + change.mode + (f" {change.param}" if change.param else "")
        for change in event.changes
    )
    return f"sets mode {clean(flags)}"


_STATUS_WORDS: dict[tuple[bool, str], str] = {
    (True, "v"): "{by} gave you voice in {room}: you may speak even while it is moderated",
    (False, "v"): "{by} took your voice in {room}",
    (True, "o"): "{by} made you an operator of {room}",
    (False, "o"): "{by} took your operator status in {room}",
    (True, "h"): "{by} made you a half-operator of {room}",
    (False, "h"): "{by} took your half-operator status in {room}",
}
"""What a status given to us or taken from us says (the ``MODE`` line says it in letters)."""

_BAN_WORDS: dict[tuple[bool, bool], str] = {
    (True, False): "{by} banned you from {room}: you cannot speak there or join it again",
    (False, False): "{by} lifted your ban in {room}",
    (True, True): "{by} muted you in {room}: what you say there is not sent",
    (False, True): "{by} unmuted you in {room}: you may speak again",
}
"""What a ban or mute matching us says, by (added, is a mute)."""

_ROOM_WORDS: dict[tuple[bool, str], str] = {
    (True, "m"): "{room} is now moderated (+m): only voiced people and operators may speak",
    (False, "m"): "{room} is no longer moderated: everyone may speak",
    (True, "i"): "{room} is now invitation only (+i)",
    (False, "i"): "{room} is no longer invitation only",
}
"""Room modes worth a sentence for everyone in the room."""


def mode_notes(event: ev.ModeChanged, protocol: ClientProtocol) -> list[str]:
    """Sentences for the changes of ``event`` (a room's ``MODE``) that concern us: a status
    given or taken, a ban or mute that matches us, the room made moderated or invite-only;
    cleaned. Whether a ban matches us is judged from what we know of our own
    ``nick!user@host`` and account, as the server judges it."""
    room, by = clean(event.target), clean(event.by)
    me = protocol.user(protocol.nick)
    user, host = (me.user, me.host) if me is not None else (None, None)
    source = f"{protocol.nick}!{user or '*'}@{host or '*'}"  # "*" matches only a "*"
    notes: list[str] = []
    for change in event.changes:
        words: str | None = None
        param = change.param or ""
        if change.mode in "vhoaq" and param and protocol.is_me(param):
            words = _STATUS_WORDS.get((change.adding, change.mode))
        elif change.mode == "b" and param:
            mute = param[:2].lower() == MUTE_PREFIX
            mask = param[2:] if mute else param
            if ban_matches(mask, source, protocol.account):
                words = _BAN_WORDS[(change.adding, mute)]
        elif not protocol.is_me(event.by):
            words = _ROOM_WORDS.get((change.adding, change.mode))
        if words is not None:
            notes.append(words.format(by=by, room=room))
    return notes

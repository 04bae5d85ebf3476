"""Read markers that other commands share (IRCv3 ``draft/read-marker``): the ``MARKREAD``
line for a target, and the marker sent after a JOIN.

Reference: https://ircv3.net/specs/extensions/read-marker. The ``MARKREAD`` command itself is
:mod:`chinwag.server.commands.readmarker`.
"""

from __future__ import annotations

from dataclasses import dataclass

from chinwag.protocol.caps import READ_MARKER
from chinwag.protocol.casemap import Folded
from chinwag.protocol.message import Message
from chinwag.server.context import Context
from chinwag.server.state import User
from chinwag.server.tags import server_time

PREFIX = "timestamp="
"""What comes before the time in a marker parameter."""


@dataclass(frozen=True, slots=True)
class MarkerTarget:
    """Where a marker is kept (the history key) and the name shown in ``MARKREAD``."""

    key: Folded
    shown: str


def marker_value(user: User, key: Folded) -> str:
    """The marker parameter: ``timestamp=<time>``, or ``*`` when none is known."""
    when = user.marker(key)
    return "*" if when is None else PREFIX + server_time(when)


def marker_message(ctx: Context, user: User, target: MarkerTarget) -> Message:
    """The server's ``MARKREAD <target> <timestamp|*>`` (read-marker spec, "MARKREAD server
    command")."""
    return Message("MARKREAD", (target.shown, marker_value(user, target.key)), ctx.deps.name)


def send_join_marker(ctx: Context, user: User, key: Folded, shown: str) -> None:
    """The channel's marker, for every session of ``user`` with the capability, right after
    the JOIN they were sent (read-marker spec, "Command flows": before RPL_ENDOFNAMES)."""
    marker = marker_message(ctx, user, MarkerTarget(key, shown))
    if ctx.session.has(READ_MARKER):
        ctx.reply.add(marker)
    others = [s for s in user.sessions if s is not ctx.session and s.has(READ_MARKER)]
    ctx.deps.delivery.deliver(others, marker)

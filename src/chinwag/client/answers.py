"""Answers to a person's requests (``/whois``, ``/list``, ``/register``) as the log shows them.

Pure text from the client core's events, every piece the server sent cleaned of control
characters (:func:`~chinwag.client.text.clean`), so each client draws the same words.
"""

from __future__ import annotations

from chinwag.client import events as ev
from chinwag.client.colors import color_name
from chinwag.client.text import clean
from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.metadata import COLOR_KEY


def whois_lines(event: ev.WhoisResult, color: str | None) -> list[str]:
    """What ``/whois`` found about someone online (Modern IRC "WHOIS message"): who they
    are, their rooms, account, away message, idle time, what else the server said, and
    their colour (``color``, the ``color`` metadata) in words."""
    nick = clean(event.nick)
    parts = [f"{nick} is {clean(event.user or '?')}@{clean(event.host or '?')}"]
    if event.realname:
        parts.append(f"({clean(event.realname)})")
    lines = [" ".join(parts)]
    if event.channels:
        lines.append("in " + " ".join(clean(channel) for channel in event.channels))
    if event.account:
        lines.append(f"logged in as {clean(event.account)}")
    if event.away_message:
        lines.append(f"away: {clean(event.away_message)}")
    if event.idle_seconds is not None:
        lines.append(f"idle {duration(event.idle_seconds)}")
    # The colour's RPL_WHOISKEYVALUE is said in words below, not as "color * #rrggbb".
    lines += [clean(extra) for extra in event.extra if not extra.startswith(COLOR_KEY + " ")]
    if color:
        lines.append(f"colour {color_name(color) or color}")
    return lines


def room_list_lines(event: ev.ChannelList) -> list[str]:
    """The rooms ``/list`` found, busiest first, each with its topic."""
    if not event.channels:
        return ["There are no rooms yet: /join #name"]
    lines = [f"{len(event.channels)} rooms:"]
    for entry in sorted(event.channels, key=lambda entry: (-entry.users, entry.channel)):
        topic = f": {clean(entry.topic)}" if entry.topic else ""
        lines.append(f"  {clean(entry.channel)} ({entry.users}){topic}")
    return lines


def registered_text(account: str) -> str:
    """The one line that says a registration worked (the account exists, we are in it)."""
    return f"Account {clean(account)} registered; you are logged in"


def duration(seconds: int) -> str:
    """An idle time in a few characters: ``42s``, ``5m``, ``2h 7m``."""
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h {seconds % 3600 // 60}m"


def who_names(
    entries: tuple[ev.WhoEntry, ...], everyone: bool, besides: set[Folded] | None
) -> list[str]:
    """The people a WHO answer lists for ``@online``/``/who``, sorted by folded nick: a room's
    with their op or voice mark, or everyone's (``everyone``: ``WHO *``) without the ones
    already listed for the room (``besides``, folded nicks); ``(away)`` after those away."""
    shown = [
        entry
        for entry in entries
        if not (everyone and besides is not None and fold(entry.nick) in besides)
    ]
    return sorted(
        {
            clean((entry.prefixes[:1] if not everyone else "") + entry.nick)
            + (" (away)" if entry.away else "")
            for entry in shown
        },
        key=lambda item: fold(item.lstrip("@+")),
    )

"""Telling others that a user came, went or changed: MONITOR and away-notify.

References: https://ircv3.net/specs/extensions/monitor (RPL_MONONLINE/RPL_MONOFFLINE),
https://ircv3.net/specs/extensions/away-notify, extended-monitor. Called by registration,
NICK, QUIT and AWAY handlers and by the server core when a session ends. The monitor lists
themselves (:func:`watch`, :func:`unwatch`) are kept here too, for MONITOR and session ends.
"""

from __future__ import annotations

from chinwag.protocol import numerics as n
from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.message import Message
from chinwag.server.replies import deliver, event_tags, send
from chinwag.server.state import Network, Session, User


def _watchers(network: Network, nick: str) -> set[Session]:
    return network.monitors.get(fold(nick), set())


def watch(network: Network, session: Session, nick: Folded) -> None:
    """Add ``nick`` to ``session``'s monitor list and the network's index."""
    session.monitoring.add(nick)
    network.monitors.setdefault(nick, set()).add(session)


def unwatch(network: Network, session: Session, nick: Folded) -> None:
    """Remove ``nick`` from ``session``'s monitor list and the network's index."""
    session.monitoring.discard(nick)
    watchers = network.monitors.get(nick)
    if watchers is not None:
        watchers.discard(session)
        if not watchers:
            del network.monitors[nick]


def monitor_online(network: Network, user: User) -> None:
    """Tell every session monitoring ``user``'s nick that it is now online."""
    for session in _watchers(network, user.nick):
        send(session, Message(n.RPL_MONONLINE, (session.target, user.source), network.server_name))


def monitor_offline(network: Network, nick: str) -> None:
    """Tell every session monitoring ``nick`` that it is now offline."""
    for session in _watchers(network, nick):
        send(session, Message(n.RPL_MONOFFLINE, (session.target, nick), network.server_name))


def extended_monitor_recipients(network: Network, user: User, cap: str) -> list[Session]:
    """Sessions that monitor ``user`` with extended-monitor and ``cap`` but share no channel.

    extended-monitor: notifications such as AWAY and SETNAME go to monitoring clients too,
    in addition to those who share a channel.
    """
    neighbours = network.neighbours(user)
    return [
        session
        for session in _watchers(network, user.nick)
        if session.has("extended-monitor")
        and session.has(cap)
        and (session.user is None or session.user not in neighbours)
    ]


def notify_neighbours(network: Network, user: User, message: Message, cap: str) -> None:
    """Send ``message`` about ``user`` to everyone who shares a channel and has ``cap``,
    and to extended-monitor watchers with ``cap``; the user's own sessions excluded."""
    recipients = [session for session in network.neighbour_sessions(user) if session.has(cap)]
    recipients.extend(extended_monitor_recipients(network, user, cap))
    deliver(recipients, message)


def away_changed(network: Network, user: User) -> None:
    """Broadcast ``AWAY`` to away-notify neighbours after ``user`` went away or came back."""
    params = (user.away,) if user.away else ()
    notify_neighbours(
        network, user, Message("AWAY", params, user.source, event_tags(user.account)), "away-notify"
    )

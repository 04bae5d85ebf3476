"""Telling others that a user came, went or changed: MONITOR and away-notify.

References: https://ircv3.net/specs/extensions/monitor (RPL_MONONLINE/RPL_MONOFFLINE),
https://ircv3.net/specs/extensions/away-notify, extended-monitor. Used by registration, NICK,
QUIT and AWAY handlers and by the session lifecycle when a session ends. The monitor lists
themselves (:meth:`Presence.watch`, :meth:`Presence.unwatch`) are kept here too.
"""

from __future__ import annotations

from chinwag.protocol import numerics as n
from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.message import Message
from chinwag.server.delivery import Delivery
from chinwag.server.services.metadata_forms import monitor_sync
from chinwag.server.state import Network, Session, User
from chinwag.server.tags import event_tags


class Presence:
    """Who watches whom (MONITOR), and the notices that follow a user's comings and goings."""

    __slots__ = ("_delivery", "_network")

    def __init__(self, network: Network, delivery: Delivery) -> None:
        self._network = network
        self._delivery = delivery

    def _watchers(self, nick: str) -> set[Session]:
        return self._network.monitors.get(fold(nick), set())

    def watch(self, session: Session, nick: Folded) -> None:
        """Add ``nick`` to ``session``'s monitor list and the network's index."""
        session.monitoring = session.monitoring | {nick}
        self._network.monitors.setdefault(nick, set()).add(session)

    def unwatch(self, session: Session, nick: Folded) -> None:
        """Remove ``nick`` from ``session``'s monitor list and the network's index."""
        session.monitoring = session.monitoring - {nick}
        monitors = self._network.monitors
        watchers = monitors.get(nick)
        if watchers is not None:
            watchers.discard(session)
            if not watchers:
                del monitors[nick]

    def monitor_online(self, user: User) -> None:
        """Tell every session monitoring ``user``'s nick that it is now online, and a
        draft/metadata-3 one what ``user``'s subscribed keys are (metadata-3 "Automatic
        synchronization")."""
        name = self._network.server_name
        for session in self._watchers(user.nick):
            self._delivery.send(
                session, Message(n.RPL_MONONLINE, (session.target, user.source), name)
            )
            for message in monitor_sync(name, session, user):
                self._delivery.send(session, message)

    def monitor_offline(self, nick: str) -> None:
        """Tell every session monitoring ``nick`` that it is now offline."""
        name = self._network.server_name
        for session in self._watchers(nick):
            self._delivery.send(session, Message(n.RPL_MONOFFLINE, (session.target, nick), name))

    def extended_monitor_recipients(self, user: User, cap: str) -> list[Session]:
        """Sessions that monitor ``user`` with extended-monitor and ``cap`` but share no
        channel.

        extended-monitor: notifications such as AWAY and SETNAME go to monitoring clients
        too, in addition to those who share a channel.
        """
        neighbours = self._network.neighbours(user)
        return [
            session
            for session in self._watchers(user.nick)
            if session.has("extended-monitor")
            and session.has(cap)
            and (session.user is None or session.user not in neighbours)
        ]

    def notify_neighbours(self, user: User, message: Message, cap: str) -> None:
        """Send ``message`` about ``user`` to everyone who shares a channel and has ``cap``,
        and to extended-monitor watchers with ``cap``; the user's own sessions excluded."""
        recipients = [s for s in self._network.neighbour_sessions(user) if s.has(cap)]
        recipients.extend(self.extended_monitor_recipients(user, cap))
        self._delivery.deliver(recipients, message)

    def away_changed(self, user: User) -> None:
        """Broadcast ``AWAY`` to away-notify neighbours after ``user`` went away or came
        back."""
        params = (user.away,) if user.away else ()
        away = Message("AWAY", params, user.source, event_tags(user.account))
        self.notify_neighbours(user, away, "away-notify")

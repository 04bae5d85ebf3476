"""How sessions begin and end: connecting, becoming a user, quitting, being closed.

Modern IRC "QUIT message" and "ERROR message": a session the server closes is sent ``ERROR``
first; when a user's last session ends, everyone sharing a channel sees its ``QUIT``, unless
the user is always-on (issue 16): then it stays in its channels with its nick, shown away
(:meth:`Sessions.stay`), until a session logs in to its account again. A
session whose outbox overflowed is closed only once the current piece of work is done
(:meth:`Sessions.doom`, :meth:`Sessions.reap`), never in the middle of a fan-out.
"""

from __future__ import annotations

import logging

from chinwag.protocol.message import Message
from chinwag.server import sources
from chinwag.server.delivery import Delivery
from chinwag.server.history import HistoryWriter
from chinwag.server.services.presence import Presence
from chinwag.server.state import Network, Outbox, Session, User
from chinwag.server.tags import event_tags

log = logging.getLogger("chinwag.server")


class Sessions:
    """The lifecycle of every session of one core; ``nick_deadlines`` is the nick
    protection's list of users to rename, which a leaving user drops out of."""

    __slots__ = (
        "_delivery",
        "_doomed",
        "_history",
        "_network",
        "_next_id",
        "_nick_deadlines",
        "_presence",
        "shutting_down",
    )

    def __init__(
        self,
        network: Network,
        delivery: Delivery,
        presence: Presence,
        nick_deadlines: dict[User, float],
        history: HistoryWriter,
    ) -> None:
        self._network = network
        self._history = history
        self._delivery = delivery
        self._presence = presence
        self._nick_deadlines = nick_deadlines
        self._next_id = 1
        self._doomed: list[tuple[Session, str]] = []
        self.shutting_down = False
        """Set once the server stops: nobody is told of anyone else's QUIT then."""

    @property
    def next_id(self) -> int:
        """The id the next session will have (replicas must agree on it)."""
        return self._next_id

    @next_id.setter
    def next_id(self, number: int) -> None:
        self._next_id = number

    def open(
        self,
        outbox: Outbox,
        ip: str,
        host: str,
        now: float,
        *,
        secure: bool = False,
        certfp: str | None = None,
        made: Session | None = None,
    ) -> Session:
        """A new session on ``outbox``, for a connection from ``ip`` shown as ``host``;
        ``secure`` if it is encrypted, with the client certificate's ``certfp`` if any.
        ``made``: a session object the transport already holds (a cluster node makes it
        when the connection opens, before the network's log has ordered the opening); it
        gets the next id, the shown host and the opening time here."""
        if made is None:
            session = Session(self._next_id, outbox, ip, host, now, secure=secure, certfp=certfp)
        else:
            session = made
            session.id = self._next_id
            session.host = host
            session.connected_at = session.last_activity = now
            session.last_message = sources.now()
        self._next_id += 1
        self._network.sessions[session.id] = session
        log.debug("session %d connected from %s", session.id, ip)
        return session

    def add_user(self, session: Session, user: User) -> None:
        """Make ``user`` known to the network as reached through ``session``."""
        network = self._network
        user.add_session(session)
        session.user = user
        network.users[user.folded] = user
        network.tokens[user.token] = user
        network.counts.peak = max(network.counts.peak, len(network.users))
        log.info("%s connected from %s", user.nick, session.ip)
        self._presence.monitor_online(user)

    def attach(self, session: Session, user: User) -> None:
        """Reach the existing ``user`` through ``session`` too (multiclient: a login to the
        account of a user already there, connected or always-on)."""
        user.add_session(session)
        session.user = user
        session.nick = user.nick
        log.info("%s connected from %s (another session)", user.nick, session.ip)

    def stay(self, user: User) -> None:
        """The last session of the always-on ``user`` ended: it stays in its channels and
        keeps its nick, away with its away text (Ergo's auto-away) unless it set its own,
        which neighbours with away-notify and MONITOR watchers with extended-monitor hear."""
        user.left_at = sources.now()
        if user.away is None and user.always_on is not None:
            user.away = user.always_on
            user.auto_away = True
            if not self.shutting_down:
                self._presence.away_changed(user)
        log.info("%s stays (always-on, no session left)", user.nick)

    def quit_user(self, user: User, reason: str) -> None:
        """Remove ``user`` from every channel and the network, telling those who share one."""
        network = self._network
        if not self.shutting_down:
            quit_ = Message("QUIT", (reason,), user.source, event_tags(user.account))
            self._delivery.deliver(network.neighbour_sessions(user), quit_)
        history = self._history
        for channel in list(user.channels.values()):
            history.left(channel, user)
            channel.remove_member(user)
            if not channel.members and channel.registration is None:
                del network.channels[channel.folded]  # a registered channel stays
        user.channels.clear()
        history.forget(user)
        network.tokens.pop(user.token, None)
        for invited in user.invited_to or ():
            # An invitation bound to this connection's user can never be used now; one bound
            # to their account waits for its next login.
            invited.invited.pop(user, None)
        user.invited_to = None
        network.remember(user)
        self._nick_deadlines.pop(user, None)
        if network.users.get(user.folded) is user:
            del network.users[user.folded]
        self._presence.monitor_offline(user.nick)
        log.info("%s left (%s)", user.nick, reason)

    def close(self, session: Session, reason: str, error_text: str | None = None) -> None:
        """Close ``session`` on the server's initiative: ``ERROR``, a quit, then the socket."""
        if session.closed:
            return
        text = error_text or f"Closing Link: {session.host} ({reason})"
        # Replies waiting for the disk (echoes of the last messages) go first.
        self._delivery.goodbye(session, Message("ERROR", (text,)))
        self.end(session, reason)

    def end(self, session: Session, reason: str) -> None:
        """The session is over (its peer left, or it was closed): forget it, quit its user
        if it was the last session (or let an always-on user :meth:`stay`), and close the
        connection after what is queued."""
        session.closed = True
        self._network.sessions.pop(session.id, None)
        for nick in list(session.monitoring):
            self._presence.unwatch(session, nick)
        user = session.user
        if user is not None:
            user.remove_session(session)
            if not user.sessions:
                if user.always_on is not None:
                    self.stay(user)
                else:
                    self.quit_user(user, reason)
        else:
            self._network.drop_pending_nick(session)
            log.debug("session %d closed before registering (%s)", session.id, reason)
        self._delivery.close(session)

    def doom(self, session: Session, reason: str) -> None:
        """Close ``session`` once the current work is done (:meth:`reap`)."""
        self._doomed.append((session, reason))

    def reap(self) -> None:
        """Close the sessions doomed meanwhile."""
        while self._doomed:
            session, reason = self._doomed.pop()
            self.close(session, reason)

"""Who is there and who is typing: MONITOR and the ``+typing`` client tag.

:class:`Presence` keeps the list of people we watch with ``MONITOR`` (the other person of
each open direct conversation), across connections: :meth:`Presence.restore` sends it again
once registered. ``RPL_MONONLINE``/``RPL_MONOFFLINE`` become
:class:`~chinwag.client.events.PresenceChanged`; with ``extended-monitor`` the server also
sends the watched people's ``AWAY`` (away-notify) though we share no room, which the roster
already turns into :class:`~chinwag.client.events.Away`.

``TAGMSG`` carrying ``+typing`` becomes :class:`~chinwag.client.events.Typing`;
:meth:`Presence.typing` sends ours. Throttling and expiry are the chat model's business: this
part only speaks the protocol.

References: https://ircv3.net/specs/extensions/monitor,
https://ircv3.net/specs/extensions/extended-monitor,
https://ircv3.net/specs/extensions/away-notify, https://ircv3.net/specs/client-tags/typing.
Sans-I/O: no asyncio, no socket.
"""

from __future__ import annotations

from chinwag.client.events import Event, PresenceChanged, Typing
from chinwag.client.state import Identity, World
from chinwag.client.wire import Connection, Handler, Handlers, nick_of
from chinwag.protocol import numerics as n
from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.message import Message as IrcMessage

TYPING_TAG = "+typing"
"""The client tag of https://ircv3.net/specs/client-tags/typing."""

TYPING_STATES = frozenset({"active", "paused", "done"})
"""The values the typing spec defines; anything else is ignored."""

_HANDLERS: Handlers[Presence] = Handlers()


class Presence:
    """MONITOR and typing notifications for one client; the watch list outlives a connection."""

    def __init__(self, link: Connection, world: World, me: Identity) -> None:
        self._link = link
        self._world = world
        self._me = me
        self.watched: dict[Folded, str] = {}
        """The people we monitor, by folded nick (their nick as given)."""
        self.online: dict[Folded, bool] = {}
        """What the server last said of each watched person: online or not."""

    def handlers(self) -> dict[str, Handler]:
        """This part's handlers, by command, for the facade's dispatch table."""
        return _HANDLERS.bind(self)

    # -- out -------------------------------------------------------------------------------

    def _can_monitor(self) -> bool:
        # MONITOR=0 (or no token) means the server has no watch list for us.
        limit = self._world.server.tokens.get("MONITOR")
        return limit is not None and limit != "0"

    def watch(self, nick: str, *, now: bool) -> None:
        """Monitor ``nick`` on every later connection, and at once if ``now`` (registered)."""
        key = fold(nick)
        if key in self.watched:
            return
        self.watched[key] = nick
        if now and self._can_monitor():
            self._link.send("MONITOR", "+", nick)

    def unwatch(self, nick: str, *, now: bool) -> None:
        """Stop monitoring ``nick`` (telling the server if ``now``: registered)."""
        self.online.pop(fold(nick), None)
        watched = self.watched.pop(fold(nick), None) is not None
        if watched and now and self._can_monitor():
            self._link.send("MONITOR", "-", nick)

    def restore(self) -> None:
        """Registered again: send the whole watch list (the server forgot it)."""
        if self.watched and self._can_monitor():
            self._link.send("MONITOR", "+", ",".join(self.watched.values()))

    def typing(self, target: str, state: str) -> bool:
        """Send ``TAGMSG`` with ``+typing=<state>`` to ``target``; False (nothing sent)
        without message-tags, where the tag could not travel."""
        if state not in TYPING_STATES or not self._link.has_cap("message-tags"):
            return False
        self._link.send("TAGMSG", target, tags={TYPING_TAG: state})
        return True

    # -- in --------------------------------------------------------------------------------

    @_HANDLERS.on(n.RPL_MONONLINE)
    def _on_online(self, message: IrcMessage) -> list[Event]:
        return self._presence(message, online=True)

    @_HANDLERS.on(n.RPL_MONOFFLINE)
    def _on_offline(self, message: IrcMessage) -> list[Event]:
        return self._presence(message, online=False)

    def _presence(self, message: IrcMessage, *, online: bool) -> list[Event]:
        targets = message.params[-1] if len(message.params) >= 2 else ""
        nicks = [nick_of(target) for target in targets.split(",") if target.strip()]
        for nick in nicks:
            self.online[fold(nick)] = online
        return [PresenceChanged(nick, online) for nick in nicks]

    @_HANDLERS.on("TAGMSG")
    def _on_tagmsg(self, message: IrcMessage) -> list[Event]:
        state = message.tags.get(TYPING_TAG)
        if state not in TYPING_STATES or not message.params or message.source is None:
            return []
        sender = nick_of(message.source)
        target = message.params[0]
        is_self = self._me.is_me(sender)
        if self._world.server.is_channel(target):
            channel = self._world.channels.get(fold(target))
            conversation = channel.name if channel is not None else target
        else:
            conversation = target if is_self else sender
        return [Typing(sender, conversation, state, is_self)]

"""The roster: rooms and people as the server tells us about them, us included.

The handlers here keep the shared :class:`~chinwag.client.state.World` (who is in which room
with which prefixes, topics, away state, accounts, real names, hosts, metadata such as the
``color`` key, the server's ISUPPORT) and our :class:`~chinwag.client.state.Identity` (our
nick after a change, the rooms to rejoin, our away message and metadata) up to date, and
report each change as an event. Lines replayed from history never come here: they change no
state. Joining a room asks the :class:`~chinwag.client.history.HistorySync` for its history.

References: Modern IRC, https://modern.ircdocs.horse (JOIN, PART, KICK, QUIT, NICK, TOPIC,
MODE, RPL_ISUPPORT); IRCv3 extended-join, away-notify, account-notify, setname, chghost,
invite-notify and metadata (https://ircv3.net/irc). Sans-I/O: no asyncio, no socket.
"""

from __future__ import annotations

from chinwag.client.events import (
    AccountChanged,
    Away,
    ChannelRenamed,
    Event,
    Invited,
    Joined,
    Kicked,
    Member,
    MetadataChanged,
    MetadataSyncLater,
    ModeChange,
    ModeChanged,
    NickChanged,
    Parted,
    Quit,
    RealnameChanged,
    TopicChanged,
)
from chinwag.client.history import HistorySync
from chinwag.client.state import ChannelState, Identity, World
from chinwag.client.wire import Handler, Handlers, nick_of
from chinwag.protocol import numerics as n
from chinwag.protocol.casemap import fold
from chinwag.protocol.message import Message as IrcMessage
from chinwag.protocol.modes import BOT_USER_MODE

_HANDLERS: Handlers[Roster] = Handlers()


class Roster:
    """Keeps rooms, people and our own identity in step with the server's messages."""

    def __init__(self, world: World, me: Identity, history: HistorySync) -> None:
        self._world = world
        self._me = me
        self._history = history

    def handlers(self) -> dict[str, Handler]:
        """This part's handlers, by command, for the facade's dispatch table."""
        return _HANDLERS.bind(self)

    # -- the server ------------------------------------------------------------------------

    @_HANDLERS.on(n.RPL_MYINFO)
    def _on_myinfo(self, message: IrcMessage) -> list[Event]:
        if len(message.params) > 1:
            self._world.server.name = message.params[1]
        return []

    @_HANDLERS.on(n.RPL_ISUPPORT)
    def _on_isupport(self, message: IrcMessage) -> list[Event]:
        self._world.server.update(list(message.params[1:-1]))
        return []

    # -- rooms -----------------------------------------------------------------------------

    @_HANDLERS.on("JOIN")
    def _on_join(self, message: IrcMessage) -> list[Event]:
        """``JOIN <channel>``, or with extended-join ``JOIN <channel> <account> :<realname>``."""
        if not message.params:
            return []
        nick = nick_of(message.source)
        name = message.params[0]
        key = fold(name)
        self._world.learn_source(message.source)
        account = realname = None
        if len(message.params) >= 3:  # extended-join
            account = None if message.params[1] == "*" else message.params[1]
            realname = message.params[2]
            user = self._world.user(nick)
            user.account, user.realname = account, realname
        is_self = self._me.is_me(nick)
        if is_self:
            self._world.channels[key] = ChannelState(name)
            if key not in self._me.rooms:
                self._me.rooms[key] = (name, None)
            self._history.joined(name)
        channel = self._world.channels.get(key)
        if channel is None:
            return []
        channel.set_member(Member(nick))
        return [Joined(channel.name, nick, is_self, account, realname)]

    def _leave(self, name: str, nick: str) -> tuple[str, bool]:
        """``nick`` left channel ``name`` (PART or KICK): forget the member, or the whole
        channel and its rejoin entry if it was us. Returns the channel's shown name and
        whether it was us."""
        is_self = self._me.is_me(nick)
        channel = self._world.channels.get(fold(name))
        if channel is not None:
            name = channel.name
            if is_self:
                del self._world.channels[fold(name)]
            else:
                channel.remove_member(nick)
        if is_self:
            self._me.rooms.pop(fold(name), None)
        return name, is_self

    @_HANDLERS.on("PART")
    def _on_part(self, message: IrcMessage) -> list[Event]:
        if not message.params:
            return []
        nick = nick_of(message.source)
        name = message.params[0]
        reason = message.params[1] if len(message.params) > 1 else ""
        name, is_self = self._leave(name, nick)
        return [Parted(name, nick, reason, is_self)]

    @_HANDLERS.on("KICK")
    def _on_kick(self, message: IrcMessage) -> list[Event]:
        if len(message.params) < 2:
            return []
        name, nick = message.params[0], message.params[1]
        reason = message.params[2] if len(message.params) > 2 else ""
        name, is_self = self._leave(name, nick)
        return [Kicked(name, nick, nick_of(message.source), reason, is_self)]

    @_HANDLERS.on("RENAME")
    def _on_rename(self, message: IrcMessage) -> list[Event]:
        """``RENAME <old> <new> [:<reason>]`` (draft/channel-rename): the room keeps its
        members, topic and rejoin entry under the new name."""
        if len(message.params) < 2:
            return []
        old, new = message.params[0], message.params[1]
        reason = message.params[2] if len(message.params) > 2 else ""
        channel = self._world.channels.pop(fold(old), None)
        if channel is None:
            return []
        old = channel.name
        channel.name = new
        self._world.channels[fold(new)] = channel
        room = self._me.rooms.pop(fold(old), None)
        if room is not None:
            self._me.rooms[fold(new)] = (new, room[1])
        return [ChannelRenamed(old, new, nick_of(message.source), reason)]

    @_HANDLERS.on("QUIT")
    def _on_quit(self, message: IrcMessage) -> list[Event]:
        nick = nick_of(message.source)
        reason = message.params[0] if message.params else ""
        shared = self._world.shared_channels(nick)
        for channel in shared:
            channel.remove_member(nick)
        self._world.users.pop(fold(nick), None)
        return [Quit(nick, reason, tuple(channel.name for channel in shared))]

    @_HANDLERS.on("NICK")
    def _on_nick(self, message: IrcMessage) -> list[Event]:
        if not message.params:
            return []
        old, new = nick_of(message.source), message.params[0]
        me = self._me
        is_self = me.is_me(old)
        forced = False
        if is_self:
            me.nick = new
            requested, me.nick_requested = me.nick_requested, None
            # Renamed without asking after being told the nick is protected: the grace
            # period ended (or its owner logged in).
            forced = requested != fold(new) and me.protected_nick == fold(old)
            me.protected_nick = None
            if forced:
                me.reclaim_nick = me.reclaim_nick or old
            elif me.reclaim_nick is not None:
                me.reclaim_nick = None  # got it back, or chose another
        shared = self._world.shared_channels(old)
        for channel in shared:
            channel.rename_member(old, new)
        user = self._world.users.pop(fold(old), None)
        if user is not None:
            user.nick = new
            self._world.users[fold(new)] = user
        channels = tuple(channel.name for channel in shared)
        return [NickChanged(old, new, is_self, channels, forced=forced)]

    @_HANDLERS.on("TOPIC")
    def _on_topic(self, message: IrcMessage) -> list[Event]:
        if not message.params:
            return []
        name = message.params[0]
        topic = message.params[1] if len(message.params) > 1 else ""
        by = nick_of(message.source)
        channel = self._world.channels.get(fold(name))
        if channel is not None:
            name = channel.name
            channel.topic, channel.topic_by = topic, by
        return [TopicChanged(name, topic, by)]

    @_HANDLERS.on(n.RPL_TOPIC)
    def _on_rpl_topic(self, message: IrcMessage) -> list[Event]:
        if len(message.params) < 3:
            return []
        name, topic = message.params[1], message.params[2]
        channel = self._world.channels.get(fold(name))
        if channel is not None:
            name = channel.name
            channel.topic = topic
        return [TopicChanged(name, topic, None)]

    @_HANDLERS.on(n.RPL_TOPICWHOTIME)
    def _on_topic_who_time(self, message: IrcMessage) -> list[Event]:
        if len(message.params) >= 3:
            channel = self._world.channels.get(fold(message.params[1]))
            if channel is not None:
                channel.topic_by = nick_of(message.params[2])
        return []

    @_HANDLERS.on("MODE")
    def _on_mode(self, message: IrcMessage) -> list[Event]:
        if len(message.params) < 2:
            return []
        target = message.params[0]
        by = nick_of(message.source)
        server = self._world.server
        if not server.is_channel(target):
            changes = _parse_flags(message.params[1])
            if self._me.is_me(target):
                for change in changes:
                    if change.mode == BOT_USER_MODE:
                        self._world.user(target).bot = change.adding  # we are a bot (+B)
            return [ModeChanged(target, by, tuple(changes))]
        args = list(message.params[2:])
        changes = []
        adding = True
        for letter in message.params[1]:
            if letter in "+-":
                adding = letter == "+"
                continue
            param = args.pop(0) if server.mode_takes_param(letter, adding) and args else None
            changes.append(ModeChange(adding, letter, param))
        channel = self._world.channels.get(fold(target))
        if channel is not None:
            target = channel.name
            for change in changes:
                self._apply_prefix(channel, change)
        return [ModeChanged(target, by, tuple(changes))]

    def _apply_prefix(self, channel: ChannelState, change: ModeChange) -> None:
        server = self._world.server
        symbol = server.symbol_for(change.mode)
        if symbol is None or change.param is None:
            return
        member = channel.member(change.param)
        if member is None:
            return
        if change.adding:
            prefixes = server.sort_prefixes(member.prefixes + symbol)
        else:
            prefixes = member.prefixes.replace(symbol, "")
        channel.set_member(Member(member.nick, prefixes))

    # -- people ----------------------------------------------------------------------------

    @_HANDLERS.on("AWAY")
    def _on_away(self, message: IrcMessage) -> list[Event]:
        """away-notify, https://ircv3.net/specs/extensions/away-notify."""
        nick = nick_of(message.source)
        text = message.params[0] if message.params and message.params[0] else None
        user = self._world.user(nick)
        user.away, user.away_message = text is not None, text
        return [Away(nick, text, self._me.is_me(nick))]

    @_HANDLERS.on(n.RPL_UNAWAY)
    def _on_unaway(self, message: IrcMessage) -> list[Event]:
        self._me.away_message = None
        return [Away(self._me.nick, None, is_self=True)]

    @_HANDLERS.on(n.RPL_NOWAWAY)
    def _on_now_away(self, message: IrcMessage) -> list[Event]:
        return [Away(self._me.nick, self._me.away_message or "", is_self=True)]

    @_HANDLERS.on("ACCOUNT")
    def _on_account(self, message: IrcMessage) -> list[Event]:
        """account-notify, https://ircv3.net/specs/extensions/account-notify."""
        if not message.params:
            return []
        nick = nick_of(message.source)
        account = None if message.params[0] == "*" else message.params[0]
        self._world.user(nick).account = account
        return [AccountChanged(nick, account)]

    @_HANDLERS.on("SETNAME")
    def _on_setname(self, message: IrcMessage) -> list[Event]:
        """setname, https://ircv3.net/specs/extensions/setname."""
        if not message.params:
            return []
        nick = nick_of(message.source)
        self._world.user(nick).realname = message.params[0]
        if self._me.is_me(nick):
            self._me.realname = message.params[0]
        return [RealnameChanged(nick, message.params[0])]

    @_HANDLERS.on("CHGHOST")
    def _on_chghost(self, message: IrcMessage) -> list[Event]:
        """chghost, https://ircv3.net/specs/extensions/chghost."""
        if len(message.params) >= 2:
            user = self._world.user(nick_of(message.source))
            user.user, user.host = message.params[0], message.params[1]
        return []

    @_HANDLERS.on("INVITE")
    def _on_invite(self, message: IrcMessage) -> list[Event]:
        if len(message.params) < 2:
            return []
        nick, channel = message.params[0], message.params[1]
        return [Invited(channel, nick_of(message.source), nick, self._me.is_me(nick))]

    # -- metadata (https://ircv3.net/specs/extensions/metadata) ----------------------------

    @_HANDLERS.on("METADATA")
    def _on_metadata(self, message: IrcMessage) -> list[Event]:
        """``METADATA <target> <key> <visibility> [<value>]``, draft/metadata-2's
        notification."""
        params = message.params
        if len(params) < 3:
            return []
        return self._apply_metadata(params[0], params[1], params[3] if len(params) > 3 else None)

    @_HANDLERS.on(n.RPL_KEYVALUE)
    def _on_key_value(self, message: IrcMessage) -> list[Event]:
        """``761 <me> <target> <key> <visibility> [<value>]``: a reply, or with
        draft/metadata-3 a notification; without a value (metadata-2's CLEAR) the key is
        gone."""
        params = message.params
        if len(params) < 4:
            return []
        return self._apply_metadata(params[1], params[2], params[4] if len(params) > 4 else None)

    @_HANDLERS.on(n.RPL_KEYNOTSET)
    def _on_key_not_set(self, message: IrcMessage) -> list[Event]:
        """``766 <me> <target> <key> :Key not set``: draft/metadata-3's notification that a
        key was removed, and the answer for a key that is not set (metadata-3 "Notifications";
        PR #613)."""
        params = message.params
        if len(params) < 3:
            return []
        return self._apply_metadata(params[1], params[2], None)

    @_HANDLERS.on(n.RPL_METADATASYNCLATER)
    def _on_sync_later(self, message: IrcMessage) -> list[Event]:
        if len(message.params) < 2:
            return []
        retry: float | None = None
        if len(message.params) > 2:
            try:
                retry = float(message.params[2])
            except ValueError:
                retry = None
        return [MetadataSyncLater(message.params[1], retry)]

    def _apply_metadata(self, target: str, key: str, value: str | None) -> list[Event]:
        if target == "*" or self._me.is_me(target):
            target = self._me.nick
            store = self._me.metadata
        elif self._world.server.is_channel(target):
            channel = self._world.channels.get(fold(target))
            if channel is None:
                return [MetadataChanged(target, key, value)]
            target, store = channel.name, channel.metadata
        else:
            user = self._world.user(target)
            target, store = user.nick, user.metadata
        if value is None:
            store.pop(key, None)
        else:
            store[key] = value
        return [MetadataChanged(target, key, value)]


def _parse_flags(modes: str) -> list[ModeChange]:
    """User mode changes: flags only."""
    changes: list[ModeChange] = []
    adding = True
    for letter in modes:
        if letter in "+-":
            adding = letter == "+"
        else:
            changes.append(ModeChange(adding, letter))
    return changes

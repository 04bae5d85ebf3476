"""What the client knows about the server, its rooms, the people in them and itself.

Plain classes kept up to date by :class:`~chinwag.client.protocol.ClientProtocol` and its
parts, which share them: :class:`World` is what one connection taught us (server, rooms,
people), :class:`Identity` is who we are and want to be across connections. A UI reads them
(member lists, topics, away state, colours) and never changes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chinwag.client.events import Member
from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.metadata import COLOR_KEY

DEFAULT_PREFIX = "(ov)@+"
DEFAULT_CHANTYPES = "#&"
DEFAULT_CHANMODES = "b,k,l,imnpst"
DEFAULT_NICKLEN = 30


class ServerInfo:
    """ISUPPORT tokens (005) and what follows from them: prefixes, channel types, modes."""

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}
        self.name: str | None = None
        self.prefix_modes = "ov"
        self.prefix_symbols = "@+"
        self.chantypes = DEFAULT_CHANTYPES
        self.chanmodes: tuple[str, str, str, str] = ("b", "k", "l", "imnpst")
        self.nicklen = DEFAULT_NICKLEN

    @property
    def network(self) -> str | None:
        """The ``NETWORK`` name, if the server gave one."""
        return self.tokens.get("NETWORK")

    def update(self, tokens: list[str]) -> None:
        """Take the tokens of one RPL_ISUPPORT line (without the client and trailer)."""
        for token in tokens:
            if token.startswith("-"):
                self.tokens.pop(token[1:].upper(), None)
                continue
            key, _, value = token.partition("=")
            self.tokens[key.upper()] = value
        self._derive()

    def _derive(self) -> None:
        prefix = self.tokens.get("PREFIX", DEFAULT_PREFIX)
        if prefix.startswith("(") and ")" in prefix:
            modes, symbols = prefix[1:].split(")", 1)
            if len(modes) == len(symbols):
                self.prefix_modes, self.prefix_symbols = modes, symbols
        elif prefix == "":
            self.prefix_modes = self.prefix_symbols = ""
        self.chantypes = self.tokens.get("CHANTYPES", DEFAULT_CHANTYPES) or DEFAULT_CHANTYPES
        groups = [*self.tokens.get("CHANMODES", DEFAULT_CHANMODES).split(","), "", "", ""][:4]
        self.chanmodes = (groups[0], groups[1], groups[2], groups[3])
        try:
            self.nicklen = int(self.tokens.get("NICKLEN", DEFAULT_NICKLEN))
        except ValueError:
            self.nicklen = DEFAULT_NICKLEN

    def is_channel(self, target: str) -> bool:
        """Whether ``target`` names a channel on this server."""
        return bool(target) and target[0] in self.chantypes

    def split_prefixes(self, item: str) -> tuple[str, str]:
        """``"@+ana"`` -> ``("@+", "ana")``, the prefixes sorted highest first."""
        count = 0
        while count < len(item) and item[count] in self.prefix_symbols:
            count += 1
        return self.sort_prefixes(item[:count]), item[count:]

    def sort_prefixes(self, prefixes: str) -> str:
        """The distinct prefixes in ``prefixes``, highest rank first."""
        return "".join(symbol for symbol in self.prefix_symbols if symbol in prefixes)

    def symbol_for(self, mode: str) -> str | None:
        """The prefix symbol of a member status mode (``o`` -> ``@``), or None."""
        index = self.prefix_modes.find(mode)
        return self.prefix_symbols[index] if index >= 0 else None

    def mode_takes_param(self, mode: str, adding: bool) -> bool:
        """Whether channel mode ``mode`` consumes a parameter when set (or unset)."""
        list_modes, always, when_set, _ = self.chanmodes
        if mode in self.prefix_modes or mode in list_modes or mode in always:
            return True
        return adding and mode in when_set


@dataclass
class UserState:
    """One person we know of (shares a room with us, or wrote to us)."""

    nick: str
    user: str | None = None
    host: str | None = None
    realname: str | None = None
    account: str | None = None
    away: bool = False
    away_message: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    bot: bool = False
    """A bot (IRCv3 bot-mode, user mode ``+B``), learned from the ``bot`` message tag, WHO
    flags, RPL_WHOISBOT, or our own mode."""

    @property
    def color(self) -> str | None:
        """The colour the user chose (metadata ``color``), if any."""
        return self.metadata.get(COLOR_KEY)


@dataclass
class ChannelState:
    """A room we are in: display name, topic, members by folded nick, metadata."""

    name: str
    topic: str = ""
    topic_by: str | None = None
    members: dict[Folded, Member] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)

    def member(self, nick: str) -> Member | None:
        """The member with this nick, if present."""
        return self.members.get(fold(nick))

    def set_member(self, member: Member) -> None:
        """Add or replace a member."""
        self.members[fold(member.nick)] = member

    def remove_member(self, nick: str) -> bool:
        """Remove a member; whether they were there."""
        return self.members.pop(fold(nick), None) is not None

    def rename_member(self, old: str, new: str) -> bool:
        """Rename a member keeping their prefixes; whether they were there."""
        member = self.members.pop(fold(old), None)
        if member is None:
            return False
        self.members[fold(new)] = Member(new, member.prefixes)
        return True


@dataclass
class Identity:
    """Who we are and what we want on the server, kept across connections.

    The parts of the client core share one: the negotiation sends the nick and names while
    registering and restores the rooms, metadata and away message once registered; the
    roster follows our nick changes, joins and parts. ``rooms`` maps folded names to the
    display name and key of each room to be in (rejoined on registration).
    """

    nick: str
    username: str
    realname: str
    rooms: dict[Folded, tuple[str, str | None]]
    metadata: dict[str, str]
    away_message: str | None = None
    reclaim_nick: str | None = None
    """Our nick before the server renamed us (a registered nick we were not logged in to):
    asked for again after logging in, and on the next connection."""
    nick_requested: Folded | None = None
    """The nick we last asked for on this connection (a rename we asked for is not forced)."""
    protected_nick: Folded | None = None
    """The nick the server said is protected on this connection (and may take from us)."""

    def is_me(self, nick: str) -> bool:
        """Whether ``nick`` is our nick."""
        return fold(nick) == fold(self.nick)

    def forget_connection(self) -> None:
        """Forget what only held on the connection that ended."""
        self.nick_requested = self.protected_nick = None


class World:
    """What one connection taught us: the server's ISUPPORT, the rooms we are in and the
    people we know of, by folded name. :meth:`reset` starts a new connection."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything the last connection taught."""
        self.server = ServerInfo()
        self.channels: dict[Folded, ChannelState] = {}
        self.users: dict[Folded, UserState] = {}

    def user(self, nick: str) -> UserState:
        """What we know of ``nick``, recorded now if nothing was."""
        key = fold(nick)
        user = self.users.get(key)
        if user is None:
            user = self.users[key] = UserState(nick)
        return user

    def learn_source(self, source: str | None) -> None:
        """Note the user and host of ``nick!user@host``."""
        if not source or "!" not in source:
            return
        nick, _, rest = source.partition("!")
        user_part, _, host = rest.partition("@")
        user = self.user(nick)
        user.nick, user.user, user.host = nick, user_part, host or user.host

    def shared_channels(self, nick: str) -> list[ChannelState]:
        """The rooms we are in where ``nick`` is too."""
        key = fold(nick)
        return [channel for channel in self.channels.values() if key in channel.members]

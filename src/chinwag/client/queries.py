"""Query collectors: the numerics that answer WHO, WHOIS, LIST and NAMES, put together.

A server answers each of these queries with one numeric per item and a final numeric; the
collectors here keep the items until the end and report one event: :class:`WhoResult`,
:class:`WhoisResult`, :class:`ChannelList` or :class:`Names`. What the replies say about
people (user, host, away, real name) and rooms (members and their prefixes) is noted in the
shared :class:`~chinwag.client.state.World` on the way. ``NAMES`` also answers our own JOIN.

The facade (:class:`~chinwag.client.protocol.ClientProtocol`) checks that we are registered
before the intents and merges :meth:`Queries.handlers` into its dispatch table.

References: Modern IRC, https://modern.ircdocs.horse (WHO, WHOIS, LIST and NAMES messages,
RPL_WHOREPLY to RPL_LISTEND); IRCv3 multi-prefix and userhost-in-names for the NAMES items.
Sans-I/O: no asyncio, no socket.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chinwag.client.events import (
    Away,
    ChannelList,
    ChannelListEntry,
    Event,
    Member,
    Names,
    WhoEntry,
    WhoisResult,
    WhoResult,
)
from chinwag.client.state import World
from chinwag.client.wire import Connection, Handler, Handlers, nick_of, numeric_reply
from chinwag.protocol import numerics as n
from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.message import Message as IrcMessage
from chinwag.protocol.modes import BOT_USER_MODE

_WHOIS_DETAILS = frozenset(
    {
        n.RPL_WHOISREGNICK,
        n.RPL_WHOISOPERATOR,
        n.RPL_WHOISSPECIAL,
        n.RPL_WHOISBOT,
        n.RPL_WHOISACTUALLY,
        n.RPL_WHOISHOST,
        n.RPL_WHOISMODES,
        n.RPL_WHOISSECURE,
        n.RPL_WHOISCERTFP,
        n.RPL_WHOISKEYVALUE,
    }
)
"""WHOIS lines kept as text in :attr:`WhoisResult.extra`."""


@dataclass
class _WhoisDraft:
    nick: str
    found: bool = True
    user: str | None = None
    host: str | None = None
    realname: str | None = None
    server: str | None = None
    channels: list[str] = field(default_factory=list)
    account: str | None = None
    away_message: str | None = None
    idle_seconds: int | None = None
    extra: list[str] = field(default_factory=list)
    bot: bool = False


_HANDLERS: Handlers[Queries] = Handlers()


class Queries:
    """The WHO, WHOIS, LIST and NAMES queries of one connection and their collectors."""

    def __init__(self, link: Connection, world: World) -> None:
        self._link = link
        self._world = world
        self.reset()

    def reset(self) -> None:
        """Forget the answers a lost connection left half collected."""
        self._names: dict[Folded, list[Member]] = {}
        self._who: list[WhoEntry] = []
        self._whois: dict[Folded, _WhoisDraft] = {}
        self._list: list[ChannelListEntry] = []

    def handlers(self) -> dict[str, Handler]:
        """This part's handlers, by command, for the facade's dispatch table."""
        return _HANDLERS.bind(self)

    # -- intents ---------------------------------------------------------------------------

    def who(self, mask: str, *, label: str | None = None) -> None:
        """``WHO <mask>``; answered by :class:`WhoResult`."""
        self._link.send("WHO", mask, label=label)

    def whois(self, nick: str, *, label: str | None = None) -> None:
        """``WHOIS <nick>``; answered by :class:`WhoisResult`."""
        self._whois[fold(nick)] = _WhoisDraft(nick)
        self._link.send("WHOIS", nick, label=label)

    def names(self, channel: str, *, label: str | None = None) -> None:
        """``NAMES <channel>``; answered by :class:`Names`."""
        self._link.send("NAMES", channel, label=label)

    def list_channels(self, *, label: str | None = None) -> None:
        """``LIST``; answered by :class:`ChannelList`."""
        self._list = []
        self._link.send("LIST", label=label)

    # -- NAMES -----------------------------------------------------------------------------

    @_HANDLERS.on(n.RPL_NAMREPLY)
    def _on_names_reply(self, message: IrcMessage) -> list[Event]:
        if len(message.params) < 4:
            return []
        members = self._names.setdefault(fold(message.params[2]), [])
        for item in message.params[3].split():
            prefixes, mask = self._world.server.split_prefixes(item)
            nick = nick_of(mask)
            if not nick:
                continue
            self._world.learn_source(mask)
            self._world.user(nick)
            members.append(Member(nick, prefixes))
        return []

    @_HANDLERS.on(n.RPL_ENDOFNAMES)
    def _on_end_of_names(self, message: IrcMessage) -> list[Event]:
        if len(message.params) < 2:
            return []
        name = message.params[1]
        members = self._names.pop(fold(name), [])
        channel = self._world.channels.get(fold(name))
        if channel is not None:
            name = channel.name
            channel.members = {fold(member.nick): member for member in members}
        return [Names(name, tuple(members))]

    # -- WHO -------------------------------------------------------------------------------

    @_HANDLERS.on(n.RPL_WHOREPLY)
    def _on_who_reply(self, message: IrcMessage) -> list[Event]:
        params = message.params
        if len(params) < 8:
            return []
        _, channel, username, host, _server, nick, flags, last = params[:8]
        realname = last.split(" ", 1)[1] if " " in last else ""
        away = flags.startswith("G")
        # bot-mode: "B" after H/G (and the operator's "*" and the prefixes, none a letter).
        bot = BOT_USER_MODE in flags[1:]
        user = self._world.user(nick)
        user.user, user.host, user.away, user.realname = username, host, away, realname
        user.bot = bot
        if not away:
            user.away_message = None
        prefixes = self._world.server.sort_prefixes(flags)
        self._who.append(
            WhoEntry(nick, username, host, None if channel == "*" else channel, away, prefixes,
                     realname, bot)
        )  # fmt: skip
        return []

    @_HANDLERS.on(n.RPL_ENDOFWHO)
    def _on_end_of_who(self, message: IrcMessage) -> list[Event]:
        entries, self._who = tuple(self._who), []
        mask = message.params[1] if len(message.params) > 1 else ""
        return [WhoResult(mask, entries)]

    # -- WHOIS -----------------------------------------------------------------------------

    def _whois_draft(self, message: IrcMessage) -> _WhoisDraft | None:
        if len(message.params) < 2:
            return None
        return self._whois.get(fold(message.params[1]))

    @_HANDLERS.on(n.RPL_AWAY)
    def _on_rpl_away(self, message: IrcMessage) -> list[Event]:
        """``301``: part of a WHOIS we asked for, or the answer to a message to someone
        away (reported as :class:`Away`)."""
        if len(message.params) < 3:
            return []
        nick, text = message.params[1], message.params[2]
        user = self._world.user(nick)
        user.away, user.away_message = True, text
        draft = self._whois.get(fold(nick))
        if draft is not None:
            draft.away_message = text
            return []
        return [Away(nick, text)]

    @_HANDLERS.on(n.RPL_WHOISUSER)
    def _on_whois_user(self, message: IrcMessage) -> list[Event]:
        draft = self._whois_draft(message)
        if draft is None:
            if len(message.params) < 2:
                return []
            draft = self._whois[fold(message.params[1])] = _WhoisDraft(message.params[1])
        params = message.params
        if len(params) >= 6:
            draft.nick, draft.user, draft.host, draft.realname = (
                params[1],
                params[2],
                params[3],
                params[5],
            )
        return []

    @_HANDLERS.on(n.RPL_WHOISSERVER)
    def _on_whois_server(self, message: IrcMessage) -> list[Event]:
        draft = self._whois_draft(message)
        if draft is None:
            return numeric_reply(message)
        if len(message.params) > 2:
            draft.server = message.params[2]
        return []

    @_HANDLERS.on(n.RPL_WHOISIDLE)
    def _on_whois_idle(self, message: IrcMessage) -> list[Event]:
        draft = self._whois_draft(message)
        if draft is None:
            return numeric_reply(message)
        if len(message.params) > 2 and message.params[2].isascii() and message.params[2].isdigit():
            draft.idle_seconds = int(message.params[2])
        return []

    @_HANDLERS.on(n.RPL_WHOISCHANNELS)
    def _on_whois_channels(self, message: IrcMessage) -> list[Event]:
        draft = self._whois_draft(message)
        if draft is None:
            return numeric_reply(message)
        draft.channels += message.params[-1].split()
        return []

    @_HANDLERS.on(n.RPL_WHOISACCOUNT)
    def _on_whois_account(self, message: IrcMessage) -> list[Event]:
        draft = self._whois_draft(message)
        if draft is None:
            return numeric_reply(message)
        if len(message.params) > 2:
            draft.account = message.params[2]
        return []

    @_HANDLERS.on(*_WHOIS_DETAILS)
    def _on_whois_detail(self, message: IrcMessage) -> list[Event]:
        draft = self._whois_draft(message)
        if draft is None:
            return numeric_reply(message)
        draft.extra.append(" ".join(message.params[2:]))
        draft.bot |= message.command == n.RPL_WHOISBOT
        return []

    @_HANDLERS.on(n.ERR_NOSUCHNICK)
    def _on_no_such_nick(self, message: IrcMessage) -> list[Event]:
        draft = self._whois_draft(message)
        if draft is None:
            return numeric_reply(message)
        draft.found = False
        return []

    @_HANDLERS.on(n.RPL_ENDOFWHOIS)
    def _on_end_of_whois(self, message: IrcMessage) -> list[Event]:
        if len(message.params) < 2:
            return []
        draft = self._whois.pop(fold(message.params[1]), None) or _WhoisDraft(message.params[1])
        known = self._world.users.get(fold(draft.nick))
        if known is not None and draft.found:
            known.bot = draft.bot  # the whole answer is in: no RPL_WHOISBOT, no bot
        return [
            WhoisResult(
                draft.nick,
                draft.found,
                draft.user,
                draft.host,
                draft.realname,
                draft.server,
                tuple(draft.channels),
                draft.account,
                draft.away_message,
                draft.idle_seconds,
                tuple(draft.extra),
                draft.bot,
            )
        ]

    # -- LIST ------------------------------------------------------------------------------

    @_HANDLERS.on(n.RPL_LISTSTART)
    def _on_list_start(self, message: IrcMessage) -> list[Event]:
        self._list = []
        return []

    @_HANDLERS.on(n.RPL_LIST)
    def _on_list(self, message: IrcMessage) -> list[Event]:
        params = message.params
        if len(params) >= 3:
            users = int(params[2]) if params[2].isascii() and params[2].isdigit() else 0
            self._list.append(
                ChannelListEntry(params[1], users, params[3] if len(params) > 3 else "")
            )
        return []

    @_HANDLERS.on(n.RPL_LISTEND)
    def _on_list_end(self, message: IrcMessage) -> list[Event]:
        entries, self._list = tuple(self._list), []
        return [ChannelList(entries)]

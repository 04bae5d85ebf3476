"""The sans-I/O client core: bytes in, typed events out; intents in, bytes out.

In the manner of ``h11``: the caller owns the connection. After connecting it calls
:meth:`ClientProtocol.register` and writes :meth:`~ClientProtocol.data_to_send`; each time
bytes arrive it calls :meth:`~ClientProtocol.receive`, handles the events it returns and
writes :meth:`~ClientProtocol.data_to_send` again (PONGs, CAP replies and the rooms to rejoin
are queued there by the core itself). To act, it calls an intent (:meth:`~ClientProtocol.join`,
:meth:`~ClientProtocol.privmsg`, ...) and writes :meth:`~ClientProtocol.data_to_send`; intents
that produce events of their own (our messages without echo-message) leave them for
:meth:`~ClientProtocol.take_events`. When the connection ends it calls
:meth:`~ClientProtocol.connection_lost`; the same object can then :meth:`register` on a new
connection and restores nick, colour and rooms by itself.

Accounts: with an ``account_password`` the core logs in with SASL while registering (SCRAM-SHA-256
or PLAIN, :mod:`chinwag.client.sasl`); :meth:`~ClientProtocol.login` and
:meth:`~ClientProtocol.register_account` do it later (SASL or ``REGISTER``, else NickServ). A
password that worked is kept, in memory only, for the next connections; none is ever logged.

History: rooms joined are asked for their latest lines, and after a reconnection every room and
direct conversation with a known newest message is asked for what came after it (paging while
pages come back full), so gaps are filled. A history batch we did not ask for holds direct
messages that arrived while we were away; its messages are marked ``missed``.

:class:`ClientProtocol` is a facade over parts it owns, each in its own module and none
knowing the facade: :class:`~chinwag.client.negotiation.Negotiation` (CAP, SASL, accounts,
the welcome burst, the connection's :class:`~chinwag.client.negotiation.Phase`),
:class:`~chinwag.client.roster.Roster` (rooms and people),
:class:`~chinwag.client.messages.Messages` (PRIVMSG and NOTICE, in and out),
:class:`~chinwag.client.history.HistorySync` (batches, chathistory, read markers) and
:class:`~chinwag.client.queries.Queries` (WHO, WHOIS, LIST, NAMES). They share the
:class:`~chinwag.client.wire.Connection` (capabilities, output), the
:class:`~chinwag.client.state.World` and our :class:`~chinwag.client.state.Identity`; the
facade keeps the public API, the one dispatch table their handlers are merged into, and
routes lines into open batches.

References: Modern IRC (https://modern.ircdocs.horse) and the IRCv3 extensions named where
they are handled. This module imports no asyncio and no socket.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime

from chinwag.client import sasl
from chinwag.client.events import (
    Acknowledged,
    Disconnected,
    Event,
    NickProtected,
    Pong,
    Registered,
    ServerError,
    StandardReply,
    Unhandled,
)
from chinwag.client.history import DEFAULT_HISTORY_ON_JOIN, HistorySync
from chinwag.client.messages import Messages
from chinwag.client.multiline import Assembler
from chinwag.client.negotiation import WANTED_CAPS, Negotiation, Phase
from chinwag.client.pacing import FloodLimits
from chinwag.client.presence import Presence
from chinwag.client.queries import Queries
from chinwag.client.roster import Roster
from chinwag.client.state import ChannelState, Identity, ServerInfo, UserState, World
from chinwag.client.wire import Connection, Handlers, merge_handlers, numeric_reply, time_of
from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.errors import ProtocolError
from chinwag.protocol.framing import CLIENT_MAX_LINE_BYTES, LineFramer
from chinwag.protocol.message import Message as IrcMessage
from chinwag.protocol.message import parse
from chinwag.protocol.metadata import COLOR_KEY, dialect_for


class NotRegistered(RuntimeError):  # noqa: N818
    """An intent that needs a registered connection was called while there is none.

    Wait for :class:`~chinwag.client.events.Registered` (the runner reconnects on its own).
    """


_HANDLERS: Handlers[ClientProtocol] = Handlers()


class ClientProtocol:
    """One client's view of one server, across reconnections.

    ``nick``, ``rooms`` and ``metadata`` (e.g. ``{"color": "#ff00af"}``) are what the
    client wants; they are sent after each registration. With ``auto_rename`` a nick in use
    before registration is retried with ``_`` appended; without it (the default) the caller
    gets :class:`NickRejected` and calls :meth:`set_nick`. With ``history_on_join`` lines
    (0: none) the recent conversation of each room we join is asked for when the server
    offers chathistory; it arrives as a :class:`Batch` of messages marked ``history``.
    ``account_password`` logs in to ``account`` (default: the nick) with SASL while
    registering, trying ``sasl_mechanisms`` in order among those the server offers.
    ``password`` is the server's connection password (``PASS``), not an account's.
    ``clock`` gives the time of events without ``server-time`` (tests pass a fixed one).
    """

    def __init__(
        self,
        nick: str,
        *,
        username: str | None = None,
        realname: str | None = None,
        password: str | None = None,
        rooms: Iterable[str] = (),
        metadata: Mapping[str, str] | None = None,
        auto_rename: bool = False,
        history_on_join: int = DEFAULT_HISTORY_ON_JOIN,
        account: str | None = None,
        account_password: str | None = None,
        sasl_mechanisms: Iterable[str] = sasl.MECHANISMS,
        caps: Iterable[str] = WANTED_CAPS,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.password = password
        self.quitting = False
        self._clock = clock or (lambda: datetime.now(UTC))
        self._me = Identity(
            nick,
            username or nick,
            realname or nick,
            {fold(room): (room, None) for room in rooms},
            dict(metadata or {}),
        )
        self._link = Connection()
        self._world = World()
        self._multiline = Assembler()
        self._history = HistorySync(
            self._link, self._world, history_on_join=history_on_join, clock=self._clock
        )
        self._negotiation = Negotiation(
            self._link,
            self._world,
            self._me,
            self._history,
            caps=caps,
            account=account,
            account_password=account_password,
            sasl_mechanisms=sasl_mechanisms,
            auto_rename=auto_rename,
        )
        self._roster = Roster(self._world, self._me, self._history)
        self._messages = Messages(
            self._link, self._world, self._me, self._history, clock=self._clock
        )
        self._queries = Queries(self._link, self._world)
        self._presence = Presence(self._link, self._world, self._me)
        self.flood_limits = FloodLimits()
        """What the server announced of its flood limits (the runner paces by them)."""
        self._handlers = merge_handlers(
            self.flood_limits.handlers(),
            _HANDLERS.bind(self),
            self._negotiation.handlers(),
            self._roster.handlers(),
            self._messages.handlers(),
            self._history.handlers(),
            self._queries.handlers(),
            self._presence.handlers(),
        )
        self._reset_connection()

    def _reset_connection(self) -> None:
        """Forget everything that belongs to one connection: back to :attr:`Phase.CLOSED`."""
        self._link.reset()
        self._world.reset()
        self._me.forget_connection()
        self._negotiation.reset()
        self._history.reset()
        self._multiline.reset()
        self._queries.reset()
        self.flood_limits.reset()
        self.last_error: str | None = None
        """The text of the server's last ``ERROR`` on this connection."""
        # Servers may send longer lines than they accept; we show them (see the constant).
        self._framer = LineFramer(CLIENT_MAX_LINE_BYTES)

    # -- driving the connection ------------------------------------------------------------

    def register(self) -> None:
        """Start registration on a fresh connection: CAP LS 302, PASS, NICK, USER.

        Call it once right after connecting (again after each reconnect), then write
        :meth:`data_to_send`. Registration ends with a :class:`Registered` event.
        """
        self._reset_connection()
        if self._me.reclaim_nick is not None:
            self._me.nick = self._me.reclaim_nick  # a guest nick is nobody's choice
        self._negotiation.start(self.password)

    def receive(self, data: bytes) -> list[Event]:
        """Feed bytes read from the connection; returns the events they complete, in order.

        Handle each event, then write :meth:`data_to_send` (it may hold automatic replies).
        Lines the server should never send (too long, not UTF-8, malformed) are skipped.
        """
        events = self.take_events()
        for item in self._framer.feed(data):
            if isinstance(item, ProtocolError):
                continue
            try:
                message = parse(item)
            except ProtocolError:
                continue
            events += self._handle(message)
        if any(isinstance(event, Registered) for event in events):
            self._presence.restore()  # the server's watch list died with the last connection
        return events

    def data_to_send(self) -> bytes:
        """The bytes queued since the last call; write them all to the connection."""
        return self._link.take_bytes()

    def take_events(self) -> list[Event]:
        """Events produced by intents rather than by the server (our own messages when the
        server does not echo them); show them like the events from :meth:`receive`."""
        return self._link.take_events()

    def connection_lost(self, reason: str) -> list[Event]:
        """The connection ended; returns :class:`Disconnected` (and any pending local events).

        What the client wants (nick, rooms, colour, away message) is kept: call
        :meth:`register` on the next connection to restore it. Unsent bytes are dropped.
        """
        events = self.take_events()
        error = self.last_error
        self._reset_connection()
        events.append(Disconnected(reason, error, time=self._clock()))
        return events

    # -- what the caller may read ----------------------------------------------------------

    @property
    def phase(self) -> Phase:
        """Where this connection is in registration (:class:`Phase`)."""
        return self._negotiation.phase

    @property
    def connected(self) -> bool:
        """A connection is open: :meth:`register` was called and it was not lost since."""
        return self._negotiation.connected

    @property
    def registered(self) -> bool:
        """RPL_WELCOME arrived: the nick is ours."""
        return self._negotiation.registered

    @property
    def ready(self) -> bool:
        """The welcome burst is over (``Registered`` was reported); intents may be used."""
        return self._negotiation.ready

    def has_cap(self, name: str) -> bool:
        """Whether capability ``name`` is enabled on this connection."""
        return self._link.has_cap(name)

    @property
    def shares_metadata(self) -> bool:
        """Whether the server shares metadata (such as colours) on this connection: either
        ``draft/metadata-3`` or ``draft/metadata-2`` is enabled."""
        return dialect_for(self._link.caps_enabled) is not None

    def is_me(self, nick: str) -> bool:
        """Whether ``nick`` is our nick."""
        return self._me.is_me(nick)

    def channel(self, name: str) -> ChannelState | None:
        """The state of a room we are in, or None."""
        return self._world.channels.get(fold(name))

    def user(self, nick: str) -> UserState | None:
        """What we know of ``nick``, or None."""
        return self._world.users.get(fold(nick))

    def color_of(self, nick: str) -> str | None:
        """The colour ``nick`` chose (metadata ``color``), or None: derive one from the nick."""
        if self.is_me(nick):
            return self._me.metadata.get(COLOR_KEY)
        user = self._world.users.get(fold(nick))
        return user.color if user is not None else None

    def read_marker(self, target: str) -> datetime | None:
        """The last read time of ``target`` as the server last said (draft/read-marker), or
        None if it did not say or nothing was read there."""
        return self._history.read_marker(target)

    def new_label(self) -> str:
        """A fresh label to pass to an intent; events answering it carry it in ``label``."""
        return self._link.new_label()

    # -- state the parts keep, as attributes of the facade ---------------------------------

    @property
    def nick(self) -> str:
        """Our nick: the one we want until RPL_WELCOME, then the one we have."""
        return self._me.nick

    @nick.setter
    def nick(self, nick: str) -> None:
        self._me.nick = nick

    @property
    def username(self) -> str:
        """The user name sent with ``USER``."""
        return self._me.username

    @username.setter
    def username(self, username: str) -> None:
        self._me.username = username

    @property
    def realname(self) -> str:
        """Our real name: sent with ``USER``, followed when ``SETNAME`` changes it."""
        return self._me.realname

    @realname.setter
    def realname(self, realname: str) -> None:
        self._me.realname = realname

    @property
    def rooms(self) -> dict[Folded, tuple[str, str | None]]:
        """Rooms to be in, by folded name: display name and key. Rejoined on registration."""
        return self._me.rooms

    @property
    def own_metadata(self) -> dict[str, str]:
        """Our metadata (e.g. ``color``), sent after each registration."""
        return self._me.metadata

    @property
    def away_message(self) -> str | None:
        """Our away message, or None when we are here; restored after reconnecting."""
        return self._me.away_message

    @away_message.setter
    def away_message(self, message: str | None) -> None:
        self._me.away_message = message

    @property
    def reclaim_nick(self) -> str | None:
        """Our nick before the server renamed us (a registered nick we were not logged in
        to): asked for again after logging in, and on the next connection."""
        return self._me.reclaim_nick

    @reclaim_nick.setter
    def reclaim_nick(self, nick: str | None) -> None:
        self._me.reclaim_nick = nick

    @property
    def auto_rename(self) -> bool:
        """Retry a nick in use before registration with ``_`` appended."""
        return self._negotiation.auto_rename

    @auto_rename.setter
    def auto_rename(self, value: bool) -> None:
        self._negotiation.auto_rename = value

    @property
    def wanted_caps(self) -> frozenset[str]:
        """The capabilities we request among those the server offers."""
        return self._negotiation.wanted_caps

    @wanted_caps.setter
    def wanted_caps(self, caps: frozenset[str]) -> None:
        self._negotiation.wanted_caps = caps

    @property
    def account(self) -> str | None:
        """The account we are logged in to on this connection, or None."""
        return self._negotiation.account

    @property
    def account_name(self) -> str | None:
        """The account to log in to; None: the nick we want."""
        return self._negotiation.account_name

    @account_name.setter
    def account_name(self, account: str | None) -> None:
        self._negotiation.account_name = account

    @property
    def account_password(self) -> str | None:
        """The password that logs in to :attr:`account_name` (kept after a login worked,
        forgotten after one failed while connecting). Never logged."""
        return self._negotiation.account_password

    @account_password.setter
    def account_password(self, password: str | None) -> None:
        self._negotiation.account_password = password

    @property
    def certificate(self) -> bool:
        """A client certificate is presented in the TLS handshake: without an account
        password, log in with SASL EXTERNAL where the server lists it (reset after it
        failed while connecting)."""
        return self._negotiation.certificate

    @certificate.setter
    def certificate(self, presented: bool) -> None:
        self._negotiation.certificate = presented

    @property
    def sasl_mechanisms(self) -> tuple[str, ...]:
        """The SASL mechanisms we try, in order, among those the server offers."""
        return self._negotiation.sasl_mechanisms

    @sasl_mechanisms.setter
    def sasl_mechanisms(self, mechanisms: tuple[str, ...]) -> None:
        self._negotiation.sasl_mechanisms = mechanisms

    @property
    def history_on_join(self) -> int:
        """Lines of a room's recent conversation asked for when we join it (0: none)."""
        return self._history.history_on_join

    @history_on_join.setter
    def history_on_join(self, lines: int) -> None:
        self._history.history_on_join = lines

    @property
    def read_markers(self) -> dict[Folded, datetime | None]:
        """draft/read-marker: the last read time of each target the server told us about."""
        return self._history.read_markers

    @property
    def server(self) -> ServerInfo:
        """The server's name and ISUPPORT tokens, as this connection told them."""
        return self._world.server

    @property
    def channels(self) -> dict[Folded, ChannelState]:
        """The rooms we are in on this connection, by folded name."""
        return self._world.channels

    @property
    def users(self) -> dict[Folded, UserState]:
        """The people we know of on this connection, by folded nick."""
        return self._world.users

    @property
    def caps_available(self) -> dict[str, str | None]:
        """The capabilities the server offers, with their values."""
        return self._link.caps_available

    @property
    def caps_enabled(self) -> set[str]:
        """The capabilities enabled on this connection."""
        return self._link.caps_enabled

    @property
    def on_output(self) -> Callable[[], None] | None:
        """Called when an intent queues bytes or events and none were waiting, so a driver
        (the runner) can schedule one write instead of wrapping every intent."""
        return self._link.on_output

    @on_output.setter
    def on_output(self, callback: Callable[[], None] | None) -> None:
        self._link.on_output = callback

    # -- intents ---------------------------------------------------------------------------

    def join(self, channel: str, key: str | None = None, *, label: str | None = None) -> None:
        """Join ``channel`` (now if registered, else as soon as we are); then write
        :meth:`data_to_send` and wait for :class:`Joined` and :class:`Names`."""
        self._me.rooms[fold(channel)] = (channel, key)
        if self.ready:
            self._link.send("JOIN", channel, *([key] if key else []), label=label)

    def open_direct(self, nick: str) -> None:
        """A direct conversation with ``nick`` is open: ask for its latest history (as for a
        room we join) and watch whether ``nick`` is online (MONITOR, and with extended-monitor
        their away state), now and after every reconnection. Write :meth:`data_to_send`;
        expect a history batch, :class:`PresenceChanged` and :class:`Away`."""
        self._presence.watch(nick, now=self.ready)
        if self.ready:
            self._history.request(nick, after=None)

    def is_online(self, nick: str) -> bool | None:
        """Whether ``nick`` (watched since :meth:`open_direct`) is online, as MONITOR last
        said; None when not known."""
        return self._presence.online.get(fold(nick))

    def close_direct(self, nick: str) -> None:
        """The direct conversation with ``nick`` was closed: stop watching ``nick``."""
        self._presence.unwatch(nick, now=self.ready)

    def typing(self, target: str, state: str) -> bool:
        """Tell ``target`` we are typing (``state`` ``active``, ``paused`` or ``done``, the
        IRCv3 typing client tag). Throttle it yourself: the spec asks for at most one per
        3 seconds. False when nothing was sent (not registered, or no message-tags)."""
        return self.ready and self._presence.typing(target, state)

    def part(self, channel: str, reason: str | None = None, *, label: str | None = None) -> None:
        """Leave ``channel`` (it is no longer rejoined); wait for :class:`Parted`."""
        self._me.rooms.pop(fold(channel), None)
        if self.ready and fold(channel) in self._world.channels:
            self._link.send("PART", channel, *([reason] if reason else []), label=label)

    def privmsg(
        self,
        target: str,
        text: str,
        *,
        label: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        """Say ``text`` to a channel or a nick; each line of a long or multi-line text is
        sent as its own message. Write :meth:`data_to_send`; without echo-message, our
        message is also left for :meth:`take_events`. Raises :class:`NotRegistered`."""
        self._require_ready()
        self._messages.say("PRIVMSG", target, text, action=False, label=label, tags=tags)

    def notice(self, target: str, text: str, *, label: str | None = None) -> None:
        """Send a NOTICE (as :meth:`privmsg`; bots use it for replies that need no answer)."""
        self._require_ready()
        self._messages.say("NOTICE", target, text, action=False, label=label, tags=None)

    def action(self, target: str, text: str, *, label: str | None = None) -> None:
        """``/me text``: a CTCP ACTION (as :meth:`privmsg`)."""
        self._require_ready()
        self._messages.say("PRIVMSG", target, text, action=True, label=label, tags=None)

    def set_nick(self, nick: str, *, label: str | None = None) -> None:
        """Ask for a new nick (after :class:`NickRejected`, or any time); once registered,
        the change happens when :class:`NickChanged` arrives."""
        if not self.registered:
            self._me.nick = nick
        else:
            self._me.nick_requested = fold(nick)
        if self.connected:
            self._link.send("NICK", nick, label=label)

    def login(self, password: str, account: str | None = None, *, label: str | None = None) -> None:
        """Log in to ``account`` (default: the nick the server took from us, else ours) with
        SASL, or by ``IDENTIFY`` to NickServ when the server offers no SASL. Wait for
        :class:`LoggedIn` or :class:`LoginFailed`; a password that works is kept for the next
        connections. Raises :class:`NotRegistered`."""
        self._require_ready()
        self._negotiation.login(password, account, label=label)

    def register_account(self, password: str, *, label: str | None = None) -> None:
        """Register our current nick as an account with ``password`` (``REGISTER``, else
        ``REGISTER`` to NickServ). Wait for :class:`AccountRegistered` then :class:`LoggedIn`,
        or :class:`RegistrationFailed`. Raises :class:`NotRegistered`."""
        self._require_ready()
        self._negotiation.register_account(password, label=label)

    def mark_read(self, target: str, moment: datetime) -> bool:
        """Tell the server (so our other devices) that ``target`` was read up to the message
        of time ``moment`` (``MARKREAD``). Returns whether it was sent: not without
        draft/read-marker, a connection, or when the server knows a later time already."""
        return self.ready and self._history.mark_read(target, moment)

    def search(self, attributes: str, *, label: str | None = None) -> None:
        """``SEARCH <attributes>`` (soju.im/search; :mod:`chinwag.client.search` makes the
        attributes); the answer is a ``soju.im/search`` :class:`Batch`."""
        self._require_ready()
        self._link.send("SEARCH", attributes, label=label)

    def history_around(self, target: str, msgid: str, limit: int) -> None:
        """Ask for the message ``msgid`` of ``target`` with the lines around it
        (``CHATHISTORY AROUND``); they come as a history batch of ``target``."""
        if self.ready:
            self._history.around(target, msgid, limit)

    def ask_read_marker(self, target: str) -> None:
        """Ask for ``target``'s read marker (``MARKREAD <target>``); :class:`ReadMarker`
        answers. Rooms need no asking: the server tells us on join."""
        if self.ready:
            self._history.ask_read_marker(target)

    def set_topic(self, channel: str, topic: str, *, label: str | None = None) -> None:
        """Set the topic of ``channel``; :class:`TopicChanged` follows if allowed."""
        self._require_ready()
        self._link.send("TOPIC", channel, topic, label=label)

    def away(self, message: str | None = None, *, label: str | None = None) -> None:
        """Mark us away with ``message``, or back with None; restored after reconnecting."""
        self._me.away_message = message or None
        if self.ready:
            self._link.send("AWAY", *([message] if message else []), label=label)

    def set_metadata(self, key: str, value: str | None, *, label: str | None = None) -> None:
        """Set (or with None, clear) one of our metadata keys, e.g. ``color`` = ``#ff00af``.

        Kept and sent after each registration; sent now if the server offers metadata.
        """
        if value is None:
            self._me.metadata.pop(key, None)
        else:
            self._me.metadata[key] = value
        if self.ready and self.shares_metadata:
            self._link.send("METADATA", "*", "SET", key, *([value] if value else []), label=label)

    def metadata_sync(self, target: str) -> None:
        """Ask again for ``target``'s metadata (after :class:`MetadataSyncLater`)."""
        if self.ready and self.shares_metadata:
            self._link.send("METADATA", target, "SYNC")

    def kick(self, channel: str, nick: str, reason: str | None = None) -> None:
        """``KICK channel nick [reason]`` (Modern IRC "KICK message"); a refusal comes as a
        :class:`ServerReply` (ERR_CHANOPRIVSNEEDED, ERR_USERNOTINCHANNEL)."""
        self._require_ready()
        self._link.send("KICK", channel, nick, *([reason] if reason else []))

    def mode(self, target: str, *params: str) -> None:
        """``MODE target params...`` (Modern IRC "MODE message"): a room's modes, bans,
        mutes and member statuses; what changed comes back as :class:`ModeChanged`."""
        self._require_ready()
        self._link.send("MODE", target, *params)

    def invite(self, nick: str, channel: str) -> None:
        """``INVITE nick channel`` (Modern IRC "INVITE message")."""
        self._require_ready()
        self._link.send("INVITE", nick, channel)

    def who(self, mask: str, *, label: str | None = None) -> None:
        """WHO ``mask`` (a channel, or a nick); answered by :class:`WhoResult`."""
        self._require_ready()
        self._queries.who(mask, label=label)

    def whois(self, nick: str, *, label: str | None = None) -> None:
        """WHOIS ``nick``; answered by :class:`WhoisResult`."""
        self._require_ready()
        self._queries.whois(nick, label=label)

    def names(self, channel: str, *, label: str | None = None) -> None:
        """NAMES ``channel``; answered by :class:`Names`."""
        self._require_ready()
        self._queries.names(channel, label=label)

    def list_channels(self, *, label: str | None = None) -> None:
        """LIST the rooms; answered by :class:`ChannelList`."""
        self._require_ready()
        self._queries.list_channels(label=label)

    def quit(self, reason: str | None = None) -> None:
        """Leave the server for good (no reconnecting); the server closes the connection."""
        self.quitting = True
        if self.connected:
            self._link.send("QUIT", *([reason] if reason else []))

    def raw(
        self,
        command: str,
        *params: str,
        tags: Mapping[str, str] | None = None,
        label: str | None = None,
    ) -> None:
        """Queue any message as is (raises ``ValueError`` if it cannot be a line)."""
        self._link.send(command, *params, tags=tags, label=label)

    def ping(self, token: str) -> None:
        """``PING token``: once :class:`Pong` with ``token`` comes, the server has answered
        everything sent before it. Raises :class:`NotRegistered`."""
        self._require_ready()
        self._link.send("PING", token)

    def _require_ready(self) -> None:
        if not self.ready:
            raise NotRegistered("not connected to the server")

    # -- receiving -------------------------------------------------------------------------

    def _handle(self, message: IrcMessage) -> list[Event]:
        """Route one message: into an open batch, or to its handler."""
        if message.command == "BATCH":
            whole = self._multiline.on_batch(message)
            if whole is False:
                return self._history.on_batch(message)
            if whole is True:
                return []
            assert isinstance(whole, IrcMessage)
            message = whole  # a multiline message, in its place (live, or in a history batch)
        elif self._multiline.take(message):
            return []
        batch = self._history.open_batch(message.tags.get("batch"))
        if batch is not None:
            batch.add(message, self._dispatch(message, history=batch.history, missed=batch.missed))
            return []
        return self._dispatch(message, history=False)

    def _dispatch(self, message: IrcMessage, *, history: bool, missed: bool = False) -> list[Event]:
        """The events of one message, stamped with its time and label. Replayed history
        only shows messages; live lines go to the one handler of their command."""
        if history:
            events = self._messages.replayed(message, missed=missed)
        else:
            handler = self._handlers.get(message.command)
            if handler is not None:
                events = handler(message)
            elif message.command.isdigit():
                events = numeric_reply(message)
            else:
                events = [Unhandled(message)]
        if not events:
            return events
        time = time_of(message, self._clock)
        label = message.tags.get("label")
        return [replace(event, time=time, label=label or event.label) for event in events]

    @_HANDLERS.on("PING")
    def _on_ping(self, message: IrcMessage) -> list[Event]:
        self._link.send("PONG", *message.params[-1:])
        return []

    @_HANDLERS.on("PONG")
    def _on_pong(self, message: IrcMessage) -> list[Event]:
        return [Pong(message.params[-1])] if message.params else []

    @_HANDLERS.on("ERROR")
    def _on_error(self, message: IrcMessage) -> list[Event]:
        text = message.params[-1] if message.params else ""
        self.last_error = text
        return [ServerError(text)]

    @_HANDLERS.on("ACK")
    def _on_ack(self, message: IrcMessage) -> list[Event]:
        """labeled-response: the labelled command succeeded with nothing else to say."""
        return [Acknowledged()]

    @_HANDLERS.on("FAIL", "WARN", "NOTE")
    def _on_standard_reply(self, message: IrcMessage) -> list[Event]:
        """standard-replies, https://ircv3.net/specs/extensions/standard-replies: a refused
        ``REGISTER``, a protected nick and a refused ``CHATHISTORY`` concern the parts."""
        params = message.params
        if len(params) < 3:
            return [Unhandled(message)]
        command, code, context, text = params[0], params[1], params[2:-1], params[-1]
        if message.command == "FAIL" and command == "REGISTER":
            return self._negotiation.registration_refused(code, context, text)
        if command == "NICK" and code == "NICK_PROTECTED":
            self._me.protected_nick = fold(context[0] if context else self.nick)
            seconds = (
                int(context[1])
                if len(context) > 1 and context[1].isascii() and context[1].isdigit()
                else None
            )
            return [NickProtected(context[0] if context else self.nick, seconds, text)]
        if message.command == "FAIL" and command == "CHATHISTORY":
            self._history.forget_request(message.tags.get("label"))
        return [StandardReply(message.command, command, code, context, text)]

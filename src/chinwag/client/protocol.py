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

References: Modern IRC (https://modern.ircdocs.horse) and the IRCv3 extensions named where
they are handled. This module imports no asyncio and no socket.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TypeVar

from chinwag.client import sasl
from chinwag.client.events import (
    AccountChanged,
    AccountRegistered,
    Acknowledged,
    Away,
    Batch,
    CapabilitiesChanged,
    ChannelList,
    ChannelListEntry,
    Ctcp,
    Disconnected,
    Event,
    Invited,
    Joined,
    Kicked,
    LoggedIn,
    LoggedOut,
    LoginFailed,
    Member,
    Message,
    MetadataChanged,
    MetadataSyncLater,
    ModeChange,
    ModeChanged,
    Motd,
    Names,
    NickChanged,
    NickProtected,
    NickRejected,
    Parted,
    Quit,
    ReadMarker,
    RealnameChanged,
    Registered,
    RegistrationFailed,
    ServerError,
    ServerReply,
    StandardReply,
    TopicChanged,
    Unhandled,
    WhoEntry,
    WhoisResult,
    WhoResult,
)
from chinwag.client.state import ChannelState, ServerInfo, UserState
from chinwag.protocol import numerics as n
from chinwag.protocol.caps import METADATA as METADATA_CAP
from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.errors import ProtocolError
from chinwag.protocol.framing import MAX_BODY_BYTES, LineFramer
from chinwag.protocol.message import Message as IrcMessage
from chinwag.protocol.message import parse
from chinwag.protocol.metadata import COLOR_KEY

WANTED_CAPS: tuple[str, ...] = (
    "account-notify",
    "account-tag",
    "draft/account-registration",
    "draft/register",
    "away-notify",
    "batch",
    "cap-notify",
    "chghost",
    "draft/chathistory",
    "draft/metadata-2",
    "draft/read-marker",
    "echo-message",
    "extended-join",
    "invite-notify",
    "labeled-response",
    "message-tags",
    "multi-prefix",
    "sasl",
    "server-time",
    "setname",
    "standard-replies",
    "userhost-in-names",
)
"""Every capability the client uses; it requests those of them the server offers."""

METADATA_KEYS: tuple[str, ...] = (COLOR_KEY,)
"""Metadata keys we subscribe to (https://ircv3.net/specs/extensions/metadata)."""

HISTORY_BATCHES = frozenset({"chathistory", "draft/chathistory"})
"""Batch types whose messages are replayed history, not news."""

HISTORY_CAPS = ("draft/chathistory", "chathistory")
"""The chathistory capability under its draft and (future) ratified names
(https://ircv3.net/specs/extensions/chathistory)."""

DEFAULT_HISTORY_ON_JOIN = 50
"""Lines of a room's recent conversation asked for when we join it."""

GAP_FILL_PAGE = 100
"""Lines asked for per ``CHATHISTORY AFTER`` when filling the gap a reconnection left."""

GAP_FILL_PAGES = 20
"""Pages asked for at most per conversation and reconnection (enough for the scrollback)."""

REGISTRATION_CAPS = ("draft/account-registration", "draft/register")
"""The ``REGISTER`` capability under the names servers use for it
(https://ircv3.net/specs/extensions/account-registration)."""

READ_MARKER_CAP = "draft/read-marker"
"""``MARKREAD`` (https://ircv3.net/specs/extensions/read-marker)."""

NICKSERV = "NickServ"
"""The service that takes ``REGISTER`` and ``IDENTIFY`` from clients without IRCv3 accounts."""

SECRET_SERVICE_VERBS = frozenset(
    {"IDENTIFY", "ID", "REGISTER", "LOGIN", "GHOST", "RECOVER", "DROP"}
)
"""NickServ commands whose arguments include a password: never shown, even as our echo."""


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

_QUIET_NUMERICS = frozenset(
    {
        n.RPL_LUSERCLIENT,
        n.RPL_LUSEROP,
        n.RPL_LUSERUNKNOWN,
        n.RPL_LUSERCHANNELS,
        n.RPL_LUSERME,
        n.RPL_LOCALUSERS,
        n.RPL_GLOBALUSERS,
        n.RPL_TOPICWHOTIME,
        n.RPL_NOTOPIC,
        n.RPL_METADATASUBOK,
        n.RPL_METADATAUNSUBOK,
        n.RPL_METADATASUBS,
    }
)
"""Numerics that update state or need no showing; they produce no event."""

_CTCP = "\x01"
_ACTION_OVERHEAD = len("\x01ACTION \x01")
_HOST_ALLOWANCE = 64
"""Bytes assumed for our host in the prefix the server adds when it relays our messages."""


class NotRegistered(RuntimeError):  # noqa: N818
    """An intent that needs a registered connection was called while there is none.

    Wait for :class:`~chinwag.client.events.Registered` (the runner reconnects on its own).
    """


_H = TypeVar("_H", bound=Callable[..., list[Event]])
_HANDLERS: dict[str, Callable[[ClientProtocol, IrcMessage], list[Event]]] = {}


def _on(*commands: str) -> Callable[[_H], _H]:
    """Register a handler for ``commands`` (verbs or numerics) in the dispatch table."""

    def register(handler: _H) -> _H:
        for command in commands:
            _HANDLERS[command] = handler
        return handler

    return register


def nick_of(source: str | None) -> str:
    """The nick in ``nick!user@host`` (or the whole source, e.g. a server name)."""
    return (source or "").split("!", 1)[0].split("@", 1)[0]


def parse_server_time(value: str | None) -> datetime | None:
    """A ``time`` tag (https://ircv3.net/specs/extensions/server-time) as an aware datetime."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def format_server_time(moment: datetime) -> str:
    """``moment`` as a ``time`` tag writes it: UTC, milliseconds, ``Z``."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def redact_service_command(text: str) -> str:
    """A message to NickServ as it may be shown: the arguments of commands that carry a
    password (``IDENTIFY ana sesame``) replaced by stars."""
    words = text.split()
    if not words:
        return text
    verb = words[0].upper()
    if verb in SECRET_SERVICE_VERBS or (
        verb == "SET" and len(words) > 1 and words[1].upper() == "PASSWORD"
    ):
        return f"{words[0]} ********"
    return text


def split_text(text: str, budget: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``budget`` UTF-8 bytes, at a space when one is
    near the end of a piece, never inside a character."""
    budget = max(budget, 8)
    pieces: list[str] = []
    while len(text.encode()) > budget:
        fits = len(text.encode()[:budget].decode("utf-8", "ignore"))
        space = text.rfind(" ", 0, fits + 1)
        if space > fits // 2:
            pieces.append(text[:space])
            text = text[space + 1 :]
        else:
            pieces.append(text[:fits])
            text = text[fits:]
    pieces.append(text)
    return pieces


@dataclass
class _OpenBatch:
    ref: str
    kind: str
    params: tuple[str, ...]
    label: str | None
    history: bool
    parent: str | None
    time: datetime
    missed: bool = False
    request: _HistoryRequest | None = None
    events: list[Event] = field(default_factory=list)
    lines: list[IrcMessage] = field(default_factory=list)


@dataclass
class _HistoryRequest:
    """A ``CHATHISTORY`` we sent: LATEST on join, or AFTER a time to fill a gap."""

    target: str
    limit: int
    after: datetime | None = None
    pages: int = 1


@dataclass
class _SaslExchange:
    """One SASL login under way: the mechanisms still to try (the first is in use)."""

    account: str
    password: str
    candidates: list[str]
    registering: bool
    """Started while connecting: CAP END waits for it, and a failure forgets the password."""
    mechanism: sasl.Mechanism | None = None
    answered: bool = False
    """The server sent a challenge for the current mechanism (so it accepted the name)."""
    aborted: str | None = None
    """Why we sent ``AUTHENTICATE *``: the reason to report when 906 comes."""
    reader: sasl.ChallengeReader = field(default_factory=sasl.ChallengeReader)


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
        self.nick = nick
        self.username = username or nick
        self.realname = realname or nick
        self.password = password
        self.auto_rename = auto_rename
        self.history_on_join = history_on_join
        self.wanted_caps = frozenset(caps)
        self.own_metadata: dict[str, str] = dict(metadata or {})
        self.rooms: dict[Folded, tuple[str, str | None]] = {
            fold(room): (room, None) for room in rooms
        }
        """Rooms to be in, by folded name: display name and key. Rejoined on registration."""
        self.account_name = account
        """The account to log in to; None: the nick we want."""
        self.account_password = account_password
        """The password that logs in to :attr:`account_name` (kept after a login worked,
        forgotten after one failed while connecting). Never logged."""
        self.sasl_mechanisms = tuple(sasl_mechanisms)
        self.reclaim_nick: str | None = None
        """Our nick before the server renamed us (a registered nick we were not logged in
        to): asked for again after logging in, and on the next connection."""
        self.away_message: str | None = None
        self.quitting = False
        self._newest: dict[Folded, datetime] = {}
        """The time of the newest message seen in each room and direct conversation, kept
        across connections: where to fill gaps from after a reconnection."""
        self._clock = clock or (lambda: datetime.now(UTC))
        self._labels = itertools.count(1)
        self._local_events: list[Event] = []
        self.on_output: Callable[[], None] | None = None
        """Called when an intent queues bytes or events and none were waiting, so a driver
        (the runner) can schedule one write instead of wrapping every intent."""
        self._reset_connection()
        self.connected = False

    def _reset_connection(self) -> None:
        """Forget everything that belongs to one connection."""
        self.connected = True
        self.registered = False
        """RPL_WELCOME arrived: the nick is ours."""
        self.ready = False
        """The welcome burst is over (``Registered`` was reported); intents may be used."""
        self.server = ServerInfo()
        self.caps_available: dict[str, str | None] = {}
        self.caps_enabled: set[str] = set()
        self.channels: dict[Folded, ChannelState] = {}
        self.users: dict[Folded, UserState] = {}
        self.last_error: str | None = None
        self._out = bytearray()
        self._framer = LineFramer()
        self._cap_ls: dict[str, str | None] = {}
        self._cap_requests = 0
        self._cap_negotiating = False
        self._batches: dict[str, _OpenBatch] = {}
        self._names: dict[Folded, list[Member]] = {}
        self._motd: list[str] = []
        self._who: list[WhoEntry] = []
        self._whois: dict[Folded, _WhoisDraft] = {}
        self._list: list[ChannelListEntry] = []
        self.account: str | None = None
        """The account we are logged in to on this connection, or None."""
        self.read_markers: dict[Folded, datetime | None] = {}
        """draft/read-marker: the last read time of each target the server told us about."""
        self._sasl: _SaslExchange | None = None
        self._sasl_tried = False
        self._pending_password: str | None = None
        """The password of a /login or /register under way: kept once it worked."""
        self._nick_requested: Folded | None = None
        self._protected_nick: Folded | None = None
        """The nick the server said is protected (and may take from us)."""
        self._history_labels: dict[str, _HistoryRequest] = {}
        self._history_queue: dict[Folded, list[_HistoryRequest]] = {}
        """Requests by target, answered in order, when labeled-response is not there."""

    # -- driving the connection ------------------------------------------------------------

    def register(self) -> None:
        """Start registration on a fresh connection: CAP LS 302, PASS, NICK, USER.

        Call it once right after connecting (again after each reconnect), then write
        :meth:`data_to_send`. Registration ends with a :class:`Registered` event.
        """
        self._reset_connection()
        if self.reclaim_nick is not None:
            self.nick = self.reclaim_nick  # a guest nick is nobody's choice
        self._cap_negotiating = True
        self._send("CAP", "LS", "302")
        if self.password is not None:
            self._send("PASS", self.password)
        self._send("NICK", self.nick)
        self._send("USER", self.username, "0", "*", self.realname)

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
        return events

    def data_to_send(self) -> bytes:
        """The bytes queued since the last call; write them all to the connection."""
        data = bytes(self._out)
        self._out.clear()
        return data

    def take_events(self) -> list[Event]:
        """Events produced by intents rather than by the server (our own messages when the
        server does not echo them); show them like the events from :meth:`receive`."""
        events, self._local_events = self._local_events, []
        return events

    def connection_lost(self, reason: str) -> list[Event]:
        """The connection ended; returns :class:`Disconnected` (and any pending local events).

        What the client wants (nick, rooms, colour, away message) is kept: call
        :meth:`register` on the next connection to restore it. Unsent bytes are dropped.
        """
        events = self.take_events()
        error = self.last_error
        self._reset_connection()
        self.connected = False
        events.append(Disconnected(reason, error, time=self._clock()))
        return events

    # -- what the caller may read ----------------------------------------------------------

    def has_cap(self, name: str) -> bool:
        """Whether capability ``name`` is enabled on this connection."""
        return name in self.caps_enabled

    def is_me(self, nick: str) -> bool:
        """Whether ``nick`` is our nick."""
        return fold(nick) == fold(self.nick)

    def channel(self, name: str) -> ChannelState | None:
        """The state of a room we are in, or None."""
        return self.channels.get(fold(name))

    def user(self, nick: str) -> UserState | None:
        """What we know of ``nick``, or None."""
        return self.users.get(fold(nick))

    def color_of(self, nick: str) -> str | None:
        """The colour ``nick`` chose (metadata ``color``), or None: derive one from the nick."""
        if self.is_me(nick):
            return self.own_metadata.get(COLOR_KEY)
        user = self.users.get(fold(nick))
        return user.color if user is not None else None

    def read_marker(self, target: str) -> datetime | None:
        """The last read time of ``target`` as the server last said (draft/read-marker), or
        None if it did not say or nothing was read there."""
        return self.read_markers.get(fold(target))

    def new_label(self) -> str:
        """A fresh label to pass to an intent; events answering it carry it in ``label``."""
        return f"cw{next(self._labels)}"

    # -- intents ---------------------------------------------------------------------------

    def join(self, channel: str, key: str | None = None, *, label: str | None = None) -> None:
        """Join ``channel`` (now if registered, else as soon as we are); then write
        :meth:`data_to_send` and wait for :class:`Joined` and :class:`Names`."""
        self.rooms[fold(channel)] = (channel, key)
        if self.ready:
            self._send("JOIN", channel, *([key] if key else []), label=label)

    def part(self, channel: str, reason: str | None = None, *, label: str | None = None) -> None:
        """Leave ``channel`` (it is no longer rejoined); wait for :class:`Parted`."""
        self.rooms.pop(fold(channel), None)
        if self.ready and fold(channel) in self.channels:
            self._send("PART", channel, *([reason] if reason else []), label=label)

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
        self._say("PRIVMSG", target, text, action=False, label=label, tags=tags)

    def notice(self, target: str, text: str, *, label: str | None = None) -> None:
        """Send a NOTICE (as :meth:`privmsg`; bots use it for replies that need no answer)."""
        self._say("NOTICE", target, text, action=False, label=label, tags=None)

    def action(self, target: str, text: str, *, label: str | None = None) -> None:
        """``/me text``: a CTCP ACTION (as :meth:`privmsg`)."""
        self._say("PRIVMSG", target, text, action=True, label=label, tags=None)

    def set_nick(self, nick: str, *, label: str | None = None) -> None:
        """Ask for a new nick (after :class:`NickRejected`, or any time); once registered,
        the change happens when :class:`NickChanged` arrives."""
        if not self.registered:
            self.nick = nick
        else:
            self._nick_requested = fold(nick)
        if self.connected:
            self._send("NICK", nick, label=label)

    def login(self, password: str, account: str | None = None, *, label: str | None = None) -> None:
        """Log in to ``account`` (default: the nick the server took from us, else ours) with
        SASL, or by ``IDENTIFY`` to NickServ when the server offers no SASL. Wait for
        :class:`LoggedIn` or :class:`LoginFailed`; a password that works is kept for the next
        connections. Raises :class:`NotRegistered`."""
        self._require_ready()
        account = account or self.reclaim_nick or self.nick
        if self._sasl is not None:
            return  # one login at a time: this one ends with its own event
        self._pending_password = password
        if self.has_cap("sasl") and self._start_sasl(account, password, registering=False):
            return
        self._send("PRIVMSG", NICKSERV, f"IDENTIFY {account} {password}", label=label)

    def register_account(self, password: str, *, label: str | None = None) -> None:
        """Register our current nick as an account with ``password`` (``REGISTER``, else
        ``REGISTER`` to NickServ). Wait for :class:`AccountRegistered` then :class:`LoggedIn`,
        or :class:`RegistrationFailed`. Raises :class:`NotRegistered`."""
        self._require_ready()
        self._pending_password = password
        if any(self.has_cap(cap) for cap in REGISTRATION_CAPS):
            self._send("REGISTER", "*", password, label=label)
        else:
            self._send("PRIVMSG", NICKSERV, f"REGISTER {password}", label=label)

    def mark_read(self, target: str, moment: datetime) -> bool:
        """Tell the server (so our other devices) that ``target`` was read up to the message
        of time ``moment`` (``MARKREAD``). Returns whether it was sent: not without
        draft/read-marker, a connection, or when the server knows a later time already."""
        if not self.ready or not self.has_cap(READ_MARKER_CAP):
            return False
        key = fold(target)
        known = self.read_markers.get(key)
        if known is not None and moment <= known:
            return False
        self.read_markers[key] = moment  # the server answers with the same or a later time
        self._send("MARKREAD", target, "timestamp=" + format_server_time(moment))
        return True

    def ask_read_marker(self, target: str) -> None:
        """Ask for ``target``'s read marker (``MARKREAD <target>``); :class:`ReadMarker`
        answers. Rooms need no asking: the server tells us on join."""
        if self.ready and self.has_cap(READ_MARKER_CAP):
            self._send("MARKREAD", target)

    def set_topic(self, channel: str, topic: str, *, label: str | None = None) -> None:
        """Set the topic of ``channel``; :class:`TopicChanged` follows if allowed."""
        self._require_ready()
        self._send("TOPIC", channel, topic, label=label)

    def away(self, message: str | None = None, *, label: str | None = None) -> None:
        """Mark us away with ``message``, or back with None; restored after reconnecting."""
        self.away_message = message or None
        if self.ready:
            self._send("AWAY", *([message] if message else []), label=label)

    def set_metadata(self, key: str, value: str | None, *, label: str | None = None) -> None:
        """Set (or with None, clear) one of our metadata keys, e.g. ``color`` = ``#ff00af``.

        Kept and sent after each registration; sent now if the server offers metadata.
        """
        if value is None:
            self.own_metadata.pop(key, None)
        else:
            self.own_metadata[key] = value
        if self.ready and self.has_cap(METADATA_CAP):
            self._send("METADATA", "*", "SET", key, *([value] if value else []), label=label)

    def metadata_sync(self, target: str) -> None:
        """Ask again for ``target``'s metadata (after :class:`MetadataSyncLater`)."""
        if self.ready and self.has_cap(METADATA_CAP):
            self._send("METADATA", target, "SYNC")

    def who(self, mask: str, *, label: str | None = None) -> None:
        """WHO ``mask`` (a channel, or a nick); answered by :class:`WhoResult`."""
        self._require_ready()
        self._send("WHO", mask, label=label)

    def whois(self, nick: str, *, label: str | None = None) -> None:
        """WHOIS ``nick``; answered by :class:`WhoisResult`."""
        self._require_ready()
        self._whois[fold(nick)] = _WhoisDraft(nick)
        self._send("WHOIS", nick, label=label)

    def names(self, channel: str, *, label: str | None = None) -> None:
        """NAMES ``channel``; answered by :class:`Names`."""
        self._require_ready()
        self._send("NAMES", channel, label=label)

    def list_channels(self, *, label: str | None = None) -> None:
        """LIST the rooms; answered by :class:`ChannelList`."""
        self._require_ready()
        self._list = []
        self._send("LIST", label=label)

    def quit(self, reason: str | None = None) -> None:
        """Leave the server for good (no reconnecting); the server closes the connection."""
        self.quitting = True
        if self.connected:
            self._send("QUIT", *([reason] if reason else []))

    def raw(
        self,
        command: str,
        *params: str,
        tags: Mapping[str, str] | None = None,
        label: str | None = None,
    ) -> None:
        """Queue any message as is (raises ``ValueError`` if it cannot be a line)."""
        self._send(command, *params, tags=tags, label=label)

    # -- sending ---------------------------------------------------------------------------

    def _require_ready(self) -> None:
        if not self.ready:
            raise NotRegistered("not connected to the server")

    def _send(
        self,
        command: str,
        *params: str,
        tags: Mapping[str, str] | None = None,
        label: str | None = None,
    ) -> None:
        wire_tags = {
            key: value
            for key, value in (tags or {}).items()
            if not key.startswith("+") or self.has_cap("message-tags")
        }
        if label is not None and self.has_cap("labeled-response"):
            wire_tags["label"] = label
        self._notify_output()
        self._out += IrcMessage(command, params, None, wire_tags).to_bytes()

    def _notify_output(self) -> None:
        if self.on_output is not None and not self._out and not self._local_events:
            self.on_output()

    def _text_budget(self, command: str, target: str) -> int:
        """Bytes of text that fit in one message as the server will relay it."""
        me = self.users.get(fold(self.nick))
        user = me.user if me is not None and me.user else "~" + self.username
        host_bytes = len(me.host.encode()) if me is not None and me.host else _HOST_ALLOWANCE
        prefix = f":{self.nick}!{user}@ {command} {target} :"
        return MAX_BODY_BYTES - 2 - len(prefix.encode()) - host_bytes

    def _say(
        self,
        command: str,
        target: str,
        text: str,
        *,
        action: bool,
        label: str | None,
        tags: Mapping[str, str] | None,
    ) -> None:
        self._require_ready()
        budget = self._text_budget(command, target) - (_ACTION_OVERHEAD if action else 0)
        pieces = [
            piece
            for line in text.replace("\0", "").splitlines()
            for piece in split_text(line, budget)
            if piece
        ]
        for index, piece in enumerate(pieces):
            wire = f"{_CTCP}ACTION {piece}{_CTCP}" if action else piece
            self._send(command, target, wire, tags=tags, label=label if index == 0 else None)
            if not self.has_cap("echo-message"):
                self._notify_output()
                self._local_events.append(
                    self._message_event(
                        target, self.nick, piece, command, is_action=action, time=self._clock()
                    )
                )

    # -- receiving -------------------------------------------------------------------------

    def _time_of(self, message: IrcMessage) -> datetime:
        return parse_server_time(message.tags.get("time")) or self._clock()

    def _handle(self, message: IrcMessage) -> list[Event]:
        """Route one message: into an open batch, or to its handler."""
        if message.command == "BATCH":
            return self._on_batch(message)
        ref = message.tags.get("batch")
        batch = self._batches.get(ref) if ref is not None else None
        if batch is not None:
            batch.lines.append(message)
            batch.events += self._dispatch(message, history=batch.history, missed=batch.missed)
            return []
        return self._dispatch(message, history=False)

    def _dispatch(self, message: IrcMessage, *, history: bool, missed: bool = False) -> list[Event]:
        if history:
            events = self._on_history_line(message, missed=missed)
        else:
            handler = _HANDLERS.get(message.command)
            if handler is not None:
                events = handler(self, message)
            elif message.command.isdigit():
                events = self._numeric_reply(message)
            else:
                events = [Unhandled(message)]
        if not events:
            return events
        time = self._time_of(message)
        label = message.tags.get("label")
        return [replace(event, time=time, label=label or event.label) for event in events]

    def _on_history_line(self, message: IrcMessage, *, missed: bool) -> list[Event]:
        """A line of replayed history: messages are shown, nothing changes our state."""
        if message.command in ("PRIVMSG", "NOTICE"):
            return self._on_message(message, history=True, missed=missed)
        return []

    def _on_batch(self, message: IrcMessage) -> list[Event]:
        """``BATCH +ref type params`` opens, ``BATCH -ref`` closes (IRCv3 batch)."""
        if not message.params or len(message.params[0]) < 2:
            return []
        sign, ref = message.params[0][0], message.params[0][1:]
        if sign == "+":
            parent_ref = message.tags.get("batch")
            parent = self._batches.get(parent_ref) if parent_ref is not None else None
            kind = message.params[1] if len(message.params) > 1 else ""
            label = message.tags.get("label") or (parent.label if parent else None)
            request = None
            missed = parent is not None and parent.missed
            if kind in HISTORY_BATCHES and len(message.params) > 2:
                request = self._history_request(message.params[2], label)
                # History of a person we did not ask for is what arrived while we were away
                # (a room's unasked replay on join is only history).
                missed = request is None and not self.server.is_channel(message.params[2])
            self._batches[ref] = _OpenBatch(
                ref=ref,
                kind=kind,
                params=message.params[2:],
                label=label,
                history=kind in HISTORY_BATCHES or (parent is not None and parent.history),
                parent=parent.ref if parent is not None else None,
                time=self._time_of(message),
                missed=missed,
                request=request,
            )
            return []
        batch = self._batches.pop(ref, None)
        if batch is None:
            return []
        if batch.request is not None:
            self._next_history_page(batch.request, batch.lines)
        inner = tuple(
            event if event.label or batch.label is None else replace(event, label=batch.label)
            for event in batch.events
        )
        done = Batch(
            batch.ref,
            batch.kind,
            batch.params,
            inner,
            tuple(batch.lines),
            time=batch.time,
            label=batch.label,
            missed=batch.missed,
        )
        parent = self._batches.get(batch.parent) if batch.parent is not None else None
        if parent is not None:
            parent.events.append(done)
            return []
        return [done]

    def _numeric_reply(self, message: IrcMessage) -> list[Event]:
        """A numeric without a handler of its own: shown as a :class:`ServerReply`."""
        code = message.command
        if code in _QUIET_NUMERICS:
            return []
        params = message.params[1:]
        if not params:
            text = ""
        elif len(params) == 1:
            text = params[0]
        else:
            text = f"{' '.join(params[:-1])}: {params[-1]}"
        return [ServerReply(code, message.params, text, is_error=code[0] in "45")]

    def _user(self, nick: str) -> UserState:
        key = fold(nick)
        user = self.users.get(key)
        if user is None:
            user = self.users[key] = UserState(nick)
        return user

    def _learn_source(self, source: str | None) -> None:
        """Note the user and host of ``nick!user@host``."""
        if not source or "!" not in source:
            return
        nick, _, rest = source.partition("!")
        user_part, _, host = rest.partition("@")
        user = self._user(nick)
        user.nick, user.user, user.host = nick, user_part, host or user.host

    def _shared_channels(self, nick: str) -> list[ChannelState]:
        key = fold(nick)
        return [channel for channel in self.channels.values() if key in channel.members]

    def _complete_registration(self) -> list[Event]:
        """End of the welcome burst: log in by NickServ if SASL could not, subscribe, restore
        colour, away and rooms, and ask what direct conversations missed meanwhile."""
        if self.ready:
            return []
        self.ready = True
        password = self.account_password
        if password is not None and self.account is None and not self.has_cap("sasl"):
            account = self.account_name or self.nick
            self._send("PRIVMSG", NICKSERV, f"IDENTIFY {account} {password}")
        if self.has_cap(METADATA_CAP):
            self._send("METADATA", "*", "SUB", *METADATA_KEYS)
            for key, value in self.own_metadata.items():
                self._send("METADATA", "*", "SET", key, value)
        if self.away_message:
            self._send("AWAY", self.away_message)
        for name, channel_key in list(self.rooms.values()):
            self._send("JOIN", name, *([channel_key] if channel_key else []))
        for key, newest in list(self._newest.items()):
            if not self.server.is_channel(key):
                self.ask_read_marker(key)  # answered before the history: for its divider
                self._request_history(key, after=newest)
        return [Registered(self.nick, self.server.network, self.server.name)]

    # -- history ---------------------------------------------------------------------------

    def _history_enabled(self) -> bool:
        return any(self.has_cap(cap) for cap in HISTORY_CAPS)

    def _history_limit(self, wanted: int) -> int:
        """``wanted``, or less if the server's ``CHATHISTORY`` ISUPPORT limit says so."""
        with contextlib.suppress(ValueError):
            server_limit = int(self.server.tokens.get("CHATHISTORY", "0") or "0")
            if server_limit > 0:
                return min(wanted, server_limit)
        return wanted

    def _request_history(self, target: str, *, after: datetime | None, pages: int = 1) -> None:
        """``CHATHISTORY LATEST <target> * <n>``, or with ``after`` ``CHATHISTORY AFTER
        <target> timestamp=<after> <n>``, remembered so the answer is known for an answer."""
        if not self._history_enabled():
            return
        if after is None:
            if self.history_on_join <= 0:
                return
            request = _HistoryRequest(target, self._history_limit(self.history_on_join))
            params = ("LATEST", target, "*", str(request.limit))
        else:
            request = _HistoryRequest(target, self._history_limit(GAP_FILL_PAGE), after, pages)
            params = ("AFTER", target, "timestamp=" + format_server_time(after), str(request.limit))
        # A label tells our answers from the missed messages the server sends unasked.
        label = self.new_label() if self.has_cap("labeled-response") else None
        if label is not None:
            self._history_labels[label] = request
        else:
            self._history_queue.setdefault(fold(target), []).append(request)
        self._send("CHATHISTORY", *params, label=label)

    def _history_request(self, target: str, label: str | None) -> _HistoryRequest | None:
        """The request a history batch for ``target`` answers, or None if we asked nothing."""
        if label is not None and label in self._history_labels:
            return self._history_labels.pop(label)
        if self.has_cap("labeled-response"):
            return None  # our requests all carry labels
        queue = self._history_queue.get(fold(target))
        if not queue:
            return None
        request = queue.pop(0)
        if not queue:
            del self._history_queue[fold(target)]
        return request

    def _next_history_page(self, request: _HistoryRequest, lines: list[IrcMessage]) -> None:
        """A full page of a gap fill means more may follow: ask for what came after it."""
        if request.after is None or len(lines) < request.limit or request.pages >= GAP_FILL_PAGES:
            return
        times = [parse_server_time(line.tags.get("time")) for line in lines]
        newest = max((moment for moment in times if moment is not None), default=None)
        if newest is None or newest <= request.after:
            return  # no progress: asking again would get the same page
        self._request_history(request.target, after=newest, pages=request.pages + 1)

    # -- handlers: connection --------------------------------------------------------------

    @_on("PING")
    def _on_ping(self, message: IrcMessage) -> list[Event]:
        self._send("PONG", *message.params[-1:])
        return []

    @_on("PONG")
    def _on_pong(self, message: IrcMessage) -> list[Event]:
        return []

    @_on("ERROR")
    def _on_error(self, message: IrcMessage) -> list[Event]:
        text = message.params[-1] if message.params else ""
        self.last_error = text
        return [ServerError(text)]

    @_on("CAP")
    def _on_cap(self, message: IrcMessage) -> list[Event]:
        """Capability negotiation, https://ircv3.net/specs/extensions/capability-negotiation."""
        if len(message.params) < 2:
            return []
        sub = message.params[1].upper()
        more = len(message.params) >= 4 and message.params[2] == "*"
        tokens = message.params[-1].split() if len(message.params) > 2 else []
        if sub in ("LS", "NEW"):
            for token in tokens:
                name, equals, value = token.partition("=")
                self._cap_ls[name] = value if equals else None
            if more:
                return []
            offered, self._cap_ls = self._cap_ls, {}
            self.caps_available.update(offered)
            self._request_caps(offered)
            return self._maybe_end_caps()
        if sub in ("ACK", "NAK"):
            if sub == "ACK":
                for token in tokens:
                    if token.startswith("-"):
                        self.caps_enabled.discard(token[1:])
                    else:
                        self.caps_enabled.add(token)
            if not more:
                self._cap_requests = max(0, self._cap_requests - 1)
            events = self._maybe_end_caps()
            if sub == "ACK" and not self._cap_negotiating and not events:
                events = [CapabilitiesChanged(frozenset(self.caps_enabled))]
            return events
        if sub == "DEL":
            for token in tokens:
                self.caps_available.pop(token, None)
                self.caps_enabled.discard(token)
            return [CapabilitiesChanged(frozenset(self.caps_enabled))]
        return []

    def _request_caps(self, offered: Mapping[str, str | None]) -> None:
        wanted = [name for name in offered if name in self.wanted_caps]
        wanted = [name for name in wanted if name not in self.caps_enabled]
        line: list[str] = []
        for name in wanted:
            if line and len(" ".join([*line, name])) > 400:
                self._send("CAP", "REQ", " ".join(line))
                self._cap_requests += 1
                line = []
            line.append(name)
        if line:
            self._send("CAP", "REQ", " ".join(line))
            self._cap_requests += 1

    def _maybe_end_caps(self) -> list[Event]:
        if not self._cap_negotiating or self._cap_requests or self._sasl is not None:
            return []
        if not self._sasl_tried:
            self._sasl_tried = True
            password = self.account_password
            if password is not None and self.has_cap("sasl"):
                account = self.account_name or self.nick
                if self._start_sasl(account, password, registering=True):
                    return []  # CAP END when the login has ended, either way
        self._cap_negotiating = False
        self._send("CAP", "END")
        return [CapabilitiesChanged(frozenset(self.caps_enabled))]

    @_on(n.ERR_UNKNOWNCOMMAND)
    def _on_unknown_command(self, message: IrcMessage) -> list[Event]:
        command = message.params[1].upper() if len(message.params) > 1 else ""
        if command == "CAP":
            self._cap_negotiating = False  # a server without CAP: registration goes on
            return []
        if command == "AUTHENTICATE" and self._sasl is not None:
            return self._sasl_failed(message.command, message.params[-1])
        return self._numeric_reply(message)

    # -- handlers: SASL (https://ircv3.net/specs/extensions/sasl-3.1) ---------------------

    def _start_sasl(self, account: str, password: str, *, registering: bool) -> bool:
        """Begin a SASL login; False if we share no mechanism with the server."""
        offered = self.caps_available.get("sasl")
        names = {name.strip().upper() for name in offered.split(",")} if offered else None
        candidates = [name for name in self.sasl_mechanisms if names is None or name in names]
        if not candidates:
            return False
        self._sasl = _SaslExchange(account, password, candidates, registering)
        self._try_mechanism(self._sasl)
        return True

    def _try_mechanism(self, exchange: _SaslExchange) -> None:
        name = exchange.candidates[0]
        exchange.mechanism = sasl.new_mechanism(name, exchange.account, exchange.password)
        exchange.answered = False
        exchange.reader = sasl.ChallengeReader()
        self._send("AUTHENTICATE", name)

    def _end_sasl(self) -> list[Event]:
        """The exchange is over; while connecting, registration goes on (CAP END)."""
        exchange, self._sasl = self._sasl, None
        if exchange is not None and exchange.registering:
            return self._maybe_end_caps()
        return []

    def _sasl_failed(self, code: str, reason: str) -> list[Event]:
        exchange = self._sasl
        if exchange is None:
            return [LoginFailed(self.account_name or self.nick, reason, code, self.registered)]
        if exchange.aborted is not None:
            reason = exchange.aborted
        if exchange.registering:
            self.account_password = None  # not again on every reconnection
        self._pending_password = None
        failed = LoginFailed(exchange.account, reason, code, self.registered)
        return [failed, *self._end_sasl()]

    @_on("AUTHENTICATE")
    def _on_authenticate(self, message: IrcMessage) -> list[Event]:
        exchange = self._sasl
        if exchange is None or exchange.mechanism is None or not message.params:
            return []
        exchange.answered = True
        try:
            challenge = exchange.reader.feed(message.params[0])
            if challenge is None:
                return []  # more chunks to come
            response = exchange.mechanism.respond(challenge)
        except sasl.SaslError as error:
            exchange.aborted = str(error)
            self._send("AUTHENTICATE", "*")  # 906 follows, and reports the reason
            return []
        for chunk in sasl.encode_response(response):
            self._send("AUTHENTICATE", chunk)
        return []

    @_on(n.RPL_LOGGEDIN)
    def _on_logged_in(self, message: IrcMessage) -> list[Event]:
        """``900 <nick> <mask> <account> :text``: by SASL, REGISTER or NickServ."""
        if len(message.params) < 3:
            return []
        account = message.params[2]
        self.account = account
        self._protected_nick = None
        self._user(self.nick).account = account
        if self._pending_password is not None:
            self.account_name, self.account_password = account, self._pending_password
            self._pending_password = None
        reclaim = self.reclaim_nick
        if self.registered and reclaim is not None and fold(reclaim) == fold(account):
            self._nick_requested = fold(reclaim)
            self._send("NICK", reclaim)  # the server frees it for its owner
        return [LoggedIn(account)]

    @_on(n.RPL_LOGGEDOUT)
    def _on_logged_out(self, message: IrcMessage) -> list[Event]:
        self.account = None
        self._user(self.nick).account = None
        return [LoggedOut()]

    @_on(n.RPL_SASLSUCCESS)
    def _on_sasl_success(self, message: IrcMessage) -> list[Event]:
        exchange = self._sasl
        events: list[Event] = []
        if self.account is None and exchange is not None:
            events.append(LoggedIn(exchange.account))  # a server that skipped RPL_LOGGEDIN
            self.account = exchange.account
        if exchange is not None and self._pending_password is not None:
            self.account_name, self.account_password = exchange.account, exchange.password
            self._pending_password = None
        return events + self._end_sasl()

    @_on(n.ERR_SASLFAIL, n.ERR_SASLTOOLONG, n.ERR_NICKLOCKED, n.ERR_SASLABORTED)
    def _on_sasl_fail(self, message: IrcMessage) -> list[Event]:
        exchange = self._sasl
        reason = message.params[-1] if len(message.params) > 1 else "SASL authentication failed"
        if exchange is None:
            return []  # not ours (a late answer to an exchange already given up)
        if (
            message.command == n.ERR_SASLFAIL
            and not exchange.answered
            and exchange.aborted is None
            and len(exchange.candidates) > 1
        ):
            # The server refused the mechanism's name before any exchange: try the next.
            exchange.candidates.pop(0)
            self._try_mechanism(exchange)
            return []
        return self._sasl_failed(message.command, reason)

    @_on(n.ERR_SASLALREADY)
    def _on_sasl_already(self, message: IrcMessage) -> list[Event]:
        self._pending_password = None
        reason = message.params[-1] if len(message.params) > 1 else "Already logged in"
        if self._sasl is None:
            return [LoginFailed(self.account or self.nick, reason, message.command, True)]
        return self._sasl_failed(message.command, reason)

    @_on(n.RPL_SASLMECHS)
    def _on_sasl_mechs(self, message: IrcMessage) -> list[Event]:
        """The mechanisms the server has, after it refused ours: keep only those."""
        exchange = self._sasl
        if exchange is not None and len(message.params) > 1:
            offered = {name.strip().upper() for name in message.params[1].split(",")}
            current, *rest = exchange.candidates
            exchange.candidates = [current, *(name for name in rest if name in offered)]
        return []

    # -- handlers: accounts ----------------------------------------------------------------

    @_on("REGISTER")
    def _on_register(self, message: IrcMessage) -> list[Event]:
        """``REGISTER SUCCESS|VERIFICATION_REQUIRED <account> :text`` (account-registration)."""
        params = message.params
        if len(params) < 2:
            return []
        account, text = params[1], params[-1] if len(params) > 2 else ""
        if params[0] == "SUCCESS":
            if self._pending_password is not None:  # the RPL_LOGGEDIN that follows keeps it
                self.account_name = account
            return [AccountRegistered(account, text)]
        if params[0] == "VERIFICATION_REQUIRED":
            self._pending_password = None
            return [AccountRegistered(account, text, needs_verification=True)]
        return [Unhandled(message)]

    @_on("MARKREAD")
    def _on_markread(self, message: IrcMessage) -> list[Event]:
        """``MARKREAD <target> timestamp=<time>|*`` (draft/read-marker)."""
        params = message.params
        if not params:
            return []
        value = params[1] if len(params) > 1 else "*"
        if value == "*":
            stamp = None
        elif value.startswith("timestamp="):
            stamp = parse_server_time(value.removeprefix("timestamp="))
            if stamp is None:
                return []
        else:
            return []
        target = params[0]
        key = fold(target)
        self.read_markers[key] = stamp
        channel = self.channels.get(key)
        return [ReadMarker(channel.name if channel is not None else target, stamp)]

    @_on(n.RPL_WELCOME)
    def _on_welcome(self, message: IrcMessage) -> list[Event]:
        self.registered = True
        if message.params:
            self.nick = message.params[0]
        if self.reclaim_nick is not None and self.is_me(self.reclaim_nick):
            self.reclaim_nick = None
        return self._numeric_reply(message)

    @_on(n.RPL_MYINFO)
    def _on_myinfo(self, message: IrcMessage) -> list[Event]:
        if len(message.params) > 1:
            self.server.name = message.params[1]
        return []

    @_on(n.RPL_ISUPPORT)
    def _on_isupport(self, message: IrcMessage) -> list[Event]:
        self.server.update(list(message.params[1:-1]))
        return []

    @_on(n.RPL_MOTDSTART)
    def _on_motd_start(self, message: IrcMessage) -> list[Event]:
        self._motd = []
        return []

    @_on(n.RPL_MOTD)
    def _on_motd(self, message: IrcMessage) -> list[Event]:
        line = message.params[-1] if message.params else ""
        self._motd.append(line[2:] if line.startswith("- ") else line)
        return []

    @_on(n.RPL_ENDOFMOTD)
    def _on_end_of_motd(self, message: IrcMessage) -> list[Event]:
        lines, self._motd = tuple(self._motd), []
        return [Motd(lines), *self._complete_registration()]

    @_on(n.ERR_NOMOTD)
    def _on_no_motd(self, message: IrcMessage) -> list[Event]:
        return self._complete_registration()

    @_on(n.ERR_NICKNAMEINUSE, n.ERR_ERRONEUSNICKNAME, n.ERR_NONICKNAMEGIVEN)
    def _on_nick_rejected(self, message: IrcMessage) -> list[Event]:
        params = message.params
        nick = params[1] if len(params) > 2 else self.nick
        reason = params[-1] if params else "Nickname rejected"
        retry: str | None = None
        if not self.registered and self.auto_rename and message.command == n.ERR_NICKNAMEINUSE:
            retry = self._alternative_nick(nick)
            self.nick = retry
            self._send("NICK", retry)
        return [NickRejected(nick, reason, message.command, self.registered, retry)]

    def _alternative_nick(self, nick: str) -> str:
        limit = self.server.nicklen
        if len(nick) < limit:
            return nick + "_"
        last = nick[-1]
        return nick[: limit - 1] + (str((int(last) + 1) % 10) if last.isdigit() else "1")

    # -- handlers: rooms -------------------------------------------------------------------

    @_on("JOIN")
    def _on_join(self, message: IrcMessage) -> list[Event]:
        if not message.params:
            return []
        nick = nick_of(message.source)
        name = message.params[0]
        key = fold(name)
        self._learn_source(message.source)
        account = realname = None
        if len(message.params) >= 3:  # extended-join
            account = None if message.params[1] == "*" else message.params[1]
            realname = message.params[2]
            user = self._user(nick)
            user.account, user.realname = account, realname
        is_self = self.is_me(nick)
        if is_self:
            self.channels[key] = ChannelState(name)
            if key not in self.rooms:
                self.rooms[key] = (name, None)
            self._request_history(name, after=self._newest.get(key))
        channel = self.channels.get(key)
        if channel is None:
            return []
        channel.set_member(Member(nick))
        return [Joined(channel.name, nick, is_self, account, realname)]

    def _leave(self, name: str, nick: str) -> tuple[str, bool]:
        """``nick`` left channel ``name`` (PART or KICK): forget the member, or the whole
        channel and its rejoin entry if it was us. Returns the channel's shown name and
        whether it was us."""
        is_self = self.is_me(nick)
        channel = self.channels.get(fold(name))
        if channel is not None:
            name = channel.name
            if is_self:
                del self.channels[fold(name)]
            else:
                channel.remove_member(nick)
        if is_self:
            self.rooms.pop(fold(name), None)
        return name, is_self

    @_on("PART")
    def _on_part(self, message: IrcMessage) -> list[Event]:
        if not message.params:
            return []
        nick = nick_of(message.source)
        name = message.params[0]
        reason = message.params[1] if len(message.params) > 1 else ""
        name, is_self = self._leave(name, nick)
        return [Parted(name, nick, reason, is_self)]

    @_on("KICK")
    def _on_kick(self, message: IrcMessage) -> list[Event]:
        if len(message.params) < 2:
            return []
        name, nick = message.params[0], message.params[1]
        reason = message.params[2] if len(message.params) > 2 else ""
        name, is_self = self._leave(name, nick)
        return [Kicked(name, nick, nick_of(message.source), reason, is_self)]

    @_on("QUIT")
    def _on_quit(self, message: IrcMessage) -> list[Event]:
        nick = nick_of(message.source)
        reason = message.params[0] if message.params else ""
        shared = self._shared_channels(nick)
        for channel in shared:
            channel.remove_member(nick)
        self.users.pop(fold(nick), None)
        return [Quit(nick, reason, tuple(channel.name for channel in shared))]

    @_on("NICK")
    def _on_nick(self, message: IrcMessage) -> list[Event]:
        if not message.params:
            return []
        old, new = nick_of(message.source), message.params[0]
        is_self = self.is_me(old)
        forced = False
        if is_self:
            self.nick = new
            requested, self._nick_requested = self._nick_requested, None
            # Renamed without asking after being told the nick is protected: the grace
            # period ended (or its owner logged in).
            forced = requested != fold(new) and self._protected_nick == fold(old)
            self._protected_nick = None
            if forced:
                self.reclaim_nick = self.reclaim_nick or old
            elif self.reclaim_nick is not None:
                self.reclaim_nick = None  # got it back, or chose another
        shared = self._shared_channels(old)
        for channel in shared:
            channel.rename_member(old, new)
        user = self.users.pop(fold(old), None)
        if user is not None:
            user.nick = new
            self.users[fold(new)] = user
        channels = tuple(channel.name for channel in shared)
        return [NickChanged(old, new, is_self, channels, forced=forced)]

    @_on("TOPIC")
    def _on_topic(self, message: IrcMessage) -> list[Event]:
        if not message.params:
            return []
        name = message.params[0]
        topic = message.params[1] if len(message.params) > 1 else ""
        by = nick_of(message.source)
        channel = self.channels.get(fold(name))
        if channel is not None:
            name = channel.name
            channel.topic, channel.topic_by = topic, by
        return [TopicChanged(name, topic, by)]

    @_on(n.RPL_TOPIC)
    def _on_rpl_topic(self, message: IrcMessage) -> list[Event]:
        if len(message.params) < 3:
            return []
        name, topic = message.params[1], message.params[2]
        channel = self.channels.get(fold(name))
        if channel is not None:
            name = channel.name
            channel.topic = topic
        return [TopicChanged(name, topic, None)]

    @_on(n.RPL_TOPICWHOTIME)
    def _on_topic_who_time(self, message: IrcMessage) -> list[Event]:
        if len(message.params) >= 3:
            channel = self.channels.get(fold(message.params[1]))
            if channel is not None:
                channel.topic_by = nick_of(message.params[2])
        return []

    @_on(n.RPL_NAMREPLY)
    def _on_names_reply(self, message: IrcMessage) -> list[Event]:
        if len(message.params) < 4:
            return []
        members = self._names.setdefault(fold(message.params[2]), [])
        for item in message.params[3].split():
            prefixes, mask = self.server.split_prefixes(item)
            nick = nick_of(mask)
            if not nick:
                continue
            self._learn_source(mask)
            self._user(nick)
            members.append(Member(nick, prefixes))
        return []

    @_on(n.RPL_ENDOFNAMES)
    def _on_end_of_names(self, message: IrcMessage) -> list[Event]:
        if len(message.params) < 2:
            return []
        name = message.params[1]
        members = self._names.pop(fold(name), [])
        channel = self.channels.get(fold(name))
        if channel is not None:
            name = channel.name
            channel.members = {fold(member.nick): member for member in members}
        return [Names(name, tuple(members))]

    @_on("MODE")
    def _on_mode(self, message: IrcMessage) -> list[Event]:
        if len(message.params) < 2:
            return []
        target = message.params[0]
        by = nick_of(message.source)
        if not self.server.is_channel(target):
            changes = _parse_flags(message.params[1])
            return [ModeChanged(target, by, tuple(changes))]
        args = list(message.params[2:])
        changes = []
        adding = True
        for letter in message.params[1]:
            if letter in "+-":
                adding = letter == "+"
                continue
            param = args.pop(0) if self.server.mode_takes_param(letter, adding) and args else None
            changes.append(ModeChange(adding, letter, param))
        channel = self.channels.get(fold(target))
        if channel is not None:
            target = channel.name
            for change in changes:
                self._apply_prefix(channel, change)
        return [ModeChanged(target, by, tuple(changes))]

    def _apply_prefix(self, channel: ChannelState, change: ModeChange) -> None:
        symbol = self.server.symbol_for(change.mode)
        if symbol is None or change.param is None:
            return
        member = channel.member(change.param)
        if member is None:
            return
        if change.adding:
            prefixes = self.server.sort_prefixes(member.prefixes + symbol)
        else:
            prefixes = member.prefixes.replace(symbol, "")
        channel.set_member(Member(member.nick, prefixes))

    # -- handlers: messages ----------------------------------------------------------------

    @_on("PRIVMSG", "NOTICE")
    def _on_privmsg(self, message: IrcMessage) -> list[Event]:
        return self._on_message(message, history=False)

    def _on_message(
        self, message: IrcMessage, *, history: bool, missed: bool = False
    ) -> list[Event]:
        if len(message.params) < 2:
            return []
        target, text = message.params[0], message.params[-1]
        source = message.source
        sender = nick_of(source) if source else (self.server.name or "")
        if not history:
            self._learn_source(source)
        from_server = source is None or ("!" not in source and "." in source)
        if text.startswith(_CTCP):
            command, _, argument = text.strip(_CTCP).partition(" ")
            if command.upper() != "ACTION":
                return [Ctcp(target, sender, command.upper(), argument)]
            return [
                self._message_event(
                    target, sender, argument, message.command, is_action=True,
                    history=history, missed=missed, from_server=from_server, tags=message.tags,
                )
            ]  # fmt: skip
        return [
            self._message_event(
                target, sender, text, message.command,
                history=history, missed=missed, from_server=from_server, tags=message.tags,
            )
        ]  # fmt: skip

    def _message_event(
        self,
        target: str,
        sender: str,
        text: str,
        command: str,
        *,
        is_action: bool = False,
        history: bool = False,
        missed: bool = False,
        from_server: bool = False,
        tags: Mapping[str, str] | None = None,
        time: datetime | None = None,
    ) -> Message:
        tags = tags or {}
        is_self = not from_server and self.is_me(sender)
        is_direct = not self.server.is_channel(target)
        if not is_direct:
            channel = self.channels.get(fold(target))
            conversation = channel.name if channel is not None else target
        else:
            conversation = target if is_self else sender
            if is_self and fold(target) == fold(NICKSERV):
                text = redact_service_command(text)  # our IDENTIFY, echoed or shown locally
        stamp = parse_server_time(tags.get("time"))
        if stamp is not None and not from_server and (not is_direct or command == "PRIVMSG"):
            key = fold(conversation)
            if key != fold(NICKSERV) and (key not in self._newest or stamp > self._newest[key]):
                self._newest[key] = stamp
        return Message(
            target,
            sender,
            text,
            is_action=is_action,
            is_notice=command == "NOTICE",
            is_direct=is_direct,
            is_self=is_self,
            from_server=from_server,
            history=history,
            missed=missed,
            conversation=conversation,
            msgid=tags.get("msgid"),
            account=tags.get("account"),
            tags=MappingProxyType(dict(tags)),
            time=time or self._clock(),
        )

    @_on("ACK")
    def _on_ack(self, message: IrcMessage) -> list[Event]:
        return [Acknowledged()]

    @_on("FAIL", "WARN", "NOTE")
    def _on_standard_reply(self, message: IrcMessage) -> list[Event]:
        params = message.params
        if len(params) < 3:
            return [Unhandled(message)]
        command, code, context, text = params[0], params[1], params[2:-1], params[-1]
        if message.command == "FAIL" and command == "REGISTER":
            self._pending_password = None
            return [RegistrationFailed(code, context[0] if context else self.nick, text)]
        if command == "NICK" and code == "NICK_PROTECTED":
            self._protected_nick = fold(context[0] if context else self.nick)
            seconds = int(context[1]) if len(context) > 1 and context[1].isdigit() else None
            return [NickProtected(context[0] if context else self.nick, seconds, text)]
        if message.command == "FAIL" and command == "CHATHISTORY":
            label = message.tags.get("label")
            if label is not None:
                self._history_labels.pop(label, None)
        return [StandardReply(message.command, command, code, context, text)]

    # -- handlers: people ------------------------------------------------------------------

    @_on("AWAY")
    def _on_away(self, message: IrcMessage) -> list[Event]:
        """away-notify, https://ircv3.net/specs/extensions/away-notify."""
        nick = nick_of(message.source)
        text = message.params[0] if message.params and message.params[0] else None
        user = self._user(nick)
        user.away, user.away_message = text is not None, text
        return [Away(nick, text, self.is_me(nick))]

    @_on(n.RPL_AWAY)
    def _on_rpl_away(self, message: IrcMessage) -> list[Event]:
        if len(message.params) < 3:
            return []
        nick, text = message.params[1], message.params[2]
        user = self._user(nick)
        user.away, user.away_message = True, text
        draft = self._whois.get(fold(nick))
        if draft is not None:
            draft.away_message = text
            return []
        return [Away(nick, text)]

    @_on(n.RPL_UNAWAY)
    def _on_unaway(self, message: IrcMessage) -> list[Event]:
        self.away_message = None
        return [Away(self.nick, None, is_self=True)]

    @_on(n.RPL_NOWAWAY)
    def _on_now_away(self, message: IrcMessage) -> list[Event]:
        return [Away(self.nick, self.away_message or "", is_self=True)]

    @_on("ACCOUNT")
    def _on_account(self, message: IrcMessage) -> list[Event]:
        """account-notify, https://ircv3.net/specs/extensions/account-notify."""
        if not message.params:
            return []
        nick = nick_of(message.source)
        account = None if message.params[0] == "*" else message.params[0]
        self._user(nick).account = account
        return [AccountChanged(nick, account)]

    @_on("SETNAME")
    def _on_setname(self, message: IrcMessage) -> list[Event]:
        if not message.params:
            return []
        nick = nick_of(message.source)
        self._user(nick).realname = message.params[0]
        if self.is_me(nick):
            self.realname = message.params[0]
        return [RealnameChanged(nick, message.params[0])]

    @_on("CHGHOST")
    def _on_chghost(self, message: IrcMessage) -> list[Event]:
        if len(message.params) >= 2:
            user = self._user(nick_of(message.source))
            user.user, user.host = message.params[0], message.params[1]
        return []

    @_on("INVITE")
    def _on_invite(self, message: IrcMessage) -> list[Event]:
        if len(message.params) < 2:
            return []
        nick, channel = message.params[0], message.params[1]
        return [Invited(channel, nick_of(message.source), nick, self.is_me(nick))]

    # -- handlers: metadata ----------------------------------------------------------------

    @_on("METADATA")
    def _on_metadata(self, message: IrcMessage) -> list[Event]:
        """``METADATA <target> <key> <visibility> [<value>]`` (draft/metadata-2)."""
        params = message.params
        if len(params) < 3:
            return []
        return self._apply_metadata(params[0], params[1], params[3] if len(params) > 3 else None)

    @_on(n.RPL_KEYVALUE)
    def _on_key_value(self, message: IrcMessage) -> list[Event]:
        params = message.params
        if len(params) < 4:
            return []
        return self._apply_metadata(params[1], params[2], params[4] if len(params) > 4 else None)

    @_on(n.RPL_METADATASYNCLATER)
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
        if target == "*" or self.is_me(target):
            target = self.nick
            store = self.own_metadata
        elif self.server.is_channel(target):
            channel = self.channels.get(fold(target))
            if channel is None:
                return [MetadataChanged(target, key, value)]
            target, store = channel.name, channel.metadata
        else:
            user = self._user(target)
            target, store = user.nick, user.metadata
        if value is None:
            store.pop(key, None)
        else:
            store[key] = value
        return [MetadataChanged(target, key, value)]

    # -- handlers: queries -----------------------------------------------------------------

    @_on(n.RPL_WHOREPLY)
    def _on_who_reply(self, message: IrcMessage) -> list[Event]:
        params = message.params
        if len(params) < 8:
            return []
        _, channel, username, host, _server, nick, flags, last = params[:8]
        realname = last.split(" ", 1)[1] if " " in last else ""
        away = flags.startswith("G")
        user = self._user(nick)
        user.user, user.host, user.away, user.realname = username, host, away, realname
        if not away:
            user.away_message = None
        prefixes = self.server.sort_prefixes(flags)
        self._who.append(
            WhoEntry(nick, username, host, None if channel == "*" else channel, away, prefixes,
                     realname)
        )  # fmt: skip
        return []

    @_on(n.RPL_ENDOFWHO)
    def _on_end_of_who(self, message: IrcMessage) -> list[Event]:
        entries, self._who = tuple(self._who), []
        mask = message.params[1] if len(message.params) > 1 else ""
        return [WhoResult(mask, entries)]

    def _whois_draft(self, message: IrcMessage) -> _WhoisDraft | None:
        if len(message.params) < 2:
            return None
        return self._whois.get(fold(message.params[1]))

    @_on(n.RPL_WHOISUSER)
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

    @_on(n.RPL_WHOISSERVER)
    def _on_whois_server(self, message: IrcMessage) -> list[Event]:
        draft = self._whois_draft(message)
        if draft is None:
            return self._numeric_reply(message)
        if len(message.params) > 2:
            draft.server = message.params[2]
        return []

    @_on(n.RPL_WHOISIDLE)
    def _on_whois_idle(self, message: IrcMessage) -> list[Event]:
        draft = self._whois_draft(message)
        if draft is None:
            return self._numeric_reply(message)
        if len(message.params) > 2 and message.params[2].isdigit():
            draft.idle_seconds = int(message.params[2])
        return []

    @_on(n.RPL_WHOISCHANNELS)
    def _on_whois_channels(self, message: IrcMessage) -> list[Event]:
        draft = self._whois_draft(message)
        if draft is None:
            return self._numeric_reply(message)
        draft.channels += message.params[-1].split()
        return []

    @_on(n.RPL_WHOISACCOUNT)
    def _on_whois_account(self, message: IrcMessage) -> list[Event]:
        draft = self._whois_draft(message)
        if draft is None:
            return self._numeric_reply(message)
        if len(message.params) > 2:
            draft.account = message.params[2]
        return []

    @_on(*_WHOIS_DETAILS)
    def _on_whois_detail(self, message: IrcMessage) -> list[Event]:
        draft = self._whois_draft(message)
        if draft is None:
            return self._numeric_reply(message)
        draft.extra.append(" ".join(message.params[2:]))
        return []

    @_on(n.ERR_NOSUCHNICK)
    def _on_no_such_nick(self, message: IrcMessage) -> list[Event]:
        draft = self._whois_draft(message)
        if draft is None:
            return self._numeric_reply(message)
        draft.found = False
        return []

    @_on(n.RPL_ENDOFWHOIS)
    def _on_end_of_whois(self, message: IrcMessage) -> list[Event]:
        if len(message.params) < 2:
            return []
        draft = self._whois.pop(fold(message.params[1]), None) or _WhoisDraft(message.params[1])
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
            )
        ]

    @_on(n.RPL_LISTSTART)
    def _on_list_start(self, message: IrcMessage) -> list[Event]:
        self._list = []
        return []

    @_on(n.RPL_LIST)
    def _on_list(self, message: IrcMessage) -> list[Event]:
        params = message.params
        if len(params) >= 3:
            users = int(params[2]) if params[2].isdigit() else 0
            self._list.append(
                ChannelListEntry(params[1], users, params[3] if len(params) > 3 else "")
            )
        return []

    @_on(n.RPL_LISTEND)
    def _on_list_end(self, message: IrcMessage) -> list[Event]:
        entries, self._list = tuple(self._list), []
        return [ChannelList(entries)]


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

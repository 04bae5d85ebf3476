"""The events a :class:`~chinwag.client.protocol.ClientProtocol` (and its runner) report.

Every event is a frozen dataclass. Each carries ``time`` (timezone-aware: the message's
``server-time`` tag, or the moment it was read) and ``label`` (the label of the intent it
answers, with labeled-response; ``None`` otherwise). A UI matches on the type and shows it;
a bot reacts to the ones it cares about and ignores the rest. Strings are as the server sent
them: neutralise control characters before putting them on a screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType

from chinwag.protocol.message import Message as IrcMessage

_NO_TAGS: Mapping[str, str] = MappingProxyType({})


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of every event: when it happened and the label of the intent it answers."""

    time: datetime = field(default_factory=_now)
    label: str | None = None


# -- connection --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Connected(Event):
    """The runner opened a connection; registration is under way. Nothing to do yet."""

    host: str
    port: int
    tls: bool
    fingerprint: str | None = None
    """With TLS to a server no authority vouches for: its certificate's fingerprint
    (``SHA256:AA:…``), checked against the one remembered (:mod:`chinwag.client.trust`)."""
    first_use: bool = False
    """The fingerprint was seen for the first time, and is now remembered: say so."""
    verified: bool = False
    """With TLS: an authority vouched for the certificate (nothing to remember)."""


@dataclass(frozen=True, slots=True)
class StsAdvertised(Event):
    """The server offers the ``sts`` capability (https://ircv3.net/specs/extensions/sts):
    the runner reconnects with TLS to ``port`` (from a plain connection) or keeps the policy
    for ``duration`` seconds (on a TLS one). None: the key was absent."""

    port: int | None
    duration: int | None


@dataclass(frozen=True, slots=True)
class CapabilitiesChanged(Event):
    """The set of enabled capabilities changed (negotiation ended, or CAP NEW/DEL/ACK)."""

    enabled: frozenset[str]


@dataclass(frozen=True, slots=True)
class Registered(Event):
    """Registration finished (end of the welcome burst). Rooms and colour are restored by the
    protocol itself; the caller may now send messages and join more rooms."""

    nick: str
    network: str | None
    server: str | None


@dataclass(frozen=True, slots=True)
class Motd(Event):
    """The message of the day, one string per line; show it or ignore it."""

    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NickRejected(Event):
    """The server refused a nick (in use, erroneous, none given); ``reason`` is its text.

    Before registration the connection waits: call ``set_nick`` with another nick (the UI asks
    the user). ``retrying_as`` is set when the protocol already tried another on its own.
    """

    nick: str
    reason: str
    code: str
    registered: bool
    retrying_as: str | None = None


@dataclass(frozen=True, slots=True)
class ServerError(Event):
    """``ERROR`` from the server: ``text`` verbatim. The server closes the connection next."""

    text: str


@dataclass(frozen=True, slots=True)
class Disconnected(Event):
    """The connection is gone; ``reason`` says why, ``error`` is the server's ``ERROR`` text
    if it sent one. The runner reconnects unless told to quit."""

    reason: str
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Reconnecting(Event):
    """The runner waits ``delay`` seconds before attempt number ``attempt``: show
    "Server is down — reconnecting in Ns"."""

    delay: float
    attempt: int


# -- messages ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Message(Event):
    """A PRIVMSG or NOTICE (``/me`` actions included, without their CTCP wrapping).

    ``conversation`` is where to show it: the channel, or for a direct message the other
    person (``target`` when we sent it, ``sender`` otherwise). ``is_self`` marks our own
    messages (echoed by the server, or reported locally without echo-message). ``history``
    marks messages replayed from the server's history rather than said just now.
    """

    target: str
    sender: str
    text: str
    is_action: bool = False
    is_notice: bool = False
    is_direct: bool = False
    is_self: bool = False
    from_server: bool = False
    history: bool = False
    missed: bool = False
    """Part of a history batch we did not ask for: a direct message that arrived while we
    were away, delivered on login with its original time (``history`` is set too)."""
    conversation: str = ""
    msgid: str | None = None
    account: str | None = None
    tags: Mapping[str, str] = field(default_factory=lambda: _NO_TAGS)
    bot: bool = False
    """Sent by a bot: the ``bot`` message tag (IRCv3 bot-mode), or a sender known to be one."""


@dataclass(frozen=True, slots=True)
class Redacted(Event):
    """``sender`` deleted the message ``msgid`` of ``conversation`` (the room, or the other
    person of a direct conversation), IRCv3 draft/message-redaction; ``reason`` if given."""

    conversation: str
    sender: str
    msgid: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Ctcp(Event):
    """A CTCP request other than ACTION (e.g. VERSION); answer it with ``notice`` or not."""

    target: str
    sender: str
    command: str
    argument: str


# -- channels and users ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Member:
    """A member of a channel: nick and status prefixes (``@``, ``+``), highest first."""

    nick: str
    prefixes: str = ""

    @property
    def prefix(self) -> str:
        """The highest status prefix, or ``""``."""
        return self.prefixes[:1]


@dataclass(frozen=True, slots=True)
class Joined(Event):
    """``nick`` joined ``channel`` (``is_self``: we did, and a NAMES list follows)."""

    channel: str
    nick: str
    is_self: bool
    account: str | None = None
    realname: str | None = None


@dataclass(frozen=True, slots=True)
class ChannelRenamed(Event):
    """Room ``old`` is called ``new`` from now on, renamed by ``by`` (draft/channel-rename)."""

    old: str
    new: str
    by: str
    reason: str


@dataclass(frozen=True, slots=True)
class Parted(Event):
    """``nick`` left ``channel``; when ``is_self``, the room is closed for us."""

    channel: str
    nick: str
    reason: str
    is_self: bool


@dataclass(frozen=True, slots=True)
class Kicked(Event):
    """``nick`` was removed from ``channel`` by ``by``; when ``is_self``, we were."""

    channel: str
    nick: str
    by: str
    reason: str
    is_self: bool


@dataclass(frozen=True, slots=True)
class Quit(Event):
    """``nick`` left the network; ``channels`` are the rooms we shared with them."""

    nick: str
    reason: str
    channels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NickChanged(Event):
    """``old`` is now ``new``; ``channels`` are the rooms we share (all of ours if is_self)."""

    old: str
    new: str
    is_self: bool
    channels: tuple[str, ...]
    forced: bool = False
    """Our nick was changed by the server, not at our request (a registered nick we did not
    log in to: renamed to a guest nick). Logging in takes the old nick back by itself."""


@dataclass(frozen=True, slots=True)
class TopicChanged(Event):
    """The topic of ``channel``: ``by`` is None when it is the current topic shown on join."""

    channel: str
    topic: str
    by: str | None


@dataclass(frozen=True, slots=True)
class Names(Event):
    """The complete member list of ``channel`` (end of NAMES); redraw the member list."""

    channel: str
    members: tuple[Member, ...]


@dataclass(frozen=True, slots=True)
class ModeChange:
    """One mode change: ``+``/``-``, the letter and its parameter if it took one."""

    adding: bool
    mode: str
    param: str | None = None


@dataclass(frozen=True, slots=True)
class ModeChanged(Event):
    """Modes of ``target`` (a channel, or our nick) changed; member prefixes are updated."""

    target: str
    by: str
    changes: tuple[ModeChange, ...]


@dataclass(frozen=True, slots=True)
class Away(Event):
    """``nick`` is away with ``message``, or back when ``message`` is None."""

    nick: str
    message: str | None
    is_self: bool = False


@dataclass(frozen=True, slots=True)
class AccountChanged(Event):
    """``nick`` logged in to ``account``, or out when it is None (account-notify)."""

    nick: str
    account: str | None


@dataclass(frozen=True, slots=True)
class RealnameChanged(Event):
    """``nick`` changed their real name (setname)."""

    nick: str
    realname: str


@dataclass(frozen=True, slots=True)
class Invited(Event):
    """``by`` invited ``nick`` (we, when ``is_self``) to ``channel``; call ``join`` to accept."""

    channel: str
    by: str
    nick: str
    is_self: bool


@dataclass(frozen=True, slots=True)
class MetadataChanged(Event):
    """``key`` of ``target`` (a nick or a channel) is now ``value``, or unset when None.

    For ``color`` the UI redraws that nick in its colour.
    """

    target: str
    key: str
    value: str | None


@dataclass(frozen=True, slots=True)
class MetadataSyncLater(Event):
    """The server asks us to request ``target``'s metadata later: after ``retry_after``
    seconds call ``metadata_sync(target)`` (the runner does)."""

    target: str
    retry_after: float | None


# -- accounts and read markers -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoggedIn(Event):
    """We are logged in to ``account`` (RPL_LOGGEDIN: SASL, REGISTER or NickServ).

    The password that did it is kept for the next connections (SASL while registering). If
    the server had renamed us to a guest nick, the protocol has already asked for ours back.
    """

    account: str


@dataclass(frozen=True, slots=True)
class LoggedOut(Event):
    """We are no longer logged in (RPL_LOGGEDOUT, e.g. the account was dropped)."""


@dataclass(frozen=True, slots=True)
class LoginFailed(Event):
    """Logging in failed; ``reason`` is the server's text (e.g. "Too many failed login
    attempts; try again in 30 seconds") or ours when the server could not prove it knows the
    password. ``registered`` is False when it happened while connecting: registration then
    goes on without an account, and the password is forgotten."""

    account: str
    reason: str
    code: str
    registered: bool


@dataclass(frozen=True, slots=True)
class AccountRegistered(Event):
    """``REGISTER`` succeeded: ``account`` exists now (and we are logged in to it, a
    :class:`LoggedIn` follows); ``message`` is the server's text. With
    ``needs_verification`` the server wants a further step its message explains."""

    account: str
    message: str
    needs_verification: bool = False


@dataclass(frozen=True, slots=True)
class RegistrationFailed(Event):
    """``REGISTER`` failed: ``code`` is the standard reply code (``ACCOUNT_EXISTS``,
    ``WEAK_PASSWORD``, ``UNACCEPTABLE_PASSWORD``, ``ALREADY_AUTHENTICATED``,
    ``TEMPORARILY_UNAVAILABLE``, ...), ``message`` the server's text to show."""

    code: str
    account: str
    message: str


@dataclass(frozen=True, slots=True)
class NickProtected(Event):
    """``nick`` (ours) belongs to a registered account we are not logged in to: log in
    within ``seconds`` (None: not said) or the server renames us. ``message`` is its text."""

    nick: str
    seconds: int | None
    message: str


@dataclass(frozen=True, slots=True)
class ReadMarker(Event):
    """The last message read in ``target`` (a room or a nick), on any of our devices, has
    the time ``timestamp``; None when nothing was ever read there (draft/read-marker)."""

    target: str
    timestamp: datetime | None


# -- query results -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WhoEntry:
    """One line of a WHO reply."""

    nick: str
    user: str
    host: str
    channel: str | None
    away: bool
    prefixes: str
    realname: str
    bot: bool = False
    """A bot: ``B`` in the reply's flags (IRCv3 bot-mode)."""


@dataclass(frozen=True, slots=True)
class WhoResult(Event):
    """The complete answer to ``who(mask)``."""

    mask: str
    entries: tuple[WhoEntry, ...]


@dataclass(frozen=True, slots=True)
class WhoisResult(Event):
    """The complete answer to ``whois(nick)``; ``found`` is False for an unknown nick."""

    nick: str
    found: bool = True
    user: str | None = None
    host: str | None = None
    realname: str | None = None
    server: str | None = None
    channels: tuple[str, ...] = ()
    account: str | None = None
    away_message: str | None = None
    idle_seconds: int | None = None
    extra: tuple[str, ...] = ()
    bot: bool = False
    """The reply had RPL_WHOISBOT (335): a bot (IRCv3 bot-mode)."""


@dataclass(frozen=True, slots=True)
class ChannelListEntry:
    """One room in a LIST reply."""

    channel: str
    users: int
    topic: str


@dataclass(frozen=True, slots=True)
class ChannelList(Event):
    """The complete answer to ``list_channels()``."""

    channels: tuple[ChannelListEntry, ...]


# -- replies and the rest ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServerReply(Event):
    """A numeric reply no other event covers; ``is_error`` for 4xx/5xx. Show ``text``."""

    code: str
    params: tuple[str, ...]
    text: str
    is_error: bool


@dataclass(frozen=True, slots=True)
class StandardReply(Event):
    """An IRCv3 standard reply: ``kind`` is FAIL, WARN or NOTE. Show ``description``."""

    kind: str
    command: str
    code: str
    context: tuple[str, ...]
    description: str


@dataclass(frozen=True, slots=True)
class Acknowledged(Event):
    """The server handled the labelled intent ``label`` and had nothing to say (ACK)."""


@dataclass(frozen=True, slots=True)
class Pong(Event):
    """The server answered ``PING token``: it has handled every line sent before it (a
    server handles one connection's lines in order), so their answers came before this."""

    token: str


@dataclass(frozen=True, slots=True)
class Batch(Event):
    """A finished batch: ``events`` came in it, in order (handle each as if alone).

    ``kind`` is the batch type (``chathistory``, ``labeled-response``, ``metadata``, ...);
    history batches hold messages marked ``history``. ``lines`` are the raw messages.
    """

    ref: str
    kind: str
    params: tuple[str, ...]
    events: tuple[Event, ...]
    lines: tuple[IrcMessage, ...] = ()
    missed: bool = False
    """A history batch we did not ask for: direct messages that arrived while we were away
    (``params[0]`` is who sent them); their :class:`Message` events are marked ``missed``."""


@dataclass(frozen=True, slots=True)
class Unhandled(Event):
    """A message the core does not interpret; a bot may, a UI may ignore it."""

    message: IrcMessage


# -- presence ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Typing(Event):
    """``nick`` is typing in ``conversation`` (the room, or the other person of a direct
    conversation): ``state`` is ``active``, ``paused`` or ``done``, as the IRCv3 typing client
    tag says (https://ircv3.net/specs/client-tags/typing). Ours (another device) has is_self."""

    nick: str
    conversation: str
    state: str
    is_self: bool = False


@dataclass(frozen=True, slots=True)
class PresenceChanged(Event):
    """A person we monitor (https://ircv3.net/specs/extensions/monitor) came online
    (``online``) or went offline; also said once, as they are, when we start monitoring."""

    nick: str
    online: bool

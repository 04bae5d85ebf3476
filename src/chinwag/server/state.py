"""Server state as plain classes: sessions, users, channels and the network holding them.

Nothing here does I/O or awaits. ``User`` is not ``Session`` (design.md rule 6): a user (nick,
modes, channels) is reached through one or more sessions, each with its own capabilities and
outbox. Names are looked up folded (:mod:`chinwag.protocol.casemap`) and shown as given.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Protocol

from chinwag.protocol import extbans
from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.fakelag import TokenBucket
from chinwag.protocol.masks import is_extban, matches
from chinwag.protocol.metadata import ChangeBudget
from chinwag.protocol.modes import (
    DEFAULT_CHANNEL_MODES,
    MUTE_EXTBAN,
    member_status,
    status_prefix,
)
from chinwag.protocol.multiline import Collector
from chinwag.server import sources
from chinwag.server.lines import Lines

PRIVATE_MODES = frozenset("spi")
"""Channel modes that make what is said in a channel private (``+k`` does too)."""

SAID_KEPT = 1000
"""How many of a user's latest msgids :attr:`User.said` keeps."""

NONE_SET: frozenset[str] = frozenset()
"""The empty set every session's capabilities and metadata subscriptions and every user's
modes start as. Those sets are frozen and replaced when they change, never changed in place,
so that the many connections that never change them share this one: an empty ``set`` costs
216 bytes, a twentieth of what an idle connection should cost in all (issue 20)."""

NO_NICKS: frozenset[Folded] = frozenset()
"""The empty MONITOR list every session starts with, shared as :data:`NONE_SET` is."""


class Outbox(Protocol):
    """Where one session's outgoing lines go; the transport implements it
    (:class:`chinwag.transport.outbox.Outbox`).

    Lines are complete IRC lines: bytes ending in CR LF. Nothing here blocks or awaits: the
    outbox queues and flushes once per loop turn. Only :class:`chinwag.server.delivery
    .Delivery` calls these, so that the order of what a session hears has one owner.
    """

    def write_line(self, line: bytes) -> None:
        """Queue one line for the peer."""

    def write_lines(self, lines: Lines) -> None:
        """Queue several lines for the peer, in order."""

    def write_bulk_line(self, line: bytes) -> None:
        """Queue one line of a fan-out to a crowd (a room of hundreds or more): in order with
        everything else, but it may wait a few loop turns behind other sessions' lines,
        gathering what follows into the same write (issue 20: a JOIN storm in one room must
        not stall the others)."""

    def write_bulk_lines(self, lines: Lines) -> None:
        """Queue several lines of a fan-out to a crowd, as :meth:`write_bulk_line`."""

    def close(self) -> None:
        """Send what is queued, then close the connection."""


class NullOutbox:
    """The outbox of a session whose connection is on another node of a cluster
    (docs/scaling.md): that node writes to it, so everything written here is dropped."""

    __slots__ = ()

    def write_line(self, line: bytes) -> None:
        """Drop ``line``."""

    def write_lines(self, lines: Lines) -> None:
        """Drop ``lines``."""

    def write_bulk_line(self, line: bytes) -> None:
        """Drop ``line``."""

    def write_bulk_lines(self, lines: Lines) -> None:
        """Drop ``lines``."""

    def close(self) -> None:
        """Nothing to close here."""


NULL_OUTBOX: Outbox = NullOutbox()
"""The one outbox of every session whose connection is on another node."""


class Reader(Protocol):
    """The transport's reading from one session's peer, as fakelag steers it (implemented
    by :class:`chinwag.transport.link.Link`)."""

    def resume_input(self) -> None:
        """The lines fakelag held are all handled: hand over what waits, then read from
        the peer again."""

    def hold_input(self) -> None:
        """Fakelag began to hold lines the transport had already handed over (a cluster node
        learns it only when it applies the log): read nothing more from the peer until
        :meth:`resume_input`."""


# Bits of Session.tag_mask: which tags a session may receive (see replies.serialize_for).
TAG_MESSAGE_TAGS = 1
TAG_SERVER_TIME = 2
TAG_ACCOUNT = 4
TAG_BATCH = 8
TAG_LABEL = 16

_TAG_BITS_BY_CAP = {
    "message-tags": TAG_MESSAGE_TAGS,
    "server-time": TAG_SERVER_TIME,
    "account-tag": TAG_ACCOUNT,
    "batch": TAG_BATCH,
    "labeled-response": TAG_LABEL,
}


class Session:
    """One connection: its capabilities, its outbox, and the user it registered as."""

    __slots__ = (
        "_outbox",
        "account",
        "away",
        "cap_negotiating",
        "cap_version",
        "caps",
        "certfp",
        "closed",
        "connected_at",
        "flood",
        "gate",
        "held_lines",
        "host",
        "id",
        "ip",
        "lagged_until",
        "last_activity",
        "last_message",
        "lost",
        "metadata",
        "metadata_budget",
        "metadata_subs",
        "monitoring",
        "multiline",
        "nick",
        "password_ok",
        "ping_sent_at",
        "reader",
        "realname",
        "sasl",
        "secure",
        "tag_mask",
        "user",
        "username",
        "waiting",
    )

    def __init__(
        self,
        session_id: int,
        outbox: Outbox,
        ip: str,
        host: str,
        now: float,
        *,
        secure: bool = False,
        certfp: str | None = None,
    ) -> None:
        self.id = session_id
        self._outbox = outbox
        """Written by :class:`chinwag.server.delivery.Delivery` alone: every other writer
        would jump the queue of channel runs and durability gates."""
        self.ip = ip
        self.host = host
        self.secure = secure
        """Whether the connection is encrypted (TLS, or WebSocket over HTTPS)."""
        self.certfp = certfp
        """The SHA-256 fingerprint (lowercase hex) of the client certificate the peer
        presented over TLS, if any: what SASL EXTERNAL and NickServ ``CERT`` go by."""
        self.caps: frozenset[str] = NONE_SET
        self.cap_version = 0
        self.cap_negotiating = False
        self.tag_mask = 0
        self.nick: str | None = None
        self.username: str | None = None
        self.realname = ""
        self.password_ok = False
        self.user: User | None = None
        self.connected_at = now
        self.last_activity = now
        """Monotonic time of the last line received (for PING/idle timeouts)."""
        self.last_message = sources.now()
        """Wall-clock time of the last PRIVMSG/NOTICE sent (WHOIS idle)."""
        self.ping_sent_at: float | None = None
        self.monitoring: frozenset[Folded] = NO_NICKS
        """The nicks this session watches with MONITOR (replaced when it changes)."""
        self.metadata: dict[str, str] | None = None
        """Metadata set before registration (draft/metadata-2/-3 ``before-connect``); it becomes
        the user's when registration completes. ``None`` until a key is set: most sessions
        never set one, and an empty dict is a fiftieth of an idle connection (issue 20)."""
        self.metadata_subs: frozenset[str] = NONE_SET
        """The metadata keys this session subscribed to (``METADATA * SUB``; replaced when
        they change)."""
        self.metadata_budget: ChangeBudget | None = None
        """The metadata changes it may still make, from its first change on."""
        self.closed = False
        self.account: str | None = None
        """The account this session logged in to before registering (SASL, REGISTER); the
        user takes it over when registration completes."""
        self.away: str | None = None
        """The away message set before registering (draft/pre-away); the user takes it over
        when registration completes."""
        self.sasl: object | None = None
        self.multiline: Collector | None = None
        """The multiline batch this session has open (draft/multiline), if any: collected
        here until ``BATCH -<ref>``, bounded by the configured limits."""
        """The SASL exchange in progress (:mod:`chinwag.server.commands.sasl`), if any."""
        self.waiting: object | None = None
        """The command whose deferred work is running; the session's later lines wait in
        ``held_lines`` until it is done, so replies keep the order of the commands."""
        self.held_lines: list[object] | None = None
        """Created on first need: most sessions never wait, and idle ones should stay small."""
        self.lost: tuple[str, float] | None = None
        """Why and when the connection went away while lines were still held: the session
        ends once they are handled (or after :data:`LOST_GRACE` seconds, whichever is first)."""
        self.flood: TokenBucket | None = None
        """The session's fakelag allowance (:mod:`chinwag.protocol.fakelag`), or ``None``
        when flood control is off or its address is exempt."""
        self.lagged_until: float | None = None
        """While fakelag holds the session's lines: when the first of them is due. The
        transport reads no more from the peer meanwhile (docs/security.md "Flood control")."""
        self.reader: Reader | None = None
        """Set by the transport: what pauses and resumes reading from the peer while fakelag
        holds the session's lines. One reference to the transport's own object, not two
        bound methods made for every connection."""
        self.gate: deque[tuple[int, Lines | None]] | None = None
        """Replies waiting for history to be durable, with the sequence number each waits
        for (``None``: close the connection); kept by :class:`chinwag.server.delivery
        .Delivery`."""

    @property
    def remote(self) -> bool:
        """Whether this session's connection is on another node of a cluster: nothing
        written to it here reaches anyone (docs/scaling.md), so replies need not be made."""
        return self._outbox is NULL_OUTBOX

    def has(self, cap: str) -> bool:
        """Whether the session enabled capability ``cap``."""
        return cap in self.caps

    def set_caps(self, caps: AbstractSet[str]) -> None:
        """Replace the enabled capabilities and recompute the tag mask."""
        self.caps = frozenset(caps) if caps else NONE_SET
        mask = 0
        for cap in caps:
            mask |= _TAG_BITS_BY_CAP.get(cap, 0)
        self.tag_mask = mask

    @property
    def target(self) -> str:
        """The name replies address this session by: its nick, or ``*`` before it has one."""
        if self.user is not None:
            return self.user.nick
        return self.nick or "*"

    def __repr__(self) -> str:
        return f"<Session {self.id} {self.target}>"


class User:
    """A registered user: identity, modes, away state, channels, and the sessions behind it."""

    __slots__ = (
        "account",
        "account_id",
        "always_on",
        "auto_away",
        "away",
        "channels",
        "conversations",
        "folded",
        "host",
        "invited_to",
        "left_at",
        "metadata",
        "modes",
        "nick",
        "nick_claims",
        "read_markers",
        "realname",
        "said",
        "sessions",
        "signon",
        "token",
        "username",
    )

    def __init__(self, nick: str, username: str, host: str, realname: str) -> None:
        self.nick = nick
        self.folded = fold(nick)
        self.username = username
        self.host = host
        self.realname = realname
        self.account: str | None = None
        self.account_id: str | None = None
        """The logged-in account's id (``Account.id``), set and cleared with :attr:`account`."""
        self.token = sources.token_hex(8)
        """Who this user is for history while not logged in: random, never reused, gone
        with the user (docs/security.md, "Who owns what")."""
        self.invited_to: set[Channel] | None = None
        """Channels holding an invitation bound to this user (not to their account), which
        go when the user does."""
        self.conversations: set[Folded] | None = None
        """The history keys of direct conversations stored under :attr:`token` (deleted
        when the user leaves or logs in); ``None`` until there is one."""
        self.modes: frozenset[str] = NONE_SET
        """User modes (replaced when they change, never changed in place)."""
        self.away: str | None = None
        self.always_on: str | None = None
        """For an always-on user (issue 16), the away text it shows once no session is
        left, when it stays behind instead of quitting; ``None``: the user quits with its
        last session (:mod:`chinwag.server.services.alwayson` sets it at login)."""
        self.auto_away = False
        """Whether :attr:`away` was set by the server when the last session ended (cleared
        when a session comes back), not by the user's own ``AWAY``."""
        self.left_at: float | None = None
        """When (Unix time) the last session of an always-on user ended; ``None`` while it
        has one. What was said since is replayed when it comes back."""
        self.channels: dict[Folded, Channel] = {}
        self.sessions: list[Session] = []
        self.signon = int(sources.now())
        self.metadata: dict[str, str] = {}
        """Metadata keys and values (draft/metadata-2 and -3), such as ``color``."""
        self.read_markers: dict[Folded, float] | None = None
        """Last read time per target (draft/read-marker); loaded from the account at login.
        ``None`` until there is one (:meth:`marker`, :meth:`move_marker`): most users never
        have any, and idle connections should stay small (issue 20)."""
        self.said: deque[str] | None = None
        """The msgids of the latest messages this user sent without an account (made at the
        first): what they may REDACT (draft/message-redaction) is what this session said.
        A logged-in sender is known by the account stored with each message instead, so
        nothing is kept for them (no per-message work, no memory per connection)."""
        self.nick_claims: dict[Folded, float] | None = None
        """When the grace period ends of each registered nick this user took without logging
        in to its account: set the first time, so leaving the nick and coming back does not
        start a new one (:func:`chinwag.server.services.nicks.protect_nick`). ``None`` until
        the first such nick."""

    def marker(self, key: Folded) -> float | None:
        """The read marker of ``key`` (draft/read-marker), if one is known."""
        markers = self.read_markers
        return None if markers is None else markers.get(key)

    def move_marker(self, key: Folded, when: float) -> None:
        """Set the read marker of ``key`` to ``when`` (callers keep it from going back)."""
        if self.read_markers is None:
            self.read_markers = {}
        self.read_markers[key] = when

    def remember_said(self, msgid: str) -> None:
        """Keep ``msgid`` among :attr:`said` if this user is not logged in."""
        if self.account is not None:
            return
        if self.said is None:
            self.said = deque(maxlen=SAID_KEPT)
        self.said.append(msgid)

    def add_session(self, session: Session) -> None:
        """Reach this user through ``session`` too (its channels' member lists change)."""
        self.sessions.append(session)
        for channel in self.channels.values():
            channel.member_sessions_changed()

    def remove_session(self, session: Session) -> None:
        """Stop reaching this user through ``session``."""
        self.sessions.remove(session)
        for channel in self.channels.values():
            channel.member_sessions_changed()

    @property
    def source(self) -> str:
        """The ``nick!user@host`` prefix of messages this user sends."""
        return f"{self.nick}!{self.username}@{self.host}"

    @property
    def is_oper(self) -> bool:
        """Whether the user is an IRC operator (user mode ``+o``)."""
        return "o" in self.modes

    def __repr__(self) -> str:
        return f"<User {self.nick}>"


@dataclass(slots=True)
class ListEntry:
    """One entry of a channel list mode (a ban, an exception, an invite exception): the mask,
    who set it and when."""

    mask: str
    set_by: str
    set_at: int


@dataclass(slots=True)
class ChannelRegistration:
    """A channel's registration with ChanServ (issue 17, after Ergo's ``CS REGISTER``):
    the founder's account (as shown), when it was registered (Unix time), and the access
    list: each other account (folded) with the status it gets on joining (``"o"``/``"v"``)."""

    founder: str
    registered_at: int
    access: dict[Folded, str] = field(default_factory=dict)

    def status_for(self, account: str | None) -> str:
        """The status (``"o"``, ``"v"`` or ``""``) ``account`` gets on joining: the founder
        and operators of the access list ``o``, its voiced ``v``."""
        if account is None:
            return ""
        folded = fold(account)
        if folded == fold(self.founder):
            return "o"
        return self.access.get(folded, "")


class Channel:
    """A channel: members with their status, topic, modes and lists."""

    __slots__ = (
        "_sessions",
        "bans",
        "created",
        "excepts",
        "flood",
        "flood_muted",
        "flood_senders",
        "folded",
        "invexes",
        "invited",
        "key",
        "limit",
        "members",
        "metadata",
        "modes",
        "name",
        "registration",
        "topic",
        "topic_at",
        "topic_by",
    )

    def __init__(self, name: str) -> None:
        self.name = name
        self.folded = fold(name)
        self.created = int(sources.now())
        self.topic = ""
        self.topic_by = ""
        self.topic_at = 0
        self.members: dict[User, frozenset[str]] = {}
        """Each member with its status modes (``o``, ``v``): a shared set
        (:func:`member_status`), replaced by :meth:`set_status`."""
        self.modes: set[str] = set(DEFAULT_CHANNEL_MODES)
        self.key: str | None = None
        self.limit: int | None = None
        self.flood: tuple[int, int] | None = None
        """``+f``: at most this many messages in this many seconds from a member without
        status (:func:`chinwag.server.services.channelflood.check`)."""
        self.flood_senders: dict[User, TokenBucket] | None = None
        """Each recent sender's allowance under ``+f``."""
        self.flood_muted: dict[User, float] | None = None
        """Who passed ``+f`` and until when (monotonic clock) they may not speak here."""
        self.bans: list[ListEntry] = []
        self.excepts: list[ListEntry] = []
        """Ban exceptions (``+e``): a user matching one is not held by a ban of its kind."""
        self.invexes: list[ListEntry] = []
        """Invite exceptions (``+I``): a user matching one joins ``+i`` without an invite."""
        self.invited: dict[User | str, bool] = {}
        """Pending invitations (:meth:`invite`), each with whether a channel operator gave
        it. The key is the person invited, never a nick (which its next holder would
        inherit): their account's id if they were logged in (not its name, which a later
        account may take), else the user."""
        self.metadata: dict[str, str] = {}
        """Metadata keys and values (draft/metadata-2 and -3), set by channel operators."""
        self.registration: ChannelRegistration | None = None
        """Its registration with ChanServ, if registered (issue 17): such a channel stays
        when its last member leaves, and across restarts."""
        self._sessions: list[Session] | None = None

    def add_member(self, user: User, status: Iterable[str] = ()) -> None:
        """Make ``user`` a member with ``status`` (``"o"`` for the channel's creator)."""
        known = user in self.members
        self.members[user] = member_status(status)
        sessions = self._sessions
        if known or sessions is None:
            self._sessions = None
            return
        # A newcomer goes last, where a rebuild would put them: extending a copy of the list
        # costs a copy, not a walk of every member (a JOIN storm adds thousands, issue 20).
        self._sessions = sessions + [s for s in user.sessions if s._outbox is not NULL_OUTBOX]

    def set_status(self, user: User, mode: str, adding: bool) -> bool:
        """Give the member ``user`` status ``mode`` (``o``, ``v``), or take it away; whether
        that changed anything (not if ``user`` is no member or already had it so)."""
        status = self.members.get(user)
        if status is None or (mode in status) == adding:
            return False
        self.members[user] = member_status(status | {mode} if adding else status - {mode})
        return True

    def remove_member(self, user: User) -> None:
        """``user`` is no longer a member."""
        del self.members[user]
        self._sessions = None
        if self.flood_senders is not None:
            self.flood_senders.pop(user, None)

    def member_sessions_changed(self) -> None:
        """A member gained or lost a session: the list :attr:`all_sessions` is rebuilt."""
        self._sessions = None

    @property
    def all_sessions(self) -> list[Session]:
        """Every session of every member, built once per change of membership.

        The fan-out reads this for each message instead of walking the members; a new list
        is made after each change (never changed in place), so holding on to one is safe and
        comparing two by identity says whether membership changed between them. Callers
        must not modify it. Only what is written to: on a node of a cluster, the sessions
        whose connections are on other nodes (:data:`NULL_OUTBOX`) are left out, so each
        node's fan-out costs what its own members cost.
        """
        sessions = self._sessions
        if sessions is None:
            sessions = self._sessions = [
                s
                for member in self.members
                for s in member.sessions
                if s._outbox is not NULL_OUTBOX
            ]
        return sessions

    def invite(self, user: User, by_operator: bool) -> None:
        """Remember that ``user`` was invited (by a channel operator if ``by_operator``):
        bound to their account if they are logged in, else to them, so it follows them
        across nick changes and no one else who takes their nick gets it."""
        key: User | str = user if user.account_id is None else user.account_id
        self.invited[key] = self.invited.get(key, False) or by_operator
        if key is user:
            if user.invited_to is None:
                user.invited_to = set()  # most users are never invited: no set each
            user.invited_to.add(self)

    def invitation(self, user: User) -> bool | None:
        """Whether ``user`` is invited: ``None`` if not, else whether a channel operator
        invited them (only that lets them past ``+i``, ``+l`` and ``+b``)."""
        keys: list[User | str] = [user]
        if user.account_id is not None:
            keys.append(user.account_id)
        found = [self.invited[key] for key in keys if key in self.invited]
        return any(found) if found else None

    def uninvite(self, user: User) -> None:
        """Forget ``user``'s invitations, to them and to their account (they joined)."""
        self.invited.pop(user, None)
        if user.invited_to is not None:
            user.invited_to.discard(self)
        if user.account_id is not None:
            self.invited.pop(user.account_id, None)

    def prefix_of(self, user: User, multi: bool = False) -> str:
        """The member's prefix characters, highest first; all of them with ``multi``."""
        status = self.members.get(user)
        return status_prefix(status, multi) if status else ""

    def is_operator(self, user: User) -> bool:
        """Whether ``user`` is a channel operator here."""
        return "o" in self.members.get(user, ())

    @property
    def is_private(self) -> bool:
        """Whether what is said here now is for its members only: the channel is secret
        (``+s``), private (``+p``), invite-only (``+i``) or keyed (``+k``). History keeps it
        for those who were members when it was said (docs/security.md)."""
        return self.key is not None or not PRIVATE_MODES.isdisjoint(self.modes)

    def list_of(self, mode: str) -> list[ListEntry]:
        """The entries of list mode ``mode`` (``b``, ``e`` or ``I``)."""
        return self.bans if mode == "b" else self.excepts if mode == "e" else self.invexes

    def _held(self, user: User, prefix: str) -> bool:
        """Whether a ban whose mask starts with ``prefix`` (``""`` for plain bans, ``m:`` for
        mutes) matches ``user`` and no exception of the same kind does."""
        if not self.bans:  # most channels: no generator made per message
            return False
        source, account = user.source, user.account

        def hit(entries: list[ListEntry]) -> bool:
            for entry in entries:
                mask = entry.mask
                if prefix:
                    # m:<mask> or m:a:<account>: the mute's value is matched as a ban is.
                    if mask[: len(prefix)].lower() == prefix and extbans.ban_matches(
                        mask[len(prefix) :], source, account
                    ):
                        return True
                elif extbans.split(mask) is not None:
                    # a:<account>: keeps out whoever is logged in to a matching account.
                    if extbans.ban_matches(mask, source, account):
                        return True
                elif not is_extban(mask) and matches(mask, source):
                    return True
            return False

        return hit(self.bans) and not hit(self.excepts)

    def is_banned(self, user: User) -> bool:
        """Whether ``user`` matches one of the channel's ban masks (``+b``, account extbans
        ``a:<account>`` included) and none of its exceptions (``+e``). Mutes (``m:``) do not
        keep anyone out."""
        return self._held(user, "")

    def is_muted(self, user: User) -> bool:
        """Whether a mute (``+b m:<mask>``, or ``+b m:a:<account>`` by account) matches ``user``
        and no ``+e m:<mask>`` does."""
        return self._held(user, MUTE_EXTBAN + ":")

    def is_invite_exempt(self, user: User) -> bool:
        """Whether ``user`` matches one of the channel's invite exceptions (``+I``)."""
        if not self.invexes:
            return False
        source = user.source
        return any(matches(entry.mask, source) for entry in self.invexes)

    def sessions(self, exclude: Session | None = None) -> list[Session]:
        """Every session of every member, but ``exclude``."""
        return [s for s in self.all_sessions if s is not exclude]

    def mode_string(self, show_key: bool) -> list[str]:
        """The channel's modes as MODE parameters (``+klnt``, key, limit, ``+f`` window)."""
        letters = "".join(sorted(self.modes))
        params: list[str] = []
        if self.key is not None:
            letters += "k"
            params.append(self.key if show_key else "*")
        if self.limit is not None:
            letters += "l"
            params.append(str(self.limit))
        if self.flood is not None:
            letters += "f"
            params.append(f"{self.flood[0]}:{self.flood[1]}")
        return ["+" + letters, *params]

    def __repr__(self) -> str:
        return f"<Channel {self.name}>"


@dataclass(frozen=True, slots=True)
class WhowasEntry:
    """What WHOWAS remembers of a nick that left or changed."""

    nick: str
    username: str
    host: str
    realname: str
    server: str
    left_at: int


@dataclass(slots=True)
class Network:
    """Every user, channel and session the server knows, with the indexes to find them."""

    server_name: str
    whowas_limit: int = 1000
    users: dict[Folded, User] = field(default_factory=dict)
    channels: dict[Folded, Channel] = field(default_factory=dict)
    sessions: dict[int, Session] = field(default_factory=dict)
    tokens: dict[str, User] = field(default_factory=dict)
    """Every user by :attr:`User.token`, to name the other side of a conversation."""
    monitors: dict[Folded, set[Session]] = field(default_factory=dict)
    """For each nick watched with MONITOR, the sessions watching it."""
    pending_nicks: dict[Folded, Session] = field(default_factory=dict)
    """Nicks chosen by sessions still registering, with the session holding each: nobody
    else may take one (nor register it as an account) until its holder registers, changes
    nick or leaves (:meth:`hold_pending_nick`)."""
    whowas: deque[WhowasEntry] = field(default_factory=deque)
    created: float = field(default_factory=sources.now)
    counts: UserCounts = field(default_factory=lambda: UserCounts())
    """LUSERS bookkeeping (peak users, the last full count)."""

    def find_user(self, nick: str) -> User | None:
        """The user with this nick, in any case."""
        return self.users.get(fold(nick))

    def hold_pending_nick(self, session: Session, nick: str) -> None:
        """``session``, still registering, chose ``nick``: it becomes ``session.nick`` and is
        held for it, and the nick it had before is let go. A nick another session holds
        already stays that session's (a registered account's name may be asked for by
        several: the login decides, see :mod:`chinwag.server.services.nicks`)."""
        self.drop_pending_nick(session)
        session.nick = nick
        self.pending_nicks.setdefault(fold(nick), session)

    def drop_pending_nick(self, session: Session) -> None:
        """``session`` no longer holds its nick as a registering session (it registered,
        changed nick, or left)."""
        if session.nick is not None:
            folded = fold(session.nick)
            if self.pending_nicks.get(folded) is session:
                del self.pending_nicks[folded]

    def find_channel(self, name: str) -> Channel | None:
        """The channel with this name, in any case."""
        return self.channels.get(fold(name))

    def remember(self, user: User) -> None:
        """Keep a WHOWAS record of ``user`` as they are now."""
        self.whowas.appendleft(
            WhowasEntry(
                user.nick,
                user.username,
                user.host,
                user.realname,
                self.server_name,
                int(sources.now()),
            )
        )
        while len(self.whowas) > self.whowas_limit:
            self.whowas.pop()

    def neighbours(self, user: User) -> set[User]:
        """Every user sharing at least one channel with ``user``, ``user`` included."""
        seen = {user}
        for channel in user.channels.values():
            seen.update(channel.members)
        return seen

    def neighbour_sessions(self, user: User) -> list[Session]:
        """The sessions of every other user sharing at least one channel with ``user``."""
        return [
            session
            for other in self.neighbours(user)
            if other is not user
            for session in other.sessions
        ]

    @property
    def operator_count(self) -> int:
        """How many users are operators."""
        return sum(1 for user in self.users.values() if user.is_oper)


@dataclass(slots=True)
class UserCounts:
    """LUSERS bookkeeping: the most users seen at once, and the last count that needed a
    pass over every user (invisible, operators, unregistered) with when it was made."""

    peak: int = 0
    counted_at: float = float("-inf")
    counts: tuple[int, int, int] = (0, 0, 0)

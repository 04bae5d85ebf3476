"""Connection registration as one phase machine: CAP, SASL, accounts and the welcome burst.

On a fresh connection :meth:`Negotiation.start` sends ``CAP LS 302``, ``PASS``, ``NICK`` and
``USER``; the capabilities we use are requested from those offered; with a password we log in
with SASL before ``CAP END``; the server's welcome makes the nick ours and the end of its
MOTD ends registration, when what the client wants (metadata, away message, rooms, the
history of direct conversations) is restored. Each step is a :class:`Phase`; the facade
(:class:`~chinwag.client.protocol.ClientProtocol`) reads its ``connected``, ``registered``
and ``ready`` from it.

Accounts are here too, once registered: ``/login`` by SASL (else ``IDENTIFY`` to NickServ) and
``/register`` by ``REGISTER`` (else ``REGISTER`` to NickServ). A password that worked is kept,
in memory only, for the next connections; one that failed while connecting is forgotten, so
it is not tried on every reconnection. None is ever logged or shown.

References: https://ircv3.net/specs/extensions/capability-negotiation (CAP LS 302, REQ,
ACK/NAK, NEW/DEL with cap-notify, END), https://ircv3.net/specs/extensions/sasl-3.1 and
sasl-3.2 (AUTHENTICATE, 900-908), https://ircv3.net/specs/extensions/account-registration
(REGISTER), Modern IRC connection registration (https://modern.ircdocs.horse: RPL_WELCOME,
the MOTD, ERR_NICKNAMEINUSE). Sans-I/O: no asyncio, no socket.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from enum import Enum

from chinwag.client import sasl
from chinwag.client.events import (
    AccountRegistered,
    CapabilitiesChanged,
    Event,
    LoggedIn,
    LoggedOut,
    LoginFailed,
    Motd,
    NickRejected,
    Registered,
    RegistrationFailed,
    StsAdvertised,
    Unhandled,
)
from chinwag.client.history import HistorySync
from chinwag.client.state import Identity, World
from chinwag.client.sts import parse_sts
from chinwag.client.wire import Connection, Handler, Handlers, numeric_reply
from chinwag.protocol import numerics as n
from chinwag.protocol.caps import METADATA_CAPS
from chinwag.protocol.casemap import fold
from chinwag.protocol.message import Message as IrcMessage
from chinwag.protocol.metadata import COLOR_KEY, dialect_for

WANTED_CAPS: tuple[str, ...] = (
    "account-notify",
    "account-tag",
    "draft/account-registration",
    "draft/register",
    "away-notify",
    "batch",
    "cap-notify",
    "chghost",
    "draft/channel-flood-limits",
    "draft/channel-rename",
    "draft/chathistory",
    "draft/message-redaction",
    "draft/metadata-2",
    "draft/metadata-3",
    "draft/multiline",
    "draft/read-marker",
    "echo-message",
    "extended-join",
    "extended-monitor",
    "invite-notify",
    "labeled-response",
    "message-tags",
    "multi-prefix",
    "sasl",
    "server-time",
    "setname",
    "soju.im/search",
    "standard-replies",
    "userhost-in-names",
)
"""Every capability the client uses; it requests those of them the server offers."""

METADATA_KEYS: tuple[str, ...] = (COLOR_KEY,)
"""Metadata keys we subscribe to (https://ircv3.net/specs/extensions/metadata)."""

REGISTRATION_CAPS = ("draft/account-registration", "draft/register")
"""The ``REGISTER`` capability under the names servers use for it
(https://ircv3.net/specs/extensions/account-registration)."""

NICKSERV = "NickServ"
"""The service that takes ``REGISTER`` and ``IDENTIFY`` from clients without IRCv3 accounts."""

SERVICE_NICKS = frozenset(fold(name) for name in (NICKSERV, "ChanServ"))
"""The services chinwag runs (folded): conversations with them keep no history on the server,
so there is nothing to fill after a reconnection."""

SECRET_SERVICE_VERBS = frozenset(
    {"IDENTIFY", "ID", "REGISTER", "LOGIN", "GHOST", "RECOVER", "DROP"}
)
"""NickServ commands whose arguments include a password: never shown, even as our echo."""


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


class Phase(Enum):
    """Where a connection is in registration; it only moves forward until the next one.

    A plain connection goes ``CLOSED`` -> ``CAPS`` -> ``REGISTERING`` -> ``WELCOMED`` ->
    ``READY``; with an account password and a server offering SASL, ``SASL`` comes between
    ``CAPS`` and ``REGISTERING`` whether the login works or not. A server without ``CAP``
    (it answers 421) goes from ``CAPS`` to ``REGISTERING`` at once. Losing the connection
    goes back to ``CLOSED`` from anywhere.
    """

    CLOSED = "closed"
    """No connection: before :meth:`Negotiation.start`, after the connection was lost."""
    CAPS = "caps"
    """``CAP LS 302`` sent: capabilities are offered, requested, acknowledged."""
    SASL = "sasl"
    """Logging in with SASL before ``CAP END`` (https://ircv3.net/specs/extensions/sasl-3.1):
    tried once per connection, when an account password is set."""
    REGISTERING = "registering"
    """``CAP END`` sent (or the server has no ``CAP``): waiting for RPL_WELCOME."""
    WELCOMED = "welcomed"
    """RPL_WELCOME arrived: the nick is ours; the welcome burst (ISUPPORT, MOTD) goes on."""
    READY = "ready"
    """The welcome burst is over and :class:`Registered` was reported: intents may be used."""


_NEGOTIATING = frozenset({Phase.CAPS, Phase.SASL})
_REGISTERED = frozenset({Phase.WELCOMED, Phase.READY})


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


_HANDLERS: Handlers[Negotiation] = Handlers()


class Negotiation:
    """Registers each connection and logs in to the account, across reconnections.

    ``caps`` are the capabilities we use (requested among those offered). ``account_password``
    logs in to ``account`` (default: the nick) with SASL while registering, trying
    ``sasl_mechanisms`` in order among those the server offers. With ``auto_rename`` a nick
    in use before registration is retried with ``_`` appended.
    """

    def __init__(
        self,
        link: Connection,
        world: World,
        me: Identity,
        history: HistorySync,
        *,
        caps: Iterable[str] = WANTED_CAPS,
        account: str | None = None,
        account_password: str | None = None,
        sasl_mechanisms: Iterable[str] = sasl.MECHANISMS,
        auto_rename: bool = False,
    ) -> None:
        self._link = link
        self._world = world
        self._me = me
        self._history = history
        self.wanted_caps = frozenset(caps)
        self.auto_rename = auto_rename
        self.account_name = account
        """The account to log in to; None: the nick we want."""
        self.account_password = account_password
        """The password that logs in to :attr:`account_name` (kept after a login worked,
        forgotten after one failed while connecting). Never logged."""
        self.sasl_mechanisms = tuple(sasl_mechanisms)
        self.certificate = False
        """A client certificate is presented in the TLS handshake: without a password, log
        in with SASL EXTERNAL where the server lists it (the runner's caller sets this)."""
        self.reset()

    def reset(self) -> None:
        """The connection is gone (or not there yet): back to :attr:`Phase.CLOSED`."""
        self.phase = Phase.CLOSED
        self.account: str | None = None
        """The account we are logged in to on this connection, or None."""
        self._cap_ls: dict[str, str | None] = {}
        self._cap_requests = 0
        self._sasl: _SaslExchange | None = None
        self._pending_password: str | None = None
        """The password of a /login or /register under way: kept once it worked."""
        self._motd: list[str] = []

    def handlers(self) -> dict[str, Handler]:
        """This part's handlers, by command, for the facade's dispatch table."""
        return _HANDLERS.bind(self)

    @property
    def connected(self) -> bool:
        """A connection is open (:meth:`start` was called and it was not lost since)."""
        return self.phase is not Phase.CLOSED

    @property
    def registered(self) -> bool:
        """RPL_WELCOME arrived: the nick is ours."""
        return self.phase in _REGISTERED

    @property
    def ready(self) -> bool:
        """The welcome burst is over (``Registered`` was reported); intents may be used."""
        return self.phase is Phase.READY

    # -- intents ---------------------------------------------------------------------------

    def start(self, password: str | None) -> None:
        """Begin registering a fresh connection: ``CAP LS 302``, ``PASS`` (the server's
        ``password``, if any), ``NICK``, ``USER``. Call :meth:`reset` first."""
        self.phase = Phase.CAPS
        me = self._me
        self._link.send("CAP", "LS", "302")
        if password is not None:
            self._link.send("PASS", password)
        self._link.send("NICK", me.nick)
        self._link.send("USER", me.username, "0", "*", me.realname)

    def login(self, password: str, account: str | None, *, label: str | None) -> None:
        """Log in to ``account`` (default: the nick the server took from us, else ours) with
        SASL, else by ``IDENTIFY`` to NickServ; :class:`LoggedIn` or :class:`LoginFailed`
        answers. One login at a time. The facade checks that we are registered."""
        account = account or self._me.reclaim_nick or self._me.nick
        if self._sasl is not None:
            return  # one login at a time: this one ends with its own event
        self._pending_password = password
        if self._link.has_cap("sasl") and self._start_sasl(account, password, registering=False):
            return
        self._link.send("PRIVMSG", NICKSERV, f"IDENTIFY {account} {password}", label=label)

    def register_account(self, password: str, *, label: str | None) -> None:
        """Register our nick as an account (``REGISTER``, else ``REGISTER`` to NickServ);
        :class:`AccountRegistered` then :class:`LoggedIn`, or :class:`RegistrationFailed`
        answers. The facade checks that we are registered."""
        self._pending_password = password
        if any(self._link.has_cap(cap) for cap in REGISTRATION_CAPS):
            self._link.send("REGISTER", "*", password, label=label)
        else:
            self._link.send("PRIVMSG", NICKSERV, f"REGISTER {password}", label=label)

    def registration_refused(self, code: str, context: tuple[str, ...], text: str) -> list[Event]:
        """``FAIL REGISTER <code> <context> :text``: the password is not kept."""
        self._pending_password = None
        return [RegistrationFailed(code, context[0] if context else self._me.nick, text)]

    # -- capabilities (https://ircv3.net/specs/extensions/capability-negotiation) ----------

    @_HANDLERS.on("CAP")
    def _on_cap(self, message: IrcMessage) -> list[Event]:
        """``CAP <nick> LS|NEW|ACK|NAK|DEL [*] :<tokens>``."""
        if len(message.params) < 2:
            return []
        sub = message.params[1].upper()
        more = len(message.params) >= 4 and message.params[2] == "*"
        tokens = message.params[-1].split() if len(message.params) > 2 else []
        link = self._link
        if sub in ("LS", "NEW"):
            for token in tokens:
                name, equals, value = token.partition("=")
                self._cap_ls[name] = value if equals else None
            if more:
                return []
            offered, self._cap_ls = self._cap_ls, {}
            link.caps_available.update(offered)
            # STS first: the runner may drop a plain connection before answering anything.
            sts = [StsAdvertised(**asdict(parse_sts(offered["sts"])))] if "sts" in offered else []
            self._request_caps(offered)
            return [*sts, *self._maybe_end_caps()]
        if sub in ("ACK", "NAK"):
            if sub == "ACK":
                for token in tokens:
                    if token.startswith("-"):
                        link.caps_enabled.discard(token[1:])
                    else:
                        link.caps_enabled.add(token)
            if not more:
                self._cap_requests = max(0, self._cap_requests - 1)
            events = self._maybe_end_caps()
            if sub == "ACK" and self.phase not in _NEGOTIATING and not events:
                events = [CapabilitiesChanged(frozenset(link.caps_enabled))]
            return events
        if sub == "DEL":
            for token in tokens:
                link.caps_available.pop(token, None)
                link.caps_enabled.discard(token)
            return [CapabilitiesChanged(frozenset(link.caps_enabled))]
        return []

    def _request_caps(self, offered: Mapping[str, str | None]) -> None:
        wanted = [name for name in offered if name in self.wanted_caps]
        wanted = [name for name in wanted if name not in self._link.caps_enabled]
        wanted = _one_metadata_draft(wanted, self._link.caps_enabled)
        line: list[str] = []
        for name in wanted:
            if line and len(" ".join([*line, name])) > 400:
                self._link.send("CAP", "REQ", " ".join(line))
                self._cap_requests += 1
                line = []
            line.append(name)
        if line:
            self._link.send("CAP", "REQ", " ".join(line))
            self._cap_requests += 1

    def _maybe_end_caps(self) -> list[Event]:
        """``CAP END`` once every request is answered and the login while connecting (tried
        once, on leaving :attr:`Phase.CAPS`) is over."""
        if self.phase not in _NEGOTIATING or self._cap_requests or self._sasl is not None:
            return []
        if self.phase is Phase.CAPS:
            password = self.account_password
            if password is None and self.certificate and self._offers(sasl.EXTERNAL):
                account = self.account_name or self._me.nick
                self._sasl = _SaslExchange(account, "", [sasl.EXTERNAL], registering=True)
                self._try_mechanism(self._sasl)
                self.phase = Phase.SASL
                return []
            if password is not None and self._link.has_cap("sasl"):
                account = self.account_name or self._me.nick
                if self._start_sasl(account, password, registering=True):
                    self.phase = Phase.SASL
                    return []  # CAP END when the login has ended, either way
        self.phase = Phase.REGISTERING
        self._link.send("CAP", "END")
        return [CapabilitiesChanged(frozenset(self._link.caps_enabled))]

    @_HANDLERS.on(n.ERR_UNKNOWNCOMMAND)
    def _on_unknown_command(self, message: IrcMessage) -> list[Event]:
        command = message.params[1].upper() if len(message.params) > 1 else ""
        if command == "CAP":
            if self.phase is Phase.CAPS:
                self.phase = Phase.REGISTERING  # a server without CAP: registration goes on
            return []
        if command == "AUTHENTICATE" and self._sasl is not None:
            return self._sasl_failed(message.command, message.params[-1])
        return numeric_reply(message)

    # -- SASL (https://ircv3.net/specs/extensions/sasl-3.1) --------------------------------

    def _offers(self, mechanism: str) -> bool:
        """Whether the ``sasl`` capability (enabled) lists ``mechanism`` by name."""
        offered = self._link.caps_available.get("sasl") if self._link.has_cap("sasl") else None
        return mechanism in {name.strip().upper() for name in (offered or "").split(",")}

    def _start_sasl(self, account: str, password: str, *, registering: bool) -> bool:
        """Begin a SASL login; False if we share no mechanism with the server."""
        offered = self._link.caps_available.get("sasl")
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
        self._link.send("AUTHENTICATE", name)

    def _end_sasl(self) -> list[Event]:
        """The exchange is over; while connecting, registration goes on (CAP END)."""
        exchange, self._sasl = self._sasl, None
        if exchange is not None and exchange.registering:
            return self._maybe_end_caps()
        return []

    def _sasl_failed(self, code: str, reason: str) -> list[Event]:
        exchange = self._sasl
        if exchange is None:
            account = self.account_name or self._me.nick
            return [LoginFailed(account, reason, code, self.registered)]
        if exchange.aborted is not None:
            reason = exchange.aborted
        if exchange.candidates[:1] == [sasl.EXTERNAL]:
            self.certificate = False  # not again on every reconnection
            reason = (
                f"the server did not accept your client certificate ({reason}); log in "
                "with your password, then add the certificate with /cert add"
            )
        if exchange.registering:
            self.account_password = None  # not again on every reconnection
        self._pending_password = None
        failed = LoginFailed(exchange.account, reason, code, self.registered)
        return [failed, *self._end_sasl()]

    @_HANDLERS.on("AUTHENTICATE")
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
            self._link.send("AUTHENTICATE", "*")  # 906 follows, and reports the reason
            return []
        for chunk in sasl.encode_response(response):
            self._link.send("AUTHENTICATE", chunk)
        return []

    @_HANDLERS.on(n.RPL_LOGGEDIN)
    def _on_logged_in(self, message: IrcMessage) -> list[Event]:
        """``900 <nick> <mask> <account> :text``: by SASL, REGISTER or NickServ."""
        if len(message.params) < 3:
            return []
        account = message.params[2]
        me = self._me
        self.account = account
        me.protected_nick = None
        self._world.user(me.nick).account = account
        if self._pending_password is not None:
            self.account_name, self.account_password = account, self._pending_password
            self._pending_password = None
        reclaim = me.reclaim_nick
        if self.registered and reclaim is not None and fold(reclaim) == fold(account):
            me.nick_requested = fold(reclaim)
            self._link.send("NICK", reclaim)  # the server frees it for its owner
        return [LoggedIn(account)]

    @_HANDLERS.on(n.RPL_LOGGEDOUT)
    def _on_logged_out(self, message: IrcMessage) -> list[Event]:
        self.account = None
        self._world.user(self._me.nick).account = None
        return [LoggedOut()]

    @_HANDLERS.on(n.RPL_SASLSUCCESS)
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

    @_HANDLERS.on(n.ERR_SASLFAIL, n.ERR_SASLTOOLONG, n.ERR_NICKLOCKED, n.ERR_SASLABORTED)
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

    @_HANDLERS.on(n.ERR_SASLALREADY)
    def _on_sasl_already(self, message: IrcMessage) -> list[Event]:
        self._pending_password = None
        reason = message.params[-1] if len(message.params) > 1 else "Already logged in"
        if self._sasl is None:
            return [LoginFailed(self.account or self._me.nick, reason, message.command, True)]
        return self._sasl_failed(message.command, reason)

    @_HANDLERS.on(n.RPL_SASLMECHS)
    def _on_sasl_mechs(self, message: IrcMessage) -> list[Event]:
        """The mechanisms the server has, after it refused ours: keep only those."""
        exchange = self._sasl
        if exchange is not None and len(message.params) > 1:
            offered = {name.strip().upper() for name in message.params[1].split(",")}
            current, *rest = exchange.candidates
            exchange.candidates = [current, *(name for name in rest if name in offered)]
        return []

    # -- account registration (https://ircv3.net/specs/extensions/account-registration) ---

    @_HANDLERS.on("REGISTER")
    def _on_register(self, message: IrcMessage) -> list[Event]:
        """``REGISTER SUCCESS|VERIFICATION_REQUIRED <account> :text``."""
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

    # -- the welcome burst (Modern IRC, connection registration) ---------------------------

    @_HANDLERS.on(n.RPL_WELCOME)
    def _on_welcome(self, message: IrcMessage) -> list[Event]:
        if self.phase is not Phase.READY:
            self.phase = Phase.WELCOMED
        me = self._me
        if message.params:
            me.nick = message.params[0]
        if me.reclaim_nick is not None and me.is_me(me.reclaim_nick):
            me.reclaim_nick = None
        return numeric_reply(message)

    @_HANDLERS.on(n.RPL_MOTDSTART)
    def _on_motd_start(self, message: IrcMessage) -> list[Event]:
        self._motd = []
        return []

    @_HANDLERS.on(n.RPL_MOTD)
    def _on_motd(self, message: IrcMessage) -> list[Event]:
        line = message.params[-1] if message.params else ""
        self._motd.append(line[2:] if line.startswith("- ") else line)
        return []

    @_HANDLERS.on(n.RPL_ENDOFMOTD)
    def _on_end_of_motd(self, message: IrcMessage) -> list[Event]:
        lines, self._motd = tuple(self._motd), []
        return [Motd(lines), *self._complete_registration()]

    @_HANDLERS.on(n.ERR_NOMOTD)
    def _on_no_motd(self, message: IrcMessage) -> list[Event]:
        return self._complete_registration()

    @_HANDLERS.on(n.ERR_NICKNAMEINUSE, n.ERR_ERRONEUSNICKNAME, n.ERR_NONICKNAMEGIVEN)
    def _on_nick_rejected(self, message: IrcMessage) -> list[Event]:
        params = message.params
        nick = params[1] if len(params) > 2 else self._me.nick
        reason = params[-1] if params else "Nickname rejected"
        retry: str | None = None
        if not self.registered and self.auto_rename and message.command == n.ERR_NICKNAMEINUSE:
            retry = self._alternative_nick(nick)
            self._me.nick = retry
            self._link.send("NICK", retry)
        return [NickRejected(nick, reason, message.command, self.registered, retry)]

    def _alternative_nick(self, nick: str) -> str:
        limit = self._world.server.nicklen
        if len(nick) < limit:
            return nick + "_"
        last = nick[-1]
        return nick[: limit - 1] + (
            str((int(last) + 1) % 10) if last.isascii() and last.isdigit() else "1"
        )

    def _complete_registration(self) -> list[Event]:
        """End of the welcome burst (:attr:`Phase.READY`): log in by NickServ if SASL could
        not, subscribe, restore colour, away and rooms, and ask what direct conversations
        missed meanwhile."""
        if self.phase is Phase.READY:
            return []
        self.phase = Phase.READY
        me, link = self._me, self._link
        password = self.account_password
        if password is not None and self.account is None and not link.has_cap("sasl"):
            account = self.account_name or me.nick
            link.send("PRIVMSG", NICKSERV, f"IDENTIFY {account} {password}")
        if dialect_for(link.caps_enabled) is not None:
            link.send("METADATA", "*", "SUB", *METADATA_KEYS)
            for key, value in me.metadata.items():
                link.send("METADATA", "*", "SET", key, value)
        if me.away_message:
            link.send("AWAY", me.away_message)
        for name, channel_key in list(me.rooms.values()):
            link.send("JOIN", name, *([channel_key] if channel_key else []))
        self._history.fill_gaps()
        server = self._world.server
        return [Registered(me.nick, server.network, server.name)]


def _one_metadata_draft(wanted: list[str], enabled: set[str] | frozenset[str]) -> list[str]:
    """``wanted`` with at most one metadata draft, the newest offered (``draft/metadata-3``
    before ``draft/metadata-2``), and none if one is enabled already: a client "MUST NOT
    request more than one" (ircv3-specifications PR #613)."""
    if any(cap in enabled for cap in METADATA_CAPS):
        return [name for name in wanted if name not in METADATA_CAPS]
    best = next((cap for cap in METADATA_CAPS if cap in wanted), None)
    return [name for name in wanted if name not in METADATA_CAPS or name == best]

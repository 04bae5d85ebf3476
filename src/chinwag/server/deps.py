"""What a command handler may use, typed: :class:`Deps`, built once per core.

Handlers get these through their :class:`~chinwag.server.context.Context` instead of the
core itself, so a handler can neither call the core's entry points nor reach its internals,
and each dependency says what it is for. The in-memory harness builds the same object with
an in-memory store and deferred work run at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from chinwag import __version__
from chinwag.config import Config, Limits
from chinwag.protocol import caps, isupport, multiline
from chinwag.protocol.metadata import KEY_MAX_BYTES
from chinwag.server import sources
from chinwag.server.accounts import AccountRegistry, LoginThrottle
from chinwag.server.banlist import BanList
from chinwag.server.delivery import Delivery
from chinwag.server.effects import Effects
from chinwag.server.history import HistoryWriter
from chinwag.server.metrics import Counters
from chinwag.server.services.presence import Presence
from chinwag.server.services.sessions import Sessions
from chinwag.server.services.verification import PendingAccounts
from chinwag.server.state import Network, User
from chinwag.storage.base import Store


@dataclass(slots=True)
class StsPolicy:
    """IRCv3 Strict Transport Security (https://ircv3.net/specs/extensions/sts), from the
    ``[tls]`` settings. ``port`` is the first ``tls`` listener's bound port, which is known
    only once it is bound (the config may say 0): the application sets it
    (:attr:`chinwag.server.core.ServerCore.tls_port`) before the listeners accept anyone."""

    duration: int
    preload: bool
    port: int | None = None


@dataclass(frozen=True, slots=True)
class ServerFacts:
    """What the server tells clients about itself, fixed at start-up: its name and version,
    when it started, its ISUPPORT lines (RPL_ISUPPORT) and the capability values that depend
    on the configuration (``CAP LS 302``)."""

    name: str
    version: str
    started: float
    isupport_lines: tuple[tuple[str, ...], ...]
    cap_values: dict[str, str | None]
    sts: StsPolicy | None = None
    """The STS policy (``[tls] sts_duration`` set); advertised once :attr:`StsPolicy.port`
    is known."""

    def sts_value(self, secure: bool) -> str | None:
        """The ``sts`` capability's value for a connection (secure or not), or ``None``
        when there is no policy to advertise."""
        sts = self.sts
        if sts is None or sts.port is None:
            return None
        return caps.sts_value(secure, sts.port, sts.duration, sts.preload)

    @classmethod
    def from_config(cls, config: Config) -> ServerFacts:
        """The facts ``config`` implies, started now."""
        limits = config.limits
        lines = isupport.lines(
            isupport.SupportLimits(
                network=config.server.network,
                nicklen=limits.nicklen,
                channellen=limits.channellen,
                topiclen=limits.topiclen,
                kicklen=limits.kicklen,
                awaylen=limits.awaylen,
                userlen=limits.userlen,
                namelen=limits.realnamelen,
                max_channels=limits.max_channels,
                max_targets=limits.max_targets,
                max_bans=limits.max_bans,
                monitor=limits.monitor,
                max_list_modes=limits.max_bans,
                chathistory=config.history.chathistory_limit,
            ),
            config.server.name,
        )
        values: dict[str, str | None] = {
            caps.METADATA: caps.metadata_value(
                limits.metadata_max_subs, limits.metadata_max_keys, limits.metadata_max_value_bytes
            ),
            caps.MULTILINE: multiline.cap_value(
                limits.multiline_max_bytes, limits.multiline_max_lines
            ),
            caps.METADATA_3: caps.metadata_value(
                limits.metadata_max_subs,
                limits.metadata_max_keys,
                limits.metadata_max_value_bytes,
                KEY_MAX_BYTES,
            ),
            caps.ACCOUNT_REGISTRATION: caps.account_registration_value(
                config.accounts.min_password_length,
                before_connect=config.accounts.register_before_connect,
                email_required=config.accounts.email_verification,
            ),
        }
        tls = config.tls
        has_tls = any(listener.kind == "tls" for listener in config.listeners)
        return cls(
            name=config.server.name,
            version=f"chinwag-{__version__}",
            started=sources.now(),
            isupport_lines=tuple(tuple(tokens) for tokens in lines),
            cap_values=values,
            sts=StsPolicy(tls.sts_duration, tls.sts_preload)
            if tls.sts_duration > 0 and has_tls
            else None,
        )


@dataclass(frozen=True, slots=True, eq=False)
class Deps:
    """The dependencies of every handler of one core.

    ``clock`` is the monotonic clock of timeouts and throttles (tests move their own);
    ``delivery`` is the only way to write to another session; ``history`` takes relayed
    messages for the store; ``store`` and ``effects`` are for deferred work
    (:meth:`~chinwag.server.context.Context.later`); ``nick_deadlines`` lists users holding
    a registered nick without its login, with when they get renamed.
    """

    config: Config
    facts: ServerFacts
    clock: Callable[[], float]
    network: Network
    delivery: Delivery
    history: HistoryWriter
    store: Store
    effects: Effects
    accounts: AccountRegistry
    throttle: LoginThrottle
    presence: Presence
    sessions: Sessions
    nick_deadlines: dict[User, float]
    counters: Counters
    """The running totals ``/metrics`` reports (:mod:`chinwag.server.metrics`): plain ints,
    cheap enough for any handler to add to."""
    pending_accounts: PendingAccounts = field(default_factory=PendingAccounts)
    """Accounts registered but waiting for their e-mailed code (``VERIFY``)."""
    bans: BanList = field(default_factory=BanList)
    """The operators' server bans in force (``UBAN``); the application loads them from the
    store at start-up."""

    @property
    def name(self) -> str:
        """The server's name, the source of its own messages."""
        return self.facts.name

    @property
    def limits(self) -> Limits:
        """The ``[limits]`` settings."""
        return self.config.limits

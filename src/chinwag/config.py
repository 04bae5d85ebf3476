"""The one configuration object, built once at start-up.

Sources, highest precedence first: command-line flags, environment variables
(``CHINWAG_<SECTION>_<KEY>``, e.g. ``CHINWAG_SERVER_NAME``, ``CHINWAG_LIMITS_SENDQ``, plus the
shortcuts ``CHINWAG_HOST`` and ``CHINWAG_PORT``), a TOML file, defaults. The commented
``example.toml`` in this package documents every key. Defaults that depend on the machine (the
per-user data directory) are worked out here too, from the environment mapping given to
:func:`load_config`. Everything else in chinwag receives the slice of :class:`Config` it needs
as an argument; nothing reads the environment itself.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import argon2

# Re-exported: the [cluster] section is part of this module's face like any other.
from chinwag.config_cluster import ClusterSettings as ClusterSettings
from chinwag.config_cluster import cluster_settings_problems
from chinwag.config_cluster import node_name as node_name

DEFAULT_PORT = 6667

STORAGE_BACKENDS = ("sqlite", "memory", "postgresql")
"""The ``[storage] backend`` values chinwag knows."""

DATABASE_FILE = "chinwag.db"
"""The SQLite file's name in the data directory, unless ``[storage] path`` says otherwise."""


class ConfigError(ValueError):
    """A configuration that cannot be used; the message says which key and why."""


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """Who the server says it is, and what it greets users with."""

    name: str = "chinwag.local"
    network: str = "chinwag"
    description: str = "a chinwag chat server"
    # Not "type /join #lobby": the first-party clients are in #lobby already (issue 22).
    motd: tuple[str, ...] = (
        "Welcome to chinwag! /list shows the rooms, /join #name enters one, /help lists the rest.",
    )
    password: str | None = None
    """A connection password (``PASS``) every client must give, or ``None`` for none."""
    default_channel: str = "#lobby"
    cloak_hosts: bool = True
    """Show each user's host to others as a keyed hash of their address (operators see the
    address in WHOIS); off, everyone's address is shown to everyone."""
    cloak_secret: str = ""
    """The key of the cloaks. Empty: one is generated on first start and kept in the data
    directory (``cloak.key``, readable by the server's user only) so cloaks survive restarts.
    Servers that share users (or a ban list) should share one secret."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Sizes and timeouts; they are also announced in ISUPPORT where the spec has a token."""

    nicklen: int = 30
    userlen: int = 16
    channellen: int = 64
    topiclen: int = 390
    kicklen: int = 255
    awaylen: int = 200
    realnamelen: int = 128
    max_channels: int = 50
    max_targets: int = 4
    max_bans: int = 100
    monitor: int = 100
    whowas: int = 1000
    sendq: int = 1_048_576
    """Bytes queued for one session before it is closed with ``SendQ exceeded``."""
    registration_timeout: float = 60.0
    ping_interval: float = 120.0
    """Seconds of silence from a client before the server sends it a PING."""
    ping_timeout: float = 60.0
    """Seconds the client then has to answer before it is disconnected."""
    max_clients: int = 20_000
    metadata_max_keys: int = 20
    """Metadata keys one user or channel may have set (draft/metadata-2 ``max-keys``)."""
    metadata_max_subs: int = 50
    """Metadata keys one client may subscribe to (draft/metadata-2 ``max-subs``)."""
    metadata_max_value_bytes: int = 300
    """Longest metadata value, in UTF-8 bytes (draft/metadata-2 ``max-value-bytes``)."""
    metadata_changes_burst: int = 20
    """Metadata changes (``METADATA SET`` / ``CLEAR``) one session may make at once; one
    more each second after that. Beyond, the change is refused with ERR_METADATARATELIMIT
    (draft/metadata-3) or ``FAIL METADATA RATE_LIMITED`` (draft/metadata-2): each change is
    sent to everyone who shares a room, so a flood of them is a flood for all."""
    multiline_max_bytes: int = 4096
    """Bytes of text one multiline message may hold, line feeds counted (draft/multiline
    ``max-bytes``)."""
    multiline_max_lines: int = 100
    """Lines one multiline message may hold (draft/multiline ``max-lines``)."""
    fakelag: bool = True
    """Flood control of each connection (RFC 1459 section 8.10, Ergo's "fakelag"): a client
    sending faster than ``flood_burst`` / ``flood_rate`` has its further lines delayed and
    reading from it paused; docs/security.md "Flood control"."""
    flood_burst: int = 20
    """Lines a client may send at once before fakelag delays it."""
    flood_rate: float = 2.0
    """Lines per second a client may keep sending after its burst."""
    flood_max_lag: float = 30.0
    """Seconds of delay a client's lines may pile up (lines it already sent that wait their
    turn) before it is disconnected with ``Excess Flood``."""
    flood_exempt_cidrs: tuple[str, ...] = ()
    """Addresses (CIDR, e.g. ``"10.0.0.0/8"``) whose connections fakelag never delays."""
    flood_exempt_accounts: tuple[str, ...] = ()
    """Accounts whose sessions fakelag never delays once logged in (bots you trust)."""
    channel_flood_mute: float = 60.0
    """Seconds a sender is muted in a channel after passing its ``+f`` limit."""


DEFAULT_EXEMPT = ("127.0.0.0/8", "::1/128")
"""The addresses :class:`ConnectionLimits` leaves alone by default: this machine's own."""


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """The ``[connections]`` section: per-address limits on connecting, checked when a
    connection is accepted, before anything it sends is read (issue 17; the shape of Ergo's
    ``server.ip-limits``). An "address" here is a client's IPv4 address cut to
    ``ipv4_prefix`` bits and its IPv6 address cut to ``ipv6_prefix`` (one subscriber's /64
    is one address). 0 turns a limit off."""

    max_per_address: int = 16
    """Connections open at once from one address (all listeners together)."""
    throttle_connections: int = 32
    """New IRC connections one address may open within ``throttle_window`` seconds (on a
    web listener only WebSockets count: a page load is many one-request connections)."""
    throttle_window: float = 600.0
    ipv4_prefix: int = 32
    ipv6_prefix: int = 64
    exempt: tuple[str, ...] = DEFAULT_EXEMPT
    """Addresses or CIDR ranges the limits (not the bans) do not apply to. Loopback by
    default, for a bouncer or a bridge on the same machine; a LAN server whose friends all
    come from one router's address may add its subnet (``"192.168.0.0/16"``)."""


DEFAULT_PORTS = {"tcp": DEFAULT_PORT, "tls": 6697, "http": 8097, "https": 8443}
"""Each listener ``kind`` and the port it takes when none is given.

``tcp`` is IRC over plain TCP (Modern IRC); ``tls`` the same over TLS; ``http`` serves the
web page, ``/healthz``, ``/metrics`` and IRC over WebSocket at ``/ws`` (IRCv3 WebSocket);
``https`` the same over TLS."""

LISTENER_KINDS = tuple(DEFAULT_PORTS)
"""What a listener may carry (:data:`DEFAULT_PORTS`)."""

TLS_KINDS = frozenset({"tls", "https"})
"""The listener kinds that speak TLS, with the certificate of ``[tls]``."""

WEB_KINDS = frozenset({"http", "https"})
"""The listener kinds that speak HTTP (and WebSocket at ``/ws``)."""


@dataclass(frozen=True, slots=True)
class Listener:
    """One address to accept connections on, and what they carry (:data:`LISTENER_KINDS`)."""

    host: str = "0.0.0.0"
    port: int = DEFAULT_PORT
    kind: str = "tcp"

    @property
    def tls(self) -> bool:
        """Whether connections to this listener speak TLS first."""
        return self.kind in TLS_KINDS

    @property
    def web(self) -> bool:
        """Whether this listener speaks HTTP (and WebSocket) rather than bare IRC lines."""
        return self.kind in WEB_KINDS


DEFAULT_LISTENERS = tuple(Listener(port=port, kind=kind) for kind, port in DEFAULT_PORTS.items())
"""What a server opens when neither the file nor the flags name listeners: every kind on
every interface, each on its own default port."""


@dataclass(frozen=True, slots=True)
class Operator:
    """An operator block: ``OPER <name> <password>`` from a matching host grants ``+o``.

    ``password`` is the argon2 hash of the password (``$argon2id$...``, made with
    ``chinwag hash-password``); :func:`load_config` refuses anything else, so the password
    itself is never kept in a config file (issue 24, item 8).
    """

    name: str
    password: str
    hostmask: str = "*"


@dataclass(frozen=True, slots=True)
class StorageSettings:
    """The ``[storage]`` section: where history (and later accounts) are kept.

    :func:`load_config` always fills in ``data_dir`` and ``path``; they are ``None`` only in a
    :class:`Config` built in code, which a server uses with a store it is given (tests).
    """

    backend: str = "sqlite"
    """``sqlite`` (one file, the default), ``postgresql`` (a PostgreSQL database, which
    several nodes may share) or ``memory`` (nothing survives a restart)."""
    data_dir: Path | None = None
    """Where chinwag keeps its files; by default the per-user data directory."""
    path: Path | None = None
    """The SQLite database file; by default ``chinwag.db`` in ``data_dir``."""
    dsn: str | None = None
    """The PostgreSQL server and database (``postgresql://user:password@host/db``) of the
    ``postgresql`` backend, which needs it; unused by the others."""


ALWAYS_ON_MODES = ("opt-out", "opt-in", "disabled", "mandatory")
"""The values of ``[accounts] always_on``."""


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """The ``[accounts]`` section: registration, login and nick protection (issue 4)."""

    registration: bool = True
    """Whether anyone may register an account (REGISTER, NickServ REGISTER)."""
    register_before_connect: bool = True
    """Whether ``REGISTER`` works before connection registration completes (the
    ``before-connect`` key of ``draft/account-registration``); ``false`` answers it with
    ``FAIL REGISTER COMPLETE_CONNECTION_REQUIRED`` until the welcome."""
    email_verification: bool = False
    """Whether ``REGISTER`` needs an e-mail address and a code mailed to it (``VERIFY``)
    before the account exists (the ``email-required`` key). Needs ``mail_command``."""
    mail_command: str = ""
    """The program that mails a verification code, run without a shell with the address as
    its last argument and the message (headers and body) on stdin, like ``sendmail -i``;
    it also finds the code in ``CHINWAG_VERIFY_CODE`` and the account in
    ``CHINWAG_ACCOUNT``."""
    verification_ttl: float = 3600.0
    """Seconds a mailed code stays valid; the pending account is forgotten after."""
    verification_attempts: int = 5
    """Wrong codes allowed for one pending account before it is forgotten."""
    min_password_length: int = 8
    max_password_length: int = 300
    """Passwords travel in PRIVMSG to NickServ too, so they must fit one line (the
    account-registration spec suggests 300 bytes)."""
    guest_grace: float = 30.0
    """Seconds a client may hold a registered nick without logging in before it is renamed."""
    guest_prefix: str = "Guest"
    login_failures: int = 5
    """Failed logins allowed per account and per IP address within ``login_window``."""
    login_window: float = 60.0
    argon2_time_cost: int = 3
    """argon2id passes (argon2-cffi's default); tests lower these to keep hashing quick."""
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    scram_iterations: int = 4096
    """PBKDF2 rounds of the stored SCRAM-SHA-256 keys (RFC 7677 asks for at least 4096)."""
    always_on: str = "opt-out"
    """Always-on accounts (issue 16; Ergo's ``accounts.multiclient.always-on``): whether a
    logged-in user stays in its channels, keeping its nick, when its last session ends.
    One of :data:`ALWAYS_ON_MODES`: ``"opt-out"`` (on unless the account turns it off with
    ``NickServ SET ALWAYS-ON OFF``), ``"opt-in"`` (off unless turned on), ``"disabled"``
    (never), ``"mandatory"`` (always, accounts cannot turn it off)."""
    always_on_away: str = "Not connected"
    """The away text of an always-on user with no session connected, unless its account set
    its own (``NickServ SET AWAY-MESSAGE``)."""


@dataclass(frozen=True, slots=True)
class HistorySettings:
    """The ``[history]`` section: what is kept, for how long, and what is replayed."""

    replay_lines: int = 20
    """Lines of a room replayed on JOIN to clients without draft/chathistory (0: none)."""
    chathistory_limit: int = 100
    """Most messages one CHATHISTORY request returns (ISUPPORT ``CHATHISTORY``)."""
    max_age_days: float = 0.0
    """Messages older than this are deleted (0: kept for ever)."""
    max_per_target: int = 0
    """Messages kept per room or conversation, the oldest deleted first (0: no limit)."""


@dataclass(frozen=True, slots=True)
class TlsSettings:
    """The ``[tls]`` section: the certificate of the ``tls`` and ``https`` listeners, and
    IRCv3 Strict Transport Security (https://ircv3.net/specs/extensions/sts)."""

    cert: str = ""
    """The certificate chain (PEM), such as Let's Encrypt's ``fullchain.pem``. Empty: a
    self-signed one made on first start and kept in the data directory."""
    key: str = ""
    """The private key (PEM) of ``cert``; empty when ``cert`` holds the key too."""
    handshake_timeout: float = 10.0
    """Seconds a connection has to finish its TLS handshake before it is dropped."""
    sts_duration: int = 0
    """Seconds clients should keep to TLS once told (the ``sts`` capability's ``duration``);
    0 does not advertise ``sts`` at all. Turn it on only with a certificate clients can
    verify: a client that has seen the policy refuses plain connections for that long."""
    sts_preload: bool = False
    """Allow the STS policy to be preloaded into clients (the ``preload`` key)."""


METRICS_ACCESS = ("loopback", "open", "off")
"""Who may read ``/metrics``: loopback addresses only, anyone, or nobody."""


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """The ``[http]`` section: the ``http``/``https`` listeners' WebSocket and ``/metrics``."""

    allowed_origins: tuple[str, ...] = ()
    """Origins (``https://chat.example.org``) whose pages may open a WebSocket, besides the
    server's own page (same origin is always allowed). ``"*"`` allows every origin."""
    max_message_bytes: int = 16384
    """Largest WebSocket message taken from a client; a larger one closes the connection."""
    ping_interval: float = 30.0
    """Seconds between WebSocket pings to each browser (0: none)."""
    ping_timeout: float = 30.0
    """Seconds to answer one before the connection is closed."""
    metrics: str = "loopback"
    """Who may read ``/metrics``: ``loopback``, ``open`` or ``off`` (:data:`METRICS_ACCESS`)."""
    metrics_token: str = ""
    """If set, ``/metrics`` also needs ``Authorization: Bearer <token>``."""


LOG_LEVELS = ("debug", "info", "warning", "error")
"""The ``[log] level`` values."""


@dataclass(frozen=True, slots=True)
class LogSettings:
    """The ``[log]`` section: the console, and a rotating log file."""

    file: str = ""
    """A log file, rotated by size; empty for the console only."""
    max_bytes: int = 10_485_760
    """Size at which the log file is rotated."""
    backups: int = 5
    """Rotated files kept (``chinwag.log.1`` ... ``.5``)."""
    level: str = "info"
    """``debug``, ``info``, ``warning`` or ``error`` (:data:`LOG_LEVELS`); the
    ``--log-level`` flag wins."""


@dataclass(frozen=True, slots=True)
class Config:
    """Everything the server needs to start."""

    server: ServerInfo = field(default_factory=ServerInfo)
    limits: Limits = field(default_factory=Limits)
    listeners: tuple[Listener, ...] = DEFAULT_LISTENERS
    operators: tuple[Operator, ...] = ()
    storage: StorageSettings = field(default_factory=StorageSettings)
    accounts: AccountSettings = field(default_factory=AccountSettings)
    history: HistorySettings = field(default_factory=HistorySettings)
    tls: TlsSettings = field(default_factory=TlsSettings)
    http: HttpSettings = field(default_factory=HttpSettings)
    log: LogSettings = field(default_factory=LogSettings)
    connections: ConnectionLimits = field(default_factory=ConnectionLimits)
    cluster: ClusterSettings = field(default_factory=ClusterSettings)


def cluster_problems(config: Config) -> list[str]:
    """Why ``config`` cannot run as a node of a cluster, one sentence each; empty when it
    can or when ``[cluster] redis`` is unset. The server calls it at start, since nodes must
    share one database (SQLite is one machine's file, memory is one process's)."""
    if config.cluster.redis and config.storage.backend != "postgresql":
        return [
            'a cluster needs [storage] backend = "postgresql" (it is '
            f'"{config.storage.backend}"): every node must see the same accounts and history'
        ]
    return []


def example_config_text() -> str:
    """The commented example configuration shipped with the package."""
    return resources.files("chinwag").joinpath("example.toml").read_text(encoding="utf-8")


def _coerce(section: str, name: str, expected: Any, value: Any) -> Any:
    """Convert a file or environment value to the field's type, or say why it cannot be."""
    where = f"[{section}] {name}"
    kind = expected if isinstance(expected, type) else None
    if isinstance(value, str) and kind in (int, float):
        try:
            value = kind(value)
        except ValueError:
            raise ConfigError(f"{where}: expected a number, got {value!r}") from None
    if kind is int and (not isinstance(value, int) or isinstance(value, bool)):
        raise ConfigError(f"{where}: expected a whole number, got {value!r}")
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        value = float(value)
    if kind in (int, float) and value < 0:
        raise ConfigError(f"{where}: must not be negative, got {value!r}")
    return value


def _boolean(section: str, name: str, value: Any) -> bool:
    """A TOML boolean, or an environment string such as ``true``/``0``/``no``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"[{section}] {name}: expected true or false, got {value!r}")


def _default_of(spec: dataclasses.Field[Any]) -> Any:
    """A field's default value; ``None`` for a field without one (a required text field)."""
    if spec.default is not dataclasses.MISSING:
        return spec.default
    if spec.default_factory is not dataclasses.MISSING:
        return spec.default_factory()
    return None


def _build_section(cls: type[Any], section: str, raw: Mapping[str, Any]) -> Any:
    """Build one frozen section from a mapping, rejecting keys it does not have."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ConfigError(f"[{section}]: unknown key(s) {', '.join(unknown)}")
    required = [name for name, f in fields.items() if _default_of(f) is None and name not in raw]
    if required and cls is Operator:
        raise ConfigError(f"{section}: needs {' and '.join(required)}")
    values: dict[str, Any] = {}
    for name, value in raw.items():
        default = _default_of(fields[name])
        if isinstance(default, tuple):
            if isinstance(value, str):
                value = tuple(value.splitlines())
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"[{section}] {name}: expected a list of strings")
            values[name] = tuple(value)
        elif isinstance(default, bool):
            values[name] = _boolean(section, name, value)
        elif isinstance(default, (int, float)):
            values[name] = _coerce(section, name, type(default), value)
        elif value is not None and not isinstance(value, str):
            raise ConfigError(f"[{section}] {name}: expected text, got {value!r}")
        else:
            values[name] = (value or None) if name == "password" and cls is ServerInfo else value
    return cls(**values)


def _env_overrides(env: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Collect ``CHINWAG_<SECTION>_<KEY>`` variables into ``{section: {key: value}}``."""
    sections = {
        "SERVER": ServerInfo,
        "LIMITS": Limits,
        "STORAGE": StorageSettings,
        "ACCOUNTS": AccountSettings,
        "HISTORY": HistorySettings,
        "TLS": TlsSettings,
        "HTTP": HttpSettings,
        "LOG": LogSettings,
        "CONNECTIONS": ConnectionLimits,
        "CLUSTER": ClusterSettings,
    }
    found: dict[str, dict[str, str]] = {}
    for key, value in env.items():
        for prefix, cls in sections.items():
            head = f"CHINWAG_{prefix}_"
            if key.startswith(head):
                name = key[len(head) :].lower()
                if name in {f.name for f in dataclasses.fields(cls)}:
                    found.setdefault(prefix.lower(), {})[name] = value
    return found


def _home(env: Mapping[str, str], platform: str) -> Path:
    """The user's home directory, from the environment the way the platform names it."""
    name = "USERPROFILE" if platform == "win32" else "HOME"
    value = env.get(name)
    # Without the variable (a bare service environment) ask the OS, as the shell would.
    return Path(value) if value else Path.home()


def default_data_dir(env: Mapping[str, str], platform: str = sys.platform) -> Path:
    """The per-user directory chinwag keeps its files in when ``data_dir`` is not set.

    ``%LOCALAPPDATA%\\chinwag`` on Windows; elsewhere ``$XDG_DATA_HOME/chinwag`` or
    ``~/.local/share/chinwag`` (the XDG Base Directory default; a relative ``XDG_DATA_HOME``
    is ignored, as that specification says).
    """
    if platform == "win32":
        local = env.get("LOCALAPPDATA")
        base = Path(local) if local else _home(env, platform) / "AppData" / "Local"
        return base / "chinwag"
    xdg = env.get("XDG_DATA_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else _home(env, platform) / ".local/share"
    return base / "chinwag"


def _storage(raw: Mapping[str, Any], env: Mapping[str, str], platform: str) -> StorageSettings:
    """Build ``[storage]``, filling in the data directory and database file defaults."""
    fields = {f.name for f in dataclasses.fields(StorageSettings)}
    unknown = sorted(set(raw) - fields)
    if unknown:
        raise ConfigError(f"[storage]: unknown key(s) {', '.join(unknown)}")
    for name, value in raw.items():
        if not isinstance(value, str):
            raise ConfigError(f"[storage] {name}: expected text, got {value!r}")
    backend = raw.get("backend") or StorageSettings().backend
    if backend not in STORAGE_BACKENDS:
        known = " or ".join(f'"{name}"' for name in STORAGE_BACKENDS)
        raise ConfigError(f"[storage] backend: expected {known}, got {backend!r}")

    def given(name: str) -> Path | None:
        # Empty means the default, so the example file can show every key.
        text: str = raw.get(name, "")
        if not text:
            return None
        if text == "~" or text.startswith(("~/", "~\\")):
            return _home(env, platform) / text[2:]
        return Path(text)

    dsn = raw.get("dsn") or None
    if backend == "postgresql" and dsn is None:
        raise ConfigError(
            '[storage] dsn: backend "postgresql" needs the server to use, e.g.'
            ' dsn = "postgresql://chinwag@localhost/chinwag" (or CHINWAG_STORAGE_DSN)'
        )
    if dsn is not None and not dsn.startswith(("postgresql://", "postgres://")):
        raise ConfigError(f'[storage] dsn: expected a "postgresql://..." URL, got {dsn!r}')
    data_dir = given("data_dir") or default_data_dir(env, platform)
    return StorageSettings(backend, data_dir, given("path") or data_dir / DATABASE_FILE, dsn)


def _listener(raw: Mapping[str, Any], where: str) -> Listener:
    """One ``[[listeners]]`` entry; without a port, its kind's default (:data:`DEFAULT_PORTS`)."""
    kind = raw.get("kind", "tcp")
    if kind not in LISTENER_KINDS:
        known = ", ".join(LISTENER_KINDS)
        raise ConfigError(f"{where}: kind must be one of {known}, got {kind!r}")
    if "port" not in raw:
        raw = {**raw, "port": DEFAULT_PORTS[kind]}
    listener: Listener = _build_section(Listener, where, raw)
    if not 0 <= listener.port <= 65535:
        raise ConfigError(f"{where}: port must be between 0 and 65535, got {listener.port}")
    return listener


PORT_VARIABLES = {
    "tcp": "CHINWAG_PORT",
    "tls": "CHINWAG_TLS_PORT",
    "http": "CHINWAG_HTTP_PORT",
    "https": "CHINWAG_HTTPS_PORT",
}
"""The environment variable that gives each listener kind's port, as its flag does."""


def _chosen_listeners(
    listeners: tuple[Listener, ...],
    env: Mapping[str, str],
    host: str | None,
    ports: Mapping[str, int | None],
) -> tuple[Listener, ...]:
    """The listeners after the flags and environment: ports given there (``--port``,
    ``--tls-port``, ...) name exactly the listeners to open, all on one host; a host alone
    moves every listener of the file (or the defaults) to it."""
    chosen_host = host or env.get("CHINWAG_HOST")
    chosen: dict[str, int | str] = {}
    for kind, variable in PORT_VARIABLES.items():
        flag = ports.get(kind)
        value: int | str | None = flag if flag is not None else env.get(variable)
        if value is not None and value != "":
            chosen[kind] = value
    where = "listener (flags/environment)"
    if chosen:
        first_host = chosen_host or listeners[0].host
        return tuple(
            _listener({"host": first_host, "port": port, "kind": kind}, where)
            for kind, port in chosen.items()
        )
    if chosen_host is not None:
        return tuple(dataclasses.replace(listener, host=chosen_host) for listener in listeners)
    return listeners


def _checked_sections(tls: TlsSettings, http: HttpSettings, log: LogSettings) -> None:
    """The checks of ``[tls]``, ``[http]`` and ``[log]`` that a type alone cannot make."""
    if tls.key and not tls.cert:
        raise ConfigError("[tls] key: given without cert")
    if tls.handshake_timeout <= 0:
        raise ConfigError("[tls] handshake_timeout: must be more than 0")
    if http.metrics not in METRICS_ACCESS:
        known = ", ".join(METRICS_ACCESS)
        raise ConfigError(f"[http] metrics: expected one of {known}, got {http.metrics!r}")
    if http.max_message_bytes < 512:
        raise ConfigError("[http] max_message_bytes: must be at least 512 (one IRC line)")
    if log.level not in LOG_LEVELS:
        known = ", ".join(LOG_LEVELS)
        raise ConfigError(f"[log] level: expected one of {known}, got {log.level!r}")
    if log.file and log.max_bytes < 1024:
        raise ConfigError("[log] max_bytes: must be at least 1024")


def _connection_limits(raw: Mapping[str, Any]) -> ConnectionLimits:
    """``[connections]``, with its prefixes in range and every exemption a network."""
    limits: ConnectionLimits = _build_section(ConnectionLimits, "connections", raw)
    if not 8 <= limits.ipv4_prefix <= 32 or not 16 <= limits.ipv6_prefix <= 128:
        raise ConfigError(
            "[connections] ipv4_prefix must be 8 to 32 and ipv6_prefix 16 to 128 (bits)"
        )
    for each in limits.exempt:
        try:
            ipaddress.ip_network(each, strict=False)
        except ValueError:
            raise ConfigError(f"[connections] exempt: not an address or range: {each!r}") from None
    return limits


def _operator(raw: Mapping[str, Any], where: str) -> Operator:
    """An operator block whose password is an argon2 hash; a plaintext password is refused
    with the command that makes a hash (and the error never repeats the password)."""
    operator: Operator = _build_section(Operator, where, raw)
    try:
        argon2.extract_parameters(operator.password)
    except argon2.exceptions.InvalidHashError:
        raise ConfigError(
            f"{where} ({operator.name}): password must be an argon2 hash, not the password "
            "itself; run `chinwag hash-password` and put the line it prints here"
        ) from None
    return operator


def load_config(
    path: Path | None = None,
    env: Mapping[str, str] | None = None,
    host: str | None = None,
    port: int | None = None,
    platform: str = sys.platform,
    *,
    tls_port: int | None = None,
    http_port: int | None = None,
    https_port: int | None = None,
) -> Config:
    """Build the :class:`Config` from defaults, a TOML file, the environment and flags.

    ``host``, ``port`` (plain IRC), ``tls_port``, ``http_port`` and ``https_port`` are the
    command-line flags. Ports given there or in the environment (``CHINWAG_PORT``,
    ``CHINWAG_TLS_PORT``, ...) replace the file's listeners with exactly those; ``host`` (or
    ``CHINWAG_HOST``) alone moves every listener to that address. ``env`` is also
    where the per-user data directory comes from (``HOME``, ``XDG_DATA_HOME``,
    ``LOCALAPPDATA``, read the way ``platform`` names them). Raises :class:`ConfigError` with
    a readable message for anything wrong.
    """
    env = env or {}
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"configuration file not found: {path}") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: not valid TOML: {error}") from None
    known = {
        "server",
        "limits",
        "listeners",
        "operators",
        "storage",
        "accounts",
        "history",
        "tls",
        "http",
        "log",
        "connections",
        "cluster",
    }
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"unknown section(s): {', '.join(unknown)}")
    from_env = _env_overrides(env)
    server = _build_section(
        ServerInfo, "server", {**raw.get("server", {}), **from_env.get("server", {})}
    )
    limits = _build_section(
        Limits, "limits", {**raw.get("limits", {}), **from_env.get("limits", {})}
    )
    if limits.multiline_max_bytes < 512 or limits.multiline_max_lines < 1:
        # Less than one line's worth would refuse what a single PRIVMSG may carry.
        raise ConfigError(
            "[limits] multiline_max_bytes: must be at least 512, multiline_max_lines at least 1"
        )
    if limits.flood_burst < 1 or limits.flood_rate <= 0 or limits.flood_max_lag <= 0:
        raise ConfigError(
            "[limits] flood_burst must be at least 1, flood_rate and flood_max_lag above 0"
        )
    for cidr in limits.flood_exempt_cidrs:
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise ConfigError(f"[limits] flood_exempt_cidrs: not an address: {cidr!r}") from None
    accounts = _build_section(
        AccountSettings, "accounts", {**raw.get("accounts", {}), **from_env.get("accounts", {})}
    )
    if accounts.min_password_length > accounts.max_password_length:
        raise ConfigError("[accounts] min_password_length: longer than max_password_length")
    if accounts.email_verification and not accounts.mail_command.strip():
        raise ConfigError("[accounts] email_verification: needs mail_command")
    if accounts.always_on not in ALWAYS_ON_MODES:
        raise ConfigError(
            "[accounts] always_on: must be one of " + ", ".join(map(repr, ALWAYS_ON_MODES))
        )
    if not accounts.always_on_away.strip():
        raise ConfigError("[accounts] always_on_away: must not be empty")
    if accounts.scram_iterations < 4096:
        raise ConfigError("[accounts] scram_iterations: RFC 7677 asks for at least 4096")
    if accounts.argon2_memory_kib < 8 * accounts.argon2_parallelism or not (
        accounts.argon2_time_cost and accounts.argon2_parallelism
    ):
        raise ConfigError(
            "[accounts] argon2: time_cost and parallelism must be at least 1, and "
            "memory_kib at least 8 per lane of parallelism"
        )
    history = _build_section(
        HistorySettings, "history", {**raw.get("history", {}), **from_env.get("history", {})}
    )
    if history.chathistory_limit < 1:
        raise ConfigError("[history] chathistory_limit: must be at least 1")
    storage = _storage({**raw.get("storage", {}), **from_env.get("storage", {})}, env, platform)
    listeners = _chosen_listeners(
        tuple(
            _listener(item, f"[[listeners]] #{index + 1}")
            for index, item in enumerate(raw.get("listeners", []))
        )
        or DEFAULT_LISTENERS,
        env,
        host,
        {"tcp": port, "tls": tls_port, "http": http_port, "https": https_port},
    )
    tls = _build_section(TlsSettings, "tls", {**raw.get("tls", {}), **from_env.get("tls", {})})
    http = _build_section(HttpSettings, "http", {**raw.get("http", {}), **from_env.get("http", {})})
    log = _build_section(LogSettings, "log", {**raw.get("log", {}), **from_env.get("log", {})})
    _checked_sections(tls, http, log)
    connections = _connection_limits(
        {**raw.get("connections", {}), **from_env.get("connections", {})}
    )
    cluster = _build_section(
        ClusterSettings, "cluster", {**raw.get("cluster", {}), **from_env.get("cluster", {})}
    )
    problems = cluster_settings_problems(cluster)
    if problems:
        raise ConfigError("; ".join(problems))
    operators = tuple(
        _operator(item, f"[[operators]] #{index + 1}")
        for index, item in enumerate(raw.get("operators", []))
    )
    # One word each, short enough to fit every reply that carries them (005, 004, prefixes).
    if not server.name or " " in server.name or len(server.name) > 63:
        raise ConfigError("[server] name: must be one word of at most 63 characters")
    if not server.network or " " in server.network or len(server.network) > 63:
        raise ConfigError("[server] network: must be one word of at most 63 characters")
    return Config(
        server=server,
        limits=limits,
        listeners=listeners,
        operators=operators,
        storage=storage,
        accounts=accounts,
        history=history,
        tls=tls,
        http=http,
        log=log,
        connections=connections,
        cluster=cluster,
    )

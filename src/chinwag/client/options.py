"""Where and as whom a first-party client connects: parsed and checked once.

``chinwag chat 192.168.1.5 --nick ana --color teal`` and the login screens of the terminal
client and the GUI all end in a :class:`ChatOptions`; the checks here give a person a
readable message (:class:`OptionError`) instead of a traceback.
"""

from __future__ import annotations

import ipaddress
import re
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chinwag.client.colors import ColorError, parse_color
from chinwag.client.connect import Endpoint, Security, load_client_cert
from chinwag.client.protocol import ClientProtocol
from chinwag.client.sts import FILE_NAME as STS_FILE
from chinwag.client.sts import StsPolicies
from chinwag.client.trust import FILE_NAME as KNOWN_FILE
from chinwag.client.trust import KnownServers
from chinwag.protocol.casemap import fold
from chinwag.protocol.metadata import COLOR_KEY

DEFAULT_PORT = 6667
DEFAULT_TLS_PORT = 6697
DEFAULT_ROOM = "#lobby"

MAX_PASSWORD_BYTES = 300
"""The longest password we send: it must fit in a message to NickServ too (the
account-registration spec's advice)."""

_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


class OptionError(ValueError):
    """A value a person typed is not usable; ``field`` names it (``server``, ``port``,
    ``nick``, ``color``) so a login screen can show the message next to it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class ChatOptions:
    """Everything a client needs to connect: the server, the nick, the colour, the room, and
    the password of the nick's account if it has one (for SASL while connecting; kept in
    memory only, and left out of ``repr``)."""

    host: str = "localhost"
    port: int = DEFAULT_PORT
    tls: bool = False
    fallback: int | None = None
    """With ``tls``: the plain port tried when nothing listens on ``port`` (an address
    typed without a port: TLS on 6697 if the server offers it, else plain 6667)."""
    cert: Path | None = None
    """A client certificate (PEM, with its key) presented in every TLS handshake, for
    CertFP and SASL EXTERNAL (``--cert``)."""
    trust_folder: Path | None = None
    """Where the certificates remembered on first use and the STS policies are kept
    (:mod:`chinwag.client.trust`, :mod:`chinwag.client.sts`); None: for this run only."""
    nick: str = ""
    color: str | None = None
    room: str = DEFAULT_ROOM
    password: str | None = field(default=None, repr=False)
    typing: bool = True
    """Send and show typing indicators (``--no-typing`` turns them off)."""
    rooms_path: Path | None = None
    """Where the rooms joined are remembered between launches (:mod:`chinwag.client.saved`);
    ``None`` remembers nothing (tests, plain mode)."""

    @property
    def endpoint(self) -> Endpoint:
        """The runner's view of where to connect."""
        return Endpoint(self.host, self.port, self.tls, self.fallback if self.tls else None)

    def security(self) -> Security:
        """What decides the TLS of each connection (one per runner: its policies and
        fingerprints change as it connects)."""
        folder = self.trust_folder
        return Security(
            KnownServers(folder / KNOWN_FILE if folder is not None else None),
            StsPolicies(folder / STS_FILE if folder is not None else None),
            cert=self.cert,
        )

    def new_protocol(
        self, *, auto_rename: bool = False, remembered: Sequence[str] = ()
    ) -> ClientProtocol:
        """A client core for these options: the nick, the room to join and the rooms
        ``remembered`` from the last launch, the colour as ``color`` metadata and the
        account's password for SASL. ``auto_rename`` takes ``ana_`` when the nick is taken
        (for clients nobody can ask)."""
        rooms: dict[str, str] = {}
        for name in (self.room, *remembered):
            rooms.setdefault(fold(name), name)
        protocol = ClientProtocol(
            self.nick,
            rooms=list(rooms.values()),
            metadata={COLOR_KEY: self.color} if self.color else None,
            account_password=self.password,
            auto_rename=auto_rename,
        )
        protocol.certificate = self.cert is not None
        return protocol

    @property
    def address(self) -> str:
        """``host:port`` as a person would type it (IPv6 in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def typed(self) -> str:
        """What a person types in a server field to get this server back through
        :func:`parse_server`: the bare host for TLS-if-offered, ``ircs://`` for TLS only."""
        if self.tls and self.fallback is not None:
            return f"[{self.host}]" if ":" in self.host else self.host
        return f"ircs://{self.address}" if self.tls else self.address


def check_host(host: str) -> str:
    """``host`` if it is an IP address or a host name, else :class:`OptionError`."""
    host = host.strip()
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    if not host or len(host) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        raise OptionError("server", f"{host!r} is not a host name or an IP address")
    return host


def check_port(port: str | int) -> int:
    """``port`` as a number in 1-65535, else :class:`OptionError`."""
    try:
        number = int(port)
    except (TypeError, ValueError):
        raise OptionError("port", f"The port must be a number, not {port!r}") from None
    if not 1 <= number <= 65535:
        raise OptionError("port", f"The port must be between 1 and 65535, not {number}")
    return number


def parse_address(text: str, *, tls: bool = False) -> tuple[str, int]:
    """``host``, ``host:port``, ``[v6]:port`` or a bare IPv6 address -> (host, port).

    Without a port, 6667 (6697 with ``tls``). Raises :class:`OptionError`.
    """
    text = text.strip()
    default = DEFAULT_TLS_PORT if tls else DEFAULT_PORT
    if not text:
        raise OptionError("server", "Type the server's address, e.g. 192.168.1.5 or localhost")
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise OptionError("server", f"{text!r} is not a valid address")
        return check_host(host), check_port(rest[1:]) if rest else default
    if text.count(":") == 1:
        host, _, port = text.partition(":")
        return check_host(host), check_port(port)
    return check_host(text), default


@dataclass(frozen=True, slots=True)
class Server:
    """Where a typed address leads: ``port``, with ``tls`` or not, and the plain
    ``fallback`` port of an address typed without a port."""

    host: str
    port: int
    tls: bool
    fallback: int | None = None


def parse_server(
    text: str,
    *,
    tls: bool = False,
    tls_port: int = DEFAULT_TLS_PORT,
    plain_port: int = DEFAULT_PORT,
) -> Server:
    """A typed server address (``host``, ``host:port``, ``[v6]:port``, ``ircs://host[:port]``,
    ``irc://host[:port]``) and ``--tls`` -> a :class:`Server`. Raises :class:`OptionError`.

    Without a port and without a scheme: TLS on ``tls_port`` if the server listens there,
    else plain on ``plain_port`` (the defaults 6697 and 6667; tests pass free ports). A port
    means plain unless ``tls`` or ``ircs://``; ``irc://`` is always plain (and refuses
    ``tls``).
    """
    text = text.strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "", text
    scheme = scheme.lower()
    if scheme not in ("", "irc", "ircs"):
        raise OptionError("server", f"{scheme}:// is not a chat address: use irc:// or ircs://")
    if scheme == "irc" and tls:
        raise OptionError("server", "irc:// is a plain connection: leave out --tls, or use ircs://")
    rest = rest.rstrip("/")
    secure = tls or scheme == "ircs"
    host, port = parse_address(rest, tls=secure)
    typed_port = "]:" in rest if rest.startswith("[") else rest.count(":") == 1
    if not typed_port:
        if scheme == "" and not tls:
            return Server(host, tls_port, True, plain_port)
        port = tls_port if secure else plain_port
    return Server(host, port, secure)


def check_cert(path: Path) -> Path:
    """``path`` if it holds a usable client certificate (PEM: the certificate and its key,
    as ``chinwag make-cert`` writes), else :class:`OptionError` for the ``cert`` field."""
    context = ssl.create_default_context()
    try:
        load_client_cert(context, path)
    except ssl.SSLError:
        reason = "it is not PEM holding a certificate and its key"
        raise OptionError("cert", f"cannot use {path} as a client certificate: {reason}") from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise OptionError("cert", f"cannot use {path} as a client certificate: {reason}") from None
    return path


def check_nick(nick: str) -> str:
    """``nick`` stripped, if it can be sent at all (one word); else :class:`OptionError`.

    Whether the server accepts it (length, characters, in use) is the server's call: its
    reason is what the person sees, so nothing stricter is checked here.
    """
    nick = nick.strip()
    if not nick:
        raise OptionError("nick", "Choose a nick")
    if any(char.isspace() for char in nick) or nick.startswith(":"):
        raise OptionError("nick", f"{nick!r} cannot be a nick: one word, no spaces")
    return nick


def check_color(color: str | None) -> str | None:
    """A palette name or ``#hex`` as ``#rrggbb`` (None stays None), else OptionError."""
    if color is None or not color.strip():
        return None
    try:
        return parse_color(color)
    except ColorError as error:
        raise OptionError("color", str(error)) from None


def check_room(room: str) -> str:
    """A room name, ``#`` added when missing; else :class:`OptionError` (spaces, commas and
    control characters such as BEL, CR or LF cannot be in a room name or a JOIN line)."""
    room = room.strip() or DEFAULT_ROOM
    if room[0] not in "#&":
        room = "#" + room
    if "," in room or any(char.isspace() or not char.isprintable() for char in room):
        raise OptionError("room", f"{room!r} cannot be a room name")
    return room


def check_password(password: str) -> str:
    """``password`` if it can be sent (not empty, one line, at most 300 bytes); else
    :class:`OptionError` for the ``password`` field. Whether it is strong enough, or right,
    is the server's call."""
    if not password:
        raise OptionError("password", "Type the password")
    if any(char in "\r\n\0" for char in password):
        raise OptionError("password", "A password cannot contain line breaks")
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        raise OptionError("password", f"A password can be at most {MAX_PASSWORD_BYTES} bytes")
    return password

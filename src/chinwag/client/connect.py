"""Opening one connection to a server: TLS when it is offered, and which certificate to trust.

:func:`open_stream` is the runner's one way to connect; the rules, in order:

1. A host with an STS policy in force (:mod:`chinwag.client.sts`) gets TLS on the policy's
   port, whatever was asked for (https://ircv3.net/specs/extensions/sts, "Client
   implementation details": no plain connection while the policy lasts).
2. TLS to an address never pinned: the verified context first (the system's authorities,
   host name checked). A certificate that verifies is used as is and not remembered.
3. If it fails only because no authority vouches for the certificate (self-signed, unknown
   issuer), trust on first use (:mod:`chinwag.client.trust`): connect again without
   verification and compare the certificate's fingerprint with the one remembered. Every
   other failure (expired, wrong host name, a plain server on the TLS port) is an error.
   A pinned address goes straight to this comparison.
4. An :class:`Endpoint` with a ``fallback`` (``chinwag chat HOST`` without a port) tries
   plain IRC on that port when nothing listens on the TLS one (refused, unreachable); never
   after a TLS or certificate problem, which would let anyone in the middle turn TLS off,
   and never for an address whose certificate is remembered: it has spoken TLS to us, so a
   refused TLS port there is an outage (or someone forging refusals), not a reason to talk
   in the clear.

A client certificate (``--cert``, PEM with the key) is presented in every TLS handshake, for
CertFP and SASL EXTERNAL.
"""

from __future__ import annotations

import asyncio
import errno
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from chinwag.client.sts import StsPolicies
from chinwag.client.trust import CertificateChangedError, KnownServers, Verdict
from chinwag.protocol.fingerprints import display_fingerprint

UNVOUCHED = frozenset({18, 19, 20, 21})
"""OpenSSL's verify codes for "no authority vouches for this": a self-signed leaf (18) or
chain (19), an issuer not found locally (20), a leaf that cannot be verified (21). These
lead to trust on first use; any other verification failure is refused."""

_UNREACHABLE = frozenset({errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ECONNREFUSED})


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where to connect. With ``tls`` and a ``fallback`` port, plain IRC on ``fallback`` is
    tried when nothing listens on ``port`` (the default when no port was given)."""

    host: str
    port: int = 6667
    tls: bool = False
    fallback: int | None = None

    @property
    def address(self) -> str:
        """``host:port`` as a person types it (IPv6 in brackets): the known-servers key."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def load_client_cert(context: ssl.SSLContext, cert: Path) -> None:
    """Present ``cert`` (PEM holding the certificate and its key) in handshakes made with
    ``context``; :class:`OSError` or :class:`ssl.SSLError` when it cannot be loaded."""
    context.load_cert_chain(cert)


@dataclass
class Security:
    """What decides the TLS of each connection: the remembered fingerprints, the STS
    policies, the client certificate, and (for tests, or a private authority) the verified
    context to use instead of the system's."""

    known: KnownServers = field(default_factory=KnownServers)
    policies: StsPolicies = field(default_factory=StsPolicies)
    cert: Path | None = None
    verified: ssl.SSLContext | None = None

    def verified_context(self) -> ssl.SSLContext:
        """The context that checks the certificate against the authorities."""
        if self.verified is not None:
            return self.verified
        context = ssl.create_default_context()
        if self.cert is not None:
            load_client_cert(context, self.cert)
        return context

    def pinning_context(self) -> ssl.SSLContext:
        """The context that accepts any certificate: the fingerprint is checked after the
        handshake, before a byte is sent."""
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        if self.cert is not None:
            load_client_cert(context, self.cert)
        return context

    def apply_policy(self, endpoint: Endpoint) -> Endpoint:
        """``endpoint`` as the host's STS policy (if any) has it: TLS on the policy's port."""
        if endpoint.tls and endpoint.fallback is None:
            return endpoint
        port = self.policies.port(endpoint.host)
        return endpoint if port is None else Endpoint(endpoint.host, port, True)


@dataclass(frozen=True, slots=True)
class Opened:
    """A connection made: its streams, where it really went (``endpoint``: TLS or not, which
    port), and for a pinned certificate its ``fingerprint`` and whether it was seen for the
    first time (``first_use``); ``verified`` when an authority vouched for it."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    endpoint: Endpoint
    fingerprint: str | None = None
    first_use: bool = False
    verified: bool = False


def nobody_listens(exc: BaseException) -> bool:
    """Whether a connection failed because nothing answers there (the only failure that
    lets a default connection fall back from TLS to plain)."""
    return (
        isinstance(exc, OSError)
        and not isinstance(exc, ssl.SSLError)
        and (isinstance(exc, ConnectionRefusedError) or exc.errno in _UNREACHABLE)
    )


async def open_stream(endpoint: Endpoint, security: Security, timeout: float) -> Opened:
    """Connect to ``endpoint`` by the rules of the module docstring. Raises
    :class:`OSError` or :class:`TimeoutError` (try again later), or
    :class:`~chinwag.client.trust.CertificateChangedError` (do not)."""
    endpoint = security.apply_policy(endpoint)
    if endpoint.tls:
        try:
            return await _open_tls(endpoint, security, timeout)
        except OSError as exc:
            pinned = security.known.get(endpoint.address) is not None
            if endpoint.fallback is None or pinned or not nobody_listens(exc):
                raise
        endpoint = Endpoint(endpoint.host, endpoint.fallback, False)
    reader, writer = await _open(endpoint, None, timeout)
    return Opened(reader, writer, endpoint)


async def _open_tls(endpoint: Endpoint, security: Security, timeout: float) -> Opened:
    address = endpoint.address
    if security.known.get(address) is None:
        try:
            reader, writer = await _open(endpoint, security.verified_context(), timeout)
            return Opened(reader, writer, endpoint, verified=True)
        except ssl.SSLCertVerificationError as exc:
            if exc.verify_code not in UNVOUCHED:
                raise
    reader, writer = await _open(endpoint, security.pinning_context(), timeout)
    tls = writer.get_extra_info("ssl_object")
    der = tls.getpeercert(binary_form=True) if tls is not None else None
    if not der:
        writer.transport.abort()
        raise ssl.SSLError(f"{address} showed no certificate")
    shown = display_fingerprint(der)
    verdict = security.known.check(address, shown)
    if verdict is Verdict.CHANGED:
        writer.transport.abort()
        remembered = security.known.get(address) or ""
        raise CertificateChangedError(address, remembered, shown, security.known.path)
    if verdict is Verdict.NEW:
        security.known.remember(address, shown)
    return Opened(reader, writer, endpoint, shown, first_use=verdict is Verdict.NEW)


async def _open(
    endpoint: Endpoint, context: ssl.SSLContext | None, timeout: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    async with asyncio.timeout(timeout):
        return await asyncio.open_connection(
            endpoint.host,
            endpoint.port,
            ssl=context,
            server_hostname=endpoint.host if context is not None else None,
        )

"""A TLS front for tests: terminates TLS with a certificate made here and relays the bytes to
a real plain chinwag server, the way the server's own TLS listener will (issue 14).

It records what each connection showed and sent: the fingerprint of the client certificate
(CertFP) and how many bytes came through, so a test can check that a refused connection sent
nothing. :meth:`TlsFront.swap` changes the certificate for the next connections (a server
that got a new certificate, or someone in the middle).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chinwag.protocol.fingerprints import display_fingerprint as fingerprint


@dataclass(frozen=True)
class Issued:
    """A certificate and its key, written as PEM files; ``fingerprint`` of its DER."""

    cert: Path
    key: Path
    fingerprint: str
    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey


def issue(
    folder: Path,
    name: str,
    *,
    issuer: Issued | None = None,
    ca: bool = False,
    ip: str = "127.0.0.1",
) -> Issued:
    """A certificate for ``ip`` (also named in the SAN) signed by ``issuer``, or self-signed;
    ``ca`` makes it an authority that can sign others."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))])
        builder = builder.add_extension(san, critical=False)
    else:
        usage = x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False,
        )  # fmt: skip
        builder = builder.add_extension(usage, critical=True)
    signer = issuer.private_key if issuer else key
    certificate = builder.sign(signer, hashes.SHA256())
    cert_path, key_path = folder / f"{name}.crt", folder / f"{name}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    der = certificate.public_bytes(serialization.Encoding.DER)
    return Issued(cert_path, key_path, fingerprint(der), certificate, key)


@dataclass
class Seen:
    """One connection through the front: the client certificate's fingerprint (None: none
    shown) and the bytes the client sent."""

    client_fingerprint: str | None = None
    sent: int = 0


@dataclass
class TlsFront:
    """A TLS listener on a loopback port relaying to ``upstream``; see the module docstring.
    ``client_ca`` (a PEM file) asks clients for a certificate and accepts those it holds."""

    upstream: tuple[str, int]
    identity: Issued
    client_ca: Path | None = None
    port: int = 0
    seen: list[Seen] = field(default_factory=list)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def start(self) -> TlsFront:
        """Listen (on :attr:`port`; 0: one chosen by the OS, written back)."""
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(self.identity.cert, self.identity.key)
        if self.client_ca is not None:
            # CertFP servers accept any certificate; a test front trusts the client's own.
            self.context.load_verify_locations(self.client_ca)
            self.context.verify_mode = ssl.CERT_OPTIONAL
        self.server = await asyncio.start_server(
            self._relay, "127.0.0.1", self.port, ssl=self.context
        )
        self.port = int(self.server.sockets[0].getsockname()[1])
        return self

    @property
    def address(self) -> tuple[str, int]:
        """Where clients connect."""
        return ("127.0.0.1", self.port)

    def swap(self, identity: Issued) -> None:
        """Show ``identity`` to the next connections."""
        self.identity = identity
        self.context.load_cert_chain(identity.cert, identity.key)

    async def close(self) -> None:
        """Stop listening, and end the relays still running (a relay cancelled with the loop
        makes asyncio log an error)."""
        self.server.close()
        for writer in self._writers:
            writer.transport.abort()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=2)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.server.wait_closed(), 2)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._writers.append(writer)
        seen = Seen()
        self.seen.append(seen)
        tls = writer.get_extra_info("ssl_object")
        der = tls.getpeercert(binary_form=True) if tls is not None else None
        seen.client_fingerprint = fingerprint(der) if der else None
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        self._writers.append(up_writer)

        async def pipe(
            source: asyncio.StreamReader, sink: asyncio.StreamWriter, count: bool
        ) -> None:
            with contextlib.suppress(ConnectionError, ssl.SSLError, OSError):
                while data := await source.read(65536):
                    if count:
                        seen.sent += len(data)
                    sink.write(data)
                    await sink.drain()
            with contextlib.suppress(Exception):
                sink.close()

        await asyncio.gather(pipe(reader, up_writer, True), pipe(up_reader, writer, False))

"""Self-signed certificates, made the same way for the server's TLS and a client's CertFP.

Neither needs anyone to vouch for it: people compare (and clients pin) a server certificate
by its fingerprint (:mod:`chinwag.protocol.fingerprints`), and a server knows a client
certificate by the fingerprint its owner added to an account. So both are self-signed,
EC P-256 (small, quick to make, accepted by every TLS library in use), valid for ten years
(an expiry would only make people check a new fingerprint), made with ``cryptography``.
Sans-I/O: the caller writes the PEM where and how it must.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 3650
"""Ten years."""


@dataclass(frozen=True, slots=True)
class SelfSigned:
    """A new certificate and its key: PEM for the files, DER for its fingerprint."""

    cert_pem: bytes
    key_pem: bytes
    der: bytes


def self_signed(
    common_name: str,
    *,
    dns_names: tuple[str, ...] = (),
    ip_addresses: tuple[str, ...] = (),
    client: bool = False,
) -> SelfSigned:
    """A self-signed certificate for ``common_name`` (cut to the 64 characters X.509
    allows), naming ``dns_names`` and ``ip_addresses`` as its subject alternative names (a
    server's), or marked for client authentication with ``client``."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))  # a peer's clock a bit slow
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    names: list[x509.GeneralName] = [x509.DNSName(name) for name in dns_names]
    names += [x509.IPAddress(ipaddress.ip_address(address)) for address in ip_addresses]
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    if client:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    certificate = builder.sign(key, hashes.SHA256())
    return SelfSigned(
        cert_pem=certificate.public_bytes(serialization.Encoding.PEM),
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        der=certificate.public_bytes(serialization.Encoding.DER),
    )

"""Self-signed certificates for tests, made as chinwag makes its own
(:func:`chinwag.protocol.certificates.self_signed`; no openssl command)."""

from __future__ import annotations

from chinwag.protocol import certificates


def self_signed(name: str) -> tuple[bytes, bytes, bytes]:
    """A self-signed EC certificate for ``name`` (also valid for ``localhost``): its PEM,
    its key's PEM and its DER."""
    made = certificates.self_signed(name, dns_names=("localhost",))
    return made.cert_pem, made.key_pem, made.der


def self_signed_pem(name: str) -> bytes:
    """A self-signed certificate and its key in one PEM file (as WeeChat's ``tls_cert`` and
    Python's ``load_cert_chain`` take them)."""
    cert, key, _ = self_signed(name)
    return cert + key

"""Self-signed certificates as the server and the clients make them."""

from __future__ import annotations

import ipaddress

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from chinwag.protocol.certificates import self_signed
from chinwag.protocol.fingerprints import certfp, display_fingerprint


def test_a_server_certificate_names_its_hosts_and_addresses() -> None:
    made = self_signed(
        "chat.example.org",
        dns_names=("chat.example.org", "localhost"),
        ip_addresses=("127.0.0.1", "::1"),
    )
    cert = x509.load_pem_x509_certificate(made.cert_pem)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["chat.example.org", "localhost"]
    assert names.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    ]
    assert cert.issuer == cert.subject
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days >= 3650


def test_a_client_certificate_is_for_client_authentication_and_each_is_new() -> None:
    one, two = self_signed("ana", client=True), self_signed("ana", client=True)
    cert = x509.load_pem_x509_certificate(one.cert_pem)
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert certfp(one.der) != certfp(two.der)
    assert display_fingerprint(one.der).startswith("SHA256:")
    assert display_fingerprint(one.der).replace(":", "").lower()[6:] == certfp(one.der)

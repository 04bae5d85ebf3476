"""The server's TLS certificate: made on first start, or the configured one; its fingerprint.

With ``[tls] cert`` empty the server makes a self-signed certificate (EC P-256, ten years,
the server's name as CN and in the SAN with ``localhost``, ``127.0.0.1`` and ``::1``) and
keeps it in the data directory as :data:`CERT_FILE` and :data:`KEY_FILE` (key mode 0600),
so clients that trusted it on first use (its fingerprint) still trust it after a restart. A
kept certificate that has expired is replaced. Without a data directory (a Config built in
code) the certificate lives in a temporary directory for the life of the process.

Fingerprints are :mod:`chinwag.protocol.fingerprints`.
"""

from __future__ import annotations

import atexit
import datetime
import os
import shutil
import ssl
import tempfile
import time
from pathlib import Path

from cryptography import x509

from chinwag.config import ConfigError
from chinwag.protocol.certificates import self_signed

CERT_FILE = "tls-cert.pem"
KEY_FILE = "tls-key.pem"
"""The generated certificate and key, in the data directory."""


class CertificateError(ConfigError):
    """A certificate or key that cannot be used; the message names the file and why."""


def generated_pair(data_dir: Path | None, name: str) -> tuple[Path, Path]:
    """The paths of the self-signed certificate and key for server ``name``: kept in
    ``data_dir`` (made on first start, replaced once expired), or made in a temporary
    directory removed at exit when there is no data directory."""
    if data_dir is None:
        temp = Path(tempfile.mkdtemp(prefix="chinwag-tls-"))
        atexit.register(shutil.rmtree, temp, ignore_errors=True)
        cert, key = temp / CERT_FILE, temp / KEY_FILE
        _write_new(cert, key, name)
        return cert, key
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    cert, key = data_dir / CERT_FILE, data_dir / KEY_FILE
    if key.exists() and cert.exists() and not _expired(cert):
        return cert, key
    if key.exists() and cert.exists():  # expired: make a new one in its place
        cert.unlink()
        key.unlink()
    try:
        _write_new(cert, key, name)
    except FileExistsError:
        # Another server starting from this data directory is making it: give it a moment.
        for _ in range(20):
            if cert.exists():
                break
            time.sleep(0.1)
        else:
            raise CertificateError(
                f"{key} exists without its certificate {cert}; delete it to have a new pair made"
            ) from None
    return cert, key


def _expired(cert: Path) -> bool:
    try:
        loaded = x509.load_pem_x509_certificate(cert.read_bytes())
    except ValueError:
        raise CertificateError(
            f"{cert} is not a PEM certificate; delete it (and {cert.parent / KEY_FILE}) "
            "to have a new one made"
        ) from None
    return loaded.not_valid_after_utc <= datetime.datetime.now(datetime.UTC)


def _write_new(cert_path: Path, key_path: Path, name: str) -> None:
    """Make a self-signed certificate for ``name``; the key is written first, with O_EXCL
    and mode 0600, so two servers starting at once cannot both write one (the loser gets
    :class:`FileExistsError`) and the key is never readable by others, not even briefly."""
    dns_names: tuple[str, ...] = ("localhost",)
    if name.isascii() and name != "localhost":  # a DNS name takes A-labels only
        dns_names = (name, "localhost")
    made = self_signed(name, dns_names=dns_names, ip_addresses=("127.0.0.1", "::1"))
    key_pem = made.key_pem
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(key_pem)
    # Written beside and renamed into place: a server reading it never sees half a file.
    partial = cert_path.with_name(cert_path.name + ".new")
    partial.write_bytes(made.cert_pem)
    partial.replace(cert_path)


def load_into(context: ssl.SSLContext, cert: Path, key: Path | None) -> bytes:
    """Load ``cert`` (and ``key``, or the key inside ``cert`` when ``None``) into
    ``context`` and return the certificate's DER. Raises :class:`CertificateError` naming
    the file and why, leaving ``context`` as it was."""
    try:
        pem = cert.read_text(encoding="ascii", errors="replace")
    except OSError as error:
        reason = error.strerror or str(error)
        raise CertificateError(f"cannot read the TLS certificate {cert}: {reason}") from None
    if key is not None and not os.access(key, os.R_OK):
        reason = "no such file" if not key.exists() else "permission denied"
        raise CertificateError(f"cannot read the TLS key {key}: {reason}")
    try:
        der = ssl.PEM_cert_to_DER_cert(_first_certificate(pem))
    except ValueError:
        raise CertificateError(f"{cert} holds no PEM certificate") from None
    try:
        # Tried on a scratch context first: OpenSSL installs the certificate before it
        # reads the key, so a bad key would leave ``context`` with a broken pair.
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(cert, key)
        context.load_cert_chain(cert, key)
    except ssl.SSLError as error:
        which = f"{cert} and {key}" if key is not None else str(cert)
        raise CertificateError(
            f"the TLS certificate and key in {which} cannot be used ({error.reason or error}); "
            "is the key the certificate's?"
        ) from None
    return der


def _first_certificate(pem: str) -> str:
    """The first certificate of a PEM chain (the server's own; the rest are its issuers)."""
    begin, end = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
    start = pem.find(begin)
    stop = pem.find(end, start)
    if start < 0 or stop < 0:
        raise ValueError("no certificate")
    return pem[start : stop + len(end)] + "\n"

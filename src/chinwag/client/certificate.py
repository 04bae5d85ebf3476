"""``chinwag make-cert``: a self-signed client certificate for CertFP and SASL EXTERNAL.

A client certificate is a login without a password: once its fingerprint is added to an
account (``/cert add`` while logged in, which sends ``NickServ CERT ADD``), connecting with
``--cert FILE`` logs in by SASL EXTERNAL (https://ircv3.net/specs/extensions/sasl-3.1; the
server knows the account by the certificate's SHA-256 fingerprint). Nobody needs to vouch
for it, so it is self-signed. The file holds the certificate and its unencrypted key (PEM),
so it is created readable by its owner only (0600), and never over an existing file.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from chinwag.client.places import user_folder
from chinwag.protocol.certificates import self_signed
from chinwag.protocol.fingerprints import display_fingerprint

FILE_NAME = "client.pem"


def default_path(environ: Mapping[str, str], platform: str = sys.platform) -> Path:
    """``client.pem`` in the per-user data folder (next to ``rooms.json``)."""
    return user_folder(environ, "data", platform) / FILE_NAME


def make_client_cert(path: Path, name: str = "chinwag client") -> str:
    """Write a new key and self-signed certificate to ``path`` (mode 0600; the folder is
    made); its fingerprint (``SHA256:AA:…``). :class:`FileExistsError` if ``path`` exists."""
    made = self_signed(name, client=True)
    pem = made.cert_pem + made.key_pem
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: never overwrite (a certificate already added to an account would be lost);
    # 0600 from the start, so the key is never readable by others, not even for a moment.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return display_fingerprint(made.der)


def make_cert_command(path: Path | None, environ: Mapping[str, str]) -> int:
    """``chinwag make-cert [PATH]``: write the certificate, say its fingerprint and what
    to do next; the exit status (1 when the file exists or cannot be written)."""
    target = path if path is not None else default_path(environ)
    try:
        shown = make_client_cert(target)
    except FileExistsError:
        print(f"chinwag make-cert: {target} exists already; not overwriting it", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"chinwag make-cert: cannot write {target}: {error.strerror}", file=sys.stderr)
        return 1
    print(f"Client certificate written to {target}")
    print(f"Its fingerprint: {shown}")
    print("Next: connect with your password and this certificate, add it to your account,")
    print(f"  chinwag chat HOST --nick YOU --ask-password --cert {target}")
    print("  /cert add")
    print(f"then connect without a password: chinwag chat HOST --nick YOU --cert {target}")
    return 0

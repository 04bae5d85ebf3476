"""Certificate fingerprints, one digest in two spellings, shared by the server and clients.

A fingerprint is SHA-256 of the DER certificate. :func:`certfp` spells it as 64 lowercase
hex digits: what CertFP (SASL EXTERNAL, NickServ ``CERT``, RPL_WHOISCERTFP) stores and
compares, as Ergo does. :func:`display_fingerprint` spells it ``SHA256:AB:CD:...``: what the
server prints for people to compare by eye and what a client pins on first use and shows.
:func:`normal_fingerprint` takes either back to the first.
"""

from __future__ import annotations

import hashlib

HEX_DIGITS = frozenset("0123456789abcdef")


def certfp(der: bytes) -> str:
    """The CertFP form of a certificate's fingerprint: SHA-256 of ``der``, lowercase hex."""
    return hashlib.sha256(der).hexdigest()


DISPLAY_PREFIX = "SHA256:"
"""What starts the display form, naming the digest (as ``ssh-keygen -l`` does)."""


def display_fingerprint(der: bytes) -> str:
    """The fingerprint as people compare it: ``SHA256:AB:CD:...`` (SHA-256 of ``der``)."""
    return DISPLAY_PREFIX + ":".join(f"{byte:02X}" for byte in hashlib.sha256(der).digest())


def normal_fingerprint(text: str) -> str | None:
    """``text`` as a CertFP fingerprint (64 lowercase hex digits; the display form's prefix
    and colons are dropped), or ``None`` if it is not one."""
    digits = text.removeprefix(DISPLAY_PREFIX).replace(":", "").lower()
    if len(digits) == 64 and HEX_DIGITS.issuperset(digits):
        return digits
    return None

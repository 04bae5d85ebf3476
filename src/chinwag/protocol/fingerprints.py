"""Certificate fingerprints, one digest in two spellings, shared by the server and clients.

A fingerprint is SHA-256 of the DER certificate. :func:`certfp` spells it as 64 lowercase
hex digits: what CertFP (SASL EXTERNAL, NickServ ``CERT``, RPL_WHOISCERTFP) stores and
compares, as Ergo does. :func:`display_fingerprint` spells it ``AB:CD:...``: what the server
prints for people to compare by eye and what a client pins on first use. :func:`normal_fingerprint`
takes either back to the first.
"""

from __future__ import annotations

import hashlib

HEX_DIGITS = frozenset("0123456789abcdef")


def certfp(der: bytes) -> str:
    """The CertFP form of a certificate's fingerprint: SHA-256 of ``der``, lowercase hex."""
    return hashlib.sha256(der).hexdigest()


def display_fingerprint(der: bytes) -> str:
    """The fingerprint as people compare it: ``AB:CD:...`` (SHA-256 of ``der``)."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def normal_fingerprint(text: str) -> str | None:
    """``text`` as a CertFP fingerprint (64 lowercase hex digits; colons, as in the display
    form, are dropped), or ``None`` if it is not one."""
    digits = text.replace(":", "").lower()
    if len(digits) == 64 and HEX_DIGITS.issuperset(digits):
        return digits
    return None

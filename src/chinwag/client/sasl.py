"""The client side of SASL as IRC carries it: PLAIN, SCRAM-SHA-256 and AUTHENTICATE's chunks.

Sans-I/O like the rest of the core: a mechanism turns each challenge from the server (bytes)
into the response to send (bytes); :func:`encode_response` cuts a response into the
``AUTHENTICATE`` parameters IRC sends, and :class:`ChallengeReader` puts the server's chunks
back together. :class:`~chinwag.client.negotiation.Negotiation` drives them.

References: https://ircv3.net/specs/extensions/sasl-3.1 (the exchange, 400-byte chunks),
RFC 4616 (PLAIN), RFC 5802 and RFC 7677 (SCRAM-SHA-256, done by the ``scramp`` library).
Nothing here logs, and no exception message ever contains the password.
"""

from __future__ import annotations

import base64
import binascii
from typing import Protocol

from scramp import ScramClient, ScramException

SCRAM_SHA_256 = "SCRAM-SHA-256"
PLAIN = "PLAIN"
EXTERNAL = "EXTERNAL"
"""RFC 4422 appendix A: the TLS client certificate is the credential (CertFP); used only
with a certificate and no password, and only where the server lists it."""

MECHANISMS: tuple[str, ...] = (SCRAM_SHA_256, PLAIN)
"""The mechanisms we speak, best first: SCRAM never sends the password itself, so it is
tried first wherever the server offers it (a LAN server often has no TLS)."""

CHUNK = 400
"""Bytes of base64 in one ``AUTHENTICATE`` parameter."""

MAX_CHALLENGE = 8192
"""Bytes of base64 we accept in one server challenge (a SCRAM challenge is about 100)."""


class SaslError(Exception):
    """The server's challenge cannot be answered (malformed, too long, or a SCRAM server
    that could not prove it knows the password). The message is for people; abort with
    ``AUTHENTICATE *``."""


class Mechanism(Protocol):
    """One SASL mechanism's client: answer each challenge until the server is satisfied."""

    name: str

    def respond(self, challenge: bytes) -> bytes:
        """The response to ``challenge`` (the first one is empty); raises :class:`SaslError`."""
        ...


class Plain:
    """RFC 4616 PLAIN: one response, ``\\0account\\0password`` (no authorization identity)."""

    name = PLAIN

    def __init__(self, account: str, password: str) -> None:
        self._message = b"\0" + account.encode() + b"\0" + password.encode()
        self._sent = False

    def respond(self, challenge: bytes) -> bytes:
        """The credentials, once; a second challenge is a protocol error."""
        if self._sent:
            raise SaslError("The server asked for more than PLAIN has to say")
        self._sent = True
        return self._message


class ScramSha256:
    """RFC 7677 SCRAM-SHA-256 without channel binding: client-first, client-final, then the
    server's signature is checked (a server that cannot prove it knows the password is
    refused, so a fake server learns nothing it could replay)."""

    name = SCRAM_SHA_256

    def __init__(self, account: str, password: str, *, nonce: str | None = None) -> None:
        self._client = ScramClient([SCRAM_SHA_256], account, password, c_nonce=nonce)
        self._step = 0

    def respond(self, challenge: bytes) -> bytes:
        """client-first for the empty challenge, client-final for server-first, and an
        empty response once server-final proved the server knows the password."""
        step, self._step = self._step, self._step + 1
        try:
            if step == 0:
                first: str = self._client.get_client_first()
                return first.encode()
            text = challenge.decode()
            if step == 1:
                self._client.set_server_first(text)
                final: str = self._client.get_client_final()
                return final.encode()
            if step == 2:
                self._client.set_server_final(text)
                return b""
        except (ScramException, UnicodeDecodeError, ValueError) as error:
            # scramp's messages describe the exchange, never the password.
            raise SaslError(f"The server's SCRAM answer was not valid ({error})") from None
        raise SaslError("The server asked for more than SCRAM has to say")


class External:
    """RFC 4422 EXTERNAL: one empty response (no authorization identity, so the server
    takes the account the certificate's fingerprint belongs to): ``AUTHENTICATE +``."""

    name = EXTERNAL

    def __init__(self) -> None:
        self._sent = False

    def respond(self, challenge: bytes) -> bytes:
        """The empty response, once."""
        if self._sent:
            raise SaslError("The server asked for more than EXTERNAL has to say")
        self._sent = True
        return b""


def new_mechanism(name: str, account: str, password: str) -> Mechanism:
    """A fresh client for mechanism ``name`` (one of :data:`MECHANISMS`, or
    :data:`EXTERNAL`, which needs neither account nor password)."""
    if name == EXTERNAL:
        return External()
    if name == SCRAM_SHA_256:
        return ScramSha256(account, password)
    if name == PLAIN:
        return Plain(account, password)
    raise ValueError(f"unsupported SASL mechanism {name!r}")


def encode_response(data: bytes) -> list[str]:
    """``data`` as the parameters of successive ``AUTHENTICATE`` lines: base64 in chunks of
    400 bytes, ``+`` for an empty response and after a last chunk of exactly 400."""
    encoded = base64.b64encode(data).decode("ascii")
    chunks = [encoded[start : start + CHUNK] for start in range(0, len(encoded), CHUNK)]
    if not chunks or len(chunks[-1]) == CHUNK:
        chunks.append("+")
    return chunks


class ChallengeReader:
    """Puts a server challenge back together from its ``AUTHENTICATE`` chunks."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._size = 0

    def feed(self, param: str) -> bytes | None:
        """Take one ``AUTHENTICATE`` parameter; the decoded challenge once it is complete,
        None while more chunks are to come. Raises :class:`SaslError` for bad base64 or a
        challenge longer than :data:`MAX_CHALLENGE`."""
        if param != "+":
            self._parts.append(param)
            self._size += len(param)
            if self._size > MAX_CHALLENGE:
                self._parts, self._size = [], 0
                raise SaslError("The server's SASL challenge is too long")
            if len(param) == CHUNK:
                return None
        encoded, self._parts, self._size = "".join(self._parts), [], 0
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise SaslError("The server's SASL challenge is not base64") from None

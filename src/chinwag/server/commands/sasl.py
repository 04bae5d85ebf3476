"""``AUTHENTICATE``: SASL PLAIN, SCRAM-SHA-256 and EXTERNAL logins.

References: IRCv3 sasl-3.1 and sasl-3.2 (https://ircv3.net/specs/extensions/sasl-3.1,
https://ircv3.net/specs/extensions/sasl-3.2), RFC 4616 (PLAIN), RFC 5802 and RFC 7677
(SCRAM-SHA-256), RFC 4422 appendix A (EXTERNAL: the client certificate presented over TLS,
CertFP, logs in to the account that registered its fingerprint with NickServ ``CERT``; the
client's one message is an empty ``+`` or the account's name as authzid). The capability's
value lists the mechanisms.

The exchange: ``AUTHENTICATE <mechanism>``, the server answers ``AUTHENTICATE +``; the client
sends its data base64-encoded in chunks of 400 bytes (a chunk of exactly 400 means more follow;
``+`` is an empty chunk); ``AUTHENTICATE *`` aborts. The outcome is RPL_LOGGEDIN (900) and
RPL_SASLSUCCESS (903), or ERR_SASLFAIL (904), ERR_SASLTOOLONG (905), ERR_SASLABORTED (906),
ERR_SASLALREADY (907); an unknown mechanism gets RPL_SASLMECHS (908) then 904. SASL works
before registration (``CAP END`` waits while a password is being checked, because the session's
later lines wait for it) and after it, for a client that was not logged in.

PLAIN passwords are checked against the argon2id hash in a thread; SCRAM is checked against
the stored keys (scramp does the RFC 5802 arithmetic). Each attempt takes its place in the
limits of the account and of the address *before* the check (PLAIN: when the payload is in;
SCRAM: at the client-first message, held until the proof is checked, so exchanges left open
count too), and gives it back only if the password was right
(:mod:`chinwag.server.services.attempts`, which also says how the owner's usual address is
exempt from the account's limit). Past ``[accounts] login_failures`` in ``login_window``
seconds, attempts are refused unchecked with a 904 saying how long to wait.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from scramp import ScramException
from scramp.core import ScramServer

from chinwag.protocol import numerics as n
from chinwag.protocol.message import Message
from chinwag.server import sources
from chinwag.server.accounts import SCRAM, Attempt
from chinwag.server.context import Context
from chinwag.server.dispatch import command
from chinwag.server.services.logins import (
    begin_login,
    certificate_account,
    end_login,
    log_in,
    login_wait,
    verify_login,
    wait_text,
)

MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "EXTERNAL")

CHUNK = 400
"""Bytes of base64 per AUTHENTICATE line (sasl-3.1)."""

MAX_PAYLOAD = 4096
"""Most base64 bytes one step of an exchange may send, unless the longest PLAIN message the
configuration allows needs more (:func:`payload_limit`); more gets ERR_SASLTOOLONG, at once:
nothing is buffered past the limit."""


@dataclass(slots=True)
class Exchange:
    """A SASL exchange in progress on one session."""

    mechanism: str
    buffer: bytearray = field(default_factory=bytearray)
    scram: ScramServer | None = None
    account: str = ""
    """The account named in the exchange so far (SCRAM's client-first message)."""
    finished: bool = False
    """SCRAM: the server-final message was sent; the client's ``+`` completes the login."""
    attempt: Attempt | None = None
    """SCRAM: the place this exchange holds in the login limits from its client-first
    message until its proof is checked."""


def payload_limit(ctx: Context) -> int:
    """The most base64 bytes one step of an exchange may send: :data:`MAX_PAYLOAD`, or the
    longest PLAIN message if that is longer (an authzid and an authcid of a nick's length,
    at up to 4 UTF-8 bytes a character, two NULs and ``[accounts] max_password_length``)."""
    longest = 2 * 4 * ctx.deps.limits.nicklen + 2 + ctx.deps.config.accounts.max_password_length
    return max(MAX_PAYLOAD, 4 * -(-longest // 3))


def _exchange(ctx: Context) -> Exchange | None:
    state = ctx.session.sasl
    return state if isinstance(state, Exchange) else None


def _fail(ctx: Context, text: str = "SASL authentication failed") -> None:
    ctx.session.sasl = None
    ctx.numeric(n.ERR_SASLFAIL, text)


def _challenge(ctx: Context, data: bytes) -> None:
    """Send server data base64-encoded, split into 400-byte AUTHENTICATE lines."""
    encoded = base64.b64encode(data).decode() if data else ""
    chunks = [encoded[i : i + CHUNK] for i in range(0, len(encoded), CHUNK)] or [""]
    if len(chunks[-1]) == CHUNK:
        chunks.append("")
    for chunk in chunks:
        ctx.reply.add(Message("AUTHENTICATE", (chunk or "+",), ctx.deps.name))


def _succeeded(ctx: Context, account_name: str) -> None:
    account = ctx.deps.accounts.get(account_name)
    ctx.session.sasl = None
    if account is None:  # dropped while the password was being checked
        _fail(ctx)
        return
    log_in(ctx, account)
    ctx.numeric(n.RPL_SASLSUCCESS, "SASL authentication successful")


@command("AUTHENTICATE", min_params=1, before_registration=True)
def authenticate(ctx: Context, message: Message) -> None:
    """``AUTHENTICATE <mechanism> | <base64 chunk> | + | *`` (sasl-3.1, sasl-3.2)."""
    session = ctx.session
    param = message.params[0]
    exchange = _exchange(ctx)
    if param == "*":
        if exchange is not None:
            session.sasl = None
        ctx.numeric(n.ERR_SASLABORTED, "SASL authentication aborted")
        return
    if exchange is None:
        if session.account is not None or (session.user and session.user.account):
            ctx.numeric(n.ERR_SASLALREADY, "You have already authenticated using SASL")
            return
        mechanism = param.upper()
        if mechanism not in MECHANISMS:
            ctx.numeric(n.RPL_SASLMECHS, ",".join(MECHANISMS), "are available SASL mechanisms")
            _fail(ctx)
            return
        session.sasl = Exchange(mechanism)
        ctx.reply.add(Message("AUTHENTICATE", ("+",), ctx.deps.name))
        return
    if len(param) > CHUNK:
        session.sasl = None
        ctx.numeric(n.ERR_SASLTOOLONG, "SASL message too long")
        return
    if param != "+":
        exchange.buffer += param.encode()
    if len(exchange.buffer) > payload_limit(ctx):
        session.sasl = None
        ctx.numeric(n.ERR_SASLTOOLONG, "SASL message too long")
        return
    if len(param) == CHUNK:
        return  # more chunks follow
    data = bytes(exchange.buffer)
    exchange.buffer.clear()
    try:
        decoded = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        _fail(ctx, "SASL authentication failed: the data is not valid base64")
        return
    if exchange.mechanism == "PLAIN":
        _plain(ctx, decoded)
    elif exchange.mechanism == "EXTERNAL":
        _external(ctx, decoded)
    else:
        _scram(ctx, exchange, decoded)


def _plain(ctx: Context, data: bytes) -> None:
    """RFC 4616: ``authzid NUL authcid NUL passwd``; authzid empty or the same account."""
    try:
        authzid, authcid, password = data.decode().split("\0")
    except ValueError:  # not UTF-8, or not three fields
        _fail(ctx, "SASL authentication failed: malformed PLAIN message")
        return
    if not authcid or (authzid and authzid != authcid):
        _fail(ctx)
        return
    attempt = begin_login(ctx, authcid)
    if attempt is None:
        _fail(ctx, wait_text(login_wait(ctx, authcid)))
        return

    def then(ctx: Context, good: bool) -> None:
        end_login(ctx, attempt, authcid, good)
        if good:
            _succeeded(ctx, authcid)
        else:
            _fail(ctx)

    ctx.later(verify_login(ctx.deps, authcid, password), then)


def _external(ctx: Context, data: bytes) -> None:
    """RFC 4422 appendix A: the authzid (empty: the certificate's own account) is all the
    client sends; the certificate proved the rest in the TLS handshake."""
    try:
        authzid = data.decode()
    except UnicodeDecodeError:
        _fail(ctx, "SASL authentication failed: malformed EXTERNAL message")
        return
    found = certificate_account(ctx, authzid or None)
    if isinstance(found, str):
        _fail(ctx, f"SASL authentication failed: {found}")
        return
    _succeeded(ctx, found.name)


def _scram(ctx: Context, exchange: Exchange, data: bytes) -> None:
    """RFC 5802 in two rounds: client-first, server-first, client-final, server-final, and
    the client's empty answer (``+``) that completes the login."""
    registry = ctx.deps.accounts
    try:
        if exchange.scram is None:
            message = data.decode()

            def keys(name: str) -> tuple[bytes, bytes, bytes, int]:
                exchange.account = name
                return registry.scram_keys(name)

            # The nonce from the core's sources, as scramp would make it (token_hex()).
            server = SCRAM.make_server(keys, s_nonce=sources.token_hex())
            server.set_client_first(message)
            exchange.scram = server
            exchange.attempt = begin_login(ctx, exchange.account)
            if exchange.attempt is None:
                _fail(ctx, wait_text(login_wait(ctx, exchange.account)))
                return
            _challenge(ctx, server.get_server_first().encode())
        elif not exchange.finished:
            server, attempt = exchange.scram, exchange.attempt
            assert attempt is not None  # taken with the client-first message
            try:
                server.set_client_final(data.decode())
            except ScramException:
                end_login(ctx, attempt, exchange.account, good=False)
                _fail(ctx)
                return
            if exchange.account not in registry:
                end_login(ctx, attempt, exchange.account, good=False)
                _fail(ctx)
                return
            end_login(ctx, attempt, exchange.account, good=True)
            exchange.finished = True
            _challenge(ctx, server.get_server_final().encode())
        else:
            _succeeded(ctx, exchange.account)
    except (ScramException, UnicodeDecodeError):
        _fail(ctx, "SASL authentication failed: malformed SCRAM message")

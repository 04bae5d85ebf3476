"""The server's TLS: one :class:`ssl.SSLContext` for every ``tls`` (and ``https``) listener.

TLS 1.2 at least (TLS 1.0 and 1.1 are refused in the handshake). The certificate is the
configured ``[tls] cert``/``key`` or the self-signed one of
:mod:`chinwag.transport.certificates`. :meth:`ServerTls.reload` loads the files again into the
same context, so connections opened afterwards get the new certificate while the open ones
carry on (what SIGHUP does after a Let's Encrypt renewal).

**Client certificates (CertFP).** A client may present a certificate, usually self-signed,
whose fingerprint logs it in (SASL EXTERNAL, NickServ ``CERT``). The server must ask for one
and accept *any*: nobody signs these certificates, their fingerprint is the identity. Python's
:mod:`ssl` can only ask (``CERT_OPTIONAL``) with OpenSSL's chain verification, which aborts
the handshake on a self-signed client certificate ("unknown ca"), and it offers no verify
callback. :func:`accept_any_client_certificate` therefore installs OpenSSL's own
``SSL_CTX_set_verify`` callback through :mod:`ctypes`, one that always says "fine"; where that
is not possible (not CPython, or libssl's symbols out of reach, as on Windows) the server asks
for no client certificate: TLS works, CertFP does not, and the log says so once.
"""

from __future__ import annotations

import ctypes
import logging
import ssl
import sys
from pathlib import Path

from chinwag.config import TlsSettings
from chinwag.protocol.fingerprints import display_fingerprint
from chinwag.transport.certificates import CertificateError, generated_pair, load_into

log = logging.getLogger("chinwag.server")

_SSL_VERIFY_PEER = 1
"""OpenSSL's ``SSL_VERIFY_PEER``: a server asks the client for a certificate (without
``SSL_VERIFY_FAIL_IF_NO_PEER_CERT``, one without a certificate is still welcome)."""

_VerifyCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_void_p)


def _accept(preverify_ok: int, store: int | None) -> int:
    """OpenSSL's verify callback: 1 accepts the certificate whatever the chain check said."""
    return 1


# Kept for the life of the process: OpenSSL holds the bare function pointer.
_ACCEPT_ANY = _VerifyCallback(_accept)


def _ssl_ctx_pointer(context: ssl.SSLContext) -> int | None:
    """The ``SSL_CTX *`` inside ``context``: in CPython's ``PySSLContext`` it is the first
    field after the object header."""
    if sys.implementation.name != "cpython":
        return None
    return ctypes.c_void_p.from_address(id(context) + object.__basicsize__).value


def accept_any_client_certificate(context: ssl.SSLContext) -> bool:
    """Make ``context`` ask clients for a certificate and accept any (or none); ``False``
    when this Python cannot, and ``context`` then asks for none (``CERT_NONE``)."""
    try:
        import _ssl  # the extension module, linked to the libssl whose SSL_CTX we hold

        libssl = ctypes.CDLL(_ssl.__file__)
        set_verify = libssl.SSL_CTX_set_verify
        get_mode = libssl.SSL_CTX_get_verify_mode
        set_verify.argtypes = [ctypes.c_void_p, ctypes.c_int, _VerifyCallback]
        set_verify.restype = None
        get_mode.argtypes = [ctypes.c_void_p]
        get_mode.restype = ctypes.c_int
        pointer = _ssl_ctx_pointer(context)
        if pointer is None:
            raise OSError("not CPython")
        # Proof that the pointer is the context's own before writing through it: the mode
        # ssl sets must be the mode OpenSSL reports, for two different modes.
        for mode, expected in ((ssl.CERT_REQUIRED, 3), (ssl.CERT_OPTIONAL, _SSL_VERIFY_PEER)):
            context.verify_mode = mode
            if get_mode(pointer) != expected:
                raise OSError("unexpected SSLContext layout")
        set_verify(pointer, _SSL_VERIFY_PEER, _ACCEPT_ANY)
    except (OSError, AttributeError, ImportError) as error:
        context.verify_mode = ssl.CERT_NONE
        log.warning("client certificates (CertFP) are not available here: %s", error)
        return False
    return True


class ServerTls:
    """The TLS context of every TLS listener, its certificate and :meth:`reload`.

    ``data_dir`` keeps the generated certificate when ``[tls] cert`` is empty (``None``: a
    temporary one); ``name`` is the server's name, for a generated certificate. Raises
    :class:`~chinwag.transport.certificates.CertificateError` if the certificate cannot be
    loaded.
    """

    __slots__ = (
        "_data_dir",
        "_der",
        "_name",
        "_settings",
        "_temporary",
        "certfp_available",
        "context",
    )

    def __init__(self, settings: TlsSettings, data_dir: Path | None, name: str) -> None:
        self._settings = settings
        self._data_dir = data_dir
        self._name = name
        self._temporary: tuple[Path, Path] | None = None
        """The generated pair when there is no data directory: made once, so a reload
        keeps it rather than making another."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        self.certfp_available = accept_any_client_certificate(context)
        self.context = context
        self._der = load_into(context, *self._paths())

    def _paths(self) -> tuple[Path, Path | None]:
        settings = self._settings
        if not settings.cert:
            if self._temporary is not None:
                return self._temporary
            pair = generated_pair(self._data_dir, self._name)
            if self._data_dir is None:
                self._temporary = pair
            return pair
        cert = Path(settings.cert).expanduser()
        return cert, Path(settings.key).expanduser() if settings.key else None

    @property
    def fingerprint(self) -> str:
        """The current certificate's SHA-256 fingerprint, ``SHA256:AB:CD:...``."""
        return display_fingerprint(self._der)

    @property
    def der(self) -> bytes:
        """The current certificate, DER-encoded."""
        return self._der

    def reload(self, settings: TlsSettings | None = None) -> str | None:
        """Load the certificate and key again into the same context, from the files of
        ``settings`` if given (a re-read configuration) or the same files: new connections
        get them, open ones keep theirs. ``None`` when done; otherwise why not, in words,
        and the old certificate and settings stay."""
        before = self._settings
        if settings is not None:
            self._settings = settings
        try:
            self._der = load_into(self.context, *self._paths())
        except CertificateError as error:
            self._settings = before
            log.error("TLS certificate not reloaded: %s", error)
            return str(error)
        log.info("TLS certificate reloaded (SHA-256 %s)", self.fingerprint)
        return None

"""Trust on first use for servers whose certificate no authority vouches for, as ssh does.

A certificate that verifies against the system's authorities (Let's Encrypt) is trusted as
such and never written down. A self-signed one (every LAN server's, made on its first start)
cannot be verified, so the first connection remembers its fingerprint in the per-user file
``known_servers`` (next to ``rooms.json``, see :mod:`chinwag.client.places`), and every later
connection to that ``host:port`` must show the same one. A different certificate is refused
loudly, with both fingerprints and the line to delete if the change is expected: it is
either the server's new certificate or someone in the middle, and only a person can tell.

The file is text, one server a line: ``host:port SHA256:AA:BB:…`` (IPv6 hosts in brackets,
``#`` starts a comment). Writing goes through a temporary file that replaces the old one.
Nothing here opens a connection: :mod:`chinwag.client.connect` does, and asks this module.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from chinwag.client.events import Connected

log = logging.getLogger("chinwag.client")

FILE_NAME = "known_servers"


class Verdict(Enum):
    """What the file says of a fingerprint seen on ``host:port``."""

    NEW = "new"
    """Never seen: remember it (first use)."""
    SAME = "same"
    """The one remembered: connect quietly."""
    CHANGED = "changed"
    """Another one is remembered: refuse."""


class CertificateChangedError(Exception):
    """The server showed a certificate other than the one remembered for its address.

    The message says it all for a person: both fingerprints, the file, the line to delete.
    The connection is closed before anything is sent; nothing retries automatically.
    """

    def __init__(self, address: str, remembered: str, shown: str, path: Path | None) -> None:
        self.address = address
        self.remembered = remembered
        self.shown = shown
        self.path = path
        where = (
            f"If the server really has a new certificate, delete the line\n"
            f"  {address} {remembered}\nfrom {path} and connect again."
            if path is not None
            else "If the server really has a new certificate, restart the client."
        )
        super().__init__(
            f"REFUSED: the certificate of {address} has CHANGED since the last connection.\n"
            f"Remembered: {remembered}\n"
            f"Shown now:  {shown}\n"
            f"Someone may be intercepting the connection. Nothing was sent.\n{where}"
        )


@dataclass
class KnownServers:
    """The fingerprints remembered per ``host:port``, kept in ``path`` (None: in memory
    only, for this run)."""

    path: Path | None = None

    def __post_init__(self) -> None:
        self._memory: dict[str, str] = {}

    def get(self, address: str) -> str | None:
        """The fingerprint remembered for ``address`` (``host:port``), or None."""
        key = address.lower()
        if self.path is None:
            return self._memory.get(key)
        return self._read().get(key)

    def check(self, address: str, shown: str) -> Verdict:
        """What the file says of fingerprint ``shown`` on ``address``."""
        remembered = self.get(address)
        if remembered is None:
            return Verdict.NEW
        return Verdict.SAME if remembered == shown else Verdict.CHANGED

    def remember(self, address: str, shown: str) -> bool:
        """Write down ``shown`` for ``address``; False (and a log line) when the disk says
        no: the connection goes on, and the next one is a first use again."""
        key = address.lower()
        if self.path is None:
            self._memory[key] = shown
            return True
        path = self.path
        try:
            try:
                old = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                old = "# chinwag: certificate fingerprints of servers, remembered on first use\n"
            text = old if old.endswith("\n") or not old else old + "\n"
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=path.parent, prefix=".known-", delete=False
            ) as file:
                file.write(f"{text}{key} {shown}\n")
            os.replace(file.name, path)
        except (OSError, UnicodeDecodeError) as error:
            log.warning("cannot remember the certificate in %s: %s", path, error)
            return False
        return True

    def _read(self) -> dict[str, str]:
        assert self.path is not None
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as error:
            log.warning("cannot read %s: %s", self.path, error)
            return {}
        known: dict[str, str] = {}
        for line in text.splitlines():
            words = line.split()
            if len(words) >= 2 and not words[0].startswith("#"):
                known.setdefault(words[0].lower(), words[1])
        return known


def first_use_words(address: str, shown: str) -> str:
    """What a client says on the first connection to ``address``."""
    return f"First connection to {address}; its certificate fingerprint is {shown}, remembered"


def connected_words(event: Connected) -> list[str]:
    """What the clients say of a connection: where, whether TLS (verified by an authority,
    or by the fingerprint remembered), and on first use the fingerprint now remembered."""
    host = f"[{event.host}]" if ":" in event.host else event.host
    address = f"{host}:{event.port}"
    if not event.tls:
        return [f"Connected to {address} (not encrypted)"]
    how = "certificate verified"
    if not event.verified:
        how = "new certificate, first use" if event.first_use else "certificate as remembered"
    lines = [f"Connected to {address} with TLS ({how})"]
    if event.first_use and event.fingerprint is not None:
        lines.append(first_use_words(address, event.fingerprint))
    return lines

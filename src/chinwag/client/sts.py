"""IRCv3 Strict Transport Security on the client: read the ``sts`` value, keep the policies.

https://ircv3.net/specs/extensions/sts: the ``sts`` capability's value is a comma-separated
list of ``key=value`` tokens. On a plain connection ``port=N`` says "reconnect with TLS to
port N" (the client drops the connection at once, before registering); ``duration`` there
is ignored. On a TLS connection ``duration=S`` is the policy: for S seconds, every connection
to that host must use TLS (``duration=0`` removes the policy); ``port`` there is ignored.

Policies are kept per host in the per-user JSON file ``sts.json`` (next to ``rooms.json``),
with the TLS port they were seen on and when they expire; written through a temporary file
that replaces the old one. Without a file (tests, plain mode) they last for this run.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("chinwag.client")

FILE_NAME = "sts.json"


@dataclass(frozen=True, slots=True)
class StsValue:
    """The keys of one ``sts`` capability value we act on (None: absent or not a number)."""

    port: int | None = None
    duration: int | None = None


def parse_sts(value: str | None) -> StsValue:
    """The ``port`` and ``duration`` of an ``sts`` value (``port=6697,duration=300``).
    Unknown keys are ignored, as the spec asks; a malformed number counts as absent."""
    keys: dict[str, str] = {}
    for token in (value or "").split(","):
        key, _, val = token.partition("=")
        keys.setdefault(key.strip().lower(), val.strip())

    def number(key: str, low: int, high: int) -> int | None:
        text = keys.get(key, "")
        return int(text) if text.isascii() and text.isdigit() and low <= int(text) <= high else None

    return StsValue(port=number("port", 1, 65535), duration=number("duration", 0, 2**40))


@dataclass
class StsPolicies:
    """Hosts that told us to use TLS, until when, and on which port; kept in ``path``."""

    path: Path | None = None
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        self._memory: dict[str, dict[str, float]] = {}

    def port(self, host: str) -> int | None:
        """The TLS port to use for ``host`` if a policy is in force, else None."""
        entry = self._load().get(host.lower())
        if entry is None or entry.get("expires", 0) <= self.clock():
            return None
        port = entry.get("port")
        return int(port) if isinstance(port, int | float) and 1 <= port <= 65535 else None

    def store(self, host: str, port: int, duration: int) -> None:
        """Keep (or refresh) the policy seen on a TLS connection to ``host:port``;
        ``duration`` 0 removes it."""
        policies = self._load()
        if duration > 0:
            policies[host.lower()] = {"port": port, "expires": self.clock() + duration}
        else:
            policies.pop(host.lower(), None)
        self._save(policies)

    def _load(self) -> dict[str, dict[str, float]]:
        if self.path is None:
            return self._memory
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError, ValueError) as error:
            log.warning("ignoring the STS policies in %s: %s", self.path, error)
            return {}
        if not isinstance(data, dict):
            return {}
        return {key: value for key, value in data.items() if isinstance(value, dict)}

    def _save(self, policies: dict[str, dict[str, float]]) -> None:
        if self.path is None:
            self._memory = policies
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=self.path.parent, prefix=".sts-", delete=False
            ) as file:
                file.write(json.dumps(policies, indent=2) + "\n")
            os.replace(file.name, self.path)
        except OSError as error:
            log.warning("cannot save the STS policy to %s: %s", self.path, error)

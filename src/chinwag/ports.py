"""Who holds a TCP port, for the "port already in use" message of ``chinwag serve``.

Naming the process (usually a forgotten chinwag serve in another terminal) turns a bare
``Address already in use`` into something a newcomer can act on. Only Linux's ``/proc`` is
read; elsewhere, or when the holder belongs to another user, the answer is simply unknown.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_LISTEN = "0A"
"""The TCP state ``LISTEN`` as ``/proc/net/tcp`` writes it."""


@dataclass(frozen=True, slots=True)
class Holder:
    """A process listening on a port: its id and its command name."""

    pid: int
    name: str


def _listening_inodes(port: int, proc: Path) -> set[str]:
    """The socket inodes listening on ``port``, from ``/proc/net/tcp`` and ``tcp6``."""
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (proc / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10 or fields[3] != _LISTEN:
                continue
            local_port = int(fields[1].rpartition(":")[2], 16)
            if local_port == port:
                inodes.add(fields[9])
    return inodes


def port_holder(port: int, proc: Path = Path("/proc")) -> Holder | None:
    """The process listening on TCP ``port``, or None when it cannot be found cheaply
    (not Linux, another user's process, or nobody). The caller names it in its message."""
    inodes = _listening_inodes(port, proc)
    if not inodes:
        return None
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # Another user's descriptors are unreadable: skipped, the answer may be None.
            targets = {os.readlink(fd) for fd in (entry / "fd").iterdir()}
        except OSError:
            continue
        if targets & wanted:
            try:
                name = (entry / "comm").read_text().strip()
            except OSError:
                name = "?"
            return Holder(int(entry.name), name)
    return None

"""What the benchmark reads from Linux about a process, and the limits it sets on one.

Memory is the server's resident set (``VmRSS`` in ``/proc/<pid>/status``); CPU is user plus
system time from ``/proc/<pid>/stat`` (all threads: chinwag's SQLite thread counts). Pinning
and the open-file limit are set in the child before it runs, so neither server needs a
wrapper program. Linux only, like the rest of the suite.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Callable, Collection
from dataclasses import dataclass

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` in KiB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time ``pid`` has used so far, in seconds."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        text = stat.read()
    # The command name (field 2) may contain spaces; the fields after it are plain numbers.
    fields = text[text.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / CLOCK_TICKS


def own_cpu_seconds() -> float:
    """CPU time of the calling process so far (user plus system), in seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def nofile_limits(pid: int) -> tuple[int | None, int | None]:
    """The soft and hard open-file limits of process ``pid`` (``None``: unlimited).

    Read from ``/proc/<pid>/limits``, which anyone may read: ngIRCd started as root runs as
    another user, whom ``prlimit`` could not ask without privileges.
    """
    with open(f"/proc/{pid}/limits", encoding="ascii") as limits:
        for line in limits:
            if line.startswith("Max open files"):
                soft, hard = line.split()[3:5]
                return _limit(soft), _limit(hard)
    raise RuntimeError(f"no open-file limit for process {pid}")


def _limit(text: str) -> int | None:
    return None if text == "unlimited" else int(text)


def raise_nofile() -> int:
    """Raise this process's open-file limit to its hard limit; return the new limit."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


@dataclass(frozen=True)
class Cores:
    """Which CPUs the server and the load generator may use (empty: not pinned)."""

    server: frozenset[int]
    generator: frozenset[int]

    @classmethod
    def split(cls, pin: bool = True) -> Cores:
        """The first available CPU for the server, the rest for the load generator.

        On a two-core machine that is core 0 and core 1. With one CPU, or ``pin`` false,
        nothing is pinned and the report says so.
        """
        available = sorted(os.sched_getaffinity(0))
        if not pin or len(available) < 2:
            return cls(frozenset(), frozenset())
        return cls(frozenset(available[:1]), frozenset(available[1:]))

    @property
    def pinned(self) -> bool:
        return bool(self.server)


def pin_self(cpus: Collection[int]) -> None:
    """Keep the calling process (and children it starts later) on ``cpus``, if any."""
    if cpus:
        os.sched_setaffinity(0, cpus)


def child_setup(cpus: Collection[int]) -> Callable[[], None]:
    """A ``preexec_fn`` that pins a server to ``cpus`` and lifts its open-file limit."""

    def setup() -> None:
        pin_self(cpus)
        raise_nofile()

    return setup

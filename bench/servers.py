"""The servers under test: chinwag and the reference, ngIRCd, each started fresh for one run.

Both get the same treatment: a private directory, a free loopback port, the server's CPU to
themselves (:class:`bench.proc.Cores`), the open-file limit raised to the hard limit, and
every limit that would stop a benchmark client lifted. chinwag keeps history in SQLite, its
default, so fan-out is measured with every message stored; ngIRCd keeps none.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bench.proc import Cores, child_setup
from bench.wire import Step, handshake, registration

START_TIMEOUT = 30.0
STOP_TIMEOUT = 60.0
"""chinwag writes every relayed message before it exits; give it time to."""

SENDQ = 8 * 1024 * 1024
"""chinwag's per-client output limit for the benchmark: more than the largest workload
queues for one receiver, so a receiver that reads can never be dropped."""


@dataclass
class Running:
    """A server process started for one run."""

    name: str
    version: str
    pid: int
    port: int
    log: Path
    transport: str = "tcp"
    """What ``port`` speaks: ``tcp``, ``tls`` or ``ws`` (see :mod:`bench.transports`)."""


class ServerKind(Protocol):
    """How to start one kind of server (chinwag or the reference)."""

    name: str
    transports: tuple[str, ...]
    """The transports it can be measured over."""

    def version(self) -> str: ...

    def running(
        self, workdir: Path, cores: Cores, transport: str = "tcp"
    ) -> contextlib.AbstractContextManager[Running]:
        """Start the server in ``workdir``, listening on one port for ``transport``; stop it
        when the block ends."""
        ...


def free_port() -> int:
    """A loopback port nobody listens on: bound by the OS, then let go."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {_tail(log)}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"server not listening on {port} after {START_TIMEOUT}s: {_tail(log)}")


def _tail(log: Path) -> str:
    try:
        return log.read_text(errors="replace")[-2000:]
    except OSError:
        return "(no log)"


@contextlib.contextmanager
def supervised(
    name: str,
    version: str,
    command: list[str],
    env: dict[str, str],
    workdir: Path,
    port: int,
    cores: Cores,
    transport: str = "tcp",
) -> Iterator[Running]:
    """Run ``command`` pinned to the server's cores until the block ends, then stop it."""
    log = workdir / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=workdir,
            preexec_fn=child_setup(cores.server),
        )
    try:
        _wait_listening(process, port, log)
        yield Running(name, version, process.pid, port, log, transport)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


STANDARD_LOOP = (
    "import sys; sys.modules['uvloop'] = None; from chinwag.cli import main; sys.exit(main())"
)
"""``chinwag serve`` with uvloop hidden from the import system, so it runs on the standard
asyncio loop as it does where uvloop is not installed (any chinwag version, no flag needed)."""


LISTENER_FLAGS = {"tcp": "--port", "tls": "--tls-port", "ws": "--http-port"}
"""The ``chinwag serve`` flag of each transport's listener; a flag given opens exactly that
listener, so each run has the one port its clients use."""


class Chinwag:
    """``python -m chinwag serve`` in this interpreter, with SQLite history on.

    ``tree`` runs the chinwag of another source tree instead (a checkout of an earlier
    commit, for before/after figures in one session), under ``name``; ``standard_loop``
    keeps uvloop out even when it is installed. ``transports`` are those it is measured
    over (see :func:`available_transports`); TLS uses the self-signed certificate chinwag
    makes in its data directory, which is new for every run.
    """

    def __init__(
        self,
        log_level: str = "INFO",
        tree: Path | None = None,
        name: str = "chinwag",
        standard_loop: bool = False,
        transports: tuple[str, ...] = ("tcp",),
        profile: Path | None = None,
        fakelag: bool = True,
    ) -> None:
        self.log_level = log_level
        self.fakelag = fakelag
        """Whether flood control runs (docs/security.md "Flood control"). On, every line is
        charged to its sender's bucket, but with an allowance no load generator reaches:
        what is measured is its cost to well-behaved clients, not a throttled sender."""
        self.profile = profile
        """A directory for a cProfile of every run (``-m cProfile``; the figures then
        measure a profiled server, so profile apart from a measurement)."""
        self._profiles = 0
        self.tree = tree
        self.name = name
        self.standard_loop = standard_loop
        self.transports = transports

    def event_loop(self) -> str:
        """Which event loop ``chinwag serve`` will run: uvloop when installed, as it does."""
        if self.standard_loop or not importlib.util.find_spec("uvloop"):
            return "asyncio"
        return "uvloop"

    def version(self) -> str:
        from chinwag import __version__

        python = ".".join(map(str, sys.version_info[:3]))
        where = f", {self.tree}" if self.tree is not None else ""
        return f"chinwag {__version__} (Python {python}, {self.event_loop()}{where})"

    def command(self, port: int, transport: str = "tcp") -> list[str]:
        """The command line that starts this chinwag with one listener, for ``transport``
        on ``port``."""
        start = ["-c", STANDARD_LOOP] if self.standard_loop else ["-m", "chinwag"]
        if self.profile is not None:
            # cProfile writes its file when the server exits, as it does on SIGTERM.
            self._profiles += 1
            out = self.profile / f"{self.name}-{transport}-{self._profiles}.prof"
            start = ["-m", "cProfile", "-o", str(out), *start]
        return [
            sys.executable,
            *start,
            "serve",
            "--host",
            "127.0.0.1",
            LISTENER_FLAGS[transport],
            str(port),
            "--log-level",
            self.log_level,
        ]

    def environment(self, workdir: Path) -> dict[str, str]:
        """The environment it runs in: its own data directory, every limit lifted."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("CHINWAG_")}
        env.update(
            CHINWAG_STORAGE_DATA_DIR=str(workdir),
            CHINWAG_STORAGE_PATH=str(workdir / "bench.db"),
            CHINWAG_LIMITS_MAX_CLIENTS="1000000",
            CHINWAG_LIMITS_SENDQ=str(SENDQ),
            # No PING round trips or registration deadline in the middle of a measurement.
            CHINWAG_LIMITS_PING_INTERVAL="3600",
            CHINWAG_LIMITS_REGISTRATION_TIMEOUT="3600",
            # Nor WebSocket pings (the receivers count bytes; they do not answer pings).
            CHINWAG_HTTP_PING_INTERVAL="3600",
        )
        if self.fakelag:
            env.update(
                CHINWAG_LIMITS_FAKELAG="true",
                CHINWAG_LIMITS_FLOOD_BURST="1000000000",
                CHINWAG_LIMITS_FLOOD_RATE="1000000000",
            )
        else:
            env["CHINWAG_LIMITS_FAKELAG"] = "false"
        if self.tree is not None:
            # Ahead of the installed (editable) chinwag on the import path.
            env["PYTHONPATH"] = str(self.tree / "src")
        return env

    def running(
        self, workdir: Path, cores: Cores, transport: str = "tcp"
    ) -> contextlib.AbstractContextManager[Running]:
        port = free_port()
        env = self.environment(workdir)
        command = self.command(port, transport)
        return supervised(self.name, self.version(), command, env, workdir, port, cores, transport)


def available_transports(kind: Chinwag, workdir: Path, cores: Cores) -> tuple[str, ...]:
    """The transports this chinwag can serve: each besides TCP is tried once (a server
    started and a client connected over it), since a tree may predate one."""
    found = ["tcp"]
    for transport in ("tls", "ws"):
        probe = workdir / f"probe-{transport}"
        probe.mkdir(exist_ok=True)
        with (
            contextlib.suppress(RuntimeError, OSError),
            kind.running(probe, cores, transport) as server,
        ):
            step = Step(None, registration("probe"), b" 001 ")
            handshake(server.port, [step], 1, 10.0, transport=transport)
            if step.sock is not None:
                step.sock.close()
            found.append(transport)
    return tuple(found)


NGIRCD_CONF = """\
# Written by chinwag's benchmark (bench/servers.py): ngIRCd with nothing that limits a
# benchmark client. See ngircd.conf(5).
[Global]
	Name = bench.ngircd.test
	Info = chinwag benchmark reference
	AdminInfo1 = benchmark
	AdminInfo2 = localhost
	AdminEMail = root@localhost
	Listen = 127.0.0.1
	Ports = {port}
	MotdPhrase = "benchmark"
[Limits]
	# 0: no limit on connections, in total or from one address (the generator is one).
	MaxConnections = 0
	MaxConnectionsIP = 0
	MaxJoins = 0
	# 0 disables the penalty time ngIRCd adds to fast senders ("flood protection").
	MaxPenaltyTime = 0
	MaxNickLength = 30
	# No PING round trips in the middle of a measurement.
	PingTimeout = 3600
	PongTimeout = 3600
[Options]
	# No reverse DNS, ident or PAM for each connection: chinwag does none of these either.
	DNS = no
	Ident = no
	PAM = no
	IncludeDir = {include}
"""


class Ngircd:
    """ngIRCd from the system, in the foreground (``-n``) with a configuration of our own."""

    name = "ngircd"
    transports: tuple[str, ...] = ("tcp",)
    """The reference for the plain path only."""

    def __init__(self, binary: str) -> None:
        self.binary = binary

    def version(self) -> str:
        result = subprocess.run(
            [self.binary, "--version"], capture_output=True, text=True, check=False
        )
        first = (result.stdout or result.stderr).splitlines()[:1]
        # "ngIRCd 26.1-IDENT+IPv6+..." -> "ngIRCd 26.1"
        return first[0].split("-")[0] if first else "ngIRCd"

    def running(
        self, workdir: Path, cores: Cores, transport: str = "tcp"
    ) -> contextlib.AbstractContextManager[Running]:
        if transport != "tcp":
            raise ValueError(f"ngIRCd is measured over tcp only, not {transport}")
        port = free_port()
        include = workdir / "conf.d"
        include.mkdir(exist_ok=True)
        conf = workdir / "ngircd.conf"
        conf.write_text(NGIRCD_CONF.format(port=port, include=include))
        # Started as root, ngIRCd drops to "nobody"; it must still be able to re-read these.
        for path in (workdir, include, conf):
            path.chmod(0o755)
        command = [self.binary, "-n", "-f", str(conf)]
        return supervised(
            self.name, self.version(), command, dict(os.environ), workdir, port, cores
        )


NGIRCD_PLACES = ("/usr/sbin/ngircd", "/usr/local/sbin/ngircd")
"""Where Debian and a source build put ngIRCd, for a PATH without the sbin directories."""


def installed_ngircd() -> str | None:
    """The ngIRCd binary, if there is one."""
    found = shutil.which("ngircd")
    return found or next((place for place in NGIRCD_PLACES if os.access(place, os.X_OK)), None)


def find_ngircd(install: bool) -> str | None:
    """The ngIRCd binary, installed from Debian's package first when missing and allowed.

    Installing needs root and ``apt-get``; otherwise (or when ``install`` is false) a missing
    ngIRCd is reported and the suite measures chinwag alone. Debian's package would start
    its own ngIRCd service on port 6667, chinwag's port: a ``policy-rc.d`` that refuses
    service starts is put in place for the install (see invoke-rc.d(8)).
    """
    found = installed_ngircd()
    if found or not install:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        print("bench: ngircd is not installed (apt-get install ngircd, as root)", file=sys.stderr)
        return None
    print("bench: installing ngircd (apt-get install ngircd)", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    policy = Path("/usr/sbin/policy-rc.d")
    made = not policy.exists()
    if made:
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
    try:
        for command in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "ngircd"],
        ):
            subprocess.run(command, env=env, check=False, stdout=subprocess.DEVNULL)
    finally:
        if made:
            policy.unlink(missing_ok=True)
    return installed_ngircd()

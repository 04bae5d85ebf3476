"""The crowd workload (issue 20): as many clients as one server process can hold, and a big room.

K clients connect and register (the registration rate, and the server's memory per client),
then N of them join one room (the time that takes), then a fan-out to that room (deliveries
per second, as :func:`bench.loadgen.fanout` counts them) and a steady stream to it (the
latency of each delivery, as :func:`bench.loadgen.latency` times it).

Two limits of the machine decide how many clients there can be. A server process holds one
file per client, so K is capped at what its hard open-file limit leaves once its own files
are counted; the record keeps the wanted and the measured count and says why they differ.
A client's address and port pair must be unique towards the server, so when one loopback
address's ephemeral ports would run short the clients spread over 127.0.0.1, 127.0.0.2, ...
(each socket bound to its address before it connects). The load generator spreads the clients
over as many processes as its own open-file limit needs.
"""

from __future__ import annotations

import array
import math
import resource
import select
import socket
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from typing import Any

from bench.loadgen import (
    CONNECT_WINDOW,
    JOIN_WINDOW,
    JOINED,
    RECV_SIZE,
    LoadError,
    RoomJob,
    Worker,
    _await,
    _hold_until_stop,
    _loadgen_cpu,
    _receive,
    room_worker,
)
from bench.proc import cpu_seconds, nofile_limits, own_cpu_seconds, rss_kib
from bench.wire import ROOM, HandshakeError, Step, handshake, ping, registration

SERVER_FILES = 100
"""Files a server keeps open besides its clients (listeners, its database and log, its event
loop's own descriptors), left out of the clients its open-file limit allows."""
WORKER_FILES = 64
"""The same for a load-generator process (its pipe to the parent, its poller)."""
PORT_RESERVE = 4096
"""Ephemeral ports of an address left to everything else on the machine."""
SETTLE = 1.0
"""Seconds between the last welcome and the memory reading, for deferred work to finish."""


@dataclass(frozen=True)
class Crowd:
    """The sizes of one crowd run."""

    clients: int = 50_000
    """Clients wanted (fewer are measured where the server's open-file limit says so)."""
    room: int = 10_000
    """Of them, how many join the one room."""
    senders: int = 2
    messages: int = 300
    """Messages each sender sends at once in the fan-out (10,000 receivers: six million
    deliveries, a few seconds on either server)."""
    rate: float = 20.0
    """Messages per second to the room while latency is measured (one sender)."""
    seconds: float = 5.0
    """Seconds of that stream."""
    addresses: int | None = None
    """Loopback source addresses to spread the clients over; ``None``: as many as the
    ephemeral ports need (one, below some 24,000 clients, and then no socket is bound)."""

    @property
    def extra(self) -> int:
        """Connections besides the crowd: the fan-out's senders and the latency's one."""
        return self.senders + 1


def capacity(wanted: int, hard: int | None, extra: int) -> tuple[int, str | None]:
    """How many of ``wanted`` clients a server whose hard open-file limit is ``hard`` can
    hold beside ``extra`` other connections, and why that is fewer (``None``: it is not)."""
    if hard is None:
        return wanted, None
    room = max(1, hard - SERVER_FILES - extra)
    if wanted <= room:
        return wanted, None
    return room, f"capped at {room:,} by the open-file hard limit {hard}"


def ephemeral_ports() -> int:
    """How many ephemeral ports one local address has (``ip_local_port_range``)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range", encoding="ascii") as ports:
            low, high = (int(part) for part in ports.read().split())
    except (OSError, ValueError):
        low, high = 32768, 60999  # Linux's default
    return high - low + 1


def source_addresses(
    clients: int, wanted: int | None = None, ports: int | None = None
) -> tuple[str, ...]:
    """The loopback addresses ``clients`` connections come from: ``wanted`` of them, or as
    many as leave each address :data:`PORT_RESERVE` of its ``ports`` ephemeral ports."""
    if wanted is None:
        usable = max(1024, (ports or ephemeral_ports()) - PORT_RESERVE)
        wanted = max(1, math.ceil(clients / usable))
    if not 1 <= wanted <= 254:
        raise ValueError(f"between 1 and 254 source addresses, not {wanted}")
    return tuple(f"127.0.0.{index + 1}" for index in range(wanted))


def processes(clients: int, procs: int, hard: int | None) -> int:
    """Load-generator processes for ``clients``: ``procs``, or more when each may hold no
    more than its hard open-file limit ``hard`` allows."""
    each = max(1, (hard or clients + WORKER_FILES) - WORKER_FILES)
    return max(1, min(clients, max(procs, math.ceil(clients / each))))


def _join(members: Sequence[socket.socket], window: int, timeout: float) -> dict[str, Any]:
    """Each of ``members`` joins :data:`ROOM`, ``window`` at a time, done when the PONG after
    its JOIN arrives; every member's socket is read throughout.

    Reading the members that are in matters: each JOIN is announced to every member, N²/2
    lines in all, and a server drops a client whose output it cannot send (ngIRCd at 32 KiB).
    """
    token = JOINED.encode()
    edge = len(token) - 1
    request = f"JOIN {ROOM}\r\n".encode() + ping(JOINED)
    poller = select.epoll()
    by_fd = {}
    for index, sock in enumerate(members):
        poller.register(sock.fileno(), select.EPOLLIN)
        by_fd[sock.fileno()] = index
    tails: dict[int, bytes] = {}
    """The members still joining, each with the end of what it last read (a PONG split across
    two reads is still found)."""
    buffer = bytearray(RECV_SIZE)
    cpu = own_cpu_seconds()
    start = time.monotonic()
    deadline = start + timeout
    end = start
    started = done = 0

    def closed() -> LoadError:
        return LoadError(
            f"the server closed a member while {done} of {len(members)} had joined {ROOM} "
            "(its output backed up, or it ran out of files)"
        )

    try:
        while done < len(members):
            while len(tails) < window and started < len(members):
                try:
                    members[started].sendall(request)  # a few bytes into an idle socket
                except OSError:
                    raise closed() from None
                tails[started] = b""
                started += 1
            now = time.monotonic()
            if now > deadline:
                raise LoadError(f"joining timed out: {done} of {len(members)} in {ROOM}")
            for fd, _ in poller.poll(min(1.0, deadline - now)):
                index = by_fd[fd]
                try:
                    size = members[index].recv_into(buffer)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    size = 0
                if not size:
                    raise closed()
                tail = tails.get(index)
                if tail is None:  # joined already: what it gets now is read and dropped
                    continue
                found = buffer.find(token, 0, size) >= 0
                if not found and tail:
                    found = token in tail + bytes(buffer[: min(edge, size)])
                if found:
                    del tails[index]
                    done += 1
                    end = time.monotonic()
                else:
                    tails[index] = (tail + bytes(buffer[max(0, size - edge) : size]))[-edge:]
    finally:
        poller.close()
    return {"start": start, "end": end, "cpu": own_cpu_seconds() - cpu}


def crowd_worker(
    conn: Connection,
    port: int,
    nicks: tuple[str, ...],
    sources: tuple[str | None, ...],
    members: int,
    window: int,
    timeout: float,
    fanout_job: RoomJob,
    latency_job: RoomJob,
) -> None:
    """One generator process's part of the crowd, moved on by the parent: register every
    nick (on "go"), the first ``members`` join the room (on "join"), they receive the
    fan-out (on "fanout") and the timed stream (on "latency"); then hold until stop."""
    conn.send(("ready", None))
    _await(conn, "go")
    cpu = own_cpu_seconds()
    start = time.monotonic()
    steps = [
        Step(None, registration(nick), b" 001 ", source=source)
        for nick, source in zip(nicks, sources, strict=True)
    ]
    handshake(port, steps, window, timeout)
    socks = [step.sock for step in steps if step.sock is not None]
    end = max((step.done_at for step in steps), default=start)
    conn.send(("registered", {"start": start, "end": end, "cpu": own_cpu_seconds() - cpu}))
    room = socks[:members]
    _await(conn, "join")
    conn.send(("joined", _join(room, JOIN_WINDOW, timeout)))
    _await(conn, "fanout")
    conn.send(("fanout", _receive(room, fanout_job)))
    _await(conn, "latency")
    conn.send(("latency", _receive(room, latency_job)))
    _hold_until_stop(socks, conn)


def _percentile(ordered: Sequence[int], fraction: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] / 1e6


def crowd(
    port: int,
    server_pid: int,
    size: Crowd,
    procs: int,
    cpus: Collection[int],
    timeout: float = 1800.0,
) -> dict[str, Any]:
    """Run the crowd against the server at ``port`` (process ``server_pid``); the record.

    Registrations per second are the clients over the time from the first connect to the
    last welcome (001), :data:`CONNECT_WINDOW` in flight as in the idle workload; memory
    per client is the server's resident memory a second after the last welcome, less
    before the first connect, over the clients. The room is joined by its members alone,
    then the senders join it: the fan-out's as fast as the server takes their messages,
    then the latency's at a steady rate.
    """
    hard = nofile_limits(server_pid)[1]
    clients, cap = capacity(size.clients, hard, size.extra)
    members = min(size.room, clients)
    addresses = source_addresses(clients + size.extra, size.addresses)
    # One address: the kernel's choice, as every other workload connects.
    bound: list[str | None] = [
        addresses[index % len(addresses)] if len(addresses) > 1 else None
        for index in range(clients)
    ]
    nicks = [f"c{index}" for index in range(clients)]
    own = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    parts = processes(clients, procs, None if own == resource.RLIM_INFINITY else own)
    expected = size.senders * size.messages
    fanout_job = RoomJob("receive", (), size.messages, expected, 0.0, timeout, stall=10.0)
    stream = max(1, round(size.rate * size.seconds))
    latency_job = RoomJob("receive", (), stream, stream, size.rate, size.seconds + 60, stall=10.0)
    workers = [
        Worker(
            crowd_worker,
            port,
            tuple(nicks[i::parts]),
            tuple(bound[i::parts]),
            # Nicks are dealt in turn, so a worker's members (the first ``members`` of
            # all) come first among its own.
            len(range(i, members, parts)),
            max(1, CONNECT_WINDOW // parts + (i < CONNECT_WINDOW % parts)),
            timeout,
            fanout_job,
            latency_job,
            cpus=cpus,
        )
        for i in range(parts)
    ]
    senders: list[Worker] = []
    metrics: dict[str, Any] = {"clients": clients, "room": members}
    fanout: dict[str, Any] = {}
    timed: dict[str, Any] = {}
    phase = "registration"
    incomplete = None
    try:
        for worker in workers:
            worker.expect("ready", 60)
        before = rss_kib(server_pid)
        server_cpu = cpu_seconds(server_pid)
        for worker in workers:
            worker.send("go")
        registered = [worker.expect("registered", timeout + 30) for worker in workers]
        first = min(report["start"] for report in registered)
        register_seconds = max(report["end"] for report in registered) - first
        server_cpu = cpu_seconds(server_pid) - server_cpu
        time.sleep(SETTLE)
        after_registration = rss_kib(server_pid)
        metrics.update(
            registrations_per_s=clients / register_seconds if register_seconds > 0 else 0.0,
            register_seconds=register_seconds,
            register_server_cpu=server_cpu / register_seconds if register_seconds > 0 else 0.0,
            kib_per_client=(after_registration - before) / clients,
            rss_before_kib=before,
            rss_registered_kib=after_registration,
        )
        phase = "join"
        join_cpu = cpu_seconds(server_pid)
        for worker in workers:
            worker.send("join")
        joined = [worker.expect("joined", timeout + 30) for worker in workers]
        join_seconds = max(r["end"] for r in joined) - min(r["start"] for r in joined)
        join_cpu = cpu_seconds(server_pid) - join_cpu
        metrics.update(
            rss_joined_kib=rss_kib(server_pid),
            join_seconds=join_seconds,
            joins_per_s=members / join_seconds if join_seconds > 0 else 0.0,
            join_server_cpu=join_cpu / join_seconds if join_seconds > 0 else 0.0,
            join_loadgen_cpu=sum(r["cpu"] for r in joined) / join_seconds if join_seconds else 0.0,
        )
        phase = "fan-out"
        fanout = _fanout(port, server_pid, workers, size, fanout_job, members, cpus, senders)
        metrics.update(fanout["metrics"])
        phase = "latency"
        timed = _latency(port, workers, latency_job, members, cpus, senders)
        metrics.update(timed["metrics"])
    except (LoadError, HandshakeError) as error:
        if phase == "registration":
            raise  # nothing measured: the suite records the failure as it does any
        # What the server could not take is a result too: the figures so far are kept.
        incomplete = f"stopped in the {phase}: {str(error).strip().splitlines()[-1]}"
    finally:
        for worker in [*workers, *senders]:
            worker.stop()
    for key in MEASURED:
        metrics.setdefault(key, float("nan"))
    metrics["lost"] = metrics["fanout_lost"] + metrics["latency_lost"]
    record: dict[str, Any] = {
        "workload": "crowd",
        "params": {
            "wanted": size.clients,
            "clients": clients,
            "room": members,
            "senders": size.senders,
            "messages": size.messages,
            "rate": size.rate,
            "seconds": size.seconds,
        },
        "metrics": metrics,
        "cap": {"nofile_hard": hard, "reason": cap},
        "source_addresses": list(addresses),
        "generator_processes": parts,
        "dropped": fanout.get("dropped", 0) + timed.get("dropped", 0),
        "unsent_bytes": fanout.get("unsent_bytes", 0) + timed.get("unsent_bytes", 0),
        # The fan-out's: the phase where a slow generator would show.
        "loadgen_cpu": fanout.get("loadgen_cpu", 0.0),
        "server_cpu": fanout.get("server_cpu", 0.0),
    }
    if incomplete:
        record["incomplete"] = incomplete
    return record


MEASURED = (
    "rss_joined_kib",
    "join_seconds",
    "joins_per_s",
    "join_server_cpu",
    "join_loadgen_cpu",
    "deliveries_per_s",
    "fanout_seconds",
    "deliveries",
    "fanout_lost",
    "p50_ms",
    "p99_ms",
    "max_ms",
    "latency_samples",
    "latency_lost",
)
"""The figures after registration: not a number in the record of a server that could not
take the crowd as far as theirs (its ``incomplete`` says where it stopped and why)."""


def _fanout(
    port: int,
    server_pid: int,
    workers: Sequence[Worker],
    size: Crowd,
    job: RoomJob,
    members: int,
    cpus: Collection[int],
    started: list[Worker],
) -> dict[str, Any]:
    """The fan-out to the room: its senders join it, the members read, the senders send at
    once. Figures as :func:`bench.loadgen.fanout` makes them; the sender worker goes on
    ``started`` (to be stopped with the rest)."""
    nicks = tuple(f"s{index}" for index in range(size.senders))
    sender = Worker(room_worker, port, replace(job, role="send", nicks=nicks), cpus=cpus)
    started.append(sender)
    sender.expect("ready", job.timeout + 30)
    sender.send("sync")
    sender.expect("synced", job.timeout + 30)
    for worker in workers:
        worker.send("fanout")
    server_cpu = cpu_seconds(server_pid)
    go = time.monotonic()
    sender.send("go")
    sent = sender.expect("result", job.timeout + 60)
    received = [worker.expect("fanout", job.timeout + 60) for worker in workers]
    server_cpu = cpu_seconds(server_pid) - server_cpu
    counts = [count for report in received for count in report["counts"]]
    done = [at for report in received for at in report["done_at"]]
    last = max(done) if done and all(done) else max(report["end"] for report in received)
    seconds = last - sent["start"]
    deliveries = sum(min(count, job.expected) for count in counts)
    return {
        "metrics": {
            "deliveries_per_s": deliveries / seconds if seconds > 0 else 0.0,
            "fanout_seconds": seconds,
            "deliveries": deliveries,
            "fanout_lost": members * job.expected - deliveries,
        },
        "dropped": sum(report["closed"] for report in [*received, sent]),
        "unsent_bytes": sent["unsent_bytes"],
        "loadgen_cpu": _loadgen_cpu([*received, sent], go),
        "server_cpu": server_cpu / seconds if seconds > 0 else 0.0,
    }


def _latency(
    port: int,
    workers: Sequence[Worker],
    job: RoomJob,
    members: int,
    cpus: Collection[int],
    started: list[Worker],
) -> dict[str, Any]:
    """The timed stream to the room: one more sender joins and sends ``job.messages`` at
    ``job.rate``; the time from each send to each delivery, as
    :func:`bench.loadgen.latency` takes it."""
    sender = Worker(room_worker, port, replace(job, role="send", nicks=("t0",)), cpus=cpus)
    started.append(sender)
    sender.expect("ready", job.timeout + 30)
    sender.send("sync")
    sender.expect("synced", job.timeout + 30)
    for worker in workers:
        worker.send("latency")
    go = time.monotonic()
    sender.send("go")
    sent = sender.expect("result", job.timeout + 60)
    received = [worker.expect("latency", job.timeout + 60) for worker in workers]
    samples = array.array("q")
    for report in received:
        samples.frombytes(report["latencies_ns"])
    ordered = sorted(samples)
    return {
        "metrics": {
            "p50_ms": _percentile(ordered, 0.50),
            "p99_ms": _percentile(ordered, 0.99),
            "max_ms": ordered[-1] / 1e6 if ordered else float("nan"),
            "latency_samples": len(ordered),
            "latency_lost": members * job.messages - len(ordered),
        },
        "dropped": sum(report["closed"] for report in [*received, sent]),
        "unsent_bytes": sent["unsent_bytes"],
        "loadgen_cpu": _loadgen_cpu([*received, sent], go),
    }

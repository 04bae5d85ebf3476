"""The load generator: worker processes on the generator's cores, moved through phases together.

Each workload splits its clients over a few worker processes (forked, pinned to the load
generator's CPUs). The parent moves them through the same phases: set-up (register, join,
answer a PING, so every JOIN before it has been handled), sync (a second PING once everyone
is in, so the JOIN notices of later joiners are out of the way), then the measurement, then a
stop. No client disconnects before every worker has reported, so no QUIT traffic lands in a
measurement.

Workers report the CPU time they used while measuring; the parent turns it into the load
generator's share of its cores (``loadgen_cpu``, 1.0 = one core busy), printed next to each
figure so a saturated generator is visible rather than mistaken for a slow server.
"""

from __future__ import annotations

import array
import contextlib
import multiprocessing
import select
import selectors
import socket
import ssl
import time
import traceback
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from typing import Any

from bench.proc import cpu_seconds, own_cpu_seconds, pin_self, raise_nofile, rss_kib
from bench.transports import FrameCounter, frame, read_into
from bench.wire import (
    ROOM,
    MarkCounter,
    StampReader,
    Step,
    handshake,
    ping,
    registration,
    room_burst,
    stamped,
)

READY = "zbenchready"
SYNCED = "zbenchsynced"
JOINED = "zbenchjoined"
"""PONG tokens: words no server says of its own accord."""

RECV_SIZE = 1 << 18
CONNECT_WINDOW = 8
"""Clients connecting and registering at once, over all workers. ngIRCd listens with a
backlog of 10 and accepts one connection per turn of its loop; more connects in flight than
that make the kernel drop handshakes, which TCP retries a second (or a minute) later and the
figure would measure the retries."""
JOIN_WINDOW = 64
"""Registered clients of one worker joining at once (no new connections involved)."""

_FORK = multiprocessing.get_context("fork")


class LoadError(RuntimeError):
    """A worker failed or the server dropped clients; the text says what happened."""


class Worker:
    """A forked child running ``target(conn, *args)``; the parent talks to it over ``conn``."""

    def __init__(self, target: Callable[..., None], *args: Any, cpus: Collection[int]) -> None:
        parent_end, child_end = _FORK.Pipe()
        self.process = _FORK.Process(
            target=_enter, args=(child_end, frozenset(cpus), target, args), daemon=True
        )
        self.process.start()
        child_end.close()
        self.conn = parent_end

    def send(self, kind: str) -> None:
        self.conn.send(kind)

    def expect(self, kind: str, timeout: float) -> Any:
        """The payload of the worker's next message, which must be ``kind``."""
        if not self.conn.poll(timeout):
            raise LoadError(f"worker sent no {kind!r} within {timeout:.0f}s")
        try:
            got, payload = self.conn.recv()
        except EOFError:
            raise LoadError(f"worker exited before {kind!r}") from None
        if got == "error":
            raise LoadError(f"worker failed:\n{payload}")
        if got != kind:
            raise LoadError(f"worker sent {got!r}, expected {kind!r}")
        return payload

    def stop(self) -> None:
        with contextlib.suppress(OSError):  # already gone
            self.conn.send("stop")
        self.process.join(10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()
        self.conn.close()


def _enter(
    conn: Connection, cpus: frozenset[int], target: Callable[..., None], args: tuple[Any, ...]
) -> None:
    pin_self(cpus)
    raise_nofile()
    try:
        target(conn, *args)
    except BaseException:
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


def _await(conn: Connection, kind: str) -> None:
    message = conn.recv()
    if message != kind:
        raise LoadError(f"parent sent {message!r}, expected {kind!r}")


def _hold_until_stop(socks: Sequence[socket.socket], conn: Connection) -> None:
    """Keep reading (and discarding) until the parent says stop, then close every socket.

    Reading on matters: a server whose output to a client backs up may drop that client
    (ngIRCd after 32 KiB), and a sender dropped with lines still unread loses them.
    """
    scratch = bytearray(RECV_SIZE)
    selector = selectors.DefaultSelector()
    selector.register(conn, selectors.EVENT_READ, None)
    for sock in socks:
        selector.register(sock, selectors.EVENT_READ, sock)
    try:
        while True:
            for key, _ in selector.select():
                if key.data is None:
                    _await(conn, "stop")
                    return
                try:
                    if not key.data.recv_into(scratch):
                        selector.unregister(key.data)
                except (BlockingIOError, InterruptedError, ssl.SSLWantReadError):
                    pass
                except OSError:
                    selector.unregister(key.data)
    finally:
        selector.close()
        for sock in socks:
            sock.close()


# -- the room workloads (fan-out and latency) --------------------------------------------


@dataclass(frozen=True)
class RoomJob:
    """One worker's part in a room workload.

    ``role`` is ``"receive"`` (count, or time, what arrives) or ``"send"``. Senders send
    ``messages`` each: as fast as the server takes them when ``rate`` is 0, else at ``rate``
    messages per second each, stamped with their send time.
    """

    role: str
    nicks: tuple[str, ...]
    messages: int
    expected: int = 0
    """Messages each receiver should get."""
    rate: float = 0.0
    timeout: float = 120.0
    stall: float = 10.0
    """Seconds without a byte, once messages flow, after which a receiver gives up."""
    first_sender: int = 0
    window: int = CONNECT_WINDOW
    """This worker's share of :data:`CONNECT_WINDOW`."""
    transport: str = "tcp"
    """``tcp``, ``tls`` or ``ws`` (see :mod:`bench.transports`)."""
    check_frames: bool = False
    """WebSocket receivers also unframe every message (slow), to check the raw count."""
    keep_sent: bool = False
    """Timed receivers also report each message's send time (``sent_ns``)."""


def room_worker(conn: Connection, port: int, job: RoomJob) -> None:
    """Join the room, sync, then receive or send as ``job`` says; report; hold until stop."""
    steps = [
        Step(None, registration(nick) + f"JOIN {ROOM}\r\n".encode() + ping(READY), READY.encode())
        for nick in job.nicks
    ]
    handshake(port, steps, job.window, job.timeout, transport=job.transport)
    socks = [step.sock for step in steps if step.sock is not None]
    conn.send(("ready", None))
    _await(conn, "sync")
    handshake(
        port,
        [Step(step.sock, ping(SYNCED), SYNCED.encode(), ws=step.ws) for step in steps],
        len(socks),
        job.timeout,
        transport=job.transport,
    )
    conn.send(("synced", None))
    if job.role == "receive":
        checks = [FrameCounter(step.ws) for step in steps if step.ws] if job.check_frames else []
        result = _receive(socks, job, checks)
    elif job.rate > 0:
        if job.transport != "tcp":
            raise LoadError("the latency workload runs over plain TCP only")
        _await(conn, "go")
        result = _paced(socks, job)
    else:
        bursts = [room_burst(job.first_sender + index, job.messages) for index in range(len(socks))]
        if job.transport == "ws":  # framed now: the measurement sends ready-made bytes
            bursts = [
                frame(step.ws, burst) if step.ws else burst
                for step, burst in zip(steps, bursts, strict=True)
            ]
        _await(conn, "go")
        result = _blast(socks, bursts, job.timeout)
    conn.send(("result", result))
    _hold_until_stop(socks, conn)


def _receive(
    socks: Sequence[socket.socket], job: RoomJob, checks: Sequence[FrameCounter] = ()
) -> dict[str, Any]:
    """Read every socket until each has ``job.expected`` messages (or the stream stalls).

    epoll and one reused buffer rather than selectors and a new bytes object per read: at two
    million lines a second the generator's own overhead is what decides whether it keeps up.
    ``checks`` (WebSocket, smoke size) also unframe everything each socket gets.
    """
    tls = job.transport == "tls"
    timed = job.rate > 0
    counters = [MarkCounter() for _ in socks]
    stamps = [StampReader(job.keep_sent) for _ in socks] if timed else []
    done_at = [0.0] * len(socks)
    closed = 0
    poller = select.epoll()
    by_fd = {}
    for index, sock in enumerate(socks):
        poller.register(sock.fileno(), select.EPOLLIN)
        by_fd[sock.fileno()] = index
    buffer = bytearray(RECV_SIZE)
    cpu = own_cpu_seconds()
    start = time.monotonic()
    last_data = 0.0
    left = len(socks)
    while left:
        events = poller.poll(0.5)
        now = time.monotonic()
        if not events:
            if (last_data and now - last_data > job.stall) or now - start > job.timeout:
                break
            continue
        for fd, _ in events:
            index = by_fd[fd]
            try:
                sock = socks[index]
                got = read_into(sock, buffer) if tls else sock.recv_into(buffer)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                got = 0
            if got is None:  # TLS: no whole record yet
                continue
            size = got
            if not size:  # dropped by the server: what it had not sent is lost
                closed += 1
                left -= 1
                poller.unregister(fd)
                continue
            last_data = now
            if timed:
                reader = stamps[index]
                reader.feed(bytes(buffer[:size]), time.monotonic_ns())
                count = reader.count
            else:
                counter = counters[index]
                counter.feed_from(buffer, size)
                count = counter.count
                if checks:
                    checks[index].feed(bytes(buffer[:size]))
            if count >= job.expected:
                done_at[index] = time.monotonic()
                left -= 1
                poller.unregister(fd)
    poller.close()
    latencies = array.array("q")
    sent = array.array("q")
    for reader in stamps:
        latencies.extend(reader.latencies)
        sent.extend(reader.sent)
    return {
        "counts": [reader.count for reader in (stamps or counters)],
        "frames": [check.count for check in checks],
        "odd_frames": sum(check.others for check in checks),
        "done_at": done_at,
        "closed": closed,
        "cpu": own_cpu_seconds() - cpu,
        "start": start,
        "end": time.monotonic(),
        "latencies_ns": latencies.tobytes(),
        "sent_ns": sent.tobytes(),
    }


def _blast(
    socks: Sequence[socket.socket], bursts: Sequence[bytes], timeout: float
) -> dict[str, Any]:
    """Write each sender's burst as fast as its socket takes it, reading meanwhile."""
    views = [memoryview(burst) for burst in bursts]
    scratch = bytearray(RECV_SIZE)  # what the room sends the senders is read and dropped
    sent = [0] * len(socks)
    selector = selectors.DefaultSelector()
    for index, sock in enumerate(socks):
        selector.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE, index)
    cpu = own_cpu_seconds()
    start = time.monotonic()
    writing = len(socks)
    closed = 0
    deadline = start + timeout
    while writing and time.monotonic() < deadline:
        for key, mask in selector.select(1.0):
            index = key.data
            sock = socks[index]
            if mask & selectors.EVENT_READ:
                try:
                    if not sock.recv_into(scratch):
                        raise ConnectionResetError
                except (BlockingIOError, InterruptedError, ssl.SSLWantReadError):
                    pass
                except OSError:
                    closed += 1
                    writing -= 1 if sent[index] < len(views[index]) else 0
                    selector.unregister(sock)
                    continue
            if mask & selectors.EVENT_WRITE and sent[index] < len(views[index]):
                # TLS: a write that wants to wait is retried with the same bytes, as
                # OpenSSL requires.
                with contextlib.suppress(
                    BlockingIOError, InterruptedError, ssl.SSLWantWriteError, ssl.SSLWantReadError
                ):
                    sent[index] += sock.send(views[index][sent[index] : sent[index] + RECV_SIZE])
                if sent[index] >= len(views[index]):
                    writing -= 1
                    selector.modify(sock, selectors.EVENT_READ, index)
    selector.close()
    return {
        "start": start,
        "end": time.monotonic(),
        "cpu": own_cpu_seconds() - cpu,
        "closed": closed,
        "unsent_bytes": sum(len(view) - done for view, done in zip(views, sent, strict=True)),
    }


def _paced(socks: Sequence[socket.socket], job: RoomJob) -> dict[str, Any]:
    """Send ``job.messages`` each at ``job.rate`` per second, each stamped when it is made.

    Senders are staggered over one interval so the room sees an even stream. A line the
    socket does not take at once waits in our buffer, and its wait counts as latency.
    """
    count = len(socks)
    interval = 1.0 / job.rate
    start = time.monotonic()
    made = [0] * count
    pending = [b""] * count
    scratch = bytearray(RECV_SIZE)
    selector = selectors.DefaultSelector()
    for index, sock in enumerate(socks):
        selector.register(sock, selectors.EVENT_READ, index)
    cpu = own_cpu_seconds()
    closed = 0
    while any(n < job.messages for n in made) or any(pending):
        now = time.monotonic()
        next_due = now + 0.01
        for index, sock in enumerate(socks):
            first = start + interval * index / count
            due = min(job.messages, int((now - first) / interval) + 1) if now >= first else 0
            while made[index] < due:
                pending[index] += stamped(ROOM, time.monotonic_ns())
                made[index] += 1
            if pending[index]:
                try:
                    taken = sock.send(pending[index])
                    pending[index] = pending[index][taken:]
                except (BlockingIOError, InterruptedError):
                    pass
            if made[index] < job.messages:
                next_due = min(next_due, first + made[index] * interval)
        for key, _ in selector.select(max(0.0, next_due - time.monotonic())):
            try:
                if not socks[key.data].recv_into(scratch):
                    raise ConnectionResetError
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                closed += 1
                selector.unregister(socks[key.data])
        if time.monotonic() - start > job.timeout:
            break
    selector.close()
    return {
        "start": start,
        "end": time.monotonic(),
        "cpu": own_cpu_seconds() - cpu,
        "closed": closed,
        "unsent_bytes": sum(len(data) for data in pending),
    }


def _split(items: Sequence[str], parts: int) -> list[tuple[str, ...]]:
    parts = max(1, min(parts, len(items)))
    return [tuple(items[index::parts]) for index in range(parts)]


@dataclass(frozen=True)
class Placement:
    """Where a room workload's clients connect, for a network of several server processes.

    Receiver ``i`` connects to ``receivers[i % len(receivers)]`` and sender ``j`` to
    ``senders[j % len(senders)]``; ``pids`` are the server processes whose CPU (and
    memory) is measured, in the order their figures are reported. One server is
    ``Placement.single(port, pid)``.
    """

    receivers: tuple[int, ...]
    senders: tuple[int, ...]
    pids: tuple[int, ...]

    @classmethod
    def single(cls, port: int, pid: int) -> Placement:
        """Every client on the one server at ``port``."""
        return cls((port,), (port,), (pid,))


@dataclass(frozen=True)
class RoomRun:
    """What :func:`_room_workload` measured: each receiver worker's report with the port
    its clients used, the sender workers' reports, and times and CPU of the servers."""

    received: list[dict[str, Any]]
    receiver_ports: list[int]
    sent: list[dict[str, Any]]
    go: float
    server_cpu: list[float]
    """CPU seconds each of ``Placement.pids`` used from go to end."""
    end: float


def _by_port(nicks: Sequence[str], ports: Sequence[int]) -> dict[int, list[str]]:
    placed: dict[int, list[str]] = {port: [] for port in ports}
    for index, nick in enumerate(nicks):
        placed[ports[index % len(ports)]].append(nick)
    return {port: chosen for port, chosen in placed.items() if chosen}


def _room_workload(
    placement: Placement,
    receivers: int,
    senders: int,
    job: RoomJob,
    procs: int,
    cpus: Collection[int],
) -> RoomRun:
    """Run one room workload with its clients where ``placement`` says."""
    receiver_ports = _by_port([f"r{index}" for index in range(receivers)], placement.receivers)
    sender_ports = _by_port([f"s{index}" for index in range(senders)], placement.senders)
    per_port = max(1, procs // len(receiver_ports))
    parts = [
        (port, nicks)
        for port, placed in receiver_ports.items()
        for nicks in _split(placed, per_port)
    ]
    window = max(1, CONNECT_WINDOW // (len(parts) + len(sender_ports)))
    workers = [
        Worker(
            room_worker, port, replace(job, role="receive", nicks=nicks, window=window), cpus=cpus
        )
        for port, nicks in parts
    ]
    sender_workers = [
        Worker(
            room_worker,
            port,
            replace(job, role="send", nicks=tuple(nicks), window=window),
            cpus=cpus,
        )
        for port, nicks in sender_ports.items()
    ]
    everyone = [*workers, *sender_workers]
    try:
        for worker in everyone:
            worker.expect("ready", job.timeout + 30)
        for worker in everyone:
            worker.send("sync")
        for worker in everyone:
            worker.expect("synced", job.timeout + 30)
        server_cpu = [cpu_seconds(pid) for pid in placement.pids]
        go = time.monotonic()
        for sender in sender_workers:
            sender.send("go")
        sent = [sender.expect("result", job.timeout + 60) for sender in sender_workers]
        received = [worker.expect("result", job.timeout + 60) for worker in workers]
        end = time.monotonic()
        server_cpu = [
            cpu_seconds(pid) - before
            for pid, before in zip(placement.pids, server_cpu, strict=True)
        ]
    finally:
        for worker in everyone:
            worker.stop()
    return RoomRun(received, [port for port, _ in parts], sent, go, server_cpu, end)


def _loadgen_cpu(reports: Sequence[dict[str, Any]], go: float) -> float:
    """The generator's CPU time over the measured wall time: 1.0 is one core busy."""
    cpu = sum(report["cpu"] for report in reports)
    wall = max(report["end"] for report in reports) - go
    return cpu / wall if wall > 0 else 0.0


def fanout(
    port: int,
    server_pid: int,
    receivers: int,
    senders: int,
    messages: int,
    procs: int,
    cpus: Collection[int],
    timeout: float = 120.0,
    transport: str = "tcp",
    check_frames: bool = False,
    placement: Placement | None = None,
) -> dict[str, Any]:
    """``receivers`` and ``senders`` in one room; each sender sends ``messages`` at once.

    Deliveries per second are receivers x senders x messages over the time from the first
    send until the last receiver has its last message. Lost messages are what receivers are
    short of when the stream stops (a dropped client loses all it had not received). Every
    client uses ``transport``; with ``check_frames`` WebSocket receivers also count whole
    messages frame by frame (``frames_counted``, ``odd_frames``: messages that were not
    one PRIVMSG line), to check the raw count. With ``placement`` (several servers making
    one network) clients spread as it says, and ``nodes`` has each server's share: the
    deliveries to its receivers, per second of the whole run and per second of its CPU.
    """
    expected = senders * messages
    job = RoomJob(
        "", (), messages, expected, 0.0, timeout, transport=transport, check_frames=check_frames
    )
    where = placement or Placement.single(port, server_pid)
    run = _room_workload(where, receivers, senders, job, procs, cpus)
    received, sent = run.received, run.sent
    counts = [count for report in received for count in report["counts"]]
    done = [at for report in received for at in report["done_at"]]
    finished = [report["end"] for report in received]
    start = min(report["start"] for report in sent)
    last = max(done) if all(done) else max(finished)
    seconds = last - start
    deliveries = sum(min(count, expected) for count in counts)
    metrics = {
        "deliveries_per_s": deliveries / seconds if seconds > 0 else 0.0,
        "seconds": seconds,
        "deliveries": deliveries,
        "lost": receivers * expected - deliveries,
    }
    if check_frames and transport == "ws":
        metrics["frames_counted"] = sum(sum(report["frames"]) for report in received)
        metrics["odd_frames"] = sum(report["odd_frames"] for report in received)
    record = {
        "workload": "fanout",
        "params": {"receivers": receivers, "senders": senders, "messages": messages},
        "metrics": metrics,
        "dropped": sum(report["closed"] for report in [*received, *sent]),
        "unsent_bytes": sum(report["unsent_bytes"] for report in sent),
        "loadgen_cpu": _loadgen_cpu([*received, *sent], run.go),
        "server_cpu": sum(run.server_cpu) / seconds if seconds > 0 else 0.0,
    }
    if placement is not None:
        record["nodes"] = _fanout_nodes(run, where, expected, seconds)
    return record


def _fanout_nodes(
    run: RoomRun, placement: Placement, expected: int, seconds: float
) -> list[dict[str, Any]]:
    """Each server's share of a fan-out: its receivers' deliveries, per second of the run
    and per second of its own CPU (what it would deliver with a core to itself)."""
    nodes = []
    for port, pid, cpu in zip(placement.receivers, placement.pids, run.server_cpu, strict=False):
        delivered = sum(
            min(count, expected)
            for report, used in zip(run.received, run.receiver_ports, strict=True)
            if used == port
            for count in report["counts"]
        )
        nodes.append(
            {
                "port": port,
                "pid": pid,
                "deliveries": delivered,
                "deliveries_per_s": delivered / seconds if seconds > 0 else 0.0,
                "cpu_seconds": cpu,
                # Under a clock tick of CPU (a smoke run) there is nothing to divide by.
                "deliveries_per_cpu_s": delivered / cpu if cpu > 0 else float("nan"),
                "server_cpu": cpu / seconds if seconds > 0 else 0.0,
            }
        )
    return nodes


def latency(
    port: int,
    server_pid: int,
    receivers: int,
    senders: int,
    rate: float,
    duration: float,
    procs: int,
    cpus: Collection[int],
    placement: Placement | None = None,
) -> dict[str, Any]:
    """A steady ``rate`` of room messages (spread over ``senders``) for ``duration`` seconds;
    the time from each send to each delivery, at every receiver. ``placement`` spreads the
    clients over several servers (senders on one node, receivers on another: the time
    across nodes)."""
    per_sender = max(1, round(rate * duration / senders))
    job = RoomJob(
        "", (), per_sender, per_sender * senders, rate / senders, duration + 60, stall=10.0
    )
    where = placement or Placement.single(port, server_pid)
    run = _room_workload(where, receivers, senders, job, procs, cpus)
    received, sent, go, end = run.received, run.sent, run.go, run.end
    samples = array.array("q")
    for report in received:
        samples.frombytes(report["latencies_ns"])
    ordered = sorted(samples)
    delivered = len(ordered)

    def percentile(fraction: float) -> float:
        if not ordered:
            return float("nan")
        return ordered[min(delivered - 1, int(fraction * delivered))] / 1e6

    wall = max(report["end"] for report in sent) - go
    record = {
        "workload": "latency",
        "params": {"receivers": receivers, "senders": senders, "rate": rate, "seconds": duration},
        "metrics": {
            "p50_ms": percentile(0.50),
            "p99_ms": percentile(0.99),
            "max_ms": ordered[-1] / 1e6 if ordered else float("nan"),
            "samples": delivered,
            "lost": receivers * per_sender * senders - delivered,
            "sent_per_s": per_sender * senders / wall if wall > 0 else 0.0,
        },
        "dropped": sum(report["closed"] for report in [*received, *sent]),
        "unsent_bytes": sum(report["unsent_bytes"] for report in sent),
        "loadgen_cpu": _loadgen_cpu([*received, *sent], go),
        "server_cpu": sum(run.server_cpu) / (end - go) if end > go else 0.0,
    }
    if placement is not None:
        record["nodes"] = [
            {"pid": pid, "server_cpu": cpu / (end - go) if end > go else 0.0}
            for pid, cpu in zip(placement.pids, run.server_cpu, strict=True)
        ]
    return record


# -- the JOIN storm --------------------------------------------------------------------------

STORM_ROOM = "#storm"
SEEDED = "zbenchseeded"
SEED_LINES = 20
"""Lines said in the storm room before the storm: chinwag replays a room's last lines to
each client that joins (``[history] replay_lines``, 20 by default), part of what a JOIN
costs it, so the room has them to replay."""


def storm_worker(
    conn: Connection,
    port: int,
    nicks: tuple[str, ...],
    window: int,
    join_window: int,
    timeout: float,
    seed: int,
) -> None:
    """Register every nick; the first, when ``seed`` is set, joins the storm room and says
    ``seed`` lines. On "join", every nick joins the storm room (``join_window`` at a time,
    each done when the PONG after its JOIN arrives); report; hold until stop."""
    steps = [Step(None, registration(nick), b" 001 ") for nick in nicks]
    handshake(port, steps, window, timeout)
    socks = [step.sock for step in steps if step.sock is not None]
    if seed and socks:
        said = b"".join(
            b"PRIVMSG %s :seed %d before the storm\r\n" % (STORM_ROOM.encode(), index)
            for index in range(seed)
        )
        join = f"JOIN {STORM_ROOM}\r\n".encode()
        handshake(port, [Step(socks[0], join + said + ping(SEEDED), SEEDED.encode())], 1, timeout)
    conn.send(("registered", None))
    _await(conn, "join")
    cpu = own_cpu_seconds()
    start = time.monotonic()
    joins = [
        Step(sock, f"JOIN {STORM_ROOM}\r\n".encode() + ping(JOINED), JOINED.encode())
        for sock in socks
    ]
    handshake(port, joins, join_window, timeout)
    end = max((step.done_at for step in joins), default=start)
    conn.send(("joined", {"start": start, "end": end, "cpu": own_cpu_seconds() - cpu}))
    _hold_until_stop(socks, conn)


def join_storm(
    port: int,
    server_pid: int,
    clients: int,
    rate: float,
    duration: float,
    procs: int,
    cpus: Collection[int],
    lead: float = 1.0,
    timeout: float = 600.0,
) -> dict[str, Any]:
    """``clients`` registered clients join one room at once (``JOIN_WINDOW`` in flight per
    generator process) while a sender in another room offers it ``rate`` messages per second
    for ``duration`` seconds, the storm starting ``lead`` seconds in; the latency, at the
    one receiver there, of the messages sent while the storm lasted (from the first JOIN
    sent to the last JOIN's PONG). The storm room has lines to replay on JOIN.

    ``storm_covered`` is the share of the storm during which messages were sent: below 1 the
    storm outlasted the sender and its end is not measured (give a longer ``duration``).
    """
    parts = max(1, min(procs, clients))
    nicks = [f"j{index}" for index in range(clients)]
    storm = [
        Worker(
            storm_worker,
            port,
            tuple(nicks[i::parts]),
            max(1, CONNECT_WINDOW // parts + (i < CONNECT_WINDOW % parts)),
            JOIN_WINDOW,
            timeout,
            SEED_LINES if i == 0 else 0,
            cpus=cpus,
        )
        for i in range(parts)
    ]
    messages = max(1, round(rate * duration))
    job = RoomJob("", (), messages, messages, rate, duration + 60, stall=10.0, keep_sent=True)
    pair = [
        Worker(room_worker, port, replace(job, role="receive", nicks=("calm0",)), cpus=cpus),
        Worker(room_worker, port, replace(job, role="send", nicks=("calm1",)), cpus=cpus),
    ]
    receiver, sender = pair
    try:
        for worker in storm:
            worker.expect("registered", timeout + 30)
        for worker in pair:
            worker.expect("ready", timeout + 30)
        for worker in pair:
            worker.send("sync")
        for worker in pair:
            worker.expect("synced", timeout + 30)
        server_cpu = cpu_seconds(server_pid)
        go = time.monotonic()
        sender.send("go")
        time.sleep(lead)  # a quiet stretch first: the pair's latency before the storm
        for worker in storm:
            worker.send("join")
        joined = [worker.expect("joined", timeout + 30) for worker in storm]
        sent = sender.expect("result", timeout + 60)
        received = receiver.expect("result", timeout + 60)
        end = time.monotonic()
        server_cpu = cpu_seconds(server_pid) - server_cpu
    finally:
        for worker in [*storm, *pair]:
            worker.stop()
    storm_start = min(report["start"] for report in joined)
    storm_end = max(report["end"] for report in joined)
    storm_seconds = storm_end - storm_start
    latencies = array.array("q")
    latencies.frombytes(received["latencies_ns"])
    sent_at = array.array("q")
    sent_at.frombytes(received["sent_ns"])
    low, high = int(storm_start * 1e9), int(storm_end * 1e9)
    during = sorted(lat for at, lat in zip(sent_at, latencies, strict=True) if low <= at <= high)
    before = sorted(lat for at, lat in zip(sent_at, latencies, strict=True) if at < low)

    def percentile(ordered: Sequence[int], fraction: float) -> float:
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] / 1e6

    covered = (sent["end"] - storm_start) / storm_seconds if storm_seconds > 0 else 1.0
    return {
        "workload": "storm",
        "params": {
            "clients": clients,
            "rate": rate,
            "seconds": duration,
            "seed_lines": SEED_LINES,
        },
        "metrics": {
            "p50_ms": percentile(during, 0.50),
            "p99_ms": percentile(during, 0.99),
            "max_ms": during[-1] / 1e6 if during else float("nan"),
            "samples": len(during),
            "quiet_p99_ms": percentile(before, 0.99),
            "storm_seconds": storm_seconds,
            "joins_per_s": clients / storm_seconds if storm_seconds > 0 else 0.0,
            "storm_covered": min(1.0, covered),
            "lost": messages - len(latencies),
        },
        "dropped": received["closed"] + sent["closed"],
        "unsent_bytes": sent["unsent_bytes"],
        "loadgen_cpu": _loadgen_cpu([received, sent, *joined], go),
        "server_cpu": server_cpu / (end - go) if end > go else 0.0,
    }


# -- idle connections ----------------------------------------------------------------------


def idle_worker(
    conn: Connection,
    port: int,
    nicks: tuple[str, ...],
    rooms: tuple[str, ...],
    window: int,
    timeout: float,
    transport: str = "tcp",
) -> None:
    """Register every nick (on "go"), then join each to its room (on "join"); hold."""
    conn.send(("ready", None))
    _await(conn, "go")
    cpu = own_cpu_seconds()
    start = time.monotonic()
    steps = [Step(None, registration(nick), b" 001 ") for nick in nicks]
    handshake(port, steps, window, timeout, transport=transport)
    socks = [step.sock for step in steps if step.sock is not None]
    conn.send(
        (
            "registered",
            {"start": start, "end": max(s.done_at for s in steps), "cpu": own_cpu_seconds() - cpu},
        )
    )
    _await(conn, "join")
    cpu = own_cpu_seconds()
    start = time.monotonic()
    joins = [
        Step(step.sock, f"JOIN {room}\r\n".encode() + ping(JOINED), JOINED.encode(), ws=step.ws)
        for step, room in zip(steps, rooms, strict=True)
    ]
    handshake(port, joins, JOIN_WINDOW, timeout, transport=transport)
    conn.send(
        (
            "joined",
            {"start": start, "end": max(s.done_at for s in joins), "cpu": own_cpu_seconds() - cpu},
        )
    )
    _hold_until_stop(socks, conn)


def idle(
    port: int,
    server_pid: int,
    clients: int,
    room_size: int,
    procs: int,
    cpus: Collection[int],
    window: int = CONNECT_WINDOW,
    timeout: float = 600.0,
    settle: float = 1.0,
    transport: str = "tcp",
    others: Sequence[int] = (),
) -> dict[str, Any]:
    """``clients`` registered clients in rooms of ``room_size``: the server's memory per
    connection (resident memory after, less before, over ``clients``) and how many
    registrations per second it completed while they all arrived at once (each connecting
    over ``transport``: its TLS handshake or WebSocket upgrade counts in that time).

    ``others`` are the other server processes of the same network (every client connects
    to ``server_pid``'s): ``nodes`` then has each one's resident memory before and after,
    what a replica of a session elsewhere costs."""
    nicks = [f"i{index}" for index in range(clients)]
    rooms = [f"#idle{index // room_size}" for index in range(clients)]
    parts = max(1, min(procs, clients))
    workers = [
        Worker(
            idle_worker,
            port,
            tuple(nicks[i::parts]),
            tuple(rooms[i::parts]),
            max(1, window // parts + (i < window % parts)),
            timeout,
            transport,
            cpus=cpus,
        )
        for i in range(parts)
    ]
    try:
        for worker in workers:
            worker.expect("ready", 60)
        before = rss_kib(server_pid)
        others_before = [rss_kib(pid) for pid in others]
        server_cpu = cpu_seconds(server_pid)
        for worker in workers:
            worker.send("go")
        registered = [worker.expect("registered", timeout + 30) for worker in workers]
        go = min(report["start"] for report in registered)
        register_seconds = max(report["end"] for report in registered) - go
        server_cpu = cpu_seconds(server_pid) - server_cpu
        after_registration = rss_kib(server_pid)
        for worker in workers:
            worker.send("join")
        joined = [worker.expect("joined", timeout + 30) for worker in workers]
        join_seconds = max(r["end"] for r in joined) - min(r["start"] for r in joined)
        time.sleep(settle)  # let deferred work (chinwag's history writes of the JOINs) finish
        after = rss_kib(server_pid)
        others_after = [rss_kib(pid) for pid in others]
    finally:
        for worker in workers:
            worker.stop()
    record: dict[str, Any] = {
        "workload": "idle",
        "params": {"clients": clients, "room_size": room_size},
        "metrics": {
            "kib_per_connection": (after - before) / clients,
            "registrations_per_s": clients / register_seconds if register_seconds > 0 else 0.0,
            "joins_per_s": clients / join_seconds if join_seconds > 0 else 0.0,
            "rss_before_kib": before,
            "rss_registered_kib": after_registration,
            "rss_after_kib": after,
        },
        "dropped": 0,
        "loadgen_cpu": sum(r["cpu"] for r in registered) / register_seconds
        if register_seconds > 0
        else 0.0,
        "server_cpu": server_cpu / register_seconds if register_seconds > 0 else 0.0,
    }
    if others:
        record["nodes"] = [
            {
                "pid": pid,
                "rss_before_kib": low,
                "rss_after_kib": high,
                "kib_per_session": (high - low) / clients,
            }
            for pid, low, high in zip(others, others_before, others_after, strict=True)
        ]
    return record

"""One command for the server benchmark: chinwag and ngIRCd under the same load, interleaved.

    .venv/bin/python -m bench                 # the full suite, 3 repeats (see below)
    .venv/bin/python -m bench --smoke         # a few seconds: tiny sizes, one repeat
    .venv/bin/python -m bench --report-only bench/results/2026-11-21.jsonl

Workloads (sizes are options): fan-out (N receivers x S senders x M messages), latency at
fixed offered rates (100 receivers at 1000 msg/s, 1000 at 100), K idle clients, a JOIN
storm (K clients joining one room while another room's messages are timed), and a crowd
(50,000 clients wanted on one server, as many as its open-file limit allows, 10,000 of them
in one room: registrations per second, memory per client, the room's fan-out and latency;
see :mod:`bench.crowd`). Without the storm and the crowd the suite takes about 10 minutes;
a storm of 5,000 took minutes per server and repeat on a shared two-core machine, and the
crowd 26 minutes per repeat for the two servers (19,897 clients, the open-file limit's cap
there; the room of 10,000 took 9 minutes to join on chinwag and 13 on ngIRCd, every JOIN
being announced to every member) (``--only``, ``--storm``, ``--crowd-room`` to choose).
chinwag's fan-out and idle workloads run over each of ``--transports`` (plain TCP, TLS,
WebSocket: all that the server offers, by default), in the same invocation, interleaved;
ngIRCd and the latency, storm and crowd workloads stay on plain TCP.
ngIRCd is installed from Debian when missing (as root with apt-get; ``--no-install`` to
skip). Each run appends one JSON line to the results file;
at the end ``docs/benchmarks.md`` and ``docs/benchmarks.png`` are written from this
invocation's runs. Linux only (CPU pinning, ``/proc``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bench import loadgen, report
from bench.cluster_report import MARK as CLUSTER_MARK
from bench.crowd import Crowd, crowd
from bench.proc import Cores, pin_self, raise_nofile
from bench.search import SECTION_MARK
from bench.servers import (
    Chinwag,
    Ngircd,
    Running,
    ServerKind,
    available_transports,
    find_ngircd,
)
from bench.transports import TRANSPORTS
from bench.wire import HandshakeError

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "benchmarks.md"
PLOT = ROOT / "docs" / "benchmarks.png"


@dataclass(frozen=True)
class Plan:
    """The sizes of one invocation."""

    fanouts: tuple[tuple[int, int, int], ...] = (
        (100, 4, 2000),
        (1000, 2, 200),
        # The sizes last well under a second; ten times the messages give steadier
        # figures, in which start-up and the last stragglers weigh less.
        (100, 4, 20000),
        (1000, 2, 2000),
    )
    latency: tuple[tuple[int, int, float, float], ...] = (
        (100, 2, 1000.0, 10.0),
        (1000, 2, 100.0, 10.0),
    )
    """Each latency size: receivers, senders, offered messages per second (all senders
    together), seconds."""
    idle: tuple[int, int] | None = (10_000, 100)
    """Clients, clients per room."""
    storm: tuple[int, float, float] | None = (5000, 200.0, 90.0)
    """The JOIN storm: clients joining one room, messages per second in another room
    meanwhile, seconds of those messages."""
    repeats: int = 3
    procs: int = 3
    """Load-generator processes for the receivers (the senders get one more)."""
    crowd: Crowd | None = field(default_factory=Crowd)
    """The crowd: clients wanted, those in the room, its fan-out and stream."""
    workloads: frozenset[str] = field(
        default=frozenset({"fanout", "latency", "idle", "storm", "crowd"})
    )
    transports: tuple[str, ...] | None = None
    """chinwag's transports for fan-out and idle; ``None``: every one it offers."""
    check_frames: bool = False
    """WebSocket receivers also unframe what they count (slow: smoke sizes only)."""


SMOKE = Plan(
    fanouts=((5, 2, 50),),
    latency=((5, 1, 200.0, 1.0),),
    idle=(50, 10),
    storm=(50, 100.0, 2.0),
    # Two source addresses even this small, so the smoke run binds sockets as 50,000 would.
    crowd=Crowd(60, 30, senders=2, messages=50, rate=20.0, seconds=1.0, addresses=2),
    repeats=1,
    procs=2,
    check_frames=True,
)

MULTI_TRANSPORT = frozenset({"fanout", "idle"})
"""The workloads measured over every transport; latency stays on TCP (its stamp reader
finds lines by their LF, which WebSocket messages do not carry)."""


def _transports(text: str) -> tuple[str, ...]:
    chosen = tuple(part.strip().lower() for part in text.split(",") if part.strip())
    unknown = [each for each in chosen if each not in TRANSPORTS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"expected some of {','.join(TRANSPORTS)}, comma-separated; got {text!r}"
        )
    return tuple(each for each in TRANSPORTS if each in chosen)


def _numbers(kind: Callable[[str], Any]) -> Callable[[str], tuple[Any, ...]]:
    """An option's parser for comma-separated numbers of ``kind``."""

    def parse(text: str) -> tuple[Any, ...]:
        try:
            numbers = tuple(kind(part) for part in text.split(",") if part.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected numbers, e.g. 100,1000; got {text!r}"
            ) from None
        if not numbers or any(number <= 0 for number in numbers):
            raise argparse.ArgumentTypeError(f"expected positive numbers; got {text!r}")
        return numbers

    return parse


def _size(text: str) -> tuple[int, int, int]:
    try:
        receivers, senders, messages = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected NxSxM, e.g. 100x4x2000, got {text!r}") from None
    return receivers, senders, messages


NO_FAKELAG = "chinwag-nofakelag"
"""The name of this chinwag with flood control off (``--fakelag-off-too``)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repeat (seconds)")
    parser.add_argument(
        "--fanout",
        type=_size,
        action="append",
        metavar="NxSxM",
        help="a fan-out size (repeatable; default 100x4x2000, 1000x2x200 and ten times M)",
    )
    parser.add_argument(
        "--latency-receivers",
        type=_numbers(int),
        metavar="N[,N...]",
        help="one latency size per number, with the rate in the same place of "
        "--latency-rate (default 100,1000)",
    )
    parser.add_argument(
        "--latency-rate",
        type=_numbers(float),
        metavar="R[,R...]",
        help="messages/s offered, one per latency size (default 1000,100)",
    )
    parser.add_argument("--latency-seconds", type=float, help="default 10")
    parser.add_argument("--latency-senders", type=int, help="default 2")
    parser.add_argument(
        "--storm", type=int, metavar="K", help="JOIN storm: clients joining one room (default 5000)"
    )
    parser.add_argument(
        "--storm-rate",
        type=float,
        help="JOIN storm: messages/s in the other room meanwhile (default 200)",
    )
    parser.add_argument(
        "--storm-seconds",
        type=float,
        help="JOIN storm: seconds of those messages, the storm starting 1 s in (default 90: "
        "a storm of 5,000 lasts about a minute here)",
    )
    parser.add_argument(
        "--crowd",
        type=int,
        metavar="K",
        help="crowd: clients wanted on one server (default 50000; fewer when its open-file "
        "hard limit allows fewer, which the report says)",
    )
    parser.add_argument(
        "--crowd-room", type=int, metavar="N", help="crowd: clients in the one room (default 10000)"
    )
    parser.add_argument(
        "--crowd-messages",
        type=int,
        metavar="M",
        help="crowd: messages each of the 2 senders sends at once to the room (default 300)",
    )
    parser.add_argument(
        "--crowd-addresses",
        type=int,
        metavar="A",
        help="crowd: loopback source addresses (default: as many as the ephemeral ports need)",
    )
    parser.add_argument("--idle", type=int, metavar="K", help="idle clients (default 10000)")
    parser.add_argument("--idle-room-size", type=int, help="clients per room (default 100)")
    parser.add_argument(
        "--transports",
        type=_transports,
        metavar="LIST",
        help="chinwag's transports for fan-out and idle, e.g. tcp,tls,ws (default: all the "
        "server offers; ngIRCd is measured over tcp alone)",
    )
    parser.add_argument("--repeats", type=int, help="default 3")
    parser.add_argument("--procs", type=int, help="receiver processes (default 3)")
    parser.add_argument(
        "--only",
        action="append",
        choices=["fanout", "latency", "idle", "storm", "crowd"],
        help="run only this workload (repeatable)",
    )
    parser.add_argument("--no-reference", action="store_true", help="measure chinwag alone")
    parser.add_argument(
        "--no-install", action="store_true", help="do not apt-get install ngircd when it is missing"
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin to CPUs")
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="TREE",
        help="also measure the chinwag of this source tree (a checkout of an earlier commit), "
        "interleaved, and print its figures beside this tree's",
    )
    parser.add_argument(
        "--baseline-name", default="chinwag-base", help="the baseline's name in the records"
    )
    parser.add_argument(
        "--fakelag-off-too",
        action="store_true",
        help="also measure this chinwag with flood control off (as chinwag-nofakelag), "
        "interleaved, and print the two side by side",
    )
    parser.add_argument(
        "--standard-loop",
        action="store_true",
        help="run chinwag on the standard asyncio loop even when uvloop is installed",
    )
    parser.add_argument(
        "--chinwag-log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="chinwag's console logging (default INFO, as shipped)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="run chinwag under cProfile, one .prof file per run in DIR (to see where a "
        "server's time goes; profiled figures are not for publishing)",
    )
    parser.add_argument("--data-dir", type=Path, help="where servers keep their files")
    parser.add_argument("--results", type=Path, help="JSON-lines file to append runs to")
    parser.add_argument("--doc", type=Path, default=DOC, help=f"default {DOC.relative_to(ROOT)}")
    parser.add_argument("--plot", type=Path, default=PLOT, help=f"default {PLOT.relative_to(ROOT)}")
    parser.add_argument("--no-doc", action="store_true", help="write only the JSON lines")
    parser.add_argument(
        "--report-only",
        type=Path,
        metavar="RESULTS",
        help="rewrite the page from a results file; run nothing",
    )
    parser.add_argument("--run", help="with --report-only: which run id (default: the last)")
    return parser


def plan_from(args: argparse.Namespace) -> Plan:
    """The sizes: the smoke or full defaults, with whatever the options override."""
    base = SMOKE if args.smoke else Plan()
    receivers = args.latency_receivers or tuple(size[0] for size in base.latency)
    rates = args.latency_rate or tuple(size[2] for size in base.latency)
    if len(rates) == 1:
        rates = rates * len(receivers)
    elif len(receivers) == 1:
        receivers = receivers * len(rates)
    if len(receivers) != len(rates):
        raise SystemExit("bench: give as many --latency-rate values as --latency-receivers")
    senders, seconds = base.latency[0][1], base.latency[0][3]
    latency = tuple(
        (count, args.latency_senders or senders, rate, args.latency_seconds or seconds)
        for count, rate in zip(receivers, rates, strict=True)
    )
    storm = base.storm
    if storm is not None:
        storm = (
            args.storm or storm[0],
            args.storm_rate or storm[1],
            args.storm_seconds or storm[2],
        )
    idle = base.idle
    if idle is not None:
        idle = (args.idle or idle[0], args.idle_room_size or idle[1])
    crowd_size = base.crowd
    if crowd_size is not None:
        crowd_size = replace(
            crowd_size,
            clients=args.crowd or crowd_size.clients,
            room=args.crowd_room or crowd_size.room,
            messages=args.crowd_messages or crowd_size.messages,
            addresses=args.crowd_addresses or crowd_size.addresses,
        )
    return Plan(
        fanouts=tuple(args.fanout) if args.fanout else base.fanouts,
        latency=latency,
        idle=idle,
        storm=storm,
        crowd=crowd_size,
        repeats=args.repeats or base.repeats,
        procs=args.procs or base.procs,
        workloads=frozenset(args.only) if args.only else base.workloads,
        transports=args.transports,
        check_frames=base.check_frames,
    )


Workload = Callable[[Running, Cores], dict[str, Any]]
"""One measurement against a started server, over the transport it listens with."""


def workloads(plan: Plan) -> list[tuple[str, Workload]]:
    """The measurements of one repeat, in order, each with its workload's name; each runs
    against one started server."""
    chosen: list[tuple[str, Workload]] = []
    if "fanout" in plan.workloads:
        for receivers, senders, messages in plan.fanouts:

            def run_fanout(
                server: Running,
                cores: Cores,
                n: int = receivers,
                s: int = senders,
                m: int = messages,
            ) -> dict[str, Any]:
                return loadgen.fanout(
                    server.port,
                    server.pid,
                    n,
                    s,
                    m,
                    plan.procs,
                    cores.generator,
                    transport=server.transport,
                    check_frames=plan.check_frames,
                )

            chosen.append(("fanout", run_fanout))
    if "latency" in plan.workloads:
        for receivers, senders, rate, seconds in plan.latency:

            def run_latency(
                server: Running,
                cores: Cores,
                n: int = receivers,
                s: int = senders,
                r: float = rate,
                t: float = seconds,
            ) -> dict[str, Any]:
                return loadgen.latency(
                    server.port, server.pid, n, s, r, t, plan.procs, cores.generator
                )

            chosen.append(("latency", run_latency))
    if "storm" in plan.workloads and plan.storm is not None:
        # Bound as defaults, as the loops above bind theirs: the idle workload's ``clients``
        # below would otherwise be the one this closure reads when it runs (it did: the suite
        # ran a storm of 10,000, the idle size, instead of 5,000).
        def run_storm(
            server: Running, cores: Cores, storm: tuple[int, float, float] = plan.storm
        ) -> dict[str, Any]:
            clients, rate, seconds = storm
            return loadgen.join_storm(
                server.port, server.pid, clients, rate, seconds, plan.procs, cores.generator
            )

        chosen.append(("storm", run_storm))
    if "idle" in plan.workloads and plan.idle is not None:

        def run_idle(
            server: Running, cores: Cores, idle: tuple[int, int] = plan.idle
        ) -> dict[str, Any]:
            clients, room_size = idle
            return loadgen.idle(
                server.port,
                server.pid,
                clients,
                room_size,
                plan.procs,
                cores.generator,
                transport=server.transport,
            )

        chosen.append(("idle", run_idle))
    if "crowd" in plan.workloads and plan.crowd is not None:
        size = plan.crowd

        def run_crowd(server: Running, cores: Cores) -> dict[str, Any]:
            return crowd(server.port, server.pid, size, plan.procs, cores.generator)

        chosen.append(("crowd", run_crowd))
    return chosen


def _measure(
    kind: ServerKind, workload: Workload, cores: Cores, data_dir: Path, transport: str = "tcp"
) -> dict[str, Any]:
    """One workload on a fresh server of ``kind`` listening for ``transport``; a failure
    becomes a record that says so (with the end of the server's log), so one bad run does
    not cost the whole suite."""
    if hasattr(os, "sync"):
        # The last run's database (millions of rows after a fan-out) is written back by the
        # kernel in its own time; flushed now, that writing cannot land in this measurement
        # on the shared core, whichever server comes next.
        os.sync()
    with tempfile.TemporaryDirectory(prefix=f"bench-{kind.name}-", dir=data_dir) as tmp:
        log = Path(tmp) / f"{kind.name}.log"
        try:
            with kind.running(Path(tmp), cores, transport) as server:
                return workload(server, cores)
        except (loadgen.LoadError, HandshakeError, RuntimeError, OSError) as error:
            tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
            return {"workload": workload.__name__, "error": str(error), "log_tail": tail}


def _filesystem(path: Path) -> str:
    """The file system type ``path`` lives on (SQLite's commits depend on it)."""
    best, kind = "", "unknown"
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return kind
    resolved = str(path.resolve())
    for line in mounts:
        parts = line.split()
        if len(parts) > 2 and resolved.startswith(parts[1]) and len(parts[1]) > len(best):
            best, kind = parts[1], parts[2]
    return kind


def _commit() -> str:
    """The chinwag commit measured (``-dirty``: with uncommitted changes), if known."""
    try:
        result = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return "unknown"
    return result.stdout.strip() or "unknown"


def _offered(kind: Chinwag, cores: Cores, data_dir: Path) -> tuple[str, ...]:
    """The transports ``kind`` serves, tried once each; those it does not are said."""
    with tempfile.TemporaryDirectory(prefix="bench-probe-", dir=data_dir) as tmp:
        found = available_transports(kind, Path(tmp), cores)
    missing = [each for each in TRANSPORTS if each not in found]
    if missing:
        print(f"bench: chinwag does not serve {', '.join(missing)}: not measured", file=sys.stderr)
    return found


def machine(cores: Cores, data_dir: Path) -> dict[str, Any]:
    """What the page says about the machine the numbers come from."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    pinning = (
        f"The server runs on CPU {', '.join(map(str, sorted(cores.server)))} alone; the load "
        f"generator (every process) on CPU {', '.join(map(str, sorted(cores.generator)))}."
        if cores.pinned
        else "Nothing was pinned (one CPU, or `--no-pin`): figures are less trustworthy."
    )
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "nofile": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
        "pinning": pinning,
        "data_dir": str(data_dir),
        "filesystem": _filesystem(data_dir),
        "commit": _commit(),
    }


def _headline(record: dict[str, Any]) -> str:
    metrics = record["metrics"]
    via = record.get("transport", "tcp")
    if record["workload"] == "fanout":
        text = f"{metrics['deliveries_per_s']:,.0f} deliveries/s, lost {metrics['lost']}"
    elif record["workload"] == "storm":
        text = (
            f"other room p50 {metrics['p50_ms']:.2f} ms, p99 {metrics['p99_ms']:.2f} ms, "
            f"max {metrics['max_ms']:.2f} ms during a {metrics['storm_seconds']:.1f} s storm "
            f"({metrics['joins_per_s']:,.0f} joins/s, {metrics['storm_covered']:.0%} covered), "
            f"lost {metrics['lost']}"
        )
    elif record["workload"] == "crowd":
        text = (
            f"{metrics['clients']:,} clients ({record['cap']['reason'] or 'not capped'}): "
            f"{metrics['registrations_per_s']:,.0f} registrations/s, "
            f"{metrics['kib_per_client']:.1f} KiB/client; {metrics['room']:,} joined in "
            f"{metrics['join_seconds']:.1f} s; fan-out {metrics['deliveries_per_s']:,.0f} "
            f"deliveries/s, p50 {metrics['p50_ms']:.2f} ms, p99 {metrics['p99_ms']:.2f} ms, "
            f"lost {metrics['lost']}"
        ) + (f"; {record['incomplete']}" if record.get("incomplete") else "")
    elif record["workload"] == "latency":
        text = (
            f"p50 {metrics['p50_ms']:.2f} ms, p99 {metrics['p99_ms']:.2f} ms, "
            f"max {metrics['max_ms']:.2f} ms, lost {metrics['lost']}"
        )
    else:
        text = (
            f"{metrics['kib_per_connection']:.1f} KiB/connection, "
            f"{metrics['registrations_per_s']:,.0f} registrations/s"
        )
    return (
        f"{text} over {via}; load generator {record['loadgen_cpu']:.0%}, "
        f"server {record['server_cpu']:.0%}"
        + (f", {record['dropped']} dropped" if record.get("dropped") else "")
    )


def write_page(
    records: Sequence[dict[str, Any]], doc: Path, plot_path: Path, command: str, results: Path
) -> None:
    """Write the Markdown page (and its plot, when matplotlib is there) for ``records``."""
    drawn = report.plot(records, plot_path)
    if not drawn:
        print(
            "bench: no plot: matplotlib is missing (pip install 'chinwag[bench]')", file=sys.stderr
        )
    try:
        plot_name = os.path.relpath(plot_path, doc.parent) if drawn else None
        shown_results = os.path.relpath(results, ROOT)
    except ValueError:  # another drive (Windows): absolute paths then
        plot_name, shown_results = (str(plot_path) if drawn else None), str(results)
    doc.parent.mkdir(parents=True, exist_ok=True)
    # The sections at the end of the page are the two-node and search benchmarks' own
    # (bench/cluster.py, bench/search.py): kept from the first of them on.
    old = doc.read_text() if doc.exists() else ""
    starts = [old.index(mark) for mark in (CLUSTER_MARK, SECTION_MARK) if mark in old]
    kept = old[min(starts) :] if starts else ""
    page = report.markdown(records, records[0]["machine"], command, shown_results, plot_name)
    doc.write_text(page + ("\n" + kept if kept else ""))
    print(f"bench: wrote {doc}" + (f" and {plot_path}" if drawn else ""), file=sys.stderr)


def _report_only(args: argparse.Namespace) -> int:
    # The two-node runs (bench/cluster.py) share the file but have their own section.
    records = [r for r in report.load(args.report_only) if r.get("suite") != "cluster"]
    run = args.run or (records[-1]["run"] if records else None)
    records = [record for record in records if record["run"] == run]
    if not records:
        print(f"bench: no runs in {args.report_only}", file=sys.stderr)
        return 2
    write_page(records, args.doc, args.plot, records[0]["command"], args.report_only)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite; return 0, or 3 when a run lost messages or dropped clients."""
    args = _parser().parse_args(argv)
    if args.report_only:
        return _report_only(args)
    plan = plan_from(args)
    cores = Cores.split(pin=not args.no_pin)
    pin_self(cores.generator)  # this process only coordinates; keep it off the server's CPU
    raise_nofile()
    data_dir = args.data_dir or Path(tempfile.gettempdir())
    subject = Chinwag(
        args.chinwag_log_level, standard_loop=args.standard_loop, profile=args.profile
    )
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    subject.transports = plan.transports or _offered(subject, cores, data_dir)
    kinds: list[ServerKind] = [subject]
    if args.baseline is not None:
        baseline = Chinwag(
            args.chinwag_log_level,
            tree=args.baseline.resolve(),
            name=args.baseline_name,
            standard_loop=args.standard_loop,
            profile=args.profile,
        )
        kinds.append(baseline)
    if args.fakelag_off_too:
        unlagged = Chinwag(
            args.chinwag_log_level,
            name=NO_FAKELAG,
            standard_loop=args.standard_loop,
            profile=args.profile,
            fakelag=False,
        )
        unlagged.transports = subject.transports
        kinds.append(unlagged)
    if not args.no_reference:
        binary = find_ngircd(install=not args.no_install)
        if binary:
            kinds.append(Ngircd(binary))
        else:
            print("bench: measuring chinwag alone (no ngircd)", file=sys.stderr)
    now = datetime.datetime.now(datetime.UTC)
    run = now.strftime("%Y%m%dT%H%M%SZ")
    results = args.results or RESULTS / f"{now:%Y-%m-%d}.jsonl"
    results.parent.mkdir(parents=True, exist_ok=True)
    about = machine(cores, data_dir)
    command = shlex.join(["python", "-m", "bench", *(argv if argv is not None else sys.argv[1:])])
    records: list[dict[str, Any]] = []
    troubled = False
    for repeat in range(plan.repeats):
        for name, workload in workloads(plan):
            # Every server over every transport it is measured with, in an order that is
            # reversed every other repeat, so a slow minute on the machine hurts all alike.
            runs = [
                (kind, transport)
                for kind in kinds
                for transport in kind.transports
                if transport == "tcp" or name in MULTI_TRANSPORT
            ]
            for kind, transport in runs if repeat % 2 == 0 else runs[::-1]:
                result = _measure(kind, workload, cores, data_dir, transport)
                record = {
                    "run": run,
                    "time": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                    "repeat": repeat,
                    "server": kind.name,
                    "transport": transport,
                    "version": kind.version(),
                    **result,
                    "machine": about,
                    "command": command,
                }
                with results.open("a") as out:
                    out.write(json.dumps(record) + "\n")
                if "error" in record:
                    troubled = True
                    print(
                        f"[{repeat + 1}/{plan.repeats}] {kind.name} over {transport} FAILED: "
                        f"{record['error']}",
                        file=sys.stderr,
                    )
                    continue
                records.append(record)
                troubled |= bool(result["metrics"].get("lost") or result.get("dropped"))
                print(
                    f"[{repeat + 1}/{plan.repeats}] {report.figure_name(record)}, "
                    f"{kind.name}: {_headline(record)}",
                    file=sys.stderr,
                )
    print(f"bench: {len(records)} runs appended to {results}", file=sys.stderr)
    # The page compares chinwag with ngIRCd; a baseline's figures are printed, not published.
    published = [r for r in records if r["server"] in (report.SUBJECT, report.REFERENCE)]
    if not args.no_doc and published:
        write_page(published, args.doc, args.plot, command, results)
    if records:
        print(report.table(report.summarize(records)))
        if len(report.transports_in(records)) > 1:
            print("\nchinwag over each transport (ratios to TCP from this run):")
            print(report.transport_table(records))
    if args.baseline is not None and records:
        name = args.baseline_name
        rows = report.summarize(records, report.SUBJECT, name)
        print(f"\nThis tree against {name} ({args.baseline}):")
        print(report.table(rows, ("chinwag", name)))
    if args.fakelag_off_too and records:
        rows = report.summarize(records, report.SUBJECT, NO_FAKELAG)
        print("\nFlood control on (chinwag) against off (chinwag-nofakelag):")
        print(report.table(rows, ("chinwag", NO_FAKELAG)))
    return 3 if troubled else 0

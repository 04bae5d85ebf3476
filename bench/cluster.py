"""Two nodes against one (issue 18, "Speed"): the room and idle workloads on chinwag as one
plain server, as a cluster of one node, and as two node processes making one network.

    .venv/bin/python -m bench.cluster                 # the full run (a few minutes)
    .venv/bin/python -m bench.cluster --smoke         # tiny sizes, one repeat
    .venv/bin/python -m bench.cluster --doc docs/benchmarks.md

The cluster setups need the Redis and PostgreSQL that ``--redis`` and ``--postgres`` name
(by default ``CHINWAG_TEST_REDIS`` and ``CHINWAG_TEST_POSTGRES``, or the local ones); each
run gets a network name and a PostgreSQL schema of its own, removed when it ends, so a
shared server is left as it was. Where the clients go:

- fan-out: receivers alternate between the nodes, and so do senders (``--senders-on a``:
  all on the first node); each node's figure is the deliveries to its own receivers;
- latency: senders on the first node, receivers on the second: every message crosses;
- idle: every client on the first node; its memory per connection, and the second node's
  growth per session it holds for the first (every node holds the whole network).

Each run appends one JSON line (``"suite": "cluster"``) to the results file; ``--doc``
writes the page's "Two nodes" section (:mod:`bench.cluster_report`). Linux only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import secrets
import shlex
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import cluster_path, cluster_report, loadgen
from bench.loadgen import Placement
from bench.proc import Cores, pin_self, raise_nofile
from bench.run import RESULTS, machine
from bench.servers import Chinwag, free_port, supervised

DEFAULT_REDIS = "redis://127.0.0.1:6379"
DEFAULT_POSTGRES = "postgresql://127.0.0.1:5432/test"

ONE_NODE = "one node"
CLUSTER_OF_ONE = "cluster of one"
TWO_NODES = "two nodes"
SETUPS = (ONE_NODE, CLUSTER_OF_ONE, TWO_NODES)


@dataclass(frozen=True)
class Network:
    """The processes of one started setup: every node's port and process id, in order (the
    first is node A)."""

    setup: str
    ports: tuple[int, ...]
    pids: tuple[int, ...]
    version: str


@dataclass(frozen=True)
class Services:
    """The Redis and PostgreSQL the cluster setups use (shared: nothing of theirs is
    changed but a network's keys and a schema of the run's own)."""

    redis: str
    postgres: str


def _with_schema(url: str, schema: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}search_path={schema}"


async def _postgres(url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _delete_network(url: str, network: str) -> None:
    from redis import Redis

    client = Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"chinwag:{{{network}}}:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def check_services(services: Services) -> str | None:
    """Why the cluster setups cannot run (Redis or PostgreSQL unreachable), or ``None``."""
    try:
        from redis import Redis
        from redis.exceptions import RedisError

        client = Redis.from_url(services.redis, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except (ImportError, RedisError, OSError) as error:
        return f"no Redis at {services.redis}: {error}"
    try:
        asyncio.run(_postgres(services.postgres, "SELECT 1"))
    except Exception as error:  # asyncpg's errors share no base with OSError
        return f"no PostgreSQL at {services.postgres}: {type(error).__name__}: {error}"
    return None


@contextlib.contextmanager
def one_node(base: Chinwag, workdir: Path, cores: Cores) -> Iterator[Network]:
    """Plain ``chinwag serve`` (SQLite history), as the rest of the suite runs it."""
    with base.running(workdir, cores) as server:
        yield Network(ONE_NODE, (server.port,), (server.pid,), server.version)


@contextlib.contextmanager
def nodes(
    base: Chinwag,
    count: int,
    services: Services,
    workdir: Path,
    cores: Cores,
    spread: bool = False,
) -> Iterator[Network]:
    """``count`` node processes making one network on ``services``: a new network name in
    Redis and a new PostgreSQL schema, both removed afterwards. The first node starts (and
    begins the epoch) before the next, so schema migrations never race. Every node runs on
    the server's CPUs, or with ``spread`` node ``i`` on the ``i``-th CPU of the machine
    (beside the load generator, on two cores)."""
    every_cpu = sorted(cores.server | cores.generator)
    network = f"bench-{secrets.token_hex(5)}"
    schema = f"chinwag_bench_{secrets.token_hex(5)}"
    asyncio.run(_postgres(services.postgres, f"CREATE SCHEMA {schema}"))
    try:
        with contextlib.ExitStack() as stack:
            ports, pids = [], []
            for index in range(count):
                name = f"node-{chr(ord('a') + index)}"
                home = workdir / name
                home.mkdir()
                env = base.environment(home)
                env.update(
                    CHINWAG_STORAGE_BACKEND="postgresql",
                    CHINWAG_STORAGE_DSN=_with_schema(services.postgres, schema),
                    CHINWAG_CLUSTER_REDIS=services.redis,
                    CHINWAG_CLUSTER_NETWORK=network,
                    CHINWAG_CLUSTER_NODE=name,
                )
                port = free_port()
                command = base.command(port)
                mine = cores
                if spread and every_cpu:
                    mine = Cores(frozenset({every_cpu[index % len(every_cpu)]}), cores.generator)
                server = stack.enter_context(
                    supervised(name, base.version(), command, env, home, port, mine)
                )
                ports.append(server.port)
                pids.append(server.pid)
            setup = TWO_NODES if count == 2 else CLUSTER_OF_ONE if count == 1 else f"{count} nodes"
            yield Network(setup, tuple(ports), tuple(pids), base.version())
    finally:
        with contextlib.suppress(Exception):
            _delete_network(services.redis, network)
        with contextlib.suppress(Exception):
            asyncio.run(_postgres(services.postgres, f"DROP SCHEMA IF EXISTS {schema} CASCADE"))


@dataclass(frozen=True)
class Plan:
    """The sizes of one invocation."""

    fanouts: tuple[tuple[int, int, int], ...] = ((100, 4, 20000), (1000, 2, 2000))
    latency: tuple[int, int, float, float] = (100, 2, 1000.0, 10.0)
    """Receivers, senders, messages per second offered (all senders), seconds."""
    idle: tuple[int, int] = (5000, 100)
    repeats: int = 3
    procs: int = 3
    senders_on_both: bool = True
    workloads: frozenset[str] = frozenset(("fanout", "latency", "idle"))
    path_messages: int = 2000
    """Entries the log-path probe appends (:mod:`bench.cluster_path`), at 1000 a second."""


SMOKE = Plan(
    fanouts=((6, 2, 50),),
    latency=(6, 1, 200.0, 1.0),
    idle=(40, 10),
    repeats=1,
    procs=2,
    path_messages=200,
)

Measure = Callable[[Network, Cores], dict[str, Any]]

WORKLOADS = ("fanout", "latency", "idle")


def measurements(plan: Plan) -> list[Measure]:
    """The workloads of one repeat, each measured against one started setup."""
    chosen: list[Measure] = []
    for receivers, senders, messages in plan.fanouts:

        def fanout(
            net: Network, cores: Cores, n: int = receivers, s: int = senders, m: int = messages
        ) -> dict[str, Any]:
            ports = net.ports
            placement = Placement(ports, ports if plan.senders_on_both else ports[:1], net.pids)
            return loadgen.fanout(
                ports[0], net.pids[0], n, s, m, plan.procs, cores.generator, placement=placement
            )

        if "fanout" in plan.workloads:
            chosen.append(fanout)
    receivers, senders, rate, seconds = plan.latency

    def latency(net: Network, cores: Cores) -> dict[str, Any]:
        # Senders on node A, receivers on the last node: on two nodes, every message crosses.
        ports = net.ports
        placement = Placement(ports[-1:], ports[:1], net.pids)
        return loadgen.latency(
            ports[0], net.pids[0], receivers, senders, rate, seconds, plan.procs,
            cores.generator, placement=placement,
        )  # fmt: skip

    if "latency" in plan.workloads:
        chosen.append(latency)
    clients, room_size = plan.idle

    def idle(net: Network, cores: Cores) -> dict[str, Any]:
        return loadgen.idle(
            net.ports[0], net.pids[0], clients, room_size, plan.procs, cores.generator,
            others=net.pids[1:],
        )  # fmt: skip

    if "idle" in plan.workloads:
        chosen.append(idle)
    return chosen


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.cluster", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repeat")
    parser.add_argument("--fanout", action="append", metavar="NxSxM", help="a fan-out size")
    parser.add_argument("--latency-seconds", type=float, help="default 10")
    parser.add_argument("--idle", type=int, metavar="K", help="idle clients (default 5000)")
    parser.add_argument("--repeats", type=int, help="default 3")
    parser.add_argument(
        "--senders-on", choices=["a", "both"], default="both", help="fan-out senders' nodes"
    )
    parser.add_argument(
        "--setups",
        default=",".join(SETUPS),
        help=f"comma-separated, of: {', '.join(SETUPS)} (default all)",
    )
    parser.add_argument("--redis", default=os.environ.get("CHINWAG_TEST_REDIS") or DEFAULT_REDIS)
    parser.add_argument(
        "--postgres", default=os.environ.get("CHINWAG_TEST_POSTGRES") or DEFAULT_POSTGRES
    )
    parser.add_argument(
        "--only", action="append", choices=list(WORKLOADS), help="only this workload (repeatable)"
    )
    parser.add_argument(
        "--profile", type=Path, metavar="DIR", help="run every node under cProfile into DIR"
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin to CPUs")
    parser.add_argument(
        "--spread",
        action="store_true",
        help="each node on a CPU of its own (node B beside the load generator) rather than "
        "all nodes on the server's CPU",
    )
    parser.add_argument("--log-level", default="WARNING", help="the nodes' console logging")
    parser.add_argument("--data-dir", type=Path, help="where servers keep their files")
    parser.add_argument("--results", type=Path, help="JSON-lines file to append runs to")
    parser.add_argument("--doc", type=Path, help="write the Two nodes section into this page")
    return parser


def plan_from(args: argparse.Namespace) -> Plan:
    """The sizes: the smoke or full defaults, with whatever the options override."""
    base = SMOKE if args.smoke else Plan()
    fanouts = base.fanouts
    if args.fanout:
        fanouts = tuple(
            (int(n), int(s), int(m))
            for n, s, m in (size.lower().split("x") for size in args.fanout)
        )
    receivers, senders, rate, seconds = base.latency
    return Plan(
        fanouts=fanouts,
        latency=(receivers, senders, rate, args.latency_seconds or seconds),
        idle=(args.idle or base.idle[0], base.idle[1]),
        repeats=args.repeats or base.repeats,
        procs=base.procs,
        senders_on_both=args.senders_on == "both",
        workloads=frozenset(args.only) if args.only else base.workloads,
        path_messages=base.path_messages,
    )


def _start(
    setup: str, base: Chinwag, services: Services, workdir: Path, cores: Cores, spread: bool
) -> contextlib.AbstractContextManager[Network]:
    if setup == ONE_NODE:
        return one_node(base, workdir, cores)
    count = 1 if setup == CLUSTER_OF_ONE else 2
    return nodes(base, count, services, workdir, cores, spread)


def main(argv: Sequence[str] | None = None) -> int:
    """Run every setup through every workload; 2 when Redis or PostgreSQL is missing,
    3 when a run lost messages, dropped clients or failed."""
    args = _parser().parse_args(argv)
    plan = plan_from(args)
    setups = [each.strip() for each in args.setups.split(",") if each.strip()]
    unknown = [each for each in setups if each not in SETUPS]
    if unknown:
        print(f"bench.cluster: unknown setups {unknown}; choose from {SETUPS}", file=sys.stderr)
        return 2
    services = Services(args.redis, args.postgres)
    if any(each != ONE_NODE for each in setups):
        problem = check_services(services)
        if problem:
            print(f"bench.cluster: {problem}", file=sys.stderr)
            return 2
    cores = Cores.split(pin=not args.no_pin)
    pin_self(cores.generator)
    raise_nofile()
    data_dir = args.data_dir or Path(tempfile.gettempdir())
    base = Chinwag(args.log_level, profile=args.profile)
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    run = now.strftime("%Y%m%dT%H%M%SZ")
    results = args.results or RESULTS / f"{now:%Y-%m-%d}.jsonl"
    results.parent.mkdir(parents=True, exist_ok=True)
    about = machine(cores, data_dir)
    command = shlex.join(
        ["python", "-m", "bench.cluster", *(argv if argv is not None else sys.argv[1:])]
    )
    records: list[dict[str, Any]] = []
    troubled = False
    loadavg = os.getloadavg()[0]  # other work on the machine shows in the figures
    for repeat in range(plan.repeats):
        for measure in measurements(plan):
            # Alternating the order every other repeat: a slow minute hurts every setup.
            for setup in setups if repeat % 2 == 0 else setups[::-1]:
                with tempfile.TemporaryDirectory(prefix="bench-cluster-", dir=data_dir) as tmp:
                    try:
                        with _start(setup, base, services, Path(tmp), cores, args.spread) as net:
                            result = measure(net, cores)
                    except (loadgen.LoadError, RuntimeError, OSError) as error:
                        result = {"workload": measure.__name__, "error": str(error)}
                record = {
                    "run": run,
                    "suite": "cluster",
                    "time": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                    "repeat": repeat,
                    "server": "chinwag",
                    "setup": setup,
                    "transport": "tcp",
                    "version": base.version(),
                    "placement": "senders on both" if plan.senders_on_both else "senders on A",
                    "node_cpus": "spread" if args.spread else "shared",
                    "loadavg": loadavg,
                    **result,
                    "machine": about,
                    "command": command,
                }
                with results.open("a") as out:
                    out.write(json.dumps(record) + "\n")
                label = f"[{repeat + 1}/{plan.repeats}] {setup}"
                if "error" in record:
                    troubled = True
                    print(
                        f"{label}: {record['workload']} FAILED: {record['error']}", file=sys.stderr
                    )
                    continue
                records.append(record)
                troubled |= bool(record["metrics"].get("lost") or record.get("dropped"))
                print(f"{label}: {cluster_report.headline(record)}", file=sys.stderr)
    if any(each != ONE_NODE for each in setups):
        # The log's own part of a cross-node message, measured alone on the same Redis.
        path = cluster_path.figures(services.redis, plan.path_messages)
        record = {
            "run": run, "suite": "cluster", "repeat": 0, "server": "chinwag",
            "setup": "log path", "workload": "log-path", "version": base.version(),
            "params": {"messages": path["messages"], "rate": path["rate"]},
            "metrics": path, "machine": about, "command": command, "loadavg": loadavg,
        }  # fmt: skip
        with results.open("a") as out:
            out.write(json.dumps(record) + "\n")
        records.append(record)
        print(f"log path: {cluster_report.headline(record)}", file=sys.stderr)
    print(f"bench.cluster: {len(records)} runs appended to {results}", file=sys.stderr)
    if records:
        print(cluster_report.table(records))
        if args.doc is not None:
            shown = os.path.relpath(results, RESULTS.parent.parent)
            cluster_report.write_section(args.doc, records, command, shown)
    return 3 if troubled else 0


if __name__ == "__main__":
    raise SystemExit(main())

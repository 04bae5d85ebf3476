"""The "Two nodes" section of docs/benchmarks.md, from the records of ``bench.cluster``.

Each figure is the median over the repeats (range in brackets) per setup: one plain node,
a cluster of one node, two nodes. The ratio column is two nodes over one node, with the
issue's goals marked (⚠): fan-out per node at least :data:`FANOUT_GOAL` of one node's,
p99 latency across nodes under :data:`LATENCY_GOAL_MS`, memory per connection no more
than one node's.
"""

from __future__ import annotations

import math
import statistics
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.report import Stat, figure_name
from bench.search import SECTION_MARK as SEARCH_MARK

MARK = "<!-- cluster section: written by bench/cluster.py -->"
"""Where this section starts; it ends where the search section starts, or at the end."""

FANOUT_GOAL = 0.8
LATENCY_GOAL_MS = 5.0
SETUPS = ("one node", "cluster of one", "two nodes")


def _mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


@dataclass(frozen=True)
class Figure:
    """One row: a workload's number, read from a record, and how it is judged."""

    workload: str
    label: str
    read: Callable[[dict[str, Any]], float | None]
    higher_is_better: bool
    digits: int = 0
    goal: Callable[[float, float], bool] | None = None
    """Given (two nodes, one node), whether the issue's goal is met."""


def _per_node(key: str) -> Callable[[dict[str, Any]], float | None]:
    def read(record: dict[str, Any]) -> float | None:
        return _mean([node[key] for node in record.get("nodes", ())]) if "nodes" in record else None

    return read


def _metric(key: str) -> Callable[[dict[str, Any]], float | None]:
    return lambda record: record["metrics"].get(key)


def _replica_cost(record: dict[str, Any]) -> float | None:
    nodes = record.get("nodes")
    return _mean([node["kib_per_session"] for node in nodes]) if nodes else None


FIGURES = (
    Figure("fanout", "deliveries/s, whole network", _metric("deliveries_per_s"), True),
    Figure(
        "fanout",
        "deliveries/s per node",
        _per_node("deliveries_per_s"),
        True,
        goal=lambda two, one: two >= FANOUT_GOAL * one,
    ),
    Figure(
        "fanout",
        "deliveries per CPU-second per node",
        _per_node("deliveries_per_cpu_s"),
        True,
        goal=lambda two, one: two >= FANOUT_GOAL * one,
    ),
    Figure("fanout", "server CPU per node (1.0 = a core)", _per_node("server_cpu"), False, 2),
    Figure("fanout", "messages lost", _metric("lost"), False),
    Figure("latency", "p50, ms", _metric("p50_ms"), False, 2),
    Figure(
        "latency", "p99, ms", _metric("p99_ms"), False, 2, goal=lambda two, _: two < LATENCY_GOAL_MS
    ),
    Figure("latency", "max, ms", _metric("max_ms"), False, 2),
    Figure("latency", "messages lost", _metric("lost"), False),
    Figure(
        "idle",
        "memory per connection on its node, KiB",
        _metric("kib_per_connection"),
        False,
        1,
        # Issue 18: memory per connection unchanged on a node (within a tenth).
        goal=lambda two, one: two <= one * 1.1,
    ),
    Figure("idle", "memory per session held for another node, KiB", _replica_cost, False, 1),
)


def _stat(records: Sequence[dict[str, Any]], setup: str, figure: Figure, name: str) -> Stat | None:
    values = []
    for record in records:
        if record.get("setup") != setup or record["workload"] != figure.workload:
            continue
        if figure_name(record) != name:
            continue
        value = figure.read(record)
        if value is not None and not math.isnan(value):
            values.append(float(value))
    return Stat.of(values) if values else None


def _cell(stat: Stat | None, digits: int) -> str:
    if stat is None:
        return "—"
    text = f"{stat.median:,.{digits}f}"
    if stat.runs > 1 and stat.low != stat.high:
        text += f" [{stat.low:,.{digits}f}-{stat.high:,.{digits}f}]"
    return text


def ratios(records: Sequence[dict[str, Any]]) -> dict[tuple[str, str], float]:
    """(figure name, label) -> two nodes' median over one node's."""
    found: dict[tuple[str, str], float] = {}
    for name, figure in _rows(records):
        two = _stat(records, "two nodes", figure, name)
        one = _stat(records, "one node", figure, name)
        if two is not None and one is not None and one.median:
            found[(name, figure.label)] = two.median / one.median
    return found


def _rows(records: Sequence[dict[str, Any]]) -> list[tuple[str, Figure]]:
    names: dict[tuple[str, str], None] = {}
    for record in records:
        names.setdefault((record["workload"], figure_name(record)), None)
    return [
        (name, figure)
        for workload, name in names
        for figure in FIGURES
        if figure.workload == workload
    ]


def table(records: Sequence[dict[str, Any]]) -> str:
    """The figures of every setup side by side, with two nodes over one node (⚠ where a
    goal of the issue is missed)."""
    lines = [
        "| figure | "
        + " | ".join(SETUPS)
        + " | two nodes / one node | two nodes / cluster of one |",
        "|---|" + "---:|" * (len(SETUPS) + 2),
    ]
    for name, figure in _rows(records):
        stats = [_stat(records, setup, figure, name) for setup in SETUPS]
        if all(stat is None for stat in stats):
            continue
        cells = [_cell(stat, figure.digits) for stat in stats]
        one, cluster, two = stats
        for base in (one, cluster):
            ratio = "—"
            if base is not None and two is not None and base.median:
                ratio = f"{two.median / base.median:.2f}"
                if figure.goal is not None and not figure.goal(two.median, base.median):
                    ratio += " ⚠"
            cells.append(ratio)
        direction = "higher is better" if figure.higher_is_better else "lower is better"
        lines.append(f"| {name}: {figure.label} ({direction}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def headline(record: dict[str, Any]) -> str:
    """One line for the console as a run ends."""
    metrics = record["metrics"]
    nodes = record.get("nodes", [])
    if record["workload"] == "log-path":
        return (
            f"append round trip p50 {metrics['append_p50_ms']:.2f} ms, p99 "
            f"{metrics['append_p99_ms']:.2f} ms; append to read by the other node p50 "
            f"{metrics['arrival_p50_ms']:.2f} ms, p99 {metrics['arrival_p99_ms']:.2f} ms"
        )
    if record["workload"] == "fanout":
        shares = ", ".join(
            f"{node['deliveries_per_s']:,.0f}/s ({node['deliveries_per_cpu_s']:,.0f}/CPU-s)"
            for node in nodes
        )
        text = f"{metrics['deliveries_per_s']:,.0f} deliveries/s [{shares}], lost {metrics['lost']}"
    elif record["workload"] == "latency":
        text = (
            f"p50 {metrics['p50_ms']:.2f} ms, p99 {metrics['p99_ms']:.2f} ms, "
            f"max {metrics['max_ms']:.2f} ms, lost {metrics['lost']}"
        )
    else:
        text = f"{metrics['kib_per_connection']:.1f} KiB/connection" + "".join(
            f", {node['kib_per_session']:.1f} KiB/session elsewhere" for node in nodes
        )
    return f"{figure_name(record)}: {text}; load generator {record['loadgen_cpu']:.0%}"


def _latency_cpu(records: Sequence[dict[str, Any]]) -> str:
    """Each node's CPU per message in the cross-node latency run (median over repeats)."""
    runs = [r for r in records if r.get("setup") == "two nodes" and r["workload"] == "latency"]
    if not runs or any(len(r.get("nodes", ())) != 2 for r in runs):
        return ""
    rate = runs[0]["params"]["rate"]
    a, b = (
        statistics.median(r["nodes"][index]["server_cpu"] for r in runs) / rate * 1e6
        for index in (0, 1)
    )
    return (
        f" In the latency run node A (the senders' node) used {a:.0f} µs of CPU per message "
        f"and node B (every receiver's) {b:.0f} µs: on one core together they keep it "
        f"{(a + b) * rate / 1e6:.0%} busy, so each waits behind the other's work."
    )


def _path(records: Sequence[dict[str, Any]]) -> str:
    """Where a message's time across nodes goes, from the log-path probe of this run."""
    found = [r for r in records if r["workload"] == "log-path"]
    if not found:
        return ""
    m = found[0]["metrics"]
    return f"""- **Where the time across nodes goes.**
  The log's own part, measured alone in the same invocation
  (`bench/cluster_path.py`: node A appends one-line entries at {m["rate"]:g} a second,
  node B blocks in `XREAD` on its own connection, as the nodes do): the append
  round trip takes {m["append_p50_ms"]:.2f} ms at the median ({m["append_p99_ms"]:.2f} ms
  p99), and node B has the entry {m["arrival_p50_ms"]:.2f} ms after the append began
  ({m["arrival_p99_ms"]:.2f} ms p99); encoding an entry costs {m["encode_us"]:.1f} µs and
  decoding it {m["decode_us"]:.1f} µs. The rest of a cross-node latency is the nodes':
  node A reading the line and waiting for its append turn, node B applying the entry and
  writing to its receivers, and the two sharing the CPU.{_latency_cpu(records)}
"""


def section(records: Sequence[dict[str, Any]], command: str, results: str) -> str:
    """The page's "Two nodes" section for one run's records."""
    first = records[0]
    about = first["machine"]
    load = first.get("loadavg")
    load_text = (
        f" The load average as the run began was {load:.2f}: other work on the machine "
        "(other people's tests) runs beside the benchmark, which the ranges show."
        if load is not None
        else ""
    )
    repeats = max(r["repeat"] for r in records) + 1
    placement = first.get("placement", "senders on both")
    return _reflow(f"""{MARK}
## Two nodes (issue 18)

The same room and idle workloads on chinwag as one plain node (`chinwag serve`, SQLite), as a
cluster of one node, and as two node processes making one network (`[cluster] redis`, one
Redis network log, `[storage] backend = "postgresql"`), interleaved. Written by

```
{command}
```

(run {first["run"]}, {first["version"]}, {repeats} repeat(s), median [range]; records
`suite: cluster` in `{results}`). The last columns are two nodes over one plain node (the
issue's comparison) and over a cluster of one (the same store and log, so only the split
differs); ⚠ marks a goal of the issue missed: fan-out per node at least {FANOUT_GOAL:g} of
the other's, p99 across nodes under {LATENCY_GOAL_MS:g} ms, memory per connection no more
than a tenth above.

{table(records)}

- **Where the clients are.** Fan-out: receivers alternate between node A and node B, and
  so do senders ({placement}); a node's deliveries are those to its own receivers. Latency:
  senders on node A, every receiver on node B, so every message goes A → Redis → B. Idle:
  every client on node A; node B's growth per session is what holding another node's
  users costs (every node holds the whole network).
- **The machine bounds "per node".** {about["cpus"]} cores carry Redis, PostgreSQL, the
  nodes and the load generator. {about["pinning"]} With two nodes, both share the server's
  core, so each has about half the CPU one node had, and Redis and PostgreSQL run beside
  the generator: deliveries per second per node measure that sharing, not what a node of
  its own would do. Deliveries per CPU-second per node divide each node's deliveries by the
  CPU it used: what a node would deliver with a core to itself, the fair reading of the
  goal here. A node's CPU is its own process's: one plain node's includes its SQLite
  writes (a thread of the process), a cluster node's leaves out what Redis and PostgreSQL
  spend for it (processes of their own), which flatters the cluster setups.{load_text}
- **What a node pays.** Every node parses and applies every entry of the log (each line a
  client sends anywhere); only the writes to its own connections and, for the lines said
  on it, the history insert divide between the nodes. So the smaller the room, the larger
  the share of a node's work that does not divide: with 100 receivers the per-message
  part weighs more than with 1,000.
{_path(records)}""")


WIDTH = 92
"""The page's line length for prose (tables and code are left as they are)."""


def _reflow(text: str) -> str:
    """``text`` with its paragraphs and list items wrapped at :data:`WIDTH`: the numbers
    filled in make the template's own line breaks fall anywhere."""
    out: list[str] = []
    prose: list[str] = []
    fenced = False

    def flush() -> None:
        if prose:
            bullet = prose[0].startswith("- ")
            joined = " ".join(line.strip() for line in prose)
            body = joined[2:] if bullet else joined
            out.append(
                textwrap.fill(
                    body,
                    WIDTH,
                    initial_indent="- " if bullet else "",
                    subsequent_indent="  " if bullet else "",
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
            prose.clear()

    for line in text.splitlines():
        if line.startswith("```"):
            flush()
            fenced = not fenced
            out.append(line)
        elif fenced or line.startswith(("|", "#", "<!--")) or not line.strip():
            flush()
            out.append(line)
        else:
            if line.startswith("- "):
                flush()
            prose.append(line)
    flush()
    return "\n".join(out) + "\n"


def write_section(doc: Path, records: Sequence[dict[str, Any]], command: str, results: str) -> None:
    """Put this run's section into ``doc``: in place of the old one, else before the search
    section, else at the end."""
    text = doc.read_text() if doc.exists() else ""
    search_at = text.find(SEARCH_MARK)
    tail = text[search_at:] if search_at >= 0 else ""
    head = text[:search_at] if search_at >= 0 else text
    at = head.find(MARK)
    head = (head if at < 0 else head[:at]).rstrip("\n")
    body = section(records, command, results)
    doc.write_text((head + "\n\n" if head else "") + body + ("\n" + tail if tail else ""))

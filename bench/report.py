"""From run records (one JSON object per server, workload and repeat) to the published page.

:func:`summarize` groups the records by figure and server: the median and the range over the
repeats, and the ratio chinwag/ngIRCd of the medians, over plain TCP (records before issue 14
carry no transport: they are TCP). :func:`transport_table` sets chinwag's figures over TLS and
WebSocket beside its TCP ones from the same run. :func:`markdown` writes the table and
the notes that say how the numbers were made, with sections of their own for the JOIN storm
and the crowd (the crowd's figures are in its section, beside the cap that decided its
size); :func:`plot` draws a panel for each workload run (:data:`PANELS`: fan-out, latency,
the storm, joins per second, the crowd's registrations, memory and fan-out; matplotlib,
optional: without it the page says how to get the plot).
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SUBJECT = "chinwag"
REFERENCE = "ngircd"
SERVER_NAMES = {SUBJECT: "chinwag", REFERENCE: "ngIRCd"}
TRANSPORTS = ("tcp", "tls", "ws")
TRANSPORT_NAMES = {"tcp": "TCP", "tls": "TLS", "ws": "WebSocket"}
TRANSPORT_GOAL = 0.8
"""Issue 14: fan-out over TLS and WebSocket at least this share of plain TCP's."""


@dataclass(frozen=True)
class Metric:
    """A number the page reports for a workload, and which way is better."""

    key: str
    label: str
    higher_is_better: bool
    digits: int = 0


METRICS: dict[str, tuple[Metric, ...]] = {
    "fanout": (
        Metric("deliveries_per_s", "deliveries/s", True),
        Metric("lost", "messages lost", False),
    ),
    "latency": (
        Metric("p50_ms", "p50 latency, ms", False, 2),
        Metric("p99_ms", "p99 latency, ms", False, 2),
        Metric("max_ms", "max latency, ms", False, 2),
        Metric("lost", "messages lost", False),
    ),
    "idle": (
        Metric("kib_per_connection", "memory per connection, KiB", False, 1),
        Metric("registrations_per_s", "registrations/s", True),
    ),
    "storm": (
        Metric("p50_ms", "p50 latency in the other room, ms", False, 2),
        Metric("p99_ms", "p99 latency in the other room, ms", False, 2),
        Metric("max_ms", "max latency in the other room, ms", False, 2),
        Metric("joins_per_s", "joins/s", True),
        Metric("lost", "messages lost", False),
    ),
    "crowd": (
        Metric("registrations_per_s", "registrations/s", True),
        Metric("kib_per_client", "memory per client, KiB", False, 1),
        Metric("joins_per_s", "joins/s into the room", True),
        Metric("deliveries_per_s", "fan-out to the room, deliveries/s", True),
        Metric("p50_ms", "p50 latency in the room, ms", False, 2),
        Metric("p99_ms", "p99 latency in the room, ms", False, 2),
        Metric("lost", "messages lost", False),
    ),
}
STORM_GOAL_MS = 10.0
"""Issue 20: during a JOIN storm, a message in another room keeps its p99 under this."""


def figure_name(record: dict[str, Any]) -> str:
    """The workload and its size, as the table's first column shows them."""
    params = record["params"]
    workload = record["workload"]
    if workload == "fanout":
        return f"fan-out N={params['receivers']} S={params['senders']} M={params['messages']}"
    if workload == "latency":
        return f"latency {params['rate']:g} msg/s to {params['receivers']} receivers"
    if workload == "idle":
        return f"idle K={params['clients']} (rooms of {params['room_size']})"
    if workload == "storm":
        return f"JOIN storm of {params['clients']}, {params['rate']:g} msg/s in another room"
    if workload == "crowd":
        wanted = params.get("wanted", params["clients"])
        capped = f" (of {wanted:,} wanted)" if wanted != params["clients"] else ""
        return f"crowd of {params['clients']:,}{capped}, room of {params['room']:,}"
    return str(workload)


@dataclass(frozen=True)
class Stat:
    """The median and range of one figure over the repeats."""

    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Stat:
        return cls(statistics.median(values), min(values), max(values), len(values))


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    figure: str
    metric: Metric
    subject: Stat | None
    reference: Stat | None

    @property
    def ratio(self) -> float | None:
        """chinwag's median over ngIRCd's, or ``None`` when either is missing or zero."""
        if self.subject is None or self.reference is None or not self.reference.median:
            return None
        return self.subject.median / self.reference.median


def transport_of(record: dict[str, Any]) -> str:
    """The transport a record was measured over (TCP for records that predate the field)."""
    return str(record.get("transport", "tcp"))


def load(path: Path, run: str | None = None) -> list[dict[str, Any]]:
    """The records in a JSON-lines file; only run ``run``'s when given."""
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [record for record in records if run is None or record.get("run") == run]


def _order(records: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    """(workload, figure) pairs in the order they first appear."""
    seen: dict[tuple[str, str], None] = {}
    for record in records:
        seen.setdefault((record["workload"], figure_name(record)), None)
    return list(seen)


def summarize(
    records: Sequence[dict[str, Any]],
    subject: str = SUBJECT,
    reference: str = REFERENCE,
    transport: str = "tcp",
) -> list[Row]:
    """A row per figure and metric, with ``subject``'s and ``reference``'s statistics side by
    side (chinwag's and ngIRCd's unless told: a chinwag of another commit, for before and
    after), over ``transport`` alone."""
    records = [r for r in records if transport_of(r) == transport]
    rows = []
    for workload, figure in _order(records):
        mine = [r for r in records if r["workload"] == workload and figure_name(r) == figure]
        for metric in METRICS.get(workload, ()):
            stats: dict[str, Stat | None] = {}
            for server in (subject, reference):
                values = [
                    float(r["metrics"][metric.key])
                    for r in mine
                    if r["server"] == server and metric.key in r["metrics"]
                ]
                values = [value for value in values if not math.isnan(value)]
                stats[server] = Stat.of(values) if values else None
            rows.append(Row(figure, metric, stats[subject], stats[reference]))
    return rows


def _number(value: float, digits: int) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{value:,.{digits}f}"


def _cell(stat: Stat | None, digits: int) -> str:
    if stat is None:
        return "not run"
    if stat.runs == 1 or stat.low == stat.high:
        return _number(stat.median, digits)
    return (
        f"{_number(stat.median, digits)} [{_number(stat.low, digits)}-{_number(stat.high, digits)}]"
    )


def _ratio(row: Row) -> str:
    ratio = row.ratio
    if ratio is None:
        return "—"
    better = ratio >= 1 if row.metric.higher_is_better else ratio <= 1
    return f"{ratio:.2f}" + ("" if better else " ⚠")


def table(rows: Sequence[Row], names: tuple[str, str] = ("chinwag", "ngIRCd")) -> str:
    """The results as a Markdown table; ``names`` head the subject's and reference's columns."""
    subject, reference = names
    lines = [
        f"| figure | {subject} | {reference} | {subject}/{reference} |",
        "|---|---:|---:|---:|",
    ]
    for row in rows:
        direction = "higher is better" if row.metric.higher_is_better else "lower is better"
        lines.append(
            f"| {row.figure}: {row.metric.label} ({direction}) "
            f"| {_cell(row.subject, row.metric.digits)} "
            f"| {_cell(row.reference, row.metric.digits)} | {_ratio(row)} |"
        )
    return "\n".join(lines)


def _median_of(
    records: Sequence[dict[str, Any]], workload: str, figure: str, transport: str, key: str
) -> Stat | None:
    values = [
        float(r["metrics"][key])
        for r in records
        if r["workload"] == workload
        and figure_name(r) == figure
        and r["server"] == SUBJECT
        and transport_of(r) == transport
        and key in r["metrics"]
    ]
    values = [value for value in values if not math.isnan(value)]
    return Stat.of(values) if values else None


TRANSPORT_METRICS = (
    ("fanout", Metric("deliveries_per_s", "deliveries/s", True)),
    ("idle", Metric("kib_per_connection", "memory per connection, KiB", False, 1)),
    ("idle", Metric("registrations_per_s", "registrations/s", True)),
)
"""What :func:`transport_table` compares across transports."""


def transports_in(records: Iterable[dict[str, Any]]) -> list[str]:
    """chinwag's transports in ``records``, in table order."""
    found = {transport_of(r) for r in records if r["server"] == SUBJECT}
    return [each for each in TRANSPORTS if each in found]


def transport_ratios(records: Sequence[dict[str, Any]]) -> dict[tuple[str, str, str], float]:
    """(figure, metric key, transport) -> that transport's median over TCP's, for chinwag's
    figures measured over more than TCP (the records of one run)."""
    ratios: dict[tuple[str, str, str], float] = {}
    for workload, metric in TRANSPORT_METRICS:
        for wanted, figure in _order(records):
            if wanted != workload:
                continue
            tcp = _median_of(records, workload, figure, "tcp", metric.key)
            for transport in transports_in(records):
                other = _median_of(records, workload, figure, transport, metric.key)
                if transport != "tcp" and tcp and tcp.median and other is not None:
                    ratios[(figure, metric.key, transport)] = other.median / tcp.median
    return ratios


def transport_table(records: Sequence[dict[str, Any]]) -> str:
    """chinwag's fan-out and idle figures per transport, with each one's ratio to plain TCP
    in the same run (⚠ where fan-out is under :data:`TRANSPORT_GOAL` of TCP's, or a
    figure is worse than TCP's otherwise)."""
    transports = transports_in(records)
    others = [each for each in transports if each != "tcp"]
    names = [TRANSPORT_NAMES[each] for each in transports]
    lines = [
        "| figure | "
        + " | ".join(names)
        + "".join(f" | {TRANSPORT_NAMES[each]}/TCP" for each in others)
        + " |",
        "|---|" + "---:|" * (len(transports) + len(others)),
    ]
    ratios = transport_ratios(records)
    for workload, metric in TRANSPORT_METRICS:
        for wanted, figure in _order(records):
            if wanted != workload:
                continue
            stats = [_median_of(records, workload, figure, each, metric.key) for each in transports]
            if all(stat is None for stat in stats):
                continue
            cells = [_cell(stat, metric.digits) for stat in stats]
            for transport in others:
                ratio = ratios.get((figure, metric.key, transport))
                if ratio is None:
                    cells.append("—")
                    continue
                if metric.key == "deliveries_per_s":
                    short = ratio < TRANSPORT_GOAL
                else:
                    short = ratio < 1 if metric.higher_is_better else ratio > 1
                cells.append(f"{ratio:.2f}" + (" ⚠" if short else ""))
            direction = "higher is better" if metric.higher_is_better else "lower is better"
            lines.append(f"| {figure}: {metric.label} ({direction}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def load_table(records: Sequence[dict[str, Any]]) -> str:
    """Load-generator and server CPU per figure: proof the generator was not the limit."""
    lines = [
        "| figure | server | load generator CPU (median, max) | server CPU (median) "
        "| clients dropped |",
        "|---|---|---:|---:|---:|",
    ]
    for workload, figure in _order(records):
        for server in (SUBJECT, REFERENCE):
            for transport in TRANSPORTS:
                mine = [
                    r
                    for r in records
                    if r["workload"] == workload
                    and figure_name(r) == figure
                    and r["server"] == server
                    and transport_of(r) == transport
                ]
                if mine:
                    lines.append(_load_row(figure, server, transport, mine))
    return "\n".join(lines)


def _load_row(figure: str, server: str, transport: str, mine: Sequence[dict[str, Any]]) -> str:
    name = SERVER_NAMES[server] + ("" if transport == "tcp" else f" ({TRANSPORT_NAMES[transport]})")
    loadgen = [r["loadgen_cpu"] for r in mine]
    busy = [r["server_cpu"] for r in mine]
    dropped = sum(r.get("dropped", 0) for r in mine)
    return (
        f"| {figure} | {name} "
        f"| {statistics.median(loadgen):.0%}, {max(loadgen):.0%} "
        f"| {statistics.median(busy):.0%} | {dropped} |"
    )


@dataclass(frozen=True)
class Panel:
    """One panel of the plot: which workloads' figures and which of their metrics."""

    title: str
    ylabel: str
    workloads: tuple[str, ...]
    keys: tuple[str, ...]
    millions: bool = False
    log: bool = False
    goal: float | None = None
    """A horizontal line: the goal chinwag's figure should stay under."""


PANELS = (
    Panel(
        "Fan-out: deliveries per second (median, range)",
        "million deliveries/s",
        ("fanout",),
        ("deliveries_per_s",),
        millions=True,
    ),
    Panel(
        "Latency at fixed rates (100 and 1,000 receivers)",
        "ms from send to delivery (log scale)",
        ("latency",),
        ("p50_ms", "p99_ms", "max_ms"),
        log=True,
    ),
    Panel(
        "JOIN storm: the other room's latency",
        "ms from send to delivery (log scale)",
        ("storm",),
        ("p50_ms", "p99_ms", "max_ms"),
        log=True,
        goal=STORM_GOAL_MS,
    ),
    Panel("Joins per second into one room", "joins/s", ("storm", "crowd"), ("joins_per_s",)),
    Panel(
        "Crowd: registrations per second", "registrations/s", ("crowd",), ("registrations_per_s",)
    ),
    Panel("Crowd: memory per client", "KiB (server RSS)", ("crowd",), ("kib_per_client",)),
    Panel(
        "Crowd: fan-out to the room",
        "million deliveries/s",
        ("crowd",),
        ("deliveries_per_s",),
        millions=True,
    ),
)
"""The plot's panels, in order; a panel whose workloads did not run is left out."""


def panel_rows(records: Sequence[dict[str, Any]], panel: Panel) -> list[Row]:
    """The rows of ``records`` a panel draws (plain TCP, chinwag and ngIRCd)."""
    return [
        row
        for workload in panel.workloads
        for row in summarize([r for r in records if r["workload"] == workload])
        if row.metric.key in panel.keys
    ]


def plot(records: Sequence[dict[str, Any]], path: Path) -> bool:
    """Draw each panel of :data:`PANELS` that has figures; ``False`` without matplotlib
    (``pip install 'chinwag[bench]'``)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    drawn = [(panel, rows) for panel in PANELS if (rows := panel_rows(records, panel))]
    if not drawn:  # nothing over TCP: an empty frame says so
        drawn = [(PANELS[0], [])]
    columns = len(drawn) if len(drawn) <= 2 else min(4, len(drawn))
    lines = -(-len(drawn) // columns)
    figure, axes = plt.subplots(lines, columns, figsize=(5.5 * columns, 4.2 * lines), squeeze=False)
    colours = {SUBJECT: "#008787", REFERENCE: "#8700ff"}

    def bars(axis: Any, selected: Sequence[Row], labels: Sequence[str]) -> None:
        width = 0.38
        for offset, server in ((-width / 2, SUBJECT), (width / 2, REFERENCE)):
            heights, low, high, xs = [], [], [], []
            for index, row in enumerate(selected):
                stat = row.subject if server == SUBJECT else row.reference
                if stat is None:
                    continue
                xs.append(index + offset)
                heights.append(stat.median)
                low.append(stat.median - stat.low)
                high.append(stat.high - stat.median)
            if xs:
                axis.bar(
                    xs,
                    heights,
                    width,
                    yerr=[low, high],
                    capsize=3,
                    color=colours[server],
                    label=SERVER_NAMES[server],
                )
        axis.set_xticks(range(len(selected)), labels)
        if selected:
            axis.legend()
        axis.grid(axis="y", alpha=0.3)

    for axis, (panel, rows) in zip(axes.flat, drawn, strict=False):
        bars(axis, rows, [_bar_label(row, panel) for row in rows])
        axis.set_title(panel.title)
        axis.set_ylabel(panel.ylabel)
        if panel.millions:
            axis.yaxis.set_major_formatter(lambda value, _: f"{value / 1e6:g}")
        if panel.log:
            axis.set_yscale("log")
        if panel.goal is not None:
            axis.axhline(panel.goal, color="#d70000", linestyle="--", linewidth=1)
            axis.annotate(
                f"goal {panel.goal:g} ms",
                (1.0, panel.goal),
                xycoords=("axes fraction", "data"),
                ha="right",
                va="bottom",
                color="#d70000",
            )
    for axis in list(axes.flat)[len(drawn) :]:
        axis.set_visible(False)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def _bar_label(row: Row, panel: Panel) -> str:
    """A bar's label: the workload in a few words, after the percentile where the panel
    shows several."""
    figure = row.figure
    if figure.startswith("fan-out "):
        return figure.removeprefix("fan-out ").replace(" ", "\n")
    if figure.startswith("JOIN storm"):
        short = "storm " + figure.split(",")[0].removeprefix("JOIN storm of ")
    elif figure.startswith("crowd of "):
        clients = figure.removeprefix("crowd of ").split(" ")[0].rstrip(",")
        room = figure.rsplit("room of ", 1)[-1]
        short = f"crowd {clients}" + (f"\nroom {room}" if "joins" in row.metric.key else "")
        if "deliveries" in row.metric.key:
            short = f"room of {room}\n({clients} connected)"
    else:
        short = (
            figure.removeprefix("latency ").replace(" msg/s to ", "/s\n→").replace(" receivers", "")
        )
    if len(panel.keys) > 1:
        return f"{row.metric.key.removesuffix('_ms')}\n{short}"
    return short


def _storm_section(records: Sequence[dict[str, Any]]) -> str:
    """The section on the JOIN storm (issue 20), or nothing when it was not run."""
    storms = [r for r in records if r["workload"] == "storm"]
    if not storms:
        return ""
    lines = []
    for record in storms:
        metrics = record["metrics"]
        p99 = metrics["p99_ms"]
        mark = " ⚠" if record["server"] == SUBJECT and not p99 < STORM_GOAL_MS else ""
        lines.append(
            f"| {SERVER_NAMES.get(record['server'], record['server'])} | {record['repeat'] + 1} "
            f"| {metrics['storm_seconds']:.2f} | {metrics['joins_per_s']:,.0f} "
            f"| {metrics['samples']} | {metrics['p50_ms']:.2f} | {p99:.2f}{mark} "
            f"| {metrics['max_ms']:.2f} | {metrics['quiet_p99_ms']:.2f} "
            f"| {metrics['storm_covered']:.0%} |"
        )
    seeded = storms[0]["params"].get("seed_lines", 0)
    header = (
        "| server | repeat | storm, s | joins/s | messages | p50, ms | p99, ms | max, ms "
        "| quiet p99, ms | covered |"
    )
    return f"""
## A JOIN storm beside a quiet room (issue 20)

K clients, registered beforehand, join one room at once (64 JOINs in flight per generator
process, each followed by a PING whose PONG says it was handled; the room has
{seeded} lines said in it first, so chinwag replays them to each joiner as it does on
every JOIN) while one client sends a steady stream of stamped messages to another
room, where one other client receives them. The storm lasts from the first JOIN sent to
the last PONG; the figures are the latency of the messages sent in that time. Quiet p99 is
the same before the storm. Covered: the share of the storm while messages were sent (below
100% the storm outlasted them). The goal for chinwag: p99 under {STORM_GOAL_MS:g} ms (⚠ when
not).

{header}
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
{chr(10).join(lines)}
"""


def crowd_cap(records: Sequence[dict[str, Any]]) -> str:
    """What the page says about how many crowd clients were measured against how many were
    wanted, and why (the open-file limit)."""
    lines = []
    for wanted, clients, reason, servers in _caps(records):
        who = " and ".join(SERVER_NAMES.get(server, server) for server in servers)
        if reason:
            lines.append(
                f"**{wanted:,} clients were wanted, {clients:,} measured: {reason}** "
                f"({who}; a server holds a file per client besides its own)."
            )
        else:
            lines.append(f"All {clients:,} clients wanted were measured ({who}).")
    return "\n".join(lines)


def _caps(records: Sequence[dict[str, Any]]) -> list[tuple[int, int, str | None, list[str]]]:
    """(wanted, measured, why capped, servers) of the crowd runs, one per distinct cap."""
    found: dict[tuple[int, int, str | None], list[str]] = {}
    for record in records:
        if record["workload"] != "crowd":
            continue
        params = record["params"]
        key = (
            int(params.get("wanted", params["clients"])),
            int(params["clients"]),
            record.get("cap", {}).get("reason"),
        )
        servers = found.setdefault(key, [])
        if record["server"] not in servers:
            servers.append(record["server"])
    return [(*key, servers) for key, servers in found.items()]


def _crowd_section(records: Sequence[dict[str, Any]]) -> str:
    """The section on the crowd (issue 20: 50,000 clients on one node), or nothing when it
    was not run."""
    crowds = [r for r in records if r["workload"] == "crowd" and transport_of(r) == "tcp"]
    if not crowds:
        return ""
    lines, stopped = [], []
    for record in crowds:
        metrics = record["metrics"]
        name = SERVER_NAMES.get(record["server"], record["server"])
        cells = [
            f"{metrics['clients']:,}",
            str(len(record.get("source_addresses", [])) or 1),
            _number(metrics["register_seconds"], 2),
            _number(metrics["registrations_per_s"], 0),
            _number(metrics["kib_per_client"], 2),
            f"{metrics['room']:,}",
            _number(metrics["join_seconds"], 2),
            _number(metrics["deliveries_per_s"], 0),
            _number(metrics["p50_ms"], 2),
            _number(metrics["p99_ms"], 2),
            _number(metrics["lost"], 0),
            str(record.get("dropped", 0)),
        ]
        lines.append(f"| {name} | {record['repeat'] + 1} | " + " | ".join(cells) + " |")
        if record.get("incomplete"):
            stopped.append(f"- {name}, repeat {record['repeat'] + 1}: {record['incomplete']}")
    stopped_text = (
        "\nRuns that could not take the whole crowd (their later figures are n/a):\n\n"
        + "\n".join(stopped)
        + "\n"
        if stopped
        else ""
    )
    size = crowds[0]["params"]
    header = (
        "| server | repeat | clients | source addresses | registration, s | registrations/s "
        "| KiB/client | room | join, s | fan-out deliveries/s | p50, ms | p99, ms | lost "
        "| dropped |"
    )
    return f"""
## Fifty thousand clients on one node (issue 20)

{crowd_cap(crowds)}

{table(summarize(crowds))}

Per run:

{header}
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
{chr(10).join(lines)}
{stopped_text}
- **Registration.** Every client connects and registers, 8 at a time across the generator
  as in the idle workload; registrations per second = clients over the time from the first
  connect to the last welcome (001). Memory per client = server resident memory a second
  after the last welcome, less before the first connect, over the clients (no room yet).
- **Where the clients come from.** The load generator spreads them over as many processes
  as its own open-file limit needs, and over loopback source addresses (127.0.0.1,
  127.0.0.2, ...) when one address's ephemeral ports would run short, each socket bound
  to its address before it connects.
- **The room.** {size["room"]:,} of the clients join one room, 64 JOINs in flight per
  generator process, each done when the PONG after it arrives; every member reads what it
  is sent all along (each JOIN is announced to every member). Join = the first JOIN sent
  to the last PONG; chinwag replays the room's history on each JOIN as it always does.
- **Fan-out and latency in the room.** {size["senders"]} senders then join and each sends
  {size["messages"]} messages at once: deliveries per second as in the fan-out above (room
  size x messages over the time from the first send until the last member has its last).
  Then one more sender sends {size["rate"]:g} stamped messages a second for
  {size["seconds"]:g} s, and p50 and p99 are over every delivery to every member.
"""


def _transport_section(records: Sequence[dict[str, Any]]) -> str:
    """The section on chinwag over TLS and WebSocket, or nothing when only TCP was run."""
    if len(transports_in(records)) < 2:
        return ""
    return f"""
## chinwag over TLS and WebSocket (issue 14)

The fan-out and idle workloads again, chinwag alone, with every client over each transport,
interleaved with the runs above. The ratio columns are each transport's median over plain
TCP's from this same run; the goal for fan-out is at least {TRANSPORT_GOAL:g} (⚠ below it).

{transport_table(records)}

- **TLS**: `chinwag serve --tls-port`, with the self-signed certificate chinwag makes on first
  start; the clients use Python's `ssl` without verification, one full handshake each (no
  session resumption), and whatever TLS version and cipher the two agree on by default.
- **WebSocket**: `chinwag serve --http-port`, IRC at `/ws` with the `text.ircv3.net`
  subprotocol, one line per message, no compression. The clients open it and frame what
  they send with `websockets`' sans-I/O client; receivers count `PRIVMSG` in the raw stream,
  which is exact because server frames are unmasked and uncompressed (the smoke run checks
  it against a frame-by-frame count). Each TLS handshake and WebSocket upgrade counts in
  registrations per second.
"""


def markdown(
    records: Sequence[dict[str, Any]],
    machine: dict[str, Any],
    command: str,
    results_path: str,
    plot_name: str | None,
) -> str:
    """The whole of docs/benchmarks.md for these records."""
    versions = {r["server"]: r["version"] for r in records}
    repeats = max((r["repeat"] for r in records), default=0) + 1
    dropped = sum(r.get("dropped", 0) for r in records)
    dropped_text = (
        "No run above dropped a client."
        if not dropped
        else f"{dropped} clients were dropped in all (see the last table)."
    )
    transport_text = _transport_section(records) + _storm_section(records) + _crowd_section(records)
    plot_text = (
        f"![deliveries per second and latency, chinwag and ngIRCd]({plot_name})"
        if plot_name
        else "_No plot: matplotlib is not installed (`pip install 'chinwag[bench]'`)._"
    )
    return f"""# Benchmarks: chinwag against ngIRCd

A chat server lives or dies by fan-out: one message to a room of a thousand. This page is
written by the benchmark suite (issue 6); do not edit it by hand, run it again:

```
{command}
```

Each figure is the median over {repeats} repeat(s) with the range in brackets; the last column
is chinwag's median over ngIRCd's (⚠ where chinwag is worse). Every run is one JSON line in
`{results_path}`.

## Results

{table(summarize([r for r in records if r["workload"] != "crowd"]))}

{plot_text}
{transport_text}
## How it was measured

- **Servers.** {versions.get(SUBJECT, "chinwag")}, history on (SQLite, every relayed message
  stored), no echo-message; and {versions.get(REFERENCE, "ngIRCd (not run)")} as the
  reference, configured for benchmarking: no flood penalty (`MaxPenaltyTime = 0`), no
  connection limits (`MaxConnections`, `MaxConnectionsIP = 0`), no DNS, ident or PAM
  (`bench/servers.py` writes its `ngircd.conf`). Each run starts a fresh server.
- **Interleaved.** Every repeat runs every workload on both servers, one after the other,
  alternating which goes first, so a slow minute on the machine hurts both.
- **Pinned.** {machine["pinning"]}
- **Load generator.** Raw non-blocking sockets, registration pipelined; receivers count
  `PRIVMSG` in whatever chunks arrive without parsing lines, in several processes; senders
  write pre-built bytes as fast as the socket takes them and keep reading what the room
  sends them. Its CPU is reported below next to the server's: a generator near 100% of its
  core would mean the figure measures the generator, not the server.
- **Fan-out.** N receivers and S senders in one room; each sender sends M messages at once.
  Deliveries per second = N·S·M over the time from the first send until the last receiver
  has its last message. A message a receiver never gets is counted as lost.
- **Latency.** The senders together offer a fixed rate of messages, each stamped with its
  send time; every receiver records the time from send to arrival, and p50, p99 and max are
  taken over all deliveries. Each message is a read on every receiver's socket, so the
  generator's own scheduling is part of these times, equally for both servers.
- **Idle.** K clients connect and register, 8 at a time across the generator (ngIRCd
  listens with a backlog of 10; more connections in flight make the kernel drop handshakes
  that TCP retries a second later), then each joins a room. Memory per connection = server
  resident memory after, less before, over K; registrations per second = K over the time
  from the first connect to the last welcome (001).
- **Limits that differ.** ngIRCd drops a client whose unsent output passes 32 KiB (fixed at
  compile time) and handles at most 3 commands of a client per turn of its loop; chinwag's
  output limit was set to 8 MiB. {dropped_text}

## Load generator and server CPU

{load_table(records)}

## Machine

- CPU: {machine["cpu"]}, {machine["cpus"]} cores; kernel {machine["kernel"]}
- Python {machine["python"]}; open-file limit {machine["nofile"]}; chinwag at commit
  {machine.get("commit", "unknown")}
- SQLite database in `{machine["data_dir"]}` ({machine["filesystem"]})
"""

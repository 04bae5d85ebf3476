"""The two-node benchmark (bench/cluster.py): one plain node, a cluster of one, two nodes on
the shared Redis and PostgreSQL, tiny sizes (a few hundred messages), nothing timed.

What the runs must get right whatever the machine's speed: every message counted at every
receiver on whichever node it is, each node's share adding up to the whole, a latency sample
for every delivery across nodes, memory read on both nodes, and the page's section carrying
the ratios of the records without disturbing the rest of the page. Without Redis or
PostgreSQL the smoke run is skipped with the reason (failed under ``CI=true``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench import cluster_report
from bench.cluster import DEFAULT_POSTGRES, DEFAULT_REDIS, SETUPS, Services, check_services
from bench.search import SECTION_MARK as SEARCH_MARK

if sys.platform != "linux":
    pytest.skip("the benchmark reads /proc and pins CPUs (Linux only)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
RECEIVERS, SENDERS, MESSAGES = 6, 2, 50
"""The smoke fan-out (bench.cluster.SMOKE): 100 messages to 6 receivers."""

PAGE = f"""# Benchmarks

the one-node tables

{SEARCH_MARK}
## Search latency (issue 15)

the search table
"""


def _services() -> Services:
    return Services(
        os.environ.get("CHINWAG_TEST_REDIS") or DEFAULT_REDIS,
        os.environ.get("CHINWAG_TEST_POSTGRES") or DEFAULT_POSTGRES,
    )


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], str]:
    """Run ``python -m bench.cluster --smoke`` once: its records and the page it wrote."""
    services = _services()
    problem = check_services(services)
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{problem} (CI=true: the services must be there)")
        pytest.skip(f"{problem}; set CHINWAG_TEST_REDIS / CHINWAG_TEST_POSTGRES")
    out = tmp_path_factory.mktemp("cluster-bench")
    page = out / "benchmarks.md"
    page.write_text(PAGE)
    command = [
        sys.executable, "-m", "bench.cluster", "--smoke",
        "--redis", services.redis, "--postgres", services.postgres,
        "--results", str(out / "runs.jsonl"), "--doc", str(page), "--data-dir", str(out),
    ]  # fmt: skip
    env = {key: value for key, value in os.environ.items() if not key.startswith("CHINWAG_")}
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=280, check=False
    )
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stderr[-3000:]}"
    records = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines()]
    return records, page.read_text()


def _one(records: list[dict[str, Any]], setup: str, workload: str) -> dict[str, Any]:
    found = [r for r in records if r["setup"] == setup and r["workload"] == workload]
    assert len(found) == 1, (setup, workload)
    return found[0]


@pytest.mark.timeout(300)
def test_every_setup_ran_every_workload_once_without_trouble(
    smoke: tuple[list[dict[str, Any]], str],
) -> None:
    records, _ = smoke
    assert sorted((r["setup"], r["workload"]) for r in records) == sorted(
        [(setup, workload) for setup in SETUPS for workload in ("fanout", "latency", "idle")]
        + [("log path", "log-path")]
    )
    for record in records:
        if record["workload"] == "log-path":
            continue
        assert "error" not in record, record
        assert record["suite"] == "cluster" and record["dropped"] == 0
        assert record["metrics"].get("lost", 0) == 0
    assert len({r["run"] for r in records}) == 1


@pytest.mark.timeout(300)
@pytest.mark.parametrize("setup", SETUPS)
def test_fanout_reaches_every_receiver_and_each_node_counts_its_own(
    smoke: tuple[list[dict[str, Any]], str], setup: str
) -> None:
    record = _one(smoke[0], setup, "fanout")
    expected = SENDERS * MESSAGES
    assert record["metrics"]["deliveries"] == RECEIVERS * expected
    nodes = record["nodes"]
    assert len(nodes) == (2 if setup == "two nodes" else 1)
    # Receivers alternate between the nodes: each node delivers to its half.
    share = RECEIVERS // len(nodes) * expected
    assert [node["deliveries"] for node in nodes] == [share] * len(nodes)
    assert len({node["pid"] for node in nodes}) == len(nodes)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("setup", SETUPS)
def test_latency_has_a_sample_for_every_delivery(
    smoke: tuple[list[dict[str, Any]], str], setup: str
) -> None:
    record = _one(smoke[0], setup, "latency")
    params, metrics = record["params"], record["metrics"]
    assert metrics["samples"] == params["receivers"] * round(params["rate"] * params["seconds"])
    assert 0 < metrics["p50_ms"] <= metrics["p99_ms"] <= metrics["max_ms"]
    assert len(record["nodes"]) == (2 if setup == "two nodes" else 1)


@pytest.mark.timeout(300)
def test_idle_reads_memory_on_the_clients_node_and_the_other(
    smoke: tuple[list[dict[str, Any]], str],
) -> None:
    record = _one(smoke[0], "two nodes", "idle")
    metrics = record["metrics"]
    assert metrics["rss_after_kib"] > 0 and metrics["rss_before_kib"] > 0
    (other,) = record["nodes"]
    assert other["rss_after_kib"] > 0 and other["rss_before_kib"] > 0
    assert "nodes" not in _one(smoke[0], "one node", "idle")


@pytest.mark.timeout(300)
def test_the_section_shows_two_nodes_over_one_and_keeps_the_rest_of_the_page(
    smoke: tuple[list[dict[str, Any]], str],
) -> None:
    records, page = smoke
    assert page.startswith("# Benchmarks\n\nthe one-node tables\n")
    assert page.index(cluster_report.MARK) < page.index(SEARCH_MARK)
    assert page.endswith("the search table\n")
    one = _one(records, "one node", "fanout")["metrics"]["deliveries_per_s"]
    two = _one(records, "two nodes", "fanout")["metrics"]["deliveries_per_s"]
    row = next(line for line in page.splitlines() if "deliveries/s, whole network" in line)
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[1] == f"{one:,.0f}" and cells[3] == f"{two:,.0f}"
    assert cells[4] == f"{two / one:.2f}"
    cluster = _one(records, "cluster of one", "fanout")["metrics"]["deliveries_per_s"]
    assert cells[5] == f"{two / cluster:.2f}"
    assert "## Two nodes" in page and "p99, ms" in page


@pytest.mark.timeout(300)
def test_the_log_path_is_timed_and_explained(smoke: tuple[list[dict[str, Any]], str]) -> None:
    records, page = smoke
    metrics = _one(records, "log path", "log-path")["metrics"]
    assert 0 < metrics["append_p50_ms"] <= metrics["append_p99_ms"]
    assert 0 < metrics["arrival_p50_ms"] <= metrics["arrival_p99_ms"]
    assert metrics["encode_us"] > 0 and metrics["decode_us"] > 0
    assert f"round trip takes {metrics['append_p50_ms']:.2f} ms" in " ".join(page.split())


def test_a_new_section_replaces_the_old_one(tmp_path: Path) -> None:
    record = {
        "run": "r1", "repeat": 0, "setup": "one node", "workload": "idle", "version": "v",
        "params": {"clients": 10, "room_size": 5}, "metrics": {"kib_per_connection": 6.0},
        "loadgen_cpu": 0.1, "machine": {"cpus": 2, "pinning": "Pinned."},
    }  # fmt: skip
    page = tmp_path / "benchmarks.md"
    page.write_text(PAGE)
    cluster_report.write_section(page, [record], "python -m bench.cluster", "results.jsonl")
    cluster_report.write_section(
        page, [{**record, "run": "r2"}], "python -m bench.cluster", "results.jsonl"
    )
    text = page.read_text()
    assert text.count(cluster_report.MARK) == 1 and "run r2" in text and "run r1" not in text
    assert text.startswith("# Benchmarks\n\nthe one-node tables\n")
    assert text.endswith("the search table\n")


def test_the_main_page_keeps_the_two_node_and_search_sections(tmp_path: Path) -> None:
    from bench.run import write_page

    page = tmp_path / "benchmarks.md"
    page.write_text(f"# old main tables\n\n{cluster_report.MARK}\n## Two nodes\n\n{PAGE}")
    machine = {
        "cpu": "cpu", "cpus": 2, "kernel": "k", "python": "3", "nofile": 1, "pinning": "p",
        "data_dir": "/tmp", "filesystem": "ext4", "commit": "c",
    }  # fmt: skip
    record = {
        "run": "r", "repeat": 0, "server": "chinwag", "version": "v", "workload": "idle",
        "transport": "tcp", "params": {"clients": 10, "room_size": 5},
        "metrics": {"kib_per_connection": 6.0, "registrations_per_s": 100.0},
        "loadgen_cpu": 0.1, "server_cpu": 0.2, "dropped": 0, "machine": machine,
    }  # fmt: skip
    write_page([record], page, tmp_path / "plot.png", "python -m bench", tmp_path / "r.jsonl")
    text = page.read_text()
    assert "# old main tables" not in text and text.startswith("# Benchmarks: chinwag")
    assert text.index(cluster_report.MARK) < text.index(SEARCH_MARK)
    assert "## Two nodes" in text and text.endswith("the search table\n")

"""The benchmark suite's smoke run: the real programs, tiny sizes, nothing timed.

``python -m bench --smoke`` starts chinwag (and ngIRCd when installed), runs every workload
once (chinwag's fan-out and idle over plain TCP, TLS and WebSocket), writes one JSON line per
run and the page. This checks what the runs must get right whatever the machine's speed:
every message counted at every receiver over every transport (over WebSocket also frame by
frame, one PRIVMSG line per message), none lost, every record complete, the ratios on the
page the ratios of the records. No assertion is about speed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.servers import installed_ngircd

if sys.platform != "linux":
    pytest.skip("the benchmark reads /proc and pins CPUs (Linux only)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
HAVE_NGIRCD = installed_ngircd() is not None
SERVERS = ("chinwag", "ngircd") if HAVE_NGIRCD else ("chinwag",)
RECORD_KEYS = {
    "run",
    "time",
    "repeat",
    "server",
    "transport",
    "version",
    "workload",
    "params",
    "metrics",
    "loadgen_cpu",
    "server_cpu",
    "dropped",
    "machine",
    "command",
}


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], str]:
    """Run the smoke benchmark once for this module: its records and its page."""
    out = tmp_path_factory.mktemp("bench")
    command = [
        sys.executable,
        "-m",
        "bench",
        "--smoke",
        "--no-install",
        "--results",
        str(out / "runs.jsonl"),
        "--doc",
        str(out / "benchmarks.md"),
        "--plot",
        str(out / "benchmarks.png"),
        "--data-dir",
        str(out),
        # Named, not probed: a transport the server stopped serving must fail here.
        "--transports",
        "tcp,tls,ws",
    ]
    if not HAVE_NGIRCD:
        command.append("--no-reference")
    env = {key: value for key, value in os.environ.items() if not key.startswith("CHINWAG_")}
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False
    )
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stderr[-3000:]}"
    lines = (out / "runs.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines], (out / "benchmarks.md").read_text()


TRANSPORTS = ("tcp", "tls", "ws")


def _one(
    records: list[dict[str, Any]], server: str, workload: str, transport: str = "tcp"
) -> dict[str, Any]:
    found = [
        r
        for r in records
        if r["server"] == server and r["workload"] == workload and r["transport"] == transport
    ]
    assert len(found) == 1, (server, workload, transport, records)
    return found[0]


@pytest.mark.timeout(300)
def test_every_workload_ran_once_on_every_server(smoke: tuple[list[dict[str, Any]], str]) -> None:
    records, _ = smoke
    expected = [(server, "tcp", "latency") for server in SERVERS]
    expected += [(server, "tcp", "storm") for server in SERVERS]
    expected += [(server, "tcp", "crowd") for server in SERVERS]
    expected += [
        (server, transport, workload)
        for server in SERVERS
        for transport in (TRANSPORTS if server == "chinwag" else ("tcp",))
        for workload in ("fanout", "idle")
    ]
    assert sorted((r["server"], r["transport"], r["workload"]) for r in records) == sorted(expected)
    for record in records:
        assert "error" not in record, record
        assert record.keys() >= RECORD_KEYS, RECORD_KEYS - record.keys()
        assert len({r["run"] for r in records}) == 1
        assert record["dropped"] == 0, record
        assert record["loadgen_cpu"] >= 0
        assert record["server_cpu"] >= 0


@pytest.mark.timeout(300)
@pytest.mark.parametrize("server", SERVERS)
def test_fanout_delivers_every_message_to_every_receiver(
    smoke: tuple[list[dict[str, Any]], str], server: str
) -> None:
    record = _one(smoke[0], server, "fanout")
    params, metrics = record["params"], record["metrics"]
    assert (params["receivers"], params["senders"], params["messages"]) == (5, 2, 50)
    assert metrics["deliveries"] == 5 * 2 * 50
    assert metrics["lost"] == 0
    assert metrics["deliveries_per_s"] == pytest.approx(metrics["deliveries"] / metrics["seconds"])


@pytest.mark.timeout(300)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_chinwag_fanout_delivers_every_message_over_every_transport(
    smoke: tuple[list[dict[str, Any]], str], transport: str
) -> None:
    record = _one(smoke[0], "chinwag", "fanout", transport)
    metrics = record["metrics"]
    assert metrics["deliveries"] == 5 * 2 * 50
    assert metrics["lost"] == 0
    assert record["dropped"] == 0
    if transport == "ws":
        # The raw count is only right if each message is one PRIVMSG line: unframed, the
        # same stream must give the same count and nothing else.
        assert metrics["frames_counted"] == 5 * 2 * 50
        assert metrics["odd_frames"] == 0


@pytest.mark.timeout(300)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_chinwag_idle_memory_over_every_transport(
    smoke: tuple[list[dict[str, Any]], str], transport: str
) -> None:
    metrics = _one(smoke[0], "chinwag", "idle", transport)["metrics"]
    assert metrics["rss_after_kib"] > metrics["rss_before_kib"] > 0
    assert metrics["registrations_per_s"] > 0


@pytest.mark.timeout(300)
def test_the_page_shows_each_transport_against_tcp(
    smoke: tuple[list[dict[str, Any]], str],
) -> None:
    records, page = smoke
    rate = {
        transport: _one(records, "chinwag", "fanout", transport)["metrics"]["deliveries_per_s"]
        for transport in TRANSPORTS
    }
    row = next(
        line
        for line in page.split("over TLS and WebSocket")[1].splitlines()
        if "N=5 S=2 M=50: deliveries/s" in line
    )
    cells = [cell.strip() for cell in row.strip("|").split("|")][1:]
    assert cells[:3] == [f"{rate[each]:,.0f}" for each in TRANSPORTS]
    assert [cell.split()[0] for cell in cells[3:]] == [
        f"{rate['tls'] / rate['tcp']:.2f}",
        f"{rate['ws'] / rate['tcp']:.2f}",
    ]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("server", SERVERS)
def test_latency_has_a_sample_for_every_delivery(
    smoke: tuple[list[dict[str, Any]], str], server: str
) -> None:
    record = _one(smoke[0], server, "latency")
    params, metrics = record["params"], record["metrics"]
    sent = round(params["rate"] * params["seconds"])
    assert metrics["samples"] == params["receivers"] * sent
    assert metrics["lost"] == 0
    assert 0 < metrics["p50_ms"] <= metrics["p99_ms"] <= metrics["max_ms"]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("server", SERVERS)
def test_the_join_storm_times_the_other_room_while_everyone_joins(
    smoke: tuple[list[dict[str, Any]], str], server: str
) -> None:
    record = _one(smoke[0], server, "storm")
    metrics = record["metrics"]
    assert metrics["lost"] == 0
    assert metrics["storm_seconds"] > 0
    assert metrics["joins_per_s"] == pytest.approx(
        record["params"]["clients"] / metrics["storm_seconds"]
    )
    # The smoke storm is short: some of the other room's messages were sent while it lasted.
    assert metrics["samples"] > 0
    assert 0 < metrics["p50_ms"] <= metrics["p99_ms"] <= metrics["max_ms"]
    assert metrics["storm_covered"] == 1.0
    assert "A JOIN storm beside a quiet room" in smoke[1]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("server", SERVERS)
def test_the_crowd_registers_joins_and_fans_out_to_its_room(
    smoke: tuple[list[dict[str, Any]], str], server: str
) -> None:
    record = _one(smoke[0], server, "crowd")
    params, metrics = record["params"], record["metrics"]
    assert (params["wanted"], params["clients"], params["room"]) == (60, 60, 30)
    assert record["cap"]["reason"] is None  # 60 is far below any open-file limit
    # The smoke size binds every socket to one of two addresses, as 50,000 clients would.
    assert record["source_addresses"] == ["127.0.0.1", "127.0.0.2"]
    assert metrics["registrations_per_s"] == pytest.approx(60 / metrics["register_seconds"])
    assert metrics["kib_per_client"] == pytest.approx(
        (metrics["rss_registered_kib"] - metrics["rss_before_kib"]) / 60
    )
    assert metrics["joins_per_s"] == pytest.approx(30 / metrics["join_seconds"])
    sent = params["senders"] * params["messages"]
    assert metrics["deliveries"] == 30 * sent
    stream = round(params["rate"] * params["seconds"])
    assert metrics["latency_samples"] == 30 * stream
    assert metrics["lost"] == 0
    assert 0 < metrics["p50_ms"] <= metrics["p99_ms"] <= metrics["max_ms"]
    page = smoke[1]
    assert "## Fifty thousand clients on one node (issue 20)" in page
    assert "All 60 clients wanted were measured" in page


@pytest.mark.timeout(300)
@pytest.mark.parametrize("server", SERVERS)
def test_idle_measures_memory_and_registrations(
    smoke: tuple[list[dict[str, Any]], str], server: str
) -> None:
    metrics = _one(smoke[0], server, "idle")["metrics"]
    assert metrics["rss_before_kib"] > 0 and metrics["rss_after_kib"] > 0
    assert metrics["kib_per_connection"] == pytest.approx(
        (metrics["rss_after_kib"] - metrics["rss_before_kib"]) / 50
    )
    assert metrics["registrations_per_s"] > 0


@pytest.mark.timeout(300)
@pytest.mark.skipif(not HAVE_NGIRCD, reason="ngircd is not installed (./dev test installs it)")
def test_the_page_shows_the_ratio_of_the_records(smoke: tuple[list[dict[str, Any]], str]) -> None:
    records, page = smoke
    ours = _one(records, "chinwag", "fanout")["metrics"]["deliveries_per_s"]
    theirs = _one(records, "ngircd", "fanout")["metrics"]["deliveries_per_s"]
    row = next(line for line in page.splitlines() if "N=5 S=2 M=50: deliveries/s" in line)
    assert f"| {ours:,.0f} | {theirs:,.0f} | {ours / theirs:.2f}" in row

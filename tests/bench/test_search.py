"""The search benchmark's smoke run (bench/search.py): a small store, every query once
through a real server, one record each. Nothing about speed is asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.search import VOCABULARY, queries, rows, words

if sys.platform != "linux":
    pytest.skip("the benchmark reads /proc and pins CPUs (Linux only)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]


def test_the_messages_are_rooms_and_conversations_of_zipf_distributed_words() -> None:
    made = list(rows(2000, words(VOCABULARY)))
    assert len({row[0] for row in made}) == 2000
    assert [row[3] for row in made] == sorted(row[3] for row in made)
    assert sum(1 for row in made if row[1].startswith("#")) > 1500
    conversations = [row[1] for row in made if not row[1].startswith("#")]
    assert conversations and all(" " in key for key in conversations)
    common = words(VOCABULARY)[0]
    assert sum(1 for row in made if f" {common}" in row[4]) > 200


def test_a_smoke_run_answers_every_query_and_records_it(tmp_path: Path) -> None:
    results = tmp_path / "runs.jsonl"
    command = [sys.executable, "-m", "bench.search", "--messages", "3000", "--repeats", "2"]
    command += ["--results", str(results), "--workdir", str(tmp_path / "work")]
    page = tmp_path / "benchmarks.md"
    page.write_text("# Benchmarks\n\nthe fan-out tables\n")
    command += ["--doc", str(page)]
    env = {key: value for key, value in os.environ.items() if not key.startswith("CHINWAG_")}
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    records = [json.loads(line) for line in results.read_text().splitlines()]
    assert [r["params"]["query"] for r in records] == [q.name for q in queries(words(VOCABULARY))]
    for record in records:
        assert record["workload"] == "search" and record["server"] == "chinwag"
        assert record["params"]["messages"] == 3000
        metrics = record["metrics"]
        assert 0 < metrics["p50_ms"] <= metrics["p95_ms"] <= metrics["p99_ms"] <= metrics["max_ms"]
    assert any(r["metrics"]["results"] > 0 for r in records)
    written = page.read_text()
    assert written.startswith("# Benchmarks\n\nthe fan-out tables\n")
    assert "## Search latency" in written and "| common word |" in written

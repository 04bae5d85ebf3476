"""The servers under test and what the suite reads about them from Linux."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bench import proc, run
from bench.proc import Cores
from bench.run import SMOKE, _parser, plan_from
from bench.servers import NGIRCD_CONF, Chinwag, Running, installed_ngircd

if sys.platform != "linux":
    pytest.skip("the benchmark reads /proc and pins CPUs (Linux only)", allow_module_level=True)

NGIRCD = installed_ngircd()


def test_memory_and_cpu_of_a_process_come_from_proc() -> None:
    ballast = bytearray(32 * 1024 * 1024)  # touched, so resident
    assert proc.rss_kib(os.getpid()) > 32 * 1024
    del ballast
    # Both clocks count this process; /proc in ticks, getrusage finer.
    assert abs(proc.cpu_seconds(os.getpid()) - proc.own_cpu_seconds()) < 0.1


def test_the_server_gets_its_own_cpu() -> None:
    cores = proc.Cores.split()
    available = os.sched_getaffinity(0)
    if len(available) < 2:
        assert not cores.pinned
        return
    assert cores.server and cores.generator
    assert not cores.server & cores.generator
    assert cores.server | cores.generator == available
    assert not proc.Cores.split(pin=False).pinned


@pytest.mark.skipif(NGIRCD is None, reason="ngircd is not installed")
def test_ngircd_accepts_the_benchmark_configuration(tmp_path: Path) -> None:
    conf = tmp_path / "ngircd.conf"
    conf.write_text(NGIRCD_CONF.format(port=16999, include=tmp_path))
    assert NGIRCD is not None
    result = subprocess.run(
        [NGIRCD, "--configtest", "-f", str(conf)], capture_output=True, text=True, timeout=30
    )
    dump = result.stdout
    assert result.returncode == 0, result.stderr
    for setting in (
        "MaxConnections = 0",
        "MaxConnectionsIP = 0",
        "MaxPenaltyTime = 0",
        "DNS = no",  # ngIRCd asks ident only along with DNS, and does not print Ident
        "PAM = no",
        "Ports = 16999",
    ):
        assert f"  {setting}\n" in dump, setting


def test_smoke_sizes_and_overrides() -> None:
    assert plan_from(_parser().parse_args(["--smoke"])) == SMOKE
    plan = plan_from(_parser().parse_args(["--fanout", "10x2x5", "--idle", "7", "--only", "idle"]))
    assert plan.fanouts == ((10, 2, 5),)
    assert plan.idle == (7, 100)  # the room size stays the default
    assert plan.workloads == frozenset({"idle"})
    with pytest.raises(SystemExit):
        _parser().parse_args(["--fanout", "10x2"])


def test_latency_sizes_pair_receivers_with_rates_in_order() -> None:
    """One invocation measures several latency sizes: the Nth receivers with the Nth rate."""
    assert [(n, rate) for n, _, rate, _ in plan_from(_parser().parse_args([])).latency] == [
        (100, 1000.0),
        (1000, 100.0),
    ]
    args = ["--latency-receivers", "10,20", "--latency-rate", "5,6", "--latency-seconds", "2"]
    assert plan_from(_parser().parse_args(args)).latency == ((10, 2, 5.0, 2.0), (20, 2, 6.0, 2.0))
    one_rate = ["--latency-receivers", "10,20", "--latency-rate", "7"]
    assert [size[2] for size in plan_from(_parser().parse_args(one_rate)).latency] == [7.0, 7.0]
    with pytest.raises(SystemExit):
        plan_from(_parser().parse_args(["--latency-receivers", "1,2,3", "--latency-rate", "4,5"]))
    with pytest.raises(SystemExit):
        _parser().parse_args(["--latency-rate", "0"])


def test_storm_sizes_and_overrides() -> None:
    assert plan_from(_parser().parse_args([])).storm == (5000, 200.0, 90.0)
    plan = plan_from(
        _parser().parse_args(["--storm", "300", "--storm-rate", "50", "--only", "storm"])
    )
    assert plan.storm == (300, 50.0, 90.0)
    assert plan.workloads == frozenset({"storm"})


def test_crowd_sizes_and_overrides() -> None:
    plan = plan_from(_parser().parse_args([]))
    assert "crowd" in plan.workloads
    assert plan.crowd is not None
    assert (plan.crowd.clients, plan.crowd.room, plan.crowd.addresses) == (50_000, 10_000, None)
    args = ["--crowd", "2000", "--crowd-room", "500", "--crowd-addresses", "2", "--only", "crowd"]
    plan = plan_from(_parser().parse_args(args))
    assert plan.crowd is not None
    assert (plan.crowd.clients, plan.crowd.room, plan.crowd.addresses) == (2000, 500, 2)
    assert plan.crowd.messages == 300  # the default stays
    assert plan.workloads == frozenset({"crowd"})
    assert SMOKE.crowd is not None and SMOKE.crowd.clients <= 100


def test_a_baseline_tree_runs_on_the_standard_loop_when_asked(tmp_path: Path) -> None:
    """``--baseline TREE --standard-loop``: that tree's chinwag, with no uvloop loaded."""
    root = Path(__file__).resolve().parents[2]
    kind = Chinwag(tree=root, name="chinwag-base", standard_loop=True)
    assert kind.environment(tmp_path)["PYTHONPATH"] == str(root / "src")
    assert kind.event_loop() == "asyncio"
    with kind.running(tmp_path, proc.Cores.split(pin=False)) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(b"NICK ana\r\nUSER ana 0 * :Ana\r\n")
            welcome = b""
            while b" 001 ana " not in welcome:
                chunk = sock.recv(4096)
                assert chunk, f"closed before the welcome: {welcome!r}"
                welcome += chunk
        maps = Path(f"/proc/{server.pid}/maps").read_text()
    assert "uvloop" not in maps


def test_chinwag_runs_with_fakelag_charged_but_never_holding_or_with_it_off(
    tmp_path: Path,
) -> None:
    on = Chinwag().environment(tmp_path)
    assert on["CHINWAG_LIMITS_FAKELAG"] == "true"
    assert float(on["CHINWAG_LIMITS_FLOOD_RATE"]) >= 1e9  # no load generator is held
    off = Chinwag(name="chinwag-nofakelag", fakelag=False).environment(tmp_path)
    assert off["CHINWAG_LIMITS_FAKELAG"] == "false"
    assert _parser().parse_args(["--fakelag-off-too"]).fakelag_off_too


def test_each_workload_runs_at_its_own_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """The storm and idle workloads both have a client count; each must get its own (the
    storm once ran at the idle size)."""
    asked: dict[str, int] = {}
    monkeypatch.setattr(
        run.loadgen, "join_storm", lambda port, pid, clients, *_: asked.update(storm=clients)
    )
    monkeypatch.setattr(
        run.loadgen, "idle", lambda port, pid, clients, *_, **__: asked.update(idle=clients)
    )
    plan = plan_from(_parser().parse_args(["--storm", "300", "--idle", "700"]))
    server = Running("chinwag", "test", 1, 1, Path("log"))
    for name, workload in run.workloads(plan):
        if name in ("storm", "idle"):
            workload(server, Cores.split(pin=False))
    assert asked == {"storm": 300, "idle": 700}

"""The crowd workload's arithmetic and its sockets: the cap, the source addresses, the joins.

The workload against real servers is in test_smoke.py (60 clients, 30 in the room, over two
source addresses); this checks the parts whose mistakes a small run would not show: a cap
that says why, addresses that last for 50,000 clients, a PONG split across two reads.
"""

from __future__ import annotations

import os
import resource
import socket
import sys
import threading

import pytest

from bench import crowd, proc
from bench.crowd import Crowd, capacity, processes, source_addresses
from bench.loadgen import JOINED, LoadError
from bench.wire import Step, handshake

if sys.platform != "linux":
    pytest.skip("the benchmark reads /proc (Linux only)", allow_module_level=True)


def test_the_crowd_is_capped_by_the_server_open_file_limit_and_says_so() -> None:
    extra = Crowd().extra
    assert extra == 3  # two fan-out senders and the latency's one
    clients, reason = capacity(50_000, 20_000, extra)
    assert clients == 20_000 - crowd.SERVER_FILES - extra
    assert reason == f"capped at {clients:,} by the open-file hard limit 20000"
    assert capacity(19_000, 20_000, extra) == (19_000, None)
    assert capacity(50_000, None, extra) == (50_000, None)  # unlimited
    assert capacity(50_000, 1_000_000, extra) == (50_000, None)


def test_clients_spread_over_source_addresses_when_ports_run_short() -> None:
    ports = 60999 - 32768 + 1  # Linux's default range
    assert source_addresses(19_900, ports=ports) == ("127.0.0.1",)
    usable = ports - crowd.PORT_RESERVE
    three = source_addresses(50_000, ports=ports)
    assert three == ("127.0.0.1", "127.0.0.2", "127.0.0.3")
    assert len(three) * usable >= 50_000 > (len(three) - 1) * usable
    assert source_addresses(60, wanted=2) == ("127.0.0.1", "127.0.0.2")
    with pytest.raises(ValueError, match="source addresses"):
        source_addresses(60, wanted=0)
    assert crowd.ephemeral_ports() > 1000


def test_generator_processes_follow_their_own_open_file_limit() -> None:
    assert processes(19_897, 3, 20_000) == 3
    assert processes(100_000, 3, 20_000) == 6  # 19,936 sockets each at most
    assert processes(2, 3, 20_000) == 2  # never more processes than clients
    assert processes(50_000, 3, None) == 3


def test_open_file_limits_are_read_from_proc() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    infinity = resource.RLIM_INFINITY
    assert proc.nofile_limits(os.getpid()) == (
        None if soft == infinity else soft,
        None if hard == infinity else hard,
    )


def test_a_step_with_a_source_connects_from_that_address() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    peers: list[str] = []

    def welcome() -> None:
        connection, peer = listener.accept()
        peers.append(peer[0])
        connection.recv(100)
        connection.sendall(b":srv 001 you :Welcome\r\n")
        connection.close()

    thread = threading.Thread(target=welcome)
    thread.start()
    step = Step(None, b"NICK a\r\n", b" 001 ", source="127.0.0.2")
    try:
        handshake(port, [step], window=1, timeout=10)
    finally:
        thread.join()
        listener.close()
        if step.sock is not None:
            step.sock.close()
    assert peers == ["127.0.0.2"]


def _member() -> tuple[socket.socket, socket.socket]:
    """A member's socket and the server's end of it."""
    ours, theirs = socket.socketpair()
    ours.setblocking(False)
    return ours, theirs


def test_a_join_ends_at_its_pong_even_split_across_two_reads() -> None:
    pairs = [_member() for _ in range(3)]
    token = JOINED.encode()

    def serve() -> None:
        for index, (_, theirs) in enumerate(pairs):
            request = b""
            while b"\n" not in request or not request.rstrip().endswith(token):
                request += theirs.recv(100)
            assert request.startswith(b"JOIN #bench\r\nPING :")
            # The others' JOINs are announced to the members already in.
            for _, earlier in pairs[:index]:
                earlier.sendall(b":x JOIN #bench\r\n")
            half = len(token) // 2
            theirs.sendall(b":srv PONG srv :" + token[:half])
            theirs.sendall(token[half:] + b"\r\n")

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        report = crowd._join([ours for ours, _ in pairs], window=1, timeout=10)
    finally:
        thread.join()
        for pair in pairs:
            for end in pair:
                end.close()
    assert report["end"] >= report["start"] > 0


def test_a_member_closed_while_joining_is_reported() -> None:
    ours, theirs = _member()
    theirs.close()
    with pytest.raises(LoadError, match="closed a member while 0 of 1 had joined"):
        crowd._join([ours], window=1, timeout=10)
    ours.close()

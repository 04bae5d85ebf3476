"""The load generator's byte-level helpers: counting and timing without parsing."""

from __future__ import annotations

import itertools
import socket
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.wire import (
    MARK,
    HandshakeError,
    MarkCounter,
    StampReader,
    Step,
    handshake,
    room_burst,
    stamped,
)

pieces = st.lists(st.sampled_from([MARK, b"PRIV", b"MSG", b" #room :hi\r\n", b"P", b"x"]))
cuts = st.lists(st.integers(min_value=0, max_value=400), max_size=20)


def _split(stream: bytes, points: list[int]) -> list[bytes]:
    edges = sorted({0, len(stream), *(p for p in points if p < len(stream))})
    return [stream[a:b] for a, b in itertools.pairwise(edges)]


@given(pieces, cuts)
def test_a_marker_split_across_chunks_is_counted_once(
    parts: list[bytes], points: list[int]
) -> None:
    stream = b"".join(parts)
    counter = MarkCounter()
    for chunk in _split(stream, points):
        counter.feed(chunk)
    assert counter.count == stream.count(MARK)


@given(pieces, cuts)
def test_a_reused_receive_buffer_counts_only_what_was_received(
    parts: list[bytes], points: list[int]
) -> None:
    stream = b"".join(parts)
    buffer = bytearray(MARK * 60)  # stale bytes past each chunk must never be counted
    counter = MarkCounter()
    for chunk in _split(stream, points):
        buffer[: len(chunk)] = chunk
        counter.feed_from(buffer, len(chunk))
    assert counter.count == stream.count(MARK)


def test_stamps_of_partial_lines_wait_for_the_rest() -> None:
    reader = StampReader()
    line = b":s0!~s0@h " + stamped("#bench", 1_000)
    assert reader.feed(line[:20], now_ns=5_000) == 0
    assert reader.feed(line[20:] + line[:5], now_ns=7_000) == 1
    assert reader.feed(line[5:], now_ns=9_500) == 1
    assert reader.latencies == [6_000, 8_500]
    assert reader.count == 2


def test_a_stamp_reader_can_keep_each_send_time_beside_its_latency() -> None:
    kept = StampReader(keep_sent=True)
    lines = b":s0!~s0@h " + stamped("#bench", 1_000) + b":s0!~s0@h " + stamped("#bench", 2_500)
    assert kept.feed(lines, now_ns=4_000) == 2
    assert kept.sent == [1_000, 2_500]
    assert kept.latencies == [3_000, 1_500]
    plain = StampReader()
    plain.feed(lines, now_ns=4_000)
    assert plain.sent == [] and plain.latencies == [3_000, 1_500]


def test_a_burst_is_one_privmsg_per_line() -> None:
    burst = room_burst(3, 250)
    lines = burst.split(b"\r\n")
    assert lines[-1] == b""
    assert len(lines) - 1 == 250 == burst.count(MARK)
    assert all(line.startswith(b"PRIVMSG #bench :s3 m") for line in lines[:-1])


def test_handshake_reports_a_server_that_hangs_up() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def hang_up() -> None:
        connection, _ = listener.accept()
        connection.recv(100)
        connection.sendall(b"ERROR :Closing Link: go away\r\n")
        connection.close()

    thread = threading.Thread(target=hang_up)
    thread.start()
    step = Step(None, b"NICK a\r\nUSER a 0 * :a\r\n", b" 001 ")
    try:
        with pytest.raises(HandshakeError, match="go away"):
            handshake(port, [step], window=1, timeout=10)
    finally:
        thread.join()
        listener.close()
        if step.sock is not None:
            step.sock.close()


def test_handshake_drives_every_step_to_its_marker() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    clients = 5

    def welcome() -> None:
        accepted = []
        for _ in range(clients):
            connection, _ = listener.accept()
            connection.recv(100)
            connection.sendall(b":srv 001 you :Welcome\r\n")
            accepted.append(connection)
        for connection in accepted:
            connection.close()

    thread = threading.Thread(target=welcome)
    thread.start()
    steps = [Step(None, b"NICK a\r\n", b" 001 ") for _ in range(clients)]
    try:
        handshake(port, steps, window=2, timeout=10)
    finally:
        thread.join()
        listener.close()
    assert all(step.done_at > 0 and step.sock is not None for step in steps)
    for step in steps:
        assert step.sock is not None
        step.sock.close()

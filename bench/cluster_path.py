"""Where a message's time goes between two nodes: the network log's part, measured alone.

    .venv/bin/python -m bench.cluster_path --messages 2000 --rate 1000

A message said on node A reaches a receiver on node B in steps: A appends it to the log
(one Lua script on Redis: :meth:`~chinwag.cluster.redis.RedisLog.append`), B's blocked
``XREAD`` wakes with it, B decodes and applies it (the one-node code) and writes to its
connections. This runs the first two with two real :class:`~chinwag.cluster.redis.RedisLog`
handles (node A appending, node B reading on its own connection, as the nodes do) at a
steady rate, and times the codec, so the rest of a cross-node latency is what the nodes
themselves add (applying, their loops, sharing the CPU). Prints the figures; records
nothing. Needs the Redis ``--redis`` names (its keys are removed afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import time
from collections.abc import Sequence

from chinwag.cluster.redis import RedisLog
from chinwag.server.replication.codec import decode, encode

LINE = "PRIVMSG #bench :t1796667402000000000 the quick brown fox"


def _summary(name: str, samples_ns: Sequence[int]) -> str:
    ordered = sorted(samples_ns)

    def at(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] / 1000

    return (
        f"{name}: p50 {at(0.5):.0f} µs, p99 {at(0.99):.0f} µs, max {ordered[-1] / 1000:.0f} µs "
        f"({len(ordered)} samples)"
    )


async def log_path(url: str, messages: int, rate: float) -> dict[str, list[int]]:
    """Append ``messages`` one-line entries from node A at ``rate`` a second while node B
    reads; the append round trips and the time from each append's start to B having it."""
    network = f"bench-path-{secrets.token_hex(5)}"
    a, b = RedisLog(url, network, "node-a"), RedisLog(url, network, "node-b")
    started: dict[bytes, int] = {}
    appends: list[int] = []
    arrivals: list[int] = []
    try:
        await a.join()
        await b.join()

        async def read() -> None:
            after = "0"
            while len(arrivals) < messages:
                for entry in await b.read(after, 1.0):
                    now = time.perf_counter_ns()
                    after = entry.id
                    if entry.data in started:
                        arrivals.append(now - started[entry.data])

        reader = asyncio.create_task(read())
        begin = time.perf_counter()
        for index in range(messages):
            await asyncio.sleep(max(0.0, begin + index / rate - time.perf_counter()))
            data = encode(("lines", "node-a/1", [f"{LINE} {index}"]), index + 1)
            started[data] = time.perf_counter_ns()
            await a.append([data])
            appends.append(time.perf_counter_ns() - started[data])
        await asyncio.wait_for(reader, 10)
    finally:
        client = a._commands  # its keys, by the same prefix the log uses
        keys = [key async for key in client.scan_iter(match=f"{a.prefix}*")]
        if keys:
            await client.delete(*keys)
        await a.close()
        await b.close()
    return {"append": appends, "arrival": arrivals}


def codec_cost(rounds: int = 20000) -> tuple[float, float]:
    """Microseconds to encode, and to decode, one one-line entry."""
    entry = ("lines", "node-a/1", [LINE])
    start = time.perf_counter()
    for index in range(rounds):
        data = encode(entry, index)
    encoded = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(rounds):
        decode(data)
    decoded = time.perf_counter() - start
    return encoded / rounds * 1e6, decoded / rounds * 1e6


def figures(url: str, messages: int = 2000, rate: float = 1000.0) -> dict[str, float]:
    """The log path's figures in milliseconds (p50 and p99 of the append round trip and of
    append start to node B's read) and the codec's in microseconds, for the page."""
    found = asyncio.run(log_path(url, messages, rate))

    def at(samples: Sequence[int], fraction: float) -> float:
        ordered = sorted(samples)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] / 1e6

    encoded, decoded = codec_cost()
    return {
        "append_p50_ms": at(found["append"], 0.5),
        "append_p99_ms": at(found["append"], 0.99),
        "arrival_p50_ms": at(found["arrival"], 0.5),
        "arrival_p99_ms": at(found["arrival"], 0.99),
        "encode_us": encoded,
        "decode_us": decoded,
        "messages": messages,
        "rate": rate,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--redis", default=os.environ.get("CHINWAG_TEST_REDIS", "redis://127.0.0.1:6379")
    )
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=1000.0)
    args = parser.parse_args(argv)
    found = asyncio.run(log_path(args.redis, args.messages, args.rate))
    print(_summary("append round trip (A)", found["append"]))
    print(_summary("append start to read by B", found["arrival"]))
    wake = [
        arrival - append for arrival, append in zip(found["arrival"], found["append"], strict=False)
    ]
    print(f"arrival after the append returned, median: {statistics.median(wake) / 1000:.0f} µs")
    encoded, decoded = codec_cost()
    print(f"codec: encode {encoded:.1f} µs, decode {decoded:.1f} µs per one-line entry")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What "durable before echo" costs: the same burst with history on disk and in memory.

A real server on a loopback port, in this process. Several senders in one room each send a
burst of PRIVMSGs with echo-message on, as fast as the socket takes them; a receiver reads
everything. Reported per store: messages per second until every sender has its last echo
(each echo waits for the batch holding it to be committed with ``synchronous=FULL``), the
median and p99 time from a line's send to its echo, and how many messages share one commit.
The SQLite figures are read as ratios to the memory store's, measured in the same run.

    .venv/bin/python bench/durable_echo.py [--senders 4] [--messages 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from chinwag.config import Config, Listener, ServerInfo
from chinwag.server.app import ChinwagServer
from chinwag.storage.base import Store, StoredMessage
from chinwag.storage.memory import MemoryStore
from chinwag.storage.sqlite import SqliteStore


class CountingStore:
    """A store wrapper that counts commits, to report the batch size."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.batches = 0
        self.messages = 0

    async def append(self, messages: list[StoredMessage]) -> None:
        self.batches += 1
        self.messages += len(messages)
        await self.inner.append(messages)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


async def _client(
    port: int, nick: str, caps: str
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"CAP REQ :{caps}\r\nCAP END\r\nNICK {nick}\r\nUSER {nick} 0 * :{nick}\r\n".encode()
    )
    writer.write(b"JOIN #bench\r\nPING :ready\r\n")
    data = b""
    while b"PONG" not in data:
        data += await reader.read(65536)
    return reader, writer


async def _sender(port: int, nick: str, count: int, latencies: list[float]) -> float:
    reader, writer = await _client(port, nick, "echo-message")
    sent: list[float] = []
    lines = [f"PRIVMSG #bench :{nick} {n}\r\n".encode() for n in range(count)]
    start = time.perf_counter()

    async def write_all() -> None:
        for line in lines:
            sent.append(time.perf_counter())
            writer.write(line)
            if len(sent) % 64 == 0:
                await writer.drain()
        await writer.drain()

    writing = asyncio.create_task(write_all())
    seen = 0
    buffer = b""
    marker = f" PRIVMSG #bench :{nick} ".encode()
    while seen < count:
        buffer += await reader.read(65536)
        *complete, buffer = buffer.split(b"\r\n")
        now = time.perf_counter()
        for line in complete:
            if marker in line:
                latencies.append(now - sent[seen])
                seen += 1
    await writing
    elapsed = time.perf_counter() - start
    writer.close()
    return elapsed


async def run(store: Store, senders: int, messages: int) -> dict[str, float]:
    counting = CountingStore(store)
    config = Config(server=ServerInfo(name="bench.test"), listeners=(Listener("127.0.0.1", 0),))
    server = ChinwagServer(config, store=counting)  # type: ignore[arg-type]
    await server.start()
    port = server.addresses[0][1]
    _, listener = await _client(port, "listener", "")
    latencies: list[float] = []
    times = await asyncio.gather(
        *(_sender(port, f"s{n}", messages, latencies) for n in range(senders))
    )
    listener.close()
    await server.stop(grace=1.0)
    latencies.sort()
    return {
        "msgs_per_s": senders * messages / max(times),
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99) - 1],
        "per_commit": counting.messages / max(counting.batches, 1),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {"memory": [], "sqlite": []}
    with tempfile.TemporaryDirectory() as directory:
        for round_ in range(args.repeat):
            # Interleaved, so both stores see the same machine load.
            results["memory"].append(await run(MemoryStore(), args.senders, args.messages))
            database = Path(directory) / f"bench{round_}.db"
            on_disk = await SqliteStore.open(database)
            results["sqlite"].append(await run(on_disk, args.senders, args.messages))
    median = {
        name: {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        for name, runs in results.items()
    }
    print(f"{args.senders} senders x {args.messages} messages, median of {args.repeat}")
    print(f"{'store':8} {'msgs/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'msgs/commit':>12}")
    for name, figures in median.items():
        print(
            f"{name:8} {figures['msgs_per_s']:10.0f} {figures['p50_ms']:8.1f} "
            f"{figures['p99_ms']:8.1f} {figures['per_commit']:12.1f}"
        )
    memory, sqlite = median["memory"], median["sqlite"]
    print(
        f"sqlite/memory: throughput {sqlite['msgs_per_s'] / memory['msgs_per_s']:.2f}x, "
        f"p50 latency {sqlite['p50_ms'] / memory['p50_ms']:.2f}x, "
        f"p99 latency {sqlite['p99_ms'] / memory['p99_ms']:.2f}x"
    )


if __name__ == "__main__":
    asyncio.run(main())

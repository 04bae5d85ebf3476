"""Search latency over a large history (issue 15): ``SEARCH`` end to end through a real server.

    .venv/bin/python -m bench.search                     # 1,000,000 messages (a few minutes)
    .venv/bin/python -m bench.search --messages 2000 --repeats 3 --results /tmp/r.jsonl

A SQLite store is filled with ``--messages`` messages: 20 rooms and 200 direct
conversations over one year, 300 speakers, each message 3 to 15 words drawn from a
vocabulary of 20,000 with Zipf's law (a word's frequency falls as one over its rank, as in
natural language), so some words are in a third of the messages and most in very few. The
rows go in with one ``executemany`` in one transaction, through the same schema (and
full-text triggers) the server uses. Then ``chinwag serve`` opens that file and one client
(not logged in, in every room, as a person searching would be) sends each query
``--repeats`` times, one at a time; a query's latency is from writing the ``SEARCH`` line
to reading the end of its ``soju.im/search`` batch. The goal is a p50 under 50 ms.

One JSON line per query is appended to ``--results`` (workload ``search``), and the
summary is printed for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import itertools
import json
import platform
import random
import socket
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.proc import Cores
from bench.servers import Chinwag

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "2026-12-07.jsonl"
DOC = ROOT / "docs" / "benchmarks.md"
SECTION_MARK = "<!-- search section: written by bench/search.py -->"
"""Where this benchmark's section of docs/benchmarks.md starts; the page's writer
(bench/run.py) keeps everything from here on when it rewrites the page."""

ROOMS = 20
CONVERSATIONS = 200
SPEAKERS = 300
VOCABULARY = 20_000
YEAR = 365 * 24 * 3600.0
START = 1_767_225_600.0
"""2026-01-01T00:00:00Z: the first stored message."""
ROWS_PER_CHUNK = 50_000


@dataclass(frozen=True)
class Query:
    """One search as the benchmark sends it: a name for the table and its attributes."""

    name: str
    attributes: str


def words(count: int) -> list[str]:
    """``count`` distinct made-up words, letters only, 3 to 9 long."""
    chooser = random.Random(7)
    made: dict[str, None] = {}
    letters = "abcdefghijklmnopqrstuvwxyz"
    while len(made) < count:
        made["".join(chooser.choice(letters) for _ in range(chooser.randint(3, 9)))] = None
    return list(made)


def rows(count: int, vocabulary: list[str]) -> Iterator[tuple[Any, ...]]:
    """The ``messages`` rows, in time order: (msgid, target, sender, time, line, account)."""
    chooser = random.Random(11)
    # Cumulative weights, computed once (choices() would add them up at every call).
    cumulative = list(itertools.accumulate(1.0 / rank for rank in range(1, len(vocabulary) + 1)))
    step = YEAR / max(count, 1)
    for index in range(count):
        when = START + index * step
        speaker = chooser.randrange(SPEAKERS)
        nick = f"nick{speaker}"
        if chooser.random() < 0.9:
            target = f"#room{chooser.randrange(ROOMS)}"
            shown = target
        else:
            other = chooser.randrange(CONVERSATIONS)
            target = f"a:bench{speaker:04d} a:peer{other:04d}"
            shown = f"peer{other}"
        text = " ".join(
            chooser.choices(vocabulary, cum_weights=cumulative, k=chooser.randint(3, 15))
        )
        stamp = datetime.datetime.fromtimestamp(when, datetime.UTC)
        tags = f"time={stamp.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]}Z;msgid=b{index};account={nick}"
        source = f"{nick}!~{nick}@bench.host"
        line = f"@{tags} :{source} PRIVMSG {shown} :{text}"
        yield (f"b{index}", target, source, round(when, 3), line, nick)


def fill(path: Path, count: int) -> float:
    """Create the store at ``path`` with the server's schema and ``count`` messages; return
    the seconds it took."""
    from chinwag.storage.search import message_text
    from chinwag.storage.sqlite import SqliteStore
    from chinwag.storage.sqlite_search import TEXT_FUNCTION

    async def create() -> None:
        store = await SqliteStore.open(path)
        await store.close()

    started = time.perf_counter()
    asyncio.run(create())
    vocabulary = words(VOCABULARY)
    db = sqlite3.connect(path, isolation_level=None)
    # The index's triggers take each line's text with the store's own function.
    db.create_function(TEXT_FUNCTION, 1, message_text, deterministic=True)
    db.execute("PRAGMA synchronous = OFF")
    db.execute("BEGIN")
    batch: list[tuple[Any, ...]] = []
    for row in rows(count, vocabulary):
        batch.append(row)
        if len(batch) == ROWS_PER_CHUNK:
            _insert(db, batch)
            batch = []
    _insert(db, batch)
    db.execute("COMMIT")
    db.execute("INSERT INTO message_text (message_text) VALUES ('optimize')")
    db.close()
    return time.perf_counter() - started


def _insert(db: sqlite3.Connection, batch: list[tuple[Any, ...]]) -> None:
    db.executemany(
        "INSERT INTO messages (msgid, target, sender, time, line, account)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        batch,
    )


def queries(vocabulary: list[str]) -> list[Query]:
    """Common, middling and rare words, two words, a word nobody said, and the other
    attributes with and without text."""
    return [
        Query("common word", f"text={vocabulary[0]}"),
        Query("middling word", f"text={vocabulary[200]}"),
        Query("rare word", f"text={vocabulary[15_000]}"),
        Query("two words", f"text={vocabulary[3]} {vocabulary[40]}".replace(" ", "\\s")),
        Query("word nobody said", "text=zzzzzzzzzzzz"),
        Query("word in one room", f"text={vocabulary[100]};in=#room3"),
        Query("word from one nick", f"text={vocabulary[50]};from=nick42"),
        Query("everything from one nick", "from=nick7"),
        Query(
            "word in a month",
            f"text={vocabulary[10]};after=2026-03-01T00:00:00.000Z;before=2026-03-31T23:59:59.999Z",
        ),
    ]


class Searcher:
    """One plain-socket IRC client: registers, joins every room, then searches."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buffer = b""

    def send(self, line: str) -> None:
        self.sock.sendall(line.encode() + b"\r\n")

    def lines(self) -> Iterator[str]:
        while True:
            while b"\r\n" not in self.buffer:
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    raise ConnectionError("the server closed the connection")
                self.buffer += chunk
            line, self.buffer = self.buffer.split(b"\r\n", 1)
            text = line.decode()
            if text.startswith("PING"):
                self.send("PONG" + text[4:])
                continue
            yield text

    def until(self, predicate: Any) -> list[str]:
        seen = []
        for line in self.lines():
            seen.append(line)
            if predicate(line):
                return seen
        raise AssertionError("unreachable")

    def register(self) -> None:
        caps = "soju.im/search batch server-time message-tags draft/chathistory"
        self.send(f"CAP REQ :{caps}")
        self.send("NICK searcher")
        self.send("USER searcher 0 * :searcher")
        self.send("CAP END")
        self.until(lambda line: " 001 " in line)
        self.send("JOIN " + ",".join(f"#room{n}" for n in range(ROOMS)))
        self.until(lambda line: f" 366 searcher #room{ROOMS - 1} " in line)

    def search(self, attributes: str) -> tuple[float, int]:
        """Seconds from sending ``SEARCH`` to the end of its batch, and the results."""
        started = time.perf_counter()
        self.send(f"SEARCH {attributes}")
        seen = self.until(lambda line: " BATCH -" in line or line.split(" ")[1:2] == ["FAIL"])
        elapsed = time.perf_counter() - started
        if any(" FAIL " in line for line in seen):
            raise RuntimeError(f"SEARCH {attributes}: {seen[-1]}")
        return elapsed, sum(1 for line in seen if " PRIVMSG " in line)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(
    messages: int, repeats: int, results: Path | None, workdir: Path, *, reuse: bool = False
) -> list[dict[str, Any]]:
    """Fill, serve, search; the records (also appended to ``results`` when given). With
    ``reuse``, a store already in ``workdir`` (of as many messages) is searched as it is."""
    path = workdir / "bench.db"
    if reuse and path.exists():
        print(f"reusing {path}", flush=True)
    else:
        filled = fill(path, messages)
        print(f"filled {messages:,} messages in {filled:.1f} s", flush=True)
    server = Chinwag(log_level="WARNING")
    records: list[dict[str, Any]] = []
    stamp = datetime.datetime.now(datetime.UTC)
    with server.running(workdir, Cores.split()) as running:
        client = Searcher(running.port)
        client.register()
        for query in queries(words(VOCABULARY)):
            client.search(query.attributes)  # warm the page cache for this query once
            timings = []
            found = 0
            for _ in range(repeats):
                elapsed, found = client.search(query.attributes)
                timings.append(elapsed * 1000)
            record = {
                "run": stamp.strftime("%Y%m%dT%H%M%SZ"),
                "time": stamp.isoformat(timespec="seconds"),
                "server": "chinwag",
                "version": running.version,
                "workload": "search",
                "params": {"messages": messages, "query": query.name, "repeats": repeats},
                "metrics": {
                    "p50_ms": statistics.median(timings),
                    "p95_ms": percentile(timings, 0.95),
                    "p99_ms": percentile(timings, 0.99),
                    "max_ms": max(timings),
                    "results": found,
                },
                "machine": {
                    "cpu": platform.processor() or platform.machine(),
                    "python": platform.python_version(),
                    "sqlite": sqlite3.sqlite_version,
                },
                "command": " ".join(sys.argv),
            }
            records.append(record)
            metrics = record["metrics"]
            print(
                f"{query.name:26} p50 {metrics['p50_ms']:7.2f} ms  p95 {metrics['p95_ms']:7.2f}"
                f"  p99 {metrics['p99_ms']:7.2f}  ({found} results)",
                flush=True,
            )
    every = [r["metrics"]["p50_ms"] for r in records]
    print(f"median of the queries' p50: {statistics.median(every):.2f} ms", flush=True)
    if results is not None:
        with results.open("a") as out:
            for record in records:
                out.write(json.dumps(record) + "\n")
    return records


def section(records: list[dict[str, Any]]) -> str:
    """The Markdown section of docs/benchmarks.md for one run's records."""
    first = records[0]
    messages = first["params"]["messages"]
    medians = [r["metrics"]["p50_ms"] for r in records]
    rows = "\n".join(
        f"| {r['params']['query']} | {r['metrics']['p50_ms']:.2f} | {r['metrics']['p95_ms']:.2f}"
        f" | {r['metrics']['p99_ms']:.2f} | {r['metrics']['results']} |"
        for r in records
    )
    return f"""{SECTION_MARK}
## Search latency (issue 15)

`SEARCH` (soju.im/search) end to end through a real `chinwag serve` on a SQLite store of
{messages:,} messages (20 rooms and 200 direct conversations over a year, 300 speakers, 3 to
15 words a message drawn by Zipf's law from 20,000 words). One client, in every room and
not logged in, sends each query {first["params"]["repeats"]} times, one at a time; latency is
from sending `SEARCH` to reading the end of its batch. Goal: p50 under 50 ms. Written by

```
python -m bench.search --messages {messages}
```

(run {first["run"]}, {first["version"]}, SQLite {first["machine"]["sqlite"]}; records
`workload: search` in `bench/results/2026-12-07.jsonl`).

| query | p50 ms | p95 ms | p99 ms | results |
|---|---|---|---|---|
{rows}

Median of the queries' p50: **{statistics.median(medians):.2f} ms**; the slowest p50
{max(medians):.2f} ms. Words are looked up in the FTS5 index newest row first and the walk
stops at the limit (100), so a common word costs about what a rare one does; the slowest
queries are those whose other filters (`from`) reject most matches of the word, which the
walk must read past.
"""


def write_section(doc: Path, records: list[dict[str, Any]]) -> None:
    """Replace (or add) this benchmark's section at the end of ``doc``."""
    text = doc.read_text() if doc.exists() else ""
    at = text.find(SECTION_MARK)
    head = (text if at < 0 else text[:at]).rstrip("\n")
    doc.write_text((head + "\n\n" if head else "") + section(records))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--no-results", action="store_true", help="append nothing")
    parser.add_argument("--doc", type=Path, help=f"write the section in this page ({DOC})")
    parser.add_argument("--workdir", type=Path, help="keep the store here (default: a temp dir)")
    parser.add_argument("--reuse", action="store_true", help="search the store in --workdir")
    args = parser.parse_args(argv)
    results = None if args.no_results else args.results
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        records = run(args.messages, args.repeats, results, args.workdir, reuse=args.reuse)
    else:
        with tempfile.TemporaryDirectory(prefix="chinwag-search-") as workdir:
            records = run(args.messages, args.repeats, results, Path(workdir))
    if args.doc is not None:
        write_section(args.doc, records)
    return 0


if __name__ == "__main__":
    sys.exit(main())

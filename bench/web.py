"""What the web page costs in a real browser (Debian's Chromium, headless, via Playwright).

Two figures:

- **first message**: from opening the page (``goto``) through the login form to the first
  message of the room's history drawn in the log, against a local chinwag server;
- **10,000 lines of history**: a ``chathistory`` batch of that many lines handed to the page
  as if the server had sent it (parsed, cleaned, filed), then the switch to that conversation
  (drawn: at most ``renderCap`` rows, 2,000, are put in the DOM), and the same switch with
  every one of the 10,000 rows in the DOM, to show what the cap saves.

    .venv/bin/python bench/web.py [--repeat 5] [--lines 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from playwright.async_api import async_playwright

from chinwag.config import Config, Listener
from chinwag.server.app import ChinwagServer
from chinwag.storage.memory import MemoryStore

CHROMIUM = "/usr/bin/chromium"

HISTORY_SCRIPT = """async (count) => {
    const app = window.chinwag;
    const lines = ['@label=bench :irc.test BATCH +hb chathistory #bench'];
    const start = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < count; i++) {
        const time = new Date(start + i * 1000).toISOString();
        lines.push(`@batch=hb;time=${time};msgid=bench${i} :nick${i % 25}!u@h PRIVMSG #bench `
                   + `:line ${i} of the history, with a link https://example.org/${i} in it`);
    }
    lines.push(':irc.test BATCH -hb');
    const t0 = performance.now();
    for (const raw of lines) app.receiveLine(raw);
    const t1 = performance.now();
    app.select('#bench');
    document.getElementById('log').offsetHeight;  // layout, not only DOM building
    await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
    const t2 = performance.now();
    const capped = document.querySelectorAll('#log .row').length;
    app.select('#lobby');
    app.renderCap = count;
    const t3 = performance.now();
    app.select('#bench');
    document.getElementById('log').offsetHeight;
    await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
    const t4 = performance.now();
    const all = document.querySelectorAll('#log .row').length;
    app.renderCap = 2000;
    return {ingest: t1 - t0, capped: t2 - t1, cappedRows: capped, uncapped: t4 - t3, rows: all};
}"""


async def seed(address: tuple[str, int], lines: int) -> None:
    """A raw client says ``lines`` lines in #lobby and leaves (history for the page)."""
    reader, writer = await asyncio.open_connection(*address)
    out = ["NICK seeder", "USER seeder 0 * seeder", "JOIN #lobby"]
    out += [f"PRIVMSG #lobby :seed line {n}" for n in range(lines)]
    out += ["PING done"]
    writer.write(("\r\n".join(out) + "\r\n").encode())
    await writer.drain()
    seen = b""
    while b"PONG" not in seen:
        seen += await reader.read(65536)
    writer.close()


async def run(repeat: int, lines: int) -> None:
    config = Config(listeners=(Listener("127.0.0.1", 0, "tcp"), Listener("127.0.0.1", 0, "http")))
    server = ChinwagServer(config, MemoryStore())
    await server.start()
    try:
        await seed(server.addresses[0], 60)
        host, port = server.addresses[1]
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
            first: list[float] = []
            for attempt in range(repeat):
                context = await browser.new_context()
                page = await context.new_page()
                start = time.perf_counter()
                await page.goto(f"http://{host}:{port}/")
                await page.fill("#nick", f"bench{attempt}")
                await page.click("#login-button")
                await page.wait_for_selector("#log .row.msg")
                first.append(time.perf_counter() - start)
                if attempt < repeat - 1:
                    await context.close()
            figures = [await page.evaluate(HISTORY_SCRIPT, lines) for _ in range(1)]
            await browser.close()
    finally:
        await server.stop(grace=0.5)
    result = figures[0]
    print(
        f"first message shown: median {statistics.median(first) * 1000:.0f} ms "
        f"(min {min(first) * 1000:.0f}, max {max(first) * 1000:.0f}, {repeat} runs)"
    )
    print(
        f"{lines:,} history lines filed: {result['ingest']:.0f} ms "
        f"({result['ingest'] * 1000 / lines:.1f} us a line)"
    )
    print(
        f"switch to them, {result['cappedRows']:,} rows drawn (the cap): {result['capped']:.0f} ms"
    )
    print(f"switch to them, all {result['rows']:,} rows drawn: {result['uncapped']:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--lines", type=int, default=10_000)
    args = parser.parse_args()
    asyncio.run(run(args.repeat, args.lines))


if __name__ == "__main__":
    main()

"""What the terminal client's log pays for hanging indentation.

Each log line is a two-column grid (time, then the text wrapped under itself) rather than
one text. This renders the same 2,000 lines both ways at a width of 60 and prints the time
per line and the ratio; the chat screen redraws at most ``REDRAWN_LINES`` on a switch.

    .venv/bin/python bench/tui_render.py [--lines 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from rich.console import Console, RenderableType

from chinwag.client.colors import nick_color
from chinwag.client.values import Line, LineKind
from chinwag.tui.chat import REDRAWN_LINES
from chinwag.tui.render import Palette, render_line, render_row

Renderer = Callable[[Line, Callable[[str], str], Palette], RenderableType]


def seconds_per_line(render: Renderer, lines: list[Line], repeat: int) -> float:
    palette = Palette.for_theme(True, None)
    console = Console(width=60, file=io.StringIO(), color_system="truecolor")
    options = console.options.update_width(60)
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        for line in lines:
            console.render_lines(render(line, nick_color, palette), options)
        timings.append((time.perf_counter() - start) / len(lines))
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    now = datetime.now(UTC)
    lines = [
        Line(now, LineKind.MESSAGE, f"message number {index} " * 4, "bo")
        for index in range(args.lines)
    ]
    text = seconds_per_line(render_line, lines, args.repeat)
    grid = seconds_per_line(render_row, lines, args.repeat)
    print(f"one text per line:   {text * 1e3:8.3f} ms/line")
    print(f"time + text grid:    {grid * 1e3:8.3f} ms/line")
    print(f"grid / text:         {grid / text:8.2f}x")
    print(f"a switch redraws {REDRAWN_LINES} lines: about {grid * REDRAWN_LINES * 1e3:.0f} ms")


if __name__ == "__main__":
    main()

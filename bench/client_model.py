"""How much the chat model adds on top of the client core, and what it costs to redraw.

Runs in one process with no network: a burst of room messages (``server-time``, ``msgid``,
``echo-message`` capabilities on) is fed to a :class:`ClientProtocol` alone, then to a
protocol whose events go through :class:`ChatModel` (cleaning, filing, unread counts,
mentions). Prints lines per second for both and their ratio, so a run on a noisy machine is
read as a ratio, not an absolute time.

    .venv/bin/python bench/client_model.py [--lines 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from chinwag.client.chat import ChatModel
from chinwag.client.protocol import ClientProtocol

CAPS = "server-time echo-message batch message-tags multi-prefix away-notify draft/metadata-2"


def registered() -> ClientProtocol:
    """A client core through registration and into #lobby, its output drained."""
    proto = ClientProtocol("ana")
    proto.register()
    proto.receive(f":irc.test CAP * LS :{CAPS}\r\n".encode())
    proto.receive(f":irc.test CAP * ACK :{CAPS}\r\n".encode())
    proto.receive(
        b":irc.test 001 ana :Welcome\r\n"
        b":irc.test 005 ana PREFIX=(ov)@+ CHANTYPES=# :are supported\r\n"
        b":irc.test 376 ana :End of MOTD\r\n"
        b":ana!~ana@h JOIN #lobby\r\n"
        b":irc.test 353 ana = #lobby :ana bo cy\r\n"
        b":irc.test 366 ana #lobby :End\r\n"
    )
    proto.data_to_send()
    return proto


def burst(lines: int) -> bytes:
    """``lines`` room messages, some mentioning us, some with control characters."""
    out = bytearray()
    for index in range(lines):
        text = f"message {index} for ana" if index % 10 == 0 else f"message {index} \x02bold\x02"
        out += (
            f"@time=2026-11-21T12:00:00.000Z;msgid=m{index} :bo!~bo@h PRIVMSG #lobby :{text}\r\n"
        ).encode()
    return bytes(out)


def core_only(data: bytes) -> Callable[[], None]:
    proto = registered()

    def run() -> None:
        proto.receive(data)

    return run


def with_model(data: bytes) -> Callable[[], None]:
    proto = registered()
    model = ChatModel(proto)

    def run() -> None:
        for event in proto.receive(data):
            model.handle(event)

    return run


def best_rate(
    make: Callable[[bytes], Callable[[], None]], data: bytes, lines: int, repeat: int
) -> float:
    rates = []
    for _ in range(repeat):
        run = make(data)
        start = time.perf_counter()
        run()
        rates.append(lines / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data = burst(args.lines)
    core = best_rate(core_only, data, args.lines, args.repeat)
    model = best_rate(with_model, data, args.lines, args.repeat)
    print(f"client core alone:     {core:12,.0f} lines/s")
    print(f"core + chat model:     {model:12,.0f} lines/s")
    print(f"model overhead ratio:  {core / model:12.2f}x the core's time")


if __name__ == "__main__":
    main()

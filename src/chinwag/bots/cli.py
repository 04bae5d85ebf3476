"""``chinwag bot``: its options, and running one bundled bot until Ctrl-C.

``chinwag bot NAME [server]`` connects bot NAME to the server (``localhost`` by default, with
the same address rules as ``chinwag chat``), as the nick NAME unless ``--nick`` says otherwise,
in the rooms given with ``--room`` (``#lobby`` if none). Its memory (scores, games in progress,
rooms it was invited to, and the password it made for its account) lives in
``DATA/chinwag/bots/NICK`` unless ``--data-dir`` says otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

from chinwag.bots.bot import make_settings
from chinwag.bots.catalogue import BUNDLED, UnknownBot, bot_class, listing
from chinwag.bots.host import BotHost, BotOptions, BotStopped, bot_password, rooms_of
from chinwag.client.options import DEFAULT_ROOM, OptionError, check_nick, check_room, parse_server
from chinwag.client.places import user_folder
from chinwag.protocol.casemap import fold


def add_bot_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``chinwag bot``."""
    parser.add_argument("name", nargs="?", help=f"the bot to run: {', '.join(sorted(BUNDLED))}")
    parser.add_argument(
        "server",
        nargs="?",
        help="host[:port] of the server (default localhost), as for chinwag chat",
    )
    parser.add_argument("--list", action="store_true", help="list the bundled bots and stop")
    parser.add_argument("--nick", help="the bot's nick and account (default: its name)")
    parser.add_argument(
        "--room",
        action="append",
        default=[],
        help=f"a room to join (repeat for more; default {DEFAULT_ROOM}); it also joins rooms "
        "it is invited to",
    )
    parser.add_argument("--tls", action="store_true", help="TLS only, as for chinwag chat")
    parser.add_argument(
        "--password-file",
        type=Path,
        metavar="FILE",
        help="the account's password (first line); else CHINWAG_BOT_PASSWORD; else one the "
        "bot makes on first start and keeps in its data directory",
    )
    parser.add_argument("--data-dir", type=Path, help="where the bot keeps its memory")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting of the bot (see docs/bots.md), e.g. --set question_seconds=45",
    )
    parser.add_argument(
        "--no-invites", action="store_true", help="do not join rooms the bot is invited to"
    )
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )


def run_bot_command(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    """Run ``chinwag bot`` with parsed ``args``; the exit status."""
    if args.list:
        for name, summary in listing():
            print(f"{name:10} {summary}")
        return 0
    if not args.name:
        print("chinwag bot: name a bot to run (chinwag bot --list lists them)", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(message)s", datefmt="%H:%M:%S"
    )
    try:
        kind = bot_class(args.name)
        server = parse_server(args.server or "localhost", tls=args.tls)
        nick = check_nick(args.nick or kind.name)
        rooms = rooms_of([check_room(room) for room in args.room] or [DEFAULT_ROOM])
        settings = make_settings(kind.Settings, _pairs(args.set))
        data_dir = args.data_dir or user_folder(environ, "data") / "bots" / fold(nick)
        password = bot_password(data_dir, environ, args.password_file)
    except (UnknownBot, OptionError, BotStopped, ValueError) as error:
        print(f"chinwag bot: {error}", file=sys.stderr)
        return 2
    options = BotOptions(
        host=server.host,
        port=server.port,
        nick=nick,
        password=password,
        data_dir=data_dir,
        rooms=rooms,
        tls=server.tls,
        fallback=server.fallback,
        accept_invites=not args.no_invites,
    )
    host = BotHost(kind, options, settings=settings)
    who = (
        f"the {kind.name} bot" if fold(nick) == fold(kind.name) else f"{nick} (the {kind.name} bot)"
    )
    print(f"{who} is connecting to {server.host}:{server.port}; Ctrl-C stops it")
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_run(host))
    except BotStopped as error:  # the bot refused to start (its on_start found a bad setting)
        print(f"chinwag bot: {error}", file=sys.stderr)
        return 2
    if host.problem is not None:
        print(f"chinwag bot: {host.problem}", file=sys.stderr)
        return 1
    return 0


async def _run(host: BotHost) -> None:
    """Run ``host``; Ctrl-C and SIGTERM (where the loop can catch them) stop it gracefully:
    QUIT sent, the jobs already queued finished, the bot's ``on_stop`` run."""
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, AttributeError, ValueError):  # Windows
            loop.add_signal_handler(number, lambda: loop.create_task(host.stop("Stopped")))
    try:
        await host.run()
    except asyncio.CancelledError:
        await host.stop()
        raise


def _pairs(items: list[str]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not equals or not key.strip():
            raise ValueError(f"--set wants KEY=VALUE, not {item!r}")
        pairs[key.strip()] = value.strip()
    return pairs


__all__ = ["add_bot_arguments", "run_bot_command"]

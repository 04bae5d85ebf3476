"""The ``chinwag`` command: argument parsing only; the work happens in the package.

``chinwag serve`` starts a server (history in the SQLite file of ``[storage]``);
``chinwag chat`` the terminal client (or its plain line mode), logging in to the nick's account
with a password from ``--password-file``, ``--ask-password`` or ``CHINWAG_PASSWORD`` (read
here and only here); ``chinwag gui`` the window client (the same options, a password field
instead of ``--ask-password``; it remembers the last server in a per-user settings file whose
place is found here from the environment); ``chinwag hash-password`` makes
an argon2 hash for an operator block (the only form the config accepts), from a password asked
without echo or piped on standard input;
``chinwag example-config`` prints the commented example configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import gc
import getpass
import logging
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from chinwag import __version__
from chinwag.client.options import DEFAULT_ROOM
from chinwag.client.saved import data_path as rooms_data_path
from chinwag.config import (
    Config,
    ConfigError,
    StorageSettings,
    example_config_text,
    load_config,
)
from chinwag.storage.base import StoreError

if TYPE_CHECKING:
    from chinwag.server.app import PortUnavailableError

log = logging.getLogger("chinwag")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chinwag", description="chinwag: chat rooms that speak IRC."
    )
    parser.add_argument("--version", action="version", version=f"chinwag {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = commands.add_parser(
        "serve",
        help="run a chat server",
        # Raw formatting keeps the epilog's table; so the description is wrapped by hand.
        description="Run a chat server that any IRC client can join. It prints where it\n"
        "listens and what friends on the same network type to join.",
        epilog=SERVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--host", help="address to listen on (default 0.0.0.0)")
    serve.add_argument("--port", type=int, help="plain IRC port (default 6667)")
    serve.add_argument("--tls-port", type=int, help="IRC over TLS port (default 6697)")
    serve.add_argument(
        "--http-port", type=int, help="web page, WebSocket, /healthz, /metrics (default 8097)"
    )
    serve.add_argument("--https-port", type=int, help="the same over TLS (default 8443)")
    serve.add_argument("--config", type=Path, help="TOML configuration file")
    serve.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="how much to print (default INFO: connects, joins, leaves)",
    )

    chat = commands.add_parser("chat", help="chat in the terminal")
    _client_arguments(chat)
    chat.add_argument(
        "--plain",
        action="store_true",
        help="line mode for dumb terminals, pipes and scripts: reads stdin until EOF",
    )
    secret = chat.add_mutually_exclusive_group()
    secret.add_argument(
        "--password-file",
        type=Path,
        metavar="PATH",
        help="log in to your nick's account with the password on the first line of PATH "
        "(default: the CHINWAG_PASSWORD environment variable, if set)",
    )
    secret.add_argument(
        "--ask-password",
        action="store_true",
        help="ask for your account's password (without echo) before connecting",
    )
    chat.add_argument(
        "--theme",
        choices=["auto", "dark", "light"],
        default="auto",
        help="colours for a dark or light terminal (auto: guess from COLORFGBG)",
    )

    gui = commands.add_parser("gui", help="chat in a window")
    _client_arguments(gui, where="asked in the window if left out; default: the last one")
    gui.add_argument(
        "--password-file",
        type=Path,
        metavar="PATH",
        help="fill in the password of your nick's account from the first line of PATH "
        "(default: the CHINWAG_PASSWORD environment variable, if set)",
    )
    gui.add_argument(
        "--theme",
        choices=["auto", "dark", "light"],
        default="auto",
        help="light or dark window (auto: as the system is set)",
    )
    gui.set_defaults(ask_password=False)  # the window has a password field instead

    make_cert = commands.add_parser(
        "make-cert",
        help="make a client certificate for --cert (log in without a password)",
        description="Write a new self-signed client certificate and its key (PEM, readable "
        "only by you) to PATH, print its fingerprint and what to do next. It never "
        "overwrites a file.",
    )
    make_cert.add_argument(
        "path",
        nargs="?",
        type=Path,
        metavar="PATH",
        help="where to write it (default: client.pem in chinwag's per-user data folder)",
    )
    commands.add_parser(
        "hash-password",
        help="print the argon2 hash of a password (asked without echo, or read from a pipe) "
        "for an [[operators]] block",
        description="Print the argon2 hash of a password, for the password of an "
        "[[operators]] block in the configuration (which accepts only hashes). At a "
        "terminal the password is asked twice without echo; otherwise the first line of "
        "standard input is the password. Only the hash is printed.",
    )
    commands.add_parser(
        "example-config",
        help="print the commented example configuration",
        description="Print the example configuration, every setting with its default and "
        "a comment saying what it does: chinwag example-config > chinwag.toml, edit, then "
        "chinwag serve --config chinwag.toml.",
    )
    # Each command's own usage on a wrong option, not the top-level one (see main).
    for name, command in commands.choices.items():
        command.set_defaults(command_parser=command, command=name)
    return parser


SERVE_EPILOG = """\
environment variables (flags win over them, they win over the file):
  CHINWAG_HOST, CHINWAG_PORT    the address to listen on, as --host and --port
  CHINWAG_TLS_PORT, CHINWAG_HTTP_PORT, CHINWAG_HTTPS_PORT
                                as --tls-port, --http-port and --https-port
                                (ports given name exactly the listeners opened;
                                none given: all four on their default ports)
  CHINWAG_CONFIG                the TOML configuration file, as --config
  CHINWAG_<SECTION>_<KEY>       any setting of the file, e.g. CHINWAG_SERVER_NAME,
                                CHINWAG_LIMITS_SENDQ, CHINWAG_STORAGE_PATH

Every setting, with its default and what it does: chinwag example-config
"""


def _client_arguments(
    parser: argparse.ArgumentParser, where: str = "asked on the login screen if left out"
) -> None:
    """The options ``chinwag chat`` and ``chinwag gui`` share: where and as whom."""
    parser.add_argument(
        "server",
        nargs="?",
        help=f"host[:port] of the server ({where}); without a port, TLS on 6697 if the "
        "server offers it, else plain 6667; a port means plain unless --tls "
        "(or ircs://host:port; irc://host:port is always plain)",
    )
    parser.add_argument("--nick", help="your nick")
    parser.add_argument("--color", help="your colour: a name such as teal, or #rrggbb")
    parser.add_argument("--room", default=DEFAULT_ROOM, help=f"room to land in ({DEFAULT_ROOM})")
    parser.add_argument(
        "--tls",
        action="store_true",
        help="TLS only (default port 6697). A certificate no authority vouches for is "
        "trusted on first use: its fingerprint is remembered, and a change is refused",
    )
    parser.add_argument(
        "--cert",
        type=Path,
        metavar="FILE",
        help="client certificate (PEM with its key, see chinwag make-cert) shown over TLS; "
        "without a password it logs you in (SASL EXTERNAL) once added with /cert add",
    )
    parser.add_argument(
        "--no-typing",
        action="store_true",
        help='neither send nor show typing indicators ("bob is typing…")',
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``chinwag`` console script."""
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # The top-level parser would answer `serve --prot` with its own usage, which does
        # not mention serve's options at all.
        command_parser: argparse.ArgumentParser = args.command_parser
        command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command == "example-config":
        sys.stdout.write(example_config_text())
        return 0
    if args.command == "hash-password":
        return _hash_password()
    if args.command == "make-cert":
        from chinwag.client.certificate import make_cert_command

        return make_cert_command(args.path, os.environ)
    if args.command in ("chat", "gui"):
        return _client(args)
    try:
        config = load_config(
            args.config or _env_path(),
            dict(os.environ),
            host=args.host,
            port=args.port,
            tls_port=args.tls_port,
            http_port=args.http_port,
            https_port=args.https_port,
        )
    except ConfigError as error:
        print(f"chinwag: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    return _serve(config)


def _client(args: argparse.Namespace) -> int:
    """``chinwag chat`` and ``chinwag gui``: check the options, then open the client."""
    from chinwag.client.options import (
        ChatOptions,
        OptionError,
        check_cert,
        check_color,
        check_nick,
        check_room,
        parse_server,
    )
    from chinwag.client.places import user_folder

    try:
        server = parse_server(args.server or "localhost", tls=args.tls)
        nick = check_nick(args.nick) if args.nick else ""
        options = ChatOptions(
            host=server.host,
            port=server.port,
            tls=server.tls,
            fallback=server.fallback,
            cert=check_cert(args.cert) if args.cert is not None else None,
            trust_folder=user_folder(os.environ, "data"),
            nick=nick,
            color=check_color(args.color),
            room=check_room(args.room),
            password=_chat_password(args, os.environ),
            typing=not args.no_typing,
        )
    except OptionError as error:
        print(f"chinwag {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C at the password prompt
        print(file=sys.stderr)
        return 130
    if args.command == "gui":
        try:
            from chinwag.gui.app import run_gui
        except ImportError as error:  # Debian's python3 keeps tkinter in python3-tk
            missing = "tkinter (apt install python3-tk)" if "tk" in (error.name or "") else error
            print(f"chinwag gui: this Python cannot open windows: {missing}", file=sys.stderr)
            return 1
        from chinwag.gui.settings import settings_path

        return run_gui(
            replace(options, rooms_path=rooms_data_path(os.environ)),
            ask=not (args.server and args.nick),
            server_given=bool(args.server),
            theme=args.theme,
            settings_path=settings_path(os.environ),
        )
    if args.plain:
        from chinwag.tui.plain import run_plain

        if not options.nick:
            options = replace(options, nick=_default_nick())
        return run_plain(options)
    from chinwag.tui.app import run_app

    options = replace(options, rooms_path=rooms_data_path(os.environ))
    return run_app(options, ask=not (args.server and args.nick), theme=args.theme)


def _chat_password(args: argparse.Namespace, environ: Mapping[str, str]) -> str | None:
    """The account password for ``chinwag chat``: from ``--password-file`` (its first
    line), typed at ``--ask-password``'s prompt, or ``CHINWAG_PASSWORD``; None without any.
    Raises :class:`~chinwag.client.options.OptionError` with a readable message."""
    from chinwag.client.options import OptionError, check_password

    if args.password_file is not None:
        path: Path = args.password_file
        try:
            with path.open(encoding="utf-8") as file:
                first = file.readline()
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise OptionError(
                "password", f"cannot read the password file {path}: {reason}"
            ) from None
        password = first.removesuffix("\n").removesuffix("\r")
        if not password:
            raise OptionError("password", f"the password file {path} starts with an empty line")
        return check_password(password)
    if args.ask_password:
        who = f" for {args.nick}" if args.nick else ""
        return check_password(getpass.getpass(f"Password{who}: "))
    from_environment = environ.get("CHINWAG_PASSWORD")
    return check_password(from_environment) if from_environment else None


def _default_nick() -> str:
    """The login name, as a nick for plain mode when ``--nick`` is left out."""
    try:
        name = getpass.getuser()
    except (OSError, KeyError):
        name = ""
    cleaned = "".join(char for char in name if char.isalnum() or char in "_-[]{}|^`")
    return cleaned.lstrip("0123456789-") or "guest"


def _env_path() -> Path | None:
    value = os.environ.get("CHINWAG_CONFIG")
    return Path(value) if value else None


def _hash_password() -> int:
    """``chinwag hash-password``: the argon2 hash (PHC string) of a password, for the
    ``password`` of an ``[[operators]]`` block. At a terminal the password is asked twice
    without echo; otherwise the first line of standard input is the password, so a script
    (or a test) can pipe it in. Only the hash is printed."""
    from argon2 import PasswordHasher

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if password and password != getpass.getpass("Again: "):
            print("chinwag: the passwords did not match", file=sys.stderr)
            return 1
    else:
        # getpass would read the controlling terminal, not the pipe, when there is one.
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    if not password:
        print("chinwag: no password given", file=sys.stderr)
        return 1
    print(PasswordHasher().hash(password))
    return 0


def _serve(config: Config) -> int:
    from chinwag.server.app import PortUnavailableError

    with contextlib.suppress(ImportError):
        import uvloop  # type: ignore[import-not-found, unused-ignore]

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    try:
        asyncio.run(_run(config))
    except PortUnavailableError as error:
        print(f"chinwag: {_port_problem(error)}", file=sys.stderr)
        return 1
    except StoreError as error:
        print(f"chinwag: cannot open the database: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"chinwag: cannot listen: {error}", file=sys.stderr)
        return 1
    return 0


def _port_problem(error: PortUnavailableError) -> str:
    """A sentence saying why a listener's port cannot be had, and what to do about it."""
    from chinwag.ports import port_holder

    where = f"{error.host}:{error.port}" if error.host else f"port {error.port}"
    other = error.port + 1 if error.port < 65535 else 6668
    if error.errno == errno.EADDRINUSE:
        holder = port_holder(error.port)
        who = (
            f"process {holder.pid} ({holder.name}) is listening there; stop it, or"
            if holder is not None
            else "another program (perhaps another chinwag serve) is listening there;"
        )
        return f"cannot listen on {where}: {who} start on another port with --port {other}."
    if error.errno == errno.EACCES and error.port < 1024:
        return (
            f"cannot listen on {where}: ports below 1024 need administrator rights; "
            f"start on another port with --port {6667 if error.port != 6667 else other}."
        )
    return f"cannot listen on {where}: {error.strerror}."


def _where_history_is(storage: StorageSettings) -> str:
    if storage.backend == "memory" or storage.path is None:
        return "Chat history is kept in memory only and is lost when the server stops."
    return f"Chat history is kept in {storage.path.absolute()}"


async def _run(config: Config) -> None:
    from chinwag.lan import join_hints
    from chinwag.server.app import ChinwagServer, bind_listeners
    from chinwag.storage import open_store

    # The ports first: a port in use must be said before the database is opened (and
    # perhaps migrated) for nothing.
    bound = bind_listeners(config.listeners)
    try:
        store = await open_store(config.storage)
    except BaseException:
        for each in bound:
            each.sock.close()
        raise
    server = ChinwagServer(config, store)
    try:
        await server.start(bound)
    except BaseException:
        await store.close()  # the server owns the store only once it has started
        raise
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows: no loop signal handlers
            signal.signal(signum, lambda *_: loop.call_soon_threadsafe(stop.set))
    # Everything made while starting (modules, the loaded accounts) lives as long as the
    # server: out of the collector's sight, a full collection no longer walks it all, which
    # measured 6 ms of a stalled loop each time at start-up size (a latency spike for every
    # message waiting behind it).
    gc.freeze()
    for host, port in server.addresses:
        print(f"chinwag {__version__} is listening on {host}:{port}", flush=True)
    host, port = server.addresses[0]
    print("Friends on the same network can join with:", flush=True)
    for line in join_hints(config.listeners[0].host, port):
        print(line, flush=True)
    print(_where_history_is(config.storage), flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    await stop.wait()
    log.info("shutting down")
    await server.stop()

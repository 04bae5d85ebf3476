"""The ``chinwag`` command: argument parsing only; the work happens in the package.

``chinwag serve`` starts a server (history in the SQLite file of ``[storage]``);
``chinwag chat`` the terminal client (or its plain line mode), logging in to the nick's account
with a password from ``--password-file``, ``--ask-password`` or ``CHINWAG_PASSWORD`` (read
here and only here); ``chinwag gui`` the window client (the same options, a password field
instead of ``--ask-password``; it remembers the last server in a per-user settings file whose
place is found here from the environment); ``chinwag hash-password`` makes
an argon2 hash for an operator block (the only form the config accepts), from a password asked
without echo or piped on standard input;
``chinwag backup`` copies the SQLite file, ``chinwag migrate`` copies it into PostgreSQL;
``chinwag example-config`` prints the commented example configuration.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
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
    example_config_text,
    load_config,
)

if TYPE_CHECKING:
    pass

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
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="how much to log (default: [log] level, info: connects, joins, leaves)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="run N processes of this server sharing its ports, the kernel spreading "
        "connections over them (default 1; more needs [cluster] redis and no port 0)",
    )
    # How the parent of --workers starts each worker; not for people to type.
    serve.add_argument("--worker-index", type=int, help=argparse.SUPPRESS)

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
    backup = commands.add_parser(
        "backup",
        help="copy the database to a new file while the server runs",
        description="Write a consistent copy of the SQLite database (history, accounts) to "
        "a new file, safely while chinwag serve is running. The database is the one "
        "--config (or CHINWAG_CONFIG and CHINWAG_STORAGE_*) names, as serve would open.",
    )
    backup.add_argument("destination", type=Path, help="the new file to write")
    backup.add_argument("--config", type=Path, help="TOML configuration file")
    migrate = commands.add_parser(
        "migrate",
        help="copy a SQLite database into PostgreSQL (stop the server first)",
        description="Copy everything the SQLite database holds (accounts, history, read "
        "markers, metadata, always-on users, registered rooms, bans) into a PostgreSQL "
        "database, in batches. Stop chinwag serve first. An interrupted copy carries on "
        "where it stopped when run again; a second run copies nothing twice.",
    )
    migrate.add_argument(
        "--from", dest="source", required=True, metavar="sqlite:PATH", help="the SQLite file"
    )
    migrate.add_argument(
        "--to", dest="target", required=True, metavar="DSN", help="postgresql://user@host/db"
    )
    migrate.add_argument(
        "--force",
        action="store_true",
        help="copy into a database that already holds other data (its rows win on a clash)",
    )
    migrate.add_argument(
        "--batch-size", type=int, default=1000, help="rows per transaction (default 1000)"
    )
    bot = commands.add_parser(
        "bot",
        help="run a bundled bot (trivia, hangman, board games, dice); --list lists them",
        description="Run a bundled bot in the rooms given. On first start it registers its "
        "nick as an account, with the password from --password-file, CHINWAG_BOT_PASSWORD, "
        "or one it makes and keeps in its data directory. docs/bots.md says how to write "
        "another.",
    )
    from chinwag.bots.cli import add_bot_arguments

    add_bot_arguments(bot)
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
    if args.command == "bot":
        from chinwag.bots.cli import run_bot_command

        return run_bot_command(args, os.environ)
    if args.command == "backup":
        return _backup(args.config or _env_path(), args.destination)
    if args.command == "migrate":
        return _migrate(args.source, args.target, args.force, args.batch_size)
    from chinwag.serving import serve

    def read_config() -> Config:
        """The configuration from the file, environment and flags (again on SIGHUP)."""
        return load_config(
            args.config or _env_path(),
            dict(os.environ),
            host=args.host,
            port=args.port,
            tls_port=args.tls_port,
            http_port=args.http_port,
            https_port=args.https_port,
        )

    try:
        config = read_config()
    except ConfigError as error:
        print(f"chinwag: {error}", file=sys.stderr)
        return 2
    if args.worker_index is None:
        from chinwag.workers import run_workers, workers_problem

        problem = workers_problem(config, args.workers)
        if problem is not None:
            print(f"chinwag: {problem}", file=sys.stderr)
            return 2
        if args.workers > 1:
            return run_workers(config, args.workers, _serve_options(args), args.log_level)
    return serve(config, read_config, args.log_level, worker=args.worker_index)


def _serve_options(args: argparse.Namespace) -> list[str]:
    """The ``chinwag serve`` options given, as a worker of ``--workers`` is given them (the
    environment it inherits carries the rest)."""
    options: list[str] = []
    for name in ("host", "port", "tls_port", "http_port", "https_port", "config", "log_level"):
        value = getattr(args, name)
        if value is not None:
            # Absolute: a worker reads the file again on SIGHUP, wherever it runs.
            text = str(value.absolute()) if isinstance(value, Path) else str(value)
            options += [f"--{name.replace('_', '-')}", text]
    return options


def _backup(config_path: Path | None, destination: Path) -> int:
    """``chinwag backup``: copy the configured SQLite database to ``destination``."""
    from chinwag.storage.backup import BackupError, backup_database

    try:
        storage = load_config(config_path, dict(os.environ)).storage
    except ConfigError as error:
        print(f"chinwag: {error}", file=sys.stderr)
        return 2
    if storage.backend == "postgresql":
        print(
            "chinwag: the postgresql store is backed up with PostgreSQL's own tools"
            " (pg_dump, or the server's continuous archiving)",
            file=sys.stderr,
        )
        return 1
    if storage.backend != "sqlite" or storage.path is None:
        print(f"chinwag: the {storage.backend} store has no file to back up", file=sys.stderr)
        return 1
    try:
        backup_database(storage.path, destination)
    except BackupError as error:
        print(f"chinwag: {error}", file=sys.stderr)
        return 1
    print(f"Copied {storage.path} to {destination}")
    return 0


def _migrate(source: str, target: str, force: bool, batch_size: int) -> int:
    """``chinwag migrate``: copy the SQLite file ``source`` into the PostgreSQL ``target``,
    printing each table's progress (at most once a second, and when it is done)."""
    import asyncio
    import time

    path = Path(source.removeprefix("sqlite:"))
    if not target.startswith(("postgresql://", "postgres://")):
        print("chinwag: --to must be a postgresql://... DSN", file=sys.stderr)
        return 2
    try:
        from chinwag.storage.base import StoreError
        from chinwag.storage.dsn import public_dsn
        from chinwag.storage.migrate import MigrationError, TableProgress, migrate
    except ImportError:
        print("chinwag: migrate needs asyncpg: pip install 'chinwag[postgres]'", file=sys.stderr)
        return 1
    shown = {"at": 0.0}

    def report(state: TableProgress) -> None:
        now = time.monotonic()
        if state.copied >= state.total or now - shown["at"] >= 1.0:
            shown["at"] = now
            print(f"{state.table}: {state.copied}/{state.total}", flush=True)

    print(f"Copying {path} to PostgreSQL at {public_dsn(target)}", flush=True)
    try:
        result = asyncio.run(
            migrate(path, target, force=force, batch_size=batch_size, report=report)
        )
    except (MigrationError, StoreError) as error:
        print(f"chinwag: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("chinwag: interrupted; run the same command again to carry on", file=sys.stderr)
        return 130
    print(
        f"Done: {result.copied_now} rows copied now, {result.copied_before} by earlier runs."
        ' Point the server at it: [storage] backend = "postgresql" and dsn = the --to DSN.'
    )
    return 0


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

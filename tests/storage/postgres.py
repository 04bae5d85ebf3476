"""A PostgreSQL database of a test's own: a fresh schema on the server that
``CHINWAG_TEST_POSTGRES`` names, dropped afterwards.

Every test that needs PostgreSQL uses :func:`fresh_dsn`: it gives a DSN whose
``search_path`` is a new schema (``chinwag_test_<random>``), so tests running at once, and
other programs sharing the server, never see each other's tables. Without a reachable server
the test is skipped with the reason, except under ``CI=true``, where it fails: CI has the
server, and a silent skip there would hide that nothing was tested.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from tests.conftest import free_port

asyncpg = pytest.importorskip("asyncpg", reason="PostgreSQL tests need asyncpg")

DEFAULT_URL = "postgresql://127.0.0.1:5432/test"
"""The server tests use unless ``CHINWAG_TEST_POSTGRES`` names another (trust auth)."""


def server_url() -> str:
    """The PostgreSQL server (and database) tests make their schemas in."""
    return os.environ.get("CHINWAG_TEST_POSTGRES") or DEFAULT_URL


def with_settings(dsn: str, **settings: str) -> str:
    """``dsn`` with server settings added as query parameters (asyncpg passes parameters it
    does not know as server settings: ``search_path=...``)."""
    parts = urlsplit(dsn)
    query = dict(parse_qsl(parts.query))
    query.update(settings)
    return urlunsplit(parts._replace(query=urlencode(query)))


def unavailable(reason: str) -> None:
    """Skip the test for ``reason``, or fail it under ``CI=true``."""
    message = f"PostgreSQL at {server_url()} is not available: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


async def connect(dsn: str | None = None) -> Any:
    """An ``asyncpg`` connection to ``dsn`` (the test server by default), or the test is
    skipped (failed under CI) if it cannot be reached."""
    try:
        return await asyncpg.connect(dsn or server_url(), timeout=5)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as error:
        unavailable(f"{type(error).__name__}: {error}")
        raise AssertionError("unreachable") from error


@asynccontextmanager
async def fresh_dsn() -> AsyncIterator[str]:
    """A DSN of the test server whose tables go to a new, empty schema; the schema and
    everything in it are dropped when the block ends."""
    admin = await connect()
    schema = f"chinwag_test_{secrets.token_hex(6)}"
    try:
        await admin.execute(f"CREATE SCHEMA {schema}")
        yield with_settings(server_url(), search_path=schema)
    finally:
        await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await admin.close()


def _postgres_bin() -> Path | None:
    """The directory of PostgreSQL's server programs (``initdb``, ``pg_ctl``): Debian keeps
    them in /usr/lib/postgresql/<version>/bin, off the PATH."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return versions[0].parent if versions else None


class PrivateServer:
    """A PostgreSQL server of one test's own, in a temporary directory on a free port, that
    the test may stop and start (the shared server must never be restarted). Made by
    :func:`private_server`.

    initdb refuses to run as root; as root (as CI runs here) the server's programs run as
    the ``postgres`` user through ``runuser``, and its directory belongs to that user.
    """

    def __init__(self, bin_dir: Path, home: Path, port: int, run_as: list[str]) -> None:
        self._bin = bin_dir
        self._home = home
        self._run_as = run_as
        self.port = port
        self.dsn = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        """Where the server listens, as the ``postgres`` superuser (trust auth)."""

    async def _run(self, program: str, *arguments: str) -> None:
        command = [*self._run_as, str(self._bin / program), *arguments]
        done = await asyncio.to_thread(
            subprocess.run, command, capture_output=True, text=True, timeout=60, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed: {done.stdout}{done.stderr}")

    async def init(self) -> None:
        """Make the cluster: trust auth, UTF-8, no fsync (a test's data need not outlive
        a power cut; a restart is what is tested)."""
        await self._run(
            "initdb", "-D", str(self._home / "data"), "-A", "trust", "-U", "postgres",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip

    async def start(self) -> None:
        """Start the server and return once it accepts connections."""
        options = (
            f"-p {self.port} -k {self._home} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c full_page_writes=off"
        )
        log = str(self._home / "log")
        await self._run("pg_ctl", "-D", str(self._home / "data"), "-o", options, "-l", log,
                        "-w", "start")  # fmt: skip

    async def stop(self) -> None:
        """Stop the server the way an operator restarting it would (``-m fast``: sessions
        are ended, nothing committed is lost)."""
        await self._run("pg_ctl", "-D", str(self._home / "data"), "-m", "fast", "-w", "stop")


@asynccontextmanager
async def private_server() -> AsyncIterator[PrivateServer]:
    """A started :class:`PrivateServer` in a new temporary directory, stopped and deleted
    afterwards; the test is skipped (with the reason) where PostgreSQL's server programs
    are missing or cannot run."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    run_as: list[str] = []
    owner = None
    if os.geteuid() == 0:
        import pwd  # POSIX only, like running as root

        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root, and there is no postgres user to run initdb as")
        run_as = ["runuser", "-u", "postgres", "--"]
    # Not under pytest's tmp_path: as root that is root's alone (0700), out of the
    # postgres user's reach. mkdtemp's directory is private to whoever owns it.
    home = Path(tempfile.mkdtemp(prefix="chinwag-pg-"))
    try:
        if owner is not None:
            os.chown(home, owner.pw_uid, owner.pw_gid)
        server = PrivateServer(bin_dir, home, free_port(), run_as)
        try:
            await server.init()
        except (RuntimeError, OSError) as error:
            pytest.skip(f"cannot make a private PostgreSQL server: {error}")
        await server.start()
        try:
            yield server
        finally:
            with contextlib.suppress(RuntimeError):
                await server.stop()
    finally:
        shutil.rmtree(home, ignore_errors=True)

"""Chat history and accounts are readable by the server's user only (issue 24, item 12).

The data directory is made 0700 and the SQLite file, with its -wal and -shm companions,
0600, whatever the umask: another local user reads nobody's messages or password hashes.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from chinwag.storage.sqlite import SqliteStore
from tests.ircclient import IrcClient, is_
from tests.security.conftest import SecureFactory


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The common umask 022, under which files are made world-readable unless asked not to."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("loose_umask")
async def test_a_new_data_directory_and_database_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    database = data / "chinwag.db"
    store = await SqliteStore.open(database)
    try:
        await store.accounts()  # the owner's data is still there for the owner
        assert mode(data) == 0o700
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            assert path.exists(), path
            assert mode(path) == 0o600, path
    finally:
        await store.close()


@pytest.mark.usefixtures("loose_umask")
async def test_an_existing_database_is_made_private_when_opened(tmp_path: Path) -> None:
    database = tmp_path / "chinwag.db"
    store = await SqliteStore.open(database)
    await store.close()
    database.chmod(0o644)  # as an earlier chinwag left it
    store = await SqliteStore.open(database)
    try:
        assert mode(database) == 0o600
    finally:
        await store.close()


@pytest.mark.usefixtures("loose_umask")
async def test_what_a_running_server_writes_stays_private(
    start_server: SecureFactory, tmp_path: Path
) -> None:
    server = await start_server()
    ana = await IrcClient.connect(server.addresses[0])
    await ana.register("ana")
    await ana.send("REGISTER", "*", "*", "hunter2hunter2")
    await ana.expect(is_("REGISTER", "SUCCESS"))
    await ana.send("JOIN", "#room")
    await ana.send("PRIVMSG", "#room", "written down")
    await ana.send("PING", "stored")
    await ana.expect(is_("PONG"))
    files = sorted(tmp_path.glob("chinwag.db*"))
    assert files and all(mode(path) == 0o600 for path in files), [
        (path.name, oct(mode(path))) for path in files
    ]

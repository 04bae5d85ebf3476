"""``chinwag backup``: a consistent copy of the database while the server runs."""

from __future__ import annotations

import asyncio
import stat
import sys
from pathlib import Path

import pytest

from chinwag.cli import main
from chinwag.protocol.casemap import fold
from chinwag.storage.sqlite import SqliteStore
from tests.ircclient import IrcClient
from tests.serve import serve_env, serving


async def backup(tmp_path: Path, destination: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "chinwag",
        "backup",
        str(destination),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=serve_env(tmp_path),
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_a_backup_taken_while_serving_holds_what_was_said(tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    async with serving(tmp_path) as serve:
        ana = await IrcClient.registered(("127.0.0.1", serve.port), "ana", "#lobby")
        await ana.send("CAP", "REQ", "echo-message")
        await ana.expect(lambda line: line.command == "CAP" and line.params[1] == "ACK")
        await ana.send("PRIVMSG", "#lobby", "kept in the backup")
        # The echo is held until the message is committed (durable echo).
        await ana.expect(lambda line: line.command == "PRIVMSG" and line.source.startswith("ana"))

        code, out, err = await backup(tmp_path, copy)

    assert code == 0, err
    assert f"to {copy}" in out
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    store = await SqliteStore.open(copy)
    try:
        said = await store.history(fold("#lobby"), limit=10)
    finally:
        await store.close()
    assert said and said[-1].line.endswith(":kept in the backup")


async def test_a_backup_never_overwrites_a_file(tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    copy.write_text("precious")
    async with serving(tmp_path):
        code, _, err = await backup(tmp_path, copy)
    assert code == 1
    assert "already exists" in err
    assert copy.read_text() == "precious"


def test_a_postgresql_store_is_backed_up_with_postgresqls_tools(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHINWAG_STORAGE_BACKEND", "postgresql")
    monkeypatch.setenv("CHINWAG_STORAGE_DSN", "postgresql://db.example/chinwag")
    monkeypatch.delenv("CHINWAG_CONFIG", raising=False)
    assert main(["backup", str(tmp_path / "copy.db")]) == 1
    assert "pg_dump" in capsys.readouterr().err
    assert not (tmp_path / "copy.db").exists()

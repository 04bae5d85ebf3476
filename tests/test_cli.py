"""The chinwag command line: subcommands, readable errors."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from chinwag.cli import main
from chinwag.config import example_config_text


def test_example_config_prints_the_commented_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["example-config"]) == 0
    assert capsys.readouterr().out == example_config_text()


def test_a_broken_config_file_is_a_readable_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[limits]\nsendq = 'lots'\n")
    assert main(["serve", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "sendq" in err
    assert "Traceback" not in err


def test_a_database_from_a_newer_chinwag_is_a_readable_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "chinwag.db"
    with closing(sqlite3.connect(database)) as db:
        db.execute("PRAGMA user_version = 9999")
    monkeypatch.setenv("CHINWAG_STORAGE_PATH", str(database))

    assert main(["serve", "--host", "127.0.0.1", "--port", "0"]) == 1

    err = capsys.readouterr().err
    assert err.startswith(f"chinwag: cannot open the database: {database} has schema version 9999")
    assert "Traceback" not in err


def test_python_dash_m_runs_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "chinwag", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert result.stdout.startswith("chinwag ")


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["chat", "localhost:99999", "--nick", "ana"], "between 1 and 65535"),
        (["chat", "localhost:http", "--nick", "ana"], "must be a number"),
        (["chat", "not a host", "--nick", "ana"], "not a host name"),
        (["chat", "localhost", "--nick", "two words"], "one word"),
        (["chat", "localhost", "--nick", "ana", "--color", "mauve"], "Unknown colour 'mauve'"),
    ],
)
def test_chat_options_are_checked_before_anything_starts(
    arguments: list[str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(arguments) == 2
    err = capsys.readouterr().err
    assert err.startswith("chinwag chat: ") and problem in err
    assert "Traceback" not in err

"""The chinwag command line: subcommands, readable errors."""

from __future__ import annotations

import subprocess
import sys
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


def test_python_dash_m_runs_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "chinwag", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert result.stdout.startswith("chinwag ")

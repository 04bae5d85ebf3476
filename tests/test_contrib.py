"""The systemd unit in contrib/ starts the program the way chinwag's parser understands."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

from chinwag.cli import _parser

UNIT = Path(__file__).parent.parent / "contrib" / "chinwag.service"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment, method-assign]  # keys are case-sensitive
    parser.read(UNIT)
    return parser


def test_exec_start_is_chinwag_serve_with_a_config_file() -> None:
    command = shlex.split(unit()["Service"]["ExecStart"])
    assert command[0].endswith("/bin/chinwag")
    args = _parser().parse_args(command[1:])
    assert args.command == "serve"
    assert args.config == Path("/etc/chinwag/chinwag.toml")


def test_reload_is_sighup_and_stop_is_sigterm() -> None:
    service = unit()["Service"]
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert service["KillSignal"] == "SIGTERM"
    assert service["StateDirectoryMode"] == "0700"
    assert unit()["Install"]["WantedBy"] == "multi-user.target"

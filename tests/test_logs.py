"""The server's log: one printable line per event, rotated by size, replaced on reload."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from chinwag.config import LogSettings
from chinwag.logs import ConsoleHandler, FileHandler, configure_logging, escape_unprintable

pytestmark = pytest.mark.usefixtures("restore_root_logger")


def test_control_and_bidirectional_characters_are_written_as_escapes() -> None:
    assert escape_unprintable("ana joined #lobby") == "ana joined #lobby"
    assert escape_unprintable("a\x1b[31mred\r\nfake line") == "a\\x1b[31mred\\r\\nfake line"
    assert escape_unprintable("abc\u202eevil") == "abc\\u202eevil"
    assert escape_unprintable("café 🎉") == "café 🎉", "printable non-ASCII is kept"


def test_the_file_rotates_at_its_size_keeping_the_configured_backups(tmp_path: Path) -> None:
    path = tmp_path / "chinwag.log"
    configure_logging(LogSettings(file=str(path), max_bytes=2048, backups=2), console=io.StringIO())
    for number in range(200):
        logging.getLogger("chinwag.server").info("line %d of the test", number)

    assert path.exists()
    assert (tmp_path / "chinwag.log.1").exists() and (tmp_path / "chinwag.log.2").exists()
    assert not (tmp_path / "chinwag.log.3").exists()
    assert path.stat().st_size <= 2048
    assert "line 199 of the test" in path.read_text()


def test_configuring_again_replaces_the_handlers_and_takes_the_new_level(tmp_path: Path) -> None:
    console = io.StringIO()
    configure_logging(LogSettings(file=str(tmp_path / "one.log")), console=console)
    configure_logging(LogSettings(file=str(tmp_path / "two.log"), level="warning"), console=console)
    root = logging.getLogger()
    ours = [h for h in root.handlers if isinstance(h, (ConsoleHandler, FileHandler))]
    assert len(ours) == 2
    logging.getLogger("chinwag.server").info("not shown at warning")
    logging.getLogger("chinwag.server").warning("shown \x1b[2J")
    assert "not shown" not in console.getvalue()
    assert "shown \\x1b[2J" in console.getvalue()
    assert "shown" in (tmp_path / "two.log").read_text()
    assert "shown" not in (tmp_path / "one.log").read_text()


def test_a_log_file_that_cannot_be_opened_leaves_the_old_handlers(tmp_path: Path) -> None:
    console = io.StringIO()
    configure_logging(LogSettings(), console=console)
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OSError):
        configure_logging(LogSettings(file=str(blocker / "under-a-file.log")), console=console)
    logging.getLogger("chinwag.server").warning("still logged")
    assert "still logged" in console.getvalue()


def test_a_tag_starts_every_line_on_the_console_and_in_the_file(tmp_path: Path) -> None:
    console, path = io.StringIO(), tmp_path / "chinwag.log"
    configure_logging(LogSettings(file=str(path)), console=console, tag="box-7-1")
    logging.getLogger("chinwag.server").info("ana connected from %s", "10.0.0.1")

    assert console.getvalue().endswith(" [box-7-1] ana connected from 10.0.0.1\n")
    assert path.read_text().endswith(" chinwag.server: [box-7-1] ana connected from 10.0.0.1\n")

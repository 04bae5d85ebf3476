"""The chinwag command line: subcommands, readable errors."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from chinwag.cli import main
from chinwag.client.options import ChatOptions
from chinwag.config import example_config_text

pytestmark = pytest.mark.usefixtures("restore_root_logger")


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


# -- chinwag chat: where the account password comes from -----------------------------------


@pytest.fixture
def chat_options(monkeypatch: pytest.MonkeyPatch) -> list[ChatOptions]:
    """The options ``chinwag chat --plain`` would run with (plain mode itself is not run)."""
    seen: list[ChatOptions] = []

    def run_plain(options: ChatOptions) -> int:
        seen.append(options)
        return 0

    monkeypatch.setattr("chinwag.tui.plain.run_plain", run_plain)
    monkeypatch.delenv("CHINWAG_PASSWORD", raising=False)
    return seen


CHAT = ["chat", "localhost", "--nick", "ana", "--plain"]


def test_the_password_file_gives_its_first_line(
    tmp_path: Path, chat_options: list[ChatOptions]
) -> None:
    secret = tmp_path / "password"
    secret.write_text("correct horse battery\nnot this\n")
    assert main([*CHAT, "--password-file", str(secret)]) == 0
    [options] = chat_options
    assert options.password == "correct horse battery"
    assert "correct horse" not in repr(options)


def test_the_environment_gives_the_password_when_no_option_does(
    monkeypatch: pytest.MonkeyPatch, chat_options: list[ChatOptions]
) -> None:
    assert main(CHAT) == 0
    monkeypatch.setenv("CHINWAG_PASSWORD", "from the environment")
    assert main(CHAT) == 0
    assert [options.password for options in chat_options] == [None, "from the environment"]


def test_ask_password_prompts_without_echo_before_connecting(
    monkeypatch: pytest.MonkeyPatch, chat_options: list[ChatOptions]
) -> None:
    prompts: list[str] = []

    def getpass(prompt: str) -> str:
        prompts.append(prompt)
        return "typed unseen"

    monkeypatch.setattr("chinwag.cli.getpass.getpass", getpass)
    monkeypatch.setenv("CHINWAG_PASSWORD", "not this one")
    assert main([*CHAT, "--ask-password"]) == 0
    assert prompts == ["Password for ana: "]
    assert chat_options[0].password == "typed unseen"


@pytest.mark.parametrize(
    ("content", "problem"),
    [(None, "cannot read the password file"), ("\nlater\n", "starts with an empty line")],
)
def test_a_password_file_that_gives_no_password_is_a_readable_error(
    tmp_path: Path,
    content: str | None,
    problem: str,
    chat_options: list[ChatOptions],
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = tmp_path / "password"
    if content is not None:
        secret.write_text(content)
    assert main([*CHAT, "--password-file", str(secret)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chinwag chat: ") and problem in err
    assert "Traceback" not in err and chat_options == []


def test_a_password_file_and_ask_password_do_not_go_together(
    tmp_path: Path, chat_options: list[ChatOptions], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main([*CHAT, "--password-file", str(tmp_path / "p"), "--ask-password"])
    assert caught.value.code == 2
    assert "not allowed with" in capsys.readouterr().err


# -- chinwag gui ------------------------------------------------------------------------------


@pytest.fixture
def gui_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, object]]:
    """What ``chinwag gui`` would open the window with (the window itself is not opened)."""
    seen: list[dict[str, object]] = []

    def run_gui(options: ChatOptions, **settings: object) -> int:
        seen.append({"options": options, **settings})
        return 0

    monkeypatch.setattr("chinwag.gui.app.run_gui", run_gui)
    monkeypatch.delenv("CHINWAG_PASSWORD", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return seen


def test_gui_with_server_and_nick_connects_at_once_with_the_chat_options(
    gui_runs: list[dict[str, object]], tmp_path: Path
) -> None:
    assert main(["gui", "192.168.1.5:6668", "--nick", "ana", "--color", "teal"]) == 0
    [run] = gui_runs
    rooms = tmp_path / ".local" / "share" / "chinwag" / "rooms.json"
    assert run["options"] == ChatOptions(
        host="192.168.1.5",
        port=6668,
        nick="ana",
        color="#008787",
        rooms_path=rooms,
        trust_folder=rooms.parent,
    )
    assert run["ask"] is False and run["server_given"] is True
    assert run["theme"] == "auto"
    assert run["settings_path"] == tmp_path / "config" / "chinwag" / "gui.json"


def test_gui_without_a_server_asks_and_starts_from_the_remembered_one(
    gui_runs: list[dict[str, object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHINWAG_PASSWORD", "from the environment")
    assert main(["gui", "--nick", "ana", "--theme", "dark"]) == 0
    [run] = gui_runs
    assert run["ask"] is True and run["server_given"] is False and run["theme"] == "dark"
    options = run["options"]
    assert isinstance(options, ChatOptions) and options.password == "from the environment"


def test_gui_options_are_checked_before_any_window_opens(
    gui_runs: list[dict[str, object]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["gui", "localhost:99999", "--nick", "ana"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chinwag gui: ") and "between 1 and 65535" in err
    assert gui_runs == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11: DISPLAY says where")
def test_gui_without_a_usable_display_says_so_instead_of_a_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("tkinter")
    monkeypatch.setenv("DISPLAY", ":65000")  # no X server there
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert main(["gui", "localhost", "--nick", "ana", "--theme", "light"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("chinwag gui: cannot open a window: ")
    assert ":65000" in err and "Traceback" not in err


def test_gui_on_a_python_without_tkinter_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "tkinter", None)  # "import tkinter" raises ImportError
    monkeypatch.delitem(sys.modules, "chinwag.gui.app", raising=False)
    assert main(["gui", "localhost", "--nick", "ana"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("chinwag gui: this Python cannot open windows: tkinter")
    assert "python3-tk" in err


class Terminal(io.StringIO):
    """Standard input that is a terminal (so the password is asked, not read from it)."""

    def isatty(self) -> bool:
        return True


def test_hash_password_at_a_terminal_asks_twice_without_echo_and_prints_only_the_hash(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    typed = iter(["oper-sesame", "oper-sesame"])
    prompts: list[str] = []

    def getpass(prompt: str) -> str:
        prompts.append(prompt)
        return next(typed)

    monkeypatch.setattr("chinwag.cli.getpass.getpass", getpass)
    monkeypatch.setattr("sys.stdin", Terminal())
    assert main(["hash-password"]) == 0
    printed = capsys.readouterr().out.strip()
    assert prompts == ["Password: ", "Again: "]
    assert PasswordHasher().verify(printed, "oper-sesame")


def test_hash_password_refuses_two_different_passwords_at_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    typed = iter(["oper-sesame", "oper-sesaem"])
    monkeypatch.setattr("chinwag.cli.getpass.getpass", lambda prompt: next(typed))
    monkeypatch.setattr("sys.stdin", Terminal())
    assert main(["hash-password"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "did not match" in captured.err


def test_hash_password_from_an_empty_pipe_is_an_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["hash-password"]) == 1
    assert "no password given" in capsys.readouterr().err


def run_chinwag(*arguments: str) -> subprocess.CompletedProcess[str]:
    """The real ``chinwag`` command (as ``python -m chinwag``), its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "chinwag", *arguments],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_a_misspelt_serve_option_shows_serves_usage_not_the_top_level_one() -> None:
    result = run_chinwag("serve", "--prot", "6668")

    assert result.returncode == 2
    assert result.stderr.startswith("usage: chinwag serve ")
    assert "--port PORT" in result.stderr
    assert "chinwag serve: error: unrecognized arguments: --prot 6668" in result.stderr


def test_serve_help_lists_the_environment_and_points_at_the_example_config() -> None:
    result = run_chinwag("serve", "--help")

    assert result.returncode == 0
    assert "Run a chat server" in result.stdout
    for variable in ("CHINWAG_HOST", "CHINWAG_PORT", "CHINWAG_CONFIG", "CHINWAG_<SECTION>_<KEY>"):
        assert variable in result.stdout
    assert "chinwag example-config" in result.stdout


@pytest.mark.parametrize(
    ("command", "says"),
    [("hash-password", "Print the argon2 hash"), ("example-config", "Print the example")],
)
def test_every_command_says_what_it_is_for_in_its_help(command: str, says: str) -> None:
    result = run_chinwag(command, "--help")

    assert result.returncode == 0
    assert result.stdout.splitlines()[2].startswith(says)


def test_the_example_config_does_not_promise_accounts_for_later() -> None:
    assert "later" not in example_config_text()


def test_an_unusable_tls_certificate_is_a_readable_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-cert.pem"
    path = tmp_path / "tls.toml"
    path.write_text(
        f"[storage]\ndata_dir = '{tmp_path / 'data'}'\n"
        "[[listeners]]\nhost = '127.0.0.1'\nport = 0\nkind = 'tls'\n"
        f"[tls]\ncert = '{missing}'\n"
    )
    assert main(["serve", "--config", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"chinwag: cannot read the TLS certificate {missing}")
    assert "Traceback" not in err

"""The per-user settings file: where it lives on each system, what it keeps, and that a
broken one never stops the window from opening."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chinwag.gui.settings import GuiSettings, load_settings, save_settings, settings_path


def test_on_linux_it_follows_xdg_config_home() -> None:
    environ = {"HOME": "/home/ana", "XDG_CONFIG_HOME": "/home/ana/.cfg"}
    assert settings_path(environ, "linux") == Path("/home/ana/.cfg/chinwag/gui.json")


def test_on_linux_without_xdg_config_home_it_is_in_dot_config() -> None:
    assert settings_path({"HOME": "/home/ana"}, "linux") == Path(
        "/home/ana/.config/chinwag/gui.json"
    )
    # The XDG spec: a relative XDG_CONFIG_HOME is ignored.
    environ = {"HOME": "/home/ana", "XDG_CONFIG_HOME": "relative"}
    assert settings_path(environ, "linux") == Path("/home/ana/.config/chinwag/gui.json")


def test_on_windows_it_is_in_appdata() -> None:
    environ = {"USERPROFILE": r"C:\Users\ana", "APPDATA": r"C:\Users\ana\AppData\Roaming"}
    path = settings_path(environ, "win32")
    assert path == Path(r"C:\Users\ana\AppData\Roaming") / "chinwag" / "gui.json"


def test_on_macos_it_is_in_application_support() -> None:
    path = settings_path({"HOME": "/Users/ana"}, "darwin")
    assert path == Path("/Users/ana/Library/Application Support/chinwag/gui.json")


def test_what_is_saved_is_loaded_back(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "chinwag" / "gui.json"
    settings = GuiSettings(
        host="192.168.1.5",
        port=6668,
        nick="ana",
        color="#008787",
        geometry="900x600+10+20",
        cert="/home/ana/.local/share/chinwag/client.pem",
    )
    assert save_settings(path, settings)
    assert load_settings(path) == settings
    assert [p.name for p in path.parent.iterdir()] == ["gui.json"]  # no temporary file left


def test_there_is_no_place_for_a_password(tmp_path: Path) -> None:
    path = tmp_path / "gui.json"
    save_settings(path, GuiSettings(nick="ana"))
    assert set(json.loads(path.read_text())) == {
        "host",
        "port",
        "tls",
        "nick",
        "color",
        "geometry",
        "typing",
        "cert",  # where the certificate file is; its key stays in that file
    }


def test_no_file_gives_the_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "missing.json") == GuiSettings()


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '"text"', "\xff\xfe"])
def test_a_broken_file_gives_the_defaults(tmp_path: Path, content: str) -> None:
    path = tmp_path / "gui.json"
    path.write_bytes(content.encode("latin-1"))
    assert load_settings(path) == GuiSettings()


def test_each_unusable_value_is_replaced_by_its_default_and_the_rest_kept(
    tmp_path: Path,
) -> None:
    path = tmp_path / "gui.json"
    path.write_text(
        json.dumps(
            {
                "host": "not a host",
                "port": 99999,
                "nick": "ana",
                "color": "mauve",
                "geometry": "huge; rm -rf",
                "password": "ignored",
            }
        )
    )
    assert load_settings(path) == GuiSettings(nick="ana")


def test_a_port_written_as_text_and_a_colour_name_are_understood(tmp_path: Path) -> None:
    path = tmp_path / "gui.json"
    path.write_text(json.dumps({"host": "::1", "port": "6697", "color": "Light Blue"}))
    assert load_settings(path) == GuiSettings(host="::1", port=6697, color="#afd7ff")


def test_a_file_where_the_folder_should_be_is_reported_not_raised(tmp_path: Path) -> None:
    blocker = tmp_path / "chinwag"
    blocker.write_text("a file, not a folder")
    assert not save_settings(blocker / "gui.json", GuiSettings(nick="ana"))


def test_typing_indicators_stay_off_once_turned_off_and_are_on_unless_said_otherwise(
    tmp_path: Path,
) -> None:
    path = tmp_path / "gui.json"
    save_settings(path, GuiSettings(nick="ana", typing=False))
    assert load_settings(path).typing is False
    path.write_text('{"nick": "ana", "typing": "no"}')
    assert load_settings(path).typing is True

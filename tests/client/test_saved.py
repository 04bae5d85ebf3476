"""Rooms remembered between launches (:mod:`chinwag.client.saved`): per server and account,
in a JSON file that a crash or a hand edit cannot turn into an error or a bad JOIN."""

from __future__ import annotations

from pathlib import Path

from chinwag.client.saved import data_path, load_rooms, rooms_key, save_rooms


def test_rooms_come_back_for_the_same_server_and_account_only(tmp_path: Path) -> None:
    path = tmp_path / "chinwag" / "rooms.json"
    save_rooms(path, rooms_key("irc.test:6667", "Ana"), ["#lobby", "#games"])
    save_rooms(path, rooms_key("irc.test:6667", "bo"), ["#bo"])
    assert load_rooms(path, rooms_key("IRC.test:6667", "ana")) == ["#lobby", "#games"]
    assert load_rooms(path, rooms_key("irc.test:6697", "ana")) == []
    assert load_rooms(path, rooms_key("irc.test:6667", "bo")) == ["#bo"]


def test_a_missing_or_mangled_file_remembers_nothing(tmp_path: Path) -> None:
    path = tmp_path / "rooms.json"
    assert load_rooms(path, "k") == []
    path.write_text("{not json", encoding="utf-8")
    assert load_rooms(path, "k") == []
    path.write_text('{"k": ["#ok", "#bad room", "#x,#y", "nohash", 3, "#bel\\u0007"]}')
    assert load_rooms(path, "k") == ["#ok"]


def test_the_data_dir_follows_the_platform() -> None:
    assert data_path({"HOME": "/h"}, "linux") == Path("/h/.local/share/chinwag/rooms.json")
    assert data_path({"HOME": "/h", "XDG_DATA_HOME": "/d"}, "linux") == Path(
        "/d/chinwag/rooms.json"
    )
    assert data_path({"HOME": "/h", "XDG_DATA_HOME": "rel"}, "linux").parts[:3] == (
        "/",
        "h",
        ".local",
    )

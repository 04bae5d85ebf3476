"""Rooms remembered between launches (:mod:`chinwag.client.saved`): per server and account,
in a JSON file that a crash or a hand edit cannot turn into an error or a bad JOIN."""

from __future__ import annotations

from pathlib import Path

from chinwag.client.options import ChatOptions
from chinwag.client.saved import (
    data_path,
    load_rooms,
    remember,
    remembered,
    rooms_key,
    save_rooms,
)
from tests.client.chat_harness import in_lobby


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


def test_joining_and_leaving_rooms_is_remembered_and_the_next_launch_rejoins_them(
    tmp_path: Path,
) -> None:
    options = ChatOptions(host="chat.example", nick="ana", rooms_path=tmp_path / "rooms.json")
    chat = in_lobby()
    changes = chat.join("#games", "ana dee")
    assert changes.rooms
    remember(options, chat.model.remembered_rooms)
    assert remembered(options) == ["#lobby", "#games"]
    changes = chat.feed(":ana!~a@h PART #lobby :bye")
    assert changes.rooms
    remember(options, chat.model.remembered_rooms)
    assert remembered(options) == ["#games"]

    again = options.new_protocol(remembered=remembered(options))

    # The room asked for at start comes first, then what was remembered, each once.
    assert [name for name, _key in again.rooms.values()] == ["#lobby", "#games"]
    elsewhere = ChatOptions(host="other.example", nick="ana", rooms_path=options.rooms_path)
    assert remembered(elsewhere) == []


def test_without_a_rooms_file_nothing_is_remembered_or_written(tmp_path: Path) -> None:
    options = ChatOptions(host="chat.example", nick="ana")
    remember(options, ["#games"])
    assert remembered(options) == []
    assert list(tmp_path.iterdir()) == []

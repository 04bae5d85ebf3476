"""The login form's rules without a window: every mistake is named next to its field, in words,
and what the connection's events say there is drawable by Tk (the news themselves are the
terminal client's too: tests/client/test_login.py)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from chinwag.client import events as ev
from chinwag.client.certificate import make_client_cert
from chinwag.client.colors import PALETTE, parse_color
from chinwag.client.options import ChatOptions
from chinwag.gui.form import (
    LoginFields,
    check_login,
    color_field,
    form_news,
    initial_fields,
    surprise_color,
)
from chinwag.gui.glyphs import NO_GLYPHS
from chinwag.gui.settings import GuiSettings


def fields(**typed: str) -> LoginFields:
    values = {"server": "192.168.1.5", "port": "6667", "nick": "ana"} | typed
    return LoginFields(**values)


def test_a_filled_in_form_gives_the_options_to_connect_with() -> None:
    check = check_login(fields(color="Light Blue", password="secret words"), room="#games")
    assert check.problems == {}
    assert check.options == ChatOptions(
        host="192.168.1.5",
        port=6667,
        nick="ana",
        color="#afd7ff",
        room="#games",
        password="secret words",
    )


def test_empty_server_port_colour_and_password_mean_the_defaults() -> None:
    check = check_login(LoginFields(nick="ana"))
    # No port anywhere: TLS on 6697 if the server offers it, else plain 6667.
    assert check.options == ChatOptions(
        host="localhost", port=6697, tls=True, fallback=6667, nick="ana"
    )
    assert check_login(LoginFields(nick="ana"), tls=True).options == ChatOptions(
        host="localhost", port=6697, tls=True, nick="ana"
    )
    typed_port = check_login(LoginFields(server="localhost", port="6667", nick="ana"))
    assert typed_port.options == ChatOptions(host="localhost", port=6667, nick="ana")
    ircs = check_login(LoginFields(server="ircs://chat.example.org:7000", nick="ana"))
    assert ircs.options == ChatOptions(host="chat.example.org", port=7000, tls=True, nick="ana")


@pytest.mark.parametrize(
    ("server", "host", "port"),
    [
        ("chat.example.org:6668", "chat.example.org", 6668),
        ("[::1]:6668", "::1", 6668),
        ("::1", "::1", 7000),
        ("[fe80::1]", "fe80::1", 7000),
    ],
)
def test_a_port_typed_in_the_server_field_wins_over_the_port_field(
    server: str, host: str, port: int
) -> None:
    options = check_login(fields(server=server, port="7000")).options
    assert options is not None and (options.host, options.port) == (host, port)


@pytest.mark.parametrize(
    ("typed", "field", "words"),
    [
        ({"server": "not a host"}, "server", "is not a host name or an IP address"),
        ({"server": "bad_host!"}, "server", "is not a host name or an IP address"),
        ({"port": "0"}, "port", "between 1 and 65535, not 0"),
        ({"port": "65536"}, "port", "between 1 and 65535, not 65536"),
        ({"port": "http"}, "port", "must be a number, not 'http'"),
        ({"nick": ""}, "nick", "Choose a nick"),
        ({"nick": "two words"}, "nick", "one word, no spaces"),
        ({"color": "mauve"}, "color", "Unknown colour 'mauve'"),
        ({"password": "a\nb"}, "password", "cannot contain line breaks"),
    ],
)
def test_each_mistake_is_named_next_to_its_field(
    typed: dict[str, str], field: str, words: str
) -> None:
    check = check_login(fields(**typed))
    assert check.options is None
    assert list(check.problems) == [field]
    assert words in check.problems[field]


def test_all_mistakes_are_shown_at_once() -> None:
    check = check_login(fields(server="no such place", port="-1", nick="", color="mauve"))
    assert set(check.problems) == {"server", "port", "nick", "color"}


def test_the_colour_field_shows_a_palette_colour_by_name() -> None:
    assert color_field("#008787") == "teal"
    assert color_field("#123456") == "#123456"
    assert color_field(None) == ""


def test_surprise_me_picks_a_palette_colour_and_never_the_one_already_chosen() -> None:
    rng = random.Random(5)
    for current in ["", "teal", "#ff0000", "Light Blue", *PALETTE]:
        chosen = parse_color(current) if current else None
        for _ in range(20):
            name = surprise_color(current, rng)
            assert name in PALETTE
            assert PALETTE[name] != chosen
    seen = {surprise_color("", rng) for _ in range(300)}
    assert seen == set(PALETTE)  # every colour can come up


# -- what the form says while connecting ----------------------------------------------------


ADDRESS = "192.168.1.5:6667"


def test_what_the_server_says_is_cleaned_and_made_displayable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # On a system without any font for emoji (the fonts are the machine's, not the code's).
    monkeypatch.setattr("chinwag.gui.text.system_glyphs", lambda: NO_GLYPHS)
    # 437 (ERR_UNAVAILRESOURCE) has no sentence of our own: the server's words are shown.
    event = ev.NickRejected("a\x1b[31mna", "in use \U0001f600\x07", "437", registered=False)
    news = form_news(event, ADDRESS)
    assert news is not None and news.problem == "ana: in use [grinning face]"


# -- what the form starts with -------------------------------------------------------------


def test_the_form_starts_with_the_command_line_else_what_was_used_last_time() -> None:
    remembered = GuiSettings(host="192.168.1.5", port=6668, nick="bo", color="#ff00af")
    given = ChatOptions(host="chat.example.org", port=6697, nick="ana", password="pw")
    assert initial_fields(given, remembered, server_given=True) == LoginFields(
        server="chat.example.org", port="6697", nick="ana", password="pw", color="pink"
    )
    nothing_given = ChatOptions()
    assert initial_fields(nothing_given, remembered, server_given=False) == LoginFields(
        server="192.168.1.5", port="6668", nick="bo", color="pink"
    )
    assert initial_fields(nothing_given, GuiSettings(), server_given=False) == LoginFields(
        server="localhost", port="6667"
    )


def test_a_client_certificate_field_names_a_usable_file_or_says_why_not(tmp_path: Path) -> None:
    pem = tmp_path / "client.pem"
    make_client_cert(pem)
    usable = check_login(fields(cert=str(pem)))
    assert usable.options is not None and usable.options.cert == pem
    assert check_login(fields()).options is not None
    assert check_login(fields()).options.cert is None  # type: ignore[union-attr]

    pem.with_name("not.pem").write_text("hello")
    for wrong in ("missing.pem", "not.pem"):
        check = check_login(fields(cert=str(tmp_path / wrong)))
        assert check.options is None
        assert set(check.problems) == {"cert"}
        assert check.problems["cert"].startswith(f"cannot use {tmp_path / wrong}")


def test_the_certificate_of_the_command_line_else_the_last_one_fills_the_field() -> None:
    given = ChatOptions(cert=Path("/home/ana/given.pem"))
    remembered = GuiSettings(cert="/home/ana/last.pem")
    assert initial_fields(given, remembered, server_given=False).cert == "/home/ana/given.pem"
    assert initial_fields(ChatOptions(), remembered, server_given=False).cert == (
        "/home/ana/last.pem"
    )

"""Where and as whom a first-party client connects: the checks a person's typing goes through."""

from __future__ import annotations

import pytest

from chinwag.client.options import (
    DEFAULT_PORT,
    DEFAULT_ROOM,
    DEFAULT_TLS_PORT,
    ChatOptions,
    OptionError,
    check_color,
    check_host,
    check_nick,
    check_password,
    check_port,
    check_room,
    parse_address,
)
from chinwag.client.runner import Endpoint


def test_the_default_ports_are_those_of_the_design() -> None:
    assert (DEFAULT_PORT, DEFAULT_TLS_PORT, DEFAULT_ROOM) == (6667, 6697, "#lobby")


# -- parse_address -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("localhost", ("localhost", 6667)),
        ("192.168.1.5", ("192.168.1.5", 6667)),
        ("chat.example.org", ("chat.example.org", 6667)),
        ("  localhost  ", ("localhost", 6667)),
        ("example.org:7000", ("example.org", 7000)),
        ("10.0.0.2:6697", ("10.0.0.2", 6697)),
        ("[::1]:7000", ("::1", 7000)),
        ("[::1]", ("::1", 6667)),
        ("::1", ("::1", 6667)),
        ("fe80::1", ("fe80::1", 6667)),
        ("[2001:db8::5]:6670", ("2001:db8::5", 6670)),
    ],
)
def test_an_address_is_a_host_with_an_optional_port(text: str, expected: tuple[str, int]) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize("text", ["localhost", "::1", "[::1]", "192.168.1.5"])
def test_without_a_port_tls_defaults_to_6697(text: str) -> None:
    assert parse_address(text, tls=True)[1] == 6697


def test_an_explicit_port_wins_over_the_tls_default() -> None:
    assert parse_address("example.org:7000", tls=True) == ("example.org", 7000)
    assert parse_address("[::1]:7000", tls=True) == ("::1", 7000)


@pytest.mark.parametrize("text", ["host:abc", "host:", "[::1]:", "[::1]:x", "host:6667x"])
def test_a_port_that_is_not_a_number_is_a_port_error(text: str) -> None:
    with pytest.raises(OptionError) as caught:
        parse_address(text)
    assert caught.value.field == "port"
    assert "number" in str(caught.value)


@pytest.mark.parametrize("text", ["host:0", "host:65536", "[::1]:0", "host:-1"])
def test_a_port_out_of_range_is_a_port_error(text: str) -> None:
    with pytest.raises(OptionError) as caught:
        parse_address(text)
    assert caught.value.field == "port"
    assert "between 1 and 65535" in str(caught.value)


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_address_asks_for_one(text: str) -> None:
    with pytest.raises(OptionError) as caught:
        parse_address(text)
    assert caught.value.field == "server"
    assert "address" in str(caught.value)


@pytest.mark.parametrize(
    "text",
    ["foo bar", "-x", "x-", "a..b", "under_score", ":6667", "[::1", "[::1]x", "a" * 64],
)
def test_a_bad_host_is_a_server_error(text: str) -> None:
    with pytest.raises(OptionError) as caught:
        parse_address(text)
    assert caught.value.field == "server"


# -- check_host / check_port ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost", "localhost"),
        (" localhost ", "localhost"),
        ("chat.example.org", "chat.example.org"),
        ("chat.example.org.", "chat.example.org."),
        ("my-box", "my-box"),
        ("127.0.0.1", "127.0.0.1"),
        ("::1", "::1"),
        ("2001:DB8::1", "2001:db8::1"),  # IP addresses come back in their normal form
        ("a" * 63, "a" * 63),
    ],
)
def test_check_host_accepts_host_names_and_ip_addresses(host: str, expected: str) -> None:
    assert check_host(host) == expected


@pytest.mark.parametrize(
    "host", ["", "foo bar", "-x", "x-", "a..b", "bad/host", "é.com", "a" * 64, "a." * 127 + "a"]
)
def test_check_host_refuses_what_is_neither(host: str) -> None:
    with pytest.raises(OptionError) as caught:
        check_host(host)
    assert caught.value.field == "server"


@pytest.mark.parametrize(
    ("port", "expected"), [("1", 1), (65535, 65535), (" 6697 ", 6697), ("6667", 6667)]
)
def test_check_port_accepts_1_to_65535_as_text_or_number(port: str | int, expected: int) -> None:
    assert check_port(port) == expected


@pytest.mark.parametrize("port", [0, "0", 65536, "65536", -1, "x", "", "1e3", "66.5"])
def test_check_port_refuses_anything_else_with_a_port_error(port: str | int) -> None:
    with pytest.raises(OptionError) as caught:
        check_port(port)
    assert caught.value.field == "port"


def test_an_option_error_is_a_value_error_with_a_readable_message() -> None:
    with pytest.raises(ValueError, match="must be a number, not 'x'"):
        check_port("x")


# -- check_nick ----------------------------------------------------------------------------


def test_check_nick_strips_surrounding_space() -> None:
    assert check_nick("  ana ") == "ana"
    assert check_nick("Ana_[2]") == "Ana_[2]"


@pytest.mark.parametrize("nick", ["", "   "])
def test_an_empty_nick_asks_for_one(nick: str) -> None:
    with pytest.raises(OptionError, match="Choose a nick") as caught:
        check_nick(nick)
    assert caught.value.field == "nick"


@pytest.mark.parametrize("nick", ["two words", "tab\there", "new\nline", ":colon"])
def test_a_nick_with_spaces_or_a_leading_colon_cannot_be_sent(nick: str) -> None:
    with pytest.raises(OptionError) as caught:
        check_nick(nick)
    assert caught.value.field == "nick"


# -- check_color ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("color", "expected"),
    [
        ("teal", "#008787"),
        ("Light Blue", "#afd7ff"),
        ("light blue", "#afd7ff"),
        ("PINK", "#ff00af"),
        ("#FF0000", "#ff0000"),
        ("#abc", "#aabbcc"),
        ("ff00af", "#ff00af"),
    ],
)
def test_check_color_takes_palette_names_and_hex(color: str, expected: str) -> None:
    assert check_color(color) == expected


@pytest.mark.parametrize("color", [None, "", "   "])
def test_no_colour_stays_none(color: str | None) -> None:
    assert check_color(color) is None


@pytest.mark.parametrize("color", ["mauve", "#12345", "#gggggg", "abc", "light  bleu"])
def test_an_invalid_colour_is_a_color_error_naming_the_choices(color: str) -> None:
    with pytest.raises(OptionError) as caught:
        check_color(color)
    assert caught.value.field == "color"
    assert "teal" in str(caught.value)


# -- check_room ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("room", "expected"),
    [
        ("games", "#games"),
        ("#games", "#games"),
        (" #games ", "#games"),
        ("&local", "&local"),
        ("", DEFAULT_ROOM),
        ("  ", DEFAULT_ROOM),
    ],
)
def test_check_room_adds_the_hash_when_missing(room: str, expected: str) -> None:
    assert check_room(room) == expected


@pytest.mark.parametrize(
    "room", ["two words", "#a,#b", "#bell\x07", "#new\nline", "#car\rriage", "#tab\tbed", "#nul\0"]
)
def test_a_room_name_with_spaces_commas_or_control_characters_is_refused(room: str) -> None:
    with pytest.raises(OptionError) as caught:
        check_room(room)
    assert caught.value.field == "room"


# -- ChatOptions ---------------------------------------------------------------------------


def test_chat_options_default_to_the_local_server_and_the_lobby() -> None:
    options = ChatOptions()
    assert (options.host, options.port, options.tls, options.room) == (
        "localhost",
        6667,
        False,
        "#lobby",
    )
    assert options.address == "localhost:6667"


def test_the_endpoint_carries_host_port_tls_and_the_fallback() -> None:
    options = ChatOptions(host="chat.example.org", port=7000, tls=True, nick="ana")
    assert options.endpoint == Endpoint("chat.example.org", 7000, True, None)
    default = ChatOptions(host="chat.example.org", port=6697, tls=True, fallback=6667)
    assert default.endpoint == Endpoint("chat.example.org", 6697, True, 6667)


def test_the_address_puts_ipv6_in_brackets() -> None:
    assert ChatOptions(host="192.168.1.5", port=6697).address == "192.168.1.5:6697"
    assert ChatOptions(host="::1", port=7000).address == "[::1]:7000"


def test_a_parsed_address_round_trips_through_chat_options() -> None:
    for text in ["localhost:6667", "[::1]:7000", "10.0.0.2:6697"]:
        host, port = parse_address(text)
        assert ChatOptions(host=host, port=port).address == text


# -- the account password ------------------------------------------------------------------


def test_a_password_is_taken_as_typed_if_it_can_be_sent() -> None:
    assert check_password(" correct horse ") == " correct horse "  # spaces are its own
    assert check_password("ü" * 150) == "ü" * 150  # 300 bytes


@pytest.mark.parametrize(
    ("password", "problem"),
    [("", "Type the password"), ("a\nb", "line breaks"), ("a\0b", "line breaks"),
     ("ü" * 151, "at most 300 bytes")],
)  # fmt: skip
def test_a_password_that_cannot_be_sent_is_refused(password: str, problem: str) -> None:
    with pytest.raises(OptionError, match=problem) as caught:
        check_password(password)
    assert caught.value.field == "password"


def test_the_password_never_shows_in_the_options_repr() -> None:
    options = ChatOptions(nick="ana", password="correct horse")
    assert "correct horse" not in repr(options)

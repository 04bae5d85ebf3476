"""What plain mode needs from its terminal (:mod:`chinwag.tui.terminal`): whether to colour,
whether the background is light, lines of stdin as they arrive, and echo turned off and on."""

from __future__ import annotations

import asyncio
import io
import os

import pytest

from chinwag.tui.terminal import TerminalEcho, light_background, stdin_lines, wants_ansi

TIMEOUT = 5.0


@pytest.mark.parametrize(
    ("colorfgbg", "light"),
    [
        (None, False),
        ("", False),
        ("15;0", False),
        ("0;15", True),
        ("0;7", True),
        ("0;default;7", True),
        ("7;8", False),
    ],
)
def test_colorfgbg_names_a_light_background_by_its_last_field(
    colorfgbg: str | None, light: bool
) -> None:
    assert light_background(colorfgbg) is light


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "env", "colours"),
    [
        (Terminal(), {}, True),
        (Terminal(), {"NO_COLOR": ""}, True),
        (Terminal(), {"NO_COLOR": "1"}, False),
        (Terminal(), {"TERM": "dumb"}, False),
        (io.StringIO(), {}, False),
    ],
    ids=["terminal", "empty NO_COLOR", "NO_COLOR", "dumb terminal", "pipe or file"],
)
def test_colours_only_on_a_terminal_that_wants_them(
    stream: io.StringIO, env: dict[str, str], colours: bool
) -> None:
    assert wants_ansi(stream, env) is colours


async def test_stdin_lines_come_from_a_pipe_as_they_arrive_even_split_inside_a_character() -> None:
    read_fd, write_fd = os.pipe()
    with open(read_fd, encoding="utf-8") as stream:
        lines = stdin_lines(stream)
        first = "héllo\r\nwö".encode()
        os.write(write_fd, first[:-1])  # the second byte of "ö" comes with the next write
        async with asyncio.timeout(TIMEOUT):
            assert await anext(lines) == "héllo"
            os.write(write_fd, first[-1:] + b"rld\nno newline at the end")
            os.close(write_fd)
            assert [text async for text in lines] == ["wörld", "no newline at the end"]


async def test_stdin_lines_also_come_from_a_text_stream_without_a_file() -> None:
    async with asyncio.timeout(TIMEOUT):
        lines = [text async for text in stdin_lines(io.StringIO("one\ntwo\r\n\nthree"))]
    assert lines == ["one", "two", "", "three"]


def test_terminal_echo_is_only_for_a_terminal() -> None:
    assert TerminalEcho.of(io.StringIO()) is None


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_terminal_echo_turns_the_echo_of_a_real_terminal_off_and_back_on() -> None:
    import termios

    leader, follower = os.openpty()
    try:
        with open(follower, encoding="utf-8", closefd=False) as stream:
            echo = TerminalEcho.of(stream)
            assert echo is not None
            before = termios.tcgetattr(follower)
            echo.hide()
            hidden = termios.tcgetattr(follower)[3]
            assert not hidden & termios.ECHO and hidden & termios.ECHONL
            assert hidden & termios.ICANON  # still whole lines, Enter ends the password
            echo.show()
            assert termios.tcgetattr(follower) == before
            echo.show()  # twice is harmless
            assert termios.tcgetattr(follower) == before
    finally:
        os.close(leader)
        os.close(follower)

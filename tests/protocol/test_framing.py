"""Framing: bytes in, checked lines out, with the length limits and forbidden bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chinwag.protocol.errors import (
    ForbiddenCharacters,
    InputTooLong,
    InvalidUtf8,
    MalformedMessage,
    ProtocolError,
)
from chinwag.protocol.framing import (
    MAX_BODY_BYTES,
    MAX_LINE_BYTES,
    MAX_TAG_BYTES,
    LineFramer,
    check_line,
    fit_line,
    truncate_utf8,
)


def feed_all(*chunks: bytes) -> list[str | ProtocolError]:
    framer = LineFramer()
    out: list[str | ProtocolError] = []
    for chunk in chunks:
        out.extend(framer.feed(chunk))
    return out


def only_lines(items: list[str | ProtocolError]) -> list[str]:
    assert all(isinstance(item, str) for item in items), items
    return [item for item in items if isinstance(item, str)]


# -- terminators --------------------------------------------------------------------------


def test_crlf_terminates_a_line() -> None:
    assert feed_all(b"NICK ana\r\nUSER a 0 * :A\r\n") == ["NICK ana", "USER a 0 * :A"]


def test_bare_lf_terminates_a_line() -> None:
    assert feed_all(b"NICK ana\nUSER a 0 * :A\n") == ["NICK ana", "USER a 0 * :A"]


def test_mixed_terminators() -> None:
    assert feed_all(b"A\r\nB\nC\r\n") == ["A", "B", "C"]


def test_empty_lines_are_skipped() -> None:
    assert feed_all(b"\r\n\n\r\nPING x\r\n\r\n") == ["PING x"]


def test_an_unfinished_line_waits_for_its_terminator() -> None:
    framer = LineFramer()
    assert framer.feed(b"PRIVMSG #c :hel") == []
    assert framer.pending == len(b"PRIVMSG #c :hel")
    assert framer.feed(b"lo\r") == []
    assert framer.feed(b"\n") == ["PRIVMSG #c :hello"]
    assert framer.pending == 0


def test_a_framer_holds_a_buffer_only_while_a_line_is_unfinished() -> None:
    # Issue 20: between reads of whole lines, the usual case, a connection keeps no buffer.
    framer = LineFramer()
    assert framer.feed(b"NICK ana\r\nUSER a 0 * :A\r\n") == ["NICK ana", "USER a 0 * :A"]
    assert framer._buffer is None and framer.pending == 0
    assert framer.feed(b"PING :x\r\nPRIV") == ["PING :x"]
    assert framer.pending == 4
    assert framer.feed(b"MSG bo :hi\r\n") == ["PRIVMSG bo :hi"]
    assert framer._buffer is None


def test_utf8_split_across_chunks_is_decoded_whole() -> None:
    data = "PRIVMSG #c :héllo ☃\r\n".encode()
    cut = data.index("☃".encode()) + 1  # in the middle of the snowman
    assert feed_all(data[:cut], data[cut:]) == ["PRIVMSG #c :héllo ☃"]


lines_strategy = st.lists(
    st.text(
        st.characters(blacklist_characters="\r\n\0", codec="utf-8"),
        min_size=1,
        max_size=60,
    ),
    min_size=1,
    max_size=12,
)


@given(lines_strategy, st.lists(st.integers(min_value=0, max_value=2000), max_size=20))
def test_chunking_never_changes_the_lines(lines: list[str], cuts: list[int]) -> None:
    stream = b"".join(line.encode() + b"\r\n" for line in lines)
    points = sorted({cut % (len(stream) + 1) for cut in cuts})
    chunks = [stream[a:b] for a, b in zip([0, *points], [*points, len(stream)], strict=True)]
    assert only_lines(feed_all(*chunks)) == lines
    assert only_lines(feed_all(stream)) == lines


@given(lines_strategy)
def test_byte_at_a_time_gives_the_same_lines(lines: list[str]) -> None:
    stream = b"".join(line.encode() + b"\n" for line in lines)
    assert only_lines(feed_all(*(stream[i : i + 1] for i in range(len(stream))))) == lines


# -- length limits ------------------------------------------------------------------------


def _body(size: int) -> bytes:
    """A line body of exactly ``size`` bytes (without terminator)."""
    head = b"PRIVMSG #c :"
    return head + b"x" * (size - len(head))


def test_body_of_510_bytes_plus_crlf_is_accepted() -> None:
    body = _body(MAX_BODY_BYTES - 2)
    assert feed_all(body + b"\r\n") == [body.decode()]
    assert feed_all(body + b"\n") == [body.decode()]


def test_body_of_511_bytes_is_too_long() -> None:
    (error,) = feed_all(_body(MAX_BODY_BYTES - 1) + b"\r\n")
    assert isinstance(error, InputTooLong)
    assert error.numeric == "417"
    assert error.command == "PRIVMSG"


def test_body_limit_counts_bytes_not_characters() -> None:
    head = b"PRIVMSG #c :"
    snowmen = "☃".encode() * ((MAX_BODY_BYTES - 2 - len(head)) // 3)
    fits = head + snowmen + b"x" * (MAX_BODY_BYTES - 2 - len(head) - len(snowmen))
    assert feed_all(fits + b"\r\n") == [fits.decode()]
    assert isinstance(feed_all(fits + "☃".encode() + b"\r\n")[0], InputTooLong)


def _tags(size: int) -> bytes:
    """A tag section of exactly ``size`` bytes, ``@`` and trailing space included."""
    return b"@a=" + b"v" * (size - 4) + b" "


def test_tag_section_of_8191_bytes_is_accepted() -> None:
    line = _tags(MAX_TAG_BYTES) + b"TAGMSG #c"
    assert len(line) - len(b"TAGMSG #c") == 8191
    assert feed_all(line + b"\r\n") == [line.decode()]


def test_tag_section_of_8192_bytes_is_too_long() -> None:
    (error,) = feed_all(_tags(MAX_TAG_BYTES + 1) + b"TAGMSG #c\r\n")
    assert isinstance(error, InputTooLong)
    assert error.command == "TAGMSG"


def test_full_tags_and_full_body_together_are_accepted() -> None:
    line = _tags(MAX_TAG_BYTES) + _body(MAX_BODY_BYTES - 2)
    assert feed_all(line + b"\r\n") == [line.decode()]
    assert isinstance(feed_all(line + b"x\r\n")[0], InputTooLong)


def test_tag_bytes_do_not_count_against_the_body() -> None:
    line = _tags(4000) + _body(MAX_BODY_BYTES - 2)
    assert feed_all(line + b"\r\n") == [line.decode()]


def test_tags_without_a_body_are_measured_as_tags() -> None:
    assert check_line(b"@" + b"a" * (MAX_TAG_BYTES - 1)) == "@" + "a" * (MAX_TAG_BYTES - 1)
    assert isinstance(check_line(b"@" + b"a" * MAX_TAG_BYTES), InputTooLong)


def test_overlong_line_does_not_disturb_the_next() -> None:
    out = feed_all(_body(600) + b"\r\nPING x\r\n")
    assert isinstance(out[0], InputTooLong)
    assert out[1:] == ["PING x"]


def test_endless_line_is_answered_once_and_not_buffered() -> None:
    framer = LineFramer()
    errors: list[str | ProtocolError] = []
    for _ in range(200):  # 200 KB without a newline
        errors.extend(framer.feed(b"PRIVMSG #c :" + b"x" * 1012))
        assert framer.pending <= MAX_LINE_BYTES
    assert len(errors) == 1
    assert isinstance(errors[0], InputTooLong)
    assert errors[0].command == "PRIVMSG"
    # The rest of the refused line, up to its newline, is dropped; then framing resumes.
    assert framer.feed(b"still the same line\r\nPING after\r\n") == ["PING after"]
    assert framer.pending == 0


def test_discarding_keeps_nothing_between_feeds() -> None:
    framer = LineFramer()
    framer.feed(b"x" * (MAX_LINE_BYTES + 1))
    assert framer.pending == 0
    assert framer.feed(b"y" * 100) == []
    assert framer.pending == 0


def test_longest_possible_unfinished_line_is_still_waited_for() -> None:
    framer = LineFramer()
    line = _tags(MAX_TAG_BYTES) + _body(MAX_BODY_BYTES - 2)
    assert framer.feed(line + b"\r") == []
    assert framer.feed(b"\n") == [line.decode()]


# -- forbidden bytes and encoding ---------------------------------------------------------


@pytest.mark.parametrize(
    "data", [b"PRIVMSG #c :a\0b\r\n", b"PRIVMSG #c :a\rb\r\n", b"PING x\r\r\n"]
)
def test_nul_and_bare_cr_are_forbidden(data: bytes) -> None:
    (error,) = feed_all(data)
    assert isinstance(error, ForbiddenCharacters)
    assert isinstance(error, MalformedMessage)
    assert error.numeric == "400"


def test_invalid_utf8_is_refused_with_a_fail() -> None:
    (error,) = feed_all(b"PRIVMSG #c :caf\xe9\r\n")
    assert isinstance(error, InvalidUtf8)
    assert error.fail_code == "INVALID_UTF8"
    assert error.numeric is None
    assert error.command == "PRIVMSG"


def test_error_names_the_command_after_tags_and_source() -> None:
    (error,) = feed_all(b"@a=b :ana!u@h privmsg #c :\xff\r\n")
    assert isinstance(error, InvalidUtf8)
    assert error.command == "PRIVMSG"


def test_error_without_a_recognisable_command_says_star() -> None:
    (error,) = feed_all(b"\xff\xfe\r\n")
    assert isinstance(error, InvalidUtf8)
    assert error.command == "*"


def test_a_bad_line_does_not_disturb_its_neighbours() -> None:
    out = feed_all(b"PING a\r\nPING \xff\r\nPING c\r\n")
    assert out[0] == "PING a"
    assert isinstance(out[1], InvalidUtf8)
    assert out[2] == "PING c"


def test_truncate_utf8_cuts_at_a_character_and_keeps_what_fits() -> None:
    assert truncate_utf8("short", 510) == "short"
    assert truncate_utf8("aé€😀", 3) == "aé"  # the cut through € drops all of it
    assert truncate_utf8("aé€😀", 6) == "aé€"
    assert truncate_utf8("é" * 300, 511) == "é" * 255


def test_fit_line_cuts_the_trailing_parameter_of_a_line_over_512_bytes() -> None:
    head = b"@time=2024-01-01T00:00:00.000Z :irc.test 352 me #room "
    line = head + b"u h irc.test mal H :0 " + "😀".encode() * 200 + b"\r\n"
    fitted = fit_line(line)
    tags, body = fitted.split(b" ", 1)
    assert tags == b"@time=2024-01-01T00:00:00.000Z"
    assert 509 <= len(body) <= 512 and body.endswith(b"\r\n")
    assert line.startswith(fitted[:-2])
    fitted.decode("utf-8")  # no character was cut in two
    short = b":a PRIVMSG b :hi\r\n"
    assert fit_line(short) is short

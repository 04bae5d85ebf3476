"""The message grammar: parsing, serialisation, tag escaping and the errors the parser raises.

Vectors from the public IRC parser tests (``irc-parser-tests``), then properties checked with
hypothesis, then the edge cases a peer can throw at us.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from parser_tests.data import msg_join, msg_split  # type: ignore[import-untyped]

from chinwag.protocol.errors import EmptyMessage, MalformedMessage, ProtocolError
from chinwag.protocol.message import (
    Message,
    escape_tag_value,
    parse,
    parse_tags,
    serialize_tags,
    unescape_tag_value,
)

SPLIT_VECTORS: list[dict[str, Any]] = msg_split["tests"]
JOIN_VECTORS: list[dict[str, Any]] = msg_join["tests"]


def _atoms_of(message: Message) -> dict[str, Any]:
    """A message in the vectors' shape, for comparison (commands compared upper-cased)."""
    return {
        "tags": dict(message.tags),
        "source": message.source,
        "verb": message.command.upper(),
        "params": list(message.params),
    }


def _expected(atoms: dict[str, Any]) -> dict[str, Any]:
    return {
        "tags": {key: value or "" for key, value in (atoms.get("tags") or {}).items()},
        "source": atoms.get("source"),
        "verb": atoms["verb"].upper(),
        "params": list(atoms.get("params", [])),
    }


def _message_from(atoms: dict[str, Any]) -> Message:
    return Message(
        atoms["verb"],
        tuple(atoms.get("params", [])),
        atoms.get("source"),
        {key: value or "" for key, value in (atoms.get("tags") or {}).items()},
    )


# -- public vectors -----------------------------------------------------------------------


@pytest.mark.parametrize("vector", SPLIT_VECTORS, ids=[vector["input"] for vector in SPLIT_VECTORS])
def test_split_vector_parses_to_its_atoms(vector: dict[str, Any]) -> None:
    assert _atoms_of(parse(vector["input"])) == _expected(vector["atoms"])


def test_parser_upper_cases_the_verb() -> None:
    assert parse("privmsg #a :hi").command == "PRIVMSG"
    assert parse(":src 001 ana :hi").command == "001"


@pytest.mark.parametrize("vector", JOIN_VECTORS, ids=[vector["desc"] for vector in JOIN_VECTORS])
def test_join_vector_serialises_to_an_accepted_line(vector: dict[str, Any]) -> None:
    line = _message_from(vector["atoms"]).to_line()
    assert line in vector["matches"]


@pytest.mark.parametrize("vector", JOIN_VECTORS, ids=[vector["desc"] for vector in JOIN_VECTORS])
def test_join_vector_output_parses_back_to_the_same_atoms(vector: dict[str, Any]) -> None:
    line = _message_from(vector["atoms"]).to_line()
    assert _atoms_of(parse(line)) == _expected(vector["atoms"])


# -- properties ---------------------------------------------------------------------------

_WIRE_UNSAFE = "\r\n\0"

tag_keys = st.from_regex(r"\+?[A-Za-z0-9][A-Za-z0-9\-./]{0,20}", fullmatch=True)
tag_values = st.text(st.characters(blacklist_characters="\0", codec="utf-8"), max_size=30)
sources = st.text(
    st.characters(blacklist_characters=" " + _WIRE_UNSAFE, codec="utf-8"),
    min_size=1,
    max_size=30,
)
commands = st.from_regex(r"[A-Z]{1,12}|[0-9]{3}", fullmatch=True)
middle_params = st.text(
    st.characters(blacklist_characters=" " + _WIRE_UNSAFE, codec="utf-8"),
    min_size=1,
    max_size=20,
).filter(lambda param: not param.startswith(":"))
trailing_params = st.text(
    st.characters(blacklist_characters=_WIRE_UNSAFE, codec="utf-8"), max_size=40
)


@st.composite
def messages(draw: st.DrawFn) -> Message:
    """Any message that can be sent: valid tags, source, command and parameters."""
    tags = draw(st.dictionaries(tag_keys, tag_values, max_size=4))
    source = draw(st.none() | sources)
    params = draw(st.lists(middle_params, max_size=5))
    if draw(st.booleans()):
        params.append(draw(trailing_params))
    return Message(draw(commands), tuple(params), source, tags)


@given(messages())
def test_any_valid_message_survives_a_round_trip(message: Message) -> None:
    assert parse(message.to_line()) == message


@given(messages())
def test_to_bytes_is_the_utf8_line_with_crlf(message: Message) -> None:
    data = message.to_bytes()
    assert data.endswith(b"\r\n")
    assert data[:-2].decode("utf-8") == message.to_line()
    assert b"\r" not in data[:-2] and b"\n" not in data[:-2]


@given(st.text())
def test_tag_value_escaping_round_trips_any_text(value: str) -> None:
    escaped = escape_tag_value(value)
    assert unescape_tag_value(escaped) == value
    assert not set(escaped) & set("; \r\n")


@given(st.dictionaries(tag_keys, tag_values, max_size=5))
def test_tag_section_round_trips(tags: dict[str, str]) -> None:
    assert parse_tags(serialize_tags(tags)) == tags


# -- tags ---------------------------------------------------------------------------------


def test_tag_escapes_follow_the_spec() -> None:
    assert escape_tag_value("a;b c\\d\r\ne") == "a\\:b\\sc\\\\d\\r\\ne"


def test_unknown_escape_drops_the_backslash_and_a_lone_one_vanishes() -> None:
    assert unescape_tag_value("a\\bc") == "abc"
    assert unescape_tag_value("abc\\") == "abc"


def test_repeated_tag_key_keeps_the_last_value() -> None:
    assert parse("@a=1;a=2 PING x").tags == {"a": "2"}


def test_tag_without_value_and_with_empty_value_are_both_empty() -> None:
    assert parse("@a;b= PING x").tags == {"a": "", "b": ""}


def test_tag_with_empty_value_is_sent_as_a_bare_key() -> None:
    assert Message("PING", ("x",), None, {"a": ""}).to_line() == "@a PING x"


def test_client_only_tags_keep_their_plus() -> None:
    assert parse("@+typing=active TAGMSG #c").tags == {"+typing": "active"}


def test_with_tags_adds_and_without_tags_removes() -> None:
    message = Message("PRIVMSG", ("#c", "hi"), "ana", {"a": "1"})
    assert message.with_tags({"b": "2"}).tags == {"a": "1", "b": "2"}
    assert message.with_tags({"a": "3"}).tags == {"a": "3"}
    assert message.without_tags().tags == {}
    assert message.tags == {"a": "1"}  # the original is unchanged


# -- spacing ------------------------------------------------------------------------------


def test_runs_of_spaces_between_parts_are_accepted() -> None:
    message = parse("@a=b   :src   PRIVMSG   #c    :hello  there ")
    assert message == Message("PRIVMSG", ("#c", "hello  there "), "src", {"a": "b"})


def test_only_the_space_character_separates_parameters() -> None:
    assert parse("FOO a\tb c").params == ("a\tb", "c")
    assert parse("FOO a\xa0b\x0bc d").params == ("a\xa0b\x0bc", "d")


def test_trailing_parameter_directly_after_the_command() -> None:
    assert parse("AWAY :").params == ("",)
    assert parse("AWAY :gone for lunch").params == ("gone for lunch",)


def test_colon_inside_a_middle_parameter_is_kept() -> None:
    assert parse("PRIVMSG a:b :c").params == ("a:b", "c")


def test_last_parameter_gets_a_colon_only_when_it_needs_one() -> None:
    assert Message("PRIVMSG", ("#c", "hi")).to_line() == "PRIVMSG #c hi"
    assert Message("PRIVMSG", ("#c", "hi there")).to_line() == "PRIVMSG #c :hi there"
    assert Message("PRIVMSG", ("#c", ":)")).to_line() == "PRIVMSG #c ::)"
    assert Message("AWAY", ("",)).to_line() == "AWAY :"


# -- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize("line", ["", " ", "     "])
def test_blank_line_is_an_empty_message(line: str) -> None:
    with pytest.raises(EmptyMessage):
        parse(line)


@pytest.mark.parametrize("line", ["@a=b", "@a=b ", ":src", ":src   ", "@a=b :src", ":src :x"])
def test_tags_or_source_without_a_command_is_malformed(line: str) -> None:
    with pytest.raises(MalformedMessage) as caught:
        parse(line)
    assert caught.value.numeric == "400"


def test_parse_raises_only_protocol_errors() -> None:
    for line in ["", "@", ":", "@ :", "@a :b"]:
        with pytest.raises(ProtocolError):
            parse(line)


@pytest.mark.parametrize(
    "params",
    [
        ("", "x"),  # empty middle
        ("a b", "x"),  # space in a middle
        (":a", "x"),  # colon-leading middle
        ("a\rb",),
        ("a\nb",),
        ("a\0b",),
        ("ok", "a\r\nQUIT"),
    ],
)
def test_to_line_refuses_unsendable_params(params: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        Message("PRIVMSG", params).to_line()


@pytest.mark.parametrize("command", ["", "PRIV MSG", ":X", "@X", "A\r\nQUIT"])
def test_to_line_refuses_unsendable_commands(command: str) -> None:
    with pytest.raises(ValueError):
        Message(command, ("x",)).to_line()


@pytest.mark.parametrize("source", ["", "a b", "a\nb"])
def test_to_line_refuses_unsendable_sources(source: str) -> None:
    with pytest.raises(ValueError):
        Message("PING", ("x",), source).to_line()


@pytest.mark.parametrize("key", ["", "a=b", "a;b", "a b"])
def test_to_line_refuses_unsendable_tag_keys(key: str) -> None:
    with pytest.raises(ValueError):
        Message("PING", ("x",), None, {key: "v"}).to_line()


def test_tag_values_may_hold_cr_lf_because_they_are_escaped() -> None:
    line = Message("PING", ("x",), None, {"a": "1\r\n2"}).to_line()
    assert line == "@a=1\\r\\n2 PING x"


def test_a_nul_in_a_tag_value_is_refused_because_it_has_no_escape() -> None:
    with pytest.raises(ValueError, match="NUL"):
        Message("PING", ("x",), None, {"a": "1\0002"}).to_line()


def test_every_part_in_one_line_in_wire_order() -> None:
    message = Message("PRIVMSG", ("#a", "b", "hi there"), "ana!a@h", {"time": "t", "+k": ""})
    assert message.to_line() == "@time=t;+k :ana!a@h PRIVMSG #a b :hi there"


# -- found by fuzzing (fuzz/, docs/security.md "Fuzzing") ---------------------------------------


@pytest.mark.parametrize("line", [": PING x", "@a=b : PING x", ":   PING x"])
def test_an_empty_source_reads_as_none_and_the_message_round_trips(line: str) -> None:
    message = parse(line)
    assert (message.source, message.command, message.params) == (None, "PING", ("x",))
    assert parse(message.to_line()) == message


@pytest.mark.parametrize("line", ["@a @b", "@a=1 @b=2 PING", "@a :src @b PING"])
def test_a_second_tag_section_in_place_of_the_command_is_malformed(line: str) -> None:
    with pytest.raises(MalformedMessage):
        parse(line)


@pytest.mark.parametrize("line", [":src :CMD :x", ":\x0b+& :C+& :C", "@a=b :src :CMD x :y"])
def test_a_parameter_in_place_of_the_command_is_malformed(line: str) -> None:
    with pytest.raises(MalformedMessage):
        parse(line)

"""The shared pieces of draft/multiline: limits, line cutting, batches, the stored form.

Reference: https://ircv3.net/specs/extensions/multiline.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chinwag.protocol import multiline as ml
from chinwag.protocol.message import Message
from chinwag.protocol.multiline import Line


def test_the_cap_value_is_read_back_and_max_bytes_defaults_when_missing() -> None:
    assert ml.parse_cap_value(ml.cap_value(2000, 7)) == (2000, 7)
    assert ml.parse_cap_value("max-bytes=40000") == (40000, None)
    assert ml.parse_cap_value("future-key,max-lines=3") == (ml.DEFAULT_MAX_BYTES, 3)
    assert ml.parse_cap_value(None) == (ml.DEFAULT_MAX_BYTES, None)


def test_lines_join_with_line_feeds_except_where_concatenated() -> None:
    lines = [Line("hello"), Line("how is "), Line("everyone?", concat=True)]
    assert ml.combined(lines) == "hello\nhow is everyone?"
    assert ml.size(lines) == len("hello\nhow is everyone?")


def test_split_text_keeps_typed_lines_and_cuts_long_ones_between_words() -> None:
    lines = ml.split_text("one\n\nthree is a longer line here", 12)
    assert lines[:2] == [Line("one"), Line("")]
    assert ml.combined(lines) == "one\n\nthree is a longer line here"
    assert all(len(line.text.encode()) <= 12 for line in lines)
    assert lines[2] == Line("three is a ")  # the space left at the end of the cut line
    assert all(line.concat for line in lines[3:])


def test_split_text_never_cuts_inside_a_character_and_drops_blank_edges() -> None:
    lines = ml.split_text("\n\n" + "é" * 10 + "\n \n", 5)
    assert ml.combined(lines) == "é" * 10
    assert all(len(line.text.encode()) <= 5 for line in lines)
    assert ml.split_text("\n  \n", 100) == []


def test_batches_respect_both_limits_and_never_start_with_a_concatenated_line() -> None:
    lines = [Line("aaaa"), Line("bbbb", True), Line("cccc"), Line("dddd")]
    groups = ml.batches(lines, max_bytes=9, max_lines=None)
    assert groups == [[Line("aaaa"), Line("bbbb", True)], [Line("cccc"), Line("dddd")]]
    assert ml.batches(lines, max_bytes=100, max_lines=3) == [
        [Line("aaaa"), Line("bbbb", True), Line("cccc")],
        [Line("dddd")],
    ]
    assert ml.batches([Line("aaaa"), Line("bbbb", True)], 6, None) == [
        [Line("aaaa")],
        [Line("bbbb")],
    ]


def test_a_batch_as_messages_and_its_fallback() -> None:
    lines = [Line("hi"), Line(""), Line("there", True)]
    whole = ml.batch_messages("PRIVMSG", "#c", lines, "r1", tags={"+draft/reply": "x"})
    assert [m.to_line() for m in whole] == [
        "@+draft/reply=x BATCH +r1 draft/multiline #c",
        "@batch=r1 PRIVMSG #c hi",
        "@batch=r1 PRIVMSG #c :",
        "@batch=r1;draft/multiline-concat PRIVMSG #c there",
        "BATCH -r1",
    ]
    plain = ml.fallback_messages("NOTICE", "#c", lines, "n!u@h", {"msgid": "m", "time": "t"})
    assert [(m.command, m.params, dict(m.tags)) for m in plain] == [
        ("NOTICE", ("#c", "hi"), {"msgid": "m", "time": "t"}),
        ("NOTICE", ("#c", "there"), {"time": "t"}),
    ]


@given(
    st.lists(
        st.tuples(st.text(alphabet=st.characters(blacklist_categories=["Cs"])), st.booleans()),
        min_size=1,
        max_size=8,
    )
)
def test_the_stored_form_gives_the_lines_back_exactly(items: list[tuple[str, bool]]) -> None:
    lines = [
        Line(text.replace("\n", " "), concat and index > 0)
        for index, (text, concat) in enumerate(items)
    ]
    text, value = ml.stored_form(lines)
    assert ml.stored_lines(text, value) == lines


def test_a_stored_value_that_does_not_describe_the_text_is_refused() -> None:
    assert ml.stored_lines("abc def", "3,3") == [Line("abc"), Line("def")]
    assert ml.stored_lines("abc def", "3,4") is None
    assert ml.stored_lines("abcdef", "3,3") is None
    assert ml.stored_lines("abc", "x") is None


def test_the_collector_refuses_at_the_line_that_passes_a_limit() -> None:
    collector = ml.Collector("r", "#c", max_bytes=10, max_lines=5)
    assert collector.add(Message("PRIVMSG", ("#C", "12345"), tags={"batch": "r"})) is None
    refusal = collector.add(Message("PRIVMSG", ("#c", "12345"), tags={"batch": "r"}))
    assert refusal is not None and refusal[:2] == ("MULTILINE_MAX_BYTES", ("10",))
    assert collector.discarding and collector.lines == []


# -- found while fuzzing (docs/security.md, "Fuzzing") -----------------------------------------


def test_a_cap_value_of_non_ascii_digits_reads_as_absent() -> None:
    # "²".isdigit() holds but int("²") raises.
    assert ml.parse_cap_value("max-bytes=²,max-lines=³") == (ml.DEFAULT_MAX_BYTES, None)


def test_a_stored_value_of_non_ascii_digits_describes_nothing() -> None:
    assert ml.stored_lines("ab", "²") is None
    assert ml.stored_lines("ab", "2") == [Line("ab")]

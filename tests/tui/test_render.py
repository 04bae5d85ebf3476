"""How the terminal client draws the presentation model's rows (:mod:`chinwag.tui.render`):
each role's style, the time column, dividers, list entries, and that nothing hostile from the
network reaches the screen. The snapshots (test_snapshots.py) show the whole screen."""

from __future__ import annotations

import io
import re
from collections import deque
from datetime import UTC, datetime

from rich.console import Console, RenderableType
from rich.style import Style
from rich.text import Text

from chinwag.client.colors import nick_color, readable
from chinwag.client.presentation import conversation_row, member_row
from chinwag.client.values import Conversation, ConversationKind, Line, LineKind, MemberView
from chinwag.tui.render import Palette, render_entry, render_line, render_row

NOON = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
DARK = Palette.for_theme(True, None)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def shown(renderable: RenderableType, width: int = 60) -> str:
    """What a terminal ``width`` columns wide shows, without colours."""
    console = Console(width=width, file=io.StringIO(), color_system=None)
    console.print(renderable)
    output = console.file
    assert isinstance(output, io.StringIO)
    return output.getvalue()


def style_at(text: Text, index: int) -> Style:
    """The combined style of character ``index`` of ``text``."""
    return text.get_style_at_offset(Console(), index)


def test_a_line_is_its_time_then_the_nick_in_bold_in_its_readable_colour() -> None:
    line = Line(NOON, LineKind.MESSAGE, "hello", "bo")
    text = render_line(line, nick_color, DARK)
    assert text.plain == f"{line.clock} <bo> hello"
    nick = style_at(text, text.plain.index("bo"))
    assert nick.bold and nick.color is not None
    assert nick.color.name == readable(nick_color("bo"), dark_background=True, background="#121212")
    assert style_at(text, text.plain.index("<")).color == DARK.dim.color


def test_in_the_log_wrapped_text_hangs_under_the_text_not_the_time() -> None:
    line = Line(NOON, LineKind.MESSAGE, "word " * 20, "bo")
    first, second, *_ = shown(render_row(line, nick_color, DARK), width=40).splitlines()
    assert first.startswith(f"{line.clock} <bo> word")
    assert second.startswith(" " * (len(line.clock) + 1) + "word")


def test_a_divider_is_centred_without_a_time() -> None:
    line = Line(NOON, LineKind.DIVIDER, "— new since 11:00 —")
    [row] = shown(render_row(line, nick_color, DARK), width=41).splitlines()
    assert row.rstrip() == " " * 11 + "— new since 11:00 —"  # (41 - 19) / 2 columns in
    assert render_line(line, nick_color, DARK).plain == "— new since 11:00 —"


def test_a_mention_stands_out_and_history_is_quiet_and_errors_are_red() -> None:
    named = Line(NOON, LineKind.MESSAGE, "ana?", "bo", mention=True)
    mention = render_line(named, nick_color, DARK)
    assert style_at(mention, len(mention.plain) - 1).bgcolor == DARK.mention.bgcolor
    old = render_line(Line(NOON, LineKind.MESSAGE, "old", "bo", history=True), nick_color, DARK)
    assert style_at(old, len(old.plain) - 1).dim
    error = render_line(Line(NOON, LineKind.ERROR, "oops"), nick_color, DARK)
    assert error.plain.endswith("! oops")
    assert style_at(error, len(error.plain) - 1).color == DARK.error.color


def test_an_actions_words_are_italic_but_not_the_space_before_them() -> None:
    line = Line(NOON, LineKind.ACTION, "waves", "bo")
    text = render_line(line, nick_color, DARK)
    assert text.plain.endswith("* bo waves")
    assert style_at(text, len(text.plain) - 1).italic
    assert not style_at(text, text.plain.index(" waves")).italic


def test_lists_show_counts_mentions_the_current_one_and_aligned_members() -> None:
    direct = Conversation("bo", ConversationKind.DIRECT, deque(), unread=2, mentioned=True)
    entry = render_entry(conversation_row(direct, current=True, color_of=nick_color), DARK)
    assert entry.plain == "@bo 2!"
    assert style_at(entry, 0).bold  # the conversation on screen
    assert style_at(entry, len(entry.plain) - 1).color == DARK.error.color
    members = [
        render_entry(member_row(MemberView("ana", "@", False, "#008787")), DARK).plain,
        render_entry(member_row(MemberView("dee", "", True, "#ffaf00")), DARK).plain,
    ]
    assert members == ["@ana", " dee (away)"]  # no prefix is a space: the nicks line up


def test_hostile_text_and_nicks_are_drawn_clean() -> None:
    hostile = "\x1b[31mred\x1b[0m \x07 \x1b]0;title\x07 [bold]x[/bold]"
    for kind in LineKind:
        line = Line(NOON, kind, hostile, "b\x1b[31mo\x07")
        for plain in (
            shown(render_row(line, nick_color, DARK)),
            shown(render_line(line, nick_color, DARK)),
        ):
            assert not CONTROL.search(plain.replace("\n", "")), (kind, plain)
            assert "title" not in plain
    body = render_line(Line(NOON, LineKind.MESSAGE, hostile, "b\x1b[31mo\x07"), nick_color, DARK)
    assert body.plain.endswith("<bo> red   [bold]x[/bold]")  # markup shown as typed
    member = MemberView("d\x1b[5mee\x07", "@", False, "#ffaf00")
    assert render_entry(member_row(member), DARK).plain == "@dee"

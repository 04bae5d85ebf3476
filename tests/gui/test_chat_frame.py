"""The chat frame on its own under Xvfb: updates as the view model makes them are drawn into a
real Tk window, and the tests read what a person would see (the log's scroll position, the
"new messages" button, the help panel)."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Iterator

import pytest

from chinwag.client.values import ConversationKind
from chinwag.gui.chat import ChatActions, ChatFrame
from chinwag.gui.glyphs import system_glyphs
from chinwag.gui.text import displayable
from chinwag.gui.theme import apply_theme
from chinwag.gui.view import DIVIDER, TIME, ChatUpdate, GuiPalette, SidebarEntry, TaggedRow
from chinwag.gui.view import TaggedSegment as Seg
from tests.gui.conftest import restore_display

PALETTE = GuiPalette.for_theme(dark=False)


@pytest.fixture
def frame(display: str) -> Iterator[ChatFrame]:
    """A chat frame filling a 900x500 window; what it submits is dropped."""
    root = tk.Tk(screenName=display)
    try:
        root.geometry("900x500")
        fonts = apply_theme(root, PALETTE)
        chat = ChatFrame(
            root,
            PALETTE,
            fonts,
            ChatActions(submit=lambda _line: None, select=lambda _key: None,
                        select_next=lambda _step: None),
        )  # fmt: skip
        chat.pack(fill="both", expand=True)
        root.update()
        yield chat
    finally:
        root.destroy()
        restore_display()


def said(*texts: str) -> tuple[TaggedRow, ...]:
    return tuple(TaggedRow((Seg("12:00 ", (TIME,)), Seg(f"<bo> {text}"))) for text in texts)


def lines(start: int, count: int) -> tuple[TaggedRow, ...]:
    return said(*(f"line {number}" for number in range(start, start + count)))


def entry(key: str, *, current: bool) -> SidebarEntry:
    return SidebarEntry(key, key, ConversationKind.ROOM, 0, False, current, True, None, "")


def draw(frame: ChatFrame, update: ChatUpdate) -> None:
    frame.apply(update)
    frame.update()


def bottom(frame: ChatFrame) -> float:
    """How far down the log the view reaches (1.0: the newest line is in sight)."""
    frame.log.count("1.0", "end", "update")
    return frame.log.yview()[1]


def visible(frame: ChatFrame, text: str) -> bool:
    """Whether a line containing ``text`` is (at least partly) on screen."""
    found = frame.log.search(text, "1.0", "end")
    return bool(found) and frame.log.bbox(found) is not None


def test_a_long_backlog_opens_at_its_newest_line(frame: ChatFrame) -> None:
    draw(frame, ChatUpdate(rows=lines(1, 200), clear_log=True,
                           conversations=(entry("#lobby", current=True),)))  # fmt: skip
    assert bottom(frame) == 1.0
    assert visible(frame, "line 200")
    assert not frame.new_below_shown


def test_new_messages_are_followed_while_the_person_is_at_the_newest_line(
    frame: ChatFrame,
) -> None:
    draw(frame, ChatUpdate(rows=lines(1, 100), clear_log=True))
    for start in range(101, 161, 10):
        draw(frame, ChatUpdate(rows=lines(start, 10)))
        assert bottom(frame) == 1.0
    assert visible(frame, "line 160")
    assert not frame.new_below_shown


def test_scrolled_up_the_view_stays_and_a_button_jumps_back_to_the_new_messages(
    frame: ChatFrame,
) -> None:
    draw(frame, ChatUpdate(rows=lines(1, 100), clear_log=True))
    frame.scroll(-1, "pages")
    frame.update()
    top = frame.log.index("@0,0")
    assert not frame.new_below_shown  # nothing new yet

    draw(frame, ChatUpdate(rows=lines(101, 20)))
    assert frame.log.index("@0,0") == top
    assert not visible(frame, "line 120")
    assert frame.new_below_shown
    assert frame.new_below.cget("text") == "new messages \N{DOWNWARDS ARROW}"

    frame.new_below.invoke()
    frame.update()
    assert bottom(frame) == 1.0
    assert visible(frame, "line 120")
    assert not frame.new_below_shown
    draw(frame, ChatUpdate(rows=lines(121, 5)))
    assert visible(frame, "line 125")  # following again


def test_scrolling_back_down_to_the_newest_line_follows_again(frame: ChatFrame) -> None:
    draw(frame, ChatUpdate(rows=lines(1, 100), clear_log=True))
    frame.scroll(-1, "pages")
    draw(frame, ChatUpdate(rows=lines(101, 3)))
    assert frame.new_below_shown
    frame.scroll(5, "pages")
    frame.update()
    assert not frame.new_below_shown
    draw(frame, ChatUpdate(rows=lines(104, 30)))
    assert visible(frame, "line 133")


def test_another_conversation_opens_at_its_newest_line_even_when_scrolled_up(
    frame: ChatFrame,
) -> None:
    draw(frame, ChatUpdate(rows=lines(1, 100), clear_log=True,
                           conversations=(entry("#lobby", current=True),)))  # fmt: skip
    frame.scroll(-3, "pages")
    draw(frame, ChatUpdate(rows=lines(1, 80), clear_log=True,
                           conversations=(entry("#lobby", current=False),
                                          entry("#games", current=True))))  # fmt: skip
    assert bottom(frame) == 1.0
    assert visible(frame, "line 80")


def test_the_new_since_divider_is_drawn_centred_on_a_row_of_its_own(frame: ChatFrame) -> None:
    divider = TaggedRow((Seg("— new since 11:58 —", (DIVIDER,)),))
    draw(frame, ChatUpdate(rows=(*said("before"), divider, *said("after")), clear_log=True))
    assert frame.log.get("1.0", "end-1c").splitlines() == [
        "12:00 <bo> before",
        "— new since 11:58 —",
        "12:00 <bo> after",
    ]
    assert frame.log.tag_cget(DIVIDER, "justify") == "center"


class Submitted(list[str]):
    """The lines the frame hands to the client."""


@pytest.fixture
def sent(frame: ChatFrame) -> Submitted:
    lines = Submitted()
    frame.actions = ChatActions(submit=lines.append, select=lambda _key: None,
                                select_next=lambda _step: None)  # fmt: skip
    return lines


def press(frame: ChatFrame, key: str) -> None:
    frame.entry.focus_force()
    frame.update()
    frame.entry.event_generate(key, when="tail")
    frame.update()


def test_f1_lays_the_command_list_over_the_log_and_esc_closes_it(
    frame: ChatFrame, sent: Submitted
) -> None:
    draw(frame, ChatUpdate(rows=lines(1, 5), clear_log=True))
    press(frame, "<F1>")
    assert frame.help_shown
    panel = frame.help_panel
    assert (panel.winfo_width(), panel.winfo_height()) == (
        frame.log.master.winfo_width(), frame.log.master.winfo_height()
    )  # fmt: skip
    listed = frame.help_text.get("1.0", "end-1c")
    assert listed.splitlines()[0] == "@help, /help\tlist commands"
    assert "/join <room>, /leave, /part, /list\trooms" in listed
    assert frame.log.get("1.0", "end-1c").count("\n") == 4  # nothing added to the log

    press(frame, "<Escape>")
    assert not frame.help_shown
    assert sent == []


@pytest.mark.parametrize("typed", ["@help", "/help", "/HELP"])
def test_typing_help_shows_the_panel_instead_of_sending_it(
    frame: ChatFrame, sent: Submitted, typed: str
) -> None:
    frame.entry.insert(0, typed)
    press(frame, "<Return>")
    assert frame.help_shown
    assert sent == []
    assert frame.entry.get() == ""
    frame.help_close.invoke()
    frame.update()
    assert not frame.help_shown
    frame.entry.insert(0, "@helpful people")
    press(frame, "<Return>")
    assert sent == ["@helpful people"] and not frame.help_shown


def test_an_emoji_a_monochrome_font_has_is_drawn_as_its_glyph_not_its_name(
    frame: ChatFrame,
) -> None:
    glyphs = system_glyphs()
    drawn = next((char for char in "\U0001f389\U0001f600\U0001f44d" if glyphs.drawable(char)), None)
    if drawn is None:
        pytest.skip("no monochrome font with emoji here: ./dev test installs fonts-symbola")
    text = displayable(f"party {drawn} time")
    assert text == f"party {drawn} time"
    draw(frame, ChatUpdate(rows=said(text), clear_log=True))
    assert frame.log.get("1.0", "end-1c") == f"12:00 <bo> {text}"
    # The glyph has room of its own on the line, as a letter has.
    where = frame.log.search(drawn, "1.0", "end")
    box = frame.log.bbox(where)
    assert box is not None and box[2] > 4


def test_a_multiline_message_is_one_row_of_several_lines_and_goto_still_finds_rows(
    frame: ChatFrame,
) -> None:
    rows = (*said("first\nsecond\nthird"), *lines(1, 3))
    draw(frame, ChatUpdate(rows=rows, clear_log=True,
                           conversations=(entry("#lobby", current=True),)))  # fmt: skip
    assert frame.log.get("1.0", "end-1c").split("\n")[:4] == [
        "12:00 <bo> first",
        "second",
        "third",
        "12:00 <bo> line 1",
    ]
    frame.show_row(2)  # the third row, below the three lines of the first
    focused = frame.log.tag_ranges("focus")
    assert frame.log.get(focused[0], focused[1]) == "12:00 <bo> line 2"


def test_a_pasted_block_is_submitted_at_once_with_what_was_typed(display: str) -> None:
    root = tk.Tk(screenName=display)
    submitted: list[str] = []
    try:
        fonts = apply_theme(root, PALETTE)
        chat = ChatFrame(
            root,
            PALETTE,
            fonts,
            ChatActions(submit=submitted.append, select=lambda _key: None,
                        select_next=lambda _step: None),
        )  # fmt: skip
        chat.pack(fill="both", expand=True)
        root.update()
        chat.entry.insert(0, "look: ")
        root.clipboard_clear()
        root.clipboard_append("def f():\n    return 1\n")
        chat.entry.event_generate("<<Paste>>")
        root.update()
        assert submitted == ["look: def f():\n    return 1"]
        assert chat.entry.get() == ""
        root.clipboard_clear()
        root.clipboard_append("one line")
        chat.entry.event_generate("<<Paste>>")
        root.update()
        assert submitted == ["look: def f():\n    return 1"]
        assert chat.entry.get() == "one line"
    finally:
        root.destroy()
        restore_display()

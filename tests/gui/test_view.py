"""The chat window's view model without a window: a real client core is fed server lines, its
chat model's changes go through :class:`ChatView`, and the tests read the updates the window
would draw: rows and their tags, the conversation list, members, header, status."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chinwag.client import events as ev
from chinwag.client.banner import BANNER_DOWN, BANNER_NOW, NOT_CONNECTED
from chinwag.client.chat import ChatModel
from chinwag.client.colors import MIN_CONTRAST, PALETTE, contrast_ratio, nick_color
from chinwag.client.filing import MISSED
from chinwag.client.protocol import ClientProtocol
from chinwag.client.typing import ACTIVE_FOR
from chinwag.client.values import (
    Changes,
    ConversationKind,
    Line,
    LineKind,
    Link,
    PasswordRequest,
    hhmm,
)
from chinwag.gui.glyphs import NO_GLYPHS
from chinwag.gui.view import (
    ACTION,
    DIM,
    DIVIDER,
    ERROR,
    INFO,
    MENTION,
    SAY_SOMETHING,
    TIME,
    ChatUpdate,
    ChatView,
    GuiPalette,
    Header,
    Status,
    TaggedRow,
    TaggedSegment,
    banner_text,
    nick_tag,
    row_for,
    tag_color,
)
from chinwag.protocol.casemap import fold

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
CLOCK = hhmm(NOW)
CAPS = "server-time echo-message draft/metadata-2 away-notify batch message-tags multi-prefix"
ANA = ":ana!~ana@127.0.0.1"
BO = ":bo!~bo@h1"
LIGHT = GuiPalette.for_theme(dark=False)
DARK = GuiPalette.for_theme(dark=True)


class Chat:
    """A ChatView on a ChatModel on a ClientProtocol, fed server lines."""

    def __init__(self, palette: GuiPalette = LIGHT, *, redrawn_lines: int = 500) -> None:
        self.monotonic = 1000.0
        self.proto = ClientProtocol("ana", clock=lambda: NOW)
        self.model = ChatModel(self.proto, clock=lambda: self.monotonic)
        self.view = ChatView(self.model, palette, redrawn_lines=redrawn_lines)
        self.palette = palette

    def feed(self, *lines: str) -> ChatUpdate:
        """The server sends ``lines``; returns what the window redraws."""
        events = self.proto.receive("".join(line + "\r\n" for line in lines).encode())
        return self.deliver(events + self.proto.take_events())

    def deliver(self, events: list[ev.Event]) -> ChatUpdate:
        changes = Changes()
        for event in events:
            changes.merge(self.model.handle(event))
        return self.view.update(changes)

    def type(self, text: str) -> ChatUpdate:
        changes = self.model.submit(text)
        for event in self.proto.take_events():
            changes.merge(self.model.handle(event))
        return self.view.update(changes)

    def connect(self) -> None:
        self.proto.register()
        self.feed(f":irc.test CAP * LS :{CAPS}")
        self.feed(f":irc.test CAP * ACK :{CAPS}")
        self.feed(
            ":irc.test 001 ana :Welcome to the TestNet IRC Network ana",
            ":irc.test 005 ana PREFIX=(ov)@+ CHANTYPES=# NETWORK=TestNet :are supported",
            ":irc.test 376 ana :End of /MOTD command.",
        )

    def in_lobby(self, names: str = "@bo ana +cy", topic: str = "Welcome all") -> ChatUpdate:
        self.connect()
        return self.feed(
            f"{ANA} JOIN #lobby",
            f":irc.test 332 ana #lobby :{topic}",
            f":irc.test 353 ana = #lobby :{names}",
            ":irc.test 366 ana #lobby :End",
        )

    def nick(self, name: str) -> str:
        """The tag a nick's colour gets on this palette."""
        return nick_tag(self.palette.nick(self.model.color_of(name)))


def lobby(palette: GuiPalette = LIGHT) -> Chat:
    chat = Chat(palette)
    chat.in_lobby()
    return chat


def tags_of(row: TaggedRow, text: str) -> tuple[str, ...]:
    """The tags of the segment of ``row`` whose text is ``text``."""
    return next(segment.tags for segment in row.segments if segment.text == text)


# -- the log -----------------------------------------------------------------------------------


def test_a_message_is_a_row_with_the_time_and_the_nick_in_its_colour() -> None:
    chat = lobby()
    update = chat.feed(f"{BO} PRIVMSG #lobby :hello everyone")
    [row] = update.rows
    assert row.text == f"{CLOCK} <bo> hello everyone"
    assert not update.clear_log
    assert tags_of(row, f"{CLOCK} ") == (TIME,)
    assert tags_of(row, "bo") == (nick_tag(LIGHT.nick(nick_color("bo"))),)
    assert tags_of(row, "hello everyone") == ()


def test_a_chosen_colour_is_the_nick_tag_made_readable_on_the_background() -> None:
    for palette in (LIGHT, DARK):
        chat = lobby(palette)
        chat.feed(":irc.test METADATA bo color * :#ffff00")
        [row] = chat.feed(f"{BO} PRIVMSG #lobby :sunny").rows
        color = tag_color(tags_of(row, "bo")[0])
        assert color == palette.nick("#ffff00")
        assert contrast_ratio(color, palette.background) >= MIN_CONTRAST
    assert tag_color(nick_tag("#ffff00")) == "#ffff00"  # yellow reads on the dark theme as is
    assert LIGHT.nick("#ffff00") != "#ffff00"  # and is darkened on the light one


def test_our_own_line_as_echoed_is_shown_with_our_colour() -> None:
    chat = lobby()
    assert chat.type("hi all").rows == ()  # nothing until the server echoes it
    [row] = chat.feed(f"{ANA} PRIVMSG #lobby :hi all").rows
    assert row.text == f"{CLOCK} <ana> hi all"
    assert tags_of(row, "ana") == (chat.nick("ana"),)


def test_each_kind_of_line_is_styled_its_own_way() -> None:
    chat = lobby()
    [action] = chat.feed(f"{BO} PRIVMSG #lobby :\x01ACTION waves\x01").rows
    assert action.text == f"{CLOCK} * bo waves"
    assert tags_of(action, " waves") == (ACTION,)
    [notice] = chat.feed(f"{BO} NOTICE #lobby :heads up").rows
    assert notice.text == f"{CLOCK} -bo- heads up"
    [join] = chat.feed(":dee!~dee@h4 JOIN #lobby").rows
    assert join.text == f"{CLOCK} → dee joined #lobby"
    assert tags_of(join, "joined #lobby") == (DIM,)
    assert tags_of(join, "dee") == (chat.nick("dee"),)
    [part] = chat.feed(":dee!~dee@h4 PART #lobby :bye").rows
    assert part.text == f"{CLOCK} ← dee left #lobby (bye)"
    [error] = chat.type("/nosuch").rows
    assert error.text.endswith("! Unknown command /nosuch: @help lists the commands")
    assert ERROR in error.segments[-1].tags
    info = chat.type("/color").rows
    assert INFO in info[0].segments[-1].tags


def test_a_line_that_names_us_is_marked_as_a_mention_throughout() -> None:
    chat = lobby()
    [row] = chat.feed(f"{BO} PRIVMSG #lobby :ana, look").rows
    assert all(MENTION in segment.tags for segment in row.segments)


def test_a_divider_is_alone_on_its_row() -> None:
    row = row_for(Line(NOW, LineKind.DIVIDER, MISSED), nick_color, LIGHT)
    assert row == TaggedRow((TaggedSegment(MISSED, (DIVIDER,)),))


def test_hostile_text_from_the_network_is_cleaned_and_made_displayable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # On a system without any font for emoji (the fonts are the machine's, not the code's).
    monkeypatch.setattr("chinwag.gui.text.system_glyphs", lambda: NO_GLYPHS)
    chat = lobby()
    hostile = "\x1b[31mred\x1b[0m \x07 emoji \U0001f600 [b]x[/b]"
    [row] = chat.feed(f"{BO} PRIVMSG #lobby :{hostile}").rows
    assert row.text == f"{CLOCK} <bo> red  emoji [grinning face] [b]x[/b]"
    update = chat.feed(f"{BO} TOPIC #lobby :topic \U0001f389\x1b[5m!")
    assert update.header == Header("#lobby", "3 here", "topic [party popper]!")
    update = chat.feed(":\U0001f600!~x@h JOIN #lobby")
    assert update.members is not None
    assert "[grinning face]" in [member.label for member in update.members]


def test_a_line_built_with_a_hostile_nick_and_text_is_drawn_clean() -> None:
    hostile, nick = "\x1b[31mred\x1b[0m \x07bell \x1b]0;title\x07", "b\x1b[31mo\x07"
    for kind in LineKind:
        row = row_for(Line(NOW, kind, hostile, nick), nick_color, LIGHT)
        for segment in row.segments:
            assert segment.text.isprintable() and "title" not in segment.text, (kind, row)
    row = row_for(Line(NOW, LineKind.MESSAGE, hostile, nick), nick_color, LIGHT)
    assert row.text == f"{CLOCK} <bo> red bell "
    assert tags_of(row, "bo") == (nick_tag(LIGHT.nick(nick_color("bo"))),)


def test_a_multiline_message_keeps_its_line_breaks_and_nothing_else_breaks_a_row() -> None:
    row = row_for(Line(NOW, LineKind.MESSAGE, "one\n\x1b[31mtwo\x07\u2028three", "bo"),
                  nick_color, LIGHT)  # fmt: skip
    assert row.text == f"{CLOCK} <bo> one\ntwo three"
    assert all(part.isprintable() for part in row.text.split("\n"))
    info = row_for(Line(NOW, LineKind.INFO, "a\nb"), nick_color, LIGHT)
    assert "\n" not in info.text


# -- conversations, members, header ----------------------------------------------------------


def test_landing_in_the_lobby_draws_everything() -> None:
    chat = Chat()
    chat.connect()
    update = chat.feed(
        f"{ANA} JOIN #lobby",
        ":irc.test 332 ana #lobby :Welcome all",
        ":irc.test 353 ana = #lobby :@bo ana +cy",
        ":irc.test 366 ana #lobby :End",
    )
    assert update.clear_log  # another conversation is on screen now
    assert [row.text for row in update.rows] == [
        f"{CLOCK} → ana joined #lobby",
        f"{CLOCK} ~ Topic: Welcome all",
    ]
    assert update.conversations is not None
    assert [(e.label, e.kind, e.current) for e in update.conversations] == [
        ("server", ConversationKind.SERVER, False),
        ("#lobby", ConversationKind.ROOM, True),
    ]
    assert update.members is not None
    assert [(m.label, m.is_self) for m in update.members] == [
        ("@bo", False),
        ("+cy", False),
        ("ana", True),
    ]
    assert update.members[0].color == LIGHT.nick(nick_color("bo"))
    assert chat.view.header() == Header("#lobby", "3 here", "Welcome all")


def test_talk_elsewhere_is_counted_in_the_list_and_not_drawn_in_the_log() -> None:
    chat = lobby()
    chat.feed(f"{ANA} JOIN #games", ":irc.test 353 ana = #games :ana dee")
    update = chat.feed(":dee!~dee@h4 PRIVMSG #games :anyone?", ":dee!~dee@h4 PRIVMSG #games :hi")
    assert update.rows == ()
    assert update.conversations is not None
    games = next(entry for entry in update.conversations if entry.label == "#games")
    assert (games.unread, games.badge, games.current) == (2, "2", False)

    update = chat.feed(f"{BO} PRIVMSG ana :psst")
    assert update.conversations is not None
    direct = next(entry for entry in update.conversations if entry.label == "@bo")
    assert direct.kind is ConversationKind.DIRECT
    assert direct.badge == "1!"  # a direct message names us
    assert direct.color == LIGHT.nick(nick_color("bo"))


def test_selecting_a_conversation_redraws_the_log_and_clears_its_count() -> None:
    chat = lobby()
    chat.feed(f"{BO} PRIVMSG ana :psst", f"{BO} PRIVMSG ana :are you there?")
    direct_key = next(key for key in chat.model.conversations if key == "bo")
    update = chat.view.update(chat.model.select(direct_key))
    assert update.clear_log
    assert [row.text for row in update.rows] == [
        f"{CLOCK} <bo> psst",
        f"{CLOCK} <bo> are you there?",
    ]
    assert update.conversations is not None
    direct = next(entry for entry in update.conversations if entry.key == "bo")
    assert direct.current and direct.badge == ""
    assert update.header == Header("bo", "direct conversation", "")
    assert update.members is not None
    assert [member.nick for member in update.members] == ["ana", "bo"]


def test_a_long_conversation_is_redrawn_from_its_newest_lines() -> None:
    chat = Chat(redrawn_lines=5)
    chat.in_lobby()
    chat.feed(*(f"{BO} PRIVMSG #lobby :line {number}" for number in range(1, 21)))
    rows = chat.view.full().rows
    assert [row.text.split("> ")[-1] for row in rows] == [f"line {n}" for n in range(16, 21)]


def test_an_update_with_nothing_to_redraw_is_empty() -> None:
    chat = lobby()
    assert chat.view.update(Changes()).empty
    assert not chat.feed(f"{BO} PRIVMSG #lobby :x").empty


def test_a_password_request_and_quit_pass_through() -> None:
    chat = lobby()
    update = chat.type("/register")
    assert update.password == PasswordRequest("register", "ana")
    assert chat.type("/quit see you").quit == "see you"
    assert chat.type("@disconnect").quit == ""


# -- the connection ---------------------------------------------------------------------------


def test_a_lost_connection_is_a_status_change_the_window_counts_down_from() -> None:
    chat = lobby()
    update = chat.deliver(chat.proto.connection_lost("Connection reset by peer"))
    assert update.status == Status(Link.DOWN, None)
    assert update.header == Header("#lobby", "not connected", "")
    assert update.rows[-1].text == f"{CLOCK} ! Disconnected: Connection reset by peer"
    update = chat.deliver([ev.Reconnecting(5, 1)])
    assert update.status == Status(Link.DOWN, 1005.0)
    assert update.status.placeholder == NOT_CONNECTED


def test_the_banner_counts_down_whole_seconds_then_says_now() -> None:
    status = Status(Link.DOWN, 1005.0)
    assert banner_text(status, 1000.0) == BANNER_DOWN.format(seconds=5)
    assert banner_text(status, 1000.0) == "Server is down — reconnecting in 5s"
    assert banner_text(status, 1003.5) == "Server is down — reconnecting in 2s"  # rounded up
    assert banner_text(status, 1005.0) == BANNER_NOW
    assert banner_text(Status(Link.DOWN, None), 0) == BANNER_NOW
    assert banner_text(Status(Link.ONLINE), 0) is None
    assert banner_text(Status(Link.CONNECTING), 0) is None
    assert Status(Link.ONLINE).placeholder == SAY_SOMETHING


def test_coming_back_is_online_with_a_reconnected_line() -> None:
    chat = lobby()
    chat.deliver(chat.proto.connection_lost("Connection reset by peer"))
    chat.deliver([ev.Reconnecting(5, 1)])
    chat.proto.register()
    chat.feed(f":irc.test CAP * LS :{CAPS}", f":irc.test CAP * ACK :{CAPS}")
    update = chat.feed(":irc.test 001 ana :Welcome", ":irc.test 376 ana :End of /MOTD command.")
    assert update.status == Status(Link.ONLINE, None)
    assert update.rows[-1].text == f"{CLOCK} - Reconnected"


# -- colours -----------------------------------------------------------------------------------


@pytest.mark.parametrize("palette", [LIGHT, DARK], ids=["light", "dark"])
def test_the_palettes_text_colours_read_well_on_their_background(palette: GuiPalette) -> None:
    for color in (palette.foreground, palette.dim, palette.error):
        assert contrast_ratio(color, palette.background) >= 4.5
        assert contrast_ratio(palette.foreground, palette.mention) >= 4.5
    assert contrast_ratio(palette.banner_text, palette.banner) >= 4.5
    for color in PALETTE.values():
        assert contrast_ratio(palette.nick(color), palette.background) >= MIN_CONTRAST


# -- typing --------------------------------------------------------------------------------------


def test_who_is_typing_here_comes_once_with_the_update_and_goes_when_it_runs_out() -> None:
    chat = lobby()
    assert chat.feed(f"@+typing=active {BO} TAGMSG #lobby").typing == "bo is typing…"
    assert chat.view.update(Changes()).typing is None  # unchanged: not sent again
    chat.monotonic += ACTIVE_FOR + 1
    chat.model.tick()
    assert chat.view.update(Changes()).typing == ""


def test_typing_elsewhere_is_not_shown_here_and_the_row_follows_the_conversation() -> None:
    chat = lobby()
    chat.feed(f"{BO} PRIVMSG ana :got a minute?")
    assert chat.feed(f"@+typing=active {BO} TAGMSG ana").typing is None
    switched = chat.view.update(chat.model.select(fold("bo")))
    assert switched.typing == "bo is typing…"


def test_typing_turned_off_shows_nobody() -> None:
    chat = lobby()
    chat.feed(f"@+typing=active {BO} TAGMSG #lobby")
    chat.model.typing.enabled = False
    assert chat.view.update(Changes()).typing == ""
    assert chat.view.full().typing == ""

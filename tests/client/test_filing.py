"""How the chat model files lines and what a screen reads from it (:mod:`chinwag.client.filing`):
unread counts and mentions, history in time order, the member list and colours, selecting a
conversation, the scrollback, and read markers sent for the conversation on screen.

Driven as in :mod:`tests.client.chat_harness`: a real client core fed server lines; the last
test uses a bare :class:`ConversationFiling`, as the typed input and the event handling do.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chinwag.client.colors import nick_color
from chinwag.client.filing import ConversationFiling
from chinwag.client.protocol import ClientProtocol
from chinwag.client.values import (
    SERVER_KEY,
    Changes,
    ConversationKind,
    Line,
    LineKind,
    MemberView,
)
from chinwag.protocol.casemap import fold
from tests.client.chat_harness import (
    ANA,
    BO,
    CY,
    HISTORY_CAPS,
    NOW,
    in_lobby,
    in_lobby_and_games,
    online,
)

# -- unread counts, mentions and history in time order -------------------------------------


def test_a_message_in_another_room_counts_as_unread() -> None:
    chat = in_lobby_and_games()
    changes = chat.feed(":dee!~dee@h4 PRIVMSG #games :anyone for chess?")
    assert changes.conversations
    games = chat.conv("#games")
    assert games.unread == 1 and not games.mentioned
    chat.feed(":dee!~dee@h4 PRIVMSG #games :anyone?", ":dee!~dee@h4 NOTICE #games :hello?")
    assert games.unread == 3


def test_joins_and_parts_elsewhere_are_not_unread() -> None:
    chat = in_lobby_and_games()
    chat.feed(":eve!~eve@h5 JOIN #games", ":eve!~eve@h5 PART #games :bye")
    assert chat.conv("#games").unread == 0
    assert [line.kind for line in chat.lines("#games")][-2:] == [LineKind.JOIN, LineKind.PART]


def test_our_own_echoed_message_is_never_unread() -> None:
    chat = in_lobby_and_games()
    chat.feed(f"{ANA} PRIVMSG #games :said from my phone, ana")
    games = chat.conv("#games")
    line = games.lines[-1]
    assert line.is_self and not line.mention
    assert games.unread == 0 and not games.mentioned


@pytest.mark.parametrize(
    "text", ["ana: lunch?", "hey ANA!", "ping @ana", "(ana)", "ana", "thanks, Ana."]
)
def test_our_nick_as_a_word_is_a_mention_and_highlights_the_room(text: str) -> None:
    chat = in_lobby_and_games()
    chat.feed(f":dee!~dee@h4 PRIVMSG #games :{text}")
    assert chat.last("#games").mention
    assert chat.conv("#games").mentioned


@pytest.mark.parametrize("text", ["banana split", "anagram", "ana_bot says hi", "ana-x", "hi"])
def test_our_nick_inside_another_word_is_not_a_mention(text: str) -> None:
    chat = in_lobby_and_games()
    chat.feed(f":dee!~dee@h4 PRIVMSG #games :{text}")
    assert not chat.last("#games").mention
    assert not chat.conv("#games").mentioned
    assert chat.conv("#games").unread == 1


def test_a_mention_in_the_current_room_is_marked_but_not_unread() -> None:
    chat = in_lobby()
    chat.feed(f"{BO} PRIVMSG #lobby :ana, look")
    assert chat.last("#lobby").mention
    assert chat.conv("#lobby").unread == 0 and not chat.conv("#lobby").mentioned


def test_replayed_history_is_marked_and_not_unread() -> None:
    chat = in_lobby_and_games()
    chat.feed(
        ":irc.test BATCH +h1 chathistory #games",
        "@batch=h1;time=2024-04-30T09:00:00.000Z :dee!~dee@h4 PRIVMSG #games :ana, old news",
        ":irc.test BATCH -h1",
    )
    [line] = [line for line in chat.lines("#games") if line.history]
    assert line.text == "ana, old news"
    assert line.time == datetime(2024, 4, 30, 9, tzinfo=UTC)
    assert chat.conv("#games").unread == 0 and not chat.conv("#games").mentioned


def test_history_is_filed_in_time_order_before_what_was_said_since() -> None:
    chat = in_lobby()
    chat.feed("@time=2024-05-01T12:05:00.000Z :bo!~bo@h1 PRIVMSG #lobby :just now")
    changes = chat.feed(
        ":irc.test BATCH +h1 chathistory #lobby",
        "@batch=h1;time=2024-05-01T11:00:00.000Z;msgid=a :cy!~cy@h2 PRIVMSG #lobby :earlier",
        ":irc.test BATCH -h1",
    )
    texts = chat.texts("#lobby")
    assert texts.index("earlier") < texts.index("just now")
    assert changes.redraw  # inserted in the conversation on screen: the log is redrawn


def test_history_already_shown_is_not_shown_again_after_a_rejoin() -> None:
    chat = in_lobby()
    batch = (
        ":irc.test BATCH +h{n} chathistory #lobby",
        "@batch=h{n};time=2024-05-01T11:00:00.000Z;msgid=m1 :cy!~cy@h2 PRIVMSG #lobby :once",
        ":irc.test BATCH -h{n}",
    )
    chat.feed(*(line.format(n=1) for line in batch))
    chat.feed(*(line.format(n=2) for line in batch))
    assert chat.texts("#lobby").count("once") == 1


# -- the member list -----------------------------------------------------------------------


def test_members_are_operators_first_then_by_nick_with_away_and_colours() -> None:
    chat = in_lobby(names="dee @Zed +cy ana @bo Bea")
    chat.feed(f"{CY} AWAY :lunch", ":irc.test METADATA bo color * :#ff0000")
    views = chat.model.members()
    assert [(view.prefix, view.nick) for view in views] == [
        ("@", "bo"),
        ("@", "Zed"),
        ("+", "cy"),
        ("", "ana"),
        ("", "Bea"),
        ("", "dee"),
    ]
    by_nick = {view.nick: view for view in views}
    assert by_nick["cy"].away and not by_nick["bo"].away
    assert by_nick["bo"].color == "#ff0000"
    assert by_nick["dee"].color == nick_color("dee")
    assert by_nick["ana"].color == nick_color("ana")
    chat.feed(f"{CY} AWAY")
    assert not {view.nick: view for view in chat.model.members()}["cy"].away


def test_a_colour_change_redraws_the_members_and_an_unset_falls_back() -> None:
    chat = in_lobby()
    changes = chat.feed(":irc.test METADATA cy color * :#00d700")
    assert changes.members
    assert chat.model.color_of("cy") == "#00d700"
    chat.feed(":irc.test METADATA cy color *")
    assert chat.model.color_of("cy") == nick_color("cy")


def test_chosen_colours_are_remembered_while_the_server_is_down_and_follow_nick_changes() -> None:
    chat = in_lobby()
    chat.feed(":irc.test METADATA cy color * :#00d700", f"{CY} NICK cyd")
    chat.deliver(chat.proto.connection_lost("Connection lost"))
    assert chat.proto.user("cyd") is None  # the core forgot everyone...
    assert chat.model.color_of("cyd") == "#00d700"  # ...the screen did not
    assert chat.model.color_of("cy") == nick_color("cy")


def test_our_chosen_colour_shows_on_our_own_name() -> None:
    chat = in_lobby()
    chat.type("/color purple")
    [me] = [view for view in chat.model.members() if view.nick == "ana"]
    assert me.color == "#8700ff"


def test_mode_changes_move_people_in_the_member_list() -> None:
    chat = in_lobby()
    changes = chat.feed(f"{BO} MODE #lobby +o cy")
    assert changes.members
    assert [view.nick for view in chat.model.members()] == ["bo", "cy", "ana"]
    assert chat.last("#lobby").text == "sets mode +o cy"


def test_a_direct_conversation_lists_the_two_people() -> None:
    chat = in_lobby()
    chat.type("@bo")
    assert chat.model.members() == [
        MemberView("ana", "", False, nick_color("ana")),
        MemberView("bo", "", False, nick_color("bo")),
    ]


def test_the_server_window_has_no_members() -> None:
    chat = online()
    assert chat.model.members() == []


# -- selecting -----------------------------------------------------------------------------


def test_selecting_a_conversation_clears_its_unread_count_and_highlight() -> None:
    chat = in_lobby_and_games()
    chat.feed(":dee!~dee@h4 PRIVMSG #games :ana?", ":dee!~dee@h4 PRIVMSG #games :hello?")
    games = chat.conv("#games")
    assert (games.unread, games.mentioned) == (2, True)
    changes = chat.model.select(fold("#games"))
    assert changes.conversations and changes.members and changes.topic
    assert chat.current == fold("#games")
    assert (games.unread, games.mentioned) == (0, False)


def test_selecting_an_unknown_conversation_changes_nothing() -> None:
    chat = in_lobby()
    assert chat.model.select(fold("#nowhere")) == Changes()
    assert chat.current == fold("#lobby")


def test_select_next_walks_the_conversations_and_wraps() -> None:
    chat = in_lobby_and_games()
    chat.feed(":dee!~dee@h4 PRIVMSG #games :psst ana")
    assert [str(key) for key in chat.model.conversations] == ["*", "#lobby", "#games"]
    chat.model.select_next()
    assert chat.current == fold("#games")
    assert chat.conv("#games").unread == 0 and not chat.conv("#games").mentioned
    chat.model.select_next()
    assert chat.current == SERVER_KEY
    chat.model.select_next(-1)
    assert chat.current == fold("#games")


# -- scrollback ----------------------------------------------------------------------------


def test_each_conversation_keeps_only_the_latest_lines() -> None:
    chat = in_lobby(scrollback=3)
    chat.feed(*(f"{BO} PRIVMSG #lobby :line {number}" for number in range(10)))
    assert chat.texts("#lobby") == ["line 7", "line 8", "line 9"]
    chat.feed(*(f"{BO} PRIVMSG ana :dm {number}" for number in range(5)))
    assert chat.texts("bo") == ["dm 2", "dm 3", "dm 4"]


# -- read markers sent for what is on screen -----------------------------------------------


def test_the_conversation_on_screen_is_marked_read_at_most_once_a_second() -> None:
    chat = in_lobby(caps=HISTORY_CAPS)
    chat.feed(f"@time=2024-05-01T12:01:00.000Z;msgid=x1 {BO} PRIVMSG #lobby :one")
    assert chat.sent() == ["MARKREAD #lobby timestamp=2024-05-01T12:01:00.000Z"]
    chat.feed(f"@time=2024-05-01T12:01:00.500Z;msgid=x2 {BO} PRIVMSG #lobby :two")
    assert chat.sent() == []  # less than a second later: held back
    chat.monotonic += 0.5
    chat.model.tick()
    assert chat.sent() == []
    chat.monotonic += 0.5
    chat.model.tick()
    assert chat.sent() == ["MARKREAD #lobby timestamp=2024-05-01T12:01:00.500Z"]
    chat.model.tick()
    assert chat.sent() == []  # nothing newer


def test_our_own_lines_and_other_conversations_do_not_mark_the_screen_read() -> None:
    chat = in_lobby_and_games()
    chat.proto.caps_enabled.add("draft/read-marker")
    chat.feed(f"@time=2024-05-01T12:01:00.000Z;msgid=y1 {ANA} PRIVMSG #lobby :me")
    chat.feed("@time=2024-05-01T12:02:00.000Z;msgid=y2 :dee!~dee@h4 PRIVMSG #games :hey")
    assert chat.sent() == []
    chat.model.select(fold("#games"))  # looking at it reads it
    assert chat.sent() == ["MARKREAD #games timestamp=2024-05-01T12:02:00.000Z"]


def test_without_read_markers_nothing_is_marked() -> None:
    chat = in_lobby()
    chat.feed(f"@time=2024-05-01T12:01:00.000Z;msgid=z1 {BO} PRIVMSG #lobby :one")
    assert chat.sent() == []


# -- the filing on its own -----------------------------------------------------------------


def test_the_filing_files_counts_and_closes_on_its_own() -> None:
    """Its operations are public and need no chat model: what the typed input and the event
    handling both rely on."""
    filing = ConversationFiling(ClientProtocol("ana"))
    room = filing.open("#lobby", ConversationKind.ROOM)
    changes = Changes()
    for text in ("hi", "ana, lunch?", "anyone?"):
        line = Line(NOW, LineKind.MESSAGE, text, "bo", mention=filing.mentions_me(text))
        filing.add(room, line, changes)
    assert [line.text for line in room.lines] == ["hi", "ana, lunch?", "anyone?"]
    assert (room.unread, room.mentioned, changes.conversations) == (3, True, True)
    filing.select(room.key)
    assert (filing.current, room.unread, room.mentioned) == (room.key, 0, False)
    filing.close(room.key, changes)
    assert filing.current == SERVER_KEY and list(filing.conversations) == [SERVER_KEY]

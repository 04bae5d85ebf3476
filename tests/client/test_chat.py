"""The chat model every first-party client draws, driven by a real client core fed server lines.

Each test registers a :class:`ClientProtocol` with server bytes, passes every event it reports
to :meth:`ChatModel.handle`, types lines with :meth:`ChatModel.submit` and reads what the core
would write to the server from :meth:`ClientProtocol.data_to_send`. No network, no sleeps.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from chinwag.client import events as ev
from chinwag.client.chat import (
    BANNER_DOWN,
    BANNER_NOW,
    MISSED,
    SERVER_KEY,
    Changes,
    ChatModel,
    Conversation,
    ConversationKind,
    Line,
    LineKind,
    Link,
    MemberView,
    PasswordRequest,
)
from chinwag.client.colors import PALETTE, nick_color
from chinwag.client.commands import HELP, HELP_FOOTER
from chinwag.client.protocol import ClientProtocol
from chinwag.protocol.casemap import Folded, fold

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
CAPS = (
    "server-time echo-message draft/metadata-2 away-notify batch labeled-response "
    "message-tags multi-prefix"
)
ANA = ":ana!~ana@127.0.0.1"
BO = ":bo!~bo@h1"
CY = ":cy!~cy@h2"


class Chat:
    """A ChatModel on a ClientProtocol, fed server lines; a fake monotonic clock."""

    def __init__(self, nick: str = "ana", *, caps: str = CAPS, scrollback: int = 2000) -> None:
        self.nick = nick
        self.caps = caps
        self.monotonic = 1000.0
        self.proto = ClientProtocol(nick, clock=lambda: NOW)
        self.model = ChatModel(self.proto, scrollback=scrollback, clock=lambda: self.monotonic)

    # -- driving ---------------------------------------------------------------------------

    def feed(self, *lines: str) -> Changes:
        """The server sends ``lines``; every event goes to the model."""
        events = self.proto.receive("".join(line + "\r\n" for line in lines).encode())
        return self.deliver(events + self.proto.take_events())

    def deliver(self, events: list[ev.Event]) -> Changes:
        changes = Changes()
        for event in events:
            changes.merge(self.model.handle(event))
        return changes

    def type(self, text: str) -> Changes:
        """The person types ``text`` and presses Enter."""
        changes = self.model.submit(text)
        changes.merge(self.deliver(self.proto.take_events()))
        return changes

    def sent(self) -> list[str]:
        """The lines the core queued for the server since the last call."""
        return self.proto.data_to_send().decode().split("\r\n")[:-1]

    def connect(self) -> Changes:
        """A fresh connection: CAP, the welcome burst, the end of the MOTD."""
        self.proto.register()
        changes = self.feed(f":irc.test CAP * LS :{self.caps}")
        for line in self.sent():
            if line.startswith("CAP REQ"):
                wanted = line.split(" ", 2)[2].lstrip(":")
                changes.merge(self.feed(f":irc.test CAP * ACK :{wanted}"))
        n = self.nick
        changes.merge(
            self.feed(
                f":irc.test 001 {n} :Welcome to the TestNet IRC Network {n}",
                f":irc.test 002 {n} :Your host is irc.test",
                f":irc.test 003 {n} :This server was created today",
                f":irc.test 004 {n} irc.test chinwag-0.1 Bio biklmnst bkl",
                f":irc.test 005 {n} PREFIX=(ov)@+ CHANTYPES=# NETWORK=TestNet NICKLEN=30 "
                ":are supported by this server",
                f":irc.test 376 {n} :End of /MOTD command.",
            )
        )
        return changes

    def join(self, room: str, names: str = "ana", topic: str | None = None) -> Changes:
        """The server's answer to our JOIN of ``room``: the echo, the topic, the names."""
        lines = [f"{ANA} JOIN {room}"]
        if topic is not None:
            lines.append(f":irc.test 332 ana {room} :{topic}")
        lines += [f":irc.test 353 ana = {room} :{names}", f":irc.test 366 ana {room} :End"]
        return self.feed(*lines)

    # -- reading ---------------------------------------------------------------------------

    def conv(self, name: str) -> Conversation:
        return self.model.conversations[fold(name)]

    def lines(self, name: str) -> list[Line]:
        return list(self.conv(name).lines)

    def texts(self, name: str) -> list[str]:
        return [line.text for line in self.conv(name).lines]

    def last(self, name: str) -> Line:
        return self.conv(name).lines[-1]

    @property
    def current(self) -> Folded:
        return self.model.current


def online(nick: str = "ana", **options: object) -> Chat:
    chat = Chat(nick, **options)  # type: ignore[arg-type]
    chat.connect()
    chat.sent()
    return chat


def in_lobby(names: str = "@bo ana +cy", topic: str | None = None, **options: object) -> Chat:
    """Registered and in #lobby (on screen), its automatic WHO answered and drained."""
    chat = online(**options)  # type: ignore[arg-type]
    chat.join("#lobby", names, topic)
    chat.sent()
    chat.feed(":irc.test 315 ana #lobby :End of /WHO list.")
    return chat


def in_lobby_and_games() -> Chat:
    chat = in_lobby()
    chat.join("#games", "ana dee")
    chat.sent()
    chat.feed(":irc.test 315 ana #games :End of /WHO list.")
    return chat


def is_safe(text: str | None) -> bool:
    """No C0 control, DEL or C1 control character."""
    return text is None or not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in text)


# -- registration and landing --------------------------------------------------------------


def test_registration_goes_online_and_welcomes_in_the_server_window() -> None:
    chat = Chat()
    assert chat.model.banner() is None and chat.model.link.value == "connecting"
    changes = chat.connect()
    assert changes.status
    assert chat.model.link is Link.ONLINE
    assert chat.model.banner() is None
    assert chat.current == SERVER_KEY
    assert "Welcome to TestNet, ana" in chat.texts("*")


def test_landing_in_a_room_opens_and_selects_it_and_asks_quietly_who_is_there() -> None:
    chat = online()
    changes = chat.join("#lobby", "@bo ana +cy")
    lobby = chat.conv("#lobby")
    assert lobby.kind is ConversationKind.ROOM and lobby.joined
    assert chat.current == fold("#lobby")
    assert changes.conversations and changes.members
    [line] = chat.lines("#lobby")
    assert (line.kind, line.nick, line.text, line.is_self) == (
        LineKind.JOIN,
        "ana",
        "joined #lobby",
        True,
    )
    assert chat.sent() == ["WHO #lobby"]
    # The automatic WHO only updates the member list: nothing is printed.
    answer = chat.feed(
        ":irc.test 352 ana #lobby ~bo h1 irc.test bo G@ :0 Bo",
        ":irc.test 315 ana #lobby :End of /WHO list.",
    )
    assert answer.lines == []
    assert answer.members
    assert len(chat.lines("#lobby")) == 1
    assert [view.away for view in chat.model.members() if view.nick == "bo"] == [True]


def test_a_second_room_joined_from_elsewhere_does_not_take_the_screen() -> None:
    chat = in_lobby()
    chat.join("#games", "ana dee")
    assert chat.current == fold("#lobby")
    assert chat.conv("#games").joined


# -- messages, unread counts and mentions --------------------------------------------------


def test_a_message_in_the_current_room_is_shown_and_not_unread() -> None:
    chat = in_lobby_and_games()
    changes = chat.feed(f"{BO} PRIVMSG #lobby :hello all")
    line = chat.last("#lobby")
    assert (line.kind, line.nick, line.text, line.is_self) == (
        LineKind.MESSAGE,
        "bo",
        "hello all",
        False,
    )
    assert changes.lines == [(chat.conv("#lobby"), line)]
    assert chat.conv("#lobby").unread == 0


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


def test_typing_in_a_room_sends_it_and_shows_the_echo_as_ours() -> None:
    chat = in_lobby()
    assert chat.type("hello  there").lines == []  # shown when the server echoes it
    assert chat.sent() == ["PRIVMSG #lobby :hello  there"]
    chat.feed(f"{ANA} PRIVMSG #lobby :hello  there")
    line = chat.last("#lobby")
    assert (line.nick, line.text, line.is_self) == ("ana", "hello  there", True)


def test_without_echo_message_our_line_is_shown_at_once() -> None:
    chat = in_lobby(caps="server-time batch multi-prefix")
    changes = chat.type("hi")
    assert chat.sent() == ["PRIVMSG #lobby hi"]
    line = chat.last("#lobby")
    assert (line.nick, line.text, line.is_self) == ("ana", "hi", True)
    assert changes.lines == [(chat.conv("#lobby"), line)]


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


def test_a_direct_message_opens_its_own_conversation_and_always_highlights() -> None:
    chat = in_lobby()
    changes = chat.feed(f"{BO} PRIVMSG ana :psst")
    dm = chat.conv("bo")
    assert dm.kind is ConversationKind.DIRECT and dm.name == "bo"
    assert chat.current == fold("#lobby")  # not taken to it
    assert changes.conversations
    line = dm.lines[-1]
    assert (line.kind, line.nick, line.text, line.mention) == (
        LineKind.MESSAGE,
        "bo",
        "psst",
        True,
    )
    assert dm.unread == 1 and dm.mentioned


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


def test_a_server_notice_goes_to_the_server_window() -> None:
    chat = in_lobby()
    chat.feed(":irc.test NOTICE ana :*** maintenance at noon")
    assert chat.last("*").kind is LineKind.NOTICE
    assert chat.last("*").text == "*** maintenance at noon"
    assert chat.lines("#lobby")[-1].text != "*** maintenance at noon"


def test_a_service_notice_with_no_conversation_shows_where_the_person_is() -> None:
    chat = in_lobby()
    chat.feed(":NickServ!services@services.test NOTICE ana :You are not logged in")
    assert fold("NickServ") not in chat.model.conversations
    assert chat.last("#lobby").text == "You are not logged in"


def test_actions_are_sent_and_shown_as_actions() -> None:
    chat = in_lobby()
    chat.type("/me waves  hello")
    assert chat.sent() == ["PRIVMSG #lobby :\x01ACTION waves  hello\x01"]
    chat.feed(f"{BO} PRIVMSG #lobby :\x01ACTION waves back\x01")
    line = chat.last("#lobby")
    assert (line.kind, line.nick, line.text) == (LineKind.ACTION, "bo", "waves back")


# -- direct messages and @all --------------------------------------------------------------


def test_at_nick_opens_and_selects_the_conversation_and_sends() -> None:
    chat = in_lobby()
    changes = chat.type("@bo hi")
    assert chat.sent() == ["PRIVMSG bo hi"]
    assert chat.current == fold("bo")
    assert chat.conv("bo").kind is ConversationKind.DIRECT
    assert changes.conversations
    chat.feed(f"{ANA} PRIVMSG bo hi")
    line = chat.last("bo")
    assert (line.nick, line.text, line.is_self, line.mention) == ("ana", "hi", True, False)
    assert chat.conv("bo").unread == 0


def test_at_nick_alone_opens_the_conversation_and_sends_nothing() -> None:
    chat = in_lobby()
    chat.type("@Bo")
    assert chat.sent() == []
    assert chat.current == fold("bo")
    assert chat.conv("bo").name == "Bo"


def test_msg_to_an_open_conversation_selects_it_without_a_second_one() -> None:
    chat = in_lobby()
    chat.feed(f"{BO} PRIVMSG ana :psst")
    chat.type("/msg BO what?")
    assert chat.sent() == ["PRIVMSG BO what?"]
    assert chat.current == fold("bo")
    assert [c.name for c in chat.model.conversations.values()] == ["server", "#lobby", "bo"]
    assert chat.conv("bo").unread == 0 and not chat.conv("bo").mentioned


def test_at_a_room_name_is_not_a_direct_message() -> None:
    chat = in_lobby()
    chat.type("@#games hi")
    assert chat.sent() == []
    assert chat.last("#lobby").kind is LineKind.ERROR


def test_typing_in_a_direct_conversation_messages_that_person() -> None:
    chat = in_lobby()
    chat.type("@bo")
    chat.type("how are you")
    assert chat.sent() == ["PRIVMSG bo :how are you"]


def test_at_all_messages_the_room() -> None:
    chat = in_lobby()
    chat.type("@all dinner is ready")
    assert chat.sent() == ["PRIVMSG #lobby :dinner is ready"]


def test_at_all_in_a_direct_conversation_is_an_error_and_sends_nothing() -> None:
    chat = in_lobby()
    chat.type("@bo")
    chat.type("@all hi")
    assert chat.sent() == []
    line = chat.last("bo")
    assert line.kind is LineKind.ERROR and "@all" in line.text


def test_typing_in_the_server_window_is_an_error_and_sends_nothing() -> None:
    chat = online()
    for text in ["hello?", "@all hi", "/me waves"]:
        chat.type(text)
        assert chat.last("*").kind is LineKind.ERROR
    assert chat.sent() == []


# -- rooms ---------------------------------------------------------------------------------


def test_join_adds_the_hash_and_selects_the_room_when_joined() -> None:
    chat = in_lobby()
    chat.type("/join games")
    assert chat.sent() == ["JOIN #games"]
    assert chat.current == fold("#lobby")  # until the server says we are in
    chat.join("#games", "ana dee")
    assert chat.current == fold("#games")
    assert chat.conv("#games").joined


def test_join_with_a_key_sends_it() -> None:
    chat = in_lobby()
    chat.type("/join #vault sesame")
    assert chat.sent() == ["JOIN #vault sesame"]


def test_join_of_a_room_we_are_in_shows_it_at_once() -> None:
    chat = in_lobby_and_games()
    chat.type("/join #games")
    assert chat.current == fold("#games")


def test_rejoining_after_a_reconnect_keeps_the_conversation_on_screen() -> None:
    chat = in_lobby_and_games()
    chat.type("/join #lobby")  # already there: shown at once, nothing left pending
    chat.model.select(fold("#games"))
    chat.deliver(chat.proto.connection_lost("Connection reset by peer"))
    chat.connect()
    assert set(chat.sent()) >= {"JOIN #lobby", "JOIN #games"}
    chat.join("#lobby", "ana")
    chat.join("#games", "ana")
    assert chat.current == fold("#games")
    assert chat.conv("#lobby").joined and chat.conv("#games").joined


def test_leave_parts_the_room_which_closes_on_the_echo_and_shows_another() -> None:
    chat = in_lobby_and_games()
    chat.model.select(fold("#games"))
    chat.type("/leave")
    assert chat.sent() == ["PART #games"]
    assert fold("#games") in chat.model.conversations  # until the server confirms
    changes = chat.feed(f"{ANA} PART #games")
    assert fold("#games") not in chat.model.conversations
    assert chat.current == fold("#lobby")
    assert changes.conversations
    part = chat.last("*")
    assert (part.kind, part.text) == (LineKind.PART, "left #games")


def test_part_with_a_reason_sends_it() -> None:
    chat = in_lobby()
    chat.type("/part off to bed")
    assert chat.sent() == ["PART #lobby :off to bed"]


def test_part_names_another_room() -> None:
    chat = in_lobby_and_games()
    chat.type("/part #games later")
    assert chat.sent() == ["PART #games later"]
    chat.feed(f"{ANA} PART #games :later")
    assert fold("#games") not in chat.model.conversations
    assert chat.current == fold("#lobby")


def test_leave_in_a_direct_conversation_closes_it_without_telling_anyone() -> None:
    chat = in_lobby()
    chat.type("@bo")
    chat.type("/leave")
    assert chat.sent() == []
    assert fold("bo") not in chat.model.conversations
    assert chat.current == fold("#lobby")


def test_leave_in_the_server_window_is_an_error() -> None:
    chat = online()
    chat.type("/leave")
    assert chat.sent() == []
    assert chat.last("*").kind is LineKind.ERROR


def test_leave_after_being_kicked_closes_the_room_locally() -> None:
    chat = in_lobby()
    chat.feed(f"{BO} KICK #lobby ana :behave")
    lobby = chat.conv("#lobby")
    assert not lobby.joined
    assert lobby.lines[-1].text == "was removed from #lobby by bo (behave)"
    chat.type("/leave")
    assert chat.sent() == []
    assert fold("#lobby") not in chat.model.conversations
    assert chat.current == SERVER_KEY


def test_others_joining_and_leaving_are_shown() -> None:
    chat = in_lobby()
    chat.feed(":dee!~dee@h4 JOIN #lobby", ":dee!~dee@h4 PART #lobby :gone")
    join, part = chat.lines("#lobby")[-2:]
    assert (join.kind, join.nick, join.text) == (LineKind.JOIN, "dee", "joined #lobby")
    assert (part.kind, part.nick, part.text) == (LineKind.PART, "dee", "left #lobby (gone)")


# -- who is online -------------------------------------------------------------------------


def test_online_asks_who_and_lists_the_room_with_away_marks() -> None:
    chat = in_lobby()
    chat.type("@online")
    assert chat.sent() == ["WHO #lobby"]
    changes = chat.feed(
        ":irc.test 352 ana #lobby ~bo h1 irc.test bo H@ :0 Bo",
        ":irc.test 352 ana #lobby ~ana 127.0.0.1 irc.test ana H :0 Ana",
        ":irc.test 352 ana #lobby ~cy h2 irc.test cy G+ :0 Cy",
        ":irc.test 315 ana #lobby :End of /WHO list.",
    )
    line = chat.last("#lobby")
    assert (line.kind, line.text) == (LineKind.INFO, "In #lobby (3): ana, @bo, +cy (away)")
    assert changes.lines == [(chat.conv("#lobby"), line)]
    # The next WHO (after a rejoin, say) is quiet again.
    assert chat.feed(":irc.test 315 ana #lobby :End of /WHO list.").lines == []


@pytest.mark.parametrize("text", ["/who", "/names"])
def test_who_and_names_are_online_too(text: str) -> None:
    chat = in_lobby()
    chat.type(text)
    assert chat.sent() == ["WHO #lobby"]


def test_online_outside_a_room_lists_everyone_online() -> None:
    chat = online()
    chat.type("@online")
    assert chat.sent() == ["WHO *"]
    chat.feed(
        ":irc.test 352 ana * ~bo h1 irc.test bo H :0 Bo",
        ":irc.test 352 ana * ~ana h irc.test ana H :0 Ana",
        ":irc.test 315 ana * :End of /WHO list.",
    )
    assert chat.last("*").text == "Online (2): ana, bo"


def test_online_while_disconnected_is_an_error_and_leaves_nothing_pending() -> None:
    chat = in_lobby()
    chat.deliver(chat.proto.connection_lost("Connection reset by peer"))
    chat.type("@online")
    assert chat.last("#lobby").text == "Not connected to the server: not sent"
    chat.connect()
    chat.join("#lobby", "ana bo")
    before = len(chat.lines("#lobby"))
    # The automatic WHO after the rejoin must stay quiet.
    chat.feed(":irc.test 315 ana #lobby :End of /WHO list.")
    assert len(chat.lines("#lobby")) == before


def test_list_while_disconnected_leaves_nothing_pending() -> None:
    chat = in_lobby()
    chat.deliver(chat.proto.connection_lost("gone"))
    chat.type("/list")
    assert chat.last("#lobby").kind is LineKind.ERROR
    chat.connect()
    chat.sent()
    before = len(chat.lines("#lobby"))
    chat.feed(":irc.test 321 ana Channel :Users Name", ":irc.test 323 ana :End of /LIST")
    assert len(chat.lines("#lobby")) == before


# -- colours -------------------------------------------------------------------------------


def test_color_by_name_sets_the_metadata_and_says_so() -> None:
    chat = in_lobby()
    changes = chat.type("/color teal")
    assert chat.sent() == ["METADATA * SET color #008787"]
    assert changes.members
    assert chat.model.own_color == "#008787"
    line = chat.last("#lobby")
    assert (line.kind, line.text) == (LineKind.INFO, "Your colour is now teal")


def test_color_with_a_space_in_the_name_and_hex_work() -> None:
    chat = in_lobby()
    chat.type("/color Light Blue")
    chat.type("/color #123456")
    assert chat.sent() == ["METADATA * SET color #afd7ff", "METADATA * SET color #123456"]


def test_an_unknown_colour_is_an_error_and_sends_nothing() -> None:
    chat = in_lobby()
    chat.type("/color mauve")
    assert chat.sent() == []
    line = chat.last("#lobby")
    assert line.kind is LineKind.ERROR and "mauve" in line.text


def test_color_alone_lists_the_palette() -> None:
    chat = in_lobby()
    chat.type("/color")
    assert chat.sent() == []
    texts = chat.texts("#lobby")
    assert f"You have no colour set (yours is derived from your nick: {nick_color('ana')})" in (
        texts
    )
    [palette] = [text for text in texts if text.startswith("Colours: ")]
    assert palette == "Colours: " + ", ".join(PALETTE)
    chat.type("/color pink")
    chat.type("/color")
    assert "Your colour is pink" in chat.texts("#lobby")


def test_color_none_goes_back_to_the_derived_colour() -> None:
    chat = in_lobby()
    chat.type("/color red")
    chat.type("/color none")
    assert chat.sent() == ["METADATA * SET color #ff0000", "METADATA * SET color"]
    assert chat.model.own_color == nick_color("ana")


def test_without_metadata_the_colour_is_kept_locally_and_the_person_is_told() -> None:
    chat = in_lobby(caps="server-time echo-message batch multi-prefix")
    chat.type("/color teal")
    assert chat.sent() == []
    assert "only you see it" in chat.last("#lobby").text
    assert chat.model.own_color == "#008787"


# -- topic, whois, list, help and the rest -------------------------------------------------


def test_the_topic_on_join_is_shown_and_readable() -> None:
    chat = online()
    chat.join("#lobby", "ana", topic="Welcome all")
    assert chat.model.topic == "Welcome all"
    assert "Topic: Welcome all" in chat.texts("#lobby")


def test_topic_alone_shows_it_and_with_text_sets_it() -> None:
    chat = in_lobby(topic="Welcome all")
    chat.type("/topic")
    assert chat.last("#lobby").text == "Topic: Welcome all"
    chat.type("/topic games  night")
    assert chat.sent() == ["TOPIC #lobby :games  night"]
    changes = chat.feed(f"{ANA} TOPIC #lobby :games  night")
    assert changes.topic
    assert chat.model.topic == "games  night"
    line = chat.last("#lobby")
    assert (line.kind, line.nick, line.text, line.is_self) == (
        LineKind.TOPIC,
        "ana",
        "changed the topic to: games  night",
        True,
    )


def test_topic_without_one_set_says_how_to_set_it() -> None:
    chat = in_lobby()
    chat.type("/topic")
    assert chat.last("#lobby").text == "No topic is set: /topic <text> sets one"


def test_topic_outside_a_room_is_an_error() -> None:
    chat = online()
    chat.type("/topic hello")
    assert chat.sent() == []
    assert chat.last("*").kind is LineKind.ERROR
    assert chat.model.topic == ""


def test_whois_shows_what_the_server_said() -> None:
    chat = in_lobby()
    chat.feed(":irc.test METADATA bo color * :#ff0000")
    chat.type("/whois bo")
    assert chat.sent() == ["WHOIS bo"]
    changes = chat.feed(
        ":irc.test 311 ana bo ~bo h1 * :Bo Real",
        ":irc.test 319 ana bo :@#lobby #games",
        ":irc.test 330 ana bo bob :is logged in as",
        ":irc.test 301 ana bo :lunch",
        ":irc.test 317 ana bo 125 1700000000 :seconds idle, signon time",
        ":irc.test 318 ana bo :End of /WHOIS list.",
    )
    assert [line.text for _, line in changes.lines] == [
        "bo is ~bo@h1 (Bo Real)",
        "in @#lobby #games",
        "logged in as bob",
        "away: lunch",
        "idle 2m",
        "colour red",
    ]
    assert all(line.kind is LineKind.INFO for _, line in changes.lines)


def test_whois_of_someone_not_online_is_an_error_line() -> None:
    chat = in_lobby()
    chat.type("/whois zed")
    chat.feed(":irc.test 401 ana zed :No such nick/channel", ":irc.test 318 ana zed :End of /WHOIS")
    line = chat.last("#lobby")
    assert (line.kind, line.text) == (LineKind.ERROR, "zed is not online")


def test_list_shows_the_rooms_busiest_first() -> None:
    chat = in_lobby()
    chat.type("/list")
    assert chat.sent() == ["LIST"]
    changes = chat.feed(
        ":irc.test 321 ana Channel :Users Name",
        ":irc.test 322 ana #games 3 :Play",
        ":irc.test 322 ana #lobby 5 :",
        ":irc.test 323 ana :End of /LIST",
    )
    assert [line.text for _, line in changes.lines] == [
        "2 rooms:",
        "  #lobby (5)",
        "  #games (3): Play",
    ]


def test_list_with_no_rooms_says_how_to_make_one() -> None:
    chat = in_lobby()
    chat.type("/list")
    chat.feed(":irc.test 323 ana :End of /LIST")
    assert chat.last("#lobby").text == "There are no rooms yet: /join #name"


def test_a_list_nobody_asked_for_prints_nothing() -> None:
    chat = in_lobby()
    changes = chat.feed(":irc.test 322 ana #games 3 :Play", ":irc.test 323 ana :End of /LIST")
    assert changes.lines == []


def test_help_lists_every_command_row_where_the_person_is() -> None:
    chat = online()
    chat.type("@help")
    texts = chat.texts("*")
    start = texts.index("Commands:")
    rows = texts[start + 1 : start + 1 + len(HELP)]
    for row, text in zip(HELP, rows, strict=True):
        assert row.usage in text and row.does in text
    assert texts[start + 1 + len(HELP)] == HELP_FOOTER
    assert chat.sent() == []


def test_nick_away_and_back() -> None:
    chat = in_lobby()
    chat.type("/nick Anna")
    assert chat.sent() == ["NICK Anna"]
    changes = chat.feed(f"{ANA} NICK Anna")
    assert changes.nick and chat.model.nick == "Anna"
    assert chat.last("#lobby").text == "is now known as Anna"
    assert chat.last("*").text == "is now known as Anna"

    chat.type("/away lunch")
    assert chat.sent() == ["AWAY lunch"]
    chat.feed(":irc.test 306 Anna :You have been marked as being away")
    assert chat.last("#lobby").text == "You are marked away: lunch"
    assert [view.away for view in chat.model.members() if view.nick == "Anna"] == [True]
    chat.type("/away")
    assert chat.sent() == ["AWAY"]
    chat.feed(":irc.test 305 Anna :You are no longer marked as being away")
    assert chat.last("#lobby").text == "You are back"
    assert [view.away for view in chat.model.members() if view.nick == "Anna"] == [False]


def test_a_nick_in_use_is_reported() -> None:
    chat = in_lobby()
    chat.type("/nick bo")
    changes = chat.feed(":irc.test 433 ana bo :Nickname is already in use")
    assert changes.nick
    line = chat.last("#lobby")
    assert line.kind is LineKind.ERROR
    assert line.text == "The nick bo is not available: Nickname is already in use"
    assert chat.model.nick == "ana"


def test_an_unknown_command_is_an_error_line_and_sends_nothing() -> None:
    chat = in_lobby()
    chat.type("/frobnicate now")
    assert chat.sent() == []
    line = chat.last("#lobby")
    assert (line.kind, line.text) == (
        LineKind.ERROR,
        "Unknown command /frobnicate: @help lists the commands",
    )


def test_a_command_with_wrong_arguments_shows_its_usage() -> None:
    chat = in_lobby()
    chat.type("/join")
    assert chat.sent() == []
    line = chat.last("#lobby")
    assert line.kind is LineKind.ERROR
    assert line.text.startswith("Usage: /join <room>")


def test_a_blank_line_does_nothing() -> None:
    chat = in_lobby()
    before = len(chat.lines("#lobby"))
    assert chat.type("   ") == Changes()
    assert chat.sent() == []
    assert len(chat.lines("#lobby")) == before


@pytest.mark.parametrize(
    ("text", "reason"), [("/quit bye", "bye"), ("/exit", ""), ("@disconnect", "")]
)
def test_quitting_asks_the_ui_to_leave_with_the_reason(text: str, reason: str) -> None:
    chat = in_lobby()
    changes = chat.type(text)
    assert changes.quit == reason
    assert chat.sent() == []  # the UI tells the runner, which sends QUIT


# -- time ----------------------------------------------------------------------------------


@pytest.fixture
def kolkata() -> Iterator[None]:
    """Local time is UTC+05:30 for the test (the clock column is local time)."""
    if not hasattr(time, "tzset"):
        pytest.skip("needs time.tzset")
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Kolkata"
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = saved
        time.tzset()


@pytest.mark.usefixtures("kolkata")
def test_a_message_keeps_its_server_time_and_shows_it_in_local_time() -> None:
    chat = in_lobby()
    chat.feed(f"@time=2026-01-02T03:04:05.000Z {BO} PRIVMSG #lobby :from the past")
    line = chat.last("#lobby")
    assert line.time == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert line.clock == line.time.astimezone().strftime("%H:%M")
    assert line.clock == "08:34"


def test_without_server_time_a_line_has_the_time_it_was_read() -> None:
    chat = in_lobby()
    chat.feed(f"{BO} PRIVMSG #lobby :now")
    assert chat.last("#lobby").time == NOW


# -- people coming and going ---------------------------------------------------------------


def test_a_direct_partner_changing_nick_renames_the_conversation() -> None:
    chat = in_lobby()
    chat.feed(f"{BO} PRIVMSG ana :psst")
    chat.model.select(fold("bo"))
    changes = chat.feed(f"{BO} NICK Robert")
    assert changes.conversations
    assert fold("bo") not in chat.model.conversations
    dm = chat.conv("robert")
    assert dm.name == "Robert" and dm.kind is ConversationKind.DIRECT
    assert chat.current == fold("robert")
    assert [line.text for line in dm.lines] == ["psst", "is now known as Robert"]
    assert dm.lines[-1].nick == "bo"
    assert chat.last("#lobby").text == "is now known as Robert"
    chat.type("still there?")
    assert chat.sent() == ["PRIVMSG Robert :still there?"]


def test_taking_the_nick_of_an_earlier_conversation_merges_the_two_losing_nothing() -> None:
    chat = in_lobby()
    chat.feed("@time=2024-05-01T10:00:00.000Z :robert!~r@h9 PRIVMSG ana :old chat")
    chat.feed(f"@time=2024-05-01T11:00:00.000Z {BO} PRIVMSG ana :psst")
    chat.feed("@time=2024-05-01T11:30:00.000Z :robert!~r@h9 QUIT :gone")
    chat.feed(f"@time=2024-05-01T11:45:00.000Z {BO} NICK robert")
    assert [c.name for c in chat.model.conversations.values()] == ["server", "#lobby", "robert"]
    dm = chat.conv("robert")
    assert [line.text for line in dm.lines] == [
        "old chat",
        "psst",
        "quit (gone)",
        "is now known as robert",
    ]
    assert dm.unread == 2 and dm.mentioned


def test_a_quit_is_shown_in_shared_rooms_and_the_direct_conversation_only() -> None:
    chat = in_lobby_and_games()
    chat.feed(f"{BO} PRIVMSG ana :psst")
    before = len(chat.lines("#games"))
    chat.feed(f"{BO} QUIT :Quit: gone")
    for name in ("#lobby", "bo"):
        line = chat.last(name)
        assert (line.kind, line.nick, line.text) == (LineKind.QUIT, "bo", "quit (Quit: gone)")
    assert len(chat.lines("#games")) == before
    assert "bo" not in [view.nick for view in chat.model.members()]


# -- the connection ------------------------------------------------------------------------


def test_a_lost_connection_is_down_with_an_error_line() -> None:
    chat = in_lobby()
    changes = chat.deliver(chat.proto.connection_lost("Connection reset by peer"))
    assert changes.status
    assert chat.model.link is Link.DOWN
    line = chat.last("#lobby")
    assert (line.kind, line.text) == (LineKind.ERROR, "Disconnected: Connection reset by peer")
    assert not chat.conv("#lobby").joined
    chat.type("anyone?")
    assert chat.last("#lobby").text == "Not connected to the server: not sent"


def test_the_reconnection_banner_counts_down_with_the_clock() -> None:
    chat = in_lobby()
    chat.deliver(chat.proto.connection_lost("Connection reset by peer"))
    changes = chat.model.handle(ev.Reconnecting(5, 1))
    assert changes.status
    assert chat.model.banner() == "Server is down — reconnecting in 5s (press Ctrl-C to quit)"
    assert BANNER_DOWN.format(seconds=5) == chat.model.banner()
    chat.monotonic += 1
    assert chat.model.banner() == BANNER_DOWN.format(seconds=4)
    chat.monotonic += 2.5
    assert chat.model.banner() == BANNER_DOWN.format(seconds=2)  # 1.5s left, rounded up
    chat.monotonic += 1.5
    assert chat.model.banner() == BANNER_NOW
    assert "reconnecting now" in BANNER_NOW
    chat.monotonic += 10
    assert chat.model.banner() == BANNER_NOW


def test_registering_again_is_online_with_a_reconnected_line_everywhere() -> None:
    chat = in_lobby()
    chat.feed(f"{BO} PRIVMSG ana :psst")
    chat.deliver(chat.proto.connection_lost("Connection reset by peer"))
    chat.model.handle(ev.Reconnecting(5, 1))
    changes = chat.connect()
    assert changes.status
    assert chat.model.link is Link.ONLINE
    assert chat.model.banner() is None
    for name in ("*", "#lobby", "bo"):
        assert chat.last(name).text == "Reconnected"
    assert "JOIN #lobby" in chat.sent()
    chat.join("#lobby", "ana bo")
    assert chat.conv("#lobby").joined
    assert chat.current == fold("#lobby")


def test_quitting_closes_the_link_without_a_banner() -> None:
    chat = in_lobby()
    before = len(chat.lines("#lobby"))
    chat.proto.quit("bye")
    assert chat.sent() == ["QUIT bye"]
    chat.deliver(chat.proto.connection_lost("Closed"))
    chat.model.handle(ev.Reconnecting(5, 1))
    assert chat.model.link is Link.CLOSED
    assert chat.model.banner() is None
    assert len(chat.lines("#lobby")) == before


def test_an_error_from_the_server_is_shown_verbatim() -> None:
    chat = in_lobby()
    text = "Closing link: (~ana@127.0.0.1) [Ping timeout: 120 seconds]"
    chat.feed(f"ERROR :{text}")
    for name in ("#lobby", "*"):
        line = chat.last(name)
        assert line.kind is LineKind.ERROR
        assert text in line.text


# -- nothing from the network reaches the screen raw ---------------------------------------

NASTY = "\x1b[2J\x1b]0;pwned\x07\x9b31m\x07\x1b(0\x02bold\x02 \x0304,12red\x03\x1f\x0f\x16"


def test_control_characters_and_escapes_never_reach_a_line() -> None:
    chat = in_lobby_and_games()
    chat.feed(
        f"{BO} PRIVMSG #lobby :hi{NASTY} [bold]x[/] there",
        f"{BO} PRIVMSG ana :dm{NASTY}",
        f"{BO} PRIVMSG #lobby :\x01ACTION waves{NASTY}\x01",
        f"{BO} NOTICE #lobby :note\x1b[31m",
        ":b\x1b[31mad\x07!~x@h JOIN #lobby",
        ":b\x1b[31mad\x07!~x@h PRIVMSG #lobby :from a bad nick",
        f"{CY} TOPIC #lobby :\x1b]0;title\x07Topic\x9b2J here{NASTY}",
        f"{CY} QUIT :bye\x1b[2J\x07now\x9b",
        "ERROR :Closing\x1b[2J link",
        ":irc.test NOTICE ana :server\x07notice\x1b[1m",
    )
    lobby = chat.lines("#lobby")
    assert lobby[-1].text != ""
    for conversation in chat.model.conversations.values():
        for line in conversation.lines:
            assert is_safe(line.text), line
            assert is_safe(line.nick), line
    assert is_safe(chat.model.topic)
    assert "Topic here" in chat.model.topic
    for view in chat.model.members():
        assert is_safe(view.nick)
    texts = [line.text for line in lobby]
    assert "hibold red [bold]x[/] there" in texts  # escapes gone, markup kept as typed
    assert "wavesbold red" in texts
    [from_bad] = [line for line in lobby if line.text == "from a bad nick"]
    assert from_bad.nick == "bad"


def test_markup_in_a_message_is_kept_literally() -> None:
    chat = in_lobby()
    chat.feed(f"{BO} PRIVMSG #lobby :[bold]x[/] and [red]y[/red] \\[z]")
    assert chat.last("#lobby").text == "[bold]x[/] and [red]y[/red] \\[z]"


def test_who_whois_list_and_reasons_are_cleaned_too() -> None:
    chat = in_lobby()
    chat.type("@online")
    chat.type("/whois bo")
    chat.type("/list")
    chat.feed(
        ":irc.test 352 ana #lobby ~bo h1 irc.test b\x1b[1mo H :0 Bo",
        ":irc.test 315 ana #lobby :End",
        ":irc.test 311 ana bo ~b\x07o h\x1b]0;x\x071 * :Bo\x9b Real",
        ":irc.test 319 ana bo :#lob\x1bby",
        ":irc.test 318 ana bo :End",
        ":irc.test 322 ana #ga\x07mes 3 :Pl\x1b[5may",
        ":irc.test 323 ana :End",
        f"{BO} PART #lobby :see\x1b[2J you\x07",
        ":irc.test 401 ana x :No\x1b[31m such nick",
    )
    for line in chat.lines("#lobby"):
        assert is_safe(line.text) and is_safe(line.nick), line


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


# -- completions ---------------------------------------------------------------------------


def test_commands_complete_at_the_start_of_the_line_only() -> None:
    chat = in_lobby()
    assert chat.model.completions("/jo", at_start=True) == ["/join"]
    assert chat.model.completions("/JO", at_start=True) == ["/join"]
    assert chat.model.completions("@on", at_start=True) == ["@online"]
    assert chat.model.completions("/jo", at_start=False) == []


def test_nicks_complete_case_insensitively_without_our_own() -> None:
    chat = in_lobby(names="ana @bo +cy Bea")
    chat.feed(":eve!~eve@h5 PRIVMSG ana :hi")
    assert chat.model.completions("b", at_start=False) == ["Bea", "bo"]
    assert chat.model.completions("B", at_start=True) == ["Bea", "bo"]
    assert chat.model.completions("E", at_start=False) == ["eve"]  # a direct partner
    assert chat.model.completions("an", at_start=False) == []
    assert chat.model.completions("z", at_start=False) == []


def test_at_forms_complete_to_commands_and_people() -> None:
    chat = in_lobby(names="ana @bo +cy Bea allison")
    assert chat.model.completions("@b", at_start=True) == ["@Bea", "@bo"]
    assert chat.model.completions("@al", at_start=True) == ["@all", "@allison"]
    assert chat.model.completions("@d", at_start=True) == ["@disconnect"]


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


# -- accounts: /register, /login, protected nicks --------------------------------------------

ACCOUNT_CAPS = CAPS + " sasl=PLAIN draft/account-registration standard-replies"
PASSWORD = "correct horse"


def no_line_holds(chat: Chat, secret: str) -> bool:
    """No line of any conversation shows ``secret``."""
    return all(
        secret not in line.text for c in chat.model.conversations.values() for line in c.lines
    )


def logged_in(chat: Chat, account: str = "ana") -> Changes:
    return chat.feed(
        f":irc.test 900 {chat.proto.nick} {chat.proto.nick}!~ana@h {account} :You are now "
        f"logged in as {account}",
        f":irc.test 903 {chat.proto.nick} :SASL authentication successful",
    )


def test_register_asks_for_a_new_password_twice_then_registers_the_nick() -> None:
    chat = in_lobby(caps=ACCOUNT_CAPS)
    changes = chat.type("/register")
    request = changes.password
    assert request == PasswordRequest("register", "ana")
    assert request.confirm and request.typed
    assert chat.sent() == []  # nothing goes out before the password is typed
    changes = chat.model.provide_password(request, PASSWORD)
    assert chat.sent() == [f"REGISTER * :{PASSWORD}"]
    assert chat.last("#lobby").text == "Registering the account ana …"
    chat.feed(":irc.test REGISTER SUCCESS ana :Account ana registered; you are logged in")
    assert chat.last("#lobby").text == "Account ana registered; you are logged in"
    logged_in(chat)
    assert chat.last("#lobby").text == "You are logged in as ana"
    assert chat.model.account == "ana"
    assert no_line_holds(chat, PASSWORD)


def test_a_refused_registration_shows_the_servers_reason() -> None:
    chat = in_lobby(caps=ACCOUNT_CAPS)
    chat.model.provide_password(chat.type("/register").password, "short")  # type: ignore[arg-type]
    chat.sent()
    chat.feed(":irc.test FAIL REGISTER WEAK_PASSWORD ana :Use at least 8 characters")
    line = chat.last("#lobby")
    assert (line.kind, line.text) == (
        LineKind.ERROR,
        "Could not register: Use at least 8 characters",
    )


def test_login_asks_for_the_password_and_logs_in_with_sasl() -> None:
    chat = in_lobby(caps=ACCOUNT_CAPS)
    request = chat.type("/login").password
    assert request == PasswordRequest("login", "ana")
    assert request is not None and not request.confirm
    chat.model.provide_password(request, PASSWORD)
    assert chat.sent() == ["AUTHENTICATE PLAIN"]
    chat.feed("AUTHENTICATE +")
    [response] = chat.sent()
    assert PASSWORD not in response  # base64, and never on screen
    logged_in(chat)
    assert chat.last("#lobby").text == "You are logged in as ana"
    assert no_line_holds(chat, PASSWORD)


def test_login_may_name_another_account() -> None:
    chat = in_lobby(caps=ACCOUNT_CAPS)
    assert chat.type("/login anabanana").password == PasswordRequest("login", "anabanana")


def test_account_commands_need_a_connection_and_no_account_yet() -> None:
    chat = in_lobby(caps=ACCOUNT_CAPS)
    logged_in(chat)
    for command in ("/login", "/register"):
        assert chat.type(command).password is None
        assert chat.last("#lobby").text == "You are already logged in as ana"
    offline = in_lobby(caps=ACCOUNT_CAPS)
    offline.deliver(offline.proto.connection_lost("Connection reset by peer"))
    assert offline.type("/login").password is None
    assert offline.last("#lobby").text == "Not connected to the server: not sent"


@pytest.mark.parametrize(
    ("password", "problem"),
    [("", "Type the password"), ("two\nlines", "line breaks"), ("x" * 301, "300 bytes")],
)
def test_a_password_that_cannot_be_sent_is_refused_here(password: str, problem: str) -> None:
    chat = in_lobby(caps=ACCOUNT_CAPS)
    chat.model.provide_password(PasswordRequest("login", "ana"), password)
    assert chat.sent() == []
    line = chat.last("#lobby")
    assert line.kind is LineKind.ERROR and problem in line.text


def test_a_protected_nick_says_how_to_log_in_and_asks_for_the_password() -> None:
    chat = in_lobby(caps=ACCOUNT_CAPS)
    changes = chat.feed(
        ":irc.test NOTE NICK NICK_PROTECTED ana 30 :This nick belongs to a registered account; "
        "log in within 30 seconds or you will be renamed"
    )
    line = chat.last("#lobby")
    assert line.kind is LineKind.ERROR
    assert "type /login within 30 seconds" in line.text
    request = changes.password
    assert request is not None and request.purpose == "login" and request.account == "ana"
    assert not request.typed  # the server asked: plain mode only tells the person
    chat.model.cancel_password(request)
    assert chat.last("#lobby").text.startswith("Not logged in: /login")


def test_a_failed_login_while_the_nick_is_protected_asks_again_with_the_reason() -> None:
    chat = in_lobby(caps=ACCOUNT_CAPS)
    request = chat.feed(":irc.test NOTE NICK NICK_PROTECTED ana 30 :log in").password
    assert request is not None
    chat.model.provide_password(request, "wrong password")
    chat.feed("AUTHENTICATE +")
    chat.sent()
    changes = chat.feed(":irc.test 904 ana :SASL authentication failed")
    assert chat.last("#lobby").text == "Login as ana failed: SASL authentication failed"
    assert changes.password is not None
    assert changes.password.reason == "SASL authentication failed"


def test_a_login_failed_while_connecting_is_the_reason_given_when_asked_again() -> None:
    chat = Chat(caps=ACCOUNT_CAPS)
    chat.proto.account_password = "wrong"
    chat.proto.sasl_mechanisms = ("PLAIN",)
    chat.proto.register()
    chat.feed(f":irc.test CAP * LS :{ACCOUNT_CAPS}")
    for line in chat.sent():
        if line.startswith("CAP REQ"):
            chat.feed(f":irc.test CAP * ACK :{line.split(' ', 2)[2].lstrip(':')}")
    chat.feed("AUTHENTICATE +")
    chat.feed(":irc.test 904 ana :SASL authentication failed")
    assert chat.last("*").text == "Login as ana failed: SASL authentication failed"
    chat.feed(":irc.test 001 ana :Welcome", ":irc.test 422 ana :No MOTD")
    changes = chat.feed(":irc.test NOTE NICK NICK_PROTECTED ana 30 :log in")
    assert changes.password is not None
    assert changes.password.reason == "SASL authentication failed"


def test_renamed_to_a_guest_then_logging_in_takes_the_nick_back() -> None:
    chat = in_lobby(caps=ACCOUNT_CAPS)
    chat.feed(":irc.test NOTE NICK NICK_PROTECTED ana 30 :log in")
    chat.feed(
        ":NickServ!NickServ@services NOTICE ana :You did not log in to ana, so you have been "
        "renamed",
        ":ana!~ana@h NICK Guest12345",
    )
    assert chat.model.nick == "Guest12345"
    assert "/login to log in and take it back" in chat.last("#lobby").text
    request = chat.type("/login").password
    assert request == PasswordRequest("login", "ana")  # the account is the nick we lost
    chat.model.provide_password(request, PASSWORD)
    chat.feed("AUTHENTICATE +")
    chat.sent()
    logged_in(chat)
    assert chat.sent() == ["NICK ana"]
    chat.feed(":Guest12345!~ana@h NICK ana")
    assert chat.model.nick == "ana"


def test_nickserv_notices_and_our_identify_are_shown_without_the_password() -> None:
    chat = in_lobby(caps=CAPS)  # no SASL: /login goes to NickServ
    chat.model.provide_password(PasswordRequest("login", "ana"), PASSWORD)
    assert chat.sent() == [f"PRIVMSG NickServ :IDENTIFY ana {PASSWORD}"]
    chat.feed(f"{ANA} PRIVMSG NickServ :IDENTIFY ana {PASSWORD}")  # echo-message
    chat.feed(":NickServ!NickServ@services NOTICE ana :You are now identified for ana")
    assert no_line_holds(chat, PASSWORD)


# -- direct messages while away ------------------------------------------------------------------

HISTORY_CAPS = CAPS + " draft/chathistory draft/read-marker"


def test_missed_direct_messages_come_after_a_divider_marked_and_unread() -> None:
    chat = in_lobby(caps=HISTORY_CAPS)
    changes = chat.feed(
        ":irc.test NOTICE ana :You have 2 messages that arrived while you were away",
        ":irc.test BATCH +r chathistory bo",
        "@batch=r;time=2024-04-30T21:00:00.000Z;msgid=d1 :bo!~bo@h PRIVMSG ana :are you there?",
        "@batch=r;time=2024-04-30T21:05:00.000Z;msgid=d2 :bo!~bo@h PRIVMSG ana :ana, call me",
        ":irc.test BATCH -r",
    )
    bo = chat.conv("bo")
    assert [(line.kind, line.text) for line in bo.lines] == [
        (LineKind.DIVIDER, MISSED),
        (LineKind.MESSAGE, "are you there?"),
        (LineKind.MESSAGE, "ana, call me"),
    ]
    assert all(line.missed and line.history for line in list(bo.lines)[1:])
    assert bo.lines[1].time == datetime(2024, 4, 30, 21, tzinfo=UTC)  # the original time
    assert bo.unread == 2 and bo.mentioned
    assert chat.current == fold("#lobby")  # not taken there
    assert chat.last("#lobby").text == (
        "2 messages from bo arrived while you were away: @bo to read"
    )
    # In the order a line-by-line client prints them: the divider first.
    printed = [line.text for conversation, line in changes.lines if conversation is bo]
    assert printed == [MISSED, "are you there?", "ana, call me"]


def test_a_message_to_someone_offline_says_it_will_be_delivered_later() -> None:
    chat = in_lobby(caps=ACCOUNT_CAPS)
    chat.type("@bo see you tomorrow")
    chat.feed(
        ":irc.test NOTE PRIVMSG DELIVERED_LATER bo :bo is offline; your message will be "
        "delivered when they next log in"
    )
    line = chat.last("bo")
    assert line.kind is LineKind.INFO
    assert line.text == "bo is offline; your message will be delivered when they next log in"


# -- history on join and read markers ---------------------------------------------------------


def history_label(chat: Chat) -> str:
    """The label of the CHATHISTORY request just sent."""
    [request] = [line for line in chat.sent() if "CHATHISTORY" in line]
    return request.split(" ", 1)[0].removeprefix("@label=")


def games_history(chat: Chat, marker: str) -> Changes:
    """We join #games (not on screen); its read marker and its history arrive."""
    chat.feed(f"{ANA} JOIN #games", f":irc.test MARKREAD #games {marker}")
    label = history_label(chat)
    return chat.feed(
        ":irc.test 353 ana = #games :ana dee",
        ":irc.test 366 ana #games :End",
        f"@label={label} :irc.test BATCH +h chathistory #games",
        "@batch=h;time=2024-05-01T11:00:00.000Z;msgid=g1 :cy!~cy@h2 PRIVMSG #games :old",
        "@batch=h;time=2024-05-01T11:45:00.000Z;msgid=g2 :dee!~dee@h4 PRIVMSG #games :new one",
        "@batch=h;time=2024-05-01T11:50:00.000Z;msgid=g3 :ana!~ana@h PRIVMSG #games :mine",
        "@batch=h;time=2024-05-01T11:55:00.000Z;msgid=g4 :dee!~dee@h4 PRIVMSG #games :ana?",
        ":irc.test BATCH -h",
    )


@pytest.mark.usefixtures("kolkata")
def test_history_on_join_has_a_new_since_divider_at_the_read_marker() -> None:
    chat = in_lobby(caps=HISTORY_CAPS)
    games_history(chat, "timestamp=2024-05-01T11:30:00.000Z")
    texts = [line.text for line in chat.lines("#games") if line.kind is not LineKind.JOIN]
    # 11:30 UTC is 17:00 in Kolkata: times are local.
    assert texts == ["old", "— new since 17:00 —", "new one", "mine", "ana?"]
    games = chat.conv("#games")
    assert games.unread == 2 and games.mentioned  # newer than the marker, not ours


def test_history_of_a_room_never_read_has_no_divider_and_nothing_unread() -> None:
    chat = in_lobby(caps=HISTORY_CAPS)
    games_history(chat, "*")
    assert all(line.kind is not LineKind.DIVIDER for line in chat.lines("#games"))
    assert chat.conv("#games").unread == 0


def test_reading_on_another_device_clears_the_unread_count() -> None:
    chat = in_lobby(caps=HISTORY_CAPS)
    games_history(chat, "timestamp=2024-05-01T11:30:00.000Z")
    changes = chat.feed(":irc.test MARKREAD #games timestamp=2024-05-01T11:45:00.000Z")
    assert changes.conversations
    assert chat.conv("#games").unread == 1  # "ana?" is still unread
    chat.feed(":irc.test MARKREAD #games timestamp=2024-05-01T11:55:00.000Z")
    assert chat.conv("#games").unread == 0 and not chat.conv("#games").mentioned


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


def test_after_a_reconnection_the_gap_is_filled_in_order_without_duplicates() -> None:
    chat = in_lobby(caps=HISTORY_CAPS)
    chat.feed(
        f"@time=2024-05-01T11:00:00.000Z;msgid=m1 {BO} PRIVMSG #lobby :first",
        f"@time=2024-05-01T11:05:00.000Z;msgid=m2 {BO} PRIVMSG #lobby :second",
    )
    chat.sent()
    chat.deliver(chat.proto.connection_lost("Connection reset by peer"))
    chat.connect()
    chat.sent()
    chat.feed(f"{ANA} JOIN #lobby")
    [request] = [line for line in chat.sent() if "CHATHISTORY" in line]
    assert request.endswith("CHATHISTORY AFTER #lobby timestamp=2024-05-01T11:05:00.000Z 100")
    label = request.split(" ", 1)[0].removeprefix("@label=")
    chat.feed(
        ":irc.test 353 ana = #lobby :ana bo",
        ":irc.test 366 ana #lobby :End",
        f"@label={label} :irc.test BATCH +h chathistory #lobby",
        "@batch=h;time=2024-05-01T11:05:00.000Z;msgid=m2 :bo!~bo@h1 PRIVMSG #lobby :second",
        "@batch=h;time=2024-05-01T11:10:00.000Z;msgid=m3 :bo!~bo@h1 PRIVMSG #lobby :third",
        ":irc.test BATCH -h",
    )
    talk = [line.text for line in chat.lines("#lobby") if line.kind is LineKind.MESSAGE]
    assert talk == ["first", "second", "third"]

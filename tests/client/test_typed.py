"""What the person types, run on the chat model (:mod:`chinwag.client.typed`): messages,
the commands of design.md section 6, password prompts and tab completion.

Driven as in :mod:`tests.client.chat_harness`: a real client core fed server lines; what is
typed goes to :meth:`ChatModel.submit` and the tests read what would be sent to the server.
The last test drives a :class:`TypedInput` on a bare filing, without a chat model, so typing
cannot come to depend on the event handling.
"""

from __future__ import annotations

import pytest

from chinwag.client.colors import PALETTE, nick_color
from chinwag.client.commands import HELP, HELP_FOOTER
from chinwag.client.filing import ConversationFiling
from chinwag.client.presentation import PENDING_NOTE, Role, line_row
from chinwag.client.protocol import ClientProtocol
from chinwag.client.typed import TypedInput
from chinwag.client.values import (
    SERVER_KEY,
    TALK,
    Changes,
    ConversationKind,
    LineKind,
    PasswordRequest,
)
from chinwag.protocol.casemap import fold
from tests.client.chat_harness import (
    ACCOUNT_CAPS,
    ANA,
    BO,
    NOW,
    PASSWORD,
    in_lobby,
    in_lobby_and_games,
    logged_in,
    no_line_holds,
    online,
)

# -- messages ------------------------------------------------------------------------------


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


def test_actions_are_sent_and_shown_as_actions() -> None:
    chat = in_lobby()
    chat.type("/me waves  hello")
    assert chat.sent() == ["PRIVMSG #lobby :\x01ACTION waves  hello\x01"]
    chat.feed(f"{BO} PRIVMSG #lobby :\x01ACTION waves back\x01")
    line = chat.last("#lobby")
    assert (line.kind, line.nick, line.text) == (LineKind.ACTION, "bo", "waves back")


# -- direct messages and @all --------------------------------------------------------------


def test_at_nick_sends_one_message_and_the_person_stays_where_they_are() -> None:
    chat = in_lobby()
    changes = chat.type("@bo secret for bo")
    assert chat.sent() == ["PRIVMSG bo :secret for bo"]
    assert chat.current == fold("#lobby")
    assert chat.conv("bo").kind is ConversationKind.DIRECT
    assert chat.conv("bo").unread == 1  # the message is there, unseen
    assert changes.conversations
    confirmation = chat.last("#lobby")
    assert (confirmation.kind, confirmation.text) == (LineKind.INFO, "→ bo: secret for bo")
    chat.feed(f"{ANA} PRIVMSG bo :secret for bo")
    line = chat.last("bo")
    assert (line.nick, line.text, line.is_self) == ("ana", "secret for bo", True)
    assert not line.mention
    assert chat.conv("bo").unread == 1  # our echo is not counted a second time


def test_after_at_nick_plain_lines_and_actions_still_go_to_the_room() -> None:
    chat = in_lobby()
    chat.type("@bo hi")
    chat.type("this is for the room")
    chat.type("/me waves")
    assert chat.sent() == [
        "PRIVMSG bo hi",
        "PRIVMSG #lobby :this is for the room",
        "PRIVMSG #lobby :\x01ACTION waves\x01",
    ]


def test_at_nick_alone_opens_the_conversation_and_sends_nothing() -> None:
    chat = in_lobby()
    chat.type("@Bo")
    assert chat.sent() == []
    assert chat.current == fold("bo")
    assert chat.conv("bo").name == "Bo"


def test_query_goes_to_the_conversation_and_sends_what_follows() -> None:
    chat = in_lobby()
    chat.type("/query bo")
    assert chat.current == fold("bo") and chat.sent() == []
    chat.type("#lobby is loud")  # a line starting with # is talk, here to bo
    assert chat.sent() == ["PRIVMSG bo :#lobby is loud"]
    chat.model.select(fold("#lobby"))
    chat.type("/query BO what?")
    assert chat.sent() == ["PRIVMSG BO what?"]
    assert chat.current == fold("bo")
    assert [c.name for c in chat.model.conversations.values()] == ["server", "#lobby", "bo"]
    assert not any(line.text.startswith("→") for line in chat.conv("#lobby").lines)


def test_msg_to_an_open_conversation_files_there_without_a_second_one() -> None:
    chat = in_lobby()
    chat.feed(f"{BO} PRIVMSG ana :psst")
    chat.type("/msg BO what?")
    assert chat.sent() == ["PRIVMSG BO what?"]
    assert chat.current == fold("#lobby")
    assert [c.name for c in chat.model.conversations.values()] == ["server", "#lobby", "bo"]
    assert chat.conv("bo").unread == 2 and chat.conv("bo").mentioned


def test_at_nick_from_within_that_conversation_needs_no_confirmation() -> None:
    chat = in_lobby()
    chat.type("@bo")
    chat.type("@bo again")
    assert chat.sent() == ["PRIVMSG bo again"]
    assert chat.conv("bo").unread == 0
    assert not any(line.text.startswith("→") for line in chat.conv("bo").lines)


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
    assert (
        lobby.lines[-1].text == "bo kicked you from #lobby: behave (/join #lobby to try to go back)"
    )
    chat.type("/leave")
    assert chat.sent() == []
    assert fold("#lobby") not in chat.model.conversations
    assert chat.current == SERVER_KEY


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


def test_talk_typed_while_disconnected_is_pending_then_sent_in_order_after_the_rejoin() -> None:
    chat = in_lobby()
    chat.deliver(chat.proto.connection_lost("Connection reset by peer"))
    chat.type("anyone?")
    chat.type("/me knocks")
    chat.type("@bo are you there")
    assert chat.sent() == []
    waiting = [line for line in chat.lines("#lobby") if line.pending]
    assert [(line.kind, line.nick, line.text) for line in waiting] == [
        (LineKind.MESSAGE, "ana", "anyone?"),
        (LineKind.ACTION, "ana", "knocks"),
    ]
    assert [line.text for line in chat.lines("bo") if line.pending] == ["are you there"]

    chat.connect()
    # The direct message waits behind the room's lines, which wait for the rejoin.
    assert [line for line in chat.sent() if line.startswith("PRIVMSG")] == []
    chat.type("back now")  # behind the others, too
    chat.join("#lobby", "ana bo")
    assert [line for line in chat.sent() if line.startswith("PRIVMSG")] == [
        "PRIVMSG #lobby anyone?",
        "PRIVMSG #lobby :\x01ACTION knocks\x01",
        "PRIVMSG bo :are you there",
        "PRIVMSG #lobby :back now",
    ]
    ours = [line for line in chat.lines("#lobby") if line.is_self and line.kind in TALK]
    assert all(line.pending for line in ours)  # until the server echoes them

    changes = chat.feed(
        f"{ANA} PRIVMSG #lobby anyone?",
        f"{ANA} PRIVMSG #lobby :\x01ACTION knocks\x01",
        f"{ANA} PRIVMSG bo :are you there",
        f"{ANA} PRIVMSG #lobby :back now",
    )
    assert not any(line.pending for line in chat.lines("#lobby") + chat.lines("bo"))
    ours = [line.text for line in chat.lines("#lobby") if line.is_self and line.kind in TALK]
    assert ours == ["anyone?", "knocks", "back now"]  # each once, in the order typed
    assert [line.text for line in chat.lines("bo") if line.is_self] == ["are you there"]
    assert changes.redraw  # the echoes took the pending lines' places on screen


def test_talk_pending_for_a_room_that_refuses_the_rejoin_is_reported_and_the_rest_goes() -> None:
    chat = in_lobby()
    chat.deliver(chat.proto.connection_lost("Connection reset by peer"))
    chat.type("anyone?")
    chat.type("@bo still there")
    chat.connect()
    assert [line for line in chat.sent() if line.startswith("PRIVMSG")] == []

    chat.feed(":irc.test 474 ana #lobby :Cannot join channel (+b)")

    assert [line for line in chat.sent() if line.startswith("PRIVMSG")] == [
        "PRIVMSG bo :still there"
    ]
    said = [line.text for line in chat.lines(chat.model.current)]
    assert "Not sent to #lobby: anyone?" in said


def test_a_pending_line_says_it_is_not_sent_yet() -> None:
    chat = in_lobby()
    chat.deliver(chat.proto.connection_lost("Connection reset by peer"))
    chat.type("anyone?")
    row = line_row(chat.last("#lobby"), None)
    assert Role.PENDING in row.roles
    assert "".join(segment.text for segment in row.segments).endswith(PENDING_NOTE)


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


# -- topic, help and the rest --------------------------------------------------------------


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


@pytest.mark.parametrize("line", ["@help", "/help"])
def test_a_ui_that_draws_help_itself_is_asked_for_the_overlay_instead_of_lines(line: str) -> None:
    chat = online(help_overlay=True)
    before = chat.texts("*")
    changes = chat.type(line)
    assert changes.help
    assert changes.lines == [] and chat.texts("*") == before  # nothing dumped into the log
    assert chat.sent() == []


def test_without_an_overlay_help_is_not_asked_for() -> None:
    chat = online()
    assert not chat.type("@help").help
    assert not chat.type("/join #games").help


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


# -- accounts: /register, /login -----------------------------------------------------------


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
    assert chat.last("#lobby").text == REGISTERED
    logged_in(chat)
    assert chat.last("#lobby").text == REGISTERED  # said once, not again by RPL_LOGGEDIN
    assert chat.model.account == "ana"
    assert no_line_holds(chat, PASSWORD)


REGISTERED = "Account ana registered; you are logged in"


def test_success_is_said_once_whichever_of_900_and_register_success_comes_first() -> None:
    chat = in_lobby(caps=ACCOUNT_CAPS)
    chat.model.provide_password(chat.type("/register").password or REQUEST, PASSWORD)
    logged_in(chat)
    chat.feed(":irc.test REGISTER SUCCESS ana :Account ana registered")
    texts = chat.texts("#lobby")
    assert texts[-2:] == ["Registering the account ana …", REGISTERED]
    # Both answers are in, so a later login is announced again.
    chat.feed(":irc.test 901 ana ana!~ana@h :You are now logged out")
    logged_in(chat)
    assert chat.texts("#lobby")[-1] == "You are logged in as ana"


REQUEST = PasswordRequest("register", "ana")


def test_register_asks_with_the_shortest_password_the_server_advertises() -> None:
    caps = ACCOUNT_CAPS.replace(
        "draft/account-registration",
        "draft/account-registration=before-connect,chinwag.im/min-password=10",
    )
    chat = in_lobby(caps=caps)
    request = chat.type("/register").password
    assert request == PasswordRequest("register", "ana", min_length=10)
    assert request.rule == "At least 10 characters"
    assert request.too_short("x" * 10) is None
    assert request.too_short("nine char") == (
        "Too short: this server wants at least 10 characters (that was 9)"
    )
    chat.model.provide_password(request, "nine char")
    assert chat.sent() == []  # a prompt that did not check still sends nothing
    line = chat.last("#lobby")
    assert line.kind is LineKind.ERROR and "at least 10 characters" in line.text


@pytest.mark.parametrize("value", ["before-connect", "chinwag.im/min-password=²", "email-required"])
def test_without_a_readable_minimum_the_prompt_leaves_length_to_the_server(value: str) -> None:
    caps = ACCOUNT_CAPS.replace("draft/account-registration", f"draft/account-registration={value}")
    request = in_lobby(caps=caps).type("/register").password
    assert request == PasswordRequest("register", "ana")
    assert request.rule is None and request.too_short("a") is None
    assert PasswordRequest("login", "ana", min_length=8).too_short("a") is None


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


# -- the typed input on its own ------------------------------------------------------------


def test_typed_input_runs_on_a_filing_it_is_given_without_a_chat_model() -> None:
    """What typing needs is the filing and the protocol it is handed: no event handling."""
    proto = ClientProtocol("ana", clock=lambda: NOW)
    proto.register()
    proto.receive(b":irc.test 001 ana :Welcome\r\n:irc.test 376 ana :End of /MOTD\r\n")
    proto.data_to_send()
    filing = ConversationFiling(proto)
    typed = TypedInput(filing, proto)
    changes = typed.submit("/query bo hi there")
    assert proto.data_to_send() == b"PRIVMSG bo :hi there\r\n"
    assert changes.conversations
    assert filing.current == fold("bo")
    assert filing.current_conversation.kind is ConversationKind.DIRECT
    typed.submit("/who")
    assert filing.show_who == {fold("*")}  # noted for the event handling to show the answer
    typed.submit("/topic")
    assert filing.current_conversation.lines[-1].text == "/topic: you are not in a room here"

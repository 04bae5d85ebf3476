"""Who is there and who is typing (:mod:`chinwag.client.presence`, :mod:`chinwag.client.typing`).

A direct conversation fetches its recent history when it opens, watches its person with
MONITOR (https://ircv3.net/specs/extensions/monitor; extended-monitor brings their AWAY,
https://ircv3.net/specs/extensions/away-notify) and says when they come, go away or quit.
Typing indicators follow https://ircv3.net/specs/client-tags/typing: ``active`` at most once
per 3 s, ``paused`` when typing stops, ``done`` when the line is emptied; others' indicators
expire after 6 s (active) or 30 s (paused). Driven through a real client core fed server
lines, with the model's fake monotonic clock: no network, no sleeps.
"""

from __future__ import annotations

from chinwag.client.typing import typing_text
from chinwag.protocol.casemap import fold
from tests.client.chat_harness import BO, HISTORY_CAPS, Chat, in_lobby, online

MONITORING = ":irc.test 005 ana MONITOR=100 :are supported by this server"


def watching(caps: str = HISTORY_CAPS) -> Chat:
    chat = online(caps=caps + " extended-monitor")
    chat.feed(MONITORING)
    chat.sent()
    return chat


# -- a direct conversation: its history and its person -----------------------------------


def test_opening_a_direct_conversation_asks_its_latest_history_and_watches_the_person() -> None:
    chat = watching()
    chat.type("/msg bo")
    sent = chat.sent()
    assert "MONITOR + bo" in sent
    assert any(line.endswith(" CHATHISTORY LATEST bo * 50") for line in sent), sent


def test_the_watch_list_is_sent_again_after_a_reconnection_to_a_server_that_monitors() -> None:
    chat = watching()
    chat.type("/msg bo")
    chat.type("/msg cy")
    chat.sent()
    chat.proto.connection_lost("gone")
    chat.proto.register()
    chat.feed(":irc.test CAP * LS :server-time")
    chat.feed(":irc.test CAP * ACK :server-time", ":irc.test 001 ana :Welcome", MONITORING)
    chat.sent()
    chat.feed(":irc.test 376 ana :End of /MOTD command.")
    assert "MONITOR + bo,cy" in chat.sent()


def test_a_server_without_monitor_is_not_sent_it() -> None:
    chat = online(caps=HISTORY_CAPS)
    chat.type("/msg bo")
    assert not [line for line in chat.sent() if line.startswith("MONITOR")]


def test_closing_the_conversation_stops_watching() -> None:
    chat = watching()
    chat.type("/msg bo")
    chat.sent()
    chat.type("/leave")
    assert "MONITOR - bo" in chat.sent()


def test_the_conversation_says_when_its_person_goes_and_comes_back() -> None:
    chat = watching()
    chat.type("/msg bo")
    chat.feed(":irc.test 730 ana :bo!~bo@h1")
    assert chat.texts("bo") == []  # online when it opens goes without saying
    chat.feed(":irc.test 731 ana :bo")
    chat.feed(":irc.test 730 ana :bo!~bo@h1")
    assert chat.texts("bo") == ["bo is offline", "bo is online"]


def test_away_and_back_are_said_once_each_in_the_conversation() -> None:
    chat = watching()
    chat.type("/msg bo")
    chat.feed(f"{BO} AWAY :lunch", ":irc.test 301 ana bo :lunch", f"{BO} AWAY")
    assert chat.texts("bo") == ["bo is away: lunch", "bo is back"]


def test_a_quitter_is_said_once_and_leaves_the_member_list() -> None:
    chat = watching()
    chat.type("/msg bo")
    chat.feed(":irc.test 730 ana :bo!~bo@h1")
    assert [member.nick for member in chat.model.members()] == ["ana", "bo"]
    chat.feed(f"{BO} QUIT :bye", ":irc.test 731 ana :bo")
    assert chat.texts("bo") == ["quit (bye)"]
    assert [member.nick for member in chat.model.members()] == ["ana"]


def test_presence_text_from_the_network_is_cleaned() -> None:
    chat = watching()
    chat.type("/msg bo")
    chat.feed(f"{BO} AWAY :\x1b[2Jgone\x07")
    [text] = chat.texts("bo")
    assert "\x1b" not in text and "\x07" not in text


# -- typing: ours ------------------------------------------------------------------------


def typing_sent(chat: Chat) -> list[str]:
    return [line for line in chat.sent() if "TAGMSG" in line]


def test_typing_says_active_at_most_once_per_three_seconds() -> None:
    chat = in_lobby()
    chat.model.input_changed("h")
    assert typing_sent(chat) == ["@+typing=active TAGMSG #lobby"]
    chat.monotonic += 1
    chat.model.input_changed("he")
    assert typing_sent(chat) == []
    chat.monotonic += 2
    chat.model.input_changed("hel")
    assert typing_sent(chat) == ["@+typing=active TAGMSG #lobby"]


def test_typing_that_stops_says_paused_and_an_emptied_line_says_done() -> None:
    chat = in_lobby()
    chat.model.input_changed("hi")
    chat.sent()
    chat.monotonic += 3
    chat.model.tick()
    assert typing_sent(chat) == ["@+typing=paused TAGMSG #lobby"]
    chat.model.input_changed("")
    assert typing_sent(chat) == ["@+typing=done TAGMSG #lobby"]


def test_a_sent_message_is_its_own_done_and_commands_are_not_typing() -> None:
    chat = in_lobby()
    chat.model.input_changed("hi")
    chat.sent()
    chat.type("hi")
    chat.model.input_changed("")
    assert typing_sent(chat) == []
    chat.model.input_changed("/join #x")
    assert typing_sent(chat) == []


def test_typing_turned_off_sends_nothing_and_shows_nothing() -> None:
    chat = in_lobby()
    chat.model.typing.enabled = False
    chat.model.input_changed("hi")
    chat.feed(f"@+typing=active {BO} TAGMSG #lobby")
    assert typing_sent(chat) == []
    assert chat.model.typing_row() == ""


def test_nothing_is_sent_without_message_tags() -> None:
    chat = in_lobby(caps="server-time echo-message")
    chat.model.input_changed("hi")
    assert typing_sent(chat) == []


# -- typing: theirs ----------------------------------------------------------------------


def test_someone_typing_is_shown_under_the_log_of_that_conversation_only() -> None:
    chat = in_lobby()
    changes = chat.feed(f"@+typing=active {BO} TAGMSG #lobby")
    assert changes.typing
    assert chat.model.typing_row() == "bo is typing…"
    chat.feed(f"@+typing=active {BO} TAGMSG ana")  # in the direct conversation, not here
    assert chat.model.typing_row() == "bo is typing…"
    assert chat.model.typing.typing_in("bo") == ["bo"]


def test_indicators_expire_as_the_spec_says() -> None:
    chat = in_lobby()
    chat.feed(f"@+typing=active {BO} TAGMSG #lobby")
    chat.monotonic += 6
    assert chat.model.typing_row() == ""
    chat.feed(f"@+typing=paused {BO} TAGMSG #lobby")
    chat.monotonic += 29
    assert chat.model.typing_row() == "bo is typing…"
    chat.monotonic += 1
    assert chat.model.typing_row() == ""


def test_their_message_done_or_quit_ends_the_indicator() -> None:
    chat = in_lobby()
    chat.feed(f"@+typing=active {BO} TAGMSG #lobby", f"{BO} PRIVMSG #lobby :hi")
    assert chat.model.typing_row() == ""
    chat.feed(f"@+typing=active {BO} TAGMSG #lobby", f"@+typing=done {BO} TAGMSG #lobby")
    assert chat.model.typing_row() == ""
    chat.feed(f"@+typing=active {BO} TAGMSG #lobby", f"{BO} QUIT :bye")
    assert chat.model.typing_row() == ""


def test_a_nick_full_of_control_characters_is_cleaned_in_the_typing_row() -> None:
    chat = in_lobby()
    chat.feed("@+typing=active :b\x1b[31mo!~x@h TAGMSG #lobby")
    assert "\x1b" not in chat.model.typing_row()


def test_several_people_typing_read_as_a_sentence() -> None:
    assert typing_text(["bo", "cy"]) == "bo and cy are typing…"
    assert typing_text(["a", "b", "c"]) == "3 people are typing…"
    assert fold("Bo") == fold("bo")

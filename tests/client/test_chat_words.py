"""The chat model speaks to a person, not to a program (issue 22, items 7 to 9): replies in
words with the raw text kept in the server conversation, one line per lost connection
however many attempts follow, no news of the status a rejoin gives us, and ``@online``
listing the room and then everyone else."""

from __future__ import annotations

from chinwag.client import events as ev
from chinwag.client.values import LineKind
from tests.client.chat_harness import ANA, Chat, in_lobby


def test_the_welcome_burst_is_said_once_in_words() -> None:
    chat = Chat()
    chat.connect()
    texts = chat.texts("*")
    assert "Welcome to TestNet, ana" in texts
    assert not any("IRC Network" in text or "Your host is" in text for text in texts)


def test_an_error_reply_is_a_sentence_where_we_look_and_raw_in_the_server_conversation() -> None:
    chat = in_lobby()
    chat.feed(":irc.test 403 ana #nowhere :No such channel")
    line = chat.last("#lobby")
    assert (line.kind, line.text) == (LineKind.ERROR, "There is no room #nowhere")
    assert chat.last("*").text == "403 #nowhere: No such channel"


def test_a_refused_nick_is_said_in_words() -> None:
    chat = in_lobby()
    chat.type("/nick 9lives")
    chat.feed(":irc.test 432 ana 9lives :Erroneous nickname")
    assert chat.last("#lobby").text.startswith("9lives cannot be a nick: a nick is one word")


def test_a_server_shutting_down_is_one_sentence_where_we_look() -> None:
    chat = in_lobby()
    before = len(chat.lines("#lobby"))
    chat.feed("ERROR :Server shutting down")
    chat.deliver(chat.proto.connection_lost("Connection closed by the server"))
    assert chat.texts("#lobby")[before:] == ["The server is shutting down"]
    assert "ERROR :Server shutting down" in chat.texts("*")


def test_failed_attempts_to_reconnect_add_nothing_to_the_log() -> None:
    chat = in_lobby()
    chat.deliver(chat.proto.connection_lost("Connection reset by peer"))
    chat.model.handle(ev.Reconnecting(1, 1))
    lines = {name: len(chat.lines(name)) for name in ("*", "#lobby")}
    for attempt in range(2, 6):
        nobody = "Nobody is listening on 127.0.0.1:6667 — is the server started?"
        chat.deliver(chat.proto.connection_lost(nobody))
        chat.model.handle(ev.Reconnecting(attempt, attempt))
    assert {name: len(chat.lines(name)) for name in ("*", "#lobby")} == lines
    assert chat.model.banner() is not None and "reconnecting in 5s" in chat.model.banner()
    assert chat.model.down_reason is not None and "Nobody is listening" in chat.model.down_reason
    chat.connect()
    assert chat.texts("#lobby")[-2:] == ["Disconnected: Connection reset by peer", "Reconnected"]


def test_the_operator_status_a_rejoin_gives_us_is_not_news() -> None:
    chat = in_lobby()
    chat.deliver(chat.proto.connection_lost("Connection reset by peer"))
    chat.connect()
    chat.join("#lobby", "ana")
    before = chat.texts("#lobby")
    changes = chat.feed(":irc.test MODE #lobby +o ana")
    assert chat.texts("#lobby") == before
    assert changes.members
    assert [view.nick for view in chat.model.members() if view.prefix == "@"] == ["ana"]


def test_operator_status_given_later_is_news() -> None:
    chat = in_lobby()
    chat.monotonic += 60
    chat.feed(f"{ANA} MODE #lobby -o ana", ":bo!~bo@h1 MODE #lobby +o ana")
    assert chat.texts("#lobby")[-2:] == ["sets mode +o ana", "bo made you an operator of #lobby"]


def test_online_lists_the_room_then_everyone_else_the_server_shows() -> None:
    chat = in_lobby()
    chat.type("@online")
    assert chat.sent() == ["WHO #lobby"]
    chat.feed(
        ":irc.test 352 ana #lobby ~bo h1 irc.test bo H@ :0 Bo",
        ":irc.test 352 ana #lobby ~ana h irc.test ana H :0 Ana",
        ":irc.test 315 ana #lobby :End of /WHO list.",
    )
    assert chat.last("#lobby").text == "In #lobby (2): ana, @bo"
    assert chat.sent() == ["WHO *"]
    chat.feed(
        ":irc.test 352 ana * ~bo h1 irc.test bo H :0 Bo",
        ":irc.test 352 ana * ~ana h irc.test ana H :0 Ana",
        ":irc.test 352 ana * ~dee h3 irc.test dee G :0 Dee",
        ":irc.test 352 ana #games ~cy h2 irc.test cy H :0 Cy",
        ":irc.test 315 ana * :End of /WHO list.",
    )
    assert chat.last("#lobby").text == "Also online (2): cy, dee (away)"


def test_online_says_so_when_nobody_else_is_on_the_server() -> None:
    chat = in_lobby()
    chat.type("@online")
    chat.feed(
        ":irc.test 352 ana #lobby ~ana h irc.test ana H :0 Ana",
        ":irc.test 315 ana #lobby :End of /WHO list.",
        ":irc.test 352 ana * ~ana h irc.test ana H :0 Ana",
        ":irc.test 315 ana * :End of /WHO list.",
    )
    assert chat.texts("#lobby")[-2:] == ["In #lobby (1): ana", "Nobody else is online"]

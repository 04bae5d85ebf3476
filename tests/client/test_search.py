"""/search and /goto in the client core (issue 15): the SEARCH sent, the results as numbered
rows, and going to one: its conversation, asked for the lines around it."""

from __future__ import annotations

from chinwag.client import commands as cmd
from chinwag.client.search import NO_SEARCH, result_number, search_attributes
from chinwag.client.values import LineKind
from tests.client.chat_harness import HISTORY_CAPS, Chat, in_lobby

SEARCH_CAPS = HISTORY_CAPS + " soju.im/search"


def searching() -> Chat:
    return in_lobby(caps=SEARCH_CAPS)


def answer(chat: Chat) -> None:
    chat.feed(
        ":irc.test BATCH +s soju.im/search",
        "@batch=s;time=2024-05-01T09:00:00.000Z;msgid=m1 :bo!~bo@h1 PRIVMSG #games :cake time",
        "@batch=s;time=2024-05-01T10:00:00.000Z;msgid=m2 :cy!~cy@h2 PRIVMSG ana :secret cake",
        ":irc.test BATCH -s",
    )


def test_the_command_and_its_attributes() -> None:
    assert cmd.parse_input("/search the cake") == cmd.Search("the cake")
    assert isinstance(cmd.parse_input("/search"), cmd.Usage)
    assert cmd.parse_input("/goto 3") == cmd.Goto(3)
    assert isinstance(cmd.parse_input("/goto x"), cmd.Usage)
    assert search_attributes("cake from:bo in:#games") == "from=bo;in=#games;text=cake"
    assert search_attributes("semi;colon here") == "text=semi\\:colon\\shere"
    assert search_attributes("   ") is None
    assert "/search" in cmd.COMMAND_NAMES and "/goto" in cmd.COMMAND_NAMES
    assert any(row.usage.startswith("/search") for row in cmd.HELP)


def test_the_capability_is_requested() -> None:
    chat = Chat(caps=SEARCH_CAPS)
    chat.proto.register()
    chat.feed(f":irc.test CAP * LS :{SEARCH_CAPS}")
    [request] = [line for line in chat.sent() if line.startswith("CAP REQ")]
    assert "soju.im/search" in request


def test_search_sends_search_and_files_numbered_rows_where_it_was_typed() -> None:
    chat = searching()
    chat.type("/search cake from:bo")
    assert chat.sent() == ["SEARCH from=bo;text=cake"]
    answer(chat)
    rows = [line for line in chat.lines("#lobby") if line.kind is LineKind.INFO]
    assert rows[-3].text == "Search: 2 results (/goto N)"
    assert rows[-2].text.startswith("[1] ") and rows[-2].text.endswith("#games <bo> cake time")
    assert rows[-1].text.endswith("cy <cy> secret cake")
    assert result_number(rows[-1].text) == 2
    # The results are old lines: nothing is filed in their own conversations.
    assert "#games" not in [c.name for c in chat.model.conversations.values()]


def test_nothing_found_says_so() -> None:
    chat = searching()
    chat.type("/search nothing")
    chat.feed(":irc.test BATCH +s soju.im/search", ":irc.test BATCH -s")
    assert chat.last("#lobby").text == "Search: nothing found"


def test_goto_opens_the_conversation_and_asks_for_the_lines_around_the_result() -> None:
    chat = searching()
    chat.type("/search cake")
    chat.sent()
    answer(chat)
    chat.type("/goto 2")
    assert chat.current == "cy"
    # Opening the conversation asks for its latest lines too, as it always does.
    [request] = [line for line in chat.sent() if "CHATHISTORY AROUND" in line]
    assert request.endswith("CHATHISTORY AROUND cy msgid=m2 21")
    assert chat.model.search.focus == ("cy", "m2")
    label = request.split(" ", 1)[0].removeprefix("@label=")
    chat.feed(
        f"@label={label} :irc.test BATCH +h chathistory cy",
        "@batch=h;time=2024-05-01T09:59:00.000Z;msgid=m0 :ana!~ana@h PRIVMSG cy :cake?",
        "@batch=h;time=2024-05-01T10:00:00.000Z;msgid=m2 :cy!~cy@h2 PRIVMSG ana :secret cake",
        ":irc.test BATCH -h",
    )
    assert [line.msgid for line in chat.lines("cy")][-2:] == ["m0", "m2"]


def test_goto_a_room_result_goes_to_the_room() -> None:
    chat = searching()
    chat.join("#games", "ana bo")
    chat.sent()
    chat.model.select(chat.conv("#lobby").key)
    chat.type("/search cake")
    answer(chat)
    chat.sent()
    chat.type("/goto 1")
    assert chat.current == "#games"
    assert any("CHATHISTORY AROUND #games msgid=m1" in line for line in chat.sent())


def test_goto_without_results_or_beyond_them_is_an_error() -> None:
    chat = searching()
    chat.type("/goto 1")
    assert chat.last("#lobby").text == "No search results yet"
    chat.type("/search cake")
    answer(chat)
    chat.type("/goto 3")
    assert chat.last("#lobby").text == "No search result 3"


def test_a_server_without_search_says_so() -> None:
    chat = in_lobby(caps=HISTORY_CAPS)
    chat.type("/search cake")
    assert chat.sent() == []
    assert chat.last("#lobby").text == NO_SEARCH
    assert chat.last("#lobby").kind is LineKind.ERROR

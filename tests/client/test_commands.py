"""What a typed line asks for: the first-party client commands of design.md section 6."""

from __future__ import annotations

import pytest

from chinwag.client.commands import (
    COMMAND_NAMES,
    HELP,
    HELP_FOOTER,
    Account,
    Action,
    ChangeColor,
    ChangeNick,
    DirectMessage,
    Disconnect,
    Help,
    Input,
    Invite,
    Join,
    Leave,
    ListRooms,
    Moderate,
    Online,
    Say,
    SetAway,
    SetMode,
    Topic,
    Unknown,
    Usage,
    Whois,
    is_secret,
    parse_input,
)

# -- plain messages ------------------------------------------------------------------------


def test_a_plain_line_is_a_message_to_the_current_conversation_kept_as_typed() -> None:
    assert parse_input("hello there") == Say("hello there")
    assert parse_input("  spaced  out  ") == Say("  spaced  out  ")


@pytest.mark.parametrize("line", ["", " ", "   ", "\t", " \t "])
def test_a_blank_or_whitespace_only_line_does_nothing(line: str) -> None:
    assert parse_input(line) is None


def test_commands_are_recognised_only_at_the_start_of_a_line() -> None:
    assert parse_input("hi /join #x") == Say("hi /join #x")
    assert parse_input("mail me @bo") == Say("mail me @bo")


def test_a_leading_space_makes_a_command_word_a_plain_message() -> None:
    # The start of the line is the first character, not the first word: " /join" is text.
    assert parse_input(" /join #x") == Say(" /join #x")
    assert parse_input(" @bo hi") == Say(" @bo hi")


def test_a_doubled_slash_or_at_sends_the_text_after_the_first() -> None:
    assert parse_input("//text") == Say("/text")
    assert parse_input("//join #x") == Say("/join #x")
    assert parse_input("@@x") == Say("@x")
    assert parse_input("@@bo hi") == Say("@bo hi")


def test_an_at_followed_by_a_space_or_alone_is_a_message() -> None:
    assert parse_input("@ hi") == Say("@ hi")
    assert parse_input("@") == Say("@")


# -- @ commands ----------------------------------------------------------------------------


@pytest.mark.parametrize("line", ["@help", "/help", "@HELP", "/Help"])
def test_help_lists_the_commands(line: str) -> None:
    assert parse_input(line) == Help()


@pytest.mark.parametrize("line", ["@online", "/who", "/names", "@Online", "/WHO"])
def test_online_who_and_names_ask_who_is_in_the_room(line: str) -> None:
    assert parse_input(line) == Online()


def test_at_all_messages_the_whole_room() -> None:
    assert parse_input("@all hello everyone") == Say("hello everyone", to_room=True)
    assert parse_input("@all hi  there") == Say("hi  there", to_room=True)


@pytest.mark.parametrize("line", ["@all", "@all   "])
def test_at_all_without_text_shows_its_usage(line: str) -> None:
    result = parse_input(line)
    assert isinstance(result, Usage)
    assert result.text.startswith("@all <text>")


def test_a_nick_that_starts_with_all_is_a_direct_message_not_at_all() -> None:
    assert parse_input("@allison hi") == DirectMessage("allison", "hi")


def test_at_nick_sends_a_direct_message_keeping_inner_spacing() -> None:
    assert parse_input("@bo hi") == DirectMessage("bo", "hi")
    assert parse_input("@bo how  are   you") == DirectMessage("bo", "how  are   you")
    assert parse_input("@Bo_2 hi") == DirectMessage("Bo_2", "hi")


@pytest.mark.parametrize("line", ["@bo", "@bo   "])
def test_at_nick_alone_opens_the_conversation_with_no_text(line: str) -> None:
    assert parse_input(line) == DirectMessage("bo", "")


def test_slash_msg_sends_a_direct_message() -> None:
    assert parse_input("/msg bo hi there") == DirectMessage("bo", "hi there")
    assert parse_input("/MSG bo hi") == DirectMessage("bo", "hi")
    assert parse_input("/msg bo") == DirectMessage("bo", "")


@pytest.mark.parametrize("line", ["/msg", "/msg   "])
def test_slash_msg_without_a_nick_shows_its_usage(line: str) -> None:
    result = parse_input(line)
    assert isinstance(result, Usage)
    assert result.text.startswith("/msg <nick>")


# -- leaving the server --------------------------------------------------------------------


@pytest.mark.parametrize("line", ["@disconnect", "/quit", "/exit", "/quit   ", "/QUIT"])
def test_disconnect_quit_and_exit_leave_without_a_reason(line: str) -> None:
    assert parse_input(line) == Disconnect(None)


def test_quit_takes_an_optional_reason() -> None:
    assert parse_input("/quit bye now") == Disconnect("bye now")
    assert parse_input("/quit   see  you  ") == Disconnect("see  you")
    assert parse_input("@disconnect bye") == Disconnect("bye")


# -- rooms ---------------------------------------------------------------------------------


def test_join_takes_a_room_and_an_optional_key() -> None:
    assert parse_input("/join #games") == Join("#games")
    assert parse_input("/join games") == Join("games")  # the chat model adds the #
    assert parse_input("/join #vault sesame") == Join("#vault", "sesame")
    assert parse_input("/join #vault sesame extra words") == Join("#vault", "sesame")


def test_command_words_are_case_insensitive() -> None:
    assert parse_input("/JOIN #x") == Join("#x")
    assert parse_input("/Join #x") == Join("#x")
    assert parse_input("/ME waves") == Action("waves")


@pytest.mark.parametrize("line", ["/join", "/join   "])
def test_join_without_a_room_shows_its_usage(line: str) -> None:
    result = parse_input(line)
    assert isinstance(result, Usage)
    assert result.text.startswith("/join <room>")


@pytest.mark.parametrize("line", ["/leave", "/part", "/PART"])
def test_leave_and_part_alone_leave_the_current_conversation(line: str) -> None:
    assert parse_input(line) == Leave(None, None)


def test_part_names_a_room_and_a_reason() -> None:
    assert parse_input("/part #games") == Leave("#games", None)
    assert parse_input("/part #games gone to bed") == Leave("#games", "gone to bed")
    assert parse_input("/leave &local bye") == Leave("&local", "bye")


def test_part_with_words_but_no_room_is_a_reason_for_the_current_room() -> None:
    assert parse_input("/part gone to bed") == Leave(None, "gone to bed")


def test_list_asks_for_the_rooms() -> None:
    assert parse_input("/list") == ListRooms()


# -- the usual -----------------------------------------------------------------------------


def test_me_is_an_action_keeping_inner_spacing() -> None:
    assert parse_input("/me waves") == Action("waves")
    assert parse_input("/me waves   both  hands") == Action("waves   both  hands")
    assert parse_input("/me   waves") == Action("waves")


@pytest.mark.parametrize("line", ["/me", "/me   "])
def test_me_without_text_shows_its_usage(line: str) -> None:
    assert isinstance(parse_input(line), Usage)


def test_nick_takes_exactly_one_word() -> None:
    assert parse_input("/nick x") == ChangeNick("x")
    assert parse_input("/nick  Anna  ") == ChangeNick("Anna")


@pytest.mark.parametrize("line", ["/nick", "/nick two words"])
def test_nick_with_no_word_or_two_words_shows_its_usage(line: str) -> None:
    result = parse_input(line)
    assert isinstance(result, Usage)
    assert result.text.startswith("/nick <nick>")


def test_color_alone_asks_for_the_palette_and_with_a_value_sets_it() -> None:
    assert parse_input("/color") == ChangeColor(None)
    assert parse_input("/color teal") == ChangeColor("teal")
    assert parse_input("/color light blue") == ChangeColor("light blue")
    assert parse_input("/color #ff00af") == ChangeColor("#ff00af")
    assert parse_input("/color none") == ChangeColor("none")


def test_topic_alone_shows_it_and_with_text_sets_it() -> None:
    assert parse_input("/topic") == Topic(None)
    assert parse_input("/topic   ") == Topic(None)
    assert parse_input("/topic games  night tonight ") == Topic("games  night tonight")


def test_whois_names_a_person() -> None:
    assert parse_input("/whois bo") == Whois("bo")
    result = parse_input("/whois")
    assert isinstance(result, Usage)
    assert result.text.startswith("/whois <nick>")


def test_away_with_a_message_is_away_and_without_one_is_back() -> None:
    assert parse_input("/away") == SetAway(None)
    assert parse_input("/away gone for lunch") == SetAway("gone for lunch")


@pytest.mark.parametrize("word", ["register", "login"])
def test_register_and_login_ask_for_an_account_command(word: str) -> None:
    assert parse_input("/" + word) == Account(word)
    assert parse_input("/" + word.upper()) == Account(word)


def test_login_may_name_the_account() -> None:
    assert parse_input("/login anabanana") == Account("login", "anabanana")
    assert parse_input("/login  anabanana  ") == Account("login", "anabanana")


@pytest.mark.parametrize("line", ["/register correct horse", "/register x", "/login ana pw"])
def test_a_password_typed_on_the_command_line_is_refused_not_used(line: str) -> None:
    result = parse_input(line)
    assert isinstance(result, Usage)
    assert "password is asked" in result.text


@pytest.mark.parametrize(
    "line",
    [
        "/login",
        "/login ana sesame",
        "/register sesame",
        "/REGISTER",
        "/msg NickServ IDENTIFY ana sesame",
        "/msg nickserv identify sesame",
        "@NickServ register sesame",
        "@nickserv SET PASSWORD sesame",
    ],
)
def test_lines_that_may_hold_a_password_are_secret(line: str) -> None:
    assert is_secret(line)


@pytest.mark.parametrize(
    "line", ["hello", "/join #x", "@bo identify yourself", "/msg NickServ HELP", "login"]
)
def test_other_lines_are_not_secret(line: str) -> None:
    assert not is_secret(line)


@pytest.mark.parametrize("line", ["/foo", "/foo bar baz", "/joinx #x"])
def test_an_unknown_slash_word_is_reported_not_sent(line: str) -> None:
    assert parse_input(line) == Unknown("/" + line[1:].split(" ")[0])


# -- the help table ------------------------------------------------------------------------


@pytest.mark.parametrize("name", COMMAND_NAMES)
def test_help_mentions_every_command_word(name: str) -> None:
    words = {
        word.strip(",")
        for row in HELP
        for word in row.usage.split()
        if word.startswith(("/", "@")) and not word.startswith("@<")
    }
    assert name in words


@pytest.mark.parametrize("name", COMMAND_NAMES)
def test_every_command_word_is_understood_as_a_command(name: str) -> None:
    result: Input = parse_input(name + " x")
    assert not isinstance(result, Unknown)
    assert result != Say(name + " x")
    if name.startswith("@"):
        assert not isinstance(result, DirectMessage)  # @all, @help... are not nicks


def test_help_follows_the_design_table_and_says_how_to_send_a_slash() -> None:
    assert HELP[0].usage == "@help, /help"
    assert all(row.usage and row.does for row in HELP)
    assert "//text" in HELP_FOOTER


def test_slash_query_asks_to_go_to_the_conversation() -> None:
    assert parse_input("/query bo") == DirectMessage("bo", "", open=True)
    assert parse_input("/query bo hi  there") == DirectMessage("bo", "hi  there", open=True)
    assert isinstance(parse_input("/query"), Usage)


# -- moderation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "wanted"),
    [
        ("/kick bo", Moderate("kick", "bo")),
        ("/kick bo  be  nice ", Moderate("kick", "bo", "be  nice")),
        ("/KICKBAN bo spam", Moderate("kickban", "bo", "spam")),
        ("/ban *!*@example.org", Moderate("ban", "*!*@example.org")),
        ("/unban a:bo", Moderate("unban", "a:bo")),
        ("/mute bo", Moderate("mute", "bo")),
        ("/unmute bo", Moderate("unmute", "bo")),
        ("/op bo", Moderate("op", "bo")),
        ("/deop bo", Moderate("deop", "bo")),
        ("/voice bo", Moderate("voice", "bo")),
        ("/devoice bo", Moderate("devoice", "bo")),
        ("/invite bo", Invite("bo")),
        ("/invite bo #games", Invite("bo", "#games")),
        ("/mode +m", SetMode(None, "+m")),
        ("/mode #games +b a:bo", SetMode("#games", "+b a:bo")),
    ],
)
def test_moderation_commands_name_their_target_and_reason(line: str, wanted: Input) -> None:
    assert parse_input(line) == wanted


@pytest.mark.parametrize(
    "line",
    [
        "/kick",
        "/ban",
        "/ban bo spam",
        "/mute",
        "/mute bo now",
        "/op",
        "/op bo cy",
        "/invite",
        "/mode",
        "/mode #x",
    ],
)
def test_moderation_commands_without_their_target_show_their_usage(line: str) -> None:
    assert isinstance(parse_input(line), Usage)

"""The server's replies in words (:mod:`chinwag.client.wording`): what a person reads
instead of numerics and ``ERROR`` lines, the same in every client."""

from __future__ import annotations

import pytest

from chinwag.client.wording import NICK_RULE, nick_refusal, reply_words, server_error_words


def test_a_nick_in_use_says_it_is_taken_and_what_to_do() -> None:
    words = nick_refusal("433", "bob", "Nickname is already in use")
    assert words == "bob is taken; pick another nick, or give the password if it is yours"


def test_a_malformed_nick_is_answered_with_the_rule_for_nicks() -> None:
    assert nick_refusal("432", "9lives", "Erroneous nickname") == (
        f"9lives cannot be a nick: {NICK_RULE}"
    )
    assert NICK_RULE == (
        "a nick is one word of letters, digits and -_[]{}\\|^, not starting with a digit"
    )
    assert nick_refusal("431", "*", "No nickname given").startswith("Type a nick")


def test_a_nick_refusal_we_have_no_words_for_keeps_the_servers_reason() -> None:
    assert nick_refusal("999", "bob", "Reserved for services") == "bob: Reserved for services"


LINK = "Closing Link: 127.0.0.1"
CLOSED = "The server closed the connection"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Server shutting down", "The server is shutting down"),
        (f"{LINK} (Ping timeout: 182 seconds)", "The server stopped hearing from us"),
        (f"{LINK} (Registration timed out)", "Logging in took too long"),
        (f"{LINK} (SendQ exceeded)", "We fell too far behind reading the server"),
        (f"{LINK} (Quit: banned from fun)", "You left the server"),
        (f"{LINK} (Too many connections)", f"{CLOSED}: Too many connections"),
        ("Go away", f"{CLOSED}: Go away"),
    ],
)
def test_the_servers_error_is_said_without_its_protocol_dress(text: str, words: str) -> None:
    assert server_error_words(text) == words


def test_the_welcome_burst_is_no_news() -> None:
    for code in ("001", "002", "003", "004"):
        assert reply_words(code, ("bob", "Welcome to the chinwag Network, bob!~bob@h"), "x") is None


def test_known_errors_name_their_subject_in_a_sentence() -> None:
    assert reply_words("403", ("ana", "#nowhere", "No such channel"), "No such channel") == (
        "There is no room #nowhere"
    )
    assert reply_words("475", ("ana", "#club", "Cannot join channel (+k)"), "x") == (
        "#club needs a key: /join #club KEY"
    )
    assert reply_words("482", ("ana", "#club", "You're not channel operator"), "x") == (
        "You are not a channel operator in #club: only its operators may do that"
    )


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        (
            "Cannot send to channel (you're muted)",
            "You are muted in #club: your message was not sent",
        ),
        ("Cannot send to channel (+m)", "#club is moderated (+m): you need voice to speak there"),
        (
            "Cannot send to channel (you're banned)",
            "You are banned from #club: your message was not sent",
        ),
        (
            "Cannot send to channel (no external messages)",
            "You are not in #club (+n: only its members may write to it)",
        ),
        ("Cannot send CTCP to channel (+C)", "#club takes no CTCP (+C): not sent"),
        ("Something new", "Your message to #club was not sent: Something new"),
    ],
)
def test_a_refused_message_says_which_rule_refused_it(reason: str, words: str) -> None:
    assert reply_words("404", ("ana", "#club", reason), reason) == words


def test_moderation_refusals_and_invitations_are_sentences() -> None:
    assert reply_words("441", ("ana", "bo", "#club", "They aren't on that channel"), "x") == (
        "bo is not in #club"
    )
    assert reply_words("443", ("ana", "bo", "#club", "is already on channel"), "x") == (
        "bo is already in #club"
    )
    assert reply_words("341", ("ana", "bo", "#club"), "#club") == "You invited bo to #club"


def test_a_numeric_we_have_no_words_for_keeps_the_servers_text() -> None:
    assert reply_words("742", ("ana", "#x", "k", "MODE cannot be set"), "MODE cannot be set") == (
        "MODE cannot be set"
    )

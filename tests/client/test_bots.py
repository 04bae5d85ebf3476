"""Who is a bot (IRCv3 bot-mode), as the client core and the chat model learn it.

The server tags every message of a ``+B`` user with ``bot``, shows ``B`` in WHO flags after
``H``/``G`` and answers a WHOIS with RPL_WHOISBOT (335); our own ``+B`` comes as a user MODE.
The person learned to be a bot is marked on their messages and in the member list.
"""

from __future__ import annotations

from chinwag.client import events as ev
from tests.client.chat_harness import BO, CY, in_lobby
from tests.client.harness import feed, joined_lobby, registered


def is_bot(chat_or_proto: object, nick: str) -> bool:
    proto = getattr(chat_or_proto, "proto", chat_or_proto)
    user = proto.user(nick)  # type: ignore[attr-defined]
    return user is not None and bool(user.bot)


# -- the client core -------------------------------------------------------------------------


def test_a_message_with_the_bot_tag_is_a_bots_and_the_sender_is_remembered_as_one() -> None:
    proto = joined_lobby()
    [message] = feed(proto, "@bot;msgid=m1 :bob!~bob@h1 PRIVMSG #Lobby :rolled 4")
    assert isinstance(message, ev.Message) and message.bot
    assert is_bot(proto, "bob")
    assert not is_bot(proto, "cy")


def test_a_message_without_the_tag_is_a_bots_only_if_the_sender_is_known_to_be_one() -> None:
    proto = joined_lobby()
    [plain] = feed(proto, ":cy!~cy@h2 PRIVMSG #Lobby :hi")
    assert isinstance(plain, ev.Message) and not plain.bot
    feed(proto, "@bot :bob!~bob@h1 PRIVMSG #Lobby :one")
    [untagged] = feed(proto, ":bob!~bob@h1 PRIVMSG #Lobby :two")
    assert isinstance(untagged, ev.Message) and untagged.bot


def test_who_flags_say_who_is_a_bot_and_who_is_no_longer_one() -> None:
    proto = joined_lobby()
    proto.who("#lobby")
    [who] = feed(
        proto,
        ":irc.test 352 ana #lobby ~bob h1 irc.test bob HB :0 Bob",
        ":irc.test 352 ana #lobby ~cy h2 irc.test cy G+ :0 Cy",
        ":irc.test 315 ana #lobby :End of WHO list",
    )
    assert isinstance(who, ev.WhoResult)
    assert [(entry.nick, entry.bot, entry.away) for entry in who.entries] == [
        ("bob", True, False),
        ("cy", False, True),
    ]
    assert is_bot(proto, "bob") and not is_bot(proto, "cy")
    feed(
        proto,
        ":irc.test 352 ana #lobby ~bob h1 irc.test bob H@ :0 Bob",
        ":irc.test 315 ana #lobby :End of WHO list",
    )
    assert not is_bot(proto, "bob")


def test_an_operator_bot_keeps_b_after_the_star_and_the_prefixes() -> None:
    proto = joined_lobby()
    feed(
        proto,
        ":irc.test 352 ana #lobby ~bob h1 irc.test bob G*@B :0 Bob",
        ":irc.test 315 ana #lobby :End of WHO list",
    )
    assert is_bot(proto, "bob")


def test_whois_with_rpl_whoisbot_says_a_bot_and_without_it_says_not() -> None:
    proto = joined_lobby()
    proto.whois("bob")
    [whois] = feed(
        proto,
        ":irc.test 311 ana bob ~bob h1 * :Bob",
        ":irc.test 335 ana bob :is a bot on TestNet",
        ":irc.test 318 ana bob :End of WHOIS list",
    )
    assert isinstance(whois, ev.WhoisResult) and whois.bot
    assert is_bot(proto, "bob")
    proto.whois("bob")
    [again] = feed(
        proto,
        ":irc.test 311 ana bob ~bob h1 * :Bob",
        ":irc.test 318 ana bob :End of WHOIS list",
    )
    assert isinstance(again, ev.WhoisResult) and not again.bot
    assert not is_bot(proto, "bob")


def test_our_own_bot_mode_is_known() -> None:
    proto = registered()
    feed(proto, ":ana MODE ana :+iB")
    assert is_bot(proto, "ana")
    feed(proto, ":ana MODE ana :-B")
    assert not is_bot(proto, "ana")


def test_a_bot_tag_replayed_from_history_marks_the_line_not_whoever_has_the_nick_now() -> None:
    chat = in_lobby()
    chat.feed(
        ":irc.test BATCH +h chathistory #lobby",
        "@batch=h;bot;msgid=old;time=2024-05-01T10:00:00.000Z :bo!~bo@h1 PRIVMSG #lobby :4",
        ":irc.test BATCH -h",
    )
    [line] = [line for line in chat.lines("#lobby") if line.msgid == "old"]
    assert line.bot and line.history
    assert not is_bot(chat, "bo")


# -- the chat model --------------------------------------------------------------------------


def test_a_bots_message_line_and_member_entry_are_marked() -> None:
    chat = in_lobby()
    changes = chat.feed(f"@bot;msgid=m1 {BO} PRIVMSG #lobby :rolled 4")
    assert chat.last("#lobby").bot
    assert changes.members  # the member list gets the marker now
    assert not chat.feed(f"@bot;msgid=m2 {BO} PRIVMSG #lobby :rolled 5").members  # once
    assert {view.nick: view.bot for view in chat.model.members()} == {
        "bo": True,
        "ana": False,
        "cy": False,
    }
    chat.feed(f"{CY} PRIVMSG #lobby :not a bot")
    assert not chat.last("#lobby").bot


def test_the_automatic_who_on_joining_marks_the_bots_in_the_member_list() -> None:
    chat = in_lobby()
    chat.feed(
        ":irc.test 352 ana #lobby ~cy h2 irc.test cy H+B :0 Dice",
        ":irc.test 315 ana #lobby :End of /WHO list.",
    )
    assert [view.nick for view in chat.model.members() if view.bot] == ["cy"]


def test_a_monospace_message_keeps_its_runs_on_the_line() -> None:
    chat = in_lobby()
    chat.feed(f"@bot;msgid=b1 {BO} PRIVMSG #lobby :board: \x11X|O\x11 \x1b[31mred\x11 a  b\x11")
    line = chat.last("#lobby")
    assert line.text == "board: X|O red a  b"
    assert [line.text[start:end] for start, end in line.monospace] == ["X|O", " a  b"]


def test_a_deleted_message_loses_its_monospace_runs() -> None:
    chat = in_lobby()
    chat.feed(f"@msgid=b1 {BO} PRIVMSG #lobby :\x11+-+\x11")
    chat.feed(f"{BO} REDACT #lobby b1")
    line = chat.last("#lobby")
    assert line.redacted and line.monospace == ()

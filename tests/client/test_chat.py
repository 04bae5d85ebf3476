"""The chat model's event handling (:mod:`chinwag.client.chat`): every event of the client core
becomes lines in the right conversations, status, dividers and password requests.

Driven as in :mod:`tests.client.chat_harness`: a real client core fed server lines; every
event goes to :meth:`ChatModel.handle`. No network, no sleeps.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from chinwag.client import events as ev
from chinwag.client.banner import BANNER_DOWN, BANNER_NOW, QUIT_HINT
from chinwag.client.chat import ChatModel
from chinwag.client.filing import MISSED, ConversationFiling
from chinwag.client.typed import TypedInput
from chinwag.client.values import (
    SERVER_KEY,
    ConversationKind,
    LineKind,
    Link,
    PasswordRequest,
)
from chinwag.protocol.casemap import fold
from tests.client.chat_harness import (
    ACCOUNT_CAPS,
    ANA,
    BO,
    CAPS,
    CY,
    HISTORY_CAPS,
    NOW,
    PASSWORD,
    Chat,
    games_history,
    in_lobby,
    in_lobby_and_games,
    is_safe,
    logged_in,
    no_line_holds,
    online,
)

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


def test_the_client_lands_in_its_room_though_the_account_user_s_rooms_come_first() -> None:
    """Logging in to an account whose user is already here (another device, multiclient):
    the server shows that user's rooms before it answers our JOIN. They are listed; the
    screen goes to the room the client came for."""
    chat = Chat(rooms=("#lobby", "#games"))
    chat.connect()
    assert chat.sent()[-2:] == ["JOIN #lobby", "JOIN #games"]
    chat.join("#elsewhere", "ana bo")
    assert chat.current == SERVER_KEY and chat.conv("#elsewhere").joined
    chat.join("#lobby")
    chat.join("#games")
    assert chat.current == fold("#lobby")
    assert chat.conv("#elsewhere").joined and chat.conv("#games").joined


def test_another_devices_join_while_on_the_server_window_does_not_take_the_screen() -> None:
    chat = Chat(rooms=("#lobby",))
    chat.connect()
    chat.feed(f"{ANA} JOIN #news")  # said by the account's other device, not asked for here
    assert chat.current == SERVER_KEY
    chat.join("#lobby")
    assert chat.current == fold("#lobby")


def test_when_the_room_to_land_in_is_refused_the_next_room_joined_is_shown() -> None:
    chat = Chat(rooms=("#vip",))
    chat.connect()
    chat.feed(":irc.test 473 ana #vip :Cannot join channel (+i)")
    assert chat.current == SERVER_KEY
    chat.join("#lobby")
    assert chat.current == fold("#lobby")


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


# -- rooms ---------------------------------------------------------------------------------


def test_others_joining_and_leaving_are_shown() -> None:
    chat = in_lobby()
    chat.feed(":dee!~dee@h4 JOIN #lobby", ":dee!~dee@h4 PART #lobby :gone")
    join, part = chat.lines("#lobby")[-2:]
    assert (join.kind, join.nick, join.text) == (LineKind.JOIN, "dee", "joined #lobby")
    assert (part.kind, part.nick, part.text) == (LineKind.PART, "dee", "left #lobby (gone)")


# -- topic, whois, list, help and the rest -------------------------------------------------


def test_the_topic_on_join_is_shown_and_readable() -> None:
    chat = online()
    chat.join("#lobby", "ana", topic="Welcome all")
    assert chat.model.topic == "Welcome all"
    assert "Topic: Welcome all" in chat.texts("#lobby")


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


def test_a_nick_in_use_is_reported() -> None:
    chat = in_lobby()
    chat.type("/nick bo")
    changes = chat.feed(":irc.test 433 ana bo :Nickname is already in use")
    assert changes.nick
    line = chat.last("#lobby")
    assert line.kind is LineKind.ERROR
    assert line.text == "bo is taken; pick another nick, or give the password if it is yours"
    assert chat.model.nick == "ana"


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


def test_the_reconnection_banner_counts_down_with_the_clock() -> None:
    chat = in_lobby()
    chat.deliver(chat.proto.connection_lost("Connection reset by peer"))
    changes = chat.model.handle(ev.Reconnecting(5, 1))
    assert changes.status
    assert chat.model.banner() == "Server is down — reconnecting in 5s (press Ctrl-C to quit)"
    assert with_hint(BANNER_DOWN.format(seconds=5)) == chat.model.banner()
    chat.monotonic += 1
    assert chat.model.banner() == with_hint(BANNER_DOWN.format(seconds=4))
    chat.monotonic += 2.5
    assert chat.model.banner() == with_hint(BANNER_DOWN.format(seconds=2))  # 1.5s left, rounded up
    chat.monotonic += 1.5
    assert chat.model.banner() == with_hint(BANNER_NOW)
    assert "reconnecting now" in BANNER_NOW
    chat.monotonic += 10
    assert chat.model.banner() == with_hint(BANNER_NOW)


def with_hint(banner: str) -> str:
    """The banner as the terminal clients show it: with the key that quits."""
    return f"{banner} ({QUIT_HINT})"


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


def test_the_servers_farewell_is_said_in_words_once_and_kept_raw_in_the_server_conversation() -> (
    None
):
    chat = in_lobby()
    text = "Closing link: (~ana@127.0.0.1) [Ping timeout: 120 seconds]"
    chat.feed(f"ERROR :{text}")
    assert chat.last("*").text == f"ERROR :{text}"
    chat.deliver(chat.proto.connection_lost("Connection closed by the server"))
    said = [line for line in chat.lines("#lobby") if line.kind is LineKind.ERROR]
    assert [line.text for line in said] == ["The server stopped hearing from us"]


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


# -- accounts: /register, /login, protected nicks --------------------------------------------


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


# -- the shape -----------------------------------------------------------------------------


def test_the_chat_model_owns_its_parts_and_is_built_on_none() -> None:
    """Filing, typed input and event handling are separate objects (so each can be made and
    tested alone): none is a base of another, nor has any base but ``object``."""
    for part in (ChatModel, TypedInput, ConversationFiling):
        assert part.__bases__ == (object,)


def test_a_renamed_room_keeps_its_log_under_the_new_name() -> None:
    chat = in_lobby()
    chat.feed(f"{BO} PRIVMSG #lobby :hello")
    chat.model.select(fold("#lobby"))
    changes = chat.feed(f"{BO} RENAME #lobby #hall :tidier")
    assert changes.conversations
    assert fold("#lobby") not in chat.model.conversations
    room = chat.conv("#hall")
    assert room.name == "#hall" and room.joined
    assert chat.current == fold("#hall")
    assert [line.text for line in room.lines][-2:] == [
        "hello",
        "renamed #lobby to #hall (tidier)",
    ]
    channel = chat.proto.channel("#hall")
    assert channel is not None and channel.name == "#hall"
    assert chat.proto.channel("#lobby") is None
    chat.type("still here")
    assert chat.sent() == ["PRIVMSG #hall :still here"]

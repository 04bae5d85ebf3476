"""What a login form shows while connecting (:mod:`chinwag.client.login`), the same in the
terminal client and the window: the connection's events become progress, or a problem next to
the right field, and some end the attempt."""

from __future__ import annotations

from chinwag.client import events as ev
from chinwag.client.login import LoginNews, login_news
from chinwag.client.wording import NICK_RULE

ADDRESS = "192.168.1.5:6667"


def test_a_connection_says_it_is_logging_in() -> None:
    news = login_news(ev.Connected("192.168.1.5", 6667, False), ADDRESS)
    assert news == LoginNews(status="Connected to 192.168.1.5:6667 (not encrypted), logging in …")
    tls = ev.Connected("h", 6697, True, fingerprint="SHA256:AB", first_use=True)
    first = login_news(tls, ADDRESS)
    assert first is not None and first.status is not None
    assert "fingerprint is SHA256:AB, remembered" in first.status


def test_a_nick_in_use_is_said_in_words_next_to_the_nick_and_keeps_the_connection() -> None:
    event = ev.NickRejected("ana", "Nickname is already in use", "433", registered=False)
    news = login_news(event, ADDRESS)
    assert news is not None
    assert news.field == "nick"
    assert news.problem == "ana is taken; pick another nick, or give the password if it is yours"
    assert not news.stop and not news.ready


def test_a_malformed_nick_is_answered_with_what_a_nick_may_be() -> None:
    event = ev.NickRejected("9lives", "Erroneous nickname", "432", registered=False)
    news = login_news(event, ADDRESS)
    assert news is not None and news.field == "nick"
    assert news.problem == f"9lives cannot be a nick: {NICK_RULE}"
    assert "Erroneous" not in news.problem


def test_a_nobody_listening_server_is_shown_next_to_the_address_and_ends_the_attempt() -> None:
    reason = "Nobody is listening on 192.168.1.5:6667 — is the server started?"
    news = login_news(ev.Disconnected(reason), ADDRESS)
    assert news == LoginNews(status="", field="server", problem=reason, stop=True)


def test_the_servers_error_text_is_said_in_words() -> None:
    news = login_news(ev.Disconnected("Connection closed", "Too many connections"), ADDRESS)
    assert news is not None
    assert news.problem == "The server closed the connection: Too many connections"
    closing = login_news(ev.Disconnected("Connection closed", "Server shutting down"), ADDRESS)
    assert closing is not None and closing.problem == "The server is shutting down"


def test_a_wrong_password_is_shown_next_to_the_password_and_ends_the_attempt() -> None:
    event = ev.LoginFailed("ana", "SASL authentication failed", "904", registered=False)
    news = login_news(event, ADDRESS)
    assert news is not None
    assert news.field == "password" and news.stop
    assert news.problem == "Cannot log in as ana: SASL authentication failed"


def test_being_welcomed_opens_the_chat() -> None:
    news = login_news(ev.Registered("ana", "TestNet", "irc.test"), ADDRESS)
    assert news is not None and news.ready


def test_a_failed_login_after_registration_and_other_events_are_not_news() -> None:
    assert login_news(ev.LoginFailed("ana", "no", "904", registered=True), ADDRESS) is None
    assert login_news(ev.Motd(("hello",)), ADDRESS) is None


def test_what_the_server_says_is_cleaned() -> None:
    event = ev.NickRejected("a\x1b[31mna", "in use \U0001f600\x07", "499", registered=False)
    news = login_news(event, ADDRESS)
    assert news is not None and news.problem == "ana: in use \U0001f600"
    failed = ev.LoginFailed("a\x07na", "\x1b]0;title\x07no", "904", registered=False)
    news = login_news(failed, ADDRESS)
    assert news is not None and news.problem == "Cannot log in as ana: no"


def test_every_string_goes_through_what_the_form_can_show() -> None:
    def shout(text: str) -> str:
        return text.upper()

    connected = login_news(ev.Connected("h", 1, False), "h:1", shown=shout)
    assert connected == LoginNews(status="CONNECTED TO H:1 (NOT ENCRYPTED), logging in …")
    refused = login_news(ev.NickRejected("ana", "in use", "433", registered=False), "", shown=shout)
    assert refused is not None and refused.problem is not None
    assert refused.problem.startswith("ANA IS TAKEN")
    lost = login_news(ev.Disconnected("Connection closed", "bye"), "", shown=shout)
    assert lost is not None and lost.problem == "THE SERVER CLOSED THE CONNECTION: BYE"

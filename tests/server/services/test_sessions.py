"""How sessions end (:mod:`chinwag.server.services.sessions`): a quit is seen by everyone who
shares a channel, the quitter is answered with ``ERROR``, an empty channel ceases to exist, and
nothing is handled once a session closed."""

from __future__ import annotations

from chinwag.protocol.message import Message
from tests.server.harness import HOST, Harness

# -- quitting -------------------------------------------------------------------------------


def test_quit_is_seen_by_neighbours_and_answered_with_error() -> None:
    h = Harness()
    ana, bo, stranger = h.client("ana"), h.client("bo"), h.client("cy")
    h.join("#x", ana, bo)

    bo.send("QUIT :see you")

    assert bo.raw() == [f"ERROR :Closing Link: {HOST} (Quit: see you)"]
    assert bo.closed
    assert [m.without_tags() for m in ana.take()] == [
        Message("QUIT", ("Quit: see you",), f"bo!~bo@{HOST}")
    ]
    assert stranger.raw() == []
    assert h.core.network.find_user("bo") is None
    assert h.client("bo").session.user is not None  # the nick is free again


def test_quit_without_reason() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.join("#x", ana, bo)
    bo.send("QUIT")
    assert ana.lines() == [("QUIT", "Quit")]


def test_quit_before_registration_closes_quietly() -> None:
    client = Harness().connect()
    client.send("NICK ana", "QUIT :bye")
    assert client.raw() == [f"ERROR :Closing Link: {HOST} (Quit: bye)"]
    assert client.closed


def test_last_member_leaving_removes_the_channel() -> None:
    h = Harness()
    ana = h.client("ana")
    h.join("#x", ana)
    ana.send("QUIT")
    assert h.core.network.find_channel("#x") is None


def test_lost_connection_is_a_quit_for_neighbours() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.join("#x", ana, bo)
    h.core.connection_lost(bo.session)
    assert ana.lines() == [("QUIT", "Connection closed")]
    assert h.core.network.find_user("bo") is None


def test_nothing_is_handled_after_a_session_closed() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    bo.send("QUIT", "PRIVMSG ana :ghost")
    assert ana.raw() == []


def test_quit_tags_follow_the_receivers_caps() -> None:
    h = Harness()
    tagged = h.client("tagged", caps=["server-time", "message-tags"])
    plain = h.client("plain")
    bo = h.client("bo")
    h.join("#x", tagged, plain, bo)
    bo.send("QUIT")
    (seen_tagged,) = tagged.take()
    (seen_plain,) = plain.take()
    assert set(seen_tagged.tags) == {"time", "msgid"}
    assert seen_plain.tags == {}


def test_a_doomed_session_is_closed_only_when_reaped() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    sessions = h.core.deps.sessions
    sessions.doom(bo.session, "SendQ exceeded")
    assert not bo.closed
    ana.send("PRIVMSG #room :still here")
    assert bo.closed  # the core reaps after each piece of work
    assert ("QUIT", "SendQ exceeded") in ana.lines()


def test_closing_twice_says_goodbye_once() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    h.core.deps.sessions.close(bo.session, "Bye")
    h.core.deps.sessions.close(bo.session, "Bye again")
    assert [line[0] for line in bo.lines()] == ["ERROR"]
    assert ana.lines() == [("QUIT", "Bye")]

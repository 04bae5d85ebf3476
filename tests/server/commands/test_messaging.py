"""PRIVMSG, NOTICE and TAGMSG: delivery, the tags each recipient may see, and sending rules.

References: Modern IRC "Sending Messages"; IRCv3 message-tags, server-time, message-ids,
echo-message, account-tag, bot-mode.
"""

from __future__ import annotations

import time

import pytest

from chinwag.protocol.message import Message
from chinwag.server.history import HistoryWriter
from chinwag.server.state import ListEntry
from tests.server.harness import HOST, Client, Harness

# -- delivery -------------------------------------------------------------------------------


def test_privmsg_to_a_user() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    ana.send("PRIVMSG bo :hello there")
    assert bo.take() == [Message("PRIVMSG", ("bo", "hello there"), f"ana!~ana@{HOST}")]
    assert ana.raw() == []


def test_target_nick_is_case_insensitive_and_shown_as_registered() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("Bo")
    ana.send("PRIVMSG BO :hi")
    assert bo.lines() == [("PRIVMSG", "Bo", "hi")]


def test_privmsg_to_a_channel_reaches_every_other_member() -> None:
    h = Harness()
    ana, bo, cy, outsider = h.client("ana"), h.client("bo"), h.client("cy"), h.client("dee")
    h.join("#x", ana, bo, cy)
    ana.send("PRIVMSG #X :hi all")
    assert bo.lines() == [("PRIVMSG", "#x", "hi all")]
    assert cy.lines() == [("PRIVMSG", "#x", "hi all")]
    assert ana.raw() == []
    assert outsider.raw() == []


def test_notice_is_delivered_like_privmsg() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.join("#x", ana, bo)
    ana.send("NOTICE bo :psst", "NOTICE #x :all")
    assert bo.lines() == [("NOTICE", "bo", "psst"), ("NOTICE", "#x", "all")]


def test_message_to_oneself_arrives_once() -> None:
    ana = Harness().client("ana")
    ana.send("PRIVMSG ana :note to self")
    assert ana.lines() == [("PRIVMSG", "ana", "note to self")]


def test_message_to_oneself_with_echo_arrives_once() -> None:
    ana = Harness().client("ana", caps=["echo-message"])
    ana.send("PRIVMSG ana :note to self")
    assert ana.lines() == [("PRIVMSG", "ana", "note to self")]


LABEL_CAPS = ["echo-message", "labeled-response", "batch", "message-tags"]


@pytest.mark.parametrize(
    "line",
    [
        "@label=L1 PRIVMSG Ana :note",
        "@label=L1 PRIVMSG ana,ANA :note",
        "@label=L1 NOTICE ana,Ana :note",
        "@label=L1;+typing=active TAGMSG ana,ANA",
    ],
)
def test_labeled_message_to_oneself_with_echo_is_one_labeled_response(line: str) -> None:
    # labeled-response: the echo is the response, labeled; no batch, no second copy.
    h = Harness()
    ana = h.client("ana", caps=LABEL_CAPS)
    ana.send(line)
    (echo,) = ana.take()
    assert echo.tags["label"] == "L1"
    assert echo.source == f"ana!~ana@{HOST}"
    assert echo.params[0] == "ana"
    assert echo.command == line.split()[1]


def test_labeled_message_to_oneself_while_away_is_one_labeled_response() -> None:
    # No RPL_AWAY about oneself: the echo alone answers the labeled message.
    ana = Harness().client("ana", caps=LABEL_CAPS)
    ana.send("AWAY :lunch")
    ana.take()
    ana.send("@label=L2 PRIVMSG ana :note")
    (echo,) = ana.take()
    assert (echo.command, echo.params, echo.tags["label"]) == ("PRIVMSG", ("ana", "note"), "L2")


def test_a_target_named_twice_in_any_case_is_reached_once() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    ana.send("PRIVMSG bo,BO,Bo :hi")
    assert bo.lines() == [("PRIVMSG", "bo", "hi")]


def test_several_targets() -> None:
    h = Harness()
    ana, bo, cy = h.client("ana"), h.client("bo"), h.client("cy")
    h.join("#x", ana, cy)
    ana.send("PRIVMSG bo,#x :hi")
    assert bo.lines() == [("PRIVMSG", "bo", "hi")]
    assert cy.lines() == [("PRIVMSG", "#x", "hi")]


def test_repeated_target_gets_one_copy() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    ana.send("PRIVMSG bo,bo,,bo :hi")
    assert bo.lines() == [("PRIVMSG", "bo", "hi")]


def test_each_target_gets_its_own_msgid() -> None:
    h = Harness()
    ana = h.client("ana", caps=["echo-message", "message-tags"])
    h.client("bo")
    h.client("cy")
    ana.send("PRIVMSG bo,cy :hi")
    echoes = ana.take()
    assert [m.params[0] for m in echoes] == ["bo", "cy"]
    assert echoes[0].tags["msgid"] != echoes[1].tags["msgid"]


def test_privmsg_updates_idle_time() -> None:
    h = Harness()
    ana, _ = h.client("ana"), h.client("bo")
    ana.session.last_message = 0.0
    ana.send("PRIVMSG bo :hi")
    assert ana.session.last_message >= time.time() - 60


# -- errors ---------------------------------------------------------------------------------


def test_no_such_nick_is_401() -> None:
    ana = Harness().client("ana")
    ana.send("PRIVMSG nobody :hi")
    assert ana.lines() == [("401", "ana", "nobody", "No such nick/channel")]


def test_no_such_channel_is_403() -> None:
    ana = Harness().client("ana")
    ana.send("PRIVMSG #nowhere :hi")
    assert ana.lines() == [("403", "ana", "#nowhere", "No such channel")]


@pytest.mark.parametrize("line", ["PRIVMSG", "PRIVMSG :"])
def test_no_recipient_is_411(line: str) -> None:
    ana = Harness().client("ana")
    ana.send(line)
    assert ana.lines() == [("411", "ana", "No recipient given (PRIVMSG)")]


@pytest.mark.parametrize("line", ["PRIVMSG bo", "PRIVMSG bo :"])
def test_no_text_is_412(line: str) -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    ana.send(line)
    assert ana.lines() == [("412", "ana", "No text to send")]
    assert bo.raw() == []


def test_too_many_targets_is_407_for_each_extra_target() -> None:
    h = Harness(max_targets=2)
    ana, bo, cy, dee = h.client("ana"), h.client("bo"), h.client("cy"), h.client("dee")
    ana.send("PRIVMSG bo,cy,dee,eve :hi")
    assert ana.lines() == [
        ("407", "ana", "dee", "Too many targets"),
        ("407", "ana", "eve", "Too many targets"),
    ]
    assert bo.lines() == [("PRIVMSG", "bo", "hi")]
    assert cy.lines() == [("PRIVMSG", "cy", "hi")]
    assert dee.raw() == []


def test_empty_targets_do_not_count_towards_the_limit() -> None:
    h = Harness(max_targets=2)
    ana, bo, cy = h.client("ana"), h.client("bo"), h.client("cy")
    ana.send("PRIVMSG ,bo,,cy :hi")
    assert ana.raw() == []
    assert bo.lines() == [("PRIVMSG", "bo", "hi")]
    assert cy.lines() == [("PRIVMSG", "cy", "hi")]


@pytest.mark.parametrize(
    "line",
    [
        "NOTICE",
        "NOTICE :",
        "NOTICE nobody :hi",
        "NOTICE #nowhere :hi",
        "NOTICE bo",
        "NOTICE bo,cy,dee,eve,fay,gus :hi",
        "NOTICE #quiet :hi",
        "NOTICE away :hi",
    ],
)
def test_notice_never_gets_an_error_reply(line: str) -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    away = h.client("away")
    h.user("away").away = "gone"
    h.join("#quiet", bo)
    h.channel("#quiet").modes.add("m")
    ana.send(line)
    assert ana.raw() == []
    away.take()


# -- away -----------------------------------------------------------------------------------


def test_privmsg_to_an_away_user_gives_rpl_away_and_still_delivers() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.user("bo").away = "at lunch"
    ana.send("PRIVMSG bo :hi")
    assert ana.lines() == [("301", "ana", "bo", "at lunch")]
    assert bo.lines() == [("PRIVMSG", "bo", "hi")]


def test_notice_and_tagmsg_to_an_away_user_give_no_rpl_away() -> None:
    h = Harness()
    ana, _ = h.client("ana", caps=["message-tags"]), h.client("bo", caps=["message-tags"])
    h.user("bo").away = "at lunch"
    ana.send("NOTICE bo :hi", "@+typing=active TAGMSG bo")
    assert ana.raw() == []


def test_channel_message_gives_no_rpl_away() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.join("#x", ana, bo)
    h.user("bo").away = "at lunch"
    ana.send("PRIVMSG #x :hi")
    assert ana.raw() == []


# -- channel sending rules ------------------------------------------------------------------


def test_no_external_messages_blocks_outsiders() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.join("#x", ana)
    assert "n" in h.channel("#x").modes
    bo.send("PRIVMSG #x :let me in")
    assert bo.lines() == [("404", "bo", "#x", "Cannot send to channel (no external messages)")]
    assert ana.raw() == []


def test_outsiders_may_speak_without_n() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.join("#x", ana)
    h.channel("#x").modes.discard("n")
    bo.send("PRIVMSG #x :hello from outside")
    assert ana.lines() == [("PRIVMSG", "#x", "hello from outside")]
    assert bo.raw() == []


def test_moderated_channel_silences_plain_members() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.join("#x", ana, bo)
    h.channel("#x").modes.add("m")
    bo.send("PRIVMSG #x :can I talk")
    assert bo.lines() == [("404", "bo", "#x", "Cannot send to channel (+m)")]
    assert ana.raw() == []


def test_moderated_channel_lets_voiced_and_operators_speak() -> None:
    h = Harness()
    ana, bo, cy = h.client("ana"), h.client("bo"), h.client("cy")
    h.join("#x", ana, bo, cy)
    room = h.channel("#x")
    room.modes.add("m")
    room.set_status(h.user("bo"), "v", True)
    ana.send("PRIVMSG #x :operator here")
    bo.send("PRIVMSG #x :voice here")
    assert cy.lines() == [("PRIVMSG", "#x", "operator here"), ("PRIVMSG", "#x", "voice here")]
    assert ana.commands() == ["PRIVMSG"]
    assert bo.commands() == ["PRIVMSG"]


def test_moderated_channel_silences_outsiders_without_n() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.join("#x", ana)
    h.channel("#x").modes.symmetric_difference_update({"n", "m"})
    bo.send("PRIVMSG #x :hi")
    assert bo.commands() == ["404"]


def test_banned_member_cannot_speak() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.join("#x", ana, bo)
    h.channel("#x").bans.append(ListEntry("BO!*@*", "ana", 0))
    bo.send("PRIVMSG #x :hi")
    assert bo.lines() == [("404", "bo", "#x", "Cannot send to channel (you're banned)")]
    assert ana.raw() == []


def test_ban_on_someone_else_does_not_apply() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.join("#x", ana, bo)
    h.channel("#x").bans.append(ListEntry("cy!*@*", "ana", 0))
    bo.send("PRIVMSG #x :hi")
    assert ana.commands() == ["PRIVMSG"]


def test_voiced_banned_member_can_speak() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.join("#x", ana, bo)
    room = h.channel("#x")
    room.bans.append(ListEntry(f"*!*@{HOST}", "ana", 0))
    room.set_status(h.user("bo"), "v", True)
    bo.send("PRIVMSG #x :hi")
    assert ana.commands() == ["PRIVMSG"]


def test_blocked_channel_does_not_stop_other_targets() -> None:
    h = Harness()
    ana, bo, cy = h.client("ana"), h.client("bo"), h.client("cy")
    h.join("#x", ana)
    bo.send("PRIVMSG #x,cy :hi")
    assert bo.commands() == ["404"]
    assert cy.lines() == [("PRIVMSG", "cy", "hi")]


# -- echo-message ---------------------------------------------------------------------------


def test_echo_message_returns_the_message_to_the_sender() -> None:
    h = Harness()
    ana, bo = h.client("ana", caps=["echo-message"]), h.client("bo")
    h.join("#x", ana, bo)
    ana.send("PRIVMSG #x :hi", "NOTICE bo :psst")
    assert ana.lines() == [("PRIVMSG", "#x", "hi"), ("NOTICE", "bo", "psst")]


def test_echo_carries_the_same_msgid_and_time_as_delivered() -> None:
    h = Harness()
    caps = ["echo-message", "message-tags", "server-time"]
    ana, bo = h.client("ana", caps=caps), h.client("bo", caps=caps)
    ana.send("@+reply=abc PRIVMSG bo :hi")
    (echo,) = ana.take()
    (delivered,) = bo.take()
    assert echo == delivered


def test_no_echo_without_the_cap() -> None:
    h = Harness()
    ana, _ = h.client("ana"), h.client("bo")
    ana.send("PRIVMSG bo :hi")
    assert ana.raw() == []


def test_refused_message_is_not_echoed() -> None:
    ana = Harness().client("ana", caps=["echo-message"])
    ana.send("PRIVMSG nobody :hi")
    assert ana.commands() == ["401"]


# -- tags by capability ---------------------------------------------------------------------


def test_plain_recipient_gets_no_tags() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.user("ana").account = "ana"
    ana.send("@+typing=active PRIVMSG bo :hi")
    (message,) = bo.take()
    assert message.tags == {}


def test_server_time_alone_gives_only_time() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo", caps=["server-time"])
    h.user("ana").account = "ana"
    ana.send("@+typing=active PRIVMSG bo :hi")
    (message,) = bo.take()
    assert set(message.tags) == {"time"}
    assert message.tags["time"].endswith("Z") and "T" in message.tags["time"]


def test_message_tags_gates_msgid_and_client_tags() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo", caps=["message-tags"])
    ana.send("@+typing=active;+draft/reply=x PRIVMSG bo :hi")
    (message,) = bo.take()
    assert set(message.tags) == {"msgid", "+typing", "+draft/reply"}
    assert message.tags["+typing"] == "active"


def test_client_tag_values_survive_escaping() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo", caps=["message-tags"])
    ana.send("@+note=a\\sb\\:c PRIVMSG bo :hi")
    (message,) = bo.take()
    assert message.tags["+note"] == "a b;c"


def test_only_client_tags_are_relayed() -> None:
    h = Harness()
    caps = ["message-tags", "server-time", "account-tag"]
    ana, bo = h.client("ana"), h.client("bo", caps=caps)
    ana.send("@time=2000-01-01T00:00:00.000Z;msgid=forged;account=root;label=x PRIVMSG bo :hi")
    (message,) = bo.take()
    assert message.tags["time"] != "2000-01-01T00:00:00.000Z"
    assert message.tags["msgid"] != "forged"
    assert "account" not in message.tags
    assert "label" not in message.tags


def test_account_tag_only_with_account_tag() -> None:
    h = Harness()
    ana = h.client("ana")
    with_cap, without = h.client("bo", caps=["account-tag"]), h.client("cy")
    h.user("ana").account = "AnaAccount"
    ana.send("PRIVMSG bo,cy :hi")
    assert with_cap.take()[0].tags == {"account": "AnaAccount"}
    assert without.take()[0].tags == {}


def test_no_account_tag_when_not_logged_in() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo", caps=["account-tag"])
    ana.send("PRIVMSG bo :hi")
    assert bo.take()[0].tags == {}


def test_bot_tag_needs_message_tags() -> None:
    h = Harness()
    bot = h.client("bot")
    h.user("bot").modes |= {"B"}
    tagged, plain = h.client("bo", caps=["message-tags"]), h.client("cy")
    bot.send("PRIVMSG bo,cy :beep")
    assert "bot" in tagged.take()[0].tags
    assert plain.take()[0].tags == {}


def test_one_channel_message_mixed_audience() -> None:
    h = Harness()
    ana = h.client("ana")
    full = h.client("full", caps=["message-tags", "server-time", "account-tag"])
    timed = h.client("timed", caps=["server-time"])
    plain = h.client("plain")
    h.join("#x", ana, full, timed, plain)
    h.user("ana").account = "ana"
    ana.send("@+typing=done PRIVMSG #x :hi")
    assert set(full.take()[0].tags) == {"time", "msgid", "account", "+typing"}
    assert set(timed.take()[0].tags) == {"time"}
    assert plain.take()[0].tags == {}


# -- TAGMSG ---------------------------------------------------------------------------------


def test_tagmsg_reaches_only_message_tags_recipients() -> None:
    h = Harness()
    ana = h.client("ana", caps=["message-tags"])
    tagged, plain = h.client("bo", caps=["message-tags"]), h.client("cy")
    h.join("#x", ana, tagged, plain)
    ana.send("@+typing=active TAGMSG #x")
    (message,) = tagged.take()
    assert (message.command, message.params, message.tags["+typing"]) == (
        "TAGMSG",
        ("#x",),
        "active",
    )
    assert "msgid" in message.tags
    assert plain.raw() == []


def test_tagmsg_to_a_user_without_message_tags_is_dropped_silently() -> None:
    h = Harness()
    ana, plain = h.client("ana", caps=["message-tags"]), h.client("cy")
    ana.send("@+typing=active TAGMSG cy")
    assert plain.raw() == []
    assert ana.raw() == []


def test_tagmsg_to_oneself_without_message_tags_is_not_delivered() -> None:
    ana = Harness().client("ana")
    ana.send("@+typing=active TAGMSG ana")
    assert ana.raw() == []


def test_tagmsg_is_echoed_with_echo_message() -> None:
    h = Harness()
    ana = h.client("ana", caps=["message-tags", "echo-message"])
    h.client("bo", caps=["message-tags"])
    ana.send("@+typing=paused TAGMSG bo")
    (echo,) = ana.take()
    assert echo.command == "TAGMSG" and echo.tags["+typing"] == "paused"


def test_tagmsg_errors_like_privmsg() -> None:
    ana = Harness().client("ana", caps=["message-tags"])
    ana.send("TAGMSG", "TAGMSG nobody")
    assert ana.commands() == ["411", "401"]


# -- a user on several devices ----------------------------------------------------------------


def second_device(h: Harness, nick: str, caps: list[str] | None = None) -> Client:
    """Another session of an already registered user (as a bouncer-style login would add)."""
    client = h.connect()
    client.session.set_caps(set(caps or []))
    h.core.deps.sessions.add_user(client.session, h.user(nick))
    return client


def test_other_devices_of_the_sender_see_what_was_said() -> None:
    h = Harness()
    laptop, bo = h.client("ana"), h.client("bo")
    phone = second_device(h, "ana")
    laptop.send("PRIVMSG bo :hi from the laptop")
    assert phone.take() == [Message("PRIVMSG", ("bo", "hi from the laptop"), f"ana!~ana@{HOST}")]
    assert bo.lines() == [("PRIVMSG", "bo", "hi from the laptop")]
    assert laptop.raw() == []


def test_other_devices_get_a_channel_message_once() -> None:
    h = Harness()
    laptop, bo = h.client("ana"), h.client("bo")
    h.join("#x", laptop, bo)
    phone = second_device(h, "ana")
    laptop.send("PRIVMSG #x :hi")
    assert phone.lines() == [("PRIVMSG", "#x", "hi")]


def test_every_device_of_the_recipient_gets_the_message() -> None:
    h = Harness()
    ana, bo_laptop = h.client("ana"), h.client("bo")
    bo_phone = second_device(h, "bo")
    ana.send("PRIVMSG bo :hi")
    assert bo_laptop.lines() == [("PRIVMSG", "bo", "hi")]
    assert bo_phone.lines() == [("PRIVMSG", "bo", "hi")]


def test_other_devices_without_message_tags_get_no_tagmsg() -> None:
    h = Harness()
    laptop = h.client("ana", caps=["message-tags"])
    h.client("bo", caps=["message-tags"])
    plain_phone = second_device(h, "ana")
    tagged_phone = second_device(h, "ana", ["message-tags"])
    laptop.send("@+typing=active TAGMSG bo")
    assert plain_phone.raw() == []
    assert tagged_phone.commands() == ["TAGMSG"]


def test_client_tag_data_over_4094_bytes_is_refused_with_417_and_not_relayed() -> None:
    h = Harness()
    ana = h.client("ana", caps=["message-tags"])
    bo = h.client("bo", caps=["message-tags"])
    ana.send("JOIN #c")
    bo.send("JOIN #c")
    ana.take()
    bo.take()
    fits = "+x=" + "a" * (4094 - 3)
    ana.send(f"@{fits} PRIVMSG #c :fits")
    assert [m.params[-1] for m in bo.take()] == ["fits"]
    ana.take()
    ana.send(f"@{fits}a PRIVMSG #c :too much")
    assert [(m.command, m.params[1:]) for m in ana.take()] == [
        ("417", ("Input line was too long (tags)",))
    ]
    assert bo.take() == []


# -- durable before acknowledged (issue 4) -------------------------------------------------------


def _slow_store_harness(monkeypatch: pytest.MonkeyPatch) -> tuple[Harness, list[object]]:
    """A harness whose history writes are held back until the test lets them through."""
    writes: list[object] = []
    monkeypatch.setattr(HistoryWriter, "_start", lambda self: writes.append(1))
    return Harness(), writes


def _commit(h: Harness) -> None:
    seq, _records = h.core.deps.history.drain()
    h.core.deps.delivery.committed(seq)


def test_the_echo_and_later_replies_wait_until_the_message_is_stored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h, writes = _slow_store_harness(monkeypatch)
    ana = h.client("ana", caps=["echo-message"])
    bo = h.client("bo")
    h.join("#room", ana, bo)
    ana.send("PRIVMSG #room :kept", "PING :after")
    assert writes and ana.take() == []  # neither the echo nor the PONG yet
    assert [m.params[-1] for m in bo.take()] == ["kept"]  # the room hears it at once
    _commit(h)
    assert [m.command for m in ana.take()] == ["PRIVMSG", "PONG"]


def test_without_echo_message_a_pong_still_waits_for_the_disk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h, _writes = _slow_store_harness(monkeypatch)
    ana, _bo = h.room("ana", "bo")
    ana.send("PRIVMSG #room :kept", "PING :after")
    assert ana.take() == []
    _commit(h)
    assert ana.commands() == ["PONG"]


def test_quitting_right_after_a_message_still_delivers_its_echo_before_closing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h, _writes = _slow_store_harness(monkeypatch)
    ana = h.client("ana", caps=["echo-message"])
    ana.send("JOIN #room")
    ana.take()
    ana.send("PRIVMSG #room :last words", "QUIT :bye")
    assert not ana.closed
    _commit(h)
    assert ana.commands() == ["PRIVMSG", "ERROR"]
    assert ana.closed

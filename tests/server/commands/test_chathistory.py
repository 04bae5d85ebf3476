"""CHATHISTORY (IRCv3 draft/chathistory, draft/event-playback) and the replay on JOIN.

Reference: https://ircv3.net/specs/extensions/chathistory and the ``chathistory`` batch type;
where the draft leaves a choice, as Ergo does (members-only channels, a limit of 0 meaning the
most). Most histories here are put in the store directly, one second apart from ``T0``, so
that timestamp references are exact; a few come from messages relayed through the server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chinwag.config import Config, HistorySettings, ServerInfo
from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.message import Message
from chinwag.server import sources
from chinwag.server.accounts import make_account
from chinwag.server.history import identity
from chinwag.server.sources import SystemSources
from chinwag.server.tags import parse_timestamp, server_time
from chinwag.storage.base import StoredMessage, conversation_key, to_stored
from chinwag.storage.memory import MemoryStore
from tests.conftest import FAST_ACCOUNTS
from tests.server.harness import HOST, Client, Harness

CAPS = ["draft/chathistory", "batch", "server-time", "message-tags"]
"""What a history client enables: the extension, batches, and the tags that identify lines."""

T0 = 1_700_000_000.0
"""When the seeded histories start (2023-11-14T22:13:20Z)."""

ANA = f"ana!~ana@{HOST}"


def stamp(seconds: float) -> str:
    """The timestamp ``seconds`` after ``T0``, as server-time writes it."""
    return server_time(T0 + seconds)


def harness(**history: int) -> Harness:
    """A harness whose ``[history]`` section has the given settings."""
    return Harness(
        Config(
            server=ServerInfo(name="irc.test", network="TestNet"),
            history=HistorySettings(**history),
        )
    )


def record(
    target: str | Folded,
    index: int,
    seconds: float | None = None,
    *,
    event: bool = False,
    to: str = "#room",
) -> StoredMessage:
    """Message ``m<index>`` (msgid ``id<index>``) stored under ``target``, ``seconds``
    (default ``index``) after ``T0``; an event is a JOIN. ``to`` is the message's own target
    (the nick, for a direct conversation)."""
    when = T0 + (index if seconds is None else seconds)
    tags = {"time": server_time(when), "msgid": f"id{index}"}
    if event:
        message = Message("JOIN", (to,), ANA, tags)
    else:
        message = Message("PRIVMSG", (to, f"m{index}"), ANA, tags)
    return to_stored(fold(target), message, event=event)


def seed(h: Harness, records: Iterable[StoredMessage]) -> None:
    """Put ``records`` in the server's store, as the history writer would."""
    asyncio.run(h.core.deps.store.append(list(records)))


def reader(h: Harness, nick: str = "bo", caps: Iterable[str] = CAPS) -> Client:
    """A client with ``caps`` that joined ``#room``, inbox emptied."""
    client = h.client(nick, caps=caps)
    client.send("JOIN #room")
    client.take()
    return client


def seeded(count: int = 10, **history: int) -> tuple[Harness, Client]:
    """A harness whose ``#room`` holds ``m0``..``m<count-1>``, and a reader in it."""
    h = harness(**history)
    seed(h, (record("#room", i) for i in range(count)))
    return h, reader(h)


def batch_of(messages: list[Message], kind: str = "chathistory") -> tuple[list[str], list[Message]]:
    """The parameters of a ``kind`` batch and its messages, checking it is opened and closed
    around them and that each carries its reference."""
    opening, *inner, closing = messages
    assert opening.command == "BATCH" and opening.params[0].startswith("+"), opening
    assert opening.params[1] == kind
    ref = opening.params[0][1:]
    assert (closing.command, closing.params) == ("BATCH", ("-" + ref,))
    assert all(message.tags.get("batch") == ref for message in inner)
    return list(opening.params[2:]), inner


def texts(client: Client, command: str) -> list[str]:
    """Send ``command``; the texts of the PRIVMSGs in the chathistory batch it gets."""
    client.send(command)
    _, inner = batch_of(client.take())
    return [message.params[1] for message in inner]


def names(*indexes: int) -> list[str]:
    return [f"m{index}" for index in indexes]


def fail(client: Client, command: str) -> tuple[str, ...]:
    """Send ``command``; its only reply, which must be a FAIL, without the description."""
    client.send(command)
    (reply,) = client.lines()
    assert reply[0] == "FAIL", reply
    return reply[:-1]


# -- the capabilities and ISUPPORT -------------------------------------------------------------


def test_the_capabilities_are_offered_and_isupport_announces_the_limit_and_reference_types() -> (
    None
):
    h = harness(chathistory_limit=42)
    client = h.connect()
    client.send("CAP LS 302")
    offered = " ".join(line[-1] for line in client.lines()).split()
    assert {"draft/chathistory", "draft/event-playback"} <= set(offered)
    welcomed = h.connect().register("ana")
    tokens = [token for line in welcomed.lines() if line[0] == "005" for token in line[2:-1]]
    assert "CHATHISTORY=42" in tokens
    assert "MSGREFTYPES=msgid,timestamp" in tokens


# -- selectors ---------------------------------------------------------------------------------


def test_latest_star_gives_the_newest_messages_oldest_first_in_a_chathistory_batch() -> None:
    _, bo = seeded()
    bo.send("CHATHISTORY LATEST #room * 3")
    params, inner = batch_of(bo.take())
    assert params == ["#room"]
    assert [(m.source, m.command, *m.params) for m in inner] == [
        (ANA, "PRIVMSG", "#room", "m7"),
        (ANA, "PRIVMSG", "#room", "m8"),
        (ANA, "PRIVMSG", "#room", "m9"),
    ]
    assert [(m.tags["time"], m.tags["msgid"]) for m in inner] == [
        (stamp(7), "id7"),
        (stamp(8), "id8"),
        (stamp(9), "id9"),
    ]


def test_a_replayed_line_is_the_message_as_relayed_with_its_time_and_msgid() -> None:
    h = harness()
    ana = h.client("ana", caps=CAPS)
    bo = h.client("bo", caps=CAPS)
    h.join("#room", ana, bo)
    ana.send("@+draft/reply=x PRIVMSG #room :hello there")
    (live,) = bo.take()
    bo.send("CHATHISTORY LATEST #room * 10")
    _, (replayed,) = batch_of(bo.take())
    assert replayed.without_tags() == live.without_tags()
    assert {**replayed.tags, "batch": ""} == {**live.tags, "batch": ""}


def test_latest_after_a_reference_keeps_only_the_newest_after_it() -> None:
    _, bo = seeded()
    assert texts(bo, f"CHATHISTORY LATEST #room timestamp={stamp(6)} 10") == names(7, 8, 9)
    assert texts(bo, "CHATHISTORY LATEST #room msgid=id6 2") == names(8, 9)


@pytest.mark.parametrize("reference", ["msgid=id5", f"timestamp={stamp(5)}"])
def test_before_gives_the_messages_just_before_the_reference(reference: str) -> None:
    _, bo = seeded()
    assert texts(bo, f"CHATHISTORY BEFORE #room {reference} 3") == names(2, 3, 4)


@pytest.mark.parametrize("reference", ["msgid=id5", f"timestamp={stamp(5)}"])
def test_after_gives_the_messages_just_after_the_reference(reference: str) -> None:
    _, bo = seeded()
    assert texts(bo, f"CHATHISTORY AFTER #room {reference} 3") == names(6, 7, 8)


@pytest.mark.parametrize("reference", ["msgid=id5", f"timestamp={stamp(5)}"])
def test_around_gives_the_referenced_message_with_its_neighbours(reference: str) -> None:
    _, bo = seeded()
    assert texts(bo, f"CHATHISTORY AROUND #room {reference} 4") == names(3, 4, 5, 6)
    assert texts(bo, f"CHATHISTORY AROUND #room {reference} 3") == names(4, 5, 6)
    assert texts(bo, f"CHATHISTORY AROUND #room {reference} 1") == names(5)


def test_around_near_an_end_fills_the_limit_from_the_other_side() -> None:
    _, bo = seeded()
    assert texts(bo, "CHATHISTORY AROUND #room msgid=id1 6") == names(0, 1, 2, 3, 4, 5)


def test_between_counts_from_the_first_reference_in_either_direction() -> None:
    _, bo = seeded()
    assert texts(bo, "CHATHISTORY BETWEEN #room msgid=id1 msgid=id8 3") == names(2, 3, 4)
    assert texts(bo, "CHATHISTORY BETWEEN #room msgid=id8 msgid=id1 3") == names(5, 6, 7)
    forward = f"CHATHISTORY BETWEEN #room timestamp={stamp(1)} timestamp={stamp(8)} 10"
    assert texts(bo, forward) == names(2, 3, 4, 5, 6, 7)
    backward = f"CHATHISTORY BETWEEN #room timestamp={stamp(8)} msgid=id1 2"
    assert texts(bo, backward) == names(6, 7)


def test_an_unknown_msgid_names_no_place_and_gives_an_empty_batch() -> None:
    _, bo = seeded()
    for selector in ["BEFORE #room msgid=nope", "AFTER #room msgid=nope", "AROUND #room msgid=x"]:
        assert texts(bo, f"CHATHISTORY {selector} 10") == []
    assert texts(bo, "CHATHISTORY BETWEEN #room msgid=id2 msgid=nope 10") == []


def test_no_history_gives_an_empty_batch() -> None:
    bo = reader(harness())
    bo.send("CHATHISTORY LATEST #room * 10")
    assert batch_of(bo.take()) == (["#room"], [])


def test_subcommands_and_reference_types_are_case_insensitive() -> None:
    _, bo = seeded()
    assert texts(bo, "CHATHISTORY before #room MSGID=id5 2") == names(3, 4)


# -- limits --------------------------------------------------------------------------------------


def test_the_limit_is_capped_at_the_advertised_maximum_and_zero_means_the_maximum() -> None:
    _, bo = seeded(chathistory_limit=4)
    assert texts(bo, "CHATHISTORY LATEST #room * 100") == names(6, 7, 8, 9)
    assert texts(bo, "CHATHISTORY LATEST #room * 0") == names(6, 7, 8, 9)
    assert texts(bo, "CHATHISTORY AFTER #room msgid=id0 100") == names(1, 2, 3, 4)
    assert texts(bo, "CHATHISTORY LATEST #room * 2") == names(8, 9)


# -- what a session sees -------------------------------------------------------------------------


def test_without_batch_the_lines_come_bare() -> None:
    h, _ = seeded()
    carol = reader(h, "carol", caps=["draft/chathistory", "server-time"])
    carol.send("CHATHISTORY LATEST #room * 2")
    assert [(m.command, m.params, dict(m.tags)) for m in carol.take()] == [
        ("PRIVMSG", ("#room", "m8"), {"time": stamp(8)}),
        ("PRIVMSG", ("#room", "m9"), {"time": stamp(9)}),
    ]


def test_tags_are_those_the_session_enabled() -> None:
    h, _ = seeded()
    carol = reader(h, "carol", caps=["draft/chathistory", "batch"])
    carol.send("CHATHISTORY LATEST #room * 1")
    _, (line,) = batch_of(carol.take())
    assert set(line.tags) == {"batch"}


def test_a_labelled_request_nests_the_history_batch_in_the_labelled_response() -> None:
    h, _ = seeded()
    carol = reader(h, "carol", caps=[*CAPS, "labeled-response"])
    carol.send("@label=q1 CHATHISTORY LATEST #room * 2")
    outer, *rest = carol.take()
    assert outer.command == "BATCH" and outer.params[1] == "labeled-response"
    assert outer.tags["label"] == "q1"
    params, inner = batch_of(rest[:-1])
    assert params == ["#room"] and [m.params[1] for m in inner] == names(8, 9)
    ref = outer.params[0][1:]
    assert rest[0].tags["batch"] == ref and rest[-2].tags["batch"] == ref
    assert rest[-1].params == ("-" + ref,)


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("CHATHISTORY", ("INVALID_PARAMS", "*")),
        ("CHATHISTORY FROB #room * 10", ("INVALID_PARAMS", "FROB")),
        ("CHATHISTORY LATEST #room *", ("INVALID_PARAMS", "LATEST")),
        ("CHATHISTORY BETWEEN #room msgid=a 10", ("INVALID_PARAMS", "BETWEEN")),
        ("CHATHISTORY LATEST #room * 10 more", ("INVALID_PARAMS", "LATEST")),
        (
            "CHATHISTORY TARGETS timestamp=2020-01-01T00:00:00.000Z 10",
            ("INVALID_PARAMS", "TARGETS"),
        ),
    ],
)
def test_a_malformed_command_gets_invalid_params(command: str, expected: tuple[str, ...]) -> None:
    _, bo = seeded()
    assert fail(bo, command) == ("FAIL", "CHATHISTORY", *expected)


@pytest.mark.parametrize(
    ("command", "bad"),
    [
        ("CHATHISTORY BEFORE #room timestamp=yesterday 10", "timestamp=yesterday"),
        ("CHATHISTORY BEFORE #room timestamp=2020-13-01T00:00:00.000Z 10", None),
        ("CHATHISTORY BEFORE #room * 10", "*"),
        ("CHATHISTORY AFTER #room msgid= 10", "msgid="),
        ("CHATHISTORY AFTER #room id=5 10", "id=5"),
        ("CHATHISTORY LATEST #room * ten", "ten"),
        ("CHATHISTORY LATEST #room * -1", "-1"),
        ("CHATHISTORY TARGETS msgid=id1 timestamp=2020-01-01T00:00:00.000Z 10", "msgid=id1"),
    ],
)
def test_a_parameter_that_cannot_be_parsed_gets_invalid_params_naming_it(
    command: str, bad: str | None
) -> None:
    _, bo = seeded()
    subcommand = command.split()[1]
    shown = bad if bad is not None else command.split()[3]
    assert fail(bo, command) == ("FAIL", "CHATHISTORY", "INVALID_PARAMS", subcommand, shown)


def test_invalid_params_descriptions_are_those_of_the_spec_examples() -> None:
    _, bo = seeded()
    bo.send(
        "CHATHISTORY FROB #room * 10",
        "CHATHISTORY LATEST #room",
        "CHATHISTORY LATEST #room * 10 more",
        "CHATHISTORY BEFORE #room timestamp=yesterday 10",
    )
    assert [line[-1] for line in bo.lines()] == [
        "Unknown command",
        "Insufficient parameters",
        "Too many parameters",
        "Invalid timestamp",
    ]


@pytest.mark.parametrize("target", ["#nowhere", "#room", "no.such", "*"])
def test_a_target_that_is_not_readable_gets_invalid_target(target: str) -> None:
    h, _ = seeded()
    carol = h.client("carol", caps=CAPS)  # not in #room
    reply = fail(carol, f"CHATHISTORY LATEST {target} * 10")
    assert reply == ("FAIL", "CHATHISTORY", "INVALID_TARGET", "LATEST", target)


def test_a_non_member_learns_nothing_more_about_a_channel_than_about_a_missing_one() -> None:
    h, _ = seeded()
    carol = h.client("carol", caps=["draft/chathistory", "standard-replies"])
    carol.send("CHATHISTORY LATEST #room * 10")
    real = carol.take()[0]
    carol.send("CHATHISTORY LATEST #none * 10")
    missing = carol.take()[0]
    assert real.params[:3] == missing.params[:3] and real.params[4:] == missing.params[4:]


def test_joining_gives_access_to_the_history_from_before() -> None:
    h, _ = seeded()
    carol = reader(h, "carol")
    assert texts(carol, "CHATHISTORY LATEST #room * 2") == names(8, 9)


class BreakableStore(MemoryStore):
    """A store whose history queries fail once it is ``broken``."""

    broken = False

    async def history(self, *args: Any, **kwargs: Any) -> list[StoredMessage]:
        if self.broken:
            raise OSError("disk on fire")
        return await super().history(*args, **kwargs)

    async def targets(self, *args: Any, **kwargs: Any) -> list[tuple[Folded, float]]:
        if self.broken:
            raise OSError("disk on fire")
        return await super().targets(*args, **kwargs)


def test_a_store_failure_gets_message_error_and_the_session_lives_on() -> None:
    store = BreakableStore()
    h = Harness(store=store)
    seed(h, (record("#room", i) for i in range(10)))
    bo = reader(h)
    store.broken = True
    assert fail(bo, "CHATHISTORY LATEST #room * 10") == (
        "FAIL",
        "CHATHISTORY",
        "MESSAGE_ERROR",
        "LATEST",
        "#room",
    )
    stamp_range = f"timestamp={stamp(0)} timestamp={stamp(100)}"
    assert fail(bo, f"CHATHISTORY TARGETS {stamp_range} 10") == (
        "FAIL",
        "CHATHISTORY",
        "MESSAGE_ERROR",
        "TARGETS",
        "*",
    )
    bo.send("PING :alive")
    assert bo.lines() == [("PONG", "irc.test", "alive")]


# -- direct conversations ------------------------------------------------------------------------


def conversation(h: Harness) -> tuple[Client, Client]:
    """Ana and Bo, history clients, after a short exchange of direct messages."""
    ana = h.client("ana", caps=CAPS)
    bo = h.client("bo", caps=CAPS)
    ana.send("PRIVMSG bo :hi bo")
    bo.send("PRIVMSG ana :hello ana")
    ana.take()
    bo.take()
    return ana, bo


def exchange(client: Client, target: str) -> tuple[list[str], list[tuple[str | None, str]]]:
    """The batch parameters and (source nick, text) of ``CHATHISTORY LATEST <target> * 10``."""
    client.send(f"CHATHISTORY LATEST {target} * 10")
    params, inner = batch_of(client.take())
    return params, [((m.source or "").split("!")[0], m.params[1]) for m in inner]


def test_both_parties_see_a_direct_conversation_under_the_other_ones_nick() -> None:
    ana, bo = conversation(harness())
    both = [("ana", "hi bo"), ("bo", "hello ana")]
    assert exchange(ana, "bo") == (["bo"], both)
    assert exchange(bo, "ana") == (["ana"], both)
    assert exchange(ana, "BO") == (["bo"], both)


def test_a_conversation_with_someone_without_an_account_ends_when_they_leave() -> None:
    h = harness()
    ana, bo = conversation(h)
    bo.send("QUIT :bye")
    assert exchange(ana, "bo") == (["bo"], [])
    # The next holder of the nick is someone else, with no past.
    again = h.client("bo", caps=CAPS)
    assert exchange(again, "ana") == (["ana"], [])
    assert exchange(ana, "bo") == (["bo"], [])


def test_nobody_else_reads_a_conversation_and_it_is_not_in_any_channel() -> None:
    h = harness()
    ana, bo = conversation(h)
    carol = h.client("carol", caps=CAPS)
    assert exchange(carol, "ana") == (["ana"], [])
    assert exchange(carol, "bo") == (["bo"], [])
    h.join("#room", ana, bo)
    assert exchange(ana, "#room") == (["#room"], [])


def test_notes_to_oneself_are_a_conversation_too() -> None:
    h = harness()
    ana = h.client("ana", caps=CAPS)
    ana.send("PRIVMSG ana :remember the milk")
    ana.take()
    assert exchange(ana, "ana") == (["ana"], [("ana", "remember the milk")])


# -- event playback ------------------------------------------------------------------------------


def eventful_room(h: Harness) -> None:
    """#room as Ana runs it: joins, a topic, a voice, a message, a part and a kick."""
    ana, bo, eve = h.client("ana"), h.client("bo"), h.client("eve")
    h.join("#room", ana, bo, eve)
    ana.send("TOPIC #room :news", "MODE #room +v bo", "PRIVMSG #room :hi")
    eve.send("PART #room :bye")
    ana.send("KICK #room bo :out")


def test_with_event_playback_joins_parts_kicks_topics_and_modes_are_played_back() -> None:
    h = harness()
    eventful_room(h)
    carol = reader(h, "carol", caps=[*CAPS, "draft/event-playback"])
    carol.send("CHATHISTORY LATEST #room * 50")
    _, inner = batch_of(carol.take())
    assert [(m.source.split("!")[0] if m.source else "", m.command, *m.params) for m in inner] == [
        ("ana", "JOIN", "#room"),
        ("bo", "JOIN", "#room"),
        ("eve", "JOIN", "#room"),
        ("ana", "TOPIC", "#room", "news"),
        ("ana", "MODE", "#room", "+v", "bo"),
        ("ana", "PRIVMSG", "#room", "hi"),
        ("eve", "PART", "#room", "bye"),
        ("ana", "KICK", "#room", "bo", "out"),
        ("carol", "JOIN", "#room"),
    ]
    assert all("msgid" in m.tags and "time" in m.tags for m in inner)


def test_without_event_playback_only_messages_are_played_back_and_events_do_not_count() -> None:
    h = harness()
    eventful_room(h)
    carol = reader(h, "carol")
    assert texts(carol, "CHATHISTORY LATEST #room * 50") == ["hi"]
    assert texts(carol, "CHATHISTORY LATEST #room * 1") == ["hi"]


def test_a_played_back_join_has_the_form_the_session_asked_for() -> None:
    h = harness()
    eventful_room(h)
    plain = reader(h, "carol", caps=[*CAPS, "draft/event-playback"])
    extended = reader(h, "dave", caps=[*CAPS, "draft/event-playback", "extended-join"])
    plain.take()  # Dave's JOIN
    plain.send("CHATHISTORY AFTER #room timestamp=1970-01-01T00:00:00.000Z 1")
    extended.send("CHATHISTORY AFTER #room timestamp=1970-01-01T00:00:00.000Z 1")
    assert [m.params for m in batch_of(plain.take())[1]] == [("#room",)]
    assert [m.params for m in batch_of(extended.take())[1]] == [("#room", "*", "ana Example")]


# -- TARGETS -------------------------------------------------------------------------------------


def targets_seeded() -> tuple[Harness, Client, Client]:
    """Bo's world: #room (his) at 1 s and 5 s, his conversations with Ana (3 s) and Dave
    (7 s, an account with nobody online), and what he may not see: #other (4 s) and Ana
    with Carol (6 s). Returns the harness, Bo, and Carol (who has no batch capability)."""
    h = harness()
    h.client("ana")
    bo = reader(h)
    carol = reader(h, "carol", caps=["draft/chathistory"])
    bo.take()  # Carol's JOIN
    dave = make_account("dave", "password1", FAST_ACCOUNTS)
    h.core.deps.accounts.put(dave)
    ana_id, bo_id, carol_id = (identity(h.user(nick)) for nick in ("ana", "bo", "carol"))
    seed(
        h,
        [
            record("#room", 1),
            record(conversation_key(ana_id, bo_id), 3, to="bo"),
            record("#other", 4, to="#other"),
            record("#room", 5),
            record(conversation_key(ana_id, carol_id), 6, to="carol"),
            record(conversation_key(bo_id, dave.identity), 7, to="bo"),
            record("#room", 8, event=True),
        ],
    )
    return h, bo, carol


def listed(client: Client, command: str) -> list[tuple[str, ...]]:
    """Send ``command``; the ``CHATHISTORY TARGETS`` lines of the targets batch."""
    client.send(command)
    params, inner = batch_of(client.take(), "draft/chathistory-targets")
    assert params == []
    return [(m.command, *m.params) for m in inner]


def test_targets_lists_channels_and_conversations_by_time_of_their_latest_message() -> None:
    _, bo, _ = targets_seeded()
    assert listed(bo, f"CHATHISTORY TARGETS timestamp={stamp(0)} timestamp={stamp(100)} 10") == [
        ("CHATHISTORY", "TARGETS", "ana", stamp(3)),
        ("CHATHISTORY", "TARGETS", "#room", stamp(5)),
        ("CHATHISTORY", "TARGETS", "dave", stamp(7)),
    ]


def test_targets_keeps_to_the_range_and_counts_the_limit_from_the_first_timestamp() -> None:
    _, bo, _ = targets_seeded()
    forward = f"CHATHISTORY TARGETS timestamp={stamp(4)} timestamp={stamp(100)} 1"
    assert listed(bo, forward) == [("CHATHISTORY", "TARGETS", "#room", stamp(5))]
    backward = f"CHATHISTORY TARGETS timestamp={stamp(100)} timestamp={stamp(0)} 2"
    assert listed(bo, backward) == [
        ("CHATHISTORY", "TARGETS", "#room", stamp(5)),
        ("CHATHISTORY", "TARGETS", "dave", stamp(7)),
    ]


def test_targets_without_batch_are_bare_lines() -> None:
    _, _, carol = targets_seeded()
    carol.send(f"CHATHISTORY TARGETS timestamp={stamp(0)} timestamp={stamp(100)} 10")
    assert carol.lines() == [
        ("CHATHISTORY", "TARGETS", "#room", stamp(5)),
        ("CHATHISTORY", "TARGETS", "ana", stamp(6)),
    ]


# -- paging --------------------------------------------------------------------------------------


def page_texts(client: Client, command: str) -> tuple[list[str], list[str]]:
    """The texts and msgids of one page."""
    client.send(command)
    _, inner = batch_of(client.take())
    return [m.params[1] for m in inner], [m.tags["msgid"] for m in inner]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    same_time=st.lists(st.booleans(), min_size=250, max_size=250),
    events=st.sets(st.integers(0, 249), max_size=30),
    page=st.integers(1, 40),
)
def test_paging_by_msgid_visits_every_message_exactly_once_in_order(
    same_time: list[bool], events: set[int], page: int
) -> None:
    # Many messages share a millisecond, and events sit among them unseen.
    h = harness()
    records: list[StoredMessage] = []
    moment = 0.0
    for index, tie in enumerate(same_time):
        moment += 0.0 if tie else 0.001
        records.append(record("#room", index, moment))
        if index in events:
            records.append(record("#room", 1000 + index, moment, event=True))
    seed(h, records)
    bo = reader(h)
    everything = names(*range(250))

    backwards: list[str] = []
    found, ids = page_texts(bo, f"CHATHISTORY LATEST #room * {page}")
    while found:
        backwards = found + backwards
        found, ids = page_texts(bo, f"CHATHISTORY BEFORE #room msgid={ids[0]} {page}")
    assert backwards == everything

    forwards: list[str] = []
    start = "timestamp=1970-01-01T00:00:00.000Z"
    found, ids = page_texts(bo, f"CHATHISTORY AFTER #room {start} {page}")
    while found:
        forwards += found
        found, ids = page_texts(bo, f"CHATHISTORY AFTER #room msgid={ids[-1]} {page}")
    assert forwards == everything


# -- replay on JOIN ------------------------------------------------------------------------------


def talked(h: Harness, channel: str = "#room", count: int = 5) -> Client:
    """Ana, who said ``l0``..``l<count-1>`` in ``channel``."""
    ana = h.client("ana")
    ana.send(f"JOIN {channel}")
    for index in range(count):
        ana.send(f"PRIVMSG {channel} :l{index}")
    ana.take()
    return ana


def test_a_client_without_chathistory_gets_the_last_lines_after_the_join_burst() -> None:
    h = harness(replay_lines=3)
    talked(h)
    bo = h.client("bo", caps=["batch", "server-time"])
    bo.send("JOIN #room")
    messages = bo.take()
    assert [m.command for m in messages[:3]] == ["JOIN", "353", "366"]
    params, inner = batch_of(messages[3:])
    assert params == ["#room"]
    assert [(m.command, *m.params) for m in inner] == [
        ("PRIVMSG", "#room", "l2"),
        ("PRIVMSG", "#room", "l3"),
        ("PRIVMSG", "#room", "l4"),
    ]
    assert all(m.source == ANA and "time" in m.tags for m in inner)


def test_without_batch_the_replayed_lines_follow_the_names() -> None:
    h = harness(replay_lines=2)
    talked(h)
    bo = h.client("bo")
    bo.send("JOIN #room")
    assert bo.lines()[3:] == [("PRIVMSG", "#room", "l3"), ("PRIVMSG", "#room", "l4")]


def test_no_replay_for_chathistory_clients_nor_when_turned_off_or_nothing_was_said() -> None:
    h = harness(replay_lines=3)
    talked(h)
    modern = h.client("bo", caps=CAPS)
    modern.send("JOIN #room")
    assert "PRIVMSG" not in [m.command for m in modern.take()]

    off = harness(replay_lines=0)
    talked(off)
    plain = off.client("bo", caps=["batch"])
    plain.send("JOIN #room")
    assert [m.command for m in plain.take()] == ["JOIN", "353", "366"]

    quiet = harness(replay_lines=3)
    ana = quiet.client("ana")
    ana.send("JOIN #room", "TOPIC #room :events are not replayed")
    newcomer = quiet.client("bo", caps=["batch"])
    newcomer.send("JOIN #room")
    assert [m.command for m in newcomer.take()] == ["JOIN", "332", "333", "353", "366"]


def test_others_do_not_get_the_replay() -> None:
    h = harness(replay_lines=3)
    ana = talked(h)
    h.client("bo").send("JOIN #room")
    assert ana.commands() == ["JOIN"]


def test_joining_several_channels_replays_each_after_all_the_bursts() -> None:
    h = harness(replay_lines=3)
    ana = talked(h, "#a", 1)
    ana.send("JOIN #b", "PRIVMSG #b :in b")
    bo = h.client("bo", caps=["batch"])
    bo.send("JOIN #a,#b")
    messages = bo.take()
    assert [(m.command, *m.params[:1]) for m in messages[:6]] == [
        ("JOIN", "#a"),
        ("353", "bo"),
        ("366", "bo"),
        ("JOIN", "#b"),
        ("353", "bo"),
        ("366", "bo"),
    ]
    first, in_a = batch_of(messages[6:9])
    second, in_b = batch_of(messages[9:])
    assert (first, [m.params for m in in_a]) == (["#a"], [("#a", "l0")])
    assert (second, [m.params for m in in_b]) == (["#b"], [("#b", "in b")])


def test_a_labelled_join_gets_its_burst_and_replay_as_one_labelled_response() -> None:
    h = harness(replay_lines=2)
    talked(h)
    bo = h.client("bo", caps=["batch", "labeled-response"])
    bo.send("@label=j1 JOIN #room")
    messages = bo.take()
    outer = messages[0]
    assert (outer.command, outer.params[1], outer.tags["label"]) == (
        "BATCH",
        "labeled-response",
        "j1",
    )
    assert [m.command for m in messages[1:]] == [
        "JOIN",
        "353",
        "366",
        "BATCH",
        "PRIVMSG",
        "PRIVMSG",
        "BATCH",
        "BATCH",
    ]


def test_the_replay_follows_the_members_metadata() -> None:
    h = harness(replay_lines=2)
    ana = talked(h)
    ana.send("METADATA * SET color :#ff0000")
    bo = h.client("bo", caps=["batch", "draft/metadata-2"])
    bo.send("METADATA * SUB color")
    bo.take()
    bo.send("JOIN #room")
    kinds = [m.params[1] for m in bo.take() if m.command == "BATCH" and m.params[0][0] == "+"]
    assert kinds == ["metadata", "chathistory"]


# -- direct conversations through every selector (issue 16) ---------------------------------------


class SteppingClock:
    """The wall clock (:mod:`chinwag.server.sources`) for the messages of one test: each
    call 0.2 ms after the last, so some messages share a millisecond timestamp and others
    do not."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        self.now += 0.0002
        return self.now


def as_sent(message: Message) -> tuple[str | None, str, tuple[str, ...], dict[str, str]]:
    """A line as a client compares it: source, command, parameters and tags but ``batch``."""
    tags = {key: value for key, value in message.tags.items() if key != "batch"}
    return message.source, message.command, message.params, tags


def talk(h: Harness) -> tuple[Client, Client, list[Message], list[Message]]:
    """Ana and Bob (as spelled) exchange direct messages, with client tags, notices and
    typing notifications among them, and Ana writes notes to herself. Returns both clients,
    the stored conversation and the notes, in the order they were sent, as Ana got them."""
    caps = [*CAPS, "echo-message"]
    ana = h.client("Ana", caps=caps)
    bob = h.client("Bob", caps=caps)
    seen: dict[str, Message] = {}

    def send(client: Client, line: str) -> None:
        client.send(line)
        for other in (ana, bob):
            for message in other.take():
                if message.command in ("PRIVMSG", "NOTICE") and other is ana:
                    seen.setdefault(message.tags["msgid"], message)

    for index in range(8):
        send(ana, f"@+draft/reply=r{index} PRIVMSG Bob :to bob {index}")
        send(ana, "@+typing=active TAGMSG Bob")
        send(bob, f"PRIVMSG Ana :to ana {index}")
        if index % 3 == 0:
            send(bob, f"@+draft/react=x NOTICE ana :notice {index}")
        send(ana, f"@+draft/reply=n{index} PRIVMSG Ana :note {index}")
    messages = list(seen.values())
    notes = [m for m in messages if m.params[0] == "Ana" and (m.source or "").startswith("Ana!")]
    return ana, bob, [m for m in messages if m not in notes], notes


def expected(history: list[Message], command: str, limit: int) -> list[Message]:
    """What ``command`` (``<subcommand> <references...>``) should give from ``history``,
    worked out from the spec's definitions: bounds exclusive, ``limit`` counted from the
    reference (from the newest for LATEST and BEFORE)."""
    times = [parse_timestamp(m.tags["time"]) for m in history]
    subcommand, *references = command.split()

    def where(reference: str) -> tuple[int, float]:
        """The index of a msgid reference (-1 for a timestamp) and its time."""
        kind, _, value = reference.partition("=")
        if kind == "msgid":
            index = next(i for i, m in enumerate(history) if m.tags["msgid"] == value)
            return index, times[index] or 0.0
        moment = parse_timestamp(value)
        assert moment is not None
        return -1, moment

    def before(reference: str) -> list[int]:
        index, moment = where(reference)
        return list(range(index)) if index >= 0 else [i for i, t in enumerate(times) if t < moment]

    def after(reference: str) -> list[int]:
        index, moment = where(reference)
        if index >= 0:
            return list(range(index + 1, len(history)))
        return [i for i, t in enumerate(times) if t > moment]

    match subcommand:
        case "LATEST":
            chosen = list(range(len(history))) if references == ["*"] else after(references[0])
            chosen = chosen[-limit:]
        case "BEFORE":
            chosen = before(references[0])[-limit:]
        case "AFTER":
            chosen = after(references[0])[:limit]
        case "AROUND":
            older = before(references[0])[-(limit // 2) :] if limit // 2 else []
            index, moment = where(references[0])
            rest = [i for i in range(len(history)) if i >= index] if index >= 0 else []
            if index < 0:
                rest = [i for i, t in enumerate(times) if t >= moment]
            chosen = older + rest[: limit - len(older)]
        case _:  # BETWEEN
            low, high = (after(references[0]), before(references[1]))
            forward = [i for i in low if i in high][:limit]
            if forward:
                chosen = forward
            else:
                low, high = after(references[1]), before(references[0])
                chosen = [i for i in low if i in high][-limit:]
    return [history[i] for i in chosen]


def selectors(history: list[Message]) -> list[str]:
    """Every selector, with msgid and timestamp references taken from ``history``."""
    first, middle, last = history[1], history[len(history) // 2], history[-2]
    commands = ["LATEST *"]
    for kind in ("msgid", "timestamp"):
        tag = "msgid" if kind == "msgid" else "time"
        a, b, c = (f"{kind}={m.tags[tag]}" for m in (first, middle, last))
        commands += [
            f"LATEST {b}",
            f"BEFORE {b}",
            f"AFTER {b}",
            f"AROUND {b}",
            f"AROUND {a}",
            f"BETWEEN {a} {c}",
            f"BETWEEN {c} {a}",
        ]
    return commands


@pytest.mark.parametrize("limit", [1, 3, 4, 100])
def test_a_direct_conversation_and_notes_come_back_as_sent_through_every_selector(
    limit: int,
) -> None:
    with sources.using(SystemSources(SteppingClock())):
        h = harness()
        ana, bob, conversation, notes = talk(h)
        assert len(conversation) == 8 * 2 + 3 and len(notes) == 8
        assert {m.command for m in conversation} == {"PRIVMSG", "NOTICE"}
        for client, target, history in [
            (ana, "Bob", conversation),
            (ana, "bob", conversation),
            (bob, "ANA", conversation),
            (ana, "Ana", notes),
            (ana, "ana", notes),
        ]:
            shown = "Bob" if client is ana and history is conversation else "Ana"
            for selector in selectors(history):
                subcommand, *references = selector.split()
                client.send(f"CHATHISTORY {subcommand} {target} {' '.join(references)} {limit}")
                params, inner = batch_of(client.take())
                assert params == [shown], selector
                got = [as_sent(m) for m in inner]
                want = [as_sent(m) for m in expected(history, selector, limit)]
                assert got == want, (target, selector)


def test_the_other_party_is_named_as_spelled_in_batches_and_targets() -> None:
    h = harness()
    ana, bob, _, _ = talk(h)
    bob.send("REGISTER * * :correct horse")  # a new identity: the past is gone
    ana.send("PRIVMSG bob :hi again")
    ana.take()
    bob.take()
    window = "timestamp=2000-01-01T00:00:00.000Z timestamp=2100-01-01T00:00:00.000Z 10"
    for asked in ("bob", "BOB", "Bob"):
        assert exchange(ana, asked)[0] == ["Bob"]
    assert [line[2] for line in listed(ana, f"CHATHISTORY TARGETS {window}")] == ["Ana", "Bob"]
    assert [line[2] for line in listed(bob, f"CHATHISTORY TARGETS {window}")] == ["Ana"]
    bob.send("QUIT")  # an account with nobody online: its name, as registered
    assert exchange(ana, "bob")[0] == ["Bob"]
    assert [line[2] for line in listed(ana, f"CHATHISTORY TARGETS {window}")] == ["Ana", "Bob"]


def test_targets_leave_out_a_target_whose_latest_message_is_past_the_range() -> None:
    _, bo, _ = targets_seeded()
    # #room has a message at 1 s, but its latest is at 5 s: past the end of the range.
    assert listed(bo, f"CHATHISTORY TARGETS timestamp={stamp(0)} timestamp={stamp(4)} 10") == [
        ("CHATHISTORY", "TARGETS", "ana", stamp(3)),
    ]
    assert listed(bo, f"CHATHISTORY TARGETS timestamp={stamp(4)} timestamp={stamp(0)} 10") == [
        ("CHATHISTORY", "TARGETS", "ana", stamp(3)),
    ]

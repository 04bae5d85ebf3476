"""SEARCH (soju.im/search, issue 15) through the in-memory harness: the attributes, the
batch, the errors, and above all that nobody finds what CHATHISTORY would not show them.

Reference: soju's doc/ext/search.md.
"""

from __future__ import annotations

import asyncio

import pytest

from chinwag.protocol.message import Message, escape_tag_value
from chinwag.server import sources
from chinwag.server.accounts import make_account
from chinwag.server.history import identity
from chinwag.server.sources import SystemSources
from chinwag.storage.base import conversation_key
from tests.conftest import FAST_ACCOUNTS
from tests.server.commands.test_chathistory import (
    CAPS,
    batch_of,
    harness,
    record,
    seed,
    stamp,
)
from tests.server.harness import Client, Harness

SEARCH_CAPS = [*CAPS, "soju.im/search"]


def found(client: Client, attributes: str) -> list[Message]:
    """Send ``SEARCH <attributes>``; the messages of the soju.im/search batch it gets."""
    client.send(f"SEARCH {attributes}")
    params, inner = batch_of(client.take(), "soju.im/search")
    assert params == []
    return inner


def texts(client: Client, attributes: str) -> list[str]:
    return [m.params[-1] for m in found(client, attributes)]


def fail(client: Client, attributes: str) -> tuple[str, ...]:
    client.send(f"SEARCH {attributes}")
    (reply,) = client.lines()
    assert reply[0] == "FAIL", reply
    return reply[:-1]


def room(h: Harness, *nicks: str, channel: str = "#room") -> list[Client]:
    clients = [h.client(nick, caps=SEARCH_CAPS) for nick in nicks]
    h.join(channel, *clients)
    for client in clients:
        client.take()
    return clients


def say(sender: Client, *lines: str, to: str = "#room") -> None:
    sender.send(*(f"PRIVMSG {to} :{line}" for line in lines))


# -- the capability and the answer ---------------------------------------------------------------


def test_the_capability_is_offered() -> None:
    client = harness().connect()
    client.send("CAP LS 302")
    offered = " ".join(line[-1] for line in client.lines()).split()
    assert "soju.im/search" in offered


def test_matches_come_as_relayed_oldest_first_with_their_tags() -> None:
    h = harness()
    ana, bo = room(h, "ana", "bo")
    say(ana, "the cake is ready", "nothing", "more CAKE please")
    live = bo.take()
    inner = found(bo, "text=cake")
    assert [m.params for m in inner] == [
        ("#room", "the cake is ready"),
        ("#room", "more CAKE please"),
    ]
    assert [m.tags["msgid"] for m in inner] == [live[0].tags["msgid"], live[2].tags["msgid"]]
    assert [m.tags["time"] for m in inner] == [live[0].tags["time"], live[2].tags["time"]]


def test_an_empty_batch_when_nothing_matches() -> None:
    h = harness()
    (ana,) = room(h, "ana")
    assert found(ana, "text=nothing") == []


def test_in_from_limit_after_and_before() -> None:
    h = harness()
    h.client("ana")
    bo = h.client("bo", caps=SEARCH_CAPS)
    bo.send("JOIN #room,#other")
    bo.take()
    seed(h, [record("#room", i) for i in range(5)] + [record("#other", 9, to="#other")])
    assert texts(bo, "in=#room") == ["m0", "m1", "m2", "m3", "m4"]
    assert texts(bo, "limit=2") == ["m4", "m9"]
    assert texts(bo, "in=#other") == ["m9"]
    assert texts(bo, "from=ANA;in=#room;limit=1") == ["m4"]
    assert texts(bo, "from=bo") == []
    assert texts(bo, f"after={stamp(1)};before={stamp(3)};in=#room") == ["m1", "m2", "m3"]
    assert texts(bo, "text=m2") == ["m2"]


def test_attribute_values_are_escaped_as_tag_values() -> None:
    h = harness()
    ana, bo = room(h, "ana", "bo")
    say(ana, "semi;colon here", "other words")
    bo.take()
    assert texts(bo, f"text={escape_tag_value('semi;colon here')}") == ["semi;colon here"]


def test_without_batch_the_lines_come_bare() -> None:
    h = harness()
    ana = h.client("ana", caps=["soju.im/search"])
    bo = h.client("bo", caps=["soju.im/search"])
    h.join("#room", ana, bo)
    say(ana, "plain words")
    bo.take()
    bo.send("SEARCH text=words")
    (line,) = bo.take()
    assert (line.command, line.params, line.tags) == ("PRIVMSG", ("#room", "plain words"), {})


@pytest.mark.parametrize(
    ("attributes", "context"),
    [
        ("colour=red", "colour"),
        ("limit=-1", "limit"),
        ("limit=ten", "limit"),
        ("after=yesterday", "after"),
        ("before=2024-01-01", "before"),
        ("text=***", "text"),
        ("in=not*a*target", "in"),
        ("from=#room", "from"),
    ],
)
def test_bad_attributes_are_invalid_params(attributes: str, context: str) -> None:
    h = harness()
    (ana,) = room(h, "ana")
    assert fail(ana, attributes) == ("FAIL", "SEARCH", "INVALID_PARAMS", context)


def test_no_attributes_at_all_is_too_few_parameters() -> None:
    h = harness()
    (ana,) = room(h, "ana")
    ana.send("SEARCH")
    assert ana.lines()[0][0] == "461"


def test_a_failing_store_is_an_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    h = harness()
    (ana,) = room(h, "ana")

    async def broken(*_: object) -> list[object]:
        raise OSError("disk gone")

    monkeypatch.setattr(h.core.deps.store, "search", broken)
    assert fail(ana, "text=x") == ("FAIL", "SEARCH", "INTERNAL_ERROR")


# -- privacy -------------------------------------------------------------------------------------


def test_only_the_askers_own_direct_messages() -> None:
    h = harness()
    ana = h.client("ana", caps=SEARCH_CAPS)
    bo = h.client("bo", caps=SEARCH_CAPS)
    carol = h.client("carol", caps=SEARCH_CAPS)
    ana.send("PRIVMSG bo :the secret password")
    bo.send("PRIVMSG ana :got the secret")
    for client in (ana, bo, carol):
        client.take()
    assert texts(ana, "text=secret") == ["the secret password", "got the secret"]
    assert texts(bo, "text=secret;in=ana") == ["the secret password", "got the secret"]
    assert texts(carol, "text=secret") == []
    assert texts(carol, "text=secret;in=ana") == []
    assert texts(carol, "text=secret;in=bo") == []
    assert texts(carol, "from=ana") == []


def test_someone_not_logged_in_finds_nothing_of_the_last_holder_of_their_nick() -> None:
    h = harness()
    ana = h.client("ana", caps=SEARCH_CAPS)
    bo = h.client("bo", caps=SEARCH_CAPS)
    ana.send("PRIVMSG bo :for bo only")
    bo.send("QUIT :bye")
    again = h.client("bo", caps=SEARCH_CAPS)
    assert texts(again, "text=only") == []
    assert texts(ana, "text=only") == []  # the conversation ended with that bo


def test_only_channels_the_asker_is_in_as_chathistory_allows() -> None:
    h = harness()
    ana, bo = room(h, "ana", "bo")
    say(ana, "room words")
    bo.take()
    carol = h.client("carol", caps=SEARCH_CAPS)
    assert texts(carol, "text=words") == []
    assert texts(carol, "text=words;in=#room") == []
    carol.send("JOIN #room")
    carol.take()
    assert texts(carol, "text=words") == ["room words"]  # a public room's history is open
    carol.send("PART #room")
    carol.take()
    assert texts(carol, "text=words;in=#room") == []
    bo.take()  # Carol's JOIN and PART
    assert texts(bo, "text=words") == ["room words"]


def test_a_private_room_only_while_the_asker_was_in_it() -> None:
    # Every reading of the wall clock is 10 ms after the last, so that joins, parts and
    # lines each have their own millisecond (memberships are compared in milliseconds).
    ticks = iter(range(10**6))
    with sources.using(SystemSources(lambda: 1_700_000_000.0 + next(ticks) / 100)):
        h = harness()
        (ana,) = room(h, "ana", channel="#secret")
        ana.send("MODE #secret +s")
        say(ana, "plan one", to="#secret")
        bo = h.client("bo", caps=SEARCH_CAPS)
        bo.send("JOIN #secret")
        say(ana, "plan two", to="#secret")
        bo.send("PART #secret")
        say(ana, "plan three", to="#secret")
        bo.send("JOIN #secret")
        say(ana, "plan four", to="#secret")
        bo.take()
        ana.take()
        assert texts(ana, "text=plan") == ["plan one", "plan two", "plan three", "plan four"]
        assert texts(bo, "text=plan") == ["plan two", "plan four"]
        assert texts(bo, "text=plan;in=#secret") == ["plan two", "plan four"]
        mal = h.client("mal", caps=SEARCH_CAPS)
        assert texts(mal, "text=plan;in=#secret") == []


def test_a_conversation_with_an_account_is_found_by_its_name_while_it_is_away() -> None:
    h = harness()
    bo = h.client("bo", caps=SEARCH_CAPS)
    carol = h.client("carol", caps=SEARCH_CAPS)
    dave = make_account("dave", "password1", FAST_ACCOUNTS)
    h.core.deps.accounts.put(dave)
    key = conversation_key(identity(h.user("bo")), dave.identity)
    asyncio.run(h.core.deps.store.append([record(key, 1, to="bo")]))
    assert texts(bo, "text=m1;in=dave") == ["m1"]
    assert texts(bo, "text=m1") == ["m1"]
    assert texts(carol, "text=m1") == []
    assert texts(carol, "text=m1;in=dave") == []

"""METADATA for draft/metadata-3 sessions, beside draft/metadata-2 ones.

Reference: ircv3-specifications pull request #613, "Update metadata spec" (the revision with
``ERR_METADATARATELIMIT`` and ``LIMIT_REACHED <Command>``); its "Errata" lists what changed
from metadata-2. Each test here is one of those differences; test_metadata.py keeps checking
that metadata-2 sessions are answered as before.
"""

from __future__ import annotations

import pytest

from chinwag.protocol.message import Message
from tests.server.commands.test_metadata import batch_of
from tests.server.harness import Client, Harness

CAPS3 = ["draft/metadata-3", "batch"]
"""A metadata-aware client (metadata-3 "Definitions": the capability and batch)."""
CAPS2 = ["draft/metadata-2", "batch"]

OK = "761"  # RPL_KEYVALUE
NOT_SET = "766"  # RPL_KEYNOTSET
SUB_OK = "770"  # RPL_METADATASUBOK
MONONLINE = "730"


def subscribed(h: Harness, nick: str, *keys: str, caps: list[str] = CAPS3) -> Client:
    """A registered metadata client subscribed to ``keys``, its inbox emptied."""
    client = h.client(nick, caps=caps)
    client.send("METADATA * SUB " + " ".join(keys))
    client.take()
    return client


def standard(messages: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Standard replies without their description, other lines as they are."""
    return [line[:-1] if line[0] in ("FAIL", "WARN", "NOTE") else line for line in messages]


def batches(messages: list[Message]) -> list[tuple[tuple[str, ...], list[tuple[str, ...]]]]:
    """Every batch in ``messages``, as :func:`batch_of` reads one."""
    found = []
    start: int | None = None
    for index, message in enumerate(messages):
        if message.command == "BATCH" and message.params[0].startswith("+"):
            start = index
        elif message.command == "BATCH" and start is not None:
            found.append(batch_of(messages[start : index + 1], messages[start].params[1]))
            start = None
    return found


# -- the capability -------------------------------------------------------------------------


def test_both_drafts_are_offered_and_metadata_3_names_its_key_limit() -> None:
    client = Harness(metadata_max_subs=7, metadata_max_keys=3).connect()

    client.send("CAP LS 302")

    advertised = " ".join(reply[-1] for reply in client.lines()).split()
    assert any(token.startswith("draft/metadata-2=") for token in advertised)
    assert (
        "draft/metadata-3=before-connect,max-subs=7,max-keys=3,max-key-bytes=100,"
        "max-value-bytes=300"
    ) in advertised


def test_a_request_for_both_drafts_is_refused_whole() -> None:
    client = Harness().connect()

    client.send("CAP LS 302", "CAP REQ :batch draft/metadata-2 draft/metadata-3", "CAP LIST")

    replies = [line[2:] for line in client.lines() if line[0] == "CAP"][-2:]
    assert replies[0] == ("NAK", "batch draft/metadata-2 draft/metadata-3")
    assert replies[1] == ("LIST", "cap-notify")


def test_a_session_with_one_draft_cannot_add_the_other_but_may_switch() -> None:
    h = Harness()
    ana = subscribed(h, "ana", "color", caps=CAPS2)

    ana.send("CAP REQ draft/metadata-3")
    assert ana.lines()[-1][2] == "NAK"

    ana.send("CAP REQ :-draft/metadata-2 draft/metadata-3")
    assert ana.lines()[-1][2] == "ACK"
    # Removing a capability clears the subscriptions (metadata-3 "Capability").
    assert ana.session.metadata_subs == set()


def test_dropping_batch_clears_a_metadata_3_sessions_subscriptions() -> None:
    h = Harness()
    ana = subscribed(h, "ana", "color")

    ana.send("CAP REQ -batch")

    assert ana.session.metadata_subs == set()


# -- registration ---------------------------------------------------------------------------


def test_registration_sends_own_metadata_as_key_values_before_the_end_of_the_motd() -> None:
    client = Harness().connect()
    client.send("CAP LS 302", "CAP REQ :batch draft/metadata-3")
    client.send("METADATA * SET color #FF0000", "NICK ana", "USER ana 0 * :Ana", "CAP END")

    messages = client.take()

    commands = [message.command for message in messages]
    assert commands.index("BATCH") < commands.index("376")
    [(params, inner)] = batches(messages)
    assert params == ("ana",)
    assert inner == [(OK, "ana", "ana", "color", "*", "#ff0000")]


# -- notifications --------------------------------------------------------------------------


def test_changes_reach_metadata_3_subscribers_as_key_value_numerics() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS3)
    fan = subscribed(h, "fan", "color")
    h.join("#tea", ana, fan)

    ana.send("METADATA * SET color #00D700", "METADATA * SET color")

    assert fan.events() == [
        ("irc.test", OK, ("fan", "ana", "color", "*", "#00d700")),
        ("irc.test", NOT_SET, ("fan", "ana", "color", "Key not set")),
    ]


def test_a_metadata_2_and_a_metadata_3_member_each_get_their_own_form() -> None:
    h = Harness()
    op = h.client("op", caps=CAPS3)
    old = subscribed(h, "old", "color", "url", caps=CAPS2)
    new = subscribed(h, "new", "color", "url")
    h.join("#tea", op, old, new)

    op.send("METADATA * SET color #0000ff", "METADATA #tea SET url :https://tea.example")

    assert old.lines() == [
        ("METADATA", "op", "color", "*", "#0000ff"),
        ("METADATA", "#tea", "url", "*", "https://tea.example"),
    ]
    assert new.lines() == [
        (OK, "new", "op", "color", "*", "#0000ff"),
        (OK, "new", "#tea", "url", "*", "https://tea.example"),
    ]


# -- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("METADATA * SET Bad:Key x", ("FAIL", "METADATA", "INVALID_KEY", "Bad:Key")),
        ("METADATA * SET color red", ("FAIL", "METADATA", "INVALID_VALUE", "color")),
        ("METADATA * SNEEZE", ("FAIL", "METADATA", "INVALID_PARAMS", "SNEEZE")),
        ("METADATA * GET", ("FAIL", "METADATA", "INVALID_PARAMS", "GET")),
        ("METADATA", ("FAIL", "METADATA", "INVALID_PARAMS", "*")),
        ("METADATA *", ("FAIL", "METADATA", "INVALID_PARAMS", "*")),
        ("METADATA * LIST extra", ("FAIL", "METADATA", "INVALID_PARAMS", "LIST")),
        ("METADATA * :: hi!", ("FAIL", "METADATA", "INVALID_PARAMS", "*")),
        ("METADATA bo SUB color", ("FAIL", "METADATA", "INVALID_TARGET", "bo")),
        ("METADATA nobody SUBS", ("FAIL", "METADATA", "INVALID_TARGET", "nobody")),
    ],
)
def test_errors_use_the_renamed_codes(line: str, expected: tuple[str, ...]) -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS3)
    h.client("bo", caps=CAPS3)

    ana.send(line)

    assert standard(ana.lines()) == [expected]
    assert h.user("ana").metadata == {}


def test_a_full_store_and_full_subscriptions_name_the_subcommand_and_the_limit() -> None:
    h = Harness(metadata_max_keys=1, metadata_max_subs=1)
    ana = h.client("ana", caps=CAPS3)

    ana.send("METADATA * SET color #ff0000", "METADATA * SET url :https://a.example")
    assert standard(ana.lines())[-1] == ("FAIL", "METADATA", "LIMIT_REACHED", "SET", "ana", "1")

    ana.send("METADATA * SUB color url")
    lines = standard(ana.lines())
    assert ("FAIL", "METADATA", "LIMIT_REACHED", "SUB", "url", "1") in lines
    assert (SUB_OK, "ana", "color") in lines


def test_an_invalid_key_among_others_is_a_warning_and_the_rest_go_on() -> None:
    ana = Harness().client("ana", caps=CAPS3)

    ana.send("METADATA * GET status Bad:Key")
    _, inner = batch_of(ana.take(), "metadata")
    assert standard(inner) == [
        (NOT_SET, "ana", "ana", "status", "Key not set"),
        ("WARN", "METADATA", "INVALID_KEY", "Bad:Key"),
    ]

    ana.send("METADATA * SUB Bad:Key color")
    lines = standard(ana.lines())
    assert lines[:2] == [("WARN", "METADATA", "INVALID_KEY", "Bad:Key"), (SUB_OK, "ana", "color")]


# -- SET and CLEAR --------------------------------------------------------------------------


def test_removing_a_key_that_is_not_set_succeeds_with_key_not_set() -> None:
    ana = Harness().client("ana", caps=CAPS3)

    ana.send("METADATA * SET url")

    assert ana.lines() == [(NOT_SET, "ana", "ana", "url", "Key not set")]


def test_an_empty_value_removes_the_key() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS3)
    ana.send("METADATA * SET status :at lunch")
    ana.take()

    ana.send("METADATA * SET status :")

    assert ana.lines() == [(NOT_SET, "ana", "ana", "status", "Key not set")]
    assert h.user("ana").metadata == {}


def test_clear_answers_key_not_set_for_every_cleared_key() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS3)
    ana.send("METADATA * SET color #ff0000", "METADATA * SET url :https://a.example")
    ana.take()

    ana.send("METADATA * CLEAR")

    params, inner = batch_of(ana.take(), "metadata")
    assert params == ("ana",)
    assert inner == [
        (NOT_SET, "ana", "ana", "color", "Key not set"),
        (NOT_SET, "ana", "ana", "url", "Key not set"),
    ]
    assert h.user("ana").metadata == {}


# -- SUB and SYNC ---------------------------------------------------------------------------


def test_sub_is_followed_by_the_new_keys_on_every_visible_target() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS3)
    bo = h.client("bo", caps=CAPS3)
    stranger = h.client("stranger", caps=CAPS3)
    h.join("#tea", bo, ana)  # bo is the operator
    bo.send("METADATA * SET color #0000ff", "METADATA #tea SET color #00ff00")
    stranger.send("METADATA * SET color #ff0000")

    ana.send("METADATA * SUB color")

    first, *rest = ana.take()
    assert (first.command, *first.params) == (SUB_OK, "ana", "color")
    [(params, inner)] = batches(rest)
    assert params == ("*ALL",)
    assert sorted(inner) == [
        (OK, "ana", "#tea", "color", "*", "#00ff00"),
        (OK, "ana", "bo", "color", "*", "#0000ff"),
    ]

    ana.send("METADATA * SUB color")  # nothing new: no batch
    assert ana.lines() == [(SUB_OK, "ana", "color")]


def test_with_labeled_response_the_sub_batch_is_nested_in_the_labelled_one() -> None:
    h = Harness()
    bo = h.client("bo", caps=CAPS3)
    bo.send("METADATA * SET color #0000ff")
    ana = h.client("ana", caps=[*CAPS3, "labeled-response"])
    h.join("#tea", ana, bo)

    ana.send("@label=l1 METADATA * SUB color")

    outer, ok, inner_start, value, inner_end, outer_end = ana.take()
    assert (outer.tags.get("label"), outer.params[1]) == ("l1", "labeled-response")
    ref = outer.params[0][1:]
    assert inner_start.params[1:] == ("metadata", "*ALL")
    for message in (ok, inner_start, inner_end):
        assert message.tags.get("batch") == ref
    assert value.tags.get("batch") == inner_start.params[0][1:]
    assert (value.command, *value.params) == (OK, "ana", "bo", "color", "*", "#0000ff")
    assert outer_end.params == ("-" + ref,)


def test_sync_all_covers_channels_members_and_monitored_users_only() -> None:
    h = Harness()
    ana = subscribed(h, "ana", "color")
    bo = h.client("bo", caps=CAPS3)
    watched = h.client("watched", caps=CAPS3)
    stranger = h.client("stranger", caps=CAPS3)
    h.join("#tea", ana, bo)
    h.join("#secret", stranger)
    for client, colour in ((bo, "#0000ff"), (watched, "#00ff00"), (stranger, "#ff0000")):
        client.send(f"METADATA * SET color {colour}")
    stranger.send("METADATA #secret SET color #ffffff")
    ana.send("MONITOR + watched")
    ana.take()

    ana.send("METADATA *ALL SYNC")

    [(params, inner)] = batches(ana.take())
    assert params == ("*ALL",)
    assert sorted(inner) == [
        (OK, "ana", "bo", "color", "*", "#0000ff"),
        (OK, "ana", "watched", "color", "*", "#00ff00"),
    ]


def test_a_metadata_2_session_has_no_sync_all() -> None:
    ana = Harness().client("ana", caps=CAPS2)

    ana.send("METADATA *ALL SYNC")

    assert standard(ana.lines()) == [("FAIL", "METADATA", "INVALID_TARGET", "*ALL")]


# -- JOIN -----------------------------------------------------------------------------------


def test_every_join_is_followed_by_a_metadata_batch_even_an_empty_one() -> None:
    h = Harness()
    op = h.client("op", caps=CAPS3)
    h.join("#tea", op)
    ana = h.client("ana", caps=CAPS3)

    ana.send("JOIN #tea")

    [(params, inner)] = batches(ana.take())
    assert params == ("#tea",)
    assert inner == []


def test_a_joiner_gets_the_subscribed_keys_of_the_channel_and_its_members() -> None:
    h = Harness()
    op = h.client("op", caps=CAPS3)
    h.join("#tea", op)
    op.send("METADATA #tea SET url :https://tea.example", "METADATA * SET color #ff00af")
    ana = subscribed(h, "ana", "color", "url")

    ana.send("JOIN #tea")

    [(params, inner)] = batches(ana.take())
    assert params == ("#tea",)
    assert inner == [
        (OK, "ana", "#tea", "url", "*", "https://tea.example"),
        (OK, "ana", "op", "color", "*", "#ff00af"),
    ]


# -- MONITOR --------------------------------------------------------------------------------


def test_monitoring_an_online_user_is_followed_by_their_subscribed_keys() -> None:
    h = Harness()
    bo = h.client("bo", caps=CAPS3)
    bo.send("METADATA * SET color #0000ff", "METADATA * SET url :https://bo.example")
    ana = subscribed(h, "ana", "color")

    ana.send("MONITOR + bo")

    first, *rest = ana.take()
    assert first.command == MONONLINE
    [(params, inner)] = batches(rest)
    assert params == ("bo",)
    assert inner == [(OK, "ana", "bo", "color", "*", "#0000ff")]


def test_a_monitored_user_coming_online_brings_their_keys() -> None:
    h = Harness()
    ana = subscribed(h, "ana", "color")
    ana.send("MONITOR + bo")
    ana.take()
    client = h.connect()
    client.send("CAP LS 302", "CAP REQ :batch draft/metadata-3", "METADATA * SET color #0000ff")

    client.send("NICK bo", "USER bo 0 * :Bo", "CAP END")

    first, *rest = ana.take()
    assert first.command == MONONLINE
    [(params, inner)] = batches(rest)
    assert (params, inner) == (("bo",), [(OK, "ana", "bo", "color", "*", "#0000ff")])


def test_changes_of_a_monitored_user_reach_metadata_3_watchers_only() -> None:
    h = Harness()
    bo = h.client("bo", caps=CAPS3)
    new = subscribed(h, "new", "color")
    old = subscribed(h, "old", "color", caps=[*CAPS2, "extended-monitor"])
    for watcher in (new, old):
        watcher.send("MONITOR + bo")
        watcher.take()

    bo.send("METADATA * SET color #0000ff")

    assert new.lines() == [(OK, "new", "bo", "color", "*", "#0000ff")]
    assert old.take() == []  # metadata-2 sessions are told as before: channels only


# -- privacy --------------------------------------------------------------------------------


def test_a_channels_keys_reach_its_members_only() -> None:
    h = Harness()
    op = h.client("op", caps=CAPS3)
    member = subscribed(h, "member", "url")
    outsider = subscribed(h, "outsider", "url")
    h.join("#tea", op, member)
    outsider.send("MONITOR + op")
    outsider.take()

    op.send("METADATA #tea SET url :https://tea.example")
    outsider.send("METADATA #tea SYNC", "METADATA #tea GET url")

    assert member.lines() == [(OK, "member", "#tea", "url", "*", "https://tea.example")]
    assert standard(outsider.lines()) == [
        ("FAIL", "METADATA", "KEY_NO_PERMISSION", "#tea", "*"),
        ("FAIL", "METADATA", "KEY_NO_PERMISSION", "#tea", "*"),
    ]


def test_a_users_changes_do_not_reach_subscribers_who_cannot_see_them() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS3)
    stranger = subscribed(h, "stranger", "color")

    ana.send("METADATA * SET color #ff0000")

    assert stranger.take() == []


# -- rate limits ----------------------------------------------------------------------------


def test_changes_past_the_burst_are_refused_with_the_command_to_retry() -> None:
    h = Harness(metadata_changes_burst=2)
    ana = h.client("ana", caps=CAPS3)
    ana.send("METADATA * SET color #ff0000", "METADATA * SET color #00ff00")
    ana.take()

    ana.send("METADATA * SET status :at lunch")

    assert ana.lines() == [("775", "ana", "1", "*", "SET", "status", "at lunch")]
    assert "status" not in h.user("ana").metadata

    h.clock.advance(1.0)  # one more change a second
    ana.send("METADATA * SET status :at lunch", "METADATA * CLEAR")
    lines = ana.lines()
    assert lines[0] == (OK, "ana", "ana", "status", "*", "at lunch")
    assert lines[1] == ("775", "ana", "1", "*", "CLEAR")


def test_a_metadata_2_session_is_refused_with_rate_limited() -> None:
    h = Harness(metadata_changes_burst=1)
    ana = h.client("ana", caps=CAPS2)
    ana.send("METADATA * SET color #ff0000")
    ana.take()

    ana.send("METADATA * SET color #00ff00")

    assert standard(ana.lines()) == [("FAIL", "METADATA", "RATE_LIMITED", "*", "color", "1")]
    assert h.user("ana").metadata == {"color": "#ff0000"}


def test_reading_is_not_limited() -> None:
    h = Harness(metadata_changes_burst=1)
    ana = h.client("ana", caps=CAPS3)

    ana.send(*["METADATA * GET color"] * 5)

    assert [message.command for message in ana.take()].count("766") == 5

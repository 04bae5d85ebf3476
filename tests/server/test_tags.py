"""The tags the server stamps and which each session sees (:mod:`chinwag.server.tags`):
server-time values and their reading back, msgids, and serializing per capability mask."""

from __future__ import annotations

from chinwag.protocol.message import Message, parse
from chinwag.server.state import TAG_ACCOUNT, TAG_MESSAGE_TAGS, TAG_SERVER_TIME
from chinwag.server.tags import (
    event_tags,
    new_batch_id,
    new_msgid,
    parse_timestamp,
    serialize_for,
    server_time,
    tag_mask_needed,
)


def test_server_time_is_utc_to_the_millisecond_and_reads_back_exactly() -> None:
    moment = 1767323045.678
    assert server_time(moment) == "2026-01-02T03:04:05.678Z"
    assert parse_timestamp(server_time(moment)) == moment
    # The cache of the last second must not leak into the next one.
    assert server_time(moment + 1) == "2026-01-02T03:04:06.678Z"
    assert server_time(moment + 0.001) == "2026-01-02T03:04:05.679Z"


def test_what_is_not_a_timestamp_reads_as_none() -> None:
    for text in ("", "2026-01-02", "2026-01-02T03:04:05", "2026-13-02T03:04:05.000Z", "x"):
        assert parse_timestamp(text) is None, text


def test_msgids_and_batch_references_are_never_repeated() -> None:
    assert len({new_msgid() for _ in range(10_000)}) == 10_000
    assert len({new_batch_id() for _ in range(1000)}) == 1000


def test_event_tags_carry_time_msgid_and_the_account_if_any() -> None:
    assert set(event_tags()) == {"time", "msgid"}
    assert event_tags("Ana")["account"] == "Ana"


def test_each_mask_sees_only_the_tags_its_capabilities_allow() -> None:
    tags = {"time": "2026-01-02T03:04:05.678Z", "msgid": "m1", "account": "ana", "+typing": "on"}
    message = Message("PRIVMSG", ("#a", "hi"), "ana!a@h", tags)
    assert tag_mask_needed(message) == TAG_SERVER_TIME | TAG_MESSAGE_TAGS | TAG_ACCOUNT
    plain = serialize_for(message, 0)
    assert plain == b":ana!a@h PRIVMSG #a hi\r\n"
    assert set(parse(serialize_for(message, TAG_SERVER_TIME).decode()[:-2]).tags) == {"time"}
    everything = TAG_SERVER_TIME | TAG_MESSAGE_TAGS | TAG_ACCOUNT
    assert parse(serialize_for(message, everything).decode()[:-2]).tags == tags
    assert serialize_for(message, TAG_MESSAGE_TAGS).endswith(b"\r\n")

"""``draft/chathistory-end``: the tag on the opening BATCH of a CHATHISTORY reply that is the
last page in the direction the request pages (ircv3-specifications PR #598, in the
chathistory spec since May 2026).

The tag is there exactly when nothing more lies that way: older than the page for LATEST and
BEFORE, newer for AFTER, the rest of the range for BETWEEN, either side for AROUND, no further
conversation for TARGETS. A page that ends exactly on the limit is the last one too (that is
what the tag is for: a full page no longer means "ask again"), and a page one short of the
whole range is not.
"""

from __future__ import annotations

import pytest

from chinwag.protocol.message import Message
from tests.server.commands.test_chathistory import (
    CAPS,
    batch_of,
    harness,
    reader,
    record,
    seed,
    seeded,
    stamp,
    targets_seeded,
)
from tests.server.harness import Client

END = "draft/chathistory-end"


def page(client: Client, command: str, kind: str = "chathistory") -> tuple[int, bool]:
    """Send ``command``: how many lines its batch held, and whether it carried the end tag."""
    client.send(command)
    messages = client.take()
    _, inner = batch_of(messages, kind)
    opening: Message = messages[0]
    return len(inner), END in opening.tags


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("CHATHISTORY LATEST #room * 20", (10, True)),
        ("CHATHISTORY LATEST #room * 10", (10, True)),  # ends exactly on the limit
        ("CHATHISTORY LATEST #room * 9", (9, False)),
        ("CHATHISTORY LATEST #room msgid=id4 5", (5, True)),  # all there is after id4
        ("CHATHISTORY LATEST #room msgid=id4 4", (4, False)),
        ("CHATHISTORY BEFORE #room msgid=id5 5", (5, True)),
        ("CHATHISTORY BEFORE #room msgid=id5 4", (4, False)),
        (f"CHATHISTORY BEFORE #room timestamp={stamp(5)} 6", (5, True)),
        ("CHATHISTORY BEFORE #room msgid=id0 5", (0, True)),
        ("CHATHISTORY AFTER #room msgid=id4 5", (5, True)),
        ("CHATHISTORY AFTER #room msgid=id4 4", (4, False)),
        (f"CHATHISTORY AFTER #room timestamp={stamp(4)} 50", (5, True)),
        ("CHATHISTORY AFTER #room msgid=id9 5", (0, True)),
        ("CHATHISTORY AROUND #room msgid=id5 10", (10, True)),  # m0..m4 and m5..m9
        ("CHATHISTORY AROUND #room msgid=id5 9", (9, False)),  # m0 left out
        ("CHATHISTORY AROUND #room msgid=id2 10", (10, True)),  # the newer side fills in
        ("CHATHISTORY AROUND #room msgid=id8 10", (7, False)),  # m0..m2 left out
        ("CHATHISTORY AROUND #room msgid=id2 6", (6, False)),  # m8, m9 left out
        ("CHATHISTORY BETWEEN #room msgid=id0 msgid=id9 8", (8, True)),
        ("CHATHISTORY BETWEEN #room msgid=id0 msgid=id9 7", (7, False)),
        ("CHATHISTORY BETWEEN #room msgid=id9 msgid=id0 8", (8, True)),  # backwards
        ("CHATHISTORY BETWEEN #room msgid=id9 msgid=id0 7", (7, False)),
    ],
)
def test_the_end_tag_marks_exactly_the_last_page_of_each_selector(
    command: str, expected: tuple[int, bool]
) -> None:
    _, bo = seeded()  # m0..m9, one second apart
    assert page(bo, command) == expected


def test_an_empty_history_is_its_own_last_page() -> None:
    bo = reader(harness())
    assert page(bo, "CHATHISTORY LATEST #room * 10") == (0, True)


def test_paging_back_stops_on_the_tag_without_an_extra_empty_request() -> None:
    _, bo = seeded(12)
    assert page(bo, "CHATHISTORY LATEST #room * 4") == (4, False)  # m8..m11
    assert page(bo, "CHATHISTORY BEFORE #room msgid=id8 4") == (4, False)  # m4..m7
    assert page(bo, "CHATHISTORY BEFORE #room msgid=id4 4") == (4, True)  # m0..m3: the end


def test_events_a_session_does_not_see_do_not_count_as_more() -> None:
    h = harness()
    seed(h, [record("#room", 0, event=True), *(record("#room", i) for i in range(1, 4))])
    bo = reader(h)
    assert page(bo, "CHATHISTORY LATEST #room * 3") == (3, True)
    playback = reader(h, "cy", caps=[*CAPS, "draft/event-playback"])
    assert page(playback, "CHATHISTORY LATEST #room * 3") == (3, False)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (f"CHATHISTORY TARGETS timestamp={stamp(0)} timestamp={stamp(100)} 3", (3, True)),
        (f"CHATHISTORY TARGETS timestamp={stamp(0)} timestamp={stamp(100)} 2", (2, False)),
        (f"CHATHISTORY TARGETS timestamp={stamp(100)} timestamp={stamp(0)} 3", (3, True)),
        (f"CHATHISTORY TARGETS timestamp={stamp(100)} timestamp={stamp(0)} 2", (2, False)),
        (f"CHATHISTORY TARGETS timestamp={stamp(4)} timestamp={stamp(100)} 5", (2, True)),
    ],
)
def test_targets_carry_the_tag_when_no_conversation_was_left_out(
    command: str, expected: tuple[int, bool]
) -> None:
    _, bo, _ = targets_seeded()  # ana at 3 s, #room at 5 s, dave at 7 s
    assert page(bo, command, "draft/chathistory-targets") == expected


def test_the_tag_needs_the_chathistory_capability_but_not_message_tags() -> None:
    h, _ = seeded()
    plain = reader(h, "cy", caps=["draft/chathistory", "batch"])
    assert page(plain, "CHATHISTORY LATEST #room * 20") == (10, True)
    without = reader(h, "di", caps=["batch", "server-time", "message-tags"])
    assert page(without, "CHATHISTORY LATEST #room * 20") == (10, False)


def test_the_replay_on_join_carries_no_end_tag() -> None:
    h, _ = seeded(3)
    ed = h.client("ed", caps=["batch", "message-tags"])
    ed.send("JOIN #room")
    openings = [m for m in ed.take() if m.command == "BATCH" and m.params[0].startswith("+")]
    assert openings and all(END not in m.tags for m in openings)

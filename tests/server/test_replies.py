"""A command's replies to its sender (:mod:`chinwag.server.replies`): labeled-response (ACK,
one labelled reply, a labeled-response batch) and batch references."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from chinwag.protocol.message import Message
from chinwag.server.replies import pack, safe_param
from tests.server.harness import Harness

# -- labeled-response and batches ------------------------------------------------

LABEL_CAPS = ["labeled-response", "batch"]


def test_labelled_command_without_reply_gets_ack() -> None:
    ana = Harness().client("ana", caps=LABEL_CAPS)
    ana.send("@label=l1 PONG irc.test")
    assert ana.take() == [Message("ACK", (), "irc.test", {"label": "l1"})]


def test_single_reply_carries_the_label() -> None:
    ana = Harness().client("ana", caps=LABEL_CAPS)
    ana.send("@label=l2 PING tok")
    assert ana.take() == [Message("PONG", ("irc.test", "tok"), "irc.test", {"label": "l2"})]


def test_error_reply_carries_the_label() -> None:
    ana = Harness().client("ana", caps=LABEL_CAPS)
    ana.send("@label=l3 FROBNICATE")
    (reply,) = ana.take()
    assert reply.command == "421"
    assert reply.tags == {"label": "l3"}


def test_several_replies_are_wrapped_in_a_labeled_response_batch() -> None:
    ana = Harness().client("ana", caps=LABEL_CAPS)
    ana.send("@label=l4 MOTD")
    start, *inner, end = ana.take()
    assert start.command == "BATCH"
    assert start.tags == {"label": "l4"}
    reference = start.params[0].removeprefix("+")
    assert start.params == ("+" + reference, "labeled-response")
    assert [m.command for m in inner] == ["375", "372", "376"]
    assert all(m.tags == {"batch": reference} for m in inner)
    assert end == Message("BATCH", ("-" + reference,), "irc.test")


def test_batch_references_are_not_reused() -> None:
    ana = Harness().client("ana", caps=LABEL_CAPS)
    ana.send("@label=a MOTD", "@label=b MOTD")
    starts = [m.params[0] for m in ana.take() if m.command == "BATCH" and "label" in m.tags]
    assert len(starts) == 2 and starts[0] != starts[1]


def test_label_is_ignored_without_labeled_response() -> None:
    ana = Harness().client("ana", caps=["batch"])
    ana.send("@label=l5 PING tok", "@label=l6 PONG x")
    assert ana.take() == [Message("PONG", ("irc.test", "tok"), "irc.test")]


def test_label_goes_only_to_the_sender() -> None:
    h = Harness()
    ana = h.client("ana", caps=[*LABEL_CAPS, "echo-message", "message-tags"])
    bo = h.client("bo", caps=[*LABEL_CAPS, "message-tags"])
    ana.send("@label=l7 PRIVMSG bo :hi")
    (echo,) = ana.take()
    (delivered,) = bo.take()
    assert echo.tags["label"] == "l7"
    assert "label" not in delivered.tags
    assert echo.tags["msgid"] == delivered.tags["msgid"]


def test_labelled_message_without_echo_gets_ack() -> None:
    h = Harness()
    ana, _ = h.client("ana", caps=LABEL_CAPS), h.client("bo")
    ana.send("@label=l8 PRIVMSG bo :hi")
    assert [(m.command, dict(m.tags)) for m in ana.take()] == [("ACK", {"label": "l8"})]


# -- what a reply line may hold ---------------------------------------------------------------


def test_pack_groups_items_to_fit_a_line_in_order() -> None:
    items = [f"nick{n:02d}" for n in range(100)]
    groups = pack(items, budget=60)
    assert [item for group in groups for item in group] == items
    assert all(sum(len(item) + 1 for item in group) <= 60 for group in groups)
    assert pack([], budget=60) == []
    assert pack(["x" * 100, "y"], budget=60) == [["x" * 100], ["y"]]


@given(
    st.lists(st.text(alphabet="ab@+", min_size=0, max_size=30), max_size=60),
    st.integers(min_value=1, max_value=80),
)
def test_pack_closes_a_group_only_when_the_next_item_would_not_fit(
    items: list[str], budget: int
) -> None:
    groups = pack(items, budget)
    assert [item for group in groups for item in group] == items
    for group, following in pairwise(groups):
        used = sum(len(item) + 1 for item in group)
        assert used <= budget or len(group) == 1
        assert used + len(following[0]) + 1 > budget  # the next group's first did not fit


def test_what_cannot_be_a_middle_parameter_is_shown_as_a_star() -> None:
    assert safe_param("ana") == "ana"
    assert [safe_param(p) for p in ("", ":x", "a b")] == ["*", "*", "*"]

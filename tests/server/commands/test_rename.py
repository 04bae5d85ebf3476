"""RENAME (IRCv3 draft/channel-rename).

Reference: https://ircv3.net/specs/extensions/channel-rename.
"""

from __future__ import annotations

from chinwag.protocol import numerics as n
from tests.server.commands.test_chathistory import texts
from tests.server.harness import HOST, Client, Harness

CAP = "draft/channel-rename"
HISTORY = ["draft/chathistory", "batch", "server-time", "message-tags"]


def opered_room(h: Harness, *clients: Client, channel: str = "#room") -> None:
    """``clients`` join ``channel`` in turn; the first is its operator."""
    h.join(channel, *clients)


def test_the_capability_is_offered() -> None:
    client = Harness().connect()
    client.send("CAP LS 302")
    offered = " ".join(" ".join(m.params) for m in client.take()).split()
    assert CAP in offered


def test_members_with_the_capability_see_rename() -> None:
    h = Harness()
    ana, bo = h.client("ana", [CAP]), h.client("bo", [CAP])
    opered_room(h, ana, bo)

    ana.send("RENAME #room #hall :tidier")

    expected = (f"ana!~ana@{HOST}", "RENAME", ("#room", "#hall", "tidier"))
    assert ana.events() == [expected]
    assert bo.events() == [expected]
    channel = h.channel("#hall")
    assert channel.name == "#hall"
    assert h.core.network.find_channel("#room") is None
    assert set(h.user("bo").channels) == {channel.folded}


def test_members_without_the_capability_see_part_and_join_with_topic_and_names() -> None:
    h = Harness()
    ana, bo = h.client("ana", [CAP]), h.client("bo")
    opered_room(h, ana, bo)
    ana.send("TOPIC #room :welcome")
    ana.take()
    bo.take()

    ana.send("RENAME #room #hall")

    assert ana.lines() == [("RENAME", "#room", "#hall", "")]  # the reason is always there
    lines = bo.lines()
    assert lines[0] == ("PART", "#room", "Channel renamed to #hall")
    assert lines[1] == ("JOIN", "#hall")
    assert lines[2] == (n.RPL_TOPIC, "bo", "#hall", "welcome")
    assert lines[3][:3] == (n.RPL_TOPICWHOTIME, "bo", "#hall")
    assert lines[4] == (n.RPL_NAMREPLY, "bo", "=", "#hall", "@ana bo")
    assert lines[5] == (n.RPL_ENDOFNAMES, "bo", "#hall", "End of /NAMES list")
    assert len(lines) == 6


def test_only_a_channel_operator_may_rename() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    bo.send("RENAME #room #hall")
    assert bo.lines() == [(n.ERR_CHANOPRIVSNEEDED, "bo", "#room", "You're not channel operator")]
    assert h.channel("#room").name == "#room"
    bo.send("RENAME #nowhere #hall")
    assert bo.lines() == [(n.ERR_NOSUCHCHANNEL, "bo", "#nowhere", "No such channel")]
    ana.take()


def test_a_name_in_use_or_invalid_fails() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    opered_room(h, ana)
    opered_room(h, bo, channel="#hall")

    ana.send("RENAME #room #HALL")
    assert [line[:-1] for line in ana.lines()] == [
        ("FAIL", "RENAME", "CHANNEL_NAME_IN_USE", "#room", "#HALL")
    ]
    ana.send("RENAME #room nochannel")
    assert [line[:-1] for line in ana.lines()] == [
        ("FAIL", "RENAME", "CANNOT_RENAME", "#room", "nochannel")
    ]
    ana.send("RENAME #room &room")
    assert [line[:-1] for line in ana.lines()] == [
        ("FAIL", "RENAME", "CANNOT_RENAME", "#room", "&room")
    ]
    assert h.channel("#room").name == "#room"


def test_a_change_of_case_is_a_rename() -> None:
    h = Harness()
    ana = h.client("ana", [CAP])
    opered_room(h, ana)
    ana.send("RENAME #room #Room")
    assert ana.lines() == [("RENAME", "#room", "#Room", "")]
    assert h.channel("#room").name == "#Room"


def test_a_change_of_case_shows_no_part_and_join_to_members_without_the_capability() -> None:
    h = Harness()
    ana, bo = h.client("ana", [CAP]), h.client("bo")
    opered_room(h, ana, bo)
    ana.take()
    bo.take()
    ana.send("RENAME #room #ROOM :louder")
    assert ana.lines() == [("RENAME", "#room", "#ROOM", "louder")]
    assert bo.lines() == []  # the spec: the fallback SHOULD NOT be used for a change of case
    assert h.channel("#room").name == "#ROOM"


def test_the_fallback_part_carries_the_reason_as_given() -> None:
    h = Harness()
    ana, bo = h.client("ana", [CAP]), h.client("bo")
    opered_room(h, ana, bo)
    ana.take()
    bo.take()
    ana.send("RENAME #room #hall :Typo fix")
    assert bo.lines()[:2] == [("PART", "#room", "Typo fix"), ("JOIN", "#hall")]


def test_history_moves_to_the_new_name_and_the_old_name_is_free() -> None:
    h = Harness()
    ana = h.client("ana", [CAP, *HISTORY])
    bo = h.client("bo", HISTORY)
    opered_room(h, ana, bo)
    ana.send("PRIVMSG #room :before")
    ana.send("RENAME #room #hall")
    ana.send("PRIVMSG #hall :after")
    ana.take()
    bo.take()

    assert texts(ana, "CHATHISTORY LATEST #hall * 10") == ["before", "after"]
    bo.send("JOIN #room")
    bo.take()
    assert texts(bo, "CHATHISTORY LATEST #room * 10") == []
    assert h.channel("#room").members.keys() == {h.user("bo")}


def test_the_numerics_the_spec_prefers_for_missing_parameters_and_non_members() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    opered_room(h, ana)
    bo.send("RENAME #room")
    assert bo.lines()[0][:3] == (n.ERR_NEEDMOREPARAMS, "bo", "RENAME")
    bo.send("RENAME #room #hall")
    assert bo.lines()[0][:3] == (n.ERR_NOTONCHANNEL, "bo", "#room")
    assert h.channel("#room").name == "#room"

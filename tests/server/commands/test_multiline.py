"""BATCH draft/multiline: a message of several lines, said as one.

Reference: https://ircv3.net/specs/extensions/multiline (with labeled-response, echo-message,
message-ids and the chathistory batch).
"""

from __future__ import annotations

import base64

from chinwag.protocol.message import Message
from tests.server.harness import Client, Harness

ML = ["draft/multiline", "batch", "message-tags", "server-time", "echo-message"]
HIST = [*ML, "draft/chathistory"]


def room(**limits: object) -> tuple[Harness, Client, Client, Client]:
    """Ana and Bo (with the capability) and Cy (without it) in #room."""
    h = Harness(**limits)
    ana = h.client("ana", caps=HIST)
    bo = h.client("bo", caps=HIST)
    cy = h.client("cy", caps=["message-tags", "server-time"])
    h.join("#room", ana, bo, cy)
    return h, ana, bo, cy


def send_batch(client: Client, target: str, *lines: str, ref: str = "x", opening: str = "") -> None:
    """Send a multiline batch; a line starting with ``+`` is concatenated (sent without it)."""
    client.send(f"{opening}BATCH +{ref} draft/multiline {target}")
    for line in lines:
        tags = f"batch={ref}"
        if line.startswith("+"):
            tags += ";draft/multiline-concat"
            line = line[1:]
        client.send(f"@{tags} PRIVMSG {target} :{line}")
    client.send(f"BATCH -{ref}")


def unbatched(messages: list[Message]) -> list[tuple[str, tuple[str, ...]]]:
    return [(m.command, m.params) for m in messages]


def test_the_capability_is_offered_with_its_limits() -> None:
    h = Harness(multiline_max_bytes=2000, multiline_max_lines=7)
    client = h.connect()
    client.send("CAP LS 302")
    offered = " ".join(line[-1] for line in client.lines()).split()
    assert "draft/multiline=max-bytes=2000,max-lines=7" in offered


def test_members_with_the_capability_get_one_batch_and_others_get_the_lines() -> None:
    _h, ana, bo, cy = room()
    send_batch(ana, "#room", "hello", "how is ", "+everyone?")
    got = bo.take()
    assert [m.command for m in got] == ["BATCH", "PRIVMSG", "PRIVMSG", "PRIVMSG", "BATCH"]
    opening = got[0]
    ref = opening.params[0][1:]
    assert opening.params[1:] == ("draft/multiline", "#room")
    assert opening.source is not None and opening.source.startswith("ana!")
    assert "msgid" in opening.tags and "time" in opening.tags
    assert [m.params for m in got[1:4]] == [
        ("#room", "hello"),
        ("#room", "how is "),
        ("#room", "everyone?"),
    ]
    assert all(m.tags.get("batch") == ref for m in got[1:4])
    assert "draft/multiline-concat" in got[3].tags
    assert "draft/multiline-concat" not in got[2].tags
    assert "msgid" not in got[1].tags
    assert got[4].params == ("-" + ref,)
    # Without the capability: the lines as the sender cut them, the msgid on the first only.
    plain = cy.take()
    assert unbatched(plain) == [
        ("PRIVMSG", ("#room", "hello")),
        ("PRIVMSG", ("#room", "how is ")),
        ("PRIVMSG", ("#room", "everyone?")),
    ]
    assert plain[0].tags["msgid"] == opening.tags["msgid"]
    assert "msgid" not in plain[1].tags and "msgid" not in plain[2].tags
    assert all("time" in m.tags for m in plain)


def test_blank_lines_are_kept_in_the_batch_but_never_sent_to_others() -> None:
    _h, ana, bo, cy = room()
    send_batch(ana, "#room", "one", "", "two")
    assert [m.params for m in bo.take() if m.command == "PRIVMSG"] == [
        ("#room", "one"),
        ("#room", ""),
        ("#room", "two"),
    ]
    assert unbatched(cy.take()) == [("PRIVMSG", ("#room", "one")), ("PRIVMSG", ("#room", "two"))]


def test_the_echo_is_the_batch_with_the_label_on_its_opening_alone() -> None:
    h = Harness()
    ana = h.client("ana", caps=[*ML, "labeled-response"])
    bo = h.client("bo", caps=ML)
    h.join("#room", ana, bo)
    send_batch(ana, "#room", "a", "b", opening="@label=L1 ")
    echo = ana.take()
    assert [m.command for m in echo] == ["BATCH", "PRIVMSG", "PRIVMSG", "BATCH"]
    assert echo[0].tags.get("label") == "L1"
    assert all("label" not in m.tags for m in echo[1:])
    assert echo[0].tags["msgid"] == bo.take()[0].tags["msgid"]


def test_a_refused_labelled_batch_answers_its_label_once() -> None:
    h = Harness(multiline_max_lines=1)
    ana = h.client("ana", caps=[*ML, "labeled-response"])
    h.join("#room", ana)
    send_batch(ana, "#room", "a", "b", "c", opening="@label=L3 ")
    assert [(m.command, m.params[1], m.tags.get("label")) for m in ana.take()] == [
        ("FAIL", "MULTILINE_MAX_LINES", "L3")
    ]
    send_batch(ana, "#elsewhere", "a", opening="@label=L4 ")
    assert [(m.command, m.params[0], m.tags.get("label")) for m in ana.take()] == [
        ("403", "ana", "L4")
    ]


def test_a_labelled_batch_without_echo_gets_one_ack() -> None:
    h = Harness()
    ana = h.client("ana", caps=["draft/multiline", "batch", "labeled-response"])
    bo = h.client("bo")
    h.join("#room", ana, bo)
    send_batch(ana, "#room", "a", "b", opening="@label=L2 ")
    assert [(m.command, m.tags.get("label")) for m in ana.take()] == [("ACK", "L2")]
    assert len(bo.take()) == 2


def test_a_direct_multiline_message_reaches_the_user_and_the_senders_other_devices() -> None:
    h = Harness()
    ana = h.client("ana", caps=ML)
    bo = h.client("bo", caps=ML)
    send_batch(ana, "bo", "first", "second")
    got = bo.take()
    assert got[0].params[1:] == ("draft/multiline", "bo")
    assert [m.params[1] for m in got if m.command == "PRIVMSG"] == ["first", "second"]


def test_the_byte_limit_refuses_the_batch_at_once_and_nothing_is_relayed() -> None:
    _h, ana, bo, cy = room(multiline_max_bytes=20)
    ana.send("BATCH +x draft/multiline #room")
    ana.send("@batch=x PRIVMSG #room :0123456789")
    assert ana.take() == []
    ana.send("@batch=x PRIVMSG #room :0123456789")  # 10 + 1 + 10 > 20
    assert ana.lines() == [
        ("FAIL", "BATCH", "MULTILINE_MAX_BYTES", "20", "Multiline batch max-bytes exceeded")
    ]
    # What was collected is dropped at once; what still comes is not kept.
    collector = ana.session.multiline
    assert collector is not None and collector.discarding and collector.lines == []
    ana.send(*["@batch=x PRIVMSG #room :" + "z" * 400] * 50)
    assert collector.lines == [] and collector.bytes == 0
    # The rest of the refused batch is swallowed, not relayed line by line.
    ana.send("@batch=x PRIVMSG #room :more", "BATCH -x")
    assert ana.take() == []
    assert bo.take() == [] and cy.take() == []
    # And the session can speak again.
    ana.send("PRIVMSG #room :after")
    assert [m.params for m in bo.take()] == [("#room", "after")]


def test_line_feeds_count_towards_the_byte_limit_but_concatenation_does_not() -> None:
    _h, ana, _bo, _cy = room(multiline_max_bytes=20)
    send_batch(ana, "#room", "0123456789", "+0123456789")
    assert ana.take()[0].command == "BATCH"  # exactly 20 bytes: accepted


def test_the_line_limit_refuses_the_batch() -> None:
    _h, ana, bo, _cy = room(multiline_max_lines=2)
    send_batch(ana, "#room", "a", "b", "c")
    assert ana.lines() == [
        ("FAIL", "BATCH", "MULTILINE_MAX_LINES", "2", "Multiline batch max-lines exceeded")
    ]
    assert bo.take() == []


def test_a_line_for_another_target_is_refused() -> None:
    _h, ana, bo, _cy = room()
    ana.send("BATCH +x draft/multiline #room", "@batch=x PRIVMSG #other :hi", "BATCH -x")
    assert ana.lines() == [
        ("FAIL", "BATCH", "MULTILINE_INVALID_TARGET", "#room", "#other", "Invalid multiline target")
    ]
    assert bo.take() == []


def test_an_opening_inside_an_open_batch_refuses_it() -> None:
    _h, ana, bo, _cy = room()
    ana.send("BATCH +x draft/multiline #room", "@batch=x PRIVMSG #room :hi")
    ana.send("BATCH +y draft/multiline #room")
    (reply,) = ana.lines()
    assert reply[:3] == ("FAIL", "BATCH", "MULTILINE_INVALID")
    ana.send("@batch=y PRIVMSG #room :in y", "BATCH -y")
    assert bo.take() == []


def test_another_command_inside_a_batch_refuses_it_and_is_handled_as_usual() -> None:
    _h, ana, bo, _cy = room()
    ana.send("BATCH +x draft/multiline #room", "@batch=x PRIVMSG #room :hi", "PING :tok")
    assert [r[:3] for r in ana.lines()] == [
        ("FAIL", "BATCH", "MULTILINE_INVALID"),
        ("PONG", "irc.test", "tok"),
    ]
    ana.send("BATCH -x")
    assert ana.lines()[0][:3] == ("FAIL", "BATCH", "MULTILINE_INVALID")
    assert bo.take() == []


def test_mixing_privmsg_and_notice_and_a_concatenated_blank_line_are_invalid() -> None:
    _h, ana, bo, _cy = room()
    ana.send(
        "BATCH +x draft/multiline #room",
        "@batch=x PRIVMSG #room :hi",
        "@batch=x NOTICE #room :there",
        "BATCH -x",
    )
    assert [r[:3] for r in ana.lines()] == [("FAIL", "BATCH", "MULTILINE_INVALID")]
    ana.send(
        "BATCH +y draft/multiline #room",
        "@batch=y PRIVMSG #room :hi",
        "@batch=y;draft/multiline-concat PRIVMSG #room :",
        "BATCH -y",
    )
    assert [r[:3] for r in ana.lines()] == [("FAIL", "BATCH", "MULTILINE_INVALID")]
    assert bo.take() == []


def test_another_batch_type_is_refused() -> None:
    _h, ana, _bo, _cy = room()
    ana.send("BATCH +x netsplit a b")
    assert [r[:4] for r in ana.lines()] == [("FAIL", "BATCH", "MULTILINE_INVALID", "netsplit")]


def test_a_batch_of_blank_lines_only_is_refused() -> None:
    _h, ana, _bo, _cy = room()
    send_batch(ana, "#room", "", "")
    assert [r[:3] for r in ana.lines()] == [("FAIL", "BATCH", "MULTILINE_INVALID")]


def test_without_the_capability_a_batch_cannot_be_opened() -> None:
    _h, _ana, bo, cy = room()
    cy.send("BATCH +x draft/multiline #room")
    assert [r[:3] for r in cy.lines()] == [("FAIL", "BATCH", "MULTILINE_INVALID")]
    cy.send("@batch=x PRIVMSG #room :plain")  # no batch open: an ordinary message
    assert [m.params for m in bo.take()] == [("#room", "plain")]


def test_a_notice_batch_is_relayed_as_notices() -> None:
    _h, ana, _bo, cy = room()
    ana.send(
        "BATCH +x draft/multiline #room",
        "@batch=x NOTICE #room :n1",
        "@batch=x NOTICE #room :n2",
        "BATCH -x",
    )
    assert unbatched(cy.take()) == [("NOTICE", ("#room", "n1")), ("NOTICE", ("#room", "n2"))]


def test_channel_rules_apply_as_to_one_message() -> None:
    h, ana, bo, cy = room()
    ana.send("MODE #room +m")
    h.join("#room")
    for client in (ana, bo, cy):
        client.take()
    send_batch(bo, "#room", "a", "b")
    assert [r[0] for r in bo.lines()] == ["404"]
    assert ana.take() == [] and cy.take() == []
    ana.send("MODE #room -m", "MODE #room +b bo!*@*")
    bo.take()
    send_batch(bo, "#room", "a", "b")
    assert [r[0] for r in bo.lines()] == ["404"]
    ana.send("MODE #room -b bo!*@*", "MODE #room +C")
    bo.take()
    send_batch(bo, "#room", "hi", "\x01VERSION\x01")
    assert [r[0] for r in bo.lines()] == ["404"]  # a CTCP on any line, under +C
    outsider = h.client("dee", caps=ML)
    send_batch(outsider, "#room", "a")
    assert [r[0] for r in outsider.lines()] == ["404"]  # +n


def test_chathistory_gives_the_batch_to_the_capable_and_lines_to_others() -> None:
    h, ana, bo, _cy = room()
    send_batch(ana, "#room", "hello", "how is ", "+everyone?")
    bo.take()
    bo.send("CHATHISTORY LATEST #room * 10")
    got = bo.take()
    outer = got[0]
    assert outer.params[1:] == ("chathistory", "#room")
    inner = got[1]
    assert inner.command == "BATCH" and inner.params[1:] == ("draft/multiline", "#room")
    assert inner.tags["batch"] == outer.params[0][1:]
    lines = [m for m in got if m.command == "PRIVMSG"]
    assert [(m.params[1], "draft/multiline-concat" in m.tags) for m in lines] == [
        ("hello", False),
        ("how is ", False),
        ("everyone?", True),
    ]
    assert all(m.tags["batch"] == inner.params[0][1:] for m in lines)
    # A member without multiline (nor chathistory) gets lines in its JOIN replay.
    dee = h.client("dee", caps=["batch", "message-tags"])
    dee.send("JOIN #room")
    texts = [m.params[1] for m in dee.take() if m.command == "PRIVMSG"]
    assert texts == ["hello", "how is ", "everyone?"]


def test_a_non_member_never_reads_a_private_rooms_multiline_message() -> None:
    h, ana, bo, _cy = room()
    ana.send("MODE #room +s")
    send_batch(ana, "#room", "secret one", "secret two")
    eve = h.client("eve", caps=HIST)
    eve.send("CHATHISTORY LATEST #room * 10")
    assert not [m for m in eve.take() if m.command == "PRIVMSG"]
    bo.take()
    bo.send("CHATHISTORY LATEST #room * 10")
    assert [m.params[1] for m in bo.take() if m.command == "PRIVMSG"] == [
        "secret one",
        "secret two",
    ]


def test_a_multiline_message_can_be_redacted_by_its_msgid() -> None:
    h = Harness()
    caps = [*HIST, "draft/message-redaction"]
    ana = h.client("ana", caps=caps)
    bo = h.client("bo", caps=caps)
    h.join("#room", ana, bo)
    send_batch(ana, "#room", "oops", "twice")
    msgid = ana.take()[0].tags["msgid"]
    ana.send(f"REDACT #room {msgid}")
    assert [m.command for m in bo.take()][-1] == "REDACT"
    bo.send("CHATHISTORY LATEST #room * 10")
    assert not [m for m in bo.take() if m.command == "PRIVMSG"]


def test_search_finds_a_word_of_any_line() -> None:
    h = Harness()
    caps = ["batch", "message-tags", "soju.im/search", "draft/multiline"]
    ana = h.client("ana", caps=caps)
    cy = h.client("cy", caps=["batch", "message-tags", "soju.im/search"])
    h.join("#room", ana, cy)
    send_batch(ana, "#room", "first line", "second banana")
    cy.take()
    cy.send("SEARCH in=#room;text=banana")
    assert [m.params[1] for m in cy.take() if m.command == "PRIVMSG"] == [
        "first line",
        "second banana",
    ]


def test_a_direct_multiline_message_to_an_offline_account_waits_whole() -> None:
    h = Harness()
    bo = h.client("bo", caps=ML)
    bo.send("REGISTER * secretpassword1")
    bo.take()
    bo.send("QUIT")
    ana = h.client("ana", caps=ML)
    send_batch(ana, "bo", "while you", "were out")
    assert any("offline" in " ".join(line) for line in ana.lines())
    back = h.connect()
    back.send("CAP LS 302", "CAP REQ :draft/multiline batch sasl", "NICK bo", "USER bo 0 * :bo")
    back.send("AUTHENTICATE PLAIN", "AUTHENTICATE " + _plain("bo", "secretpassword1"), "CAP END")
    got = back.take()
    inner = [m for m in got if m.command == "BATCH" and m.params[1:2] == ("draft/multiline",)]
    assert len(inner) == 1
    assert [m.params[1] for m in got if m.command == "PRIVMSG"] == ["while you", "were out"]


def _plain(account: str, password: str) -> str:
    return base64.b64encode(f"{account}\0{account}\0{password}".encode()).decode()


def test_a_direct_multiline_message_is_read_back_by_its_two_sides_only() -> None:
    h = Harness()
    ana = h.client("ana", caps=HIST)
    bo = h.client("bo", caps=HIST)
    eve = h.client("eve", caps=HIST)
    send_batch(ana, "bo", "just for", "you")
    bo.take()
    bo.send("CHATHISTORY LATEST ana * 10")
    assert [m.params[1] for m in bo.take() if m.command == "PRIVMSG"] == ["just for", "you"]
    eve.send("CHATHISTORY LATEST ana * 10", "CHATHISTORY LATEST bo * 10")
    assert not [m for m in eve.take() if m.command == "PRIVMSG"]

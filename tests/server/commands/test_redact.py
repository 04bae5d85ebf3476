"""REDACT: IRCv3 draft/message-redaction, deleting a message already sent.

Reference: https://ircv3.net/specs/extensions/message-redaction.
"""

from __future__ import annotations

from chinwag.protocol.message import Message
from tests.server.harness import Client, Harness

CAPS = ["draft/message-redaction", "draft/chathistory", "batch", "message-tags", "echo-message"]


def said(client: Client, line: str) -> str:
    """Send ``line`` (a PRIVMSG, echoed); the msgid it got."""
    client.send(line)
    (echo,) = [m for m in client.take() if m.command == "PRIVMSG"]
    return echo.tags["msgid"]


def fail(client: Client, line: str) -> tuple[str, ...]:
    client.send(line)
    (reply,) = client.lines()
    assert reply[0] == "FAIL", reply
    return reply[:-1]


def history(client: Client, target: str) -> list[str]:
    """The texts CHATHISTORY LATEST gives for ``target``."""
    client.send(f"CHATHISTORY LATEST {target} * 50")
    return [m.params[1] for m in client.take() if m.command == "PRIVMSG"]


def redacts(messages: list[Message]) -> list[tuple[str | None, tuple[str, ...]]]:
    return [(m.source, m.params) for m in messages if m.command == "REDACT"]


def room() -> tuple[Harness, Client, Client, Client]:
    """Ana (operator), Bo and Cy (who has not the capability) in #room."""
    h = Harness()
    ana = h.client("ana", caps=CAPS)
    bo = h.client("bo", caps=CAPS)
    cy = h.client("cy", caps=["echo-message"])
    h.join("#room", ana, bo, cy)
    return h, ana, bo, cy


def test_the_capability_is_offered() -> None:
    h = Harness()
    client = h.connect()
    client.send("CAP LS 302")
    offered = " ".join(line[-1] for line in client.lines()).split()
    assert "draft/message-redaction" in offered


def test_the_sender_may_redact_and_members_with_the_capability_are_told() -> None:
    h, ana, bo, cy = room()
    msgid = said(bo, "PRIVMSG #room :oops")
    ana.take()
    cy.take()
    bo.send(f"REDACT #room {msgid} :typo")
    source = h.user("bo").source
    assert redacts(bo.take()) == [(source, ("#room", msgid, "typo"))]
    assert redacts(ana.take()) == [(source, ("#room", msgid, "typo"))]
    assert cy.take() == []  # without the capability, nothing
    assert history(ana, "#room") == []


def test_a_channel_operator_may_redact_anyones_message() -> None:
    h, ana, bo, _ = room()
    keep = said(bo, "PRIVMSG #room :keep")
    gone = said(bo, "PRIVMSG #room :spam")
    assert keep != gone
    ana.take()
    ana.send(f"REDACT #room {gone}")
    assert redacts(ana.take()) == [(h.user("ana").source, ("#room", gone))]
    assert redacts(bo.take()) == [(h.user("ana").source, ("#room", gone))]
    assert history(bo, "#room") == ["keep"]


def test_a_stranger_may_not_redact() -> None:
    _, ana, bo, _ = room()
    msgid = said(ana, "PRIVMSG #room :mine")
    bo.take()
    assert fail(bo, f"REDACT #room {msgid}") == (
        "FAIL",
        "REDACT",
        "REDACT_FORBIDDEN",
        "#room",
        msgid,
    )
    assert history(bo, "#room") == ["mine"]


def test_an_unknown_msgid_fails() -> None:
    _, ana, _, _ = room()
    assert fail(ana, "REDACT #room nosuch") == (
        "FAIL",
        "REDACT",
        "UNKNOWN_MSGID",
        "#room",
        "nosuch",
    )


def test_a_channel_one_is_not_in_is_an_invalid_target() -> None:
    h, ana, _, _ = room()
    dee = h.client("dee", caps=CAPS)
    msgid = said(ana, "PRIVMSG #room :hi")
    assert fail(dee, f"REDACT #room {msgid}")[:3] == ("FAIL", "REDACT", "INVALID_TARGET")


def test_the_sender_may_redact_a_direct_message() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)
    bo = h.client("bo", caps=CAPS)
    msgid = said(ana, "PRIVMSG bo :secret")
    bo.take()
    assert history(bo, "ana") == ["secret"]
    assert fail(bo, f"REDACT ana {msgid}")[:3] == ("FAIL", "REDACT", "REDACT_FORBIDDEN")
    ana.send(f"REDACT bo {msgid}")
    source = h.user("ana").source
    assert redacts(ana.take()) == [(source, ("bo", msgid))]
    assert redacts(bo.take()) == [(source, ("bo", msgid))]
    assert history(bo, "ana") == []
    assert history(ana, "bo") == []

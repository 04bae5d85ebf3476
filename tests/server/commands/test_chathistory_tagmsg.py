"""A TAGMSG with client-only tags (a reaction, a reply marker) is kept in history and comes
back from CHATHISTORY as it was sent; typing notifications are not kept.

References: https://ircv3.net/specs/extensions/chathistory ("Returned message notes": lines
other than PRIVMSG and NOTICE, TAGMSG among them, only to clients with draft/event-playback)
and https://ircv3.net/specs/extensions/message-tags (a TAGMSG only to clients with
message-tags). Privacy: a channel's kept TAGMSGs are its members' only, a direct
conversation's its two parties' only.
"""

from __future__ import annotations

from chinwag.protocol.message import Message
from tests.server.commands.test_chathistory import CAPS, batch_of
from tests.server.harness import Client, Harness

PLAYBACK = [*CAPS, "draft/event-playback"]
REACTION = "@+draft/react=\U0001f44d;+draft/reply=abc TAGMSG"


def lines(client: Client, command: str) -> list[Message]:
    """Send ``command``; the messages of the chathistory batch it gets."""
    client.send(command)
    _, inner = batch_of(client.take())
    return inner


def without_batch(message: Message) -> Message:
    return Message(
        message.command,
        message.params,
        message.source,
        {key: value for key, value in message.tags.items() if key != "batch"},
    )


def room() -> tuple[Harness, Client, Client, Message]:
    """Ana and Bo in #room; Ana reacts, types, and speaks. Returns the reaction as Bo got it
    live."""
    h = Harness()
    ana = h.client("ana", caps=PLAYBACK)
    ana.send("JOIN #room")
    bo = h.client("bo", caps=PLAYBACK)
    bo.send("JOIN #room")
    ana.take()
    bo.take()
    ana.send(f"{REACTION} #room")
    ana.send("@+typing=active TAGMSG #room")
    ana.send("@+draft/typing=active TAGMSG #room")
    ana.send("PRIVMSG #room :hello")
    live = [m for m in bo.take() if m.command == "TAGMSG" and "+draft/react" in m.tags]
    assert len(live) == 1
    return h, ana, bo, live[0]


def test_a_reaction_in_a_channel_comes_back_as_sent_and_typing_is_not_kept() -> None:
    _, _, bo, reaction = room()
    inner = lines(bo, "CHATHISTORY LATEST #room * 50")
    tagmsgs = [m for m in inner if m.command == "TAGMSG"]
    assert [without_batch(m) for m in tagmsgs] == [reaction]
    assert tagmsgs[0].tags["+draft/react"] == "\U0001f44d"
    assert [m.params for m in inner if m.command == "PRIVMSG"] == [("#room", "hello")]


def test_without_event_playback_or_message_tags_no_tagmsg_is_played_back() -> None:
    h, _, _, _ = room()
    plain = h.client("cy", caps=CAPS)
    plain.send("JOIN #room")
    plain.take()
    assert [m.command for m in lines(plain, "CHATHISTORY LATEST #room * 50")] == ["PRIVMSG"]
    untagged = h.client("di", caps=["draft/chathistory", "batch", "draft/event-playback"])
    untagged.send("JOIN #room")
    untagged.take()
    played = lines(untagged, "CHATHISTORY LATEST #room * 50")
    assert "TAGMSG" not in [m.command for m in played]
    assert "PRIVMSG" in [m.command for m in played]


def test_a_non_member_cannot_get_a_channels_reactions() -> None:
    h, _, _, _ = room()
    outsider = h.client("ed", caps=PLAYBACK)
    outsider.send("CHATHISTORY LATEST #room * 50")
    (reply,) = outsider.take()
    assert (reply.command, *reply.params[:3]) == ("FAIL", "CHATHISTORY", "INVALID_TARGET", "LATEST")


def test_a_reaction_in_a_direct_conversation_is_both_parties_and_nobody_elses() -> None:
    h = Harness()
    ana = h.client("ana", caps=[*PLAYBACK, "echo-message"])
    bo = h.client("bo", caps=PLAYBACK)
    cy = h.client("cy", caps=PLAYBACK)
    ana.send(f"{REACTION} bo")
    ana.send("@+typing=active TAGMSG bo")
    (echo,) = [m for m in ana.take() if "+draft/react" in m.tags]
    live, typing = bo.take()
    assert live == echo and "+typing" in typing.tags
    assert [without_batch(m) for m in lines(bo, "CHATHISTORY LATEST ana * 50")] == [live]
    assert [without_batch(m) for m in lines(ana, "CHATHISTORY LATEST bo * 50")] == [live]
    assert lines(cy, "CHATHISTORY LATEST ana * 50") == []
    assert lines(cy, "CHATHISTORY LATEST bo * 50") == []


def test_a_typing_notification_alone_keeps_nothing() -> None:
    h = Harness()
    ana = h.client("ana", caps=PLAYBACK)
    bo = h.client("bo", caps=PLAYBACK)
    ana.send("@+typing=active TAGMSG bo")
    ana.send("@+draft/typing=paused TAGMSG bo")
    bo.take()
    assert lines(bo, "CHATHISTORY LATEST ana * 50") == []

"""Raw-client helpers for the history tests: a client with the history capabilities, and
what ``CHATHISTORY`` gives it."""

from __future__ import annotations

from irctokens.line import Line

from chinwag.server.app import ChinwagServer
from tests.ircclient import IrcClient, is_

HISTORY_CAPS = "draft/chathistory draft/event-playback batch server-time message-tags echo-message"
"""What a modern client asks for: history with events, in batches, with times."""

PASSWORD = "correct-horse-battery"


async def connect(server: ChinwagServer, nick: str, caps: str | None = HISTORY_CAPS) -> IrcClient:
    """A raw client registered as ``nick`` with ``caps`` (``None``: no CAP at all)."""
    client = await IrcClient.connect(server.addresses[0])
    if caps is not None:
        await client.send("CAP", "REQ", caps)
        await client.expect(is_("CAP", "*", "ACK"))
        await client.send("CAP", "END")
    await client.register(nick)
    return client


async def register_account(client: IrcClient) -> None:
    """Register the client's nick as an account (draft/account-registration)."""
    await client.send("REGISTER", "*", "*", PASSWORD)
    await client.expect(is_("REGISTER", "SUCCESS"))


async def identify(client: IrcClient, account: str, password: str = PASSWORD) -> None:
    """Log in with NickServ and wait for RPL_LOGGEDIN."""
    await client.send("PRIVMSG", "NickServ", f"IDENTIFY {account} {password}")
    await client.expect(is_("900"))


async def history(client: IrcClient, target: str, command: str = "LATEST") -> list[Line]:
    """The lines of the batch ``CHATHISTORY <command> <target> * 50`` answers with."""
    await client.send("CHATHISTORY", command, target, "*", "50")
    opening = await client.expect(lambda line: line.command == "BATCH" and line.params[0][0] == "+")
    assert opening.params[1:] == ["chathistory", target], opening
    lines: list[Line] = []
    while (line := await client.expect(lambda _: True)).command != "BATCH":
        lines.append(line)
    return lines


def texts(lines: list[Line]) -> list[str]:
    """The last parameter of each line: a message's text, a MODE's argument..."""
    return [line.params[-1] for line in lines]


async def targets(client: IrcClient) -> list[str]:
    """The names ``CHATHISTORY TARGETS`` lists for all time."""
    await client.send(
        "CHATHISTORY", "TARGETS", "timestamp=2000-01-01T00:00:00.000Z",
        "timestamp=2999-01-01T00:00:00.000Z", "50",
    )  # fmt: skip
    await client.expect(is_("BATCH"))
    names: list[str] = []
    while (line := await client.expect(lambda _: True)).command != "BATCH":
        names.append(line.params[1])
    return names


async def say(client: IrcClient, target: str, text: str) -> None:
    """Send a PRIVMSG and wait for its echo (which comes once it is stored)."""
    await client.send("PRIVMSG", target, text)
    await client.expect(is_("PRIVMSG", target, text))

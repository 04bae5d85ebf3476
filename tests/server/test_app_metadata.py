"""Name colours over real sockets: draft/metadata-2 between two clients in one room."""

from __future__ import annotations

from chinwag.server.app import ChinwagServer
from tests.ircclient import Address, IrcClient, is_


async def metadata_client(address: Address, nick: str) -> IrcClient:
    """A client that negotiated draft/metadata-2 and batch, registered as ``nick``."""
    client = await IrcClient.connect(address)
    client.nick = nick
    await client.send("CAP", "LS", "302")
    await client.send("CAP", "REQ", "draft/metadata-2 batch")
    await client.send("NICK", nick)
    await client.send("USER", nick, "0", "*", f"{nick} the tester")
    await client.expect(is_("CAP", "*", "ACK"))
    await client.send("CAP", "END")
    await client.expect(is_("001", nick))
    # Registration ends with the client's own (here empty) metadata batch.
    opening = await client.expect(
        lambda line: line.command == "BATCH" and "metadata" in line.params
    )
    await client.expect(is_("BATCH", "-" + opening.params[0][1:]))
    return client


async def test_a_colour_set_by_one_client_reaches_a_subscribed_roommate(
    server: ChinwagServer,
) -> None:
    address = server.addresses[0]
    ana = await metadata_client(address, "ana")
    bo = await metadata_client(address, "bo")
    await bo.send("METADATA", "*", "SUB", "color")
    await bo.expect(is_("770", "bo", "color"))
    await ana.join("#lobby")
    await bo.join("#lobby")

    await ana.send("METADATA", "*", "SET", "color", "#FF00AF")

    reply = await ana.expect(lambda line: line.command == "761")
    assert reply.params == ["ana", "ana", "color", "*", "#ff00af"]
    notification = await bo.expect(is_("METADATA"))
    assert notification.source == "irc.test"
    assert notification.params == ["ana", "color", "*", "#ff00af"]

"""``@online`` against a real server: the room's members, then everyone else the server
lets us see, leaving out invisible (``+i``) users we share no room with."""

from __future__ import annotations

import asyncio
import contextlib

from chinwag.client.chat import ChatModel
from chinwag.client.protocol import ClientProtocol
from chinwag.client.runner import Endpoint, Runner
from chinwag.protocol.casemap import fold
from chinwag.server.app import ChinwagServer
from tests.ircclient import IrcClient
from tests.waiting import until


async def test_online_lists_the_room_then_the_visible_rest_of_the_server(
    server: ChinwagServer,
) -> None:
    address = server.addresses[0]
    bo = await IrcClient.registered(address, "bo", "#lobby")
    await IrcClient.registered(address, "cy", "#games")
    dee = await IrcClient.registered(address, "dee", "#games")
    await dee.send("MODE", "dee", "+i")
    await dee.expect(lambda line: line.command == "MODE")

    protocol = ClientProtocol("ana", rooms=("#lobby",))
    model = ChatModel(protocol)
    runner = Runner(protocol, Endpoint(*address), model.handle)
    task = asyncio.create_task(runner.run())
    try:
        lobby = fold("#lobby")
        await until(lambda: model.current == lobby and model.members(), "ana in #lobby")
        await bo.expect(lambda line: line.command == "JOIN")
        model.submit("@online")

        def said() -> list[str]:
            return [line.text for line in model.conversations[lobby].lines]

        await until(lambda: any(text.startswith("Also online") for text in said()), "the rest")
        listed = [text for text in said() if text.startswith(("In #lobby", "Also online"))]
        assert listed == ["In #lobby (2): ana, @bo", "Also online (1): cy"]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

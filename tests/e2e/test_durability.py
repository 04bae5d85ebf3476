"""Nothing acknowledged is ever lost: SIGKILL the real server right after echoes arrive.

Issue 4: "a test sends messages, kills the server with SIGKILL right after the sender got its
echo, restarts it, and finds every echoed message in history and every offline DM delivered."
The server is the real ``chinwag serve`` on a SQLite file; the kill gives it no chance to
flush anything, so only what was committed before an echo went out can survive.
"""

from __future__ import annotations

import base64
import contextlib
import signal
import sqlite3
import sys
from pathlib import Path

import pytest
from irctokens.line import Line

from tests.ircclient import IrcClient, is_
from tests.serve import FAST_HASHING, serving

if sys.platform == "win32":
    pytest.skip("SIGKILL is a POSIX signal", allow_module_level=True)

PASSWORD = "durable-password-1"
FLOOD = 400
"""Room messages sent in one burst; the server is killed part way through their echoes."""


def echoes(client: IrcClient, target: str) -> list[Line]:
    """The echoes of our own messages to ``target`` received so far."""
    return [
        line
        for line in client.received
        if line.command == "PRIVMSG"
        and line.params[0] == target
        and line.hostmask is not None
        and line.hostmask.nickname == client.nick
    ]


async def test_every_echoed_message_and_offline_dm_survives_sigkill(tmp_path: Path) -> None:
    database = tmp_path / "chat.db"
    # The burst below is a flood by design: flood control would hold it and cut bo off.
    settings = {
        "CHINWAG_STORAGE_PATH": str(database),
        "CHINWAG_LIMITS_FAKELAG": "false",
        **FAST_HASHING,
    }

    async with serving(tmp_path, **settings) as serve:
        address = ("127.0.0.1", serve.port)
        ana = await IrcClient.registered(address, "ana")
        await ana.send("REGISTER", "*", "*", PASSWORD)
        await ana.expect(is_("REGISTER", "SUCCESS", "ana"))
        await ana.send("QUIT")
        await ana.expect_closed()

        bo = await IrcClient.connect(address)
        await bo.send("CAP", "REQ", "echo-message message-tags server-time")
        await bo.send("CAP", "END")
        await bo.register("bo")
        await bo.join("#room")
        for number in range(3):
            await bo.send("PRIVMSG", "ana", f"while you were away {number}")
        await bo.read_until(lambda: len(echoes(bo, "ana")) == 3)
        offline = echoes(bo, "ana")

        await bo.send_raw(
            b"".join(b"PRIVMSG #room :burst %d\r\n" % number for number in range(FLOOD))
        )
        # Kill as soon as some echoes are in, while the rest are still being written.
        await bo.read_until(lambda: len(echoes(bo, "#room")) >= FLOOD // 4)
        serve.process.send_signal(signal.SIGKILL)
        assert await serve.wait() == -signal.SIGKILL
        with contextlib.suppress(AssertionError):
            await bo.expect_closed()  # whatever the socket still held was sent before the kill
        echoed = echoes(bo, "#room")
    assert len(echoed) >= FLOOD // 4

    with contextlib.closing(sqlite3.connect(database)) as db:
        stored = {msgid for (msgid,) in db.execute("SELECT msgid FROM messages")}
    missing = [line.params[1] for line in echoed + offline if line.tags["msgid"] not in stored]
    assert missing == []

    async with serving(tmp_path, **settings) as serve:
        ana = await IrcClient.connect(("127.0.0.1", serve.port))
        await ana.send("CAP", "REQ", "sasl server-time message-tags")
        ana.nick = "ana"
        await ana.send("NICK", "ana")
        await ana.send("USER", "ana", "0", "*", "Ana")
        await ana.send("AUTHENTICATE", "PLAIN")
        await ana.expect(is_("AUTHENTICATE", "+"))
        await ana.send("AUTHENTICATE", base64.b64encode(f"\0ana\0{PASSWORD}".encode()).decode())
        await ana.expect(is_("903"))
        await ana.send("CAP", "END")
        delivered = [await ana.expect(is_("PRIVMSG", "ana")) for _ in offline]
    assert [line.params[1] for line in delivered] == [line.params[1] for line in offline]
    assert [line.tags["time"] for line in delivered] == [line.tags["time"] for line in offline]

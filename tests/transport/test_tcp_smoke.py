"""The TCP listener carries registration and a message between two real sockets."""

from __future__ import annotations

import asyncio

from chinwag.server.app import ChinwagServer
from tests.conftest import LOOPBACK_CLOAK


async def _read_until(reader: asyncio.StreamReader, needle: bytes) -> bytes:
    data = b""
    while needle not in data:
        chunk = await asyncio.wait_for(reader.read(4096), 5)
        assert chunk, f"connection closed before {needle!r}; got {data!r}"
        data += chunk
    return data


async def test_two_clients_chat_over_real_sockets(server: ChinwagServer) -> None:
    host, port = server.addresses[0]
    ana_r, ana_w = await asyncio.open_connection(host, port)
    _bo_r, bo_w = await asyncio.open_connection(host, port)
    ana_w.write(b"NICK ana\r\nUSER ana 0 * :Ana\r\nJOIN #lobby\r\n")
    await _read_until(ana_r, b"366 ana #lobby")
    bo_w.write(b"NICK bo\r\nUSER bo 0 * :Bo\r\nJOIN #lobby\r\nPRIVMSG #lobby :hello ana\r\n")
    got = await _read_until(ana_r, b"hello ana")
    assert f":bo!~bo@{LOOPBACK_CLOAK} PRIVMSG #lobby :hello ana\r\n".encode() in got
    for writer in (ana_w, bo_w):
        writer.close()

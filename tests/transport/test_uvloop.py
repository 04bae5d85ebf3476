"""The server runs on uvloop (the optional ``speed`` extra) as on the standard loop."""

from __future__ import annotations

import asyncio
import sys

import pytest

from chinwag.server.app import ChinwagServer
from chinwag.storage.memory import MemoryStore
from tests.conftest import test_config

if sys.platform == "win32":
    pytest.skip("uvloop does not run on Windows", allow_module_level=True)


async def _chat_once() -> bytes:
    server = ChinwagServer(test_config(), MemoryStore())
    await server.start()
    host, port = server.addresses[0]
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"NICK ana\r\nUSER ana 0 * :Ana\r\nJOIN #x\r\nPRIVMSG #x :hi\r\nPING :done\r\n")
    data = b""
    while b"PONG" not in data:
        data += await asyncio.wait_for(reader.read(65536), 5)
    writer.close()
    await server.stop(grace=1.0)
    return data


def test_a_client_registers_joins_and_talks_on_uvloop() -> None:
    uvloop = pytest.importorskip("uvloop")
    data = uvloop.run(_chat_once())
    assert b" 001 ana " in data
    assert b" JOIN #x" in data

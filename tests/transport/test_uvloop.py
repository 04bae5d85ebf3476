"""The server runs on uvloop (the optional ``speed`` extra) as on the standard loop."""

from __future__ import annotations

import asyncio
import dataclasses
import ssl
import sys
from pathlib import Path

import pytest

from chinwag.config import Listener
from chinwag.server.app import ChinwagServer
from chinwag.storage.memory import MemoryStore
from tests.certs import self_signed_pem
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


async def _chat_over_tls_with_a_client_certificate(client_cert: Path) -> tuple[bytes, bool]:
    config = dataclasses.replace(test_config(), listeners=(Listener("127.0.0.1", 0, "tls"),))
    server = ChinwagServer(config, MemoryStore())
    await server.start()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.load_cert_chain(client_cert)
    reader, writer = await asyncio.open_connection(*server.addresses[0], ssl=context)
    writer.write(b"NICK ana\r\nUSER ana 0 * :Ana\r\nPING :done\r\n")
    data = b""
    while b"PONG" not in data:
        data += await asyncio.wait_for(reader.read(65536), 5)
    [session] = [link.session for link in server.links]
    seen = session is not None and session.secure and session.certfp is not None
    writer.close()
    await server.stop(grace=1.0)
    return data, seen


def test_tls_and_its_client_certificate_work_on_uvloop(tmp_path: Path) -> None:
    uvloop = pytest.importorskip("uvloop")
    client_cert = tmp_path / "client.pem"
    client_cert.write_bytes(self_signed_pem("ana"))
    data, seen = uvloop.run(_chat_over_tls_with_a_client_certificate(client_cert))
    assert b" 001 ana " in data
    assert seen

"""Starting and stopping the server: in-process, and as the real ``chinwag serve`` program.

A graceful stop tells every client ``ERROR :Server shutting down`` before closing its socket,
does not wait forever on a client that stopped reading, and stops accepting connections.
``chinwag serve`` prints where it listens, how friends join and where history is kept, opens
its SQLite file in the data directory (issue 4), and SIGTERM or Ctrl-C stop it gracefully with
exit code 0, every message relayed so far in the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from chinwag.protocol.casemap import fold
from chinwag.server import app
from chinwag.server.app import ChinwagServer
from chinwag.server.history import COMMIT_SPACING
from chinwag.storage.base import HistoryChange, StoredMessage
from tests.conftest import ServerFactory
from tests.ircclient import IrcClient, is_
from tests.serve import Serve, serve_command, serve_env, serving

SHUTTING_DOWN = ["Server shutting down"]


def _count(command: str, client: IrcClient) -> int:
    return sum(line.command == command for line in client.received)


async def test_stop_says_goodbye_to_every_client_before_closing(
    make_server: ServerFactory,
) -> None:
    server = await make_server()
    address = server.addresses[0]
    ana = await IrcClient.registered(address, "ana", "#lobby")
    bo = await IrcClient.registered(address, "bo", "#lobby")
    await ana.expect(is_("JOIN", "#lobby"))
    unregistered = await IrcClient.connect(address)
    await unregistered.send("NICK", "shy")

    await server.stop()

    for client in (ana, bo, unregistered):
        rest = await client.expect_closed()
        assert rest, f"{client.nick} got nothing before the close"
        assert (rest[-1].command, rest[-1].params) == ("ERROR", SHUTTING_DOWN)


@pytest.mark.one_node(
    reason="one server stopping as a whole; on a network each node leaves by itself, so its "
    "users hear the quits of those on nodes that left first "
    "(tests/server/replication/test_nodes.py covers a node stopping)"
)
async def test_on_shutdown_members_of_a_big_room_hear_only_the_goodbye(
    make_server: ServerFactory,
) -> None:
    server = await make_server()
    members = []
    for i in range(100):
        member = await IrcClient.connect(server.addresses[0])
        await member.send_raw(f"NICK m{i}\r\nUSER m 0 * :M\r\nJOIN #lobby\r\n".encode())
        members.append(member)
    for member in members:
        await member.expect(is_("366"))

    await server.stop()

    for member in members:
        rest = await member.expect_closed()
        assert [(line.command, line.params) for line in rest if line.command != "JOIN"] == [
            ("ERROR", SHUTTING_DOWN)
        ]


async def test_stop_does_not_wait_forever_for_a_client_that_stopped_reading(
    make_server: ServerFactory,
) -> None:
    server = await make_server(sendq=50_000_000)
    address = server.addresses[0]
    await IrcClient.registered(address, "stalled", "#lobby", rcvbuf=4096)  # never reads again
    talker = await IrcClient.registered(address, "talker", "#lobby")
    listener = await IrcClient.registered(address, "listener", "#lobby")
    (stuck,) = (link for link in server.links if link.session and link.session.nick == "stalled")
    sent = 0
    while stuck.outbox.queued < 100_000:  # until the kernel's buffers are full and then some
        assert sent < 100_000, "the stalled member's outbox never filled"
        for _ in range(500):
            await talker.send("PRIVMSG", "#lobby", f"{sent} " + "z" * 300)
            sent += 1
        await listener.read_until(lambda: _count("PRIVMSG", listener) == sent)  # noqa: B023 (awaited here)

    started = time.monotonic()
    await server.stop(grace=0.5)

    assert time.monotonic() - started < 3
    for client in (talker, listener):
        rest = await client.expect_closed()
        assert (rest[-1].command, rest[-1].params) == ("ERROR", SHUTTING_DOWN)


async def test_a_stopped_server_accepts_no_more_connections(make_server: ServerFactory) -> None:
    server = await make_server()
    address = server.addresses[0]
    await server.stop()

    with pytest.raises(OSError):
        _, writer = await asyncio.open_connection(*address)
        writer.close()


async def test_the_ticker_closes_silent_connections_over_real_sockets(
    make_server: ServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app, "TICK_SECONDS", 0.05)
    server = await make_server(registration_timeout=1.0, ping_interval=0.3, ping_timeout=0.3)
    address = server.addresses[0]
    lurker = await IrcClient.connect(address)
    await lurker.send("NICK", "lurker")
    silent = await IrcClient.registered(address, "silent", "#lobby")
    lively = await IrcClient.registered(address, "lively", "#lobby")

    await silent.expect(is_("PING"))
    while (line := await lively.expect(lambda m: m.command in ("PING", "QUIT"))).command == "PING":
        await lively.send("PONG", *line.params)
    assert line.hostmask.nickname == "silent"
    assert line.params[0].startswith("Ping timeout")
    rest = await silent.expect_closed()
    assert rest[-1].command == "ERROR"
    assert "Ping timeout" in rest[-1].params[0]

    rest = await lurker.expect_closed()
    assert rest[-1].command == "ERROR"
    assert "Registration timed out" in rest[-1].params[0]


# -- the real program ------------------------------------------------------------------------


@pytest.fixture
async def serve(tmp_path: Path) -> AsyncIterator[Serve]:
    """The real server program on a free loopback port, started and listening."""
    async with serving(tmp_path) as running:
        yield running


async def test_serve_says_where_it_listens_and_how_friends_join(serve: Serve) -> None:
    await serve.read_until("Press Ctrl-C")

    printed = "\n".join(serve.stdout)
    assert "is listening on:" in printed
    assert f"  IRC              127.0.0.1:{serve.port}" in printed
    assert f"/connect 127.0.0.1 {serve.port}" in printed
    assert f"./dev chat 127.0.0.1:{serve.port}" in printed

    client = await IrcClient.registered(("127.0.0.1", serve.port), "ana")
    await client.close()


async def test_serve_on_a_port_in_use_says_who_holds_it_and_the_fix_before_any_database(
    tmp_path: Path,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = await asyncio.create_subprocess_exec(
            *serve_command(port),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=serve_env(tmp_path),
            cwd=tmp_path,
        )
        out, err = await asyncio.wait_for(process.communicate(), 30)

    assert process.returncode == 1, (out, err)
    said = err.decode()
    assert said.startswith(f"chinwag: cannot listen on 127.0.0.1:{port}: "), said
    assert f"--port {port + 1}." in said
    if sys.platform == "linux":  # the holder is this test's process, found through /proc
        assert f"process {os.getpid()} (" in said
    assert "Traceback" not in said
    assert not (tmp_path / "data").exists(), "the database was touched for nothing"


@pytest.mark.skipif(sys.platform == "win32", reason="no POSIX signals on Windows")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_a_signal_stops_serve_gracefully(serve: Serve, signum: signal.Signals) -> None:
    client = await IrcClient.registered(("127.0.0.1", serve.port), "ana", "#lobby")

    serve.process.send_signal(signum)

    rest = await client.expect_closed(timeout=10)
    assert rest, "closed without a goodbye"
    assert (rest[-1].command, rest[-1].params) == ("ERROR", SHUTTING_DOWN)
    assert await serve.wait() == 0, serve.stderr.read_text()
    assert "Traceback" not in serve.stderr.read_text()


async def test_serve_keeps_history_in_the_per_user_data_directory_and_says_where(
    serve: Serve, tmp_path: Path
) -> None:
    await serve.read_until("Press Ctrl-C")

    database = tmp_path / "data" / "chinwag" / "chinwag.db"
    assert f"Chat history is kept in {database}" in serve.stdout
    assert database.is_file()


@pytest.mark.skipif(sys.platform == "win32", reason="no POSIX signals on Windows")
async def test_a_message_is_in_the_database_file_after_serve_is_stopped(tmp_path: Path) -> None:
    database = tmp_path / "elsewhere" / "chat.db"
    async with serving(tmp_path, CHINWAG_STORAGE_PATH=str(database)) as serve:
        await serve.read_until("Chat history is kept in")
        assert serve.stdout[-1] == f"Chat history is kept in {database}"
        ana = await IrcClient.registered(("127.0.0.1", serve.port), "ana", "#lobby")
        await ana.send("PRIVMSG", "#lobby", "kept for later")
        await ana.send("PING", "sent")
        await ana.expect(is_("PONG"))  # the message has been relayed

        serve.process.send_signal(signal.SIGTERM)

        assert await serve.wait() == 0, serve.stderr.read_text()
    with contextlib.closing(sqlite3.connect(database)) as db:
        rows = db.execute("SELECT target, sender, line FROM messages WHERE event = 0").fetchall()
    assert len(rows) == 1
    target, sender, line = rows[0]
    assert target == "#lobby"
    assert sender.startswith("ana!")
    assert line.endswith(" PRIVMSG #lobby :kept for later")


async def stored_everything(server: ChinwagServer) -> None:
    """Return once every message relayed so far is in the store."""
    await server.core.deps.history.stored()


async def test_sustained_traffic_is_committed_in_spaced_batches_not_per_message(
    make_server: ServerFactory,
) -> None:
    """At most one history commit per COMMIT_SPACING while messages keep coming; every
    message is still stored."""
    server = await make_server()
    store = server.store
    commits: list[int] = []
    append = store.append

    async def counted(
        messages: Sequence[StoredMessage], changes: Sequence[HistoryChange] = ()
    ) -> None:
        commits.append(len(messages))
        await append(messages, changes)

    store.append = counted  # type: ignore[method-assign]
    talker = await IrcClient.registered(server.addresses[0], "talker", "#lobby")
    await stored_everything(server)
    commits.clear()  # the JOIN's own record
    started = time.monotonic()
    for n in range(200):
        await talker.send("PRIVMSG", "#lobby", f"message {n}")
        await asyncio.sleep(0.002)
    await talker.send("PING", "done")
    await talker.expect(is_("PONG"))
    await stored_everything(server)
    elapsed = time.monotonic() - started

    assert sum(commits) == 200
    assert len(commits) <= elapsed / COMMIT_SPACING + 2
    stored = [m.line for m in await store.latest(fold("#lobby"), 500) if " PRIVMSG " in m.line]
    assert len(stored) == 200

"""What a misbehaving peer can do over a real socket, and what it must not be able to do.

Over-long lines, forbidden bytes, invalid UTF-8 and floods get their replies and go no
further; sockets that vanish mid-line or half-close end their session; a member who stops
reading is dropped with ``SendQ exceeded`` while everyone else keeps chatting.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import struct
import time
from typing import Any

import pytest

from chinwag.server.app import ChinwagServer
from chinwag.storage.base import StoredMessage
from tests.conftest import ServerFactory
from tests.ircclient import IrcClient, is_

pytestmark = pytest.mark.on_redis  # also on two nodes whose log is on Redis


async def _lobby(server: ChinwagServer, *nicks: str) -> list[IrcClient]:
    """Clients registered under ``nicks``, all in ``#lobby``."""
    return [await IrcClient.registered(server.addresses[0], nick, "#lobby") for nick in nicks]


def _privmsgs(client: IrcClient) -> list[str]:
    """The text of every PRIVMSG the client received."""
    return [line.params[-1] for line in client.received if line.command == "PRIVMSG"]


def _said(client: IrcClient) -> list[tuple[str, str]]:
    """Every PRIVMSG and NOTICE the client received, as (command, text)."""
    return [
        (line.command, line.params[-1])
        for line in client.received
        if line.command in ("PRIVMSG", "NOTICE") and line.source != "irc.test"
    ]


# -- lines the server refuses ------------------------------------------------------------


async def test_an_over_long_line_gets_417_and_the_connection_stays_usable(
    server: ChinwagServer,
) -> None:
    ana, bo = await _lobby(server, "ana", "bo")

    await ana.send_raw(b"PRIVMSG #lobby :" + b"x" * 600 + b"\r\n")
    refused = await ana.expect(is_("417", "ana"))
    assert "too long" in refused.params[-1].lower()

    await ana.send("PRIVMSG", "#lobby", "short and sweet")
    await bo.expect(is_("PRIVMSG", "#lobby"))
    assert _privmsgs(bo) == ["short and sweet"]


async def test_an_endless_line_is_refused_once_and_discarded_up_to_its_end(
    server: ChinwagServer,
) -> None:
    (ana,) = await _lobby(server, "ana")

    await ana.send_raw(b"PRIVMSG #lobby :" + b"y" * 100_000)
    await ana.send_raw(b"\r\nPING :after the flood\r\n")

    pong = await ana.expect(is_("PONG"))
    assert pong.params[-1] == "after the flood"
    assert [line.command for line in ana.received].count("417") == 1


async def test_nul_and_bare_cr_are_refused_and_never_relayed(server: ChinwagServer) -> None:
    ana, bo = await _lobby(server, "ana", "bo")

    await ana.send_raw(b"PRIVMSG #lobby :nul\x00here\r\n")
    assert (await ana.expect(is_("400", "ana"))).params[1] == "PRIVMSG"
    await ana.send_raw(b"PRIVMSG #lobby :bare\rPRIVMSG #lobby :smuggled\r\n")
    assert (await ana.expect(is_("400", "ana"))).params[1] == "PRIVMSG"

    await ana.send("PRIVMSG", "#lobby", "clean")
    await bo.expect(is_("PRIVMSG", "#lobby"))
    assert _privmsgs(bo) == ["clean"]


async def test_formatting_control_codes_pass_through_untouched(server: ChinwagServer) -> None:
    ana, bo = await _lobby(server, "ana", "bo")
    text = "\x02bold\x02 \x0304,01red\x03 \x1ditalic\x1d \x1funder\x1f \x16rev\x16 \x0fplain"

    await ana.send("PRIVMSG", "#lobby", text)
    await ana.send("PRIVMSG", "#lobby", "\x01ACTION waves\x01")

    assert (await bo.expect(is_("PRIVMSG", "#lobby"))).params[1] == text
    assert (await bo.expect(is_("PRIVMSG", "#lobby"))).params[1] == "\x01ACTION waves\x01"


@pytest.mark.parametrize(
    ("line", "command"),
    [
        (b"PRIVMSG #lobby :caf\xe9 au lait\r\n", "PRIVMSG"),
        (b"PRIVMSG bo :\xff\xfe sneaky\r\n", "PRIVMSG"),
        (b"NOTICE #lobby :half a char \xe2\x82\r\n", "NOTICE"),
    ],
)
async def test_invalid_utf8_gets_fail_and_never_reaches_others(
    server: ChinwagServer, line: bytes, command: str
) -> None:
    ana, bo = await _lobby(server, "ana", "bo")

    await ana.send_raw(line)
    fail = await ana.expect(is_("FAIL", command, "INVALID_UTF8"))
    assert fail.source == "irc.test"

    await ana.send("PRIVMSG", "#lobby", "valid again")
    await bo.expect(is_("PRIVMSG", "#lobby"))
    assert _said(bo) == [("PRIVMSG", "valid again")]


async def test_invalid_utf8_before_registration_gets_fail_and_registration_still_works(
    server: ChinwagServer,
) -> None:
    client = await IrcClient.connect(server.addresses[0])
    await client.send_raw(b"NICK caf\xe9\r\n")
    await client.expect(is_("FAIL", "NICK", "INVALID_UTF8"))
    await client.register("cafe")
    await client.close()


# -- floods --------------------------------------------------------------------------------


async def test_thousands_of_junk_lines_get_421s_and_others_chat_on(
    server: ChinwagServer,
) -> None:
    ana, bo, junk = await _lobby(server, "ana", "bo", "junk")
    count = 5000
    start = len(junk.received)

    await junk.send_raw(b"".join(b"BLARGH%d some junk\r\n" % i for i in range(count)))
    await ana.send("PRIVMSG", "#lobby", "are you still there?")
    await bo.expect(is_("PRIVMSG", "#lobby"))
    await bo.send("PRIVMSG", "#lobby", "yes")
    await ana.expect(is_("PRIVMSG", "#lobby"))

    replies = junk.received  # grows as junk reads
    await junk.read_until(
        lambda: sum(line.command == "421" for line in replies[start:]) >= count, timeout=10
    )
    answers = [line for line in replies[start:] if line.command != "PRIVMSG"]
    commands = [line.command for line in answers]
    if junk.eof:
        assert set(commands) <= {"421", "ERROR"}
    else:
        assert commands == ["421"] * count
        assert [line.params[1] for line in answers[:2]] == ["BLARGH0", "BLARGH1"]


async def test_random_garbage_never_crashes_a_handler_and_others_chat_on(
    server: ChinwagServer, caplog: pytest.LogCaptureFixture
) -> None:
    ana, bo = await _lobby(server, "ana", "bo")
    garbage = await IrcClient.connect(server.addresses[0])
    rng = random.Random(20240601)
    caplog.set_level(logging.ERROR)

    for _ in range(20):
        await garbage.send_raw(rng.randbytes(10_000))
    await garbage.send_raw(b"\r\nPING :end\r\n")
    await ana.send("PRIVMSG", "#lobby", "through the noise")

    assert (await bo.expect(is_("PRIVMSG", "#lobby"))).params[1] == "through the noise"
    if not garbage.eof:
        await garbage.expect(lambda line: line.command in ("PONG", "ERROR"), timeout=10)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


# -- sockets that go away ------------------------------------------------------------------


def _reset(client: IrcClient) -> None:
    """Close with a TCP reset instead of a FIN."""
    sock = client.writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.writer.transport.abort()


@pytest.mark.parametrize("how", ["close", "reset"])
async def test_a_socket_closed_mid_line_ends_the_session_and_the_server_carries_on(
    server: ChinwagServer, how: str
) -> None:
    ana, cy = await _lobby(server, "ana", "cy")

    await cy.send_raw(b"PRIVMSG #lobby :half a li")
    if how == "close":
        await cy.close()
    else:
        _reset(cy)

    quit_ = await ana.expect(is_("QUIT"))
    assert quit_.hostmask.nickname == "cy"
    assert _privmsgs(ana) == []

    cpu_before = time.process_time()
    await asyncio.sleep(0.3)
    assert time.process_time() - cpu_before < 0.15, "the server is spinning after the close"

    (dee,) = await _lobby(server, "dee")
    await dee.send("PRIVMSG", "#lobby", "hi ana")
    assert (await ana.expect(is_("PRIVMSG", "#lobby"))).params[1] == "hi ana"
    assert server.core.network.sessions.keys() == {
        link.session.id for link in server.links if link.session is not None
    }


async def test_a_half_closed_socket_ends_the_session_after_what_it_sent(
    server: ChinwagServer,
) -> None:
    ana, cy = await _lobby(server, "ana", "cy")
    last_words = [f"{i:03d} " + "w" * 100 for i in range(300)]  # more than one read's worth

    await cy.send_raw(b"".join(b"PRIVMSG #lobby :%s\r\n" % text.encode() for text in last_words))
    cy.writer.write_eof()

    quit_ = await ana.expect(is_("QUIT"))
    assert quit_.hostmask.nickname == "cy"
    assert _privmsgs(ana) == last_words
    await cy.expect_closed()
    await ana.send("NAMES", "#lobby")
    assert (await ana.expect(is_("353", "ana"))).params[-1].split() == ["@ana"]


async def test_lines_sent_right_after_a_join_are_heard_when_the_peer_hangs_up_at_once(
    server: ChinwagServer,
) -> None:
    """JOIN waits for the room's history, so the PRIVMSG behind it is held; the hang-up must
    not throw it away (``printf 'JOIN #lobby\r\nPRIVMSG ...' | nc``)."""
    (ana,) = await _lobby(server, "ana")
    cy = await IrcClient.registered(server.addresses[0], "cy")

    await cy.send_raw(b"JOIN #lobby\r\nPRIVMSG #lobby :one last thing\r\n")
    cy.writer.write_eof()

    said = await ana.expect(is_("PRIVMSG", "#lobby"))
    assert (said.hostmask.nickname, said.params[1]) == ("cy", "one last thing")
    assert (await ana.expect(is_("QUIT"))).hostmask.nickname == "cy"


async def test_a_paste_right_after_a_join_reaches_a_member_with_a_small_sendq(
    make_server: ServerFactory,
) -> None:
    """Lines held behind the JOIN (here its history query takes 50 ms, a slow disk) are let
    go a slice per loop turn, as the socket would have handed them over, not all in one
    turn (60 KB at once would overflow 20 KB)."""
    server = await make_server(sendq=20_000)
    store = server.store
    query = store.history

    async def slow_history(*args: Any, **kwargs: Any) -> list[StoredMessage]:
        await asyncio.sleep(0.05)
        return await query(*args, **kwargs)

    store.history = slow_history  # type: ignore[method-assign]
    (reader,) = await _lobby(server, "reader")
    paster = await IrcClient.registered(server.addresses[0], "paster")
    pasted = [f"{n:03d} " + "p" * 300 for n in range(200)]

    await paster.send_raw(
        b"JOIN #lobby\r\n" + b"".join(b"PRIVMSG #lobby :%s\r\n" % t.encode() for t in pasted)
    )
    got = [(await reader.expect(is_("PRIVMSG", "#lobby"))).params[1] for _ in pasted]

    assert got == pasted


# -- a reader that never reads ---------------------------------------------------------------


async def test_a_member_who_stops_reading_is_dropped_while_readers_get_every_message(
    make_server: ServerFactory,
) -> None:
    server = await make_server(sendq=20_000)
    address = server.addresses[0]
    stalled = await IrcClient.registered(address, "stalled", "#lobby", rcvbuf=4096)
    reader, flooder = await _lobby(server, "reader", "flooder")
    # From here on, nothing reads from ``stalled``.

    sent: list[str] = []
    got: list[str] = []
    dropped = None
    deadline = time.monotonic() + 30
    while dropped is None:
        assert len(sent) < 200_000, "sent 60 MB and the stalled member is still connected"
        assert time.monotonic() < deadline, "the stalled member was never dropped"
        batch = [f"{len(sent) + i:06d} " + "x" * 300 for i in range(200)]
        for text in batch:
            await flooder.send("PRIVMSG", "#lobby", text)
        sent += batch
        while len(got) < len(sent) and dropped is None:
            line = await reader.expect(lambda m: m.command in ("PRIVMSG", "QUIT"))
            if line.command == "QUIT":
                dropped = line
            else:
                got.append(line.params[1])

    assert dropped.hostmask.nickname == "stalled"
    assert "SendQ exceeded" in dropped.params[0]
    for _ in range(200):
        await flooder.send("PRIVMSG", "#lobby", f"{len(sent):06d} after the drop")
        sent.append(f"{len(sent):06d} after the drop")
    while len(got) < len(sent):
        got.append((await reader.expect(is_("PRIVMSG", "#lobby"))).params[1])
    assert got == sent
    await stalled.expect_closed(timeout=10)

"""IRC over WebSocket (IRCv3 "WebSocket support") on a real HTTP listener, with the
``websockets`` client: subprotocols, one line per message, the limits, Origin, keep-alive,
and a WebSocket user chatting with a TCP user exactly as two TCP users would."""

from __future__ import annotations

import asyncio
import dataclasses
import ssl
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from chinwag.config import Listener
from chinwag.server.app import ChinwagServer
from chinwag.storage.memory import MemoryStore
from chinwag.transport.websocket import origin_allowed
from tests.ircclient import IrcClient, is_
from tests.waiting import until
from tests.webclient import WsClient, tcp_address, web_address, web_config, web_server


@pytest.mark.parametrize(
    ("offered", "chosen", "kind"),
    [
        (["text.ircv3.net"], "text.ircv3.net", str),
        (["binary.ircv3.net"], "binary.ircv3.net", bytes),
        # The client's order of preference wins (the spec's MUST).
        (["text.ircv3.net", "binary.ircv3.net"], "text.ircv3.net", str),
        (["binary.ircv3.net", "text.ircv3.net"], "binary.ircv3.net", bytes),
        # None offered: accepted without the header (the spec's MAY); text until told.
        (None, None, str),
    ],
)
async def test_each_subprotocol_carries_one_line_per_message(
    offered: list[str] | None, chosen: str | None, kind: type
) -> None:
    async with web_server() as server:
        client = await WsClient.connect(web_address(server), offered)
        assert client.ws.subprotocol == chosen
        await client.register("webby")
        assert client.messages
        for message in client.messages:
            assert isinstance(message, kind)
            data = message.encode() if isinstance(message, str) else message
            assert not data.endswith((b"\r", b"\n")) and b"\n" in data + b"\n"
            assert b"\r\n" not in data
        await client.ws.close()


async def test_without_a_subprotocol_a_binary_speaker_is_answered_in_binary() -> None:
    async with web_server() as server:
        client = await WsClient.connect(web_address(server))
        await client.send(b"NICK bin")
        await client.send(b"USER bin 0 * :bin")
        await client.expect(is_("001"))
        assert all(isinstance(message, bytes) for message in client.messages)


async def test_a_web_user_and_a_tcp_user_talk_with_the_same_tags_and_history() -> None:
    async with web_server() as server:
        caps = ("message-tags", "server-time", "echo-message", "draft/chathistory", "batch")
        web = await WsClient.connect(web_address(server), ["text.ircv3.net"])
        await web.register("alice", caps)
        tcp = await IrcClient.connect(tcp_address(server))
        tcp.nick = "bob"
        await tcp.send("CAP", "REQ", " ".join(caps))
        await tcp.send("NICK", "bob")
        await tcp.send("USER", "bob", "0", "*", "bob")
        await tcp.send("CAP", "END")
        await tcp.expect(lambda line: line.command in ("376", "422"))
        await web.send("JOIN #room")
        await web.expect(is_("366"))
        await tcp.join("#room")

        await web.send("PRIVMSG #room :hello from the browser")
        heard = await tcp.expect(is_("PRIVMSG", "#room"))
        echo = await web.expect(is_("PRIVMSG", "#room"))
        assert heard.params[-1] == "hello from the browser"
        assert heard.source is not None and heard.source.startswith("alice!")
        assert heard.tags is not None and echo.tags is not None
        assert heard.tags["msgid"] == echo.tags["msgid"]
        assert "time" in heard.tags

        await tcp.send("PRIVMSG", "#room", "hello from the terminal")
        answer = await web.expect(is_("PRIVMSG", "#room"))
        assert answer.params[-1] == "hello from the terminal"
        assert answer.tags is not None and "msgid" in answer.tags and "time" in answer.tags

        await web.send("CHATHISTORY LATEST #room * 10")
        texts = []
        while True:
            line = await web.expect(lambda line: line.command in ("PRIVMSG", "BATCH"))
            if line.command == "BATCH" and line.params[0].startswith("-"):
                break
            if line.command == "PRIVMSG":
                texts.append(line.params[-1])
        assert texts == ["hello from the browser", "hello from the terminal"]
        await web.ws.close()


async def test_line_endings_are_taken_off_and_an_empty_message_is_ignored() -> None:
    async with web_server() as server:
        client = await WsClient.connect(web_address(server), ["text.ircv3.net"])
        await client.send("NICK carol\r\n")
        await client.send("")
        await client.send("USER carol 0 * :carol\n")
        await client.expect(is_("001", "carol"))
        await client.send("PING :still")
        await client.expect(is_("PONG"))


async def test_several_lines_in_one_message_are_refused_as_one_line() -> None:
    """A message MUST be a single IRC line: nothing of it runs, it gets a reply."""
    async with web_server() as server:
        client = await WsClient.connect(web_address(server), ["text.ircv3.net"])
        await client.register("dave")
        await client.send("JOIN #one\r\nJOIN #two")
        await client.send("PING :after")
        refused = await client.expect(lambda line: line.command in ("400", "JOIN", "PONG"))
        assert refused.command == "400"  # ERR_UNKNOWNERROR, as TCP answers a bare CR
        assert refused.params[1] == "JOIN"
        await client.expect(is_("PONG"))
        assert not any(line.command == "JOIN" for line in client.received)
        assert not server.core.network.channels


async def test_a_line_over_the_irc_limit_gets_the_tcp_reply() -> None:
    async with web_server() as server:
        client = await WsClient.connect(web_address(server), ["text.ircv3.net"])
        await client.register("erin")
        await client.send("PRIVMSG erin :" + "x" * 600)
        line = await client.expect(lambda line: line.command in ("417", "FAIL", "PRIVMSG"))
        assert line.command == "417"  # ERR_INPUTTOOLONG, as on TCP


async def test_invalid_utf8_in_a_text_message_closes_with_1007() -> None:
    async with web_server() as server:
        client = await WsClient.connect(web_address(server), ["text.ircv3.net"])
        await client.register("frank")
        # The client library will not send bad text; a text frame made by hand.
        client.ws.protocol.send_text(b"PRIVMSG #x :\xff\xfe")
        client.ws.send_data()
        await client.expect_closed()
        assert client.ws.close_code == 1007
        await until(lambda: not server.core.network.users, "the user gone")


async def test_invalid_utf8_in_a_binary_message_gets_a_fail_like_tcp() -> None:
    async with web_server() as server:
        client = await WsClient.connect(web_address(server), ["binary.ircv3.net"])
        await client.register("gina")
        await client.send(b"PRIVMSG gina :\xff\xfe")
        fail = await client.expect(is_("FAIL"))
        assert "INVALID_UTF8" in fail.params


async def test_a_message_over_max_message_bytes_closes_with_1009() -> None:
    async with web_server(max_message_bytes=1024) as server:
        client = await WsClient.connect(web_address(server), ["text.ircv3.net"])
        await client.register("hank")
        await client.send("PRIVMSG hank :" + "y" * 2000)
        await client.expect_closed()
        assert client.ws.close_code == 1009
        await until(lambda: not server.core.network.users, "the user gone")
        assert server.core.deps.counters.bad_input["ws_too_big"] == 1


async def test_a_wrong_origin_is_refused_with_403_and_no_session() -> None:
    async with web_server(allowed_origins=("https://chat.example.org",)) as server:
        with pytest.raises(InvalidStatus) as refused:
            await WsClient.connect(web_address(server), origin="https://evil.example")
        assert refused.value.response.status_code == 403
        assert not server.links
        assert server.core.deps.counters.bad_input["ws_origin"] == 1
        listed = await WsClient.connect(web_address(server), origin="https://chat.example.org")
        await listed.register("ivan")
        host, port = web_address(server)
        same = await WsClient.connect(web_address(server), origin=f"http://{host}:{port}")
        await same.register("jane")


def test_origin_rules() -> None:
    assert origin_allowed("", "example.org", ())
    assert origin_allowed("https://example.org", "example.org", ())
    assert origin_allowed("http://example.org:8097", "example.org:8097", ())
    assert not origin_allowed("http://example.org:8098", "example.org:8097", ())
    assert not origin_allowed("https://evil.example", "example.org", ())
    assert not origin_allowed("null", "example.org", ())
    assert origin_allowed("https://evil.example", "example.org", ("*",))
    assert origin_allowed("https://Chat.Example.org/", "x", ("https://chat.example.org",))


async def test_a_client_that_never_answers_pings_is_closed() -> None:
    async with web_server(ping_interval=0.2, ping_timeout=0.2) as server:
        client = await WsClient.connect(web_address(server), ["text.ircv3.net"])
        await client.register("kate")
        watcher = await IrcClient.registered(tcp_address(server), "watcher", "#w")
        await client.send("JOIN #w")
        await watcher.expect(is_("JOIN", "#w"))
        # Stop reading (the client library answers pings only while it reads its socket).
        client.ws.transport.pause_reading()
        quit_ = await watcher.expect(is_("QUIT"), timeout=3.0)
        assert "Ping timeout" in quit_.params[0]


async def test_an_answering_client_stays_connected_past_the_ping_interval() -> None:
    async with web_server(ping_interval=0.1, ping_timeout=0.1) as server:
        client = await WsClient.connect(web_address(server), ["text.ircv3.net"])
        await client.register("liam")
        reader = asyncio.ensure_future(client.expect(is_("NEVER"), timeout=0.6))
        with pytest.raises(AssertionError, match="no match in time"):
            await reader
        await client.send("PING :alive")
        await client.expect(is_("PONG"))


async def test_a_client_closing_quits_cleanly_and_the_server_closing_sends_error() -> None:
    async with web_server() as server:
        watcher = await IrcClient.registered(tcp_address(server), "watcher", "#q")
        client = await WsClient.connect(web_address(server), ["text.ircv3.net"])
        await client.register("mia")
        await client.send("JOIN #q")
        await watcher.expect(is_("JOIN", "#q"))
        await client.ws.close()
        quit_ = await watcher.expect(is_("QUIT"))
        assert quit_.params[0] == "Connection closed"

        other = await WsClient.connect(web_address(server), ["text.ircv3.net"])
        await other.register("noah")
        await other.send("QUIT :bye")
        rest = await other.expect_closed()
        assert any(line.command == "ERROR" for line in rest)
        assert other.ws.close_code == 1000


async def test_an_https_listener_carries_the_same_over_tls(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ``https`` kind: the same protocol behind TLS (the context is the TLS work's; a
    test one here)."""
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    monkeypatch.setattr(ChinwagServer, "_tls_context", lambda self: server_context)
    config = dataclasses.replace(web_config(), listeners=(Listener("127.0.0.1", 0, "https"),))
    server = ChinwagServer(config, MemoryStore())
    await server.start()
    try:
        host, port = server.addresses[0]
        client_context = ssl.create_default_context(cafile=str(cert))
        async with connect(
            f"wss://{host}:{port}/ws",
            ssl=client_context,
            server_hostname="localhost",
            subprotocols=[Subprotocol("text.ircv3.net")],
        ) as ws:
            client = WsClient(ws)
            await client.register("sec")
            assert server.connections() == {"https": 1}
    finally:
        await server.stop(grace=1.0)

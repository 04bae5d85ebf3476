"""The plain HTTP side of a web listener over raw sockets: the page, the fixed file table,
``/healthz``, malformed requests and the security headers of every response."""

from __future__ import annotations

import asyncio
import json
import re
from importlib import resources

import pytest

from chinwag.transport import http
from tests.ircclient import IrcClient, is_
from tests.webclient import (
    body_of,
    get,
    headers_of,
    http_request,
    status_of,
    tcp_address,
    web_address,
    web_server,
)

REQUESTS = [
    get("/"),
    get("/style.css"),
    get("/healthz"),
    get("/healthz/live"),
    get("/metrics"),
    get("/nothing"),
    get("/ws"),  # no Upgrade: 426
    b"POST / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"garbage\r\n\r\n",
]


@pytest.mark.parametrize("request_bytes", REQUESTS)
async def test_every_response_carries_the_security_headers(request_bytes: bytes) -> None:
    async with web_server() as server:
        response = await http_request(web_address(server), request_bytes)
        headers = headers_of(response)
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "default-src 'self'" in headers["content-security-policy"]


async def test_the_page_is_the_web_client_and_says_how_else_to_join() -> None:
    async with web_server() as server:
        response = await http_request(web_address(server), get("/"))
        assert status_of(response) == 200
        assert headers_of(response)["content-type"] == "text/html; charset=utf-8"
        page = body_of(response).decode()
        assert '<h1 id="login-title">irc.test</h1>' in page
        assert "chinwag chat 127.0.0.1" in page
        assert '<script type="module" src="/app.js"></script>' in page
        css = await http_request(web_address(server), get("/style.css"))
        assert status_of(css) == 200
        assert headers_of(css)["content-type"].startswith("text/css")
        for module in http.SCRIPTS:
            script = await http_request(web_address(server), get(f"/{module}"))
            assert status_of(script) == 200
            assert headers_of(script)["content-type"] == "text/javascript; charset=utf-8"
            assert headers_of(script)["cache-control"] == "no-cache"


def test_every_module_of_the_page_is_served() -> None:
    """Only the table is served: a module of ``chinwag/web`` left out of it, or imported
    from one that is not there, would stop the page loading; and the modules import each
    other without cycles."""
    folder = resources.files("chinwag").joinpath("web")
    on_disk = {entry.name for entry in folder.iterdir() if entry.name.endswith(".js")}
    assert on_disk == set(http.SCRIPTS)
    imports = {
        name: re.findall(r'from "\./([^"]+)"', folder.joinpath(name).read_text(encoding="utf-8"))
        for name in http.SCRIPTS
    }
    for name, imported in imports.items():
        assert set(imported) <= set(http.SCRIPTS), name

    # And no module imports one that imports it back (app.js wires the calls that go up).
    def below(name: str, path: tuple[str, ...]) -> None:
        for imported in imports[name]:
            assert imported not in path, " -> ".join((*path, imported))
            below(imported, (*path, imported))

    below("app.js", ("app.js",))


async def test_what_the_page_shows_of_the_request_is_escaped_or_dropped() -> None:
    async with web_server() as server:
        request = b'GET / HTTP/1.1\r\nHost: <script>alert("x")</script>\r\n\r\n'
        page = body_of(await http_request(web_address(server), request)).decode()
        assert "<script>" not in page
        assert "chinwag chat irc.test" in page  # a junk Host falls back to the server name


@pytest.mark.parametrize(
    "path",
    ["/../etc/passwd", "/%2e%2e/etc/passwd", "/web/style.css", "/index.html", "/..", "//"],
)
async def test_paths_outside_the_table_are_not_found(path: str) -> None:
    async with web_server() as server:
        response = await http_request(web_address(server), get(path))
        assert status_of(response) == 404
        assert b"root:" not in response


async def test_a_method_other_than_get_is_refused_with_405() -> None:
    async with web_server() as server:
        response = await http_request(web_address(server), b"DELETE / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status_of(response) == 405
        assert headers_of(response)["allow"] == "GET"


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"garbage\r\n\r\n", 400),
        (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nno colon here\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 400),
        (b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\nX: " + b"a" * 9000 + b"\r\n\r\n", 431),
        (b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", 400),
    ],
)
async def test_malformed_requests_get_a_4xx_and_others_are_unaffected(
    request_bytes: bytes, status: int
) -> None:
    async with web_server() as server:
        user = await IrcClient.registered(tcp_address(server), "steady")
        response = await http_request(web_address(server), request_bytes)
        assert status_of(response) == status
        await user.send("PING", "still-here")
        await user.expect(is_("PONG"))
        assert sum(server.core.deps.counters.bad_input.values()) == 1
        await user.close()


async def test_a_request_that_never_finishes_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("chinwag.transport.websocket.HEADER_TIMEOUT", 0.2)
    async with web_server() as server:
        reader, writer = await asyncio.open_connection(*web_address(server))
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        async with asyncio.timeout(3):
            assert await reader.read() == b""
        writer.close()
        assert server.core.deps.counters.bad_input["http_timeout"] == 1


async def test_healthz_is_ready_until_the_store_is_gone() -> None:
    async with web_server() as server:
        ready = await http_request(web_address(server), get("/healthz"))
        assert status_of(ready) == 200
        assert json.loads(body_of(ready)) == {"status": "ok"}
        await server.store.close()
        unready = await http_request(web_address(server), get("/healthz"))
        assert status_of(unready) == 503
        assert json.loads(body_of(unready))["status"] == "unready"
        live = await http_request(web_address(server), get("/healthz/live"))
        assert status_of(live) == 200


async def test_healthz_is_unready_when_the_store_hangs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http, "READY_TIMEOUT", 0.1)
    async with web_server() as server:

        async def hang() -> None:
            await asyncio.Event().wait()

        monkeypatch.setattr(server.store, "ping", hang)
        unready = await http_request(web_address(server), get("/healthz"))
        assert status_of(unready) == 503


def test_loopback_addresses() -> None:
    assert http.is_loopback("127.0.0.1") and http.is_loopback("127.8.9.10")
    assert http.is_loopback("::1") and http.is_loopback("::ffff:127.0.0.1")
    assert not http.is_loopback("10.0.0.1") and not http.is_loopback("2001:db8::1")
    assert not http.is_loopback("unknown")

"""The plain HTTP side of a web listener: the page, ``/healthz`` and ``/metrics``.

:func:`answer` turns one parsed request (``websockets.http11.Request``, from the same
sans-I/O parser that reads WebSocket handshakes) into a response; the connection's
protocol (:mod:`chinwag.transport.websocket`) sends it and closes: one request per
connection, which is all a status page, a health probe and a scraper need.

What is served is a fixed table: the page and the files of ``chinwag/web`` listed in
:data:`FILES`, found by exact path. A request path is only ever a key of that table, never
joined to a directory, so ``/../etc/passwd`` or a directory listing cannot be asked for.

Every response carries the headers of :data:`SECURITY_HEADERS` (OWASP Secure Headers; the
Content-Security-Policy lets the page talk only to its own origin and its WebSocket).
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import hmac
import html
import ipaddress
import json
import string
from collections.abc import Coroutine, Iterable
from http import HTTPStatus
from importlib import resources
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from websockets.datastructures import Headers, MultipleValuesError
from websockets.http11 import Request, Response

from chinwag.server.core import ServerCore

READY_TIMEOUT = 2.0
"""Seconds the store has to answer ``/healthz`` before the server reports itself unready."""

CSP = (
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
"""The page's Content-Security-Policy: its own files and its own WebSocket, nothing inline,
never framed."""

SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", CSP),
)
"""Sent with every response, errors and the WebSocket handshake included."""

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
"""Content types by file suffix (``nosniff`` makes browsers believe them)."""

SCRIPTS = (
    "app.js",
    "state.js",
    "dom.js",
    "connection.js",
    "server.js",
    "registration.js",
    "metadata.js",
    "messages.js",
    "history.js",
    "draw.js",
    "select.js",
    "notify.js",
    "search.js",
    "moderation.js",
    "input.js",
    "login.js",
    "irc.js",
    "shared.js",
)
"""The page's ES modules, one job each: ``app.js`` is the entry point that wires the others
(``state.js`` the state, ``dom.js`` DOM helpers, ``connection.js`` the WebSocket,
``server.js`` and ``registration.js`` what the server says, ``metadata.js`` which metadata
draft to speak, ``messages.js`` filing lines,
``history.js`` chathistory, ``draw.js`` drawing, ``select.js`` the open conversation,
``notify.js`` notifications, ``search.js`` search, ``moderation.js`` the moderation commands
and their words, ``input.js`` what is typed, ``login.js``
the login form, ``irc.js`` lines, cleaning and colours, ``shared.js`` the tables shared with
the Python client), each imported by relative path. A module missing here is not served,
and the page does not load."""

FILES = ("style.css", *SCRIPTS, "icon.svg")
"""The files of ``chinwag/web`` served as they are, each at ``/<name>``: the chat page's
style, its ES modules (:data:`SCRIPTS`) and its icon."""

FILE_CACHE = "no-cache"
"""``Cache-Control`` of those files: a browser may keep them but asks again each time (a
cheap 200), so after an upgrade the page never mixes old and new modules."""

PAGE = "index.html"
"""The template of ``GET /`` (the web client's page): ``$name``-style fields, each filled
in escaped."""

WEBSOCKET_PATH = "/ws"
"""Where IRC over WebSocket is served (:mod:`chinwag.transport.websocket`)."""

JSON = "application/json"


@functools.cache
def package_file(name: str) -> bytes:
    """The bytes of ``chinwag/web/<name>``, read once (they are part of the installed
    package and do not change while it runs)."""
    return resources.files("chinwag").joinpath("web", name).read_bytes()


def content_type(name: str) -> str:
    """The content type of a file by its suffix (binary download for an unknown one)."""
    suffix = name[name.rfind(".") :] if "." in name else ""
    return CONTENT_TYPES.get(suffix, "application/octet-stream")


def respond(
    status: int,
    body: bytes = b"",
    kind: str = "text/plain; charset=utf-8",
    cache: str = "no-store",
    extra: Iterable[tuple[str, str]] = (),
) -> Response:
    """A complete response: ``body`` with its type and length, the security headers,
    ``Cache-Control: cache`` and ``Connection: close`` (one request per connection)."""
    status_code = HTTPStatus(status)
    headers = Headers(
        [
            ("Date", email.utils.formatdate(usegmt=True)),
            ("Connection", "close"),
            ("Content-Type", kind),
            ("Content-Length", str(len(body))),
            ("Cache-Control", cache),
            *SECURITY_HEADERS,
            *extra,
        ]
    )
    return Response(status_code.value, status_code.phrase, headers, body)


def error(status: int, text: str | None = None, extra: Iterable[tuple[str, str]] = ()) -> Response:
    """A short plain-text error response (its phrase when no ``text``)."""
    message = text if text is not None else HTTPStatus(status).phrase
    return respond(status, f"{message}\n".encode(), extra=extra)


def with_security_headers(response: Response) -> Response:
    """``response`` (made by ``websockets``: a handshake or its refusal) with ours added."""
    for name, value in SECURITY_HEADERS:
        response.headers[name] = value
    return response


def header(request: Request, name: str) -> str:
    """The one value of header ``name``; empty when missing or given more than once."""
    try:
        return request.headers.get(name, "")
    except MultipleValuesError:
        return ""


def path_of(request: Request) -> str:
    """The request's path without its query."""
    return request.path.partition("?")[0]


def is_loopback(ip: str) -> bool:
    """Whether ``ip`` is 127.0.0.0/8 or ::1 (an IPv4-mapped loopback too)."""
    try:
        address = ipaddress.ip_address(ip.partition("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


Answer = Response | Coroutine[Any, Any, Response]
"""What :func:`answer` gives: a response now, or one to await (readiness asks the store)."""


def answer(core: ServerCore, request: Request, ip: str) -> tuple[Answer, str | None]:
    """The response to a plain HTTP ``request`` from ``ip`` (not the WebSocket path), and
    the ``reason`` to count it under in ``chinwag_bad_input_total`` when it is refused for
    the peer's mistake (``None`` otherwise)."""
    if request.method != "GET":
        return error(405, extra=[("Allow", "GET")]), "http_method"
    path = path_of(request)
    if path == "/":
        return respond(200, page(core, request), CONTENT_TYPES[".html"], "no-cache"), None
    if path == "/healthz":
        return ready(core), None
    if path == "/healthz/live":
        return respond(200, b'{"status": "ok"}', JSON), None
    if path == "/metrics":
        return metrics(core, request, ip)
    name = path[1:]
    if name in FILES:  # an exact key: nothing else on the disk can be reached
        return respond(200, package_file(name), content_type(name), FILE_CACHE), None
    return error(404), "http_not_found"


def page(core: ServerCore, request: Request) -> bytes:
    """The web client's page: its login screen names the server and network, and says how
    else to connect (the terminal client, the IRC ports)."""
    config = core.config
    host = _host_name(header(request, "Host")) or config.server.name
    ports: list[str] = []
    for listener in config.listeners:
        if listener.kind == "tcp":
            ports.append(f"<li>IRC: <code>{html.escape(host)}</code> port {listener.port}</li>")
        elif listener.kind == "tls":
            ports.append(
                f"<li>IRC over TLS: <code>{html.escape(host)}</code> port {listener.port}</li>"
            )
    template = string.Template(package_file(PAGE).decode())
    text = template.safe_substitute(
        name=html.escape(config.server.name),
        network=html.escape(config.server.network),
        host=html.escape(host),
        ports="\n".join(ports) or "<li>(no IRC listener is open)</li>",
    )
    return text.encode()


def _host_name(host: str) -> str:
    """The name in a ``Host`` header, without its port; empty unless it looks like a host
    name or address (it is shown on the page: escaped anyway, but no junk either)."""
    if host.startswith("["):
        name = host[1 : host.find("]")] if "]" in host else ""
    else:
        name = host.rpartition(":")[0] if host.count(":") == 1 else host
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:")
    return name if name and len(name) <= 253 and set(name) <= allowed else ""


async def ready(core: ServerCore) -> Response:
    """``/healthz``: 200 when the store answers a trivial query in time (and, on a cluster
    node, the network's log answers), else 503 (a load
    balancer then sends nobody here). The reason stays vague: it is for anyone to read."""
    problem = core.unready_reason()
    if problem is not None:  # a cluster node that lost its network's log
        return respond(503, json.dumps({"status": "unready", "reason": problem}).encode(), JSON)
    try:
        await asyncio.wait_for(core.deps.store.ping(), READY_TIMEOUT)
    except Exception:
        body = {"status": "unready", "reason": "the store does not answer"}
        return respond(503, json.dumps(body).encode(), JSON)
    return respond(200, b'{"status": "ok"}', JSON)


def metrics(core: ServerCore, request: Request, ip: str) -> tuple[Response, str | None]:
    """``/metrics`` in the Prometheus text format, to whom ``[http] metrics`` and
    ``metrics_token`` allow it: 404 when off, 403 from a non-loopback address under
    ``loopback``, 401 without the right bearer token."""
    settings = core.config.http
    if settings.metrics == "off":
        return error(404), "http_not_found"
    if settings.metrics == "loopback" and not is_loopback(ip):
        return error(403), "http_forbidden"
    if settings.metrics_token:
        given = header(request, "Authorization")
        expected = f"Bearer {settings.metrics_token}"
        # compare_digest: how much of a guess was right does not show in the time taken.
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return error(401, extra=[("WWW-Authenticate", 'Bearer realm="metrics"')]), (
                "http_forbidden"
            )
    body = generate_latest(core.metrics.registry)
    return respond(200, body, CONTENT_TYPE_LATEST), None

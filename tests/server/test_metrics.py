"""``/metrics``: the counters the core moves (through the in-memory harness), and a real
scrape parsed by prometheus_client's own parser, with its access rules."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.datastructures import Headers
from websockets.http11 import Request

from chinwag.protocol import numerics as n
from chinwag.protocol.message import Message
from chinwag.server.context import Context
from chinwag.server.dispatch import REGISTRY, Handler, command
from chinwag.server.metrics import Counters
from chinwag.transport import http
from tests.ircclient import IrcClient, is_
from tests.server.harness import Harness
from tests.webclient import (
    WsClient,
    body_of,
    get,
    http_request,
    status_of,
    tcp_address,
    web_address,
    web_server,
)

# -- the counters, moved by the core ------------------------------------------------------------


def test_registrations_relays_and_deliveries_are_counted() -> None:
    h = Harness()
    ana, _bo, _cy = h.room("ana", "bo", "cy")
    counters = h.core.deps.counters
    assert counters.registrations == 3
    relayed, delivered = counters.messages_relayed, counters.deliveries

    ana.send("PRIVMSG #room :hello")
    assert counters.messages_relayed == relayed + 1
    assert counters.deliveries == delivered + 2  # bo and cy, not ana

    ana.send("PRIVMSG #room :one", "PRIVMSG #room :two")  # one slice: a channel run
    assert counters.messages_relayed == relayed + 3
    assert counters.deliveries == delivered + 6


def test_a_sendq_disconnect_is_counted() -> None:
    h = Harness()
    ana = h.client("ana")
    h.core.overflowed(ana.session)
    assert h.core.deps.counters.sendq_disconnects == 1
    ana.send("PING :x")  # the doomed session is closed once this work is done
    assert ana.closed


@pytest.fixture
def broken_command() -> Iterator[str]:
    def explode(ctx: Context, message: Message) -> None:
        raise RuntimeError("boom")

    handler: Handler = explode
    command("EXPLODE", before_registration=True)(handler)
    try:
        yield "EXPLODE"
    finally:
        REGISTRY.pop("EXPLODE", None)


def test_a_handler_error_is_counted(broken_command: str) -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send(broken_command)
    assert ana.lines()[0][0] == n.ERR_UNKNOWNERROR
    assert h.core.deps.counters.handler_errors == 1


def test_a_failed_login_is_counted() -> None:
    h = Harness()
    ana = h.connect()
    ana.send("CAP LS 302", "CAP REQ :sasl", "AUTHENTICATE PLAIN")
    ana.send("AUTHENTICATE " + base64.b64encode(b"\0nobody\0wrong").decode())
    assert n.ERR_SASLFAIL in ana.commands()
    assert h.core.deps.counters.login_failures == 1


def test_bad_input_reasons_start_at_zero_and_count_unknown_ones_too() -> None:
    counters = Counters()
    assert set(counters.bad_input.values()) == {0}
    counters.bad("ws_origin")
    counters.bad("something_new")
    assert counters.bad_input["ws_origin"] == 1 and counters.bad_input["something_new"] == 1


# -- a real scrape ------------------------------------------------------------------------------


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape by name and labels, parsed by prometheus_client."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def scrape(
    address: tuple[str, int], *headers: str
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await http_request(address, get("/metrics", *headers))
    assert status_of(response) == 200, response
    return samples(body_of(response).decode())


async def test_a_scrape_reports_what_moved() -> None:
    async with web_server() as server:
        before = await scrape(web_address(server))
        assert before[("chinwag_users", ())] == 0
        assert before[("chinwag_messages_relayed_total", ())] == 0
        assert before[("chinwag_bad_input_total", (("reason", "ws_origin"),))] == 0

        tcp = await IrcClient.registered(tcp_address(server), "tee", "#m")
        web = await WsClient.connect(web_address(server), ["text.ircv3.net"])
        await web.register("dub")
        await web.send("JOIN #m")
        await tcp.expect(is_("JOIN", "#m"))
        for text in ("one", "two", "three"):
            await web.send(f"PRIVMSG #m :{text}")
            await tcp.expect(is_("PRIVMSG", "#m"))
        await server.core.deps.history.stored()

        after = await scrape(web_address(server))
        assert after[("chinwag_connections", (("kind", "tcp"),))] == 1
        assert after[("chinwag_connections", (("kind", "http"),))] == 1
        assert after[("chinwag_users", ())] == 2
        assert after[("chinwag_channels", ())] == 1
        assert after[("chinwag_registrations_total", ())] == 2
        assert after[("chinwag_messages_relayed_total", ())] == 3
        assert after[("chinwag_deliveries_total", ())] >= 3
        assert after[("chinwag_history_commit_seconds_count", ())] >= 1
        assert after[("chinwag_history_commit_batch_size_sum", ())] >= 3
        assert ("chinwag_event_loop_lag_seconds", ()) in after
        server.core.deps.counters.lines_delayed += 2  # as fakelag moves them
        server.core.deps.counters.excess_flood_disconnects += 1
        moved = await scrape(web_address(server))
        assert moved[("chinwag_fakelag_delays_total", ())] == 2
        assert moved[("chinwag_excess_flood_disconnects_total", ())] == 1
        await tcp.close()


async def test_metrics_off_is_not_found() -> None:
    async with web_server(metrics="off") as server:
        response = await http_request(web_address(server), get("/metrics"))
        assert status_of(response) == 404


async def test_a_metrics_token_is_needed_when_set() -> None:
    async with web_server(metrics="open", metrics_token="s3cret") as server:
        address = web_address(server)
        assert status_of(await http_request(address, get("/metrics"))) == 401
        wrong = get("/metrics", "Authorization: Bearer nope")
        assert status_of(await http_request(address, wrong)) == 401
        assert await scrape(address, "Authorization: Bearer s3cret")


@pytest.mark.parametrize(
    ("access", "ip", "status"),
    [
        ("loopback", "127.0.0.1", 200),
        ("loopback", "::1", 200),
        ("loopback", "192.0.2.7", 403),
        ("open", "192.0.2.7", 200),
        ("off", "127.0.0.1", 404),
    ],
)
async def test_who_may_read_metrics(access: str, ip: str, status: int) -> None:
    async with web_server(metrics=access) as server:
        request = Request("/metrics", Headers([("Host", "x")]))
        response, _ = http.metrics(server.core, request, ip)
        assert response.status_code == status

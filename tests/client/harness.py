"""A client core fed canned server lines: the helpers the client core's tests share.

``registered()`` is a :class:`ClientProtocol` through CAP, the welcome burst and the MOTD with
its output drained; ``feed(proto, *lines)`` is the server sending ``lines`` (returns the
events), ``sent(proto)`` the lines the core queued since the last call. ``joined_lobby()`` is
in ``#Lobby`` with bob and cy; ``negotiate(proto)`` takes a core with an account password
through CAP to its first SASL step. No network, no sleeps.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from chinwag.client import events as ev
from chinwag.client.negotiation import WANTED_CAPS
from chinwag.client.protocol import ClientProtocol

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ALL_CAPS = " ".join(
    name if name != "draft/metadata-2" else "draft/metadata-2=maxsub=10"
    for name in WANTED_CAPS
    if name != "draft/chathistory"  # most tests' server keeps no history; see test_history_*
)

SASL_CAPS = ALL_CAPS.replace("sasl", "sasl=PLAIN,SCRAM-SHA-256")


def new(nick: str = "ana", **options: object) -> ClientProtocol:
    return ClientProtocol(nick, clock=lambda: NOW, **options)  # type: ignore[arg-type]


def feed(proto: ClientProtocol, *lines: str) -> list[ev.Event]:
    return proto.receive("".join(line + "\r\n" for line in lines).encode())


def sent(proto: ClientProtocol) -> list[str]:
    return proto.data_to_send().decode().split("\r\n")[:-1]


def registered(
    nick: str = "ana", caps: str = ALL_CAPS, rooms: tuple[str, ...] = (), **options: object
) -> ClientProtocol:
    """A protocol through CAP, the welcome burst and the MOTD, with its output drained."""
    proto = new(nick, rooms=rooms, **options)
    proto.register()
    feed(proto, f":irc.test CAP * LS :{caps}")
    requested = [line for line in sent(proto) if line.startswith("CAP REQ")]
    for line in requested:
        feed(proto, f":irc.test CAP * ACK :{line.split(' ', 2)[2].lstrip(':')}")
    feed(
        proto,
        f":irc.test 001 {nick} :Welcome",
        f":irc.test 004 {nick} irc.test chinwag-0.1 Bio biklmnst bkl",
        f":irc.test 005 {nick} NETWORK=TestNet PREFIX=(ov)@+ CHANTYPES=# NICKLEN=30 "
        ":are supported by this server",
        f":irc.test 422 {nick} :MOTD File is missing",
    )
    sent(proto)
    return proto


def only(events: list[ev.Event], kind: type[ev.Event]) -> list[ev.Event]:
    return [event for event in events if isinstance(event, kind)]


def joined_lobby() -> ClientProtocol:
    proto = registered()
    feed(
        proto,
        ":ana!~ana@127.0.0.1 JOIN #Lobby * :Ana",
        ":irc.test 332 ana #Lobby :Welcome all",
        ":irc.test 333 ana #Lobby bob!~bob@h 1700000000",
        ":irc.test 353 ana = #Lobby :@+bob!~bob@h1 ana!~ana@127.0.0.1",
        ":irc.test 353 ana = #Lobby :+cy!~cy@h2",
        ":irc.test 366 ana #Lobby :End of /NAMES list.",
    )
    return proto


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def negotiate(proto: ClientProtocol, caps: str = SASL_CAPS) -> list[str]:
    """CAP LS and ACK of everything requested; returns what the client sent after the ACK."""
    proto.register()
    sent(proto)
    feed(proto, f":irc.test CAP * LS :{caps}")
    requests = [line for line in sent(proto) if line.startswith("CAP REQ")]
    assert any("sasl" in line.split() or ":sasl" in line.split() for line in requests)
    for line in requests:
        feed(proto, f":irc.test CAP * ACK :{line.split(' ', 2)[2].lstrip(':')}")
    return sent(proto)

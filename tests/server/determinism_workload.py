"""A scripted workload for the determinism test (tests/server/test_determinism.py).

Several users go through most of what the server does, in the in-memory harness: CAP,
REGISTER, SASL PLAIN and SCRAM, channels and their modes, messages of every kind, nick
changes, AWAY, MONITOR, METADATA, CHATHISTORY, a multiline batch, read markers, always-on,
NickServ and ChanServ, queries. :func:`run` returns every line each connection received, in
order, and the server's :func:`~chinwag.server.digest.describe` at the end.

Run as ``python -m tests.server.determinism_workload seeded|system PAD``: the result as
JSON on stdout. ``PAD`` objects of every small size are made and kept first, so object
addresses (and with them ``id()`` and the hash of every user, session and channel) differ
from run to run.
"""

from __future__ import annotations

import base64
import json
import sys

from scramp import ScramClient

from chinwag.server import sources
from chinwag.server.digest import describe
from chinwag.server.sources import SeededSources, Sources, SystemSources
from tests.server.harness import Client, Clock, Harness

SEED = b"determinism workload seed"
"""The seed both replicas share."""

EPOCH = 1_767_225_600.0
"""The wall clock's reading when the harness clock says 0 (2026-01-01T00:00:00Z)."""

CAPS = " ".join(
    [
        *("message-tags", "server-time", "echo-message", "batch", "labeled-response"),
        *("account-tag", "extended-join", "away-notify", "account-notify", "invite-notify"),
        *("multi-prefix", "userhost-in-names", "setname", "extended-monitor"),
        *("standard-replies", "draft/chathistory", "draft/multiline", "draft/metadata-2"),
        *("draft/read-marker", "draft/account-registration", "sasl"),
    ]
)


def b64(data: str | bytes) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


class Script:
    """The harness with every connection's transcript kept, and a clock that moves a
    quarter of a second with every line sent."""

    def __init__(self, h: Harness, wall: Clock) -> None:
        self.h = h
        self.wall = wall
        self.clients: dict[str, Client] = {}
        self.transcripts: dict[str, list[str]] = {}

    def connect(self, name: str) -> Client:
        client = self.h.connect()
        self.clients[name] = client
        self.transcripts[name] = []
        return client

    def collect(self) -> None:
        for name, client in self.clients.items():
            self.transcripts[name].extend(client.raw())

    def send(self, name: str, *lines: str) -> list[str]:
        """Send ``lines`` from connection ``name``; what it received meanwhile."""
        for line in lines:
            self.advance(0.25)
            self.clients[name].send(line)
        before = len(self.transcripts[name])
        self.collect()
        return self.transcripts[name][before:]

    def register(self, name: str, nick: str, *, caps: bool = True) -> None:
        self.connect(name)
        if caps:
            self.send(name, "CAP LS 302", "CAP REQ :" + CAPS)
        self.send(name, f"NICK {nick}", f"USER {nick} 0 * :{nick} Example")
        if caps:
            self.send(name, "CAP END")

    def advance(self, seconds: float) -> None:
        """Move the monotonic clock and the wall clock together."""
        self.h.clock.advance(seconds)
        self.wall.advance(seconds)

    def tick(self, seconds: float) -> None:
        """Let ``seconds`` pass and the core's timers run; every connection still open
        answers the server's PING."""
        self.advance(seconds)
        self.h.core.tick()
        for name, client in self.clients.items():
            heard = client.raw()
            self.transcripts[name].extend(heard)
            if not client.closed and any(line.startswith(":irc.test PING") for line in heard):
                self.send(name, "PONG irc.test")

    def scram(self, name: str, account: str, password: str) -> None:
        """A SCRAM-SHA-256 login with scramp's client (its nonce fixed: the client is not
        what is under test)."""
        scram = ScramClient(["SCRAM-SHA-256"], account, password, c_nonce="fixedclientnonce")
        self.send(name, "AUTHENTICATE SCRAM-SHA-256")
        first = self.send(name, "AUTHENTICATE " + b64(scram.get_client_first()))
        challenge = first[-1].split()[-1]
        scram.set_server_first(base64.b64decode(challenge).decode())
        final = self.send(name, "AUTHENTICATE " + b64(scram.get_client_final()))
        scram.set_server_final(base64.b64decode(final[-1].split()[-1]).decode())
        self.send(name, "AUTHENTICATE +")


def workload(s: Script) -> None:
    """The script itself."""
    # Accounts: REGISTER (draft/account-registration), NickServ REGISTER.
    s.register("ana", "ana")
    s.send("ana", "REGISTER * :ana password one")
    s.register("bo", "bo")
    s.send("bo", "PRIVMSG NickServ :REGISTER bo-password-two")
    s.register("cy", "cy", caps=False)
    s.register("dee", "dee")

    # Channels, modes, topics, invitations, kicks.
    s.send("ana", "JOIN #room", "TOPIC #room :Welcome to the room", "MODE #room +nt")
    s.send("bo", "JOIN #room,#side")
    s.send("cy", "JOIN #room")
    s.send("ana", "MODE #room +v bo", "MODE #room +b *!*@bad.example", "MODE #room +e bo!*@*")
    s.send("ana", "MODE #room +I cy!*@*", "MODE #room +l 50", "MODE #room +o cy")
    s.send("bo", "MODE #side +ik sekrit", "INVITE dee #side", "INVITE ana #side")
    s.send("dee", "JOIN #side sekrit", "JOIN #room")
    s.send("cy", "KICK #room dee :out you go", "MODE #room -o cy")
    s.send("dee", "JOIN #room", "PART #room :bye")

    # Messages of every kind, a multiline batch, TAGMSG, NOTICE, direct messages.
    s.send("ana", "PRIVMSG #room :hello room", "NOTICE #room :a notice")
    s.send("bo", "@+typing=active TAGMSG #room", "@+draft/reply=x PRIVMSG #room :hi ana")
    s.send("cy", "PRIVMSG ana :a private word", "PRIVMSG bo,ana :to you both")
    s.send(
        "ana",
        "BATCH +ml draft/multiline #room",
        "@batch=ml PRIVMSG #room :first line",
        "@batch=ml;draft/multiline-concat PRIVMSG #room :, same line",
        "@batch=ml PRIVMSG #room :second line",
        "BATCH -ml",
    )
    s.send("dee", "@label=l1 PRIVMSG #side :labelled", "PRIVMSG #side :\x01ACTION waves\x01")

    # Nicks, away, setname, monitor, metadata, read markers.
    s.send("cy", "NICK cyrus", "AWAY :lunch")
    s.send("dee", "MONITOR + ana,bo,cyrus,nobody,zed", "MONITOR L", "MONITOR S")
    s.send("ana", "METADATA * SET color :#ff00af", "METADATA * SUB color display-name")
    s.send("bo", "METADATA #room SET color :#00d700", "SETNAME :Bo Renamed")
    s.send("bo", "METADATA * SUB color", "METADATA ana GET color", "METADATA * SUBS")
    s.send("ana", "MARKREAD #room timestamp=2026-01-01T00:00:05.000Z", "MARKREAD #room")
    s.send("cy", "AWAY", "NICK cy")

    # Queries.
    s.send("dee", "WHO #room", "WHO bo %tcuhnfar,42", "WHOIS ana", "WHOIS cy cy")
    s.send("dee", "NAMES #room", "LIST", "LIST >0", "WHOWAS cyrus", "ISON ana cy nobody")
    s.send("dee", "USERHOST ana bo", "MODE #room", "MODE #room b", "LUSERS", "TIME")

    # History.
    s.send("bo", "CHATHISTORY LATEST #room * 20", "CHATHISTORY LATEST ana * 5")
    s.send(
        "ana",
        "CHATHISTORY TARGETS timestamp=2025-01-01T00:00:00Z timestamp=2027-01-01T00:00:00.000Z 9",
    )
    s.send("ana", "CHATHISTORY BEFORE #room timestamp=2027-01-01T00:00:00.000Z 3")

    # SASL: PLAIN and SCRAM on new connections of the same accounts.
    s.connect("ana2")
    s.send("ana2", "CAP LS 302", "CAP REQ :" + CAPS, "NICK ana_", "USER a 0 * :A")
    s.send("ana2", "AUTHENTICATE PLAIN", "AUTHENTICATE " + b64("\0ana\0ana password one"))
    s.send("ana2", "CAP END")
    s.connect("bo2")
    s.send("bo2", "CAP LS 302", "CAP REQ :" + CAPS, "NICK bo_", "USER b 0 * :B")
    s.scram("bo2", "bo", "bo-password-two")
    s.send("bo2", "CAP END", "JOIN #room")

    # NickServ and ChanServ.
    s.send("ana", "PRIVMSG NickServ :INFO", "PRIVMSG NickServ :SET ALWAYS-ON ON")
    s.send("ana", "PRIVMSG NickServ :SET AWAY-MESSAGE gone fishing")
    s.send("ana", "PRIVMSG ChanServ :REGISTER #room", "PRIVMSG ChanServ :AMODE #room +v bo")
    s.send("ana", "PRIVMSG ChanServ :INFO #room", "PRIVMSG ChanServ :AMODE #room")
    s.send("bo", "PRIVMSG ChanServ :OP #room", "PRIVMSG NickServ :INFO ana")
    s.send("cy", "PRIVMSG NickServ :REGISTER cy-password-three", "PRIVMSG NickServ :INFO")

    # Always-on: ana's sessions go; she stays, away; people talk; she comes back.
    s.send("ana2", "QUIT :phone off")
    s.h.core.connection_lost(s.clients["ana"].session)
    s.collect()
    s.tick(30)
    s.send("bo", "PRIVMSG #room :while ana was away", "PRIVMSG ana :see this later")
    s.send("dee", "WHOIS ana", "PRIVMSG ana :hello?")
    s.tick(30)
    s.connect("ana3")
    s.send("ana3", "CAP LS 302", "CAP REQ :" + CAPS, "NICK ana", "USER a 0 * :A")
    s.send("ana3", "AUTHENTICATE PLAIN", "AUTHENTICATE " + b64("\0ana\0ana password one"))
    s.send("ana3", "CAP END", "CHATHISTORY LATEST #room * 5")

    # Nick protection: someone takes a registered nick without logging in.
    s.send("dee", "NICK cy_")
    s.send("cy", "QUIT :later")
    s.send("dee", "NICK cy")
    s.tick(120)
    s.tick(120)

    # Leaving.
    s.send("bo2", "PART #room :bye for now", "QUIT")
    s.send("dee", "QUIT :good night")
    s.tick(300)


def run(kind: str) -> dict[str, object]:
    """Run the workload with ``kind`` of sources (``seeded``: :class:`SeededSources` over a
    wall clock that moves with the harness's; ``system``: the real clock and randomness)
    current from before the core is made; the transcripts and the digest."""
    wall = Clock()
    chosen: Sources = (
        SeededSources(SEED, lambda: EPOCH + wall.now) if kind == "seeded" else SystemSources()
    )
    with sources.using(chosen):
        s = Script(Harness(), wall)
        workload(s)
        s.collect()
        return {"transcripts": s.transcripts, "digest": describe(s.h.core.deps)}


def main(argv: list[str]) -> None:
    """Entry point of the subprocesses: ``seeded|system PAD``."""
    kind, pad = argv
    # Kept alive, so that later objects of every small size (users, sessions, channels...)
    # sit elsewhere in their allocator pools: id() and object hashes change with PAD.
    padding = [tuple(range(size)) for size in range(1, 64) for _ in range(int(pad))]
    json.dump(run(kind), sys.stdout, sort_keys=True)
    del padding


if __name__ == "__main__":
    main(sys.argv[1:])

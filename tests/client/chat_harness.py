"""A chat model on a real client core, fed server lines: what the client model's tests share.

:class:`Chat` registers a :class:`ClientProtocol` with server bytes, passes every event it
reports to :meth:`ChatModel.handle`, types lines with :meth:`ChatModel.submit` and reads what
the core would write to the server from :meth:`ClientProtocol.data_to_send`. No network, no
sleeps. The helpers below bring it to the usual places (online, in #lobby, logged in).
"""

from __future__ import annotations

from datetime import UTC, datetime

from chinwag.client import events as ev
from chinwag.client.chat import ChatModel
from chinwag.client.protocol import ClientProtocol
from chinwag.client.values import (
    Changes,
    Conversation,
    Line,
)
from chinwag.protocol.casemap import Folded, fold

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
CAPS = (
    "server-time echo-message draft/metadata-2 away-notify batch labeled-response "
    "message-tags multi-prefix"
)
ANA = ":ana!~ana@127.0.0.1"
BO = ":bo!~bo@h1"
CY = ":cy!~cy@h2"


class Chat:
    """A ChatModel on a ClientProtocol, fed server lines; a fake monotonic clock."""

    def __init__(
        self,
        nick: str = "ana",
        *,
        caps: str = CAPS,
        scrollback: int = 2000,
        help_overlay: bool = False,
        rooms: tuple[str, ...] = (),
    ) -> None:
        self.nick = nick
        self.caps = caps
        self.monotonic = 1000.0
        self.proto = ClientProtocol(nick, rooms=rooms, clock=lambda: NOW)
        self.model = ChatModel(
            self.proto,
            scrollback=scrollback,
            clock=lambda: self.monotonic,
            help_overlay=help_overlay,
        )

    # -- driving ---------------------------------------------------------------------------

    def feed(self, *lines: str) -> Changes:
        """The server sends ``lines``; every event goes to the model."""
        events = self.proto.receive("".join(line + "\r\n" for line in lines).encode())
        return self.deliver(events + self.proto.take_events())

    def deliver(self, events: list[ev.Event]) -> Changes:
        changes = Changes()
        for event in events:
            changes.merge(self.model.handle(event))
        return changes

    def type(self, text: str) -> Changes:
        """The person types ``text`` and presses Enter."""
        changes = self.model.submit(text)
        changes.merge(self.deliver(self.proto.take_events()))
        return changes

    def sent(self) -> list[str]:
        """The lines the core queued for the server since the last call."""
        return self.proto.data_to_send().decode().split("\r\n")[:-1]

    def connect(self) -> Changes:
        """A fresh connection: CAP, the welcome burst, the end of the MOTD."""
        self.proto.register()
        changes = self.feed(f":irc.test CAP * LS :{self.caps}")
        for line in self.sent():
            if line.startswith("CAP REQ"):
                wanted = line.split(" ", 2)[2].lstrip(":")
                changes.merge(self.feed(f":irc.test CAP * ACK :{wanted}"))
        n = self.nick
        changes.merge(
            self.feed(
                f":irc.test 001 {n} :Welcome to the TestNet IRC Network {n}",
                f":irc.test 002 {n} :Your host is irc.test",
                f":irc.test 003 {n} :This server was created today",
                f":irc.test 004 {n} irc.test chinwag-0.1 Bio biklmnst bkl",
                f":irc.test 005 {n} PREFIX=(ov)@+ CHANTYPES=# NETWORK=TestNet NICKLEN=30 "
                ":are supported by this server",
                f":irc.test 376 {n} :End of /MOTD command.",
            )
        )
        return changes

    def join(self, room: str, names: str = "ana", topic: str | None = None) -> Changes:
        """The server's answer to our JOIN of ``room``: the echo, the topic, the names."""
        lines = [f"{ANA} JOIN {room}"]
        if topic is not None:
            lines.append(f":irc.test 332 ana {room} :{topic}")
        lines += [f":irc.test 353 ana = {room} :{names}", f":irc.test 366 ana {room} :End"]
        return self.feed(*lines)

    # -- reading ---------------------------------------------------------------------------

    def conv(self, name: str) -> Conversation:
        return self.model.conversations[fold(name)]

    def lines(self, name: str) -> list[Line]:
        return list(self.conv(name).lines)

    def texts(self, name: str) -> list[str]:
        return [line.text for line in self.conv(name).lines]

    def last(self, name: str) -> Line:
        return self.conv(name).lines[-1]

    @property
    def current(self) -> Folded:
        return self.model.current


def online(nick: str = "ana", **options: object) -> Chat:
    chat = Chat(nick, **options)  # type: ignore[arg-type]
    chat.connect()
    chat.sent()
    return chat


def in_lobby(names: str = "@bo ana +cy", topic: str | None = None, **options: object) -> Chat:
    """Registered and in #lobby (on screen), its automatic WHO answered and drained."""
    chat = online(**options)  # type: ignore[arg-type]
    chat.join("#lobby", names, topic)
    chat.sent()
    chat.feed(":irc.test 315 ana #lobby :End of /WHO list.")
    return chat


def in_lobby_and_games() -> Chat:
    chat = in_lobby()
    chat.join("#games", "ana dee")
    chat.sent()
    chat.feed(":irc.test 315 ana #games :End of /WHO list.")
    return chat


def is_safe(text: str | None) -> bool:
    """No C0 control, DEL or C1 control character."""
    return text is None or not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in text)


# -- accounts ------------------------------------------------------------------------------

ACCOUNT_CAPS = CAPS + " sasl=PLAIN draft/account-registration standard-replies"
PASSWORD = "correct horse"


def no_line_holds(chat: Chat, secret: str) -> bool:
    """No line of any conversation shows ``secret``."""
    return all(
        secret not in line.text for c in chat.model.conversations.values() for line in c.lines
    )


def logged_in(chat: Chat, account: str = "ana") -> Changes:
    return chat.feed(
        f":irc.test 900 {chat.proto.nick} {chat.proto.nick}!~ana@h {account} :You are now "
        f"logged in as {account}",
        f":irc.test 903 {chat.proto.nick} :SASL authentication successful",
    )


# -- history -------------------------------------------------------------------------------

HISTORY_CAPS = CAPS + " draft/chathistory draft/read-marker"


def history_label(chat: Chat) -> str:
    """The label of the CHATHISTORY request just sent."""
    [request] = [line for line in chat.sent() if "CHATHISTORY" in line]
    return request.split(" ", 1)[0].removeprefix("@label=")


def games_history(chat: Chat, marker: str) -> Changes:
    """We join #games (not on screen); its read marker and its history arrive."""
    chat.feed(f"{ANA} JOIN #games", f":irc.test MARKREAD #games {marker}")
    label = history_label(chat)
    return chat.feed(
        ":irc.test 353 ana = #games :ana dee",
        ":irc.test 366 ana #games :End",
        f"@label={label} :irc.test BATCH +h chathistory #games",
        "@batch=h;time=2024-05-01T11:00:00.000Z;msgid=g1 :cy!~cy@h2 PRIVMSG #games :old",
        "@batch=h;time=2024-05-01T11:45:00.000Z;msgid=g2 :dee!~dee@h4 PRIVMSG #games :new one",
        "@batch=h;time=2024-05-01T11:50:00.000Z;msgid=g3 :ana!~ana@h PRIVMSG #games :mine",
        "@batch=h;time=2024-05-01T11:55:00.000Z;msgid=g4 :dee!~dee@h4 PRIVMSG #games :ana?",
        ":irc.test BATCH -h",
    )

"""What must hold whatever a peer sends: the checks both fuzz targets make.

A broken invariant raises :class:`Finding`; the fuzzer reports it as a crash and keeps the
input. The limits are those of Modern IRC ("Message format": 512 bytes after the tags, CR LF
included) and IRCv3 message-tags ("Size limit": 8191 bytes of tags, ``@`` and space included).
"""

from __future__ import annotations

from chinwag.protocol.casemap import fold
from chinwag.protocol.errors import ProtocolError
from chinwag.protocol.framing import MAX_BODY_BYTES, MAX_TAG_BYTES
from chinwag.protocol.message import Message, parse
from chinwag.server.state import Network


class Finding(AssertionError):  # noqa: N818
    """An invariant that did not hold: a bug found by the fuzzer."""


def check(condition: bool, what: str) -> None:
    """Raise :class:`Finding` saying ``what`` unless ``condition`` holds."""
    if not condition:
        raise Finding(what)


def check_round_trip(message: Message) -> None:
    """A parsed message serializes to a line that parses back equal (message-tags,
    "Escaping values"; Modern IRC, "Message format")."""
    try:
        line = message.to_line()
    except ValueError as error:
        raise Finding(f"parsed message cannot be serialized: {message!r}: {error}") from error
    check("\r" not in line and "\n" not in line and "\0" not in line, f"bad line {line!r}")
    again = parse(line)
    check(again == message, f"round trip changed {message!r} into {again!r} via {line!r}")


def check_server_line(line: bytes) -> None:
    """One line a server wrote to a client: one CR LF at its end and nowhere else, no NUL,
    within the length limits, valid UTF-8, and a message that parses (its round trip is the
    protocol target's business; here it would only slow the core target down)."""
    check(line.endswith(b"\r\n"), f"line without CR LF: {line!r}")
    body = line[:-2]
    check(b"\r" not in body and b"\n" not in body and b"\0" not in body, f"bad char: {line!r}")
    tags = body.find(b" ") + 1 if body.startswith(b"@") else 0
    check(tags <= MAX_TAG_BYTES, f"tag section of {tags} bytes: {line[:200]!r}")
    check(len(line) - tags <= MAX_BODY_BYTES, f"{len(line) - tags}-byte line: {line!r}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Finding(f"line is not UTF-8: {line!r}") from error
    try:
        parse(text)
    except ProtocolError as error:
        raise Finding(f"server wrote an unparsable line {line!r}: {error}") from error


def check_network(network: Network) -> None:
    """The server's state agrees with itself: indexes match what they index, channels have
    members who know it, users have sessions that point back (an always-on user may have
    none), no session is left closed in the table."""
    for key, user in network.users.items():
        check(key == user.folded == fold(user.nick), f"nick index: {key!r} -> {user.nick!r}")
        check(network.tokens.get(user.token) is user, f"token index misses {user.nick!r}")
        check(bool(user.sessions) or user.always_on is not None, f"{user.nick!r} has no session")
        for session in user.sessions:
            check(session.user is user, f"session {session.id} of {user.nick!r} points elsewhere")
            check(network.sessions.get(session.id) is session, f"session {session.id} not known")
        for folded, channel in user.channels.items():
            check(network.channels.get(folded) is channel, f"{user.nick!r} in a lost channel")
            check(user in channel.members, f"{user.nick!r} lists {channel.name!r}, not a member")
    check(len(network.tokens) == len(network.users), "token index holds users who left")
    for key, channel in network.channels.items():
        check(key == channel.folded == fold(channel.name), f"channel index: {key!r}")
        check(bool(channel.members), f"empty channel {channel.name!r} kept")
        for member in channel.members:
            check(network.users.get(member.folded) is member, f"{member.nick!r} left, still in")
            check(member.channels.get(key) is channel, f"{member.nick!r} lacks {channel.name!r}")
    for session_id, session in network.sessions.items():
        check(session.id == session_id, f"session index {session_id}")
        check(not session.closed, f"closed session {session_id} still in the table")
        owner = session.user
        if owner is not None:
            check(session in owner.sessions, f"session {session_id} not among its user's")
            check(network.users.get(owner.folded) is owner, f"session {session_id}: user gone")

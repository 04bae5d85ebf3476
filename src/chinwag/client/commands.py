"""What a person typed: the first-party client commands of design.md section 6.

:func:`parse_input` turns one line of the input box into a value saying what to do; every
client (terminal, plain mode, GUI) shares it, so a command means the same everywhere.
Commands are recognised only at the start of a line; anything else is a message to the
current conversation. ``//text`` and ``@@text`` send a message that starts with ``/`` or
``@``. Parsing does no I/O and knows nothing of the connection: the chat model decides what
each command does (and whether it makes sense in the current conversation).
"""

from __future__ import annotations

from dataclasses import dataclass

from chinwag.client.negotiation import SECRET_SERVICE_VERBS
from chinwag.protocol.casemap import fold


@dataclass(frozen=True, slots=True)
class Say:
    """Send ``text`` to the current conversation (a plain line, or ``@all <text>``)."""

    text: str
    to_room: bool = False
    """``@all``: the text is for the whole current room, never a direct conversation."""


@dataclass(frozen=True, slots=True)
class DirectMessage:
    """``@<nick> <text>`` / ``/msg <nick> <text>``: one message to that person, sent from
    where the person is (who stays there); with no text, or as ``/query <nick> [text]``
    (``open``), open that conversation and go to it."""

    nick: str
    text: str
    open: bool = False
    """``/query``, or no text: the person asked to go to the conversation."""


@dataclass(frozen=True, slots=True)
class Action:
    """``/me <text>``."""

    text: str


@dataclass(frozen=True, slots=True)
class Help:
    """``@help`` / ``/help``: list the commands."""


@dataclass(frozen=True, slots=True)
class Online:
    """``@online`` / ``/who`` / ``/names``: who is in the room (or online)."""


@dataclass(frozen=True, slots=True)
class Disconnect:
    """``@disconnect`` / ``/quit [reason]`` / ``/exit``: leave the server and the program."""

    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Join:
    """``/join <room> [key]``: enter a room (``#`` is added when missing)."""

    room: str
    key: str | None = None


@dataclass(frozen=True, slots=True)
class Leave:
    """``/leave`` / ``/part [room] [reason]``: leave a room, or close a direct conversation."""

    room: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ListRooms:
    """``/list``: the rooms on the server."""


@dataclass(frozen=True, slots=True)
class ChangeNick:
    """``/nick <nick>``."""

    nick: str


@dataclass(frozen=True, slots=True)
class ChangeColor:
    """``/color <name or #hex>``; with nothing after it, show the current colour and the
    palette. ``/color none`` goes back to the colour derived from the nick."""

    color: str | None


@dataclass(frozen=True, slots=True)
class Topic:
    """``/topic [text]``: show the room's topic, or set it."""

    text: str | None


@dataclass(frozen=True, slots=True)
class Whois:
    """``/whois <nick>``."""

    nick: str


@dataclass(frozen=True, slots=True)
class SetAway:
    """``/away [message]``: away with a message, or back without one."""

    message: str | None


@dataclass(frozen=True, slots=True)
class Account:
    """``/register`` or ``/login [account]`` (``command`` says which); the password is then
    asked for without echo, never typed on the command line."""

    command: str
    account: str | None = None
    """For ``/login``: the account to log in to (default: our nick)."""


@dataclass(frozen=True, slots=True)
class Search:
    """``/search <words> [from:nick] [in:#room]``: search what was said (soju.im/search);
    the results come as numbered rows (:mod:`chinwag.client.search`)."""

    query: str


@dataclass(frozen=True, slots=True)
class Goto:
    """``/goto <n>``: go to search result ``n``, in its conversation with the lines around it."""

    number: int


@dataclass(frozen=True, slots=True)
class Moderate:
    """A moderation command in the current room (Modern IRC "KICK message", "Ban Channel
    Mode", "Channel Membership Prefixes"; the ``m:`` mute and ``a:`` account extbans):
    ``action`` is one of :data:`MODERATION_ACTIONS`, ``target`` a nick (or, for the bans
    and mutes, a mask used as given), ``reason`` the words a kick or ban carries."""

    action: str
    target: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Invite:
    """``/invite <nick> [room]``: invite someone to ``room`` (default: the current room),
    which lets them past ``+i`` (Modern IRC "INVITE message")."""

    nick: str
    room: str | None = None


@dataclass(frozen=True, slots=True)
class SetMode:
    """``/mode [room] <modes> [params]``: a MODE line as typed, for the current room when it
    names none (``room`` None)."""

    room: str | None
    modes: str


@dataclass(frozen=True, slots=True)
class Unknown:
    """A ``/word`` that is no command: tell the person, send nothing."""

    command: str


@dataclass(frozen=True, slots=True)
class Usage:
    """A command given the wrong arguments: show ``text``."""

    text: str


Input = (
    Say
    | DirectMessage
    | Action
    | Help
    | Online
    | Disconnect
    | Join
    | Leave
    | ListRooms
    | ChangeNick
    | ChangeColor
    | Topic
    | Whois
    | SetAway
    | Account
    | Search
    | Goto
    | Moderate
    | Invite
    | SetMode
    | Unknown
    | Usage
    | None
)
"""What one input line asks for; ``None`` for a blank line (do nothing)."""


@dataclass(frozen=True, slots=True)
class CommandHelp:
    """One row of the ``@help`` table: how to type it and what it does."""

    usage: str
    does: str


HELP: tuple[CommandHelp, ...] = (
    CommandHelp("@help, /help", "list commands"),
    CommandHelp("@online, /who, /names", "who is in the room / online"),
    CommandHelp("@all <text>", "message the whole current room"),
    CommandHelp("@<nick> <text>, /msg <nick> <text>", "one direct message (you stay here)"),
    CommandHelp("@<nick>, /query <nick>", "go to your conversation with that person"),
    CommandHelp("@disconnect, /quit [reason], /exit", "leave the server"),
    CommandHelp("/join <room>, /leave, /part, /list", "rooms"),
    CommandHelp("/me <text>", "an action: * ana waves"),
    CommandHelp("/nick <nick>", "change your nick"),
    CommandHelp("/color <name or #hex>", "change your colour (/color alone lists them)"),
    CommandHelp("/topic [text]", "show or set the room's topic"),
    CommandHelp("/whois <nick>", "about someone"),
    CommandHelp("/away [message]", "mark yourself away, or back"),
    CommandHelp("/search <words> [from:nick], /goto <n>", "search what was said; go to result n"),
    CommandHelp("/register", "make your nick an account (password hidden)"),
    CommandHelp("/login [account]", "log in to your account (password hidden)"),
    CommandHelp("/cert add, /cert list, /cert del <fp>", "client certificates of your account"),
    CommandHelp("/kick, /kickban, /ban, /unban <nick>", "remove or ban someone (or a mask)"),
    CommandHelp("/mute, /unmute, /voice, /devoice", "stop someone speaking, or let them"),
    CommandHelp("/op, /deop, /invite, /mode", "ops, invitations, the room's modes"),
)
"""The table of design.md section 6, in its order, as ``@help`` shows it."""

HELP_FOOTER = "Anything else is a message to the current conversation; //text sends /text."

COMMAND_NAMES: tuple[str, ...] = (
    "@help",
    "@online",
    "@all",
    "@disconnect",
    "/help",
    "/who",
    "/names",
    "/msg",
    "/query",
    "/quit",
    "/exit",
    "/join",
    "/leave",
    "/part",
    "/list",
    "/me",
    "/nick",
    "/color",
    "/topic",
    "/whois",
    "/away",
    "/search",
    "/goto",
    "/register",
    "/login",
    "/cert",
    "/kick",
    "/kickban",
    "/ban",
    "/unban",
    "/mute",
    "/unmute",
    "/op",
    "/deop",
    "/voice",
    "/devoice",
    "/invite",
    "/mode",
)
"""Every command word, for tab completion."""


def parse_input(line: str) -> Input:
    """What ``line`` (one line of the input box, without its newline) asks for.

    Only the start of the line is looked at: ``/join`` is a command, ``hi /join`` a message.
    Trailing whitespace is dropped from commands; a message keeps its text as typed.
    """
    if not line.strip():
        return None
    if line.startswith(("//", "@@")):
        return Say(line[1:])
    if line.startswith("/"):
        return _slash(line[1:])
    if line.startswith("@") and len(line) > 1 and not line[1].isspace():
        return _at(line[1:])
    return Say(line)


def _split(rest: str) -> tuple[str, str]:
    """``"word  the rest "`` -> ``("word", "the rest")``."""
    word, _, tail = rest.strip().partition(" ")
    return word, tail.strip()


def _at(rest: str) -> Input:
    word, tail = _split(rest)
    name = word.lower()
    if name == "help":
        return Help()
    if name == "online":
        return Online()
    if name == "disconnect":
        return Disconnect(tail or None)
    if name == "all":
        return Say(tail, to_room=True) if tail else Usage("@all <text>: message the whole room")
    return DirectMessage(word, rest.strip().partition(" ")[2].lstrip())


def _slash(rest: str) -> Input:
    word, tail = _split(rest)
    name = word.lower()
    simple: dict[str, Input] = {
        "help": Help(),
        "who": Online(),
        "names": Online(),
        "list": ListRooms(),
    }
    if name in simple:
        return simple[name]
    if name in ("quit", "exit"):
        return Disconnect(tail or None)
    if name == "msg":
        nick, text = _split(tail)
        if not nick:
            return Usage("/msg <nick> <text>: a direct message")
        return DirectMessage(nick, tail.partition(" ")[2].lstrip())
    if name == "query":
        nick, _ = _split(tail)
        if not nick:
            return Usage("/query <nick> [text]: go to your conversation with that person")
        return DirectMessage(nick, tail.partition(" ")[2].lstrip(), open=True)
    if name == "me":
        # An action keeps its text as typed, leading spaces aside.
        text = rest.partition(" ")[2].lstrip() if " " in rest else ""
        return Action(text) if text.strip() else Usage("/me <text>: an action")
    if name == "join":
        room, key = _split(tail)
        if not room:
            return Usage("/join <room>: enter a room, e.g. /join #games")
        return Join(room, key.split(" ")[0] if key else None)
    if name in ("leave", "part"):
        first, more = _split(tail)
        if first[:1] in ("#", "&"):
            return Leave(first, more or None)
        return Leave(None, tail or None)
    if name == "nick":
        nick, extra = _split(tail)
        if not nick or extra:
            return Usage("/nick <nick>: change your nick (one word)")
        return ChangeNick(nick)
    if name == "color":
        return ChangeColor(tail or None)
    if name == "topic":
        text = rest.partition(" ")[2].strip() if " " in rest else ""
        return Topic(text or None)
    if name == "whois":
        nick, _ = _split(tail)
        return Whois(nick) if nick else Usage("/whois <nick>: about someone")
    if name == "away":
        return SetAway(tail or None)
    if name == "register":
        if tail:
            return Usage("/register alone: your nick becomes the account, the password is asked")
        return Account(name)
    if name == "login":
        account, extra = _split(tail)
        if extra:
            return Usage("/login [account]: the password is asked for, without echo")
        return Account(name, account or None)
    if name == "cert":
        return _cert(tail)
    if name == "search":
        return Search(tail) if tail else Usage("/search <words> [from:nick] [in:#room]")
    if name == "goto":
        if not (tail.isascii() and tail.isdigit()):
            return Usage("/goto <n>: go to search result n")
        return Goto(int(tail))
    if name in MODERATION_ACTIONS:
        return _moderate(name, tail)
    if name == "invite":
        nick, room = _split(tail)
        if not nick or " " in room:
            return Usage("/invite <nick> [room]: invite someone to this room or to room")
        return Invite(nick, room or None)
    if name == "mode":
        first, more = _split(tail)
        if first[:1] in ("#", "&"):
            return SetMode(first, more) if more else Usage(MODE_USAGE)
        return SetMode(None, tail) if tail else Usage(MODE_USAGE)
    return Unknown("/" + word)


MODERATION_ACTIONS: dict[str, str] = {
    "kick": "/kick <nick> [reason]: remove someone from this room",
    "kickban": "/kickban <nick> [reason]: ban someone from this room and remove them",
    "ban": "/ban <nick or mask>: keep someone out of this room (by account if logged in)",
    "unban": "/unban <nick or mask>: lift a ban in this room",
    "mute": "/mute <nick or mask>: stop someone speaking in this room",
    "unmute": "/unmute <nick or mask>: let someone speak again",
    "op": "/op <nick>: make someone an operator of this room",
    "deop": "/deop <nick>: take someone's operator status",
    "voice": "/voice <nick>: let someone speak when the room is moderated (+m)",
    "devoice": "/devoice <nick>: take someone's voice",
}
"""The moderation commands (:class:`Moderate`) and their usage lines."""

WITH_REASON = frozenset({"kick", "kickban"})
"""The moderation commands whose words after the target are a reason (the kick carries it;
a ban is a mode, which has none)."""

MODE_USAGE = "/mode [room] <modes> [params]: e.g. /mode +m, /mode #room +b"


def _moderate(name: str, tail: str) -> Input:
    """``/kick bo being rude`` and the like: the target, then a reason where one fits."""
    target, reason = _split(tail)
    if not target or (reason and name not in WITH_REASON):
        return Usage(MODERATION_ACTIONS[name])
    return Moderate(name, target, reason or None)


CERT_USAGE = (
    "/cert add (the certificate you connected with, see --cert), /cert list, /cert del <fp>"
)


def _cert(tail: str) -> Input:
    """``/cert add|list|del <fp>``: NickServ's ``CERT`` (the client certificates that log in
    to our account by SASL EXTERNAL), sent as a message to NickServ so its answers show as
    any of its answers do."""
    verb, rest = _split(tail)
    verb = verb.upper()
    if verb in ("ADD", "LIST") and not rest:
        return DirectMessage("NickServ", f"CERT {verb}")
    if verb in ("DEL", "DELETE") and rest and " " not in rest:
        return DirectMessage("NickServ", f"CERT DEL {rest}")
    return Usage(CERT_USAGE)


def is_secret(line: str) -> bool:
    """Whether ``line`` may hold a password, so it is kept out of the input history:
    ``/login`` and ``/register`` (even mistyped with a password after them), and messages to
    NickServ that carry one (``/msg NickServ IDENTIFY ...``)."""
    stripped = line.strip()
    word = stripped.split(" ", 1)[0].lower()
    if word in ("/login", "/register"):
        return True
    request = parse_input(line)
    if isinstance(request, DirectMessage) and fold(request.nick) == fold("NickServ"):
        words = request.text.upper().split()
        return bool(words) and (
            words[0] in SECRET_SERVICE_VERBS or words[:2] == ["SET", "PASSWORD"]
        )
    return False

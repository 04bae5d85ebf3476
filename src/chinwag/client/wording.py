"""The server's replies in words a person understands, defined once for every client.

A server speaks to other programs: ``433 * bob :Nickname is already in use``,
``ERROR :Server shutting down``. The chat model (:mod:`chinwag.client.chat`) and the login
form (:mod:`chinwag.client.login`) show what this module makes of them instead, and keep
the raw text for the server conversation, where someone curious can still read it.

Each numeric we know is a row of :data:`REPLIES`: a function from the reply's parameters
(after our own nick) to a sentence, or to None when the reply is no news (the welcome
burst, which :class:`~chinwag.client.events.Registered` already says in words). Unknown
numerics keep the server's own text. The names and meanings of the numerics are those of
Modern IRC, https://modern.ircdocs.horse/#numerics.

Nothing here cleans: the callers pass the results through
:func:`chinwag.client.text.clean` (or the window's own filter) before they are shown, as
they do for every string from the network.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from chinwag.protocol import numerics as n

ERR_NICKCOLLISION = "436"
"""A nick taken on another server of the network (Modern IRC); ours has no constant for it."""

NICK_RULE = "a nick is one word of letters, digits and -_[]{}\\|^, not starting with a digit"
"""What makes a nick, said to someone whose nick the server refused (ERR_ERRONEUSNICKNAME)."""

Sentence = Callable[[Sequence[str]], str | None]
"""Makes the words for one reply from its parameters after our nick (the last is the text)."""


def _first(params: Sequence[str]) -> str:
    """The reply's subject (a nick, a room, a command): its first parameter after ours."""
    return params[0] if len(params) > 1 else "?"


def _silent(params: Sequence[str]) -> str | None:
    return None


REPLIES: Mapping[str, Sentence] = {
    # The welcome burst (RPL_WELCOME to RPL_MYINFO): Registered says "Welcome to …" itself.
    n.RPL_WELCOME: _silent,
    n.RPL_YOURHOST: _silent,
    n.RPL_CREATED: _silent,
    n.RPL_MYINFO: _silent,
    n.ERR_NOSUCHNICK: lambda p: f"{_first(p)} is not online",
    n.ERR_NOSUCHCHANNEL: lambda p: f"There is no room {_first(p)}",
    n.ERR_CANNOTSENDTOCHAN: lambda p: _not_sent(_first(p), p[-1]),
    n.ERR_TOOMANYCHANNELS: lambda p: f"You are in too many rooms to join {_first(p)}",
    n.ERR_UNKNOWNCOMMAND: lambda p: f"The server does not know the command {_first(p)}",
    n.ERR_NOTONCHANNEL: lambda p: f"You are not in {_first(p)}",
    n.ERR_NEEDMOREPARAMS: lambda p: f"{_first(p)} needs more words after it",
    n.ERR_CHANNELISFULL: lambda p: f"{_first(p)} is full",
    n.ERR_INVITEONLYCHAN: lambda p: f"{_first(p)} is invitation only: ask someone in it",
    n.ERR_BANNEDFROMCHAN: lambda p: f"You are banned from {_first(p)}",
    n.ERR_BADCHANNELKEY: lambda p: f"{_first(p)} needs a key: /join {_first(p)} KEY",
    n.ERR_CHANOPRIVSNEEDED: lambda p: (
        f"You are not a channel operator in {_first(p)}: only its operators may do that"
    ),
    n.ERR_USERNOTINCHANNEL: lambda p: f"{_first(p)} is not in {p[1] if len(p) > 2 else '?'}",
    n.ERR_USERONCHANNEL: lambda p: f"{_first(p)} is already in {p[1] if len(p) > 2 else '?'}",
    n.RPL_INVITING: lambda p: (
        f"You invited {_first(p)} to {p[1]}" if len(p) > 1 else f"You invited {_first(p)}"
    ),
    n.ERR_BANLISTFULL: lambda p: f"The ban list of {_first(p)} is full",
}
"""Sentences for the numerics a person may meet, by code."""


_REFUSALS: Sequence[tuple[str, str]] = (
    ("muted", "You are muted in {room}: your message was not sent"),
    ("banned", "You are banned from {room}: your message was not sent"),
    ("+m", "{room} is moderated (+m): you need voice to speak there"),
    ("no external", "You are not in {room} (+n: only its members may write to it)"),
    ("not a member", "You are not in {room}: your message was not sent"),
    ("ctcp", "{room} takes no CTCP (+C): not sent"),
    ("+r", "{room} is for people logged in to an account (+R): /login first"),
)
"""The reasons a server gives with ERR_CANNOTSENDTOCHAN (lower case, found anywhere in its
text) and what they mean for the person; the rule named as the server names it."""


def _not_sent(room: str, reason: str) -> str:
    """Why a message to ``room`` was refused (ERR_CANNOTSENDTOCHAN), from the server's text."""
    lowered = reason.lower()
    for needle, words in _REFUSALS:
        if needle in lowered:
            return words.format(room=room)
    return f"Your message to {room} was not sent: {reason}"


def reply_words(code: str, params: Sequence[str], text: str) -> str | None:
    """What to tell the person for numeric ``code`` (its ``params`` include our nick first,
    as the server sent them; ``text`` is its trailing text): a sentence, the server's own
    text for a numeric we have no words for, or None when it is no news to them.

    The caller files the raw ``text`` in the server conversation either way.
    """
    sentence = REPLIES.get(code)
    if sentence is None:
        return text
    return sentence(params[1:] or (text,))


def nick_refusal(code: str, nick: str, reason: str) -> str:
    """Why the server refused ``nick`` (ERR_ERRONEUSNICKNAME 432, ERR_NICKNAMEINUSE 433,
    ERR_NONICKNAMEGIVEN 431, ERR_NICKCOLLISION 436), as the login form and the log say it;
    the server's ``reason`` for any other code.

    A nick in use may be the person's own, registered to their account (chinwag protects
    registered nicks), hence the hint about the password.
    """
    if code in (n.ERR_NICKNAMEINUSE, ERR_NICKCOLLISION):
        return f"{nick} is taken; pick another nick, or give the password if it is yours"
    if code == n.ERR_ERRONEUSNICKNAME:
        return f"{nick} cannot be a nick: {NICK_RULE}" if nick and nick != "*" else NICK_RULE
    if code == n.ERR_NONICKNAMEGIVEN:
        return "Type a nick: the name others see you by"
    return f"{nick}: {reason}"


_FAREWELLS: Sequence[tuple[str, str]] = (
    ("server shutting down", "The server is shutting down"),
    ("server restarting", "The server is restarting"),
    ("ping timeout", "The server stopped hearing from us"),
    ("registration timed out", "Logging in took too long"),
    ("sendq exceeded", "We fell too far behind reading the server"),
    ("killed", "An operator removed you from the server"),
    ("banned", "You are banned from this server"),
)
"""Known reasons in an ``ERROR`` (lower case, as found anywhere in it) and their words."""


def server_error_words(text: str) -> str:
    """What the server's ``ERROR :text`` (it closes the connection next; Modern IRC "ERROR
    message") means for the person: a sentence for the reasons we know, else "The server
    closed the connection: " and its text, without the ``Closing Link: host`` preamble."""
    lowered = text.lower()
    if "(quit:" in lowered:
        return "You left the server"  # our own QUIT: its reason is our words, not the server's
    for needle, words in _FAREWELLS:
        if needle in lowered:
            return words
    if lowered.startswith("closing link:"):
        # "Closing Link: 127.0.0.1 (Quit: bye)": the reason in brackets is what matters.
        inside = text.partition("(")[2].rstrip(")")
        if inside:
            return f"The server closed the connection: {inside}"
    return f"The server closed the connection: {text}"

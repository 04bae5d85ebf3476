"""ISUPPORT (``RPL_ISUPPORT``, 005) tokens, built from the limits in force.

Reference: https://modern.ircdocs.horse/#rplisupport-parameters and the IRCv3 tokens
(``UTF8ONLY``, ``BOT``, ``MONITOR``, ``WHOX``; ``ACCOUNTEXTBAN`` with ``EXTBAN`` from
https://ircv3.net/specs/extensions/account-extban; ``CHATHISTORY`` and ``MSGREFTYPES`` from
https://ircv3.net/specs/extensions/chathistory). The server sends these after ``RPL_MYINFO``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from chinwag.protocol import extbans, modes
from chinwag.protocol.casemap import CASEMAPPING, CHANNEL_PREFIXES

TOKENS_PER_LINE = 13
"""At most this many tokens per 005 line, as common servers do."""

TRAILER = "are supported by this server"
"""The last parameter of every 005 line."""

MAX_LINE_BYTES = 512
"""A 005 line, CR LF included, never exceeds this (Modern IRC message length)."""

MSGREFTYPES = "msgid,timestamp"
"""How ``CHATHISTORY`` may name a message, in order of preference (chathistory spec,
"ISUPPORT tokens"). msgid first, as Ergo advertises: a msgid names exactly one message, while
several may share a timestamp, so only msgids page through history without gaps."""


@dataclass(frozen=True, slots=True)
class SupportLimits:
    """The numbers ISUPPORT announces; the server fills them from its configuration."""

    network: str
    nicklen: int
    channellen: int
    topiclen: int
    kicklen: int
    awaylen: int
    userlen: int
    max_channels: int
    max_targets: int
    max_bans: int
    monitor: int
    max_list_modes: int
    chathistory: int
    namelen: int = 128
    """Longest real name in UTF-8 bytes (``NAMELEN``, as InspIRCd and Ergo announce it)."""
    """Most messages one ``CHATHISTORY`` request returns."""


def tokens(limits: SupportLimits) -> list[str]:
    """Every ISUPPORT token, in a stable order."""
    return [
        f"ACCOUNTEXTBAN={extbans.ACCOUNT}",
        f"AWAYLEN={limits.awaylen}",
        f"BOT={modes.BOT_USER_MODE}",
        f"CASEMAPPING={CASEMAPPING}",
        f"CHANLIMIT={CHANNEL_PREFIXES}:{limits.max_channels}",
        f"CHANMODES={modes.CHANMODES_TOKEN}",
        f"CHANNELLEN={limits.channellen}",
        f"CHANTYPES={CHANNEL_PREFIXES}",
        f"CHATHISTORY={limits.chathistory}",
        "ELIST=CMNTU",
        "EXCEPTS=e",
        f"EXTBAN={extbans.EXTBAN_PREFIX},{extbans.TYPES}{modes.MUTE_EXTBAN}",
        "INVEX=I",
        f"KICKLEN={limits.kicklen}",
        f"MAXLIST=b:{limits.max_bans},e:{limits.max_bans},I:{limits.max_bans}",
        f"MAXTARGETS={limits.max_targets}",
        f"MODES={modes.MAX_MODES_PER_COMMAND}",
        f"MONITOR={limits.monitor}",
        f"MSGREFTYPES={MSGREFTYPES}",
        f"NETWORK={limits.network}",
        f"NAMELEN={limits.namelen}",
        f"NICKLEN={limits.nicklen}",
        f"PREFIX={modes.PREFIX_TOKEN}",
        (
            f"TARGMAX=JOIN:,KICK:{limits.max_targets},LIST:,NAMES:1,NOTICE:{limits.max_targets},"
            f"PRIVMSG:{limits.max_targets},TAGMSG:{limits.max_targets},WHOIS:1,MONITOR:"
        ),
        f"STATUSMSG={modes.STATUSMSG}",
        f"TOPICLEN={limits.topiclen}",
        f"USERLEN={limits.userlen}",
        "UTF8ONLY",
        "WHOX",
    ]


def lines(limits: SupportLimits, server_name: str = "") -> Iterator[list[str]]:
    """The tokens grouped for one 005 reply each.

    A line holds at most :data:`TOKENS_PER_LINE` tokens, and no more than fit in
    :data:`MAX_LINE_BYTES` once sent as ``:<server_name> 005 <nick> <tokens> :<TRAILER>``
    to a nick of the full ``NICKLEN``; a long ``NETWORK`` name therefore moves tokens to
    the next line instead of overflowing. The caller sends each group as it comes.
    """
    nick = "x" * limits.nicklen
    budget = MAX_LINE_BYTES - len(f":{server_name} 005 {nick} :{TRAILER}\r\n".encode())
    group: list[str] = []
    size = 0
    for token in tokens(limits):
        cost = len(token.encode()) + 1  # the token and the space before it
        if group and (len(group) >= TOKENS_PER_LINE or size + cost > budget):
            yield group
            group, size = [], 0
        group.append(token)
        size += cost
    if group:
        yield group


_MODERN = "https://modern.ircdocs.horse/#"
_IRCV3 = "https://ircv3.net/specs/extensions/"

TOKEN_SPECS: dict[str, str] = {
    "ACCOUNTEXTBAN": _IRCV3 + "account-extban",
    "AWAYLEN": _MODERN + "awaylen-parameter",
    "BOT": "https://ircv3.net/specs/extensions/bot-mode",
    "CASEMAPPING": _MODERN + "casemapping-parameter",
    "CHANLIMIT": _MODERN + "chanlimit-parameter",
    "CHANMODES": _MODERN + "chanmodes-parameter",
    "CHANNELLEN": _MODERN + "channellen-parameter",
    "CHANTYPES": _MODERN + "chantypes-parameter",
    "CHATHISTORY": _IRCV3 + "chathistory",
    "ELIST": _MODERN + "elist-parameter",
    "EXCEPTS": _MODERN + "excepts-parameter",
    "EXTBAN": _MODERN + "extban-parameter",
    "INVEX": _MODERN + "invex-parameter",
    "KICKLEN": _MODERN + "kicklen-parameter",
    "MAXLIST": _MODERN + "maxlist-parameter",
    "MAXTARGETS": _MODERN + "maxtargets-parameter",
    "MODES": _MODERN + "modes-parameter",
    "MONITOR": "https://ircv3.net/specs/extensions/monitor",
    "MSGREFTYPES": _IRCV3 + "chathistory",
    "NAMELEN": "https://defs.ircdocs.horse/defs/isupport#namelen",
    "NETWORK": _MODERN + "network-parameter",
    "NICKLEN": _MODERN + "nicklen-parameter",
    "PREFIX": _MODERN + "prefix-parameter",
    "STATUSMSG": _MODERN + "statusmsg-parameter",
    "TARGMAX": _MODERN + "targmax-parameter",
    "TOPICLEN": _MODERN + "topiclen-parameter",
    "USERLEN": _MODERN + "userlen-parameter",
    "UTF8ONLY": "https://ircv3.net/specs/extensions/utf8-only",
    "WHOX": "https://ircv3.net/specs/extensions/whox",
}
"""The spec of every token :func:`tokens` sends, by token name (a test checks that each has
one); ``python -m chinwag.server.support_table`` renders them into docs/protocol.md."""


def token_names(limits: SupportLimits) -> list[str]:
    """The names of the tokens :func:`tokens` sends, without their values."""
    return [token.partition("=")[0] for token in tokens(limits)]

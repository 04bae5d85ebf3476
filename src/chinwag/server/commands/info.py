"""Server information: ``MOTD``, ``LUSERS``, ``VERSION``, ``TIME``, ``INFO``, ``HELP``,
``LINKS`` and ``STATS`` (Modern IRC "Server Queries and Commands"), and ``ISUPPORT`` (IRCv3
extended-isupport).

The LUSERS and MOTD replies are shared with the welcome burst
(:mod:`chinwag.server.services.serverinfo`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from chinwag.protocol import numerics as n
from chinwag.protocol.caps import EXTENDED_ISUPPORT
from chinwag.protocol.message import Message
from chinwag.server import sources
from chinwag.server.context import Context
from chinwag.server.dispatch import command
from chinwag.server.helptext import HELP_TEXTS
from chinwag.server.services.serverinfo import send_lusers, send_motd
from chinwag.server.services.welcome import send_isupport


def _other_server(ctx: Context, message: Message) -> bool:
    """Whether the command names a server other than this one (we know no other)."""
    if message.params and message.params[0].lower() != ctx.deps.name.lower():
        ctx.numeric(n.ERR_NOSUCHSERVER, message.params[0], "No such server")
        return True
    return False


@command("MOTD")
def motd(ctx: Context, message: Message) -> None:
    """MOTD [<server>]."""
    if not _other_server(ctx, message):
        send_motd(ctx)


@command("LUSERS")
def lusers(ctx: Context, message: Message) -> None:
    """LUSERS: user and channel counts."""
    send_lusers(ctx)


@command("VERSION")
def version(ctx: Context, message: Message) -> None:
    """VERSION [<server>]: RPL_VERSION then the ISUPPORT lines."""
    if _other_server(ctx, message):
        return
    facts = ctx.deps.facts
    ctx.numeric(n.RPL_VERSION, facts.version, facts.name, "chinwag IRC server")
    send_isupport(ctx)


@command("ISUPPORT", before_registration=True)
def isupport_(ctx: Context, message: Message) -> None:
    """``ISUPPORT``: every RPL_ISUPPORT line, batched as :func:`send_isupport` says
    (https://ircv3.net/specs/extensions/extended-isupport). Before registration only a
    session with draft/extended-isupport may ask; others get ERR_NOTREGISTERED."""
    if ctx.session.user is None and not ctx.session.has(EXTENDED_ISUPPORT):
        ctx.numeric(n.ERR_NOTREGISTERED, "You have not registered")
        return
    send_isupport(ctx)


@command("TIME")
def time_(ctx: Context, message: Message) -> None:
    """TIME [<server>]: the server's local time, as a timestamp and as text."""
    if _other_server(ctx, message):
        return
    now = datetime.fromtimestamp(sources.now(), UTC)
    ctx.numeric(
        n.RPL_TIME,
        ctx.deps.name,
        str(int(now.timestamp())),
        "0",
        now.strftime("%A %B %d %Y -- %H:%M:%S +00:00"),
    )


SERVER_DESCRIPTION = "chinwag IRC server"
"""What RPL_LINKS and INFO say the server is."""


@command("INFO")
def info(ctx: Context, message: Message) -> None:
    """INFO [<server>]: RPL_INFO lines about the software, then RPL_ENDOFINFO."""
    if _other_server(ctx, message):
        return
    facts = ctx.deps.facts
    started = datetime.fromtimestamp(facts.started, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    for line in (
        f"{facts.name} runs {facts.version}, a {SERVER_DESCRIPTION} written in Python.",
        "It follows Modern IRC (https://modern.ircdocs.horse) and the IRCv3 specifications.",
        f"Network: {ctx.deps.config.server.network}",
        f"Started: {started}",
    ):
        ctx.numeric(n.RPL_INFO, line)
    ctx.numeric(n.RPL_ENDOFINFO, "End of INFO list")


def _help(ctx: Context, message: Message) -> None:
    """HELP [<subject>] (Modern IRC "HELP message"): RPL_HELPSTART, RPL_HELPTXT lines and
    RPL_ENDOFHELP; without a subject an index of the commands, an unknown subject
    ERR_HELPNOTFOUND."""
    if not message.params or not message.params[0]:
        subject = "*"
        names = sorted(HELP_TEXTS)
        lines = [
            "** Help System **",
            "",
            "Commands available:",
            *(" ".join(names[i : i + 8]) for i in range(0, len(names), 8)),
            "",
            "Try /HELP <command> for specific help.",
        ]
    else:
        subject = message.params[0].upper()
        text = HELP_TEXTS.get(subject)
        if text is None:
            ctx.numeric(n.ERR_HELPNOTFOUND, message.params[0], "No help available on this topic")
            return
        lines = [f"** The {subject} command **", "", *text]
    ctx.numeric(n.RPL_HELPSTART, subject, lines[0])
    for line in lines[1:]:
        ctx.numeric(n.RPL_HELPTXT, subject, line)
    ctx.numeric(n.RPL_ENDOFHELP, subject, "End of /HELP.")


command("HELP")(_help)
command("HELPOP")(_help)


@command("LINKS")
def links(ctx: Context, message: Message) -> None:
    """LINKS: one server, this one (RPL_LINKS at hop count 0), then RPL_ENDOFLINKS."""
    ctx.numeric(n.RPL_LINKS, "*", ctx.deps.name, f"0 {SERVER_DESCRIPTION}")
    ctx.numeric(n.RPL_ENDOFLINKS, "*", "End of /LINKS list")


@command("STATS", min_params=1)
def stats(ctx: Context, message: Message) -> None:
    """STATS <query> [<server>]: ``u`` the uptime (RPL_STATSUPTIME), ``m`` how often each
    command was received (RPL_STATSCOMMANDS); every query, known or not, ends with
    RPL_ENDOFSTATS."""
    if len(message.params) > 1 and message.params[1].lower() != ctx.deps.name.lower():
        ctx.numeric(n.ERR_NOSUCHSERVER, message.params[1], "No such server")
        return
    query = message.params[0]
    letter = query[:1]
    if letter == "u":
        seconds = max(0, int(sources.now() - ctx.deps.facts.started))
        days, rest = divmod(seconds, 86400)
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        ctx.numeric(n.RPL_STATSUPTIME, f"Server Up {days} days {hours}:{minutes:02}:{seconds:02}")
    elif letter == "m":
        for name, count in sorted(ctx.deps.counters.commands.items()):
            ctx.numeric(n.RPL_STATSCOMMANDS, name, str(count))
    ctx.numeric(n.RPL_ENDOFSTATS, letter or "*", "End of /STATS report")

"""Server information: ``MOTD``, ``LUSERS``, ``VERSION``, ``TIME`` (Modern IRC "Server Queries")
and ``ISUPPORT`` (IRCv3 extended-isupport).

The LUSERS and MOTD replies are shared with the welcome burst
(:mod:`chinwag.server.services.serverinfo`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from chinwag.protocol import numerics as n
from chinwag.protocol.caps import EXTENDED_ISUPPORT
from chinwag.protocol.message import Message
from chinwag.server.context import Context
from chinwag.server.dispatch import command
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
    now = datetime.now(UTC)
    ctx.numeric(
        n.RPL_TIME,
        ctx.deps.name,
        str(int(now.timestamp())),
        "0",
        now.strftime("%A %B %d %Y -- %H:%M:%S +00:00"),
    )

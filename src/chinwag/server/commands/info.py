"""Server information: ``MOTD``, ``LUSERS``, ``VERSION``, ``TIME`` (Modern IRC "Server Queries").

The welcome burst reuses :func:`send_lusers` and :func:`send_motd`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from chinwag.protocol import isupport
from chinwag.protocol import numerics as n
from chinwag.protocol.message import Message
from chinwag.server.dispatch import Context, command

LUSERS_CACHE_SECONDS = 1.0
"""How long LUSERS counts that need a pass over every user are reused. Every registration
sends LUSERS; counting 10,000 users for each of a thousand registrations a second was most
of the server's time, and a count a second old is as good to a person."""


def _counts(ctx: Context, fresh: bool) -> tuple[int, int, int]:
    """Invisible users, operators and unregistered connections; unless ``fresh``, counts up
    to a second old are reused."""
    server = ctx.server
    now = server.clock()
    cached = server.lusers_cache
    if not fresh and cached is not None and now - cached[0] < LUSERS_CACHE_SECONDS:
        return cached[1]
    network = ctx.network
    invisible = operators = 0
    for user in network.users.values():
        modes = user.modes
        if "i" in modes:
            invisible += 1
        if "o" in modes:
            operators += 1
    unknown = len(network.sessions) - sum(len(user.sessions) for user in network.users.values())
    counts = (invisible, operators, unknown)
    server.lusers_cache = (now, counts)
    return counts


def send_lusers(ctx: Context, fresh: bool = True) -> None:
    """RPL_LUSERCLIENT .. RPL_GLOBALUSERS for this (single-node) network; the welcome burst
    passes ``fresh=False`` to reuse counts up to a second old."""
    network = ctx.network
    users = len(network.users)
    invisible, operators, unknown = _counts(ctx, fresh)
    peak = ctx.server.max_local_users
    ctx.numeric(
        n.RPL_LUSERCLIENT,
        f"There are {users - invisible} users and {invisible} invisible on 1 servers",
    )
    ctx.numeric(n.RPL_LUSEROP, str(operators), "operator(s) online")
    ctx.numeric(n.RPL_LUSERUNKNOWN, str(unknown), "unknown connection(s)")
    ctx.numeric(n.RPL_LUSERCHANNELS, str(len(network.channels)), "channels formed")
    ctx.numeric(n.RPL_LUSERME, f"I have {users} clients and 0 servers")
    ctx.numeric(n.RPL_LOCALUSERS, str(users), str(peak), f"Current local users {users}, max {peak}")
    ctx.numeric(
        n.RPL_GLOBALUSERS, str(users), str(peak), f"Current global users {users}, max {peak}"
    )


def send_motd(ctx: Context) -> None:
    """RPL_MOTDSTART, one RPL_MOTD per line, RPL_ENDOFMOTD; ERR_NOMOTD when there is none."""
    lines = ctx.server.config.server.motd
    if not lines:
        ctx.numeric(n.ERR_NOMOTD, "MOTD File is missing")
        return
    ctx.numeric(n.RPL_MOTDSTART, f"- {ctx.server.name} Message of the day - ")
    for line in lines:
        ctx.numeric(n.RPL_MOTD, f"- {line}")
    ctx.numeric(n.RPL_ENDOFMOTD, "End of /MOTD command.")


def _other_server(ctx: Context, message: Message) -> bool:
    """Whether the command names a server other than this one (we know no other)."""
    if message.params and message.params[0].lower() != ctx.server.name.lower():
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
    server = ctx.server
    ctx.numeric(n.RPL_VERSION, server.version, server.name, "chinwag IRC server")
    for tokens in server.isupport_lines:
        ctx.numeric(n.RPL_ISUPPORT, *tokens, isupport.TRAILER)


@command("TIME")
def time_(ctx: Context, message: Message) -> None:
    """TIME [<server>]: the server's local time, as a timestamp and as text."""
    if _other_server(ctx, message):
        return
    now = datetime.now(UTC)
    ctx.numeric(
        n.RPL_TIME,
        ctx.server.name,
        str(int(now.timestamp())),
        "0",
        now.strftime("%A %B %d %Y -- %H:%M:%S +00:00"),
    )

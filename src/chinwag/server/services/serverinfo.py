"""What the server says about its users and itself: LUSERS counts and the MOTD.

Modern IRC "LUSERS message" (RPL_LUSERCLIENT .. RPL_GLOBALUSERS) and "MOTD message"; the
welcome burst sends both, so they are shared by :mod:`chinwag.server.commands.info` and
:mod:`chinwag.server.services.welcome`.
"""

from __future__ import annotations

from chinwag.protocol import numerics as n
from chinwag.server.context import Context

LUSERS_CACHE_SECONDS = 1.0
"""How long LUSERS counts that need a pass over every user are reused. Every registration
sends LUSERS; counting 10,000 users for each of a thousand registrations a second was most
of the server's time, and a count a second old is as good to a person."""


def _counts(ctx: Context, fresh: bool) -> tuple[int, int, int]:
    """Invisible users, operators and unregistered connections; unless ``fresh``, counts up
    to a second old are reused."""
    network = ctx.network
    kept = network.counts
    now = ctx.deps.clock()
    if not fresh and now - kept.counted_at < LUSERS_CACHE_SECONDS:
        return kept.counts
    invisible = operators = 0
    for user in network.users.values():
        modes = user.modes
        if "i" in modes:
            invisible += 1
        if "o" in modes:
            operators += 1
    unknown = len(network.sessions) - sum(len(user.sessions) for user in network.users.values())
    kept.counted_at, kept.counts = now, (invisible, operators, unknown)
    return kept.counts


def send_lusers(ctx: Context, fresh: bool = True) -> None:
    """RPL_LUSERCLIENT .. RPL_GLOBALUSERS for this (single-node) network; the welcome burst
    passes ``fresh=False`` to reuse counts up to a second old."""
    network = ctx.network
    users = len(network.users)
    invisible, operators, unknown = _counts(ctx, fresh)
    peak = network.counts.peak
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
    lines = ctx.deps.config.server.motd
    if not lines:
        ctx.numeric(n.ERR_NOMOTD, "MOTD File is missing")
        return
    ctx.numeric(n.RPL_MOTDSTART, f"- {ctx.deps.name} Message of the day - ")
    for line in lines:
        ctx.numeric(n.RPL_MOTD, f"- {line}")
    ctx.numeric(n.RPL_ENDOFMOTD, "End of /MOTD command.")

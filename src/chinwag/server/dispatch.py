"""The command table and the checks every command shares, done once here.

Each handler is registered with :func:`command`, naming its syntax needs: the minimum number
of parameters, whether it may run before registration, whether it needs operator rights.
The dispatcher answers the common mistakes (ERR_NOTREGISTERED, ERR_NEEDMOREPARAMS,
ERR_NOPRIVILEGES, ERR_UNKNOWNCOMMAND) so handlers only do their own work, in the manner of
Ergo's command table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chinwag.protocol import numerics as n
from chinwag.protocol.message import Message
from chinwag.server.context import Context
from chinwag.server.services.multiline import intercept

Handler = Callable[[Context, Message], None]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A registered command: its handler and the checks the dispatcher makes first."""

    name: str
    handler: Handler
    min_params: int
    before_registration: bool
    oper_only: bool


REGISTRY: dict[str, CommandSpec] = {}
"""Every command by name; filled as the command modules are imported
(:func:`chinwag.server.commands.load_all`). The same table serves every core."""


def command(
    name: str, *, min_params: int = 0, before_registration: bool = False, oper_only: bool = False
) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``name``."""

    def register(handler: Handler) -> Handler:
        if name in REGISTRY:
            raise RuntimeError(f"command {name} registered twice")
        REGISTRY[name] = CommandSpec(name, handler, min_params, before_registration, oper_only)
        return handler

    return register


def dispatch(ctx: Context) -> None:
    """Run the shared checks, then the handler; replies are flushed by the caller.

    While the session has a multiline batch open, its lines go to that batch first
    (:func:`chinwag.server.services.multiline.intercept`)."""
    message = ctx.message
    if ctx.session.multiline is not None and intercept(ctx, message):
        return  # a line of an open multiline batch (draft/multiline), collected there
    spec = REGISTRY.get(message.command)
    registered = ctx.session.user is not None
    if spec is None:
        if registered:
            ctx.numeric(n.ERR_UNKNOWNCOMMAND, message.command, "Unknown command")
        else:
            ctx.numeric(n.ERR_NOTREGISTERED, "You have not registered")
        return
    counts = ctx.deps.counters.commands
    counts[spec.name] = counts.get(spec.name, 0) + 1
    if not registered and not spec.before_registration:
        ctx.numeric(n.ERR_NOTREGISTERED, "You have not registered")
        return
    if len(message.params) < spec.min_params:
        ctx.numeric(n.ERR_NEEDMOREPARAMS, message.command, "Not enough parameters")
        return
    if spec.oper_only and not ctx.user.is_oper:
        ctx.numeric(n.ERR_NOPRIVILEGES, "Permission Denied- You're not an IRC operator")
        return
    spec.handler(ctx, message)

"""The command registry and the checks every command shares, done once here.

Each handler is registered with :func:`command`, naming its syntax needs: the minimum number
of parameters, whether it may run before registration, whether it needs operator rights.
The dispatcher answers the common mistakes (ERR_NOTREGISTERED, ERR_NEEDMOREPARAMS,
ERR_NOPRIVILEGES, ERR_UNKNOWNCOMMAND) so handlers only do their own work, in the manner of
Ergo's command table.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from chinwag.protocol import numerics as n
from chinwag.protocol.message import Message
from chinwag.server.replies import ReplyBuffer, safe_param
from chinwag.server.state import Channel, Network, Session, User

if TYPE_CHECKING:
    from chinwag.server.core import ServerCore

log = logging.getLogger(__name__)

Handler = Callable[["Context", Message], None]

T = TypeVar("T")

Pending = tuple[
    Coroutine[Any, Any, Any],
    Callable[["Context", Any], None],
    Callable[["Context", Exception], None] | None,
]
"""Deferred work of a command: the coroutine, what to do with its result, and with its error."""


class Context:
    """What a handler works with: the server, the sending session, and its reply buffer."""

    __slots__ = ("message", "network", "pending", "reply", "server", "session")

    def __init__(self, server: ServerCore, session: Session, message: Message) -> None:
        self.server = server
        self.network: Network = server.network
        self.session = session
        self.message = message
        self.reply = ReplyBuffer(session, server.name, message.tags.get("label"), server.history)
        self.pending: Pending | None = None

    def later(
        self,
        work: Coroutine[Any, Any, T],
        then: Callable[[Context, T], None],
        failed: Callable[[Context, Exception], None] | None = None,
    ) -> None:
        """Finish this command once ``work`` (a store query, a password hash) is done.

        The core runs ``work`` after the handler returns; meanwhile the session's later lines
        wait, so replies keep the order of commands. Then ``then(ctx, result)`` runs with this
        same context (its replies, label and all, are sent together after it), or
        ``failed(ctx, error)`` if the work raised; without ``failed`` the peer gets
        ERR_UNKNOWNERROR. ``then`` may call :meth:`later` again to chain another step.
        """
        if self.pending is not None:
            work.close()
            raise RuntimeError("a command may wait for one piece of work at a time")
        self.pending = (work, then, failed)

    @property
    def user(self) -> User:
        """The registered user behind the session (the dispatcher guarantees there is one)."""
        user = self.session.user
        assert user is not None, "handler allowed before registration used ctx.user"
        return user

    def numeric(self, code: str, *params: str) -> None:
        """Reply with a numeric addressed to the sender."""
        self.reply.numeric(code, *params)

    def fail(self, command: str, code: str, description: str, *context: str) -> None:
        """Reply with an IRCv3 standard reply ``FAIL`` (standard-replies spec)."""
        self._standard_reply("FAIL", command, code, description, context)

    def note(self, command: str, code: str, description: str, *context: str) -> None:
        """Reply with an IRCv3 standard reply ``NOTE``."""
        self._standard_reply("NOTE", command, code, description, context)

    def _standard_reply(
        self, kind: str, command: str, code: str, description: str, context: tuple[str, ...]
    ) -> None:
        # Context often echoes the peer's input; what cannot be a middle parameter shows as *.
        params = (command, code, *(safe_param(item) for item in context), description)
        self.reply.add(Message(kind, params, self.server.name))


def existing_user(ctx: Context, nick: str) -> User | None:
    """The user called ``nick``, or ``None`` after replying ERR_NOSUCHNICK."""
    user = ctx.network.find_user(nick)
    if user is None:
        ctx.numeric(n.ERR_NOSUCHNICK, nick, "No such nick/channel")
    return user


def existing_channel(ctx: Context, name: str) -> Channel | None:
    """The channel called ``name``, or ``None`` after replying ERR_NOSUCHCHANNEL."""
    channel = ctx.network.find_channel(name)
    if channel is None:
        ctx.numeric(n.ERR_NOSUCHCHANNEL, name, "No such channel")
    return channel


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A registered command: its handler and the checks the dispatcher makes first."""

    name: str
    handler: Handler
    min_params: int
    before_registration: bool
    oper_only: bool


REGISTRY: dict[str, CommandSpec] = {}


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
    """Run the shared checks, then the handler; replies are flushed by the caller."""
    message = ctx.message
    spec = REGISTRY.get(message.command)
    registered = ctx.session.user is not None
    if spec is None:
        if registered:
            ctx.numeric(n.ERR_UNKNOWNCOMMAND, message.command, "Unknown command")
        else:
            ctx.numeric(n.ERR_NOTREGISTERED, "You have not registered")
        return
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

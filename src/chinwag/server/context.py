"""What a handler works with: :class:`Context`, one per command received.

A context carries the sending session, the message, the reply buffer for the sender, the
typed dependencies of the core (:class:`~chinwag.server.deps.Deps`) and, when the command
must wait for the store or a password hash, the work it waits for (:meth:`Context.later`).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from chinwag.protocol import numerics as n
from chinwag.protocol.message import Message
from chinwag.server.deps import Deps
from chinwag.server.replies import ReplyBuffer, safe_param
from chinwag.server.state import Channel, Network, Session, User

T = TypeVar("T")

Settle = Callable[[Any, BaseException | None], None]
"""What the end of a command's work changes whether or not its session is still there."""

Pending = tuple[
    Coroutine[Any, Any, Any],
    Callable[["Context", Any], None],
    Callable[["Context", Exception], None] | None,
    Settle | None,
]
"""Deferred work of a command: the coroutine, what to do with its result, and with its
error, and what to settle either way."""


class Context:
    """One command being handled: who sent what, the replies so far, and the dependencies."""

    __slots__ = ("deps", "message", "network", "pending", "reply", "session")

    def __init__(self, deps: Deps, session: Session, message: Message) -> None:
        self.deps = deps
        self.network: Network = deps.network
        self.session = session
        self.message = message
        label = message.tags.get("label")
        self.reply = ReplyBuffer(session, deps.delivery, deps.facts.name, label)
        self.pending: Pending | None = None

    def later(
        self,
        work: Coroutine[Any, Any, T],
        then: Callable[[Context, T], None],
        failed: Callable[[Context, Exception], None] | None = None,
        settle: Settle | None = None,
    ) -> None:
        """Finish this command once ``work`` (a store query, a password hash) is done.

        The core runs ``work`` after the handler returns; meanwhile the session's later lines
        wait, so replies keep the order of commands. Then ``then(ctx, result)`` runs with this
        same context (its replies, label and all, are sent together after it), or
        ``failed(ctx, error)`` if the work raised; without ``failed`` the peer gets
        ERR_UNKNOWNERROR. ``then`` may call :meth:`later` again to chain another step.

        ``work`` only computes and asks the store; it must not change the server's state,
        because in a cluster it runs on one node only (docs/scaling.md "Deferred work").
        What its outcome changes goes in ``then``, or, if it must happen even when the
        session has gone meanwhile (an account created must be known), in
        ``settle(result, error)``, which runs first, on every node, either way.
        """
        if self.pending is not None:
            work.close()
            raise RuntimeError("a command may wait for one piece of work at a time")
        self.pending = (work, then, failed, settle)

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

    def warn(self, command: str, code: str, description: str, *context: str) -> None:
        """Reply with an IRCv3 standard reply ``WARN``: part of the command did not go
        through, the rest did."""
        self._standard_reply("WARN", command, code, description, context)

    def note(self, command: str, code: str, description: str, *context: str) -> None:
        """Reply with an IRCv3 standard reply ``NOTE``."""
        self._standard_reply("NOTE", command, code, description, context)

    def _standard_reply(
        self, kind: str, command: str, code: str, description: str, context: tuple[str, ...]
    ) -> None:
        # Context often echoes the peer's input; what cannot be a middle parameter shows as *.
        params = (command, code, *(safe_param(item) for item in context), description)
        self.reply.add(Message(kind, params, self.deps.name))


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

"""Metadata that other commands share: announcing a change, saving it with the account, and
what a client is sent after registering or joining (IRCv3 ``draft/metadata-2``).

Reference: https://ircv3.net/specs/extensions/metadata. The ``METADATA`` command itself is
:mod:`chinwag.server.commands.metadata`; registration, ``CAP REQ``, ``JOIN`` and logins use
what is here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from chinwag.protocol.caps import METADATA
from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.message import Message
from chinwag.protocol.metadata import VISIBLE_TO_ALL
from chinwag.server.context import Context
from chinwag.server.deps import Deps
from chinwag.server.state import Channel, User

log = logging.getLogger("chinwag.server")


@dataclass(frozen=True, slots=True)
class Target:
    """What a ``METADATA`` command is about: the name shown in replies and where the keys
    live. ``user`` and ``channel`` are both ``None`` before registration (``before-connect``,
    the keys then live on the session)."""

    name: str
    store: dict[str, str]
    user: User | None = None
    channel: Channel | None = None


def metadata_messages(
    server_name: str, name: str, store: dict[str, str], keys: set[str] | None
) -> list[Message]:
    """``METADATA <name> <key> * :<value>`` for each key of ``store`` (only those in
    ``keys`` unless it is ``None``), in key order."""
    return [
        Message("METADATA", (name, key, VISIBLE_TO_ALL, value), server_name)
        for key, value in sorted(store.items())
        if keys is None or key in keys
    ]


def announce(ctx: Context, target: Target, key: str, value: str | None) -> None:
    """Tell every other session that enabled the capability, subscribed to ``key`` and sees
    ``target`` that its ``key`` changed (``value`` ``None``: removed)."""
    if target.channel is not None:
        candidates = target.channel.sessions(exclude=ctx.session)
    elif target.user is not None:
        user = target.user
        candidates = ctx.network.neighbour_sessions(user)
        candidates += [s for s in user.sessions if s is not ctx.session]
    else:
        return  # before registration nobody else can see the session
    params = (target.name, key, VISIBLE_TO_ALL) + (() if value is None else (value,))
    recipients = [s for s in candidates if s.has(METADATA) and key in s.metadata_subs]
    ctx.deps.delivery.deliver(recipients, Message("METADATA", params, ctx.deps.name))


def persist(deps: Deps, account: Folded, key: str, value: str | None) -> None:
    """Save one metadata change of ``account`` (``value`` ``None``: removed) in the
    background; the account registry follows once the store has it."""

    async def write() -> None:
        await deps.store.set_account_metadata(account, key, value)

    def done(_: object, error: BaseException | None) -> None:
        if isinstance(error, Exception):
            log.error("could not save metadata %s of %s: %r", key, account, error)
        elif error is None:
            deps.accounts.set_metadata(account, key, value)

    deps.effects.run(write(), done)


def persist_own(ctx: Context, target: Target, key: str, value: str | None) -> None:
    """A logged-in user's own keys are saved to their account (issue 4, part 5)."""
    user = target.user
    if user is not None and user.account is not None and user is ctx.session.user:
        persist(ctx.deps, fold(user.account), key, value)


def send_own_metadata(ctx: Context) -> None:
    """The sender's own metadata as ``METADATA`` lines in a ``metadata`` batch, sent even
    when empty (after registration, or on enabling the capability)."""
    user = ctx.user
    with ctx.reply.batch("metadata", user.nick):
        for message in metadata_messages(ctx.deps.name, user.nick, user.metadata, None):
            ctx.reply.add(message)


def after_join(ctx: Context, user: User, channel: Channel) -> None:
    """Metadata after ``user`` joined ``channel``: the joiner gets the channel's and the
    members' subscribed keys; members who shared no other channel with the joiner get the
    joiner's."""
    session = ctx.session
    name = ctx.deps.name
    if session.has(METADATA) and session.metadata_subs:
        subs = session.metadata_subs
        messages = metadata_messages(name, channel.name, channel.metadata, subs)
        for member in channel.members:
            messages += metadata_messages(name, member.nick, member.metadata, subs)
        if messages:
            with ctx.reply.batch("metadata", channel.name):
                for message in messages:
                    ctx.reply.add(message)
    if not user.metadata:
        return
    newcomers_to = [
        member
        for member in channel.members
        if member is not user
        and not any(
            member in other.members for other in user.channels.values() if other is not channel
        )
    ]
    sessions = [s for member in newcomers_to for s in member.sessions if s.has(METADATA)]
    delivery = ctx.deps.delivery
    for message in metadata_messages(name, user.nick, user.metadata, None):
        key = message.params[1]
        delivery.deliver([s for s in sessions if key in s.metadata_subs], message)

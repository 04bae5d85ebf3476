"""Metadata that other commands share: announcing a change, saving it with the account, and
what a client is sent after registering, joining or MONITOR-ing (IRCv3 ``draft/metadata-2``
and ``draft/metadata-3``).

References: https://ircv3.net/specs/extensions/metadata (metadata-2) and ircv3-specifications
pull request #613 (metadata-3). Each session is told things in the form of the draft it
negotiated (:mod:`chinwag.server.services.metadata_forms`, the differences being
:class:`chinwag.protocol.metadata.Dialect`). The ``METADATA`` command itself is
:mod:`chinwag.server.commands.metadata`; registration, ``CAP REQ``, ``JOIN``, ``MONITOR`` and
logins use what is here.
"""

from __future__ import annotations

import logging
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.metadata import Dialect
from chinwag.server.context import Context
from chinwag.server.deps import Deps
from chinwag.server.services.metadata_forms import (
    Store,
    channel_stores,
    dialect_of,
    is_metadata_aware,
    monitor_sync,
    store_messages,
    value_message,
)
from chinwag.server.state import Channel, Session, User

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


def announce(ctx: Context, target: Target, key: str, value: str | None) -> None:
    """Tell every other session that enabled metadata, subscribed to ``key`` and sees
    ``target`` that its ``key`` changed (``value`` ``None``: removed), each in its dialect.

    A channel's change reaches its members. A user's reaches those sharing a channel, the
    user's other sessions and, with metadata-3, the sessions MONITORing the user
    (metadata-3 "Notifications")."""
    if target.channel is not None:
        candidates = target.channel.sessions(exclude=ctx.session)
    elif target.user is not None:
        user = target.user
        candidates = ctx.network.neighbour_sessions(user)
        candidates += [s for s in user.sessions if s is not ctx.session]
        seen = set(candidates)
        for watcher in ctx.network.monitors.get(user.folded, ()):
            dialect = dialect_of(watcher)
            if watcher not in seen and watcher is not ctx.session and dialect and dialect.monitor:
                candidates.append(watcher)
    else:
        return  # before registration nobody else can see the session
    name = ctx.deps.name
    delivery = ctx.deps.delivery
    by_message: dict[Dialect, list[Session]] = {}
    for session in candidates:
        dialect = dialect_of(session)
        if dialect is None or key not in session.metadata_subs:
            continue
        if dialect.numeric_notifications:
            # A numeric names its recipient: one line each.
            delivery.send(session, value_message(name, session, dialect, target.name, key, value))
        else:
            by_message.setdefault(dialect, []).append(session)
    for dialect, sessions in by_message.items():
        # The METADATA message is the same for everyone: serialized once.
        delivery.deliver(
            sessions, value_message(name, sessions[0], dialect, target.name, key, value)
        )


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


def reply_batch(
    ctx: Context, param: str, stores: list[Store], keys: AbstractSet[str] | None
) -> None:
    """Reply with a ``metadata`` batch (parameter ``param``, sent even when empty) of the
    keys of ``stores`` (only ``keys`` unless ``None``) in the sender's dialect."""
    dialect = dialect_of(ctx.session)
    if dialect is None:
        return
    messages = store_messages(ctx.deps.name, ctx.session, dialect, stores, keys)
    with ctx.reply.batch("metadata", param):
        for message in messages:
            ctx.reply.add(message)


def send_own_metadata(ctx: Context) -> None:
    """The sender's own metadata in a ``metadata`` batch, sent even when empty (after
    registration, or on enabling the capability): ``METADATA`` lines for metadata-2,
    RPL_KEYVALUE for metadata-3, every key whether subscribed or not."""
    user = ctx.user
    reply_batch(ctx, user.nick, [(user.nick, user.metadata)], None)


def welcome_metadata(ctx: Context, *, before_motd: bool) -> None:
    """The user's own metadata in the registration burst, at the place its dialect wants
    it: metadata-3 before the end of the MOTD ("as part of the registration burst, i.e.
    before RPL_ENDOFMOTD"), metadata-2 after it, as chinwag always did. The welcome burst
    calls this twice, before and after the MOTD."""
    dialect = dialect_of(ctx.session)
    if dialect is not None and dialect.own_metadata_before_motd == before_motd:
        send_own_metadata(ctx)


def after_monitor_online(ctx: Context, user: User) -> None:
    """After the RPL_MONONLINE about ``user`` in a reply to ``MONITOR``: a metadata-3
    session gets ``user``'s subscribed keys in a ``metadata`` batch (metadata-3 "Automatic
    synchronization"); others nothing."""
    for message in monitor_sync(ctx.deps.name, ctx.session, user):
        ctx.reply.add(message)


def after_join(ctx: Context, user: User, channel: Channel) -> None:
    """Metadata after ``user`` joined ``channel``: the joiner gets the channel's and the
    members' subscribed keys (always a batch for metadata-3 with batch, only when there is
    something to say for metadata-2); members who shared no other channel with the joiner
    get the joiner's, each in their dialect."""
    session = ctx.session
    dialect = dialect_of(session)
    if dialect is not None:
        subs = session.metadata_subs
        stores = channel_stores(channel.name, channel.metadata, channel.members)
        always = dialect.sync_every_join and is_metadata_aware(session)
        if always or store_messages(ctx.deps.name, session, dialect, stores, subs):
            reply_batch(ctx, channel.name, stores, subs)
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
    name = ctx.deps.name
    delivery = ctx.deps.delivery
    for member in newcomers_to:
        for other in member.sessions:
            other_dialect = dialect_of(other)
            if other_dialect is None:
                continue
            for key, value in sorted(user.metadata.items()):
                if key in other.metadata_subs:
                    delivery.send(
                        other, value_message(name, other, other_dialect, user.nick, key, value)
                    )

"""Always-on accounts (issue 16, after Ergo's ``always-on`` and ``multiclient``).

A user logged in to an account whose always-on setting is on (:func:`always_on_for`: the
``[accounts] always_on`` mode, then the account's own ``NickServ SET ALWAYS-ON``) does not
quit when its last session ends: it stays in its channels with its nick, shown away
(:meth:`chinwag.server.services.sessions.Sessions.stay`). Such a user without a session is
called a *ghost* here. Only a login to its account reaches it again: a session that logs in
is attached to it (:func:`chinwag.server.services.logins.attach`), shown each channel as a
fresh JOIN would show it (:func:`send_channels`), given what it missed (:func:`replay_missed`:
for a session without ``draft/chathistory``, which fetches its own), with each channel's read
marker in its burst.

Ghosts survive a restart: the ticker and the graceful stop save every always-on user and
the state of every channel one is in (:func:`snapshot`,
:meth:`chinwag.storage.base.Store.save_always_on_users`), and the next start makes those
channels again as they were (modes, key, limit, topic, bans and exceptions: a private room
stays private) and puts the users back in them before it listens (:func:`restore`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

from chinwag.config import AccountSettings
from chinwag.protocol.caps import CHATHISTORY, NO_IMPLICIT_NAMES, READ_MARKER
from chinwag.protocol.casemap import Folded, fold
from chinwag.server import sources
from chinwag.server.context import Context
from chinwag.server.deps import Deps
from chinwag.server.history import identity
from chinwag.server.services.channelburst import join_message, send_names, send_topic
from chinwag.server.services.playback import add_history_batch
from chinwag.server.services.readmarkers import MarkerTarget, marker_message
from chinwag.server.state import Channel, ListEntry, Network, User
from chinwag.server.tags import event_tags
from chinwag.storage.base import (
    Account,
    AlwaysOnUser,
    Bound,
    SavedChannel,
    SavedMask,
    Store,
    StoredMessage,
)

log = logging.getLogger("chinwag.server")

SETTING = "always-on"
"""The account setting (``Account.settings``) of ``NickServ SET ALWAYS-ON``: ``on``/``off``."""

AWAY_SETTING = "away-message"
"""The account setting of ``NickServ SET AWAY-MESSAGE``: the away text while disconnected."""

CHANGEABLE = ("opt-out", "opt-in")
"""The ``[accounts] always_on`` modes in which an account may switch it."""


def always_on_for(settings: AccountSettings, account: Account) -> bool:
    """Whether ``account``'s user stays when its last session ends: never with ``disabled``,
    always with ``mandatory``, else the account's choice, or the mode's default (on for
    ``opt-out``, off for ``opt-in``)."""
    mode = settings.always_on
    if mode == "disabled":
        return False
    if mode == "mandatory":
        return True
    chosen = account.settings.get(SETTING)
    if chosen is None:
        return mode == "opt-out"
    return chosen == "on"


def away_text_for(settings: AccountSettings, account: Account) -> str:
    """The away text ``account``'s user shows while no session is connected."""
    return account.settings.get(AWAY_SETTING) or settings.always_on_away


def refresh(deps: Deps, user: User) -> None:
    """Set :attr:`User.always_on` from ``user``'s account and the configuration (at login,
    after ``SET ALWAYS-ON`` or ``SET AWAY-MESSAGE``, and when the login ends)."""
    account = deps.accounts.get(user.account) if user.account is not None else None
    settings = deps.config.accounts
    on = account is not None and always_on_for(settings, account)
    user.always_on = away_text_for(settings, account) if on and account is not None else None


def account_user(network: Network, account: str) -> User | None:
    """The user logged in to ``account`` (any case) that sessions attach to, if there is
    one: a ghost first (it has no one else), else the first one connected."""
    folded = fold(account)
    found = [
        user
        for user in network.users.values()
        if user.account is not None and fold(user.account) == folded
    ]
    ghosts = [user for user in found if not user.sessions]
    chosen = ghosts or found
    return chosen[0] if chosen else None


def is_ghost(user: User) -> bool:
    """Whether ``user`` is an always-on user with no session connected."""
    return not user.sessions and user.always_on is not None


# -- a session comes back ------------------------------------------------------------------------


def come_back(deps: Deps, user: User) -> float | None:
    """A session reached the ghost ``user`` again: its automatic away ends (one it set
    itself with ``AWAY`` stays), announced as ``AWAY`` to away-notify neighbours. Returns
    when its last session had ended (what it missed is what was said since)."""
    left_at, user.left_at = user.left_at, None
    if user.auto_away:
        user.auto_away = False
        user.away = None
        deps.presence.away_changed(user)
    return left_at


def send_channels(ctx: Context, user: User) -> None:
    """Show the session every channel ``user`` is in as a JOIN of its own would: the JOIN
    (extended-join as its capabilities want), the read marker (draft/read-marker), the
    topic and the names (unless no-implicit-names). Nobody else is told anything: the user
    never left."""
    tags = event_tags(user.account)
    markers = ctx.session.has(READ_MARKER)
    for channel in user.channels.values():
        ctx.reply.add(join_message(user, channel, ctx.session, tags))
        if markers:
            # read-marker spec, "Command flows": after the JOIN, before RPL_ENDOFNAMES.
            target = MarkerTarget(channel.folded, channel.name)
            ctx.reply.add(marker_message(ctx, user, target))
        if channel.topic:
            send_topic(ctx, channel)
        if not ctx.session.has(NO_IMPLICIT_NAMES):
            send_names(ctx, channel)


def replay_missed(ctx: Context, user: User, since: float | None) -> None:
    """After a session came back to ``user``: the messages of each of its channels since
    ``since`` (its last session ended), at most ``[history] replay_lines`` each, for a
    session without ``draft/chathistory`` (which asks for them itself)."""
    channels = list(user.channels.values())
    lines = ctx.deps.config.history.replay_lines
    if since is None or not channels or lines <= 0 or ctx.session.has(CHATHISTORY):
        return
    deps = ctx.deps
    until = sources.now()
    work = _missed(deps.store, channels, identity(user), since, until, lines)
    ctx.later(deps.history.after(work), _send_missed)


async def _missed(
    store: Store,
    channels: list[Channel],
    reader: Folded,
    since: float,
    until: float,
    limit: int,
) -> list[tuple[Channel, list[StoredMessage]]]:
    # Stored times are cut to whole milliseconds (server-time): a line said in the very
    # millisecond the session left may count as missed, never one said after as not.
    after, before = Bound(time=math.floor(since * 1000) / 1000 - 0.0005), Bound(time=until)
    return [
        (
            channel,
            await store.history(
                channel.folded, after=after, before=before, limit=limit, reader=reader
            ),
        )
        for channel in channels
    ]


def _send_missed(ctx: Context, found: list[tuple[Channel, list[StoredMessage]]]) -> None:
    user = ctx.user
    for channel, messages in found:
        if user in channel.members:  # not kicked while the store was asked
            add_history_batch(ctx, channel.name, messages, always=False)


# -- ending ---------------------------------------------------------------------------------------


def remove(deps: Deps, user: User, reason: str) -> None:
    """Make ``user`` an ordinary user again and, if no session is left, quit it (KILL, or
    its account dropped): it leaves its channels with ``QUIT :<reason>``."""
    user.always_on = None
    if not user.sessions and deps.network.users.get(user.folded) is user:
        deps.sessions.quit_user(user, reason)


# -- surviving a restart ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a restart should find again: every always-on user and every channel one of them
    is in (:func:`snapshot`); compared with the last one saved to save only changes."""

    users: tuple[AlwaysOnUser, ...] = ()
    channels: tuple[SavedChannel, ...] = ()


def snapshot(network: Network) -> Snapshot:
    """Every always-on user as a restart should find it again (its own ``AWAY`` kept, the
    automatic one left out: it is set again), and the state of every channel one of them is
    in but a registered one (saved with its registration), each in a stable order."""
    saved = []
    rooms: dict[Folded, Channel] = {}
    for user in network.users.values():
        if user.always_on is None or user.account is None:
            continue
        channels = tuple(
            (channel.name, "".join(sorted(channel.members.get(user, ()))))
            for channel in user.channels.values()
        )
        rooms.update(user.channels)
        away = None if user.auto_away else user.away
        saved.append(
            AlwaysOnUser(
                fold(user.account),
                user.nick,
                user.username,
                user.host,
                user.realname,
                channels,
                away,
                user.left_at,
            )
        )
    saved.sort(key=lambda each: each.account)
    # A registered room is saved with its registration (issue 17): one state per room.
    states = tuple(
        channel_state(rooms[folded])
        for folded in sorted(rooms)
        if rooms[folded].registration is None
    )
    return Snapshot(tuple(saved), states)


def channel_state(channel: Channel) -> SavedChannel:
    """``channel``'s state as a restart should find it (everything but its members and
    pending invitations): its modes with key and limit, topic, list modes, creation time
    and metadata."""
    return SavedChannel(
        channel.name,
        channel.created,
        "".join(sorted(channel.modes)),
        channel.key,
        channel.limit,
        channel.topic,
        channel.topic_by,
        channel.topic_at,
        _masks(channel.bans),
        _masks(channel.excepts),
        _masks(channel.invexes),
        dict(channel.metadata),
    )


def _masks(entries: list[ListEntry]) -> tuple[SavedMask, ...]:
    return tuple(SavedMask(each.mask, each.set_by, each.set_at) for each in entries)


def made_again(saved: SavedChannel) -> Channel:
    """A channel (no members yet) in the state ``saved`` recorded before a restart."""
    channel = Channel(saved.name)
    channel.created = saved.created
    channel.modes = set(saved.modes)
    channel.key, channel.limit = saved.key, saved.limit
    channel.topic, channel.topic_by, channel.topic_at = saved.topic, saved.topic_by, saved.topic_at
    for entries, kept in (
        (channel.bans, saved.bans),
        (channel.excepts, saved.excepts),
        (channel.invexes, saved.invexes),
    ):
        entries.extend(ListEntry(each.mask, each.set_by, each.set_at) for each in kept)
    channel.metadata = dict(saved.metadata)
    return channel


def restore(
    deps: Deps, saved: Sequence[AlwaysOnUser], channels: Sequence[SavedChannel] = ()
) -> list[User]:
    """Put the always-on users saved before a restart back in their channels, as ghosts
    (before the server listens); returns them. Each channel is made again as ``channels``
    has it (one not there starts as a new channel would) before its first member is put in
    it, so it is never open for a moment. One whose account is gone or no longer always-on,
    or whose nick is taken meanwhile, is left out, and a channel none of them is in is not
    made at all."""
    network, settings = deps.network, deps.config.accounts
    states = {state.folded: state for state in channels}
    now = sources.now()
    restored: list[User] = []
    for record in saved:
        account = deps.accounts.get(record.account)
        if account is None or not always_on_for(settings, account):
            continue
        if network.find_user(record.nick) is not None or account_user(network, account.name):
            continue
        user = User(record.nick, record.username, record.host, record.realname)
        user.account, user.account_id = account.name, account.id
        limit = deps.limits.metadata_max_keys
        user.metadata = dict(sorted(account.metadata.items())[:limit])
        refresh(deps, user)
        user.left_at = record.left_at if record.left_at is not None else now
        user.away, user.auto_away = record.away, record.away is None
        if record.away is None:
            user.away = user.always_on
        network.users[user.folded] = user
        network.tokens[user.token] = user
        for name, status in record.channels[: deps.limits.max_channels]:
            channel = network.find_channel(name)
            if channel is None:
                state = states.get(fold(name))
                channel = made_again(state) if state is not None else Channel(name)
                network.channels[channel.folded] = channel
            channel.add_member(user, status)
            user.channels[channel.folded] = channel
            # After the modes: a private channel's history is the ghost's from now on.
            deps.history.joined(channel, user)
        restored.append(user)
    network.counts.peak = max(network.counts.peak, len(network.users))
    if restored:
        log.info("%d always-on user(s) back in their channels", len(restored))
    return restored

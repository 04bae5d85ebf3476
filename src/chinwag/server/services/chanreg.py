"""Registered channels (issue 17, "Moderation": ChanServ ``REGISTER``, after Ergo).

What the commands and the core share about a channel registered with ChanServ
(:mod:`chinwag.server.services.chanserv` is the pseudo-user that registers them):

- the status its founder and access list get when they join (:func:`grant_on_join`), or at
  once when the access list changes (:func:`give_status`), announced as a ``MODE`` from
  ChanServ as Ergo does;
- saving: every registered channel with its state (modes, key, limit, topic, lists,
  metadata) is saved whole (:func:`snapshot`, :meth:`chinwag.storage.base.Store.
  save_registered_channels`): at once by ChanServ's own commands, and by the ticker's
  comparison with the last save (:meth:`chinwag.server.core.ServerCore.save_registered`) for
  changes by MODE, TOPIC or RENAME, so a crash loses at most a tick of those;
- restoring them at start, before the always-on users and before the server listens
  (:func:`restore`): a registered room exists across restarts even when empty;
- an account dropped: the channels it founded are unregistered and it leaves every access
  list (:func:`account_dropped`), as Ergo unregisters a dropped account's channels.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.message import Message
from chinwag.server.deps import Deps
from chinwag.server.services.alwayson import channel_state, made_again
from chinwag.server.services.nicks import CHANSERV_SOURCE
from chinwag.server.state import Channel, ChannelRegistration, Network, Session, User
from chinwag.storage.base import RegisteredChannel

log = logging.getLogger("chinwag.server")


def snapshot(network: Network) -> tuple[RegisteredChannel, ...]:
    """Every registered channel as a restart should find it, by folded name."""
    saved = []
    for folded in sorted(network.channels):
        channel = network.channels[folded]
        registration = channel.registration
        if registration is None:
            continue
        saved.append(
            RegisteredChannel(
                channel_state(channel),
                fold(registration.founder),
                registration.registered_at,
                tuple(sorted(registration.access.items())),
            )
        )
    return tuple(saved)


def restore(deps: Deps, saved: Sequence[RegisteredChannel]) -> list[Channel]:
    """Make every registered channel saved before a restart again, empty, in the state it
    was saved in (at start, before the always-on users come back into their rooms). The
    founder is shown by its account's name; a channel whose founder's account is gone is
    left out."""
    network = deps.network
    made = []
    for record in saved:
        founder = deps.accounts.get(record.founder)
        if founder is None or network.find_channel(record.state.name) is not None:
            continue
        channel = made_again(record.state)
        access = {account: mode for account, mode in record.access if deps.accounts.get(account)}
        channel.registration = ChannelRegistration(founder.name, record.registered_at, access)
        network.channels[channel.folded] = channel
        made.append(channel)
    if made:
        log.info("%d registered channel(s) made again", len(made))
    return made


def give_status(
    deps: Deps, channel: Channel, member: User, status: str, actor: Session | None = None
) -> Message | None:
    """Give ``member`` the status ``status`` (``"o"`` or ``"v"``) in ``channel`` if it does
    not have it, announced to every member as ``MODE <channel> +<status> <nick>`` from
    ChanServ and kept in history as an event; returns that MODE for ``actor`` (the session
    whose command caused it, which gets it as a reply), or ``None`` if nothing changed."""
    return _change_status(deps, channel, member, status, True, actor)


def take_status(
    deps: Deps, channel: Channel, member: User, status: str, actor: Session | None = None
) -> Message | None:
    """Take ``status`` from ``member``, announced as :func:`give_status` announces."""
    return _change_status(deps, channel, member, status, False, actor)


def _change_status(
    deps: Deps, channel: Channel, member: User, status: str, add: bool, actor: Session | None
) -> Message | None:
    if not channel.set_status(member, status, add):
        return None
    sign = "+" if add else "-"
    announcement = Message("MODE", (channel.name, f"{sign}{status}", member.nick), CHANSERV_SOURCE)
    deps.delivery.deliver(channel.sessions(exclude=actor), announcement)
    deps.history.to_channel(channel, announcement, event=True)
    return announcement if actor is not None else None


def grant_on_join(deps: Deps, channel: Channel, user: User, session: Session) -> Message | None:
    """After ``user`` joined ``channel`` from ``session``: the status its account has there
    (the founder and access-list operators ``+o``, voiced ``+v``), announced; the MODE for
    ``session`` is returned for its reply. Nothing for a channel not registered, or a user
    not logged in: a stranger first into an empty registered room gets no status."""
    registration = channel.registration
    if registration is None:
        return None
    status = registration.status_for(user.account)
    if not status:
        return None
    return give_status(deps, channel, user, status, session)


def has_access(channel: Channel, user: User) -> bool:
    """Whether ``user``'s account has a status in ``channel`` (founder or access list):
    such a user joins past ``+i``, ``+k``, ``+l``, ``+R`` and bans, as Ergo lets accounts
    with a persistent mode in, so that a founder is never locked out of their own room."""
    registration = channel.registration
    return registration is not None and bool(registration.status_for(user.account))


def may_see_access(channel: Channel, user: User) -> bool:
    """Whether ``user`` may read ``channel``'s access list (ChanServ ``AMODE`` alone,
    ``INFO``): its founder, its channel operators and server operators, as Ergo lets only
    operators list it."""
    registration = channel.registration
    if registration is None:
        return False
    return is_founder(channel, user) or channel.is_operator(user) or user.is_oper


def is_founder(channel: Channel, user: User) -> bool:
    """Whether ``user`` is logged in to the account that founded ``channel``."""
    registration = channel.registration
    return (
        registration is not None
        and user.account is not None
        and fold(user.account) == fold(registration.founder)
    )


def founded_by(network: Network, account: str) -> list[Channel]:
    """The channels ``account`` (any case) founded."""
    folded = fold(account)
    return [
        channel
        for channel in network.channels.values()
        if channel.registration is not None and fold(channel.registration.founder) == folded
    ]


def unregister(network: Network, channel: Channel) -> None:
    """``channel`` is no longer registered; empty, it ceases to exist."""
    channel.registration = None
    if not channel.members:
        network.channels.pop(channel.folded, None)


def account_dropped(network: Network, account: Folded) -> None:
    """``account`` was dropped: the channels it founded are unregistered (as Ergo does) and
    it leaves every access list, so whoever registers the name next inherits nothing."""
    for channel in list(network.channels.values()):
        registration = channel.registration
        if registration is None:
            continue
        if fold(registration.founder) == account:
            unregister(network, channel)
        else:
            registration.access.pop(account, None)

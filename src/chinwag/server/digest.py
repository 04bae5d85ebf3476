"""A canonical text of a core's state: what every replica must agree on (issue 18).

Nodes that apply the same ordered events to the same :class:`~chinwag.server.core.ServerCore`
must end in the same state; :func:`describe` writes that state out so two nodes (or two
runs) can be compared line by line, and :func:`fingerprint` hashes it for a cheap check.

Covered: sessions (ids, nicks, capabilities, pre-registration state, MONITOR lists, metadata
subscriptions), users (identity, account, modes, away, metadata, channels, sessions,
read markers, nick claims, always-on state), channels (modes, key, limit, topic, members with
their prefixes in join order, list modes, invitations, metadata, registration), the account
registry and pending accounts, server bans, WHOWAS, nick-protection deadlines, nicks held by
registering sessions, and the next session id.

Left out: what each node keeps for its own connections alone (outboxes, fakelag buckets,
held lines, transport callbacks), counters for ``/metrics``, and when the node started (each
node of a cluster has its own uptime). Order is kept where clients
can see it (members in join order, users and channels in creation order, list modes in the
order set, WHOWAS newest first) and sorted where it is a set.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from chinwag.server.deps import Deps
from chinwag.server.state import Channel, ListEntry, Network, Session, User
from chinwag.storage.base import Account

Plain = object
"""What :func:`describe` renders: JSON values (None, bool, int, float, str, lists, dicts with
string keys)."""


def describe(deps: Deps) -> str:
    """The canonical text of the state of the core whose dependencies are ``deps`` (its
    :attr:`~chinwag.server.core.ServerCore.deps`): equal on two replicas exactly when they
    agree. Stable across processes (no ids, no hash order)."""
    network = deps.network
    state: dict[str, Plain] = {
        "next_session_id": deps.sessions.next_id,
        "network": _network(network),
        "sessions": [_session(session) for session in network.sessions.values()],
        "users": [_user(user) for user in network.users.values()],
        "channels": [_channel(channel) for channel in network.channels.values()],
        "accounts": [_account(account) for account in deps.accounts.all()],
        "pending_accounts": [
            {
                "account": _account(pending.account),
                "email": pending.email,
                "code": pending.code,
                "expires": pending.expires,
                "wrong": pending.wrong,
                "address": pending.address,
            }
            for pending in deps.pending_accounts.all()
        ],
        "server_bans": [
            {
                "kind": ban.kind,
                "target": ban.target,
                "reason": ban.reason,
                "set_by": ban.set_by,
                "set_at": ban.set_at,
                "expires_at": ban.expires_at,
            }
            for ban in deps.bans.bans.values()
        ],
        "nick_deadlines": [
            [user.folded, deadline]
            for user, deadline in sorted(
                deps.nick_deadlines.items(), key=lambda item: item[0].folded
            )
        ],
    }
    return json.dumps(state, indent=1, sort_keys=True, ensure_ascii=False, allow_nan=False)


def fingerprint(deps: Deps) -> str:
    """SHA-256 (hex) of :func:`describe`: two nodes agree when their fingerprints do."""
    return hashlib.sha256(describe(deps).encode()).hexdigest()


def _network(network: Network) -> dict[str, Plain]:
    return {
        "monitors": {
            nick: sorted(session.id for session in watchers)
            for nick, watchers in network.monitors.items()
        },
        "pending_nicks": {nick: session.id for nick, session in network.pending_nicks.items()},
        "tokens": {token: user.nick for token, user in network.tokens.items()},
        "whowas": [
            [entry.nick, entry.username, entry.host, entry.realname, entry.server, entry.left_at]
            for entry in network.whowas
        ],
        "peak_users": network.counts.peak,
    }


def _session(session: Session) -> dict[str, Plain]:
    return {
        "id": session.id,
        "ip": session.ip,
        "host": session.host,
        "secure": session.secure,
        "certfp": session.certfp,
        "caps": sorted(session.caps),
        "cap_version": session.cap_version,
        "cap_negotiating": session.cap_negotiating,
        "tag_mask": session.tag_mask,
        "nick": session.nick,
        "username": session.username,
        "realname": session.realname,
        "password_ok": session.password_ok,
        "user": None if session.user is None else session.user.nick,
        "account": session.account,
        "away": session.away,
        "connected_at": session.connected_at,
        "last_message": session.last_message,
        "monitoring": sorted(session.monitoring),
        "metadata": _mapping(session.metadata or {}),
        "metadata_subs": sorted(session.metadata_subs),
        "closed": session.closed,
    }


def _user(user: User) -> dict[str, Plain]:
    return {
        "nick": user.nick,
        "folded": user.folded,
        "username": user.username,
        "host": user.host,
        "realname": user.realname,
        "account": user.account,
        "account_id": user.account_id,
        "token": user.token,
        "modes": sorted(user.modes),
        "away": user.away,
        "auto_away": user.auto_away,
        "always_on": user.always_on,
        "left_at": user.left_at,
        "signon": user.signon,
        "channels": [channel.name for channel in user.channels.values()],
        "sessions": [session.id for session in user.sessions],
        "metadata": _mapping(user.metadata),
        "read_markers": _mapping(user.read_markers or {}),
        "said": list(user.said or ()),
        "nick_claims": _mapping(user.nick_claims or {}),
        "invited_to": sorted(channel.folded for channel in user.invited_to or ()),
        "conversations": sorted(user.conversations or ()),
    }


def _channel(channel: Channel) -> dict[str, Plain]:
    registration = channel.registration
    return {
        "name": channel.name,
        "created": channel.created,
        "topic": [channel.topic, channel.topic_by, channel.topic_at],
        # Join order is what NAMES and WHO show: kept, not sorted.
        "members": [
            [user.nick, sorted(status), channel.prefix_of(user, multi=True)]
            for user, status in channel.members.items()
        ],
        "modes": sorted(channel.modes),
        "key": channel.key,
        "limit": channel.limit,
        "flood": None if channel.flood is None else list(channel.flood),
        "bans": _entries(channel.bans),
        "excepts": _entries(channel.excepts),
        "invexes": _entries(channel.invexes),
        "invited": [
            [key if isinstance(key, str) else "user:" + key.nick, by_operator]
            for key, by_operator in channel.invited.items()
        ],
        "metadata": _mapping(channel.metadata),
        "registration": None
        if registration is None
        else {
            "founder": registration.founder,
            "registered_at": registration.registered_at,
            "access": _mapping(dict(sorted(registration.access.items()))),
        },
    }


def _account(account: Account) -> dict[str, Plain]:
    return {
        "name": account.name,
        "id": account.id,
        "created": account.created,
        "password_hash": account.password_hash,
        "scram": [
            account.scram_salt.hex(),
            account.scram_iterations,
            account.scram_stored_key.hex(),
            account.scram_server_key.hex(),
        ],
        "metadata": _mapping(account.metadata),
        "certfps": list(account.certfps),
        "settings": _mapping(account.settings),
    }


def _entries(entries: Iterable[ListEntry]) -> list[Plain]:
    return [[entry.mask, entry.set_by, entry.set_at] for entry in entries]


def _mapping(mapping: Mapping[Any, Plain]) -> dict[str, Plain]:
    # Dict order here is what clients see (metadata lists) or meaningless; ``sort_keys``
    # renders both canonically, and a value is never a container.
    return dict(mapping.items())

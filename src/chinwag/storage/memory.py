"""An in-process :class:`~chinwag.storage.base.Store`: nothing survives a restart.

It is the store of tests and throw-away servers (``[storage] backend = "memory"``), and the
reference implementation the shared suite (tests/storage/test_store_suite.py) holds the
SQLite store to. History of a target is bounded (``per_target``), oldest dropped first, so a
long-running memory server does not grow without end.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Collection, Sequence

from chinwag.protocol.casemap import Folded
from chinwag.storage.base import (
    Account,
    AlwaysOnUser,
    Bound,
    Forget,
    HistoryChange,
    MemberChange,
    MoveTarget,
    Redact,
    RegisteredChannel,
    SavedChannel,
    ServerBan,
    StoredMessage,
    StoreError,
    is_conversation,
)
from chinwag.storage.search import SearchQuery, matches


class MemoryStore:
    """History, accounts and read markers in dictionaries."""

    def __init__(self, per_target: int = 10_000) -> None:
        self.per_target = per_target
        self._history: dict[Folded, list[StoredMessage]] = {}
        self._msgids: set[str] = set()
        self._accounts: dict[Folded, Account] = {}
        self._markers: dict[Folded, dict[Folded, float]] = {}
        self._offline: dict[Folded, list[StoredMessage]] = {}
        self._members: dict[tuple[Folded, Folded], list[list[float | None]]] = {}
        """Private memberships: (channel, identity) to [since, until] pairs (until None:
        still a member)."""
        self._appended = itertools.count()
        self._sequence: dict[int, int] = {}
        """The order messages were appended in, by ``id()`` of the kept record (search
        reads across targets in that order, as SQLite's row ids)."""
        self._always_on: list[AlwaysOnUser] = []
        self._bans: dict[tuple[str, str], ServerBan] = {}
        self._channels: list[SavedChannel] = []
        """The channels saved with the always-on users (issue 16)."""
        self._registered: list[RegisteredChannel] = []
        """The channels registered with ChanServ (issue 17)."""
        self._closed = False

    # -- history -------------------------------------------------------------------------

    async def append(
        self, messages: Sequence[StoredMessage], changes: Sequence[HistoryChange] = ()
    ) -> None:
        """Keep ``messages`` (a msgid seen before is skipped), dropping a target's oldest
        beyond ``per_target``, then apply ``changes``.

        A message for an offline account is queued only if an account with that identity
        exists (it may have been dropped since the message was relayed), as the SQLite
        store's query has it.
        """
        ids = {account.identity: folded for folded, account in self._accounts.items()}
        for message in messages:
            if message.msgid:
                if message.msgid in self._msgids:
                    continue
                self._msgids.add(message.msgid)
            history = self._history.setdefault(message.target, [])
            history.append(message)
            self._sequence[id(message)] = next(self._appended)
            if len(history) > self.per_target:
                self._forget(history.pop(0))
            owner = None if message.offline_for is None else ids.get(message.offline_for)
            if owner is not None:
                self._offline.setdefault(owner, []).append(message)
        for change in changes:
            if isinstance(change, MemberChange):
                self._member_change(change)
            elif isinstance(change, Redact):
                self._redact(change)
            elif isinstance(change, MoveTarget):
                self._move_target(change.old, change.new)
            else:
                self._forget_identity(change)

    async def move_target(self, old: Folded, new: Folded) -> None:
        """Move channel ``old``'s messages, memberships and read markers to ``new``."""
        self._move_target(old, new)

    def _move_target(self, old: Folded, new: Folded) -> None:
        if old == new:
            return
        moved = []
        for message in self._history.pop(old, []):
            renamed = dataclasses.replace(message, target=new)
            self._sequence[id(renamed)] = self._sequence.pop(id(message), 0)
            moved.append(renamed)
        if moved:
            history = self._history.setdefault(new, [])
            history.extend(moved)
            history.sort(key=lambda m: self._sequence.get(id(m), 0))
        for key in [key for key in self._members if key[0] == old]:
            self._members.setdefault((new, key[1]), []).extend(self._members.pop(key))
        for markers in self._markers.values():
            if old in markers:
                when = markers.pop(old)
                markers[new] = max(when, markers.get(new, when))

    def _member_change(self, change: MemberChange) -> None:
        spans = self._members.setdefault((change.target, change.identity), [])
        if change.joined:
            if not spans or spans[-1][1] is not None:
                spans.append([change.stored_time, None])
        elif spans and spans[-1][1] is None:
            spans[-1][1] = change.stored_time

    def _forget_identity(self, change: Forget) -> None:
        known = self._history if change.targets is None else change.targets
        for target in [t for t in known if t in self._history and change.identity in t.split(" ")]:
            for message in self._history.pop(target):
                self._forget(message)
        for key in [key for key in self._members if key[1] == change.identity]:
            del self._members[key]

    def _redact(self, change: Redact) -> None:
        history = self._history.get(change.target, [])
        for message in [m for m in history if m.msgid == change.msgid]:
            history.remove(message)
            self._forget(message)
        for queued in self._offline.values():
            queued[:] = [m for m in queued if m.msgid != change.msgid]

    def _forget(self, message: StoredMessage) -> None:
        self._msgids.discard(message.msgid)
        self._sequence.pop(id(message), None)

    def _readable(self, message: StoredMessage, reader: Folded | None) -> bool:
        """Whether ``reader`` may read ``message``: it is not private, or they were a member
        of its channel when it was said."""
        if not message.private:
            return True
        if reader is None:
            return False
        spans = self._members.get((message.target, reader), ())
        return any(
            since is not None and since <= message.time and (until is None or message.time <= until)
            for since, until in spans
        )

    async def end_memberships(self, when: float) -> None:
        """Close every open private membership at ``when``."""
        for (target, identity), spans in self._members.items():
            if spans and spans[-1][1] is None:
                self._member_change(MemberChange(target, identity, when, joined=False))

    async def latest(
        self, target: Folded, limit: int, *, reader: Folded | None = None
    ) -> list[StoredMessage]:
        """The last ``limit`` messages to ``target`` that ``reader`` may read, oldest first."""
        history = self._history.get(target)
        if not history or limit <= 0:
            return []
        # In time order, as history() and the SQLite store read it, even if the clock stepped
        # back between two appends (sorting a list that is already in order is linear).
        readable = [m for m in history if self._readable(m, reader)]
        return sorted(readable, key=lambda m: m.time)[-limit:]

    async def find(
        self, target: Folded, msgid: str, *, reader: Folded | None = None
    ) -> StoredMessage | None:
        """The message to ``target`` with this msgid, if kept and ``reader`` may read it."""
        if not msgid:  # messages stored without a msgid cannot be named
            return None
        for message in self._history.get(target, ()):
            if message.msgid == msgid:
                return message if self._readable(message, reader) else None
        return None

    def _position(
        self, history: list[StoredMessage], bound: Bound, after: bool, reader: Folded | None
    ) -> int | None:
        """The index range edge ``bound`` makes: messages are kept from it (``after``) or
        before it; ``None`` when a msgid bound is unknown (or names what ``reader`` may not
        read: it must not tell where such a message sits)."""
        if bound.msgid is not None:
            if not bound.msgid:  # messages stored without a msgid cannot be named
                return None
            for index, message in enumerate(history):
                if message.msgid == bound.msgid:
                    if not self._readable(message, reader):
                        return None
                    return index + 1 if after else index
            return None
        when = bound.time if bound.time is not None else 0.0
        if after:
            return next((i for i, m in enumerate(history) if m.time > when), len(history))
        return next((i for i, m in enumerate(history) if m.time >= when), len(history))

    async def history(
        self,
        target: Folded,
        *,
        after: Bound | None = None,
        before: Bound | None = None,
        limit: int,
        newest: bool = True,
        events: bool = False,
        reader: Folded | None = None,
    ) -> list[StoredMessage]:
        """Messages strictly between the bounds, oldest first; see ``Store.history``."""
        history = sorted(self._history.get(target, ()), key=lambda m: m.time)
        start, end = 0, len(history)
        if after is not None:
            found = self._position(history, after, True, reader)
            if found is None:
                return []
            start = found
        if before is not None:
            found = self._position(history, before, False, reader)
            if found is None:
                return []
            end = found
        chosen = [
            m for m in history[start:end] if (events or not m.event) and self._readable(m, reader)
        ]
        if limit <= 0:
            return []
        return chosen[-limit:] if newest else chosen[:limit]

    async def targets(
        self,
        channels: Collection[Folded],
        identity: Folded,
        after: float,
        before: float,
        limit: int,
    ) -> list[tuple[Folded, float]]:
        """Channels and ``identity``'s conversations whose latest message is in the range."""
        found: list[tuple[Folded, float]] = []
        for target, history in self._history.items():
            mine = target in channels or (is_conversation(target) and identity in target.split(" "))
            if not mine:
                continue
            times = [m.time for m in history if not m.event and self._readable(m, identity)]
            if times and after < max(times) < before:
                found.append((target, max(times)))
        found.sort(key=lambda item: (item[1], item[0]))  # ties by name, as SQLite's ORDER BY
        return found[:limit] if limit > 0 else []

    async def search(self, query: SearchQuery) -> list[StoredMessage]:
        """The newest matches the asker may read, oldest first; see ``Store.search``. A
        plain scan: word sets compared case- and accent-blind (:func:`matches`)."""
        if query.limit <= 0:
            return []
        found = [
            m
            for target, history in self._history.items()
            if query.may_search(target)
            for m in history
            if matches(query, m) and self._readable(m, query.reader)
        ]
        # Storage order across targets: the sequence each message was appended in.
        found.sort(key=lambda m: self._sequence.get(id(m), 0))
        return found[-query.limit :]

    async def prune(self, *, older_than: float | None, keep_per_target: int | None) -> int:
        """Drop old messages and all but the newest of each target (waiting ones stay)."""
        # By identity: equal records without a msgid must not keep each other, and a set
        # keeps this linear (list membership made it quadratic in a target's length).
        waiting = {id(m) for queue in self._offline.values() for m in queue}
        removed = 0
        for target, history in list(self._history.items()):
            keep_from = 0 if keep_per_target is None else len(history) - max(keep_per_target, 0)
            kept: list[StoredMessage] = []
            for index, m in enumerate(history):
                if id(m) in waiting or (
                    index >= keep_from and (older_than is None or m.time >= older_than)
                ):
                    kept.append(m)
                else:
                    self._forget(m)
            removed += len(history) - len(kept)
            if kept:
                self._history[target] = kept
            else:
                del self._history[target]
        return removed

    # -- offline delivery -------------------------------------------------------------------

    async def offline_messages(self, account: Folded) -> list[StoredMessage]:
        """Messages waiting for ``account``, oldest first."""
        return list(self._offline.get(account, ()))

    async def clear_offline(self, account: Folded, msgids: Collection[str]) -> None:
        """Stop holding these messages for ``account``."""
        queue = self._offline.get(account)
        if queue is None:
            return
        kept = [m for m in queue if m.msgid not in msgids]
        if kept:
            self._offline[account] = kept
        else:
            del self._offline[account]

    # -- accounts ---------------------------------------------------------------------------

    async def accounts(self) -> list[Account]:
        """Every account."""
        return list(self._accounts.values())

    async def create_account(self, account: Account) -> bool:
        """Add ``account`` unless its name is taken (its settings start empty, as in SQLite)."""
        if account.folded in self._accounts:
            return False
        self._accounts[account.folded] = dataclasses.replace(
            account, metadata=dict(account.metadata), certfps=(), settings={}
        )
        return True

    async def update_password(self, account: Account) -> None:
        """Replace the password hash and SCRAM keys."""
        old = self._accounts.get(account.folded)
        if old is not None:
            self._accounts[account.folded] = dataclasses.replace(
                old,
                password_hash=account.password_hash,
                scram_salt=account.scram_salt,
                scram_iterations=account.scram_iterations,
                scram_stored_key=account.scram_stored_key,
                scram_server_key=account.scram_server_key,
            )

    async def drop_account(self, name: Folded) -> None:
        """Forget the account, its markers, its waiting messages, its conversations, its
        saved always-on user and the channels it registered."""
        account = self._accounts.pop(name, None)
        if account is not None:
            self._forget_identity(Forget(account.identity))
        self._markers.pop(name, None)
        self._offline.pop(name, None)
        self._always_on = [user for user in self._always_on if user.account != name]
        # Its registered channels go, and it leaves every access list (issue 17).
        self._registered = [
            dataclasses.replace(each, access=tuple(p for p in each.access if p[0] != name))
            for each in self._registered
            if each.founder != name
        ]

    async def add_certfp(self, name: Folded, fingerprint: str) -> bool:
        """Add ``fingerprint`` to the account unless another account holds it."""
        account = self._accounts.get(name)
        if account is None:
            return False
        for folded, other in self._accounts.items():
            if fingerprint in other.certfps:
                return folded == name
        self._accounts[name] = dataclasses.replace(account, certfps=(*account.certfps, fingerprint))
        return True

    async def remove_certfp(self, name: Folded, fingerprint: str) -> bool:
        """Remove ``fingerprint`` from the account, if it holds it."""
        account = self._accounts.get(name)
        if account is None or fingerprint not in account.certfps:
            return False
        kept = tuple(each for each in account.certfps if each != fingerprint)
        self._accounts[name] = dataclasses.replace(account, certfps=kept)
        return True

    async def set_account_metadata(self, name: Folded, key: str, value: str | None) -> None:
        """Set or delete one metadata key of an existing account."""
        account = self._accounts.get(name)
        if account is not None:
            self._accounts[name] = account.with_metadata(key, value)

    async def set_account_setting(self, name: Folded, key: str, value: str | None) -> None:
        """Set or delete one setting of an existing account."""
        account = self._accounts.get(name)
        if account is not None:
            self._accounts[name] = account.with_setting(key, value)

    # -- always-on users ------------------------------------------------------------------------

    async def always_on_users(self) -> list[AlwaysOnUser]:
        """The saved always-on users whose accounts still exist."""
        return [user for user in self._always_on if user.account in self._accounts]

    async def always_on_channels(self) -> list[SavedChannel]:
        """The channels saved with the always-on users."""
        return list(self._channels)

    async def save_always_on_users(
        self, users: Sequence[AlwaysOnUser], channels: Sequence[SavedChannel]
    ) -> None:
        """Keep ``users`` (of existing accounts, one each) and ``channels`` (one per name)
        instead of those saved before."""
        kept: dict[Folded, AlwaysOnUser] = {}
        for user in users:
            if user.account in self._accounts:
                kept[user.account] = user
        rooms: dict[Folded, SavedChannel] = {}
        for channel in channels:
            rooms[channel.folded] = channel  # the last given, where the first one was
        self._always_on = list(kept.values())
        self._channels = list(rooms.values())

    # -- registered channels -------------------------------------------------------------------

    async def registered_channels(self) -> list[RegisteredChannel]:
        """The registered channels whose founder's account still exists, without access
        entries of dropped accounts."""
        return [
            dataclasses.replace(
                each, access=tuple(pair for pair in each.access if pair[0] in self._accounts)
            )
            for each in self._registered
            if each.founder in self._accounts
        ]

    async def save_registered_channels(self, channels: Sequence[RegisteredChannel]) -> None:
        """Keep ``channels`` (one per name, of existing founders) instead of those before."""
        rooms: dict[Folded, RegisteredChannel] = {}
        for channel in channels:
            if channel.founder in self._accounts:
                rooms[channel.folded] = channel
        self._registered = list(rooms.values())

    # -- server bans ----------------------------------------------------------------------------

    async def server_bans(self) -> list[ServerBan]:
        """Every ban kept, in the order first added."""
        return list(self._bans.values())

    async def add_server_ban(self, ban: ServerBan) -> None:
        """Keep ``ban`` (in the place of an earlier one of the same kind and target)."""
        self._bans[ban.kind, ban.target] = ban

    async def remove_server_ban(self, kind: str, target: str) -> bool:
        """Forget the ban of ``kind`` on ``target``."""
        return self._bans.pop((kind, target), None) is not None

    # -- read markers -------------------------------------------------------------------------

    async def read_markers(self, account: Folded) -> dict[Folded, float]:
        """Every marker of ``account``."""
        return dict(self._markers.get(account, {}))

    async def set_read_marker(self, account: Folded, target: Folded, when: float) -> float:
        """Move a marker forward (never back); return it. An account that does not exist
        keeps no markers (as the SQLite store's foreign key has it) and gets ``when`` back."""
        if account not in self._accounts:
            return when
        markers = self._markers.setdefault(account, {})
        markers[target] = max(markers.get(target, when), when)
        return markers[target]

    async def ping(self) -> None:
        """Nothing to reach; a closed store raises, as the others do."""
        if self._closed:
            raise StoreError("the store is closed")

    async def close(self) -> None:
        """Forget everything."""
        self._closed = True
        self._history.clear()
        self._msgids.clear()
        self._accounts.clear()
        self._markers.clear()
        self._offline.clear()
        self._members.clear()
        self._sequence.clear()

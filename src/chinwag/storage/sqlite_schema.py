"""The SQLite store's schema, step by step: :data:`MIGRATIONS`.

The schema version is SQLite's ``PRAGMA user_version``: version *n* means the first *n* steps
have been applied. :class:`~chinwag.storage.sqlite.SqliteStore` applies the missing ones when
it opens a file, each in its own transaction with the new version number. Later features add
steps at the end; a step is never edited once released.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import aiosqlite

from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.errors import ProtocolError
from chinwag.protocol.message import parse
from chinwag.protocol.modes import CHANNEL_MODES, parse_mode_changes
from chinwag.storage.base import (
    account_identity,
    conversation_key,
    is_conversation,
    new_account_id,
)
from chinwag.storage.sqlite_alwayson import SCHEMA_STEP as ALWAYS_ON_STEP
from chinwag.storage.sqlite_bans import SCHEMA_STEP as BANS_STEP
from chinwag.storage.sqlite_chanreg import SCHEMA_STEP as CHANREG_STEP
from chinwag.storage.sqlite_search import create_index

MigrationStep = Callable[[aiosqlite.Connection], Awaitable[None]]
"""One schema change, run inside the transaction :class:`SqliteStore` opens for it."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One step of the schema's history: what it is for, and how to apply it."""

    summary: str
    apply: MigrationStep


def sql(*statements: str) -> MigrationStep:
    """A migration step that runs ``statements`` in order (for steps that need no Python)."""

    async def apply(db: aiosqlite.Connection) -> None:
        for statement in statements:
            await db.execute(statement)

    return apply


_ACCOUNTS_SCHEMA = sql(
    # event: JOIN/PART/KICK/TOPIC/MODE lines, played back only with draft/event-playback.
    # offline_for: the account the message was addressed to while it had no session; the
    # offline table says whether it still waits, this column keeps the record exact.
    "ALTER TABLE messages ADD COLUMN account TEXT",
    "ALTER TABLE messages ADD COLUMN event INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE messages ADD COLUMN offline_for TEXT",
    # Age pruning deletes a range of time across every target.
    "CREATE INDEX messages_by_time ON messages (time)",
    # folded is the key everywhere (casemap.fold); name is the account as it was registered.
    """
    CREATE TABLE accounts (
        folded TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        scram_salt BLOB NOT NULL,
        scram_iterations INTEGER NOT NULL,
        scram_stored_key BLOB NOT NULL,
        scram_server_key BLOB NOT NULL,
        created REAL NOT NULL
    )
    """,
    # The rows below belong to an account: dropping it drops them (PRAGMA foreign_keys is on).
    """
    CREATE TABLE account_metadata (
        account TEXT NOT NULL REFERENCES accounts (folded) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (account, key)
    )
    """,
    """
    CREATE TABLE read_markers (
        account TEXT NOT NULL REFERENCES accounts (folded) ON DELETE CASCADE,
        target TEXT NOT NULL,
        time REAL NOT NULL,
        PRIMARY KEY (account, target)
    )
    """,
    """
    CREATE TABLE offline (
        account TEXT NOT NULL REFERENCES accounts (folded) ON DELETE CASCADE,
        message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        PRIMARY KEY (account, message_id)
    )
    """,
    # Pruning asks "does anyone still wait for this message?"; the cascade asks it too.
    "CREATE INDEX offline_by_message ON offline (message_id)",
)


async def _accounts_and_conversations(db: aiosqlite.Connection) -> None:
    """Step 2: accounts, metadata, read markers, offline delivery, events; and direct
    messages keyed by conversation.

    Version 1 stored a direct message under the folded nick of its recipient, so both sides
    of a conversation were in different places and the sender's side nowhere. Each such row
    moves to the key of the conversation between its recipient and its sender's nick (there
    were no accounts then), where both will find it.
    """
    await _ACCOUNTS_SCHEMA(db)
    rows = await db.execute_fetchall(
        "SELECT id, target, sender FROM messages WHERE substr(target, 1, 1) NOT IN ('#', '&')"
    )
    await db.executemany(
        "UPDATE messages SET target = ? WHERE id = ?",
        [
            (conversation_key(fold(target), fold(sender.split("!", 1)[0])), row_id)
            for row_id, target, sender in rows
        ],
    )


_PRIVACY_SCHEMA = sql(
    # id: what history belongs to (base.account_identity); random, so never reused by a
    # later account of the same name.
    "ALTER TABLE accounts ADD COLUMN id TEXT",
    # private: said while the channel was +s, +p, +i or +k; readable only through members.
    "ALTER TABLE messages ADD COLUMN private INTEGER NOT NULL DEFAULT 0",
    # Who was a member of a channel while it was private, from since to until (NULL: still).
    """
    CREATE TABLE members (
        target TEXT NOT NULL,
        identity TEXT NOT NULL,
        since REAL NOT NULL,
        until REAL
    )
    """,
    "CREATE INDEX members_by_reader ON members (target, identity, since)",
    "CREATE INDEX members_by_identity ON members (identity)",
)


def _private_rows(rows: Iterable[tuple[int, str, int, str]]) -> list[int]:
    """The ids of a channel's rows (in order) said while it was private, as far as its stored
    MODE lines tell: once private, a room counts as private until a MODE makes it public
    again (version 2 did not record a room emptying, so this errs on the side of private)."""
    private: set[str] = set()
    chosen: list[int] = []
    for row_id, line, event, _target in rows:
        was = bool(private)
        if event:
            try:
                message = parse(line)
            except ProtocolError:  # a line that no longer parses: keep the state as it was
                message = None
            if message is not None and message.command == "MODE" and len(message.params) > 1:
                parsed = parse_mode_changes(message.params[1], message.params[2:], CHANNEL_MODES)
                for change in parsed.changes:
                    if change.mode in "spik":
                        (private.add if change.adding else private.discard)(change.mode)
        if was or private:
            chosen.append(row_id)
    return chosen


async def _identities_and_privacy(db: aiosqlite.Connection) -> None:
    """Step 3 (issue 24): history belongs to account ids and sessions, never to names; what
    was said in a private room is for its members.

    - Each account gets a random id.
    - A direct conversation between two accounts moves to their ids. Any other direct
      message is deleted: it was keyed by a nick, which anyone may have held since.
    - A message waiting for an account names the account's id.
    - A channel's rows said while its stored MODE lines had it private are marked private;
      no memberships were recorded before, so nobody reads them again.
    """
    await _PRIVACY_SCHEMA(db)
    accounts = [row[0] for row in await db.execute_fetchall("SELECT folded FROM accounts")]
    ids = {folded: new_account_id() for folded in accounts}
    await db.executemany(
        "UPDATE accounts SET id = ? WHERE folded = ?", [(i, f) for f, i in ids.items()]
    )
    await db.execute("CREATE UNIQUE INDEX accounts_by_id ON accounts (id)")
    rows = await db.execute_fetchall("SELECT DISTINCT target FROM messages")
    for (target,) in rows:
        if not is_conversation(Folded(target)):
            continue
        low, _, high = target.partition(" ")
        if low in ids and high in ids:
            key = conversation_key(account_identity(ids[low]), account_identity(ids[high]))
            await db.execute("UPDATE messages SET target = ? WHERE target = ?", (key, target))
        else:
            await db.execute("DELETE FROM messages WHERE target = ?", (target,))
    await db.executemany(
        "UPDATE messages SET offline_for = ? WHERE offline_for = ?",
        [(account_identity(i), f) for f, i in ids.items()],
    )
    await db.execute(
        "UPDATE messages SET offline_for = NULL WHERE offline_for IS NOT NULL"
        " AND substr(offline_for, 1, 2) <> 'a:'"
    )
    channel_rows = await db.execute_fetchall(
        "SELECT id, line, event, target FROM messages"
        " WHERE substr(target, 1, 1) IN ('#', '&') ORDER BY target, time, id"
    )
    by_target: dict[str, list[tuple[int, str, int, str]]] = {}
    for row_id, line, event, target in channel_rows:
        by_target.setdefault(target, []).append((row_id, line, event, target))
    await db.executemany(
        "UPDATE messages SET private = 1 WHERE id = ?",
        [(row_id,) for group in by_target.values() for row_id in _private_rows(group)],
    )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "messages: channel and direct message history",
        sql(
            # id orders messages stored in the same instant; msgid is NULL for a message
            # relayed without one, and UNIQUE lets a retried batch be stored again harmlessly.
            # target is folded (casemap.fold); time is Unix seconds, as StoredMessage has it.
            """
            CREATE TABLE messages (
                id INTEGER PRIMARY KEY,
                msgid TEXT UNIQUE,
                target TEXT NOT NULL CHECK (target <> ''),
                sender TEXT NOT NULL,
                time REAL NOT NULL,
                line TEXT NOT NULL
            )
            """,
            # latest() and the chathistory selectors all read one target in time order.
            "CREATE INDEX messages_by_target_time ON messages (target, time, id)",
        ),
    ),
    Migration(
        "accounts, read markers, offline messages, events; direct messages by conversation",
        _accounts_and_conversations,
    ),
    Migration(
        "account ids; history by identity; private channel history and its members",
        _identities_and_privacy,
    ),
    Migration(
        "client certificate fingerprints of accounts (CertFP, SASL EXTERNAL)",
        sql(
            # The fingerprint is the key: one certificate logs in to one account at most.
            # rowid order is the order they were added, which CERT LIST shows.
            """
            CREATE TABLE account_certfps (
                fingerprint TEXT PRIMARY KEY,
                account TEXT NOT NULL REFERENCES accounts (folded) ON DELETE CASCADE
            )
            """,
            "CREATE INDEX account_certfps_by_account ON account_certfps (account)",
        ),
    ),
    Migration(
        "full-text index of message text (FTS5) for SEARCH (soju.im/search)",
        create_index,
    ),
    Migration(
        "account settings, always-on users and their channels (issue 16)",
        sql(*ALWAYS_ON_STEP),
    ),
    Migration(
        "server bans of operators (UBAN, issue 17)",
        sql(*BANS_STEP),
    ),
    Migration(
        "channels registered with ChanServ, their founders and access lists (issue 17)",
        sql(*CHANREG_STEP),
    ),
    Migration(
        "an index of what was said, without the events, for replay on JOIN (issue 20)",
        sql(
            # A room's last lines without its JOINs and PARTs: found in a few rows, not by
            # stepping back over every event since (a JOIN storm adds thousands).
            "CREATE INDEX messages_said_by_target_time ON messages (target, time, id)"
            " WHERE event = 0",
        ),
    ),
)
"""Every schema step so far, oldest first; the schema version is how many have been applied."""

SCHEMA_VERSION = len(MIGRATIONS)
"""The schema version this code writes."""

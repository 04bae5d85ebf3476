"""The PostgreSQL store's schema, step by step (:data:`MIGRATIONS`), and how it is brought up
to date (:func:`migrate`).

The applied steps are rows of the table ``chinwag_schema`` (number, summary, when): version
*n* means the first *n* steps have been applied. Each missing step runs in its own
transaction together with its row, so a failed step leaves the database at the previous
version with nothing of that step in it (PostgreSQL's DDL is transactional). Several nodes
may open the same database at once: every step's transaction first takes a transaction-level
advisory lock named after the schema, then reads the version again, so exactly one node
applies each step and the others find it done. Later features add steps at the end; a step
is never edited once released.

The tables are those of the SQLite store (:mod:`chinwag.storage.sqlite_schema`) in their
present shape, with PostgreSQL's types: times are ``double precision`` (the Unix seconds the
Store passes around, compared exactly), flags are ``boolean``, and the order rows were added
in (SQLite's ``rowid``) is an identity column. Conversation keys and channel names are
``COLLATE "C"``, so they sort by code point whatever the database's locale, as SQLite and
the memory store sort them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chinwag.storage.base import StoreError
from chinwag.storage.postgres_alwayson import SCHEMA_STEP as ALWAYS_ON_STEP
from chinwag.storage.postgres_bans import SCHEMA_STEP as BANS_STEP
from chinwag.storage.postgres_chanreg import SCHEMA_STEP as CHANREG_STEP
from chinwag.storage.postgres_search import SCHEMA_STEP as SEARCH_STEP


@dataclass(frozen=True, slots=True)
class Migration:
    """One step of the schema's history: what it is for, and the statements that apply it."""

    summary: str
    statements: tuple[str, ...]


_HISTORY_STEP = (
    # id orders messages stored in the same instant (and is "storage order" for search);
    # msgid is NULL for a message relayed without one, and UNIQUE (which lets any number of
    # NULLs in) makes a retried batch harmless. event: JOIN/PART/KICK/TOPIC/MODE lines and
    # kept TAGMSGs; offline_for: the account the message waited for; private: said while the
    # channel was private, readable only through members.
    """
    CREATE TABLE messages (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        msgid text UNIQUE,
        target text COLLATE "C" NOT NULL CHECK (target <> ''),
        sender text NOT NULL,
        time double precision NOT NULL,
        line text NOT NULL,
        account text,
        event boolean NOT NULL DEFAULT false,
        offline_for text,
        private boolean NOT NULL DEFAULT false
    )
    """,
    # latest() and the chathistory selectors read one target in time order; the distinct
    # targets (CHATHISTORY TARGETS, forgetting) are walked through it too.
    "CREATE INDEX messages_by_target_time ON messages (target, time, id)",
    # Age pruning deletes a range of time across every target.
    "CREATE INDEX messages_by_time ON messages (time)",
    # folded is the key everywhere (casemap.fold); name is the account as registered; id is
    # what history belongs to (base.account_identity), random and never reused.
    """
    CREATE TABLE accounts (
        folded text PRIMARY KEY,
        name text NOT NULL,
        password_hash text NOT NULL,
        scram_salt bytea NOT NULL,
        scram_iterations integer NOT NULL,
        scram_stored_key bytea NOT NULL,
        scram_server_key bytea NOT NULL,
        created double precision NOT NULL,
        id text NOT NULL UNIQUE,
        registered bigint GENERATED ALWAYS AS IDENTITY
    )
    """,
    # The rows below belong to an account: dropping it drops them.
    """
    CREATE TABLE account_metadata (
        account text NOT NULL REFERENCES accounts (folded) ON DELETE CASCADE,
        key text NOT NULL,
        value text NOT NULL,
        PRIMARY KEY (account, key)
    )
    """,
    """
    CREATE TABLE read_markers (
        account text NOT NULL REFERENCES accounts (folded) ON DELETE CASCADE,
        target text NOT NULL,
        time double precision NOT NULL,
        PRIMARY KEY (account, target)
    )
    """,
    "CREATE INDEX read_markers_by_target ON read_markers (target)",
    """
    CREATE TABLE offline (
        account text NOT NULL REFERENCES accounts (folded) ON DELETE CASCADE,
        message_id bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        PRIMARY KEY (account, message_id)
    )
    """,
    # Pruning asks "does anyone still wait for this message?"; the cascade asks it too.
    "CREATE INDEX offline_by_message ON offline (message_id)",
    # Who was a member of a channel while it was private, from since to until (NULL: still).
    """
    CREATE TABLE members (
        target text NOT NULL,
        identity text NOT NULL,
        since double precision NOT NULL,
        until double precision
    )
    """,
    "CREATE INDEX members_by_reader ON members (target, identity, since)",
    "CREATE INDEX members_by_identity ON members (identity)",
    # One certificate logs in to one account at most; added is the order CERT LIST shows.
    """
    CREATE TABLE account_certfps (
        fingerprint text PRIMARY KEY,
        account text NOT NULL REFERENCES accounts (folded) ON DELETE CASCADE,
        added bigint GENERATED ALWAYS AS IDENTITY
    )
    """,
    "CREATE INDEX account_certfps_by_account ON account_certfps (account)",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "messages, accounts, read markers, offline messages, private memberships, certificates",
        _HISTORY_STEP,
    ),
    Migration("word index of message text (tsvector, GIN) for SEARCH", SEARCH_STEP),
    Migration("account settings, always-on users and their channels (issue 16)", ALWAYS_ON_STEP),
    Migration("server bans of operators (UBAN, issue 17)", BANS_STEP),
    Migration(
        "channels registered with ChanServ, their founders and access lists (issue 17)",
        CHANREG_STEP,
    ),
    Migration(
        "an index of what was said, without the events, for replay on JOIN (issue 20)",
        # A room's last lines found in a few rows, not by stepping back over every JOIN.
        (
            "CREATE INDEX messages_said_by_target_time ON messages (target, time, id)"
            " WHERE NOT event",
        ),
    ),
)
"""Every schema step so far, oldest first; the schema version is how many have been applied."""

SCHEMA_VERSION = len(MIGRATIONS)
"""The schema version this code writes."""

_VERSION_TABLE = """
    CREATE TABLE IF NOT EXISTS chinwag_schema (
        version integer PRIMARY KEY,
        summary text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
    )
"""
# Named after the schema the tables go to, so stores in different schemas of one database
# (one per test, or per deployment) do not wait for each other.
_LOCK = (
    "SELECT pg_advisory_xact_lock(hashtext('chinwag schema ' || coalesce(current_schema(), '')))"
)


async def migrate(connection: Any, where: str, migrations: tuple[Migration, ...]) -> list[int]:
    """Apply the steps of ``migrations`` the database does not have yet, one transaction
    each, under the schema's advisory lock; return the numbers of the steps this call
    applied (none when another node had applied them).

    Raises :class:`~chinwag.storage.base.StoreError` if the database was written by a newer
    chinwag (its version is beyond ``migrations``; nothing is changed) or a step fails.
    ``where`` names the server in messages.
    """
    applied: list[int] = []
    while True:
        async with connection.transaction():
            await connection.execute(_LOCK)
            await connection.execute(_VERSION_TABLE)
            version = int(
                await connection.fetchval("SELECT coalesce(max(version), 0) FROM chinwag_schema")
            )
            if version > len(migrations):
                raise StoreError(
                    f"PostgreSQL at {where} has chinwag schema version {version}, but this "
                    f"chinwag only knows versions up to {len(migrations)}: it was written by "
                    "a newer chinwag. Upgrade chinwag, or set [storage] dsn "
                    "(CHINWAG_STORAGE_DSN) to another database."
                )
            if version == len(migrations):
                return applied
            step = migrations[version]
            for statement in step.statements:
                await connection.execute(statement)
            await connection.execute(
                "INSERT INTO chinwag_schema (version, summary) VALUES ($1, $2)",
                version + 1,
                step.summary,
            )
        applied.append(version + 1)

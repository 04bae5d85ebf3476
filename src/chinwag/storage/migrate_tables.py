"""What ``chinwag migrate`` copies from the SQLite store to the PostgreSQL store, table by
table (:data:`TABLES`), and how each row is written (issue 18, "Moving up").

Every table of the SQLite schema (:mod:`chinwag.storage.sqlite_schema`) is here except the
search index (``message_text`` and its shadow tables), which PostgreSQL keeps as a column of
``messages`` and which is computed again from each line
(:func:`chinwag.storage.postgres_search.index_words`). The tables are in an order that
satisfies the foreign keys: accounts before what belongs to them, messages before the
offline queue, registered channels before their access lists.

Rows are read in ``rowid`` order, which is the order they were added: PostgreSQL's
identity columns (``registered``, ``added``, ``saved``) then number them in the same order,
so every list the stores give "in the order added" comes out the same. A message keeps its
id (plus the migration's offset, :class:`Table.offset`), so an offline entry still names it
and messages of one instant keep their order. Every insert skips a row whose key is
already there (``ON CONFLICT DO NOTHING``): a row copied before stays as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from chinwag.storage.postgres_search import index_words

Convert = Callable[[Sequence[Any], int], tuple[Any, ...]]
"""A SQLite row (its columns in :attr:`Table.columns` order) as the PostgreSQL insert's
arguments, given the migration's message id offset."""


def _as_read(row: Sequence[Any], offset: int) -> tuple[Any, ...]:
    return tuple(row)


def _message(row: Sequence[Any], offset: int) -> tuple[Any, ...]:
    row_id, msgid, target, sender, when, line, account, event, offline_for, private = row
    return (
        row_id + offset,
        msgid,
        target,
        sender,
        when,
        line,
        account,
        bool(event),
        offline_for,
        bool(private),
        index_words(line, bool(event)),
    )


def _offline(row: Sequence[Any], offset: int) -> tuple[Any, ...]:
    account, message_id = row
    return (account, message_id + offset)


@dataclass(frozen=True, slots=True)
class Table:
    """One table to copy: the columns read from SQLite, the statement that writes one row
    to PostgreSQL, and how a row read becomes that statement's arguments."""

    name: str
    columns: tuple[str, ...]
    insert: str
    convert: Convert = _as_read
    offset: bool = False
    """Whether its rows name message ids, which move by the migration's offset."""

    def select(self) -> str:
        """The SQLite query of the next batch: ``rowid`` and the columns after a rowid
        (parameter 1), at most parameter 2 rows, in ``rowid`` order."""
        return (
            f"SELECT rowid, {', '.join(self.columns)} FROM {self.name}"
            " WHERE rowid > ? ORDER BY rowid LIMIT ?"
        )


def _columns(names: str) -> tuple[str, ...]:
    """Column names separated by spaces, as a tuple."""
    return tuple(names.split())


def _plain(name: str, columns: str) -> Table:
    """A table copied column for column (``columns`` separated by spaces), skipping a row
    whose key is already there."""
    names = _columns(columns)
    values = ", ".join(f"${n}" for n in range(1, len(names) + 1))
    statement = f"INSERT INTO {name} ({', '.join(names)}) VALUES ({values}) ON CONFLICT DO NOTHING"
    return Table(name, names, statement)


_CHANNEL = "folded name created modes key user_limit topic topic_by topic_at lists metadata"

TABLES: tuple[Table, ...] = (
    _plain(
        "accounts",
        "folded name password_hash scram_salt scram_iterations scram_stored_key"
        " scram_server_key created id",
    ),
    _plain("account_metadata", "account key value"),
    _plain("account_settings", "account key value"),
    _plain("account_certfps", "fingerprint account"),
    _plain("read_markers", "account target time"),
    Table(
        "messages",
        _columns("id msgid target sender time line account event offline_for private"),
        # The id is given, not generated: the offline queue names messages by it. ON
        # CONFLICT covers the id and the msgid: a message already there stays as it is.
        """
        INSERT INTO messages
            (id, msgid, target, sender, time, line, account, event, offline_for, private, words)
        OVERRIDING SYSTEM VALUE
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, array_to_tsvector($11::text[]))
        ON CONFLICT DO NOTHING
        """,
        _message,
        offset=True,
    ),
    Table(
        "offline",
        _columns("account message_id"),
        # A message skipped because the target held its msgid already (--force) is not
        # there under this id; its queue entry goes with it rather than fail the key.
        """
        INSERT INTO offline (account, message_id)
        SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM messages WHERE id = $2)
        ON CONFLICT DO NOTHING
        """,
        _offline,
        offset=True,
    ),
    # No key: a batch is copied once because its progress commits with it.
    _plain("members", "target identity since until"),
    _plain("always_on_users", "account nick username host realname channels away left_at"),
    _plain("always_on_channels", _CHANNEL),
    _plain("registered_channels", _CHANNEL + " founder registered_at"),
    Table(
        "registered_channel_access",
        _columns("channel account mode"),
        # The channel may be the target's own, kept instead of the copy (--force).
        """
        INSERT INTO registered_channel_access (channel, account, mode)
        SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM registered_channels WHERE folded = $1)
        ON CONFLICT DO NOTHING
        """,
    ),
    _plain("server_bans", "kind target reason set_by set_at expires_at"),
)
"""Every table copied, in the order copied."""

SKIPPED_PREFIX = "message_text"
"""SQLite's search index (the FTS5 table and its shadow tables): made again, not copied."""

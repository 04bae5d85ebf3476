"""Full-text search in the SQLite store (issue 15): the FTS5 index and its queries.

The index is the FTS5 table ``message_text``: one row per stored PRIVMSG or NOTICE, its rowid
the message's ``messages.id`` and its one column the message's text (tokenizer ``unicode61
remove_diacritics 2``: words of letters and digits, case and accents aside), taken from the
stored line by :data:`TEXT_FUNCTION`. Triggers on ``messages`` keep it in step, so every way a
message is stored or deleted (the hot path's multi-row INSERT, offline delivery, retention
pruning, a forgotten identity, a dropped account, a migration) updates the index in the same
transaction, with no code path to forget. Schema step 5 creates the table and triggers and
indexes what was stored before.

Searches never pass user text to FTS5 as query syntax: :func:`chinwag.storage.search.fts_query`
quotes each word.
"""

from __future__ import annotations

from typing import Any

import aiosqlite

from chinwag.storage.search import SearchQuery, fts_query, message_text

TEXT_FUNCTION = "chinwag_message_text"
"""The SQL function the index's triggers take a stored line's text with: Python's
:func:`chinwag.storage.search.message_text`, registered on every connection the store opens
(:func:`register_functions`). Taking the text apart in SQL (substr and instr over the tags,
source and target) measured 70 to 90 us a message on the history writer's thread, most of
the cost of storing one; the parser does it in a few."""


async def register_functions(db: aiosqlite.Connection) -> None:
    """Make :data:`TEXT_FUNCTION` known to ``db``: before the migrations (step 5 uses it)
    and on every open, since triggers call it on each insert."""
    await db.create_function(TEXT_FUNCTION, 1, message_text, deterministic=True)


async def create_index(db: aiosqlite.Connection) -> None:
    """Schema step 5: the ``message_text`` FTS5 table, the triggers that keep it in step with
    ``messages``, and the text of every message stored so far."""
    await db.execute(
        "CREATE VIRTUAL TABLE message_text"
        " USING fts5(text, tokenize = 'unicode61 remove_diacritics 2')"
    )
    await db.execute(
        f"""
        CREATE TRIGGER message_text_insert AFTER INSERT ON messages WHEN new.event = 0
        BEGIN
            INSERT INTO message_text (rowid, text)
            SELECT new.id, text FROM (SELECT {TEXT_FUNCTION}(new.line) AS text)
            WHERE text IS NOT NULL;
        END
        """
    )
    await db.execute(
        """
        CREATE TRIGGER message_text_delete AFTER DELETE ON messages WHEN old.event = 0
        BEGIN
            DELETE FROM message_text WHERE rowid = old.id;
        END
        """
    )
    await db.execute(
        f"""
        CREATE TRIGGER message_text_update AFTER UPDATE OF line, event ON messages
        BEGIN
            DELETE FROM message_text WHERE rowid = old.id;
            INSERT INTO message_text (rowid, text)
            SELECT new.id, text FROM (SELECT {TEXT_FUNCTION}(new.line) AS text)
            WHERE text IS NOT NULL AND new.event = 0;
        END
        """
    )
    await db.execute(
        f"""
        INSERT INTO message_text (rowid, text)
        SELECT id, text FROM (SELECT id, {TEXT_FUNCTION}(line) AS text FROM messages
                              WHERE event = 0)
        WHERE text IS NOT NULL
        """
    )


_COLUMNS = (
    "messages.msgid, messages.target, messages.sender, messages.time, messages.line,"
    " messages.account, messages.event, messages.offline_for, messages.private"
)
"""The columns of ``sqlite._MESSAGE_COLUMNS``, qualified for the join with the index."""


CLOCK_SLACK = 10_000
"""Rows beyond the time bounds the index walk still reads (see :func:`_rowid_bounds`)."""


def _rowid_bounds(query: SearchQuery, parameters: dict[str, Any]) -> str:
    """Conditions on the index's rowids that follow from ``after`` and ``before``, so a
    search of last March does not walk every later match first.

    Row ids are storage order, which is time order unless the clock stepped back; the ids
    of the messages at the bounds (one index seek each on ``messages_by_time``) widened by
    :data:`CLOCK_SLACK` rows bound the walk, and the exact time conditions still decide.
    """
    bounds = ""
    if query.before is not None:
        bounds += (
            " AND message_text.rowid <= coalesce((SELECT id FROM messages"
            " WHERE time <= :before ORDER BY time DESC LIMIT 1), 0) + :slack"
        )
    if query.after is not None:
        bounds += (
            " AND message_text.rowid >= coalesce((SELECT id FROM messages"
            " WHERE time >= :after ORDER BY time LIMIT 1), 9223372036854775807) - :slack"
        )
    if bounds:
        parameters["slack"] = CLOCK_SLACK
    return bounds


def search_statement(query: SearchQuery, readable: str) -> tuple[str, dict[str, Any]] | None:
    """The SELECT answering ``query`` (newest first) and its parameters; ``None`` when it
    can match nothing (a ``target`` that is not the asker's). ``readable`` is the store's
    condition that ``:reader`` may read a (private) row of ``messages``."""
    parameters: dict[str, Any] = {"reader": query.reader, "limit": query.limit}
    conditions = ["messages.event = 0", readable]
    if query.target is not None:
        if not query.may_search(query.target):
            return None
        conditions.append("messages.target = :target")
        parameters["target"] = query.target
    else:
        # One parameter per channel: one user's channels, which CHANLIMIT keeps well under
        # SQLite's limit on parameters. A conversation key is "low high" (conversation_key).
        names = [f":channel{index}" for index in range(len(query.channels))]
        parameters.update(zip((name[1:] for name in names), query.channels, strict=True))
        conditions.append(
            f"(messages.target IN ({', '.join(names)}) OR (instr(messages.target, ' ') > 0 AND"
            " (substr(messages.target, 1, instr(messages.target, ' ') - 1) = :reader"
            " OR substr(messages.target, instr(messages.target, ' ') + 1) = :reader)))"
        )
    if query.sender is not None:
        conditions.append(
            "lower(substr(messages.sender, 1, instr(messages.sender || '!', '!') - 1)) = :sender"
        )
        parameters["sender"] = query.sender
    if query.after is not None:
        conditions.append("messages.time >= :after")
        parameters["after"] = query.after
    if query.before is not None:
        conditions.append("messages.time <= :before")
        parameters["before"] = query.before
    where = " AND ".join(conditions)
    if query.terms:
        parameters["match"] = fts_query(query.terms)
        where += _rowid_bounds(query, parameters)
        # The index first (CROSS JOIN keeps that order), read newest row first, so the LIMIT
        # stops the walk as soon as enough readable matches are found.
        statement = (
            f"SELECT {_COLUMNS} FROM message_text CROSS JOIN messages"
            " ON messages.id = message_text.rowid"
            f" WHERE message_text MATCH :match AND {where}"
            " ORDER BY message_text.rowid DESC LIMIT :limit"
        )
    else:
        statement = (
            f"SELECT {_COLUMNS} FROM messages WHERE {where} ORDER BY messages.id DESC LIMIT :limit"
        )
    return statement, parameters

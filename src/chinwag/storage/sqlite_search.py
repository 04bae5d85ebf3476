"""Full-text search in the SQLite store (issue 15): the FTS5 index and its queries.

The index is the FTS5 table ``message_text``: one row per stored PRIVMSG or NOTICE, its rowid
the message's ``messages.id`` and its one column the message's text (tokenizer ``unicode61
remove_diacritics 2``: words of letters and digits, case and accents aside). Triggers on
``messages`` keep it in step, so every way a message is stored or deleted (the hot path's
multi-row INSERT, offline delivery, retention pruning, a forgotten identity, a dropped
account, a migration) updates the index in the same transaction, with no code path to
forget. Schema step 5 (:data:`INDEX_STEP`) creates the table and triggers and indexes what
was stored before.

Searches never pass user text to FTS5 as query syntax: :func:`chinwag.storage.search.fts_query`
quotes each word.
"""

from __future__ import annotations

from typing import Any

import aiosqlite

from chinwag.storage.search import SearchQuery, fts_query


def _text_rows(source: str) -> str:
    """``SELECT id, text`` of the PRIVMSG and NOTICE lines among ``source``'s ``(id, line)``
    rows: the last parameter of the line, after its tags, source, command and target, without
    a CTCP ACTION's ``ACTION``. Lines are as :meth:`Message.to_line` wrote them: single
    spaces, and no space inside the tags, the source or the target."""
    return f"""
    SELECT id, CASE WHEN substr(body, 1, 8) = char(1) || 'ACTION '
                    THEN rtrim(substr(body, 9), char(1)) ELSE body END
    FROM (
        SELECT id, command, params,
            CASE WHEN substr(rest, 1, 1) = ':' THEN substr(rest, 2) ELSE rest END AS body
        FROM (
            SELECT id, command, params, substr(params, instr(params, ' ') + 1) AS rest
            FROM (
                SELECT id, upper(substr(bare, 1, instr(bare, ' ') - 1)) AS command,
                    substr(bare, instr(bare, ' ') + 1) AS params
                FROM (
                    SELECT id, CASE WHEN substr(untagged, 1, 1) = ':'
                        THEN substr(untagged, instr(untagged, ' ') + 1)
                        ELSE untagged END AS bare
                    FROM (
                        SELECT id, CASE WHEN substr(line, 1, 1) = '@'
                            THEN substr(line, instr(line, ' ') + 1)
                            ELSE line END AS untagged
                        FROM ({source})
                    )
                )
            )
        )
    )
    WHERE command IN ('PRIVMSG', 'NOTICE') AND instr(params, ' ') > 0
    """


async def create_index(db: aiosqlite.Connection) -> None:
    """Schema step 5: the ``message_text`` FTS5 table, the triggers that keep it in step with
    ``messages``, and the text of every message stored so far."""
    await db.execute(
        "CREATE VIRTUAL TABLE message_text"
        " USING fts5(text, tokenize = 'unicode61 remove_diacritics 2')"
    )
    new = _text_rows("SELECT new.id AS id, new.line AS line")
    await db.execute(
        f"""
        CREATE TRIGGER message_text_insert AFTER INSERT ON messages WHEN new.event = 0
        BEGIN
            INSERT INTO message_text (rowid, text) {new};
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
            INSERT INTO message_text (rowid, text) {new} AND new.event = 0;
        END
        """
    )
    await db.execute(
        "INSERT INTO message_text (rowid, text)"
        + _text_rows("SELECT id, line FROM messages WHERE event = 0")
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

"""Full-text search in the PostgreSQL store (issue 15): the word index and its query.

The index is the ``words`` column of ``messages``, a ``tsvector`` with a GIN index (schema
step 2, :data:`SCHEMA_STEP`): for a stored PRIVMSG or NOTICE, the words of its text; for any
other line and for events, NULL. A search ANDs its words as a ``tsquery``, and the GIN index
answers ``words @@ query``; the newest matches come first by ``id`` (storage order).

Why the words are made in Python and not by ``to_tsvector('simple', ...)``: the search suite
(tests/storage/test_search_suite.py) holds every store to the memory store's matching, which
is whole words of letters and digits (:func:`chinwag.storage.search.search_terms`), case
folded and accents removed, so that "cafe" finds "CAFÉ" and "tre" does not find "tree".
PostgreSQL's text search parser splits differently (``e_f``, ``column:filter``, ``a-b``,
e-mail addresses, URLs and numbers such as ``1.5`` are tokens of their own kinds), and the
``simple`` configuration keeps accents (``unaccent`` is an extension that needs a superuser
to install). So the store computes the words with the same function as the reference
(:func:`chinwag.storage.search.folded_words`) and hands them to ``array_to_tsvector``, which
takes lexemes as they are: no parser, no dictionary, any language. The query is built the
same way, each word a quoted lexeme of a ``tsquery`` joined by ``&``: nothing a user types is
ever read as query syntax (no ``websearch_to_tsquery`` operators, no prefix ``:*``).

A word longer than :data:`MAX_LEXEME_BYTES` is left out of the index (``to_tsvector`` drops
such words too; a ``tsvector`` cannot hold them), so it cannot be searched for.
"""

from __future__ import annotations

from collections.abc import Callable

from chinwag.storage.search import SearchQuery, folded_words, message_text

SCHEMA_STEP = (
    "ALTER TABLE messages ADD COLUMN words tsvector",
    "CREATE INDEX messages_words ON messages USING gin (words)",
)
"""The statements of the schema step that adds the index (nothing was stored before it)."""

MAX_LEXEME_BYTES = 2046
"""The longest word (UTF-8 bytes) the index keeps: a ``tsvector`` lexeme holds < 2 KiB."""


def index_words(line: str, event: bool) -> list[str] | None:
    """The lexemes the index keeps for a stored ``line``: the folded words of its text,
    sorted; ``None`` for an event or a line that is not a PRIVMSG or NOTICE (never found)."""
    if event:
        return None
    text = message_text(line)
    if text is None:
        return None
    return sorted(w for w in folded_words(text) if len(w.encode()) <= MAX_LEXEME_BYTES)


def tsquery_text(terms: tuple[str, ...]) -> str | None:
    """The ``tsquery`` (as text, cast by the statement) requiring every word of ``terms``,
    folded as the index folds them; ``None`` when folding leaves no word (every message
    with text then matches, as in the memory store)."""
    words = sorted(folded_words(" ".join(terms)))
    if not words:
        return None
    # Quoted lexemes: a quote is doubled and a backslash escaped, so no word is an operator.
    quoted = ("'" + w.replace("\\", "\\\\").replace("'", "''") + "'" for w in words)
    return " & ".join(quoted)


def search_statement(
    query: SearchQuery, readable: Callable[[str], str], columns: str
) -> tuple[str, list[object]] | None:
    """The SELECT answering ``query`` (newest first) and its parameters; ``None`` when it can
    match nothing (a ``target`` that is not the asker's). ``readable`` gives the store's
    condition that the identity in the named parameter may read a (private) row of
    ``messages``; ``columns`` are the columns to select."""
    parameters: list[object] = [query.reader]
    reader = "$1"

    def param(value: object) -> str:
        parameters.append(value)
        return f"${len(parameters)}"

    conditions = ["messages.event = false", readable(reader)]
    if query.target is not None:
        if not query.may_search(query.target):
            return None
        conditions.append(f"messages.target = {param(query.target)}")
    else:
        # A conversation key is "low high" (base.conversation_key); identities hold no space.
        conditions.append(
            f"(messages.target = ANY({param(sorted(query.channels))}::text[])"
            " OR (strpos(messages.target, ' ') > 0"
            f" AND (split_part(messages.target, ' ', 1) = {reader}"
            f" OR split_part(messages.target, ' ', 2) = {reader})))"
        )
    if query.sender is not None:
        # ASCII lower case only, as CASEMAPPING=ascii (search.sender_nick) folds a nick.
        conditions.append(
            "translate(split_part(messages.sender, '!', 1), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',"
            f" 'abcdefghijklmnopqrstuvwxyz') = {param(query.sender)}"
        )
    if query.after is not None:
        conditions.append(f"messages.time >= {param(query.after)}")
    if query.before is not None:
        conditions.append(f"messages.time <= {param(query.before)}")
    if query.terms:
        # Words need a text to be in; without words any line matches (the memory store's).
        wanted = tsquery_text(query.terms)
        if wanted is None:
            conditions.append("messages.words IS NOT NULL")
        else:
            conditions.append(f"messages.words @@ {param(wanted)}::tsquery")
    statement = (
        f"SELECT {columns} FROM messages WHERE {' AND '.join(conditions)}"
        f" ORDER BY messages.id DESC LIMIT {param(query.limit)}"
    )
    return statement, parameters

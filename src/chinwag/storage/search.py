"""What a message search asks of a store (issue 15), and the word matching every store shares.

The ``SEARCH`` command (soju.im/search, :mod:`chinwag.server.commands.search`) turns its
attributes into a :class:`SearchQuery`; :meth:`chinwag.storage.base.Store.search` answers it.
Text is matched as words, never as a query language: :func:`search_terms` keeps only the
words of what a user typed (letters and digits, as SQLite FTS5's ``unicode61`` tokenizer
reads them), so quotes, ``*``, ``NEAR``, ``OR`` or parentheses are words or nothing, and the
SQLite store quotes each term (:func:`fts_query`).
"""

from __future__ import annotations

import re
import unicodedata

from chinwag.protocol.errors import ProtocolError
from chinwag.protocol.message import parse
from chinwag.storage.base import SearchQuery, StoredMessage

__all__ = [
    "MAX_TERMS",
    "SearchQuery",
    "folded_words",
    "fts_query",
    "matches",
    "message_text",
    "search_terms",
]

MAX_TERMS = 8
"""The most words of a search that count; the rest are ignored (a long query costs the store
one posting list per word)."""

_WORD = re.compile(r"[^\W_]+")
"""A run of letters and digits: what FTS5's ``unicode61`` tokenizer calls a token (it
separates on everything outside the L*, N* and Co categories, underscores included)."""


def search_terms(text: str) -> tuple[str, ...]:
    """The words of ``text`` a search looks for: letters and digits only, case and accents
    left to the matching, at most :data:`MAX_TERMS`, each once."""
    found: list[str] = []
    for word in _WORD.findall(text):
        if word not in found:
            found.append(word)
    return tuple(found[:MAX_TERMS])


def fts_query(terms: tuple[str, ...]) -> str:
    """An FTS5 MATCH expression requiring every one of ``terms``: each a quoted string
    (FTS5 "strings"), so no term is ever read as an operator, a column filter or a prefix."""
    return " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)


def message_text(line: str) -> str | None:
    """The text of a stored PRIVMSG or NOTICE line (a CTCP ACTION's without ``ACTION``);
    ``None`` for any other line."""
    try:
        message = parse(line)
    except ProtocolError:
        return None
    if message.command not in ("PRIVMSG", "NOTICE") or len(message.params) < 2:
        return None
    text = message.params[-1]
    if text.startswith("\x01ACTION "):
        text = text[len("\x01ACTION ") :].rstrip("\x01")
    return text


def folded_words(text: str) -> set[str]:
    """Words as FTS5's ``unicode61 remove_diacritics 2`` compares them: case folded,
    accents removed (the PostgreSQL store indexes exactly these)."""
    # ASCII has no decompositions and no combining marks: most lines skip the slow walk.
    plain = (
        text
        if text.isascii()
        else "".join(
            char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char)
        )
    )
    return {word.casefold() for word in _WORD.findall(plain)}


def matches(query: SearchQuery, message: StoredMessage) -> bool:
    """Whether ``message`` answers ``query`` apart from privacy (where, who, when, words):
    the memory store's matching, the reference the SQLite store's FTS5 index is held to."""
    if message.event or not query.may_search(message.target):
        return False
    if query.after is not None and message.time < query.after:
        return False
    if query.before is not None and message.time > query.before:
        return False
    if query.sender is not None and sender_nick(message.sender) != query.sender:
        return False
    if not query.terms:
        return True
    text = message_text(message.line)
    return text is not None and folded_words(" ".join(query.terms)) <= folded_words(text)


def sender_nick(source: str) -> str:
    """The nick of a message source (``nick!user@host``), folded as ``CASEMAPPING=ascii``
    folds it (the SQLite store compares with SQL ``lower``, which is ASCII only too)."""
    nick = source.partition("!")[0]
    return nick.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

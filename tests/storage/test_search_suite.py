"""Store.search (issue 15) against every store: the memory store's word match is the
reference the SQLite store's FTS5 index and the PostgreSQL store's tsvector index are held
to. Privacy first: nobody finds what CHATHISTORY would not show them."""

from __future__ import annotations

import pytest

from chinwag.protocol.casemap import Folded, fold
from chinwag.storage.base import Forget, Store, StoredMessage, conversation_key
from chinwag.storage.search import (
    MAX_TERMS,
    SearchQuery,
    folded_words,
    fts_query,
    search_terms,
)
from tests.storage import test_store_suite as suite
from tests.storage.test_store_suite import ANA, BO, LOBBY, MAL, account, ids, joined, left

store = suite.store
"""The shared suite's fixture: every test here runs against every store."""

ANA_BO = conversation_key(ANA, BO)
ANA_MAL = conversation_key(ANA, MAL)


def said(
    n: int,
    text: str,
    target: Folded = LOBBY,
    *,
    sender: str = "ana!~a@host",
    private: bool = False,
    command: str = "PRIVMSG",
) -> StoredMessage:
    shown = target if target.startswith("#") else "someone"
    line = f"@msgid=id{n};time=x :{sender} {command} {shown} :{text}"
    return StoredMessage(f"id{n}", target, sender, 1000.0 + n, line, private=private)


def query(
    text: str = "",
    *,
    reader: Folded = ANA,
    channels: tuple[str, ...] = ("#lobby",),
    **more: object,
) -> SearchQuery:
    return SearchQuery(
        reader,
        frozenset(fold(c) for c in channels),
        search_terms(text),
        **more,  # type: ignore[arg-type]
    )


async def test_words_match_whatever_their_case_and_accents(store: Store) -> None:
    await store.append(
        [
            said(1, "The Café opens at nine"),
            said(2, "nothing here"),
            said(3, "cafe au lait"),
            said(4, "\x01ACTION goes to the CAFÉ\x01"),
        ]
    )
    assert ids(await store.search(query("café"))) == ["id1", "id3", "id4"]
    assert ids(await store.search(query("cafe opens"))) == ["id1"]
    assert await store.search(query("ACTION")) == []


async def test_the_newest_matches_come_oldest_first_up_to_the_limit(store: Store) -> None:
    await store.append([said(n, f"tea number {n}") for n in range(1, 6)])
    assert ids(await store.search(query("tea", limit=2))) == ["id4", "id5"]
    assert await store.search(query("tea", limit=0)) == []


async def test_events_and_other_commands_never_match(store: Store) -> None:
    topic = StoredMessage("t", LOBBY, "ana!~a@h", 1001.0, ":ana!~a@h TOPIC #lobby :tea", event=True)
    await store.append([topic, said(2, "tea", command="NOTICE")])
    assert ids(await store.search(query("tea"))) == ["id2"]


async def test_in_from_after_and_before_narrow_the_search(store: Store) -> None:
    await store.append(
        [
            said(1, "hello", sender="Bo!~b@h"),
            said(2, "hello"),
            said(3, "hello", fold("#other")),
            said(4, "hello", sender="bo"),
        ]
    )
    both = ("#lobby", "#other")
    assert ids(await store.search(query("hello", channels=both))) == ["id1", "id2", "id3", "id4"]
    assert ids(await store.search(query("hello", channels=both, target=fold("#other")))) == ["id3"]
    assert ids(await store.search(query("hello", channels=both, sender=fold("BO")))) == [
        "id1",
        "id4",
    ]
    assert ids(await store.search(query(channels=both, after=1002.0, before=1003.0))) == [
        "id2",
        "id3",
    ]


async def test_query_syntax_is_only_words(store: Store) -> None:
    await store.append(
        [
            said(1, 'she said "near" NEAR the tree*'),
            said(2, "OR and AND are words too"),
            said(3, "日本語 テキスト"),
            said(4, "column:filter -minus ^caret"),
        ]
    )
    assert ids(await store.search(query('"near'))) == ["id1"]
    assert ids(await store.search(query("tree*"))) == ["id1"]
    assert ids(await store.search(query("NEAR(said tree)"))) == ["id1"]
    assert ids(await store.search(query("OR"))) == ["id2"]
    assert ids(await store.search(query("AND words"))) == ["id2"]
    assert ids(await store.search(query("日本語"))) == ["id3"]
    assert ids(await store.search(query("column:filter"))) == ["id4"]
    assert ids(await store.search(query("^caret -minus"))) == ["id4"]
    assert await store.search(query("tre")) == []  # words, not prefixes


def test_terms_are_words_quoted_and_few() -> None:
    assert search_terms('a "b" c* NEAR(d) e_f') == ("a", "b", "c", "NEAR", "d", "e", "f")
    assert len(search_terms(" ".join(f"w{n}" for n in range(20)))) == MAX_TERMS
    assert search_terms('*"():^-') == ()
    assert fts_query(("a", 'b"c')) == '"a" AND "b""c"'


def test_words_are_folded_alike_whether_or_not_the_text_is_ascii() -> None:
    # ASCII text takes a shorter path (no normalization); it must fold as the long one does.
    assert folded_words("The QUICK fox, the fox!") == {"the", "quick", "fox"}
    assert folded_words("Crème brûlée ΣΊΣΥΦΟΣ naïve") == {"creme", "brulee", "σισυφοσ", "naive"}
    assert folded_words("cafe\u0301 CAFE") == {"cafe"}


# -- privacy -----------------------------------------------------------------------------------


async def test_only_the_askers_own_direct_conversations(store: Store) -> None:
    bo_mal = conversation_key(BO, MAL)
    await store.append(
        [said(1, "secret", ANA_BO), said(2, "secret", bo_mal), said(3, "secret", ANA_MAL)]
    )
    assert ids(await store.search(query("secret", reader=ANA, channels=()))) == ["id1", "id3"]
    assert ids(await store.search(query("secret", reader=BO, channels=()))) == ["id1", "id2"]
    # Naming someone else's conversation finds nothing in it.
    assert await store.search(query("secret", reader=ANA, target=bo_mal)) == []
    assert ids(await store.search(query("secret", reader=ANA, target=ANA_BO))) == ["id1"]


async def test_only_the_askers_channels(store: Store) -> None:
    await store.append([said(1, "word", fold("#mine")), said(2, "word", fold("#theirs"))])
    assert ids(await store.search(query("word", channels=("#mine",)))) == ["id1"]
    assert await store.search(query("word", channels=("#mine",), target=fold("#theirs"))) == []


@pytest.mark.parametrize("text", ["", "plan"])
async def test_a_private_room_only_while_the_asker_was_a_member(store: Store, text: str) -> None:
    await store.append([said(1, "plan before", private=True)], [joined(ANA, 1001.5)])
    await store.append([said(2, "plan during", private=True)], [left(ANA, 1002.5)])
    await store.append([said(3, "plan after", private=True), said(4, "plan public")])

    assert ids(await store.search(query(text, reader=ANA))) == ["id2", "id4"]
    assert ids(await store.search(query(text, reader=MAL))) == ["id4"]


async def test_deleted_messages_are_not_found(store: Store) -> None:
    await store.create_account(account("Bo"))
    gone = Folded("s:0123")
    await store.append(
        [
            said(1, "old words"),
            said(2, "between us", conversation_key(gone, ANA)),
            said(3, "between ana and bo", ANA_BO),
            said(4, "new words"),
        ]
    )
    assert await store.prune(older_than=1002.0, keep_per_target=None) == 1
    assert ids(await store.search(query("words"))) == ["id4"]
    await store.append([], [Forget(gone)])
    assert await store.search(query("between", channels=())) == [
        said(3, "between ana and bo", ANA_BO)
    ]
    await store.drop_account(fold("bo"))
    assert await store.search(query("between", channels=())) == []

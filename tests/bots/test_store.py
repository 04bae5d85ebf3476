"""The bot's SQLite file: state by scope, scores by account, the weekly leaderboard."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chinwag.bots.store import BotStore, Standing, room_scope, user_scope, week_start

MONDAY = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)


async def test_state_is_kept_across_openings(tmp_path: Path) -> None:
    store = await BotStore.open(tmp_path / "bot.sqlite3")
    await store.put(room_scope("#Games"), "hangman", {"word": "chinwag", "tried": ["a"]})
    await store.put(user_scope("Ana"), "seen", 3)
    await store.close()
    again = await BotStore.open(tmp_path / "bot.sqlite3")
    assert await again.get(room_scope("#games"), "hangman") == {"word": "chinwag", "tried": ["a"]}
    assert await again.get(user_scope("ana"), "seen") == 3
    assert await again.get(room_scope("#other"), "hangman", "none") == "none"
    assert await again.scopes_with("hangman") == {
        room_scope("#games"): {"word": "chinwag", "tried": ["a"]}
    }
    await again.delete(room_scope("#games"), "hangman")
    assert await again.get(room_scope("#games"), "hangman") is None
    await again.close()


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
async def test_the_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    store = await BotStore.open(tmp_path / "deep" / "bot.sqlite3")
    await store.close()
    mode = stat.S_IMODE((tmp_path / "deep" / "bot.sqlite3").stat().st_mode)
    assert mode == 0o600


async def test_scores_follow_the_account_and_guests_keep_none(tmp_path: Path) -> None:
    store = await BotStore.open(tmp_path / "bot.sqlite3")
    now = MONDAY + timedelta(days=2)
    assert await store.add_points("trivia", "#games", "ana", 3, now)
    assert await store.add_points("trivia", "#GAMES", "ana", 2, now)
    assert await store.add_points("trivia", "#games", "bob", 4, now)
    assert not await store.add_points("trivia", "#games", "~guest", 9, now)
    assert await store.add_points("hangman", "#games", "bob", 50, now)
    assert await store.add_points("trivia", "#other", "bob", 50, now)
    board = await store.leaderboard("trivia", "#games")
    assert board == [Standing("ana", 5), Standing("bob", 4)]
    assert await store.points_of("trivia", "#games", "~guest") == 0
    await store.close()


async def test_the_weekly_leaderboard_starts_on_monday(tmp_path: Path) -> None:
    store = await BotStore.open(tmp_path / "bot.sqlite3")
    await store.add_points("trivia", "#games", "ana", 10, MONDAY - timedelta(seconds=1))
    await store.add_points("trivia", "#games", "bob", 2, MONDAY + timedelta(hours=1))
    now = MONDAY + timedelta(days=3)
    week = await store.leaderboard("trivia", "#games", since=week_start(now))
    assert week == [Standing("bob", 2)]
    assert await store.leaderboard("trivia", "#games") == [Standing("ana", 10), Standing("bob", 2)]
    assert await store.points_of("trivia", "#games", "ana", since=week_start(now)) == 0
    await store.close()


def test_a_week_starts_on_monday_at_midnight_utc() -> None:
    assert week_start(datetime(2026, 12, 13, 23, 59, tzinfo=UTC)) == MONDAY
    assert week_start(MONDAY) == MONDAY
    assert week_start(datetime(2026, 12, 14, 0, 0, tzinfo=UTC)) == MONDAY + timedelta(days=7)

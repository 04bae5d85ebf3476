"""A bot's memory: one SQLite file in its data directory (aiosqlite, off the event loop).

Two tables:

- ``state``: JSON values by scope and key. A scope is a room (:func:`room_scope`), a person
  (:func:`user_scope`, by account or guest id) or the bot itself (:data:`BOT_SCOPE`). Games keep
  the game in progress here, so a restarted bot carries on.
- ``scores``: every point scored, with the game, the room, the account and when, so the all-time
  and weekly leaderboards (:meth:`BotStore.leaderboard`) are sums over one table. Scores are
  kept by account, never by nick: a guest's points are not recorded.

The file is created on first use with mode 0600 (it may hold who played where).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite

from chinwag.bots.said import is_guest
from chinwag.protocol.casemap import fold

BOT_SCOPE = "bot"
"""The scope of what the bot keeps about itself (the rooms it was invited to)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS state (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE TABLE IF NOT EXISTS scores (
    game TEXT NOT NULL,
    room TEXT NOT NULL,
    account TEXT NOT NULL,
    points INTEGER NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS scores_by_room ON scores (game, room, at);
"""


def room_scope(room: str) -> str:
    """The scope of one room's state (its folded name)."""
    return "room:" + fold(room)


def user_scope(player: str) -> str:
    """The scope of one person's state: an account, or a guest's id."""
    return "user:" + (player if is_guest(player) else fold(player))


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 UTC of the week of ``moment``: where the weekly leaderboard starts."""
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True, slots=True)
class Standing:
    """One line of a leaderboard: an account and its points."""

    account: str
    points: int


class BotStore:
    """The bot's SQLite file: :meth:`open` it, then get and put state and record scores."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection

    @classmethod
    async def open(cls, path: Path) -> BotStore:
        """Open (creating if needed, mode 0600) the store at ``path``."""
        private_dir(path.parent)
        if not path.exists():
            path.touch(mode=0o600)
        connection = await aiosqlite.connect(path)
        await connection.execute("PRAGMA journal_mode=WAL")
        await connection.executescript(_SCHEMA)
        await connection.commit()
        return cls(connection)

    async def close(self) -> None:
        """Close the file; the store is not used after."""
        await self._db.close()

    # -- state -----------------------------------------------------------------------------

    async def get(self, scope: str, key: str, default: Any = None) -> Any:
        """The JSON value kept under ``scope`` and ``key``, or ``default``."""
        async with self._db.execute(
            "SELECT value FROM state WHERE scope = ? AND key = ?", (scope, key)
        ) as cursor:
            row = await cursor.fetchone()
        return default if row is None else json.loads(row[0])

    async def put(self, scope: str, key: str, value: Any) -> None:
        """Keep ``value`` (anything JSON can hold) under ``scope`` and ``key``."""
        await self._db.execute(
            "INSERT INTO state (scope, key, value) VALUES (?, ?, ?)"
            " ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value",
            (scope, key, json.dumps(value)),
        )
        await self._db.commit()

    async def delete(self, scope: str, key: str) -> None:
        """Forget what is kept under ``scope`` and ``key`` (nothing happens if nothing is)."""
        await self._db.execute("DELETE FROM state WHERE scope = ? AND key = ?", (scope, key))
        await self._db.commit()

    async def scopes_with(self, key: str) -> dict[str, Any]:
        """Every scope holding ``key``, with its value (a restarted bot finds its games)."""
        async with self._db.execute("SELECT scope, value FROM state WHERE key = ?", (key,)) as cur:
            rows = await cur.fetchall()
        return {scope: json.loads(value) for scope, value in rows}

    # -- scores ----------------------------------------------------------------------------

    async def add_points(
        self, game: str, room: str, player: str, points: int, at: datetime
    ) -> bool:
        """Record ``points`` for ``player`` in ``room``; False (nothing kept) for a guest."""
        if is_guest(player) or points == 0:
            return False
        await self._db.execute(
            "INSERT INTO scores (game, room, account, points, at) VALUES (?, ?, ?, ?, ?)",
            (game, fold(room), player, points, _stamp(at)),
        )
        await self._db.commit()
        return True

    async def leaderboard(
        self, game: str, room: str, *, since: datetime | None = None, limit: int = 5
    ) -> list[Standing]:
        """The ``limit`` best accounts of ``room`` in ``game``, all time or ``since`` a moment."""
        query = "SELECT account, SUM(points) AS total FROM scores WHERE game = ? AND room = ?"
        params: list[object] = [game, fold(room)]
        if since is not None:
            query += " AND at >= ?"
            params.append(_stamp(since))
        query += " GROUP BY account HAVING total > 0 ORDER BY total DESC, MIN(at) LIMIT ?"
        params.append(limit)
        async with self._db.execute(query, params) as cursor:
            rows = await cursor.fetchall()
        return [Standing(str(account), int(total)) for account, total in rows]

    async def points_of(
        self, game: str, room: str, player: str, *, since: datetime | None = None
    ) -> int:
        """``player``'s points in ``room`` (0 for a guest or nobody)."""
        query = "SELECT COALESCE(SUM(points), 0) FROM scores WHERE game = ? AND room = ?"
        query += " AND account = ?"
        params: list[object] = [game, fold(room), player]
        if since is not None:
            query += " AND at >= ?"
            params.append(_stamp(since))
        async with self._db.execute(query, params) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0


def _stamp(moment: datetime) -> str:
    """A UTC time that sorts as text (ISO 8601, microseconds, ``+00:00``)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def private_dir(path: Path) -> None:
    """Make the directory ``path`` (and its parents) if missing; one it makes is 0700, as the
    server's data directory is (an existing one keeps the mode its owner chose)."""
    if not path.is_dir():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)


def private_file(path: Path) -> None:
    """Make ``path`` readable by its owner only (where the system has such modes)."""
    if os.name == "posix":
        path.chmod(0o600)

"""Persistence behind a small interface: :class:`~chinwag.storage.base.Store`.

``sqlite`` (the default) keeps history in one file in the data directory; ``postgresql``
in a PostgreSQL database (several nodes may share it; needs the ``postgres`` extra);
``memory`` keeps recent history in the process, for tests and throw-away servers. All are
tested by the same suite (design.md rule 8).
"""

from __future__ import annotations

from chinwag.config import StorageSettings
from chinwag.storage.base import Store, StoreError
from chinwag.storage.memory import MemoryStore


async def open_store(settings: StorageSettings) -> Store:
    """The store ``settings`` (the ``[storage]`` section) ask for, opened and ready.

    Raises :class:`~chinwag.storage.base.StoreError` with a readable message if it cannot be
    opened. The caller owns the store and closes it (``ChinwagServer.stop`` does).
    """
    if settings.backend == "memory":
        return MemoryStore()
    if settings.backend == "sqlite":
        if settings.path is None:
            raise StoreError("[storage] path: no database file given")
        # Imported here so that the memory store (tests) does not load aiosqlite.
        from chinwag.storage.sqlite import SqliteStore

        return await SqliteStore.open(settings.path)
    if settings.backend == "postgresql":
        if not settings.dsn:
            raise StoreError("[storage] dsn: no PostgreSQL server given")
        try:
            # Imported here: asyncpg is an optional dependency (design.md rule 8).
            from chinwag.storage.postgres import PostgresStore
        except ImportError:
            raise StoreError(
                "PostgreSQL storage needs asyncpg: pip install 'chinwag[postgres]'"
            ) from None
        return await PostgresStore.open(settings.dsn)
    raise StoreError(f"[storage] backend: unknown backend {settings.backend!r}")

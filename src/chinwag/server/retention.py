"""How long history is kept: the ``[history]`` limits applied at start and every hour."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from chinwag.config import HistorySettings
from chinwag.storage.base import Store

log = logging.getLogger("chinwag.server")

PRUNE_SECONDS = 3600.0
"""How often old history is deleted, when ``[history]`` limits it."""


class Retention:
    """Deletes what ``[history] max_age_days`` and ``max_per_target`` no longer keep.

    :meth:`run` prunes at once and then every :data:`PRUNE_SECONDS` until cancelled; a
    store that fails is tried again at the next pass. :meth:`passed` lets a caller (a test,
    an operator's tool) wait for a pass instead of polling the store.
    """

    def __init__(
        self, store: Store, settings: HistorySettings, clock: Callable[[], float] = time.time
    ) -> None:
        self._store = store
        self._settings = settings
        self._clock = clock
        self._changed = asyncio.Condition()
        self.passes = 0
        """Passes finished so far, whether or not the store managed them."""

    @property
    def settings(self) -> HistorySettings:
        """The limits pruned to; a reload sets new ones, used from the next pass."""
        return self._settings

    @settings.setter
    def settings(self, settings: HistorySettings) -> None:
        self._settings = settings

    @property
    def enabled(self) -> bool:
        """Whether the settings limit history at all (without limits nothing is pruned)."""
        return bool(self._settings.max_age_days or self._settings.max_per_target)

    async def prune_once(self) -> int:
        """One pass: delete what the limits no longer keep; how many messages went."""
        settings = self._settings
        older_than = self._clock() - settings.max_age_days * 86400
        return await self._store.prune(
            older_than=older_than if settings.max_age_days else None,
            keep_per_target=settings.max_per_target or None,
        )

    async def run(self) -> None:
        """Prune now and every :data:`PRUNE_SECONDS`, until cancelled."""
        while True:
            try:
                removed = await self.prune_once()
            except Exception:  # a store that fails now may work in an hour; keep serving
                log.exception("could not delete old history")
            else:
                if removed:
                    log.info("deleted %d messages of old history", removed)
            async with self._changed:
                self.passes += 1
                self._changed.notify_all()
            await asyncio.sleep(PRUNE_SECONDS)

    async def passed(self, count: int = 1) -> None:
        """Return once ``count`` passes have finished."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.passes >= count)

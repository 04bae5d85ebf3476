"""What the PostgreSQL store's table mixins need from the store: a way to read rows and a
way to run one transaction (:class:`Tables`), kept apart so the mixins and the store share
one definition of them and import no cycle."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")

Work = Callable[[Any], Awaitable[T]]
"""What runs inside one transaction, given the ``asyncpg`` connection."""


class Tables:
    """The two ways :class:`~chinwag.storage.postgres.PostgresStore` reaches the database;
    mixins of it (always-on users, bans, registered channels) call these."""

    async def _rows(self, statement: str, *arguments: object) -> list[Any]:
        """The rows ``statement`` returns; a read, retried once on a fresh connection if
        the one it had was lost."""
        raise NotImplementedError  # the store's

    async def _write(self, work: Work[T]) -> T:
        """``work``'s result, run in one transaction: committed when it returns, rolled back
        if it raises."""
        raise NotImplementedError  # the store's


def affected(status: str) -> int:
    """How many rows a statement changed, from its command tag (``"DELETE 3"``)."""
    count = status.rsplit(" ", 1)[-1]
    return int(count) if count.isdigit() else 0

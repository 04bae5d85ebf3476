"""The bundled bots by name: what ``chinwag bot NAME`` runs and ``chinwag bot --list`` lists.

Each is imported only when asked for, so listing or running one never loads the others'
question sets and word lists.
"""

from __future__ import annotations

import importlib

from chinwag.bots.bot import Bot

BUNDLED: dict[str, tuple[str, str]] = {
    "dice": ("chinwag.bots.games.dice", "DiceBot"),
    "trivia": ("chinwag.bots.games.trivia", "TriviaBot"),
}
"""Bundled bot name -> (module, class)."""


class UnknownBot(LookupError):  # noqa: N818
    """No bundled bot has that name; the message lists those there are."""


def bot_class(name: str) -> type[Bot]:
    """The bundled bot class called ``name``; raises :class:`UnknownBot`."""
    entry = BUNDLED.get(name.lower())
    if entry is None:
        raise UnknownBot(f"there is no bot called {name!r}; bots: {', '.join(sorted(BUNDLED))}")
    module, attribute = entry
    found = getattr(importlib.import_module(module), attribute)
    if not (isinstance(found, type) and issubclass(found, Bot)):
        raise TypeError(f"{module}.{attribute} is not a Bot")
    return found


def listing() -> list[tuple[str, str]]:
    """Every bundled bot's name and summary, by name."""
    return [(name, bot_class(name).summary) for name in sorted(BUNDLED)]

"""The bundled bots by name: what ``chinwag bot NAME`` runs and ``chinwag bot --list`` lists.

Each is imported only when asked for, so listing or running one never loads the others'
question sets and word lists. ``NAME`` may also be your own bot: a file
(``mybot.py``, or ``mybot.py:MyBot`` when it holds several bots) or an importable module
(``mypackage.mybot:MyBot``).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

from chinwag.bots.bot import Bot

BUNDLED: dict[str, tuple[str, str]] = {
    "boards": ("chinwag.bots.games.boardgames", "BoardGamesBot"),
    "dice": ("chinwag.bots.games.dice", "DiceBot"),
    "hangman": ("chinwag.bots.games.hangman", "HangmanBot"),
    "trivia": ("chinwag.bots.games.trivia", "TriviaBot"),
}
"""Bundled bot name -> (module, class)."""


class UnknownBot(LookupError):  # noqa: N818
    """No bundled bot has that name; the message lists those there are."""


def bot_class(name: str) -> type[Bot]:
    """The bundled bot class called ``name``, or your own (see the module docstring); raises
    :class:`UnknownBot`."""
    entry = BUNDLED.get(name.lower())
    if entry is None and (":" in name or name.endswith(".py")):
        return _own_bot(name)
    if entry is None:
        raise UnknownBot(f"there is no bot called {name!r}; bots: {', '.join(sorted(BUNDLED))}")
    module, attribute = entry
    found = getattr(importlib.import_module(module), attribute)
    if not (isinstance(found, type) and issubclass(found, Bot)):
        raise TypeError(f"{module}.{attribute} is not a Bot")
    return found


def _own_bot(name: str) -> type[Bot]:
    """A bot class from a file or module of your own."""
    where, _, attribute = name.rpartition(":") if ":" in name else (name, "", "")
    if where.endswith(".py"):
        path = Path(where)
        if not path.is_file():
            raise UnknownBot(f"there is no file {where}")
        module_name = f"chinwag_own_bot_{path.stem}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise UnknownBot(f"cannot load {where} as Python")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module  # dataclasses look their module up while it loads
        spec.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(where)
        except ImportError as error:
            raise UnknownBot(f"cannot import {where}: {error}") from None
    if attribute:
        found = getattr(module, attribute, None)
        if not (isinstance(found, type) and issubclass(found, Bot)):
            raise UnknownBot(f"{where} has no bot class {attribute}")
        return found
    bots = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Bot)
        and value.__module__ == module.__name__
    ]
    if len(bots) != 1:
        names = ", ".join(sorted(b.__name__ for b in bots)) or "none"
        raise UnknownBot(
            f"{where} must hold one bot class, or be named FILE:CLASS (it has {names})"
        )
    return bots[0]


def listing() -> list[tuple[str, str]]:
    """Every bundled bot's name and summary, by name."""
    return [(name, bot_class(name).summary) for name in sorted(BUNDLED)]

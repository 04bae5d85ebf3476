"""Bots on the client core (issue 19): a small library for writing them, and the bundled games.

A bot is one module with one :class:`Bot` subclass: its commands (:func:`command`), its
reactions to what people say, and its state, kept in SQLite in the bot's data directory.
``chinwag bot NAME`` runs a bundled one (:mod:`chinwag.bots.catalogue`); docs/bots.md shows
how to write another.
"""

from chinwag.bots.bot import Bot, NoSettings
from chinwag.bots.commands import Text, command
from chinwag.bots.said import Call, Said

__all__ = ["Bot", "Call", "NoSettings", "Said", "Text", "command"]

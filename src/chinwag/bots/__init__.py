"""Bots on the client core (issue 19): a small library for writing them, and the bundled games.

A bot is one module with one :class:`~chinwag.bots.bot.Bot` subclass: its commands, its
reactions to what people say, and its state, kept in SQLite in the bot's data directory.
``chinwag bot NAME`` runs a bundled one (:mod:`chinwag.bots.catalogue`).
"""

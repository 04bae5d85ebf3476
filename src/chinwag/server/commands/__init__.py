"""Command handlers, one module per area, each registering its commands with the dispatcher."""

from __future__ import annotations

import importlib

MODULES = (
    "cap",
    "registration",
    "info",
    "messaging",
    "channels",
    "modes",
    "queries",
    "users",
    "metadata",
    "chathistory",
    "readmarker",
    "redact",
    "search",
    "sasl",
    "accounts",
    "serverbans",
)


def load_all() -> None:
    """Import every handler module so its commands are in the registry."""
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
    importlib.import_module("chinwag.server.services.nickserv")
    importlib.import_module("chinwag.server.services.chanserv")

"""Naming a PostgreSQL server in messages and logs without giving its password away."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def public_dsn(dsn: str) -> str:
    """``dsn`` with its password (if any) replaced by ``***``: what a message or the start-up
    banner may show of ``[storage] dsn``."""
    try:
        parts = urlsplit(dsn)
        password = parts.password
    except ValueError:
        return "the configured PostgreSQL server"
    if password is None:
        return dsn
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))

"""Persistence behind a small interface: :class:`~chinwag.storage.base.Store`.

``memory`` keeps recent history in the process (the default until the SQLite store lands);
SQLite and PostgreSQL stores implement the same interface and are tested by the same suite.
"""

"""Complete IRC lines as outboxes take them: joined once, shared by every member they go to.

Kept apart from :mod:`chinwag.server.state` (which re-exports :class:`Lines`): the transport's
outboxes and the delivery path both handle them, and they hold no state of the server.
"""

from __future__ import annotations


class Lines:
    """Complete IRC lines (bytes ending in CR LF) handed to outboxes as one piece, often the
    same piece to many (a channel run to every member): their total size and their bytes back
    to back are worked out once for all of them.

    Made from lines (``Lines(items)``) or from pieces, single lines and other ``Lines``
    (:meth:`joining`: one connection's turn, a run then a notice), which are not taken apart
    unless someone asks for :attr:`items`. Nothing given may change afterwards.
    """

    __slots__ = ("_data", "_items", "_pieces", "size")

    def __init__(self, items: list[bytes], size: int | None = None) -> None:
        self._items: list[bytes] | None = items
        self._pieces: list[bytes | Lines] | None = None
        self.size = sum(map(len, items)) if size is None else size
        self._data: bytes | None = None

    @classmethod
    def joining(cls, pieces: list[bytes | Lines], size: int) -> Lines:
        """The lines of ``pieces`` in order (``size``: their total length in bytes)."""
        lines = cls([], size)
        lines._items = None
        lines._pieces = pieces
        return lines

    @property
    def items(self) -> list[bytes]:
        """The lines one by one (as a message transport sends them)."""
        items = self._items
        if items is None:
            items = []
            for piece in self._pieces or ():
                if isinstance(piece, Lines):
                    items.extend(piece.items)
                else:
                    items.append(piece)
            self._items = items
        return items

    @property
    def data(self) -> bytes:
        """The lines back to back, as a stream carries them (joined on first use)."""
        data = self._data
        if data is None:
            items = self._items
            if items is not None:
                data = items[0] if len(items) == 1 else b"".join(items)
            else:
                pieces = self._pieces or ()
                data = b"".join([p.data if isinstance(p, Lines) else p for p in pieces])
            self._data = data
        return data

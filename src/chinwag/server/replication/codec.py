"""The entries of a cluster's network log, as bytes (docs/scaling.md "The log").

Every node appends what happened on it (a connection opened, the lines a client sent, the
outcome of store work, a timer) and applies every entry of the log in order. An entry is a
tuple whose first item names its kind (:data:`KINDS`); it travels pickled, because what the
core's deferred work returns (accounts, stored messages, ...) is plain Python objects of
chinwag's own classes. Only the nodes of one network write the log, but unpickling runs
code named by the data, so :func:`decode` resolves only chinwag's own classes and a short
list of standard ones (classes only, never a function or a module): a log entry cannot make
a node import or call anything else. The log is still trusted infrastructure (whoever can
write to Redis can make users say things): run it on a private network (docs/scaling.md).

Exceptions are never pickled as they are (their arguments are anything): deferred work that
failed travels as :class:`RemoteError` with the text of the original, or as a
:class:`~chinwag.storage.base.StoreError` if it was one, which is what the core's
continuations look at.
"""

from __future__ import annotations

import io
import pickle
import types
from collections.abc import Callable
from typing import Any

from chinwag.server.state import Channel, Network, Session, User
from chinwag.storage.base import StoreError

KINDS = frozenset(
    {
        "restore",  # the kept state, loaded from the store by the node that began the epoch
        "connect",  # a connection opened on a node
        "lines",  # lines (or framing errors) a connection sent
        "overflow",  # a connection's outbox passed its SendQ
        "lost",  # a connection closed
        "tick",  # a node's ticker: timeouts and saves, at the log's time
        "done",  # deferred work started by a node ended
        "timer",  # a timer a node started went off
        "node-lost",  # a node's lease lapsed: its connections are gone
        "node-left",  # a node stopped on purpose
        "config",  # a node re-read its configuration (SIGHUP): every node applies it
    }
)
"""What an entry may say (its first item)."""


class RemoteError(Exception):
    """Deferred work failed on the node that ran it; the text says how."""


class NodeLostError(RemoteError):
    """The node running some deferred work left the network before it ended."""


_ALLOWED_MODULES = ("chinwag.",)
_ALLOWED = {
    ("builtins", name)
    for name in (
        "set",
        "frozenset",
        "bytearray",
        "complex",
        "range",
        "slice",
    )
} | {
    ("copyreg", "_reconstructor"),
    ("builtins", "object"),
    ("collections", "deque"),
    ("collections", "OrderedDict"),
    ("datetime", "datetime"),
    ("datetime", "timezone"),
    ("datetime", "timedelta"),
    ("pathlib", "PosixPath"),
    ("pathlib", "WindowsPath"),
    ("pathlib", "PurePosixPath"),
    ("pathlib", "PureWindowsPath"),
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        if module.startswith(_ALLOWED_MODULES):
            found = super().find_class(module, name)
            # Classes only: a function, or a module a chinwag module imported, would let an
            # entry call anything at all.
            if isinstance(found, type):
                return found
        raise pickle.UnpicklingError(f"a log entry may not name {module}.{name}")


Resolve = Callable[[str, Any], object]
"""Finds the object a reference names in this node's state (:func:`decode_value`)."""


class _ValuePickler(pickle.Pickler):
    def persistent_id(self, obj: Any) -> Any:
        # The network's own objects travel as references: every node resolves a reference
        # to its own copy, which is the same at the same point of the log.
        if isinstance(obj, Channel):
            return ("channel", obj.folded)
        if isinstance(obj, User):
            return ("user", obj.token)
        if isinstance(obj, Session):
            return ("session", obj.id)
        if isinstance(obj, Network):
            return ("network", None)
        return None


class _ValueUnpickler(_Unpickler):
    def __init__(self, data: bytes, resolve: Resolve) -> None:
        super().__init__(io.BytesIO(data))
        self._resolve = resolve

    def persistent_load(self, pid: Any) -> Any:
        kind, key = pid
        return self._resolve(kind, key)


def encode_value(value: object) -> bytes:
    """The bytes of ``value``, the outcome of deferred work: plain data by value, and the
    network's channels, users and sessions by reference (they are not the work's to copy)."""
    buffer = io.BytesIO()
    _ValuePickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def decode_value(data: bytes, resolve: Resolve) -> object:
    """The value :func:`encode_value` made, its references found with ``resolve`` (which
    raises ``LookupError`` for one that names nothing here any more)."""
    return _ValueUnpickler(data, resolve).load()


def encode(entry: tuple[Any, ...], sequence: int | None) -> bytes:
    """The bytes of one entry (its first item is one of :data:`KINDS`), the ``sequence``-th
    this node appends (``None`` for an entry that may be applied twice harmlessly: those
    appended by the log's own atomic steps, outside the node's numbered run)."""
    return pickle.dumps((sequence, entry), protocol=pickle.HIGHEST_PROTOCOL)


def decode(data: bytes) -> tuple[int | None, tuple[Any, ...]]:
    """The sequence number and entry ``data`` holds; raises ``ValueError`` for anything
    that is not one."""
    try:
        sequence, entry = _Unpickler(io.BytesIO(data)).load()
    except Exception as error:
        raise ValueError(f"not a log entry: {error}") from error
    if not isinstance(entry, tuple) or not entry or entry[0] not in KINDS:
        raise ValueError("not a log entry")
    if sequence is not None and not isinstance(sequence, int):
        raise ValueError("not a log entry")
    return sequence, entry


def portable_error(error: BaseException) -> BaseException:
    """What to ship of ``error``, the failure of deferred work: a
    :class:`~chinwag.storage.base.StoreError` as one, anything else as
    :class:`RemoteError`, both with the original's text."""
    if isinstance(error, StoreError):
        return StoreError(str(error))
    if isinstance(error, RemoteError):
        return type(error)(str(error))
    return RemoteError(f"{type(error).__name__}: {error}")


class _StatePickler(pickle.Pickler):
    def persistent_id(self, obj: Any) -> Any:
        # What belongs to this node's connections stays behind: outboxes become the one that
        # drops everything, and the transport's callbacks nothing (the joining node's sessions
        # are all someone else's).
        if isinstance(obj, types.MethodType | types.FunctionType):
            return ("nothing", None)
        if hasattr(obj, "write_lines") and not isinstance(obj, Session | User | Channel):
            return ("outbox", None)
        if hasattr(obj, "hold_input"):
            return ("nothing", None)  # a session's reader: this node's transport
        return None


class _StateUnpickler(_Unpickler):
    def __init__(self, data: bytes, outbox: object) -> None:
        super().__init__(io.BytesIO(data))
        self._null_outbox = outbox

    def persistent_load(self, pid: Any) -> Any:
        kind, _ = pid
        return self._null_outbox if kind == "outbox" else None


def encode_state(state: dict[str, Any]) -> bytes:
    """The bytes of a node's whole state (a snapshot, docs/scaling.md "Snapshots"): the
    network's objects by value, each connection's outbox and transport callbacks left out."""
    buffer = io.BytesIO()
    _StatePickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(state)
    return buffer.getvalue()


def decode_state(data: bytes, outbox: object) -> dict[str, Any]:
    """The state :func:`encode_state` made, every session's outbox ``outbox``."""
    state = _StateUnpickler(data, outbox).load()
    if not isinstance(state, dict):
        raise ValueError("not a snapshot")
    return state


def adopt(target: object, source: object) -> None:
    """Give ``target`` every attribute of ``source`` (of the same class): a snapshot's objects
    replace the contents of the ones the core's services already hold."""
    for cls in type(source).__mro__:
        slots = getattr(cls, "__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name not in ("__dict__", "__weakref__") and hasattr(source, name):
                setattr(target, name, getattr(source, name))
    if hasattr(source, "__dict__"):
        vars(target).update(vars(source))

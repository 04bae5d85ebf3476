"""The lines that carry metadata to one session, in the form its draft asks for.

``draft/metadata-2`` tells of a key with ``METADATA <target> <key> <visibility> [<value>]``;
``draft/metadata-3`` (ircv3-specifications pull request #613, "Notifications") with
RPL_KEYVALUE (761) or, for a key that is not set, RPL_KEYNOTSET (766), both addressed to the
recipient. Which a session gets is its :class:`~chinwag.protocol.metadata.Dialect`. This
module needs only state and the protocol, so that presence (MONITOR) can use it as well as the
metadata service; it builds messages and leaves sending them to the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet

from chinwag.protocol import numerics as n
from chinwag.protocol.message import Message
from chinwag.protocol.metadata import VISIBLE_TO_ALL, Dialect, dialect_for
from chinwag.server.state import Network, Session, User
from chinwag.server.tags import new_batch_id

Store = tuple[str, dict[str, str]]
"""A target's name as shown and its keys."""

KEY_NOT_SET = "Key not set"
"""The trailing text of RPL_KEYNOTSET."""


def dialect_of(session: Session) -> Dialect | None:
    """The metadata dialect ``session`` negotiated, or ``None`` without metadata."""
    return dialect_for(session.caps)


def is_metadata_aware(session: Session) -> bool:
    """metadata-3's "metadata-aware client": the capability and batch, the sessions its
    automatic synchronisation (JOIN, RPL_MONONLINE) is owed to."""
    dialect = dialect_of(session)
    return dialect is not None and dialect.batch_bound and session.has("batch")


def value_message(
    server: str, session: Session, dialect: Dialect, name: str, key: str, value: str | None
) -> Message:
    """The line telling ``session`` that ``name``'s ``key`` is ``value`` (``None``: not set,
    or removed)."""
    if dialect.numeric_notifications:
        if value is None:
            return Message(n.RPL_KEYNOTSET, (session.target, name, key, KEY_NOT_SET), server)
        return Message(n.RPL_KEYVALUE, (session.target, name, key, VISIBLE_TO_ALL, value), server)
    params = (name, key, VISIBLE_TO_ALL) + (() if value is None else (value,))
    return Message("METADATA", params, server)


def store_messages(
    server: str,
    session: Session,
    dialect: Dialect,
    stores: Iterable[Store],
    keys: AbstractSet[str] | None,
) -> list[Message]:
    """The set keys of each store (only those in ``keys`` unless it is ``None``), in key order
    within a store. Keys that are not set are left out (metadata-3 "SYNC": the server "MAY
    ... omit the key entirely")."""
    return [
        value_message(server, session, dialect, name, key, value)
        for name, store in stores
        for key, value in sorted(store.items())
        if keys is None or key in keys
    ]


def channel_stores(
    channel_name: str, channel_keys: dict[str, str], members: Iterable[User]
) -> list[Store]:
    """A channel's keys and its members', as a ``SYNC`` of the channel sends them."""
    return [(channel_name, channel_keys), *((member.nick, member.metadata) for member in members)]


def visible_stores(network: Network, session: Session) -> list[Store]:
    """Every target visible to ``session``'s user (metadata-3 "Definitions"): its channels,
    the users in them, itself and, with metadata-3, the online users it MONITORs; each once."""
    user = session.user
    if user is None:
        return []
    stores: list[Store] = []
    users: dict[int, User] = {id(user): user}
    for channel in sorted(user.channels.values(), key=lambda c: c.folded):
        stores.append((channel.name, channel.metadata))
        for member in channel.members:
            users.setdefault(id(member), member)
    dialect = dialect_of(session)
    if dialect is not None and dialect.monitor:
        for nick in sorted(session.monitoring):
            watched = network.find_user(nick)
            if watched is not None:
                users.setdefault(id(watched), watched)
    stores.extend((other.nick, other.metadata) for other in users.values())
    return stores


def batched(
    server: str, session: Session, kind: str, param: str, inner: list[Message]
) -> list[Message]:
    """``inner`` in a batch of type ``kind`` for a session with batch (as they are without)
    (https://ircv3.net/specs/extensions/batch), for lines not sent as a command's reply."""
    if not session.has("batch"):
        return inner
    ref = new_batch_id()
    return [
        Message("BATCH", ("+" + ref, kind, param), server),
        *(message.with_tags({"batch": ref}) for message in inner),
        Message("BATCH", ("-" + ref,), server),
    ]


def monitor_sync(server: str, session: Session, user: User) -> list[Message]:
    """What follows an RPL_MONONLINE about ``user`` for a metadata-3 session: a ``metadata``
    batch identical to ``METADATA <nick> SYNC`` (metadata-3 "Automatic synchronization");
    nothing for other sessions."""
    dialect = dialect_of(session)
    if dialect is None or not dialect.monitor or not is_metadata_aware(session):
        return []
    inner = store_messages(
        server, session, dialect, [(user.nick, user.metadata)], session.metadata_subs
    )
    return batched(server, session, "metadata", user.nick, inner)

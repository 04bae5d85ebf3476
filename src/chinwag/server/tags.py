"""The tags the server puts on what it relays, and which of them each session may see.

- ``time`` (https://ircv3.net/specs/extensions/server-time): :func:`server_time` formats it,
  :func:`parse_timestamp` reads one back (history references, read markers);
- ``msgid`` (https://ircv3.net/specs/extensions/message-ids): :func:`new_msgid`, made by the
  current :mod:`~chinwag.server.sources` (as is the time :func:`server_time` stamps by default);
- ``account`` (account-tag) and the reference tags of batches (:func:`new_batch_id`).

Which tags a session receives is decided here once (:func:`serialize_for`): ``time`` needs
server-time, ``account`` needs account-tag, ``batch`` needs batch, ``label`` needs
labeled-response, and every other tag (``msgid``, ``bot``, client-only ``+tags``) needs
message-tags (https://ircv3.net/specs/extensions/message-tags). A session's capabilities are
folded into a bit mask (:attr:`chinwag.server.state.Session.tag_mask`) so that a fan-out
serializes a message once per distinct mask, not once per recipient.
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime

from chinwag.protocol.framing import MAX_BODY_BYTES, fit_line
from chinwag.protocol.message import Message
from chinwag.server import sources
from chinwag.server.state import (
    TAG_ACCOUNT,
    TAG_BATCH,
    TAG_LABEL,
    TAG_MESSAGE_TAGS,
    TAG_SERVER_TIME,
)

_TAG_BIT = {
    "time": TAG_SERVER_TIME,
    "account": TAG_ACCOUNT,
    "batch": TAG_BATCH,
    "label": TAG_LABEL,
    # Defined by draft/chathistory for the opening BATCH line of a history reply, and put
    # there only for a session with that capability: it needs the batch, not message-tags.
    "draft/chathistory-end": TAG_BATCH,
}

_batch_ids = itertools.count(1)

_last_stamp: list[object] = [-1, "", -1, ""]
"""The last (millisecond, text, second, text up to the seconds) :func:`server_time` made: a
burst in one millisecond formats the time once, and a steady stream formats the date and
time of day once a second and only the milliseconds per message. Shared by every core in
the process: it only caches a pure function of the clock."""


def server_time(timestamp: float | None = None) -> str:
    """A ``time`` tag value: UTC, millisecond precision (server-time spec)."""
    millis = int((sources.now() if timestamp is None else timestamp) * 1000)
    stamp = _last_stamp
    if millis == stamp[0]:
        return str(stamp[1])
    seconds = millis // 1000
    if seconds != stamp[2]:
        moment = datetime.fromtimestamp(seconds, UTC)
        # Not strftime("%Y"): glibc writes year 1 as "1", and the spec's format has four digits.
        stamp[2], stamp[3] = seconds, f"{moment.year:04d}-" + moment.strftime("%m-%dT%H:%M:%S.")
    text = f"{stamp[3]}{millis % 1000:03d}Z"
    stamp[0], stamp[1] = millis, text
    return text


_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z")


def parse_timestamp(text: str) -> float | None:
    """The Unix time of a server-time timestamp ``YYYY-MM-DDThh:mm:ss.sssZ`` (server-time
    spec), or ``None`` if ``text`` is not one. The same conversion as the store's, so a
    message's own timestamp names exactly its stored time."""
    if not _TIMESTAMP.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:  # a well-formed string naming no real moment (month 13)
        return None


new_msgid = sources.new_msgid
"""A fresh message id, unique across servers and restarts (message-ids spec): the current
sources' (:meth:`~chinwag.server.sources.Sources.new_msgid`)."""


def new_batch_id() -> str:
    """A batch reference tag unique in this process (batch spec, "reference tag")."""
    return f"b{next(_batch_ids)}"


def event_tags(account: str | None = None) -> dict[str, str]:
    """The tags every relayed event carries: ``time``, ``msgid`` and ``account`` if any."""
    tags = {"time": server_time(), "msgid": new_msgid()}
    if account:
        tags["account"] = account
    return tags


def tag_mask_needed(message: Message) -> int:
    """Which tag-mask bits matter for this message: two sessions that agree on them get
    the same bytes."""
    needed = 0
    for key in message.tags:
        needed |= _TAG_BIT.get(key, TAG_MESSAGE_TAGS)
    return needed


def serialize_for(message: Message, mask: int) -> bytes:
    """The line (CRLF-terminated bytes) of ``message`` for a session with tag mask ``mask``,
    never longer than Modern IRC allows after its tags (:func:`~chinwag.protocol.framing
    .fit_line`)."""
    if not message.tags:
        data = message.to_bytes()
    elif not mask:
        data = Message(message.command, message.params, message.source).to_bytes()
    else:
        kept = {
            key: value
            for key, value in message.tags.items()
            if mask & _TAG_BIT.get(key, TAG_MESSAGE_TAGS)
        }
        if len(kept) == len(message.tags):
            data = message.to_bytes()
        else:
            data = Message(message.command, message.params, message.source, kept).to_bytes()
    # Once per distinct mask, never per recipient; most lines are shorter and pass at once.
    return data if len(data) <= MAX_BODY_BYTES else fit_line(data)

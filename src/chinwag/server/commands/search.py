"""``SEARCH``: soju's ``soju.im/search`` extension (issue 15), answered from the store's
full-text index.

Reference: soju's ``doc/ext/search.md`` (work in progress; capability ``soju.im/search``,
batch type ``soju.im/search``). In short, and where the draft leaves a choice:

- ``SEARCH <attributes>``: one parameter of ``key=value`` pairs separated by ``;``, values
  escaped as message tag values are (``\\:`` for ``;``, ``\\s`` for a space...). The
  attributes are ``in`` (a channel or a nick: the direct conversation with it), ``from`` (a
  nick, compared case-insensitively with the sender's nick as it was then), ``after`` and
  ``before`` (``server-time`` timestamps, inclusive), ``text`` (words that must all be in the
  message, case and accents aside; see :mod:`chinwag.storage.search`) and ``limit``. Any other
  attribute, or a value that cannot be read, is ``FAIL SEARCH INVALID_PARAMS <attribute>``
  (as soju does); a store that fails is ``FAIL SEARCH INTERNAL_ERROR``.
- The answer is a ``soju.im/search`` batch (sent even when empty) of the newest matching
  PRIVMSG and NOTICE lines, oldest first (the draft: "SHOULD be ascending time order"), each
  as it was relayed, with its original ``time``, ``msgid`` and ``account`` tags. ``limit``
  defaults to the ISUPPORT ``CHATHISTORY`` value and is capped at it; 0 means that value,
  as for ``CHATHISTORY``.
- What may be found is exactly what ``CHATHISTORY`` would give the asker (docs/security.md):
  the channels they are in now, and of those a private line only if they were a member
  when it was said; and their own direct conversations, keyed by their identity (account,
  or this session for someone not logged in), never anyone else's. An ``in`` naming a
  channel they are not in finds nothing (an empty batch), which tells nothing about it.
"""

from __future__ import annotations

from chinwag.protocol.casemap import Folded, fold, is_channel_name, is_valid_nick
from chinwag.protocol.message import Message, parse_tags
from chinwag.server.context import Context
from chinwag.server.dispatch import command
from chinwag.server.history import identity
from chinwag.server.services.playback import direct_target, replay_messages
from chinwag.server.tags import parse_timestamp
from chinwag.storage.base import StoredMessage
from chinwag.storage.search import SearchQuery, search_terms

BATCH_TYPE = "soju.im/search"
"""The batch type of SEARCH replies (no parameter)."""

ATTRIBUTES = ("in", "from", "after", "before", "text", "limit")
"""The attributes the draft defines, all of which are recognised."""

HALF_MILLISECOND = 0.0005
"""Stored times are whole milliseconds; inclusive bounds reach this far beyond a timestamp
so that a message stamped exactly there counts."""


class InvalidAttributeError(Exception):
    """An attribute that cannot be used; ``args`` are its name and the description."""


def _fail(ctx: Context, code: str, description: str, *context: str) -> None:
    ctx.fail("SEARCH", code, description, *context)


@command("SEARCH", min_params=1)
def search(ctx: Context, message: Message) -> None:
    """SEARCH <attributes> (soju.im/search, "SEARCH Command"); see the module docstring."""
    try:
        query = _query(ctx, parse_tags(message.params[0]))
    except InvalidAttributeError as error:
        name, description = error.args
        _fail(ctx, "INVALID_PARAMS", description, name)
        return
    deps = ctx.deps
    ctx.later(
        deps.history.after(deps.store.search(query)),
        _send,
        lambda ctx, _error: _fail(ctx, "INTERNAL_ERROR", "The search could not be run"),
    )


def _query(ctx: Context, attributes: dict[str, str]) -> SearchQuery:
    """The store query the attributes ask for, limited to what the asker may read."""
    for name in attributes:
        if name not in ATTRIBUTES:
            raise InvalidAttributeError(name, "Unknown search attribute")
    user = ctx.user
    most = ctx.deps.config.history.chathistory_limit
    limit = most
    if "limit" in attributes:
        given = attributes["limit"]
        if not (given.isascii() and given.isdigit()):
            raise InvalidAttributeError("limit", "Invalid limit")
        limit = min(int(given), most) or most
    terms: tuple[str, ...] = ()
    if "text" in attributes:
        terms = search_terms(attributes["text"])
        if not terms:
            raise InvalidAttributeError("text", "No words to search for")
    sender = None
    if "from" in attributes:
        if not is_valid_nick(attributes["from"], ctx.deps.limits.nicklen):
            raise InvalidAttributeError("from", "Invalid nick")
        sender = fold(attributes["from"])
    return SearchQuery(
        reader=identity(user),
        channels=frozenset(user.channels),
        terms=terms,
        target=_target(ctx, attributes["in"]) if "in" in attributes else None,
        sender=sender,
        after=_moment(attributes, "after", -HALF_MILLISECOND),
        before=_moment(attributes, "before", HALF_MILLISECOND),
        limit=limit,
    )


def _target(ctx: Context, name: str) -> Folded:
    """The store key ``in`` names: a channel (found only if the asker is in it), or the
    direct conversation with a nick (as ``CHATHISTORY`` resolves it)."""
    if is_channel_name(name):
        return fold(name)
    if is_valid_nick(name, ctx.deps.limits.nicklen):
        return direct_target(ctx, name).key
    raise InvalidAttributeError("in", "Invalid target")


def _moment(attributes: dict[str, str], name: str, margin: float) -> float | None:
    if name not in attributes:
        return None
    moment = parse_timestamp(attributes[name])
    if moment is None:
        raise InvalidAttributeError(name, "Invalid timestamp")
    return moment + margin


def _send(ctx: Context, found: list[StoredMessage]) -> None:
    """The matches as one ``soju.im/search`` batch (bare lines without ``batch``)."""
    with ctx.reply.batch(BATCH_TYPE):
        for stored in found:
            # A multiline message in its batch or as lines, as history gives it.
            for line in replay_messages(ctx.session, stored):
                ctx.reply.add(line)

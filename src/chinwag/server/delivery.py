"""The one path to every outbox: fan-out, channel runs, batches and durability gates.

Each :class:`~chinwag.server.core.ServerCore` owns one :class:`Delivery`, and nothing else
writes to an outbox (design.md rule 4), so the order in which a session hears things and the
gates that hold back acknowledgements cannot be bypassed by a new writer:

- **Fan-out** (:meth:`Delivery.deliver`) serializes a message once per distinct tag mask and
  queues the line on each outbox without awaiting anyone (design.md rule 5).
- **Channel runs** (:meth:`Delivery.to_channel`): inside a batch (:meth:`Delivery.begin`,
  one per slice of a peer's input), consecutive messages to the same channel are collected
  and each member gets the whole run in one write. Every other write settles the run first,
  so what each member receives, and in which order, is the same as delivering each message
  at once.
- **Crowds**: a fan-out to :data:`CROWD` sessions or more is queued with the outboxes' bulk
  writes, which may wait a few loop turns behind everything else and gather what follows into
  one write per member; a storm of JOINs to a room of thousands then costs the other rooms
  a slice of time per turn, not the storm's every write (issue 20).
- **Durability gates** (issue 4: "a message is durable before it is echoed or acknowledged
  to its sender"): replies that acknowledge a stored message, and everything the sender is
  told after them, wait on the sender's gate until :meth:`Delivery.committed` says the
  message is on disk (:mod:`chinwag.server.history` calls it).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from chinwag.protocol.message import Message
from chinwag.server.lines import Lines
from chinwag.server.metrics import Counters
from chinwag.server.state import NULL_OUTBOX, Session
from chinwag.server.tags import serialize_for, tag_mask_needed

CROWD = 200
"""Sessions from which a fan-out is a crowd's: queued in the outboxes' crowd lane."""

NOTHING = Lines([])
"""No lines: what a gate holds for a command that had no reply, to keep its place."""


class _ChannelRun:
    """Consecutive messages to one channel, collected within one batch.

    ``sessions`` is the channel's member list (:attr:`Channel.all_sessions`) and each message
    is kept with the session that sent it, which does not hear it.
    """

    __slots__ = ("messages", "senders", "sessions")

    def __init__(self, sessions: list[Session], message: Message, sender: Session) -> None:
        self.sessions = sessions
        self.messages = [message]
        self.senders = [sender]

    def deliver(self, counters: Counters) -> None:
        """Queue the run on every member: one write per member of the whole run."""
        messages, senders = self.messages, self.senders
        if len(messages) == 1:
            _fan_out(self.sessions, messages[0], senders[0], counters)
            return
        # Each message reaches every member but its sender: counted once per run, not per
        # member, so the fan-out loop below stays as it was.
        counters.deliveries += len(messages) * len(self.sessions) - len(senders)
        needs = [tag_mask_needed(message) for message in messages]
        caches: list[dict[int, bytes]] = [{} for _ in messages]
        by_mask: dict[int, Lines] = {}
        speakers = set(senders)

        def serialized(mask: int) -> Lines:
            items = []
            for message, needed, cache in zip(messages, needs, caches, strict=True):
                key = mask & needed
                data = cache.get(key)
                if data is None:
                    data = cache[key] = serialize_for(message, key)
                items.append(data)
            lines = by_mask[mask] = Lines(items)
            return lines

        crowd = len(self.sessions) >= CROWD
        for session in self.sessions:
            mask = session.tag_mask
            lines = by_mask.get(mask)
            if lines is None:
                lines = serialized(mask)
            if session in speakers:
                pairs = zip(lines.items, senders, strict=True)
                heard = [line for line, sender in pairs if sender is not session]
                if not heard:
                    continue
                lines = Lines(heard)
            # Every member with this mask who did not speak gets the same Lines: joined once.
            if crowd:
                session._outbox.write_bulk_lines(lines)
            else:
                session._outbox.write_lines(lines)


def _fan_out(
    sessions: Iterable[Session], message: Message, exclude: Session | None, counters: Counters
) -> None:
    """Queue ``message`` on every session but ``exclude``, serialized once per tag mask."""
    needed = tag_mask_needed(message)
    cache: dict[int, bytes] = {}
    if not isinstance(sessions, list):
        sessions = list(sessions)
    # Counted once, not per member: the loop below is the fan-out's hot path. ``exclude`` is
    # a sender, a member but for a message from outside the room (-n), counted then as one.
    counters.deliveries += len(sessions) - (exclude is not None)
    if len(sessions) < CROWD:
        for session in sessions:
            if session is exclude:
                continue
            key = session.tag_mask & needed
            data = cache.get(key)
            if data is None:
                data = cache[key] = serialize_for(message, key)
            session._outbox.write_line(data)
        return
    # The same loop with the crowd's writes, kept apart so that neither pays for a test.
    for session in sessions:
        if session is exclude:
            continue
        key = session.tag_mask & needed
        data = cache.get(key)
        if data is None:
            data = cache[key] = serialize_for(message, key)
        session._outbox.write_bulk_line(data)


class Delivery:
    """Every write to every outbox of one core; see the module docstring.

    The core opens a batch around each piece of work (:meth:`begin`, :meth:`end`); handlers
    reach this object through their context and write with :meth:`send`, :meth:`deliver` and
    :meth:`to_channel`; a command's own replies arrive through :meth:`reply`
    (:class:`~chinwag.server.replies.ReplyBuffer`).
    """

    __slots__ = ("_depth", "_gated", "_run", "committed_seq", "counters")

    def __init__(self, counters: Counters | None = None) -> None:
        self.counters = counters if counters is not None else Counters()
        """Where deliveries are counted (``/metrics``)."""
        self._run: _ChannelRun | None = None
        """The channel run being collected, if any."""
        self._depth = 0
        """How many batches are open."""
        self._gated: dict[int, Session] = {}
        """Sessions with replies waiting on their gate, by id."""
        self.committed_seq = 0
        """Every history message up to this sequence number is durable."""

    # -- batches --------------------------------------------------------------------------------

    def begin(self) -> None:
        """Start collecting channel runs until the matching :meth:`end`.

        Plain methods rather than a context manager: the core opens a batch for every slice
        of input it receives, and a generator-based ``with`` costs a microsecond each time.
        """
        self._depth += 1

    def end(self) -> None:
        """End a batch begun with :meth:`begin` and queue what it collected."""
        self._depth -= 1
        if self._run is not None:
            self._settle()

    def _settle(self) -> None:
        """Queue the channel run being collected, if any; done before any other write."""
        while self._run is not None:
            run, self._run = self._run, None
            run.deliver(self.counters)

    # -- writes ---------------------------------------------------------------------------------

    def send(self, session: Session, message: Message) -> None:
        """Queue one message on one session, with the tags its capabilities allow."""
        if self._run is not None:
            self._settle()
        if session._outbox is NULL_OUTBOX:
            return  # another node's connection: that node writes to it
        self.counters.deliveries += 1
        session._outbox.write_line(serialize_for(message, session.tag_mask))

    def deliver(self, sessions: Iterable[Session], message: Message) -> None:
        """Queue ``message`` on every session, serialized once per distinct tag mask."""
        if self._run is not None:
            self._settle()
        _fan_out(sessions, message, None, self.counters)

    def deliver_by_cap(
        self,
        sessions: list[Session],
        exclude: Session,
        cap: str,
        with_cap: Message,
        without_cap: Message,
    ) -> None:
        """Queue ``with_cap`` on every session but ``exclude`` that enabled ``cap``, and
        ``without_cap`` on the others (a JOIN in its extended-join form or the plain one),
        in one walk of ``sessions``, each form serialized once per tag mask."""
        if self._run is not None:
            self._settle()
        forms = (with_cap, without_cap)
        needed = (tag_mask_needed(with_cap), tag_mask_needed(without_cap))
        cache: dict[tuple[int, int], bytes] = {}
        crowd = len(sessions) >= CROWD
        skipped = 0
        for session in sessions:
            if session is exclude:
                skipped = 1
                continue
            form = 0 if cap in session.caps else 1
            key = (form, session.tag_mask & needed[form])
            data = cache.get(key)
            if data is None:
                data = cache[key] = serialize_for(forms[form], key[1])
            if crowd:
                session._outbox.write_bulk_line(data)
            else:
                session._outbox.write_line(data)
        self.counters.deliveries += len(sessions) - skipped

    def to_channel(self, members: list[Session], message: Message, sender: Session) -> None:
        """Queue ``message`` from ``sender`` on every other session of ``members`` (a
        channel's :attr:`~chinwag.server.state.Channel.all_sessions`).

        Inside a batch, consecutive messages to the same member list are collected and
        queued together when anything else is about to be written: a paste of fifty lines
        to a room of a hundred is a hundred writes of the fifty lines, not five thousand.
        """
        run = self._run
        if run is not None:
            if run.sessions is members:
                run.messages.append(message)
                run.senders.append(sender)
                return
            self._settle()
        if self._depth:
            self._run = _ChannelRun(members, message, sender)
        else:
            _fan_out(members, message, sender, self.counters)

    def reply(self, session: Session, lines: list[bytes], durable_seq: int = 0) -> None:
        """Queue a command's replies (already serialized for ``session``), held on the
        session's gate while history message ``durable_seq`` is not durable or earlier
        replies still wait there."""
        if durable_seq > self.committed_seq or session.gate:
            # Held even when empty, so that whatever the session is told next (a PONG) is
            # not an acknowledgement sent before the message is durable.
            self._hold(session, durable_seq, Lines(lines) if lines else NOTHING)
            return
        if lines:
            if self._run is not None:
                self._settle()
            session._outbox.write_lines(Lines(lines))

    def goodbye(self, session: Session, message: Message) -> None:
        """Queue the last message to a session the server is closing (its ``ERROR``), after
        any replies that wait on its gate."""
        if session.gate:
            self._hold(session, 0, Lines([serialize_for(message, session.tag_mask)]))
        else:
            self.send(session, message)

    def close(self, session: Session) -> None:
        """Close the session's connection once everything queued for it, held replies
        included, has been sent; what was relayed to it before still reaches it."""
        if session.gate:
            self._hold(session, 0, None)
            return
        if self._run is not None:
            self._settle()
        session._outbox.close()

    # -- durability gates -----------------------------------------------------------------------

    def _hold(self, session: Session, seq: int, lines: Lines | None) -> None:
        """Queue ``lines`` for ``session`` until message ``seq`` (and all before it) is
        durable, behind whatever the session already has waiting; ``None`` stands for
        closing the connection."""
        gate = session.gate
        if gate is None:
            gate = session.gate = deque()
            self._gated[session.id] = session
        if gate:
            seq = max(seq, gate[-1][0])
        gate.append((seq, lines))

    def committed(self, seq: int) -> None:
        """Every history message up to ``seq`` is durable: send the replies that waited."""
        self.committed_seq = max(self.committed_seq, seq)
        if self._run is not None:
            self._settle()  # what was relayed before these replies reaches everyone first
        for session_id, session in list(self._gated.items()):
            gate = session.gate
            if gate is None:
                del self._gated[session_id]
                continue
            while gate and gate[0][0] <= self.committed_seq:
                lines = gate.popleft()[1]
                if lines is None:
                    session._outbox.close()
                elif lines.size:
                    session._outbox.write_lines(lines)
            if not gate:
                session.gate = None
                del self._gated[session_id]

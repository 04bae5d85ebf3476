"""The chat model every first-party client shows: conversations, their lines, who is online.

:class:`ChatModel` sits between the client core and a screen. It turns the core's events
(:mod:`chinwag.client.events`) into :class:`~chinwag.client.values.Line` values filed under
conversations (the server, each room, each direct conversation), keeps unread counts and
mention highlights (:mod:`chinwag.client.filing`), and runs what the person types
(:mod:`chinwag.client.typed`, design.md section 6) as intents on the
:class:`~chinwag.client.protocol.ClientProtocol`. The filing and the typed input are objects
it owns, not classes it is built on: the event handling is its own, the rest it hands on. It
does no I/O and imports no UI toolkit: the terminal client, plain mode and the GUI each draw
the same model, through the one presentation model (:mod:`chinwag.client.presentation`).

Every string that came from the network is passed through :func:`chinwag.client.text.clean`
before it is stored in a line, a topic or a member list, so a UI may show them as literal
text without further checks (it must still not interpret them as markup).

Each call that changes something returns a :class:`~chinwag.client.values.Changes` saying
what to redraw. When it says a password is wanted (``/register``, ``/login``, a protected
nick), the UI asks for it without echo and passes it to :meth:`ChatModel.provide_password`.

Accounts and history: a room's history on join gets a ``— new since HH:MM —`` divider before
the first line newer than the room's read marker (draft/read-marker, shared by all our
devices); direct messages that arrived while we were away come after a ``— missed while you
were away —`` divider, marked ``missed`` and counted unread (the filing places both). The
conversation on screen is marked read on the server (``MARKREAD``) as lines arrive, at most
once a second: the UI calls :meth:`ChatModel.tick` now and then so a postponed mark is sent.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Iterable

from chinwag.client import events as ev
from chinwag.client.answers import registered_text, room_list_lines, who_names, whois_lines
from chinwag.client.banner import QUIT_HINT, down_banner
from chinwag.client.filing import DEFAULT_SCROLLBACK, ConversationFiling
from chinwag.client.folding import message_line, redact
from chinwag.client.history import HISTORY_BATCHES
from chinwag.client.moderation import invited_words, kicked_words, mode_notes, mode_words
from chinwag.client.presence_lines import PresenceNotes
from chinwag.client.protocol import ClientProtocol
from chinwag.client.search import SEARCH_BATCH
from chinwag.client.text import clean
from chinwag.client.trust import connected_words
from chinwag.client.typed import TypedInput
from chinwag.client.typing import TypingNotices, typing_text
from chinwag.client.values import (
    SERVER_KEY,
    TALK,
    Changes,
    Conversation,
    ConversationKind,
    Line,
    LineKind,
    Link,
    MemberView,
    PasswordRequest,
)
from chinwag.client.wording import nick_refusal, reply_words, server_error_words
from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.metadata import COLOR_KEY

JOIN_REFUSALS = frozenset({"403", "405", "471", "473", "474", "475", "476"})
"""Numerics that refuse a JOIN (Modern IRC "JOIN message"): no such channel, too many
channels, full, invite-only, banned, bad key, bad mask."""

JOIN_SETTLE = 10.0
"""Seconds after our join in which a status given to us is not announced in the log."""

STATUS_MODES = frozenset("qaohv")
"""Channel modes that give a member a status (founder, admin, op, halfop, voice)."""


class ChatModel:
    """The conversations one person sees on one server, fed by a client core's events.

    Made with a protocol, the server conversation's name, the scrollback and a monotonic
    clock for the reconnection countdown and the read markers (tests pass their own). It
    owns the :class:`~chinwag.client.filing.ConversationFiling` (the conversations and the
    filing of lines) and the :class:`~chinwag.client.typed.TypedInput` working on it, and
    handles the events itself; a screen reads and calls this object only. A UI that draws
    the command list as an overlay passes ``help_overlay`` and watches :attr:`Changes.help`.
    """

    def __init__(
        self,
        protocol: ClientProtocol,
        *,
        server_name: str = "server",
        scrollback: int = DEFAULT_SCROLLBACK,
        clock: Callable[[], float] = _time.monotonic,
        typing: bool = True,
        help_overlay: bool = False,
    ) -> None:
        self.protocol = protocol
        self._clock = clock
        self._filing = ConversationFiling(
            protocol, server_name=server_name, scrollback=scrollback, clock=clock
        )
        self._typed = TypedInput(self._filing, protocol, help_overlay=help_overlay)
        self.search = self._typed.search  # /search results, and the one gone to (focus)
        self.typing = TypingNotices(protocol.typing, clock, enabled=typing)
        """Typing indicators, ours and others' (``typing`` False: neither sent nor shown)."""
        self._presence = PresenceNotes()
        """What each direct conversation last said of its person (said once each)."""
        # The link is the events' business and the screen's: here, not in the filing.
        self.link = Link.CONNECTING
        """How the connection stands: connecting, online, down (reconnecting) or closed."""
        self.reconnect_at: float | None = None
        """When the next attempt to reconnect is due, on the model's clock; None if unknown."""
        self.down_reason: str | None = None
        """Why the connection was lost (cleaned), while it is down."""
        self.ever_online = False
        """Whether registration ever succeeded (a lost connection is then a reconnection)."""
        self._online_besides: set[Folded] | None = None
        # The members of the room just listed by @online, left out of the "Also online" after.
        self._joined_at: dict[Folded, float] = {}
        # When we last joined each room: the status the server gives us then is no news.

    def banner(self, hint: str = QUIT_HINT) -> str | None:
        """The "Server is down" banner with its countdown and ``hint``, the keys a terminal
        client offers (:func:`~chinwag.client.banner.down_banner`), or None while connected."""
        return down_banner(self.link, self.reconnect_at, self._clock(), hint=hint)

    # -- what a screen reads (from the filing) ----------------------------------------------

    @property
    def conversations(self) -> dict[Folded, Conversation]:
        """Every conversation by key, in the order they are listed; the server's first."""
        return self._filing.conversations

    @property
    def remembered_rooms(self) -> list[str]:
        """The rooms to rejoin on the next launch: those we are in or are going back to,
        as they are named (see :mod:`chinwag.client.saved`)."""
        return [name for name, _key in self.protocol.rooms.values()]

    @property
    def current(self) -> Folded:
        """The key of the conversation on screen (change it with :meth:`select`)."""
        return self._filing.current

    @property
    def current_conversation(self) -> Conversation:
        """The conversation on screen."""
        return self._filing.current_conversation

    @property
    def scrollback(self) -> int:
        """Lines kept per conversation."""
        return self._filing.scrollback

    @property
    def nick(self) -> str:
        """Our nick."""
        return self._filing.nick

    @property
    def topic(self) -> str:
        """The current room's topic (cleaned), or ``""``."""
        return self._filing.topic

    @property
    def account(self) -> str | None:
        """The account we are logged in to, or None."""
        return self._filing.account

    @property
    def own_color(self) -> str:
        """Our colour: the one chosen, or the one derived from our nick."""
        return self._filing.own_color

    def color_of(self, nick: str) -> str:
        """The colour ``nick`` chose (metadata ``color``), or the one derived from the nick;
        remembered while the server is down."""
        return self._filing.color_of(nick)

    def members(self) -> list[MemberView]:
        """The current room's members, operators first, then by nick; empty elsewhere."""
        return self._filing.members()

    # -- what a screen asks (of the filing and the typed input) ------------------------------

    def select(self, key: Folded) -> Changes:
        """Show conversation ``key``; its unread count and highlight are cleared."""
        return self._filing.select(key)

    def select_next(self, step: int = 1) -> Changes:
        """Show the next (``step`` 1) or previous (-1) conversation, wrapping around."""
        return self._filing.select_next(step)

    def tick(self) -> None:
        """Send the read markers postponed because one was sent less than a second before,
        and our ``paused`` typing notice once the person stopped typing. Call it now and then
        (the terminal client does twice a second), and draw :meth:`typing_row` again: an
        indicator may have expired."""
        self._filing.tick()
        self.typing.tick()

    def input_changed(self, text: str) -> None:
        """The input line now holds ``text``: tell the conversation on screen we are typing
        (throttled, per https://ircv3.net/specs/client-tags/typing), or that we stopped."""
        conversation = self.current_conversation
        target = None if conversation.kind is ConversationKind.SERVER else conversation.name
        if conversation.kind is ConversationKind.ROOM and not conversation.joined:
            target = None
        self.typing.input_changed(target, text)

    def typing_row(self) -> str:
        """What to show under the log: ``bob is typing…``, or ``""`` when nobody is (cleaned)."""
        return typing_text(self.typing.typing_in(self.current_conversation.name))

    def submit(self, text: str) -> Changes:
        """Run one line the person typed: a command of design.md section 6 or a message."""
        self.typing.sent()
        return self._typed.submit(text)

    def provide_password(self, request: PasswordRequest, password: str) -> Changes:
        """The person typed ``password`` for ``request``: log in or register with it.

        The model does not keep it (the core keeps one that works, for reconnecting).
        """
        return self._typed.provide_password(request, password)

    def cancel_password(self, request: PasswordRequest) -> Changes:
        """The person closed the password prompt without typing one."""
        return self._typed.cancel_password(request)

    def completions(self, word: str, *, at_start: bool) -> list[str]:
        """Candidates for tab-completing ``word``: commands at the start of the line, nicks
        of the current conversation everywhere (``@nick`` forms too), sorted."""
        return self._typed.completions(word, at_start=at_start)

    # -- events from the connection -----------------------------------------------------------

    def handle(self, event: ev.Event) -> Changes:
        """Take one event from the runner; returns what to redraw."""
        changes = Changes()
        self._handle(event, changes)
        self._filing.seen(changes)
        return changes

    def _handle(self, event: ev.Event, changes: Changes) -> None:
        handler = _EVENT_HANDLERS.get(type(event))
        if handler is not None:
            handler(self, event, changes)

    # -- read markers on other devices ------------------------------------------------------

    def _on_read_marker(self, event: ev.ReadMarker, changes: Changes) -> None:
        """Read on another device (or the marker on join): what is older is not unread."""
        conversation = self.conversations.get(fold(event.target))
        if conversation is None or event.timestamp is None or conversation.key == self.current:
            return
        unread = [
            line
            for line in conversation.lines
            if line.kind in TALK and not line.is_self and line.time > event.timestamp
        ]
        if len(unread) < conversation.unread:
            conversation.unread = len(unread)
            conversation.mentioned = any(line.mention for line in unread)
            changes.conversations = True

    # -- redaction (draft/message-redaction) -------------------------------------------------

    def _on_redacted(self, event: ev.Redacted, changes: Changes) -> None:
        """A message was deleted: its row says so instead (the time and nick stay)."""
        conversation = self.conversations.get(fold(event.conversation))
        if conversation is not None and redact(conversation.lines, event.msgid):
            changes.redraw |= conversation.key == self.current

    # -- accounts ---------------------------------------------------------------------------

    def _on_logged_in(self, event: ev.LoggedIn, changes: Changes) -> None:
        self._filing.login_error = None
        self._filing.protected = None
        changes.nick = True
        account, filing = fold(event.account), self._filing
        if filing.registered_said == account:
            filing.registered_said = None  # REGISTER SUCCESS came first and said it
            return
        key = self.current if self.link is Link.ONLINE else SERVER_KEY
        if filing.registering == account:
            # Logged in by registering: one line says both (REGISTER SUCCESS may follow).
            filing.registering, filing.registered_said = None, account
            self._filing.info(key, event.time, registered_text(event.account), changes)
            return
        self._filing.info(key, event.time, f"You are logged in as {clean(event.account)}", changes)

    def _on_logged_out(self, event: ev.LoggedOut, changes: Changes) -> None:
        self._filing.info(self.current, event.time, "You are logged out", changes)
        changes.nick = True

    def _on_login_failed(self, event: ev.LoginFailed, changes: Changes) -> None:
        reason = clean(event.reason)
        self._filing.login_error = reason
        key = self.current if self.link is Link.ONLINE else SERVER_KEY
        self._filing.error(
            key, event.time, f"Login as {clean(event.account)} failed: {reason}", changes
        )
        if self._filing.protected is not None and self._filing.protected == fold(self.nick):
            changes.password = PasswordRequest("login", self.nick, reason, typed=False)

    def _on_account_registered(self, event: ev.AccountRegistered, changes: Changes) -> None:
        account, filing = fold(event.account), self._filing
        filing.registering = None
        if event.needs_verification:
            text = clean(event.message) or f"The account {clean(event.account)} is registered"
            filing.info(self.current, event.time, text, changes)
        elif filing.registered_said == account:
            filing.registered_said = None  # RPL_LOGGEDIN came first and said it
        else:
            # The server's RPL_LOGGEDIN follows: it says nothing more (success said once).
            filing.registered_said = account
            filing.info(self.current, event.time, registered_text(event.account), changes)

    def _on_registration_failed(self, event: ev.RegistrationFailed, changes: Changes) -> None:
        self._filing.registering = None
        text = clean(event.message) or clean(event.code)
        self._filing.error(self.current, event.time, f"Could not register: {text}", changes)

    def _on_nick_protected(self, event: ev.NickProtected, changes: Changes) -> None:
        nick = clean(event.nick)
        self._filing.protected = fold(event.nick)
        within = f" within {event.seconds} seconds" if event.seconds is not None else ""
        text = (
            f"{nick} belongs to a registered account: type /login{within} to log in, "
            "or /nick to choose another nick, or you will be renamed"
        )
        self._filing.error(self.current, event.time, text, changes)
        reason = self._filing.login_error or clean(event.message)
        changes.password = PasswordRequest("login", event.nick, reason, typed=False)

    # -- history, with its dividers ---------------------------------------------------------

    def _on_batch(self, event: ev.Batch, changes: Changes) -> None:
        if event.kind == SEARCH_BATCH:  # results, filed as rows where the search was typed
            self.search.on_batch(event, changes)
            return
        if event.kind not in HISTORY_BATCHES or not event.params:
            for inner in event.events:
                self._handle(inner, changes)
            return
        filed = Changes()
        for inner in event.events:
            self._handle(inner, filed)
        conversation = self.conversations.get(fold(event.params[0]))
        lines = [line for place, line in filed.lines if place is conversation]
        if conversation is not None and lines:
            if event.missed:
                self._filing.divide_missed(conversation, lines, filed)
            else:
                self._filing.divide_new(conversation, lines, filed)
        changes.merge(filed)

    # -- the connection ---------------------------------------------------------------------

    def _on_connected(self, event: ev.Connected, changes: Changes) -> None:
        self._filing.connection_lines(event.time, connected_words(event), changes)

    def _on_registered(self, event: ev.Registered, changes: Changes) -> None:
        returning = self.ever_online
        # A registration cut off by the connection ends with it (so the login after the
        # reconnection is announced as one).
        self._filing.registering = self._filing.registered_said = None
        self.link = Link.ONLINE
        self.ever_online = True
        self.reconnect_at = None
        self.down_reason = None
        changes.status = changes.nick = True
        where = clean(event.network or event.server or "the server")
        if returning:
            for conversation in list(self.conversations.values()):
                self._filing.add(
                    conversation, Line(event.time, LineKind.INFO, "Reconnected"), changes
                )
        else:
            text = f"Welcome to {where}, {clean(event.nick)}"
            self._filing.info(SERVER_KEY, event.time, text, changes)
        self._typed.send_held(changes)  # direct messages typed while down go now

    def _on_motd(self, event: ev.Motd, changes: Changes) -> None:
        for text in event.lines:
            self._filing.info(SERVER_KEY, event.time, clean(text), changes)

    def _on_nick_rejected(self, event: ev.NickRejected, changes: Changes) -> None:
        text = clean(nick_refusal(event.code, event.nick, event.reason))
        changes.nick = True
        if event.registered:
            self._filing.error(self.current, event.time, text, changes)
        else:
            self._filing.error(SERVER_KEY, event.time, text, changes)

    def _on_server_error(self, event: ev.ServerError, changes: Changes) -> None:
        # Said in words by the Disconnected that follows; the raw text is for the curious.
        self._filing.error(SERVER_KEY, event.time, f"ERROR :{clean(event.text)}", changes)

    def _on_disconnected(self, event: ev.Disconnected, changes: Changes) -> None:
        changes.status = changes.members = changes.conversations = True
        if self.protocol.quitting:
            self.link = Link.CLOSED
            return
        was_down = self.link is Link.DOWN
        self.link = Link.DOWN
        self.reconnect_at = None
        self.down_reason = clean(event.reason)
        for conversation in self.conversations.values():
            conversation.joined = False
        if was_down:
            return  # another failed attempt: the banner counts down, the log has said it once
        text = (
            f"Disconnected: {self.down_reason}"
            if event.error is None
            else clean(server_error_words(event.error))
        )
        self._filing.error(self.current, event.time, text, changes)

    def _on_reconnecting(self, event: ev.Reconnecting, changes: Changes) -> None:
        if self.link is Link.CLOSED:
            return
        self.link = Link.DOWN
        self.reconnect_at = self._clock() + event.delay
        changes.status = True

    # -- talk, rooms and people -------------------------------------------------------------

    def _on_message(self, event: ev.Message, changes: Changes) -> None:
        if event.from_server or (event.is_notice and self.link is not Link.ONLINE):
            key = SERVER_KEY
        elif event.is_direct:
            key = fold(event.conversation)
            if key not in self.conversations:
                if event.is_notice and not event.is_self:
                    key = self.current  # a service's notice: where the person is looking
                else:
                    self._filing.open(event.conversation, ConversationKind.DIRECT)
        else:
            key = fold(event.conversation)
            if key not in self.conversations:
                self._filing.open(event.conversation, ConversationKind.ROOM)
        if not event.history and self.typing.stopped(event.sender, event.conversation):
            changes.typing = True
        if event.bot and not event.history:
            changes.members |= self._filing.heard_bot(event.sender)  # the list shows it now
        text = clean(event.text)
        mention = not event.is_self and (
            (event.is_direct and not event.from_server) or self._filing.mentions_me(text)
        )
        line = message_line(event, mention)
        conversation = self.conversations[key]
        if event.is_self and not event.history and self._filing.take_echo(key, line, changes):
            return  # a message typed while disconnected, now sent: its pending mark goes
        if event.history:
            self._filing.add_history(conversation, line, changes)
        else:
            self._filing.add(conversation, line, changes)

    def _on_joined(self, event: ev.Joined, changes: Changes) -> None:
        key = fold(event.channel)
        if event.is_self:
            conversation = self.conversations.get(key)
            if conversation is None:
                conversation = self._filing.open(event.channel, ConversationKind.ROOM)
            conversation.joined = True
            self._filing.carry_into(key, changes)
            self._joined_at[key] = self._clock()
            changes.conversations = changes.rooms = True
            if self._filing.takes_screen(key):
                changes.merge(self.select(key))
            self.protocol.who(event.channel)  # away state of the members, silently
            self._typed.send_held(changes)  # what was typed here while disconnected
        text = f"joined {clean(event.channel)}"
        self._event_line(key, event, LineKind.JOIN, event.nick, text, event.is_self, changes)
        changes.members |= key == self.current

    def _on_parted(self, event: ev.Parted, changes: Changes) -> None:
        key = fold(event.channel)
        reason = f" ({clean(event.reason)})" if event.reason else ""
        text = f"left {clean(event.channel)}{reason}"
        if event.is_self:
            self._filing.close(key, changes)
            self._event_line(SERVER_KEY, event, LineKind.PART, event.nick, text, True, changes)
            changes.rooms = True
            return
        self._event_line(key, event, LineKind.PART, event.nick, text, False, changes)
        changes.members |= key == self.current

    def _on_kicked(self, event: ev.Kicked, changes: Changes) -> None:
        key, text = fold(event.channel), kicked_words(event)
        if event.is_self and key in self.conversations:
            # Said in the room, and where we look: the room is left, not silently gone.
            for where in dict.fromkeys((key, self.current)):
                self._filing.error(where, event.time, text, changes)
            self.conversations[key].joined = False
            changes.conversations = changes.rooms = True
            self._typed.send_held(changes)  # what waited for this room is not sent now
        else:
            self._event_line(key, event, LineKind.PART, event.nick, text, False, changes)
        changes.members |= key == self.current

    def _on_renamed(self, event: ev.ChannelRenamed, changes: Changes) -> None:
        """The room's conversation takes the new name, its log and place kept."""
        old, new = fold(event.old), fold(event.new)
        if old in self.conversations:
            self._filing.rename(old, event.new)
            if old in self._joined_at and old != new:
                self._joined_at[new] = self._joined_at.pop(old)
            changes.conversations = changes.rooms = True
        reason = f" ({clean(event.reason)})" if event.reason else ""
        text = f"renamed {clean(event.old)} to {clean(event.new)}{reason}"
        self._event_line(new, event, LineKind.TOPIC, event.by, text, False, changes)
        changes.members |= new == self.current

    def _on_quit(self, event: ev.Quit, changes: Changes) -> None:
        reason = f" ({clean(event.reason)})" if event.reason else ""
        keys = [fold(channel) for channel in event.channels]
        if fold(event.nick) in self.conversations:
            keys.append(fold(event.nick))
        for key in keys:
            self._event_line(key, event, LineKind.QUIT, event.nick, f"quit{reason}", False, changes)
        if fold(event.nick) in self.conversations:
            self._presence.quit(fold(event.nick))
        changes.typing |= self.typing.stopped(event.nick)
        changes.members = True

    def _on_nick_changed(self, event: ev.NickChanged, changes: Changes) -> None:
        text = f"is now known as {clean(event.new)}"
        keys = [fold(channel) for channel in event.channels]
        old_key = fold(event.old)
        if old_key in self._filing.known_colors:
            self._filing.known_colors[fold(event.new)] = self._filing.known_colors.pop(old_key)
        if event.is_self:
            keys = [SERVER_KEY, *keys]
            changes.nick = True
        elif old_key in self.conversations:
            self._filing.rename(old_key, event.new)
            keys.append(fold(event.new))
            changes.conversations = True
        for key in keys:
            self._event_line(key, event, LineKind.NICK, event.old, text, event.is_self, changes)
        if event.is_self and event.forced:
            old = clean(event.old)
            hint = f"{old} belongs to a registered account: /login to log in and take it back"
            self._filing.info(self.current, event.time, hint, changes)
        changes.members = True

    def _on_topic(self, event: ev.TopicChanged, changes: Changes) -> None:
        key = fold(event.channel)
        topic = clean(event.topic)
        if event.by is None:
            nick, text = None, f"Topic: {topic}" if topic else "No topic is set"
            line = Line(event.time, LineKind.TOPIC, text)
            if key in self.conversations:
                self._filing.add(self.conversations[key], line, changes)
        else:
            text = f"changed the topic to: {topic}" if topic else "cleared the topic"
            nick = event.by
            self._event_line(
                key, event, LineKind.TOPIC, nick, text, self.protocol.is_me(nick), changes
            )
        changes.topic |= key == self.current

    def _on_names(self, event: ev.Names, changes: Changes) -> None:
        changes.members |= fold(event.channel) == self.current

    def _on_mode(self, event: ev.ModeChanged, changes: Changes) -> None:
        key = fold(event.target)
        if key not in self.conversations or key == fold(self.nick):
            return
        if self._given_on_join(key, event):
            changes.members |= key == self.current  # the badge changes; the log says nothing
            return
        by_me = self.protocol.is_me(event.by)
        self._event_line(key, event, LineKind.MODE, event.by, mode_words(event), by_me, changes)
        for note in mode_notes(event, self.protocol):  # voiced, muted, banned... in words
            self._filing.info(key, event.time, note, changes)
        changes.members |= key == self.current

    def _given_on_join(self, key: Folded, event: ev.ModeChanged) -> bool:
        """Whether ``event`` only gives us a status in a room we joined moments ago.

        After a server restart whoever rejoins first becomes the room's operator (until
        channel registration decides otherwise): the server's business, not news to us. A
        status a member of the room gives us (``/voice``) is news, however soon.
        """
        joined_at, room = self._joined_at.get(key), self.protocol.channel(event.target)
        if joined_at is None or self._clock() - joined_at > JOIN_SETTLE:
            return False
        if room is not None and room.member(event.by) is not None:
            return False
        return all(
            change.adding
            and change.mode in STATUS_MODES
            and self.protocol.is_me(change.param or "")
            for change in event.changes
        )

    def _on_away(self, event: ev.Away, changes: Changes) -> None:
        changes.members = True
        direct = self._direct_with(event.nick)
        if direct is not None and not event.is_self:
            said = self._presence.away(direct.key, event.nick, event.message)
            if said is not None:
                self._filing.info(direct.key, event.time, said, changes)
        if event.is_self:
            text = (
                "You are back"
                if event.message is None
                else f"You are marked away: {clean(event.message)}"
            )
            self._filing.info(self.current, event.time, text, changes)

    def _direct_with(self, nick: str) -> Conversation | None:
        conversation = self.conversations.get(fold(nick))
        if conversation is None or conversation.kind is not ConversationKind.DIRECT:
            return None
        return conversation

    def _on_presence(self, event: ev.PresenceChanged, changes: Changes) -> None:
        """MONITOR: the direct conversation says when its person comes or goes; that they
        are online when it opens goes without saying."""
        direct = self._direct_with(event.nick)
        if direct is None:
            return
        changes.members |= direct.key == self.current
        said = self._presence.online(direct.key, event.nick, event.online)
        if said is not None:
            self._filing.info(direct.key, event.time, said, changes)

    def _on_typing(self, event: ev.Typing, changes: Changes) -> None:
        if event.is_self:
            return
        self.typing.heard(event.conversation, event.nick, event.state)
        changes.typing |= fold(event.conversation) == self.current

    def _on_metadata(self, event: ev.MetadataChanged, changes: Changes) -> None:
        if event.key != COLOR_KEY:
            return
        if event.value is None:
            self._filing.known_colors.pop(fold(event.target), None)
        else:
            self._filing.known_colors[fold(event.target)] = event.value
        changes.members = changes.conversations = True

    # -- answers to what the person asked ---------------------------------------------------

    def _on_who(self, event: ev.WhoResult, changes: Changes) -> None:
        key = fold(event.mask)
        changes.members = True
        if key not in self._filing.show_who:
            return
        self._filing.show_who.discard(key)
        everyone = key == fold("*")
        besides, self._online_besides = self._online_besides, None
        names = who_names(event.entries, everyone, besides)
        if not everyone:
            where = f"In {clean(event.mask)}"
            # Then everyone else the server lets us see (WHO * leaves out invisible +i users
            # who share no room with us: Modern IRC "WHO message").
            self._online_besides = {fold(entry.nick) for entry in event.entries}
            self.protocol.who("*")
            self._filing.show_who.add(fold("*"))
        elif besides is not None:
            if not names:
                self._filing.info(self.current, event.time, "Nobody else is online", changes)
                return
            where = "Also online"
        else:
            where = "Online"
        self._filing.info(
            self.current, event.time, f"{where} ({len(names)}): {', '.join(names)}", changes
        )

    def _on_whois(self, event: ev.WhoisResult, changes: Changes) -> None:
        if self._typed.moderation.whois_answered(event, changes):
            return  # asked by /ban or /mute to know whom to ban, not by the person
        if not event.found:
            text = f"{clean(event.nick)} is not online"
            self._filing.error(self.current, event.time, text, changes)
            return
        for text in whois_lines(event, self.protocol.color_of(event.nick)):
            self._filing.info(self.current, event.time, text, changes)

    def _on_list(self, event: ev.ChannelList, changes: Changes) -> None:
        if not self._filing.show_list:
            return
        self._filing.show_list = False
        for text in room_list_lines(event):
            self._filing.info(self.current, event.time, text, changes)

    def _on_server_reply(self, event: ev.ServerReply, changes: Changes) -> None:
        if event.code in JOIN_REFUSALS and len(event.params) > 1:
            # A rejoin refused (+i, +k, +b, +l): the room is not coming back, so lines typed
            # for it while disconnected are reported unsent and the rest go on.
            self.protocol.rooms.pop(fold(event.params[1]), None)
            self._filing.select_on_join.discard(fold(event.params[1]))  # nor takes the screen
            self._typed.send_held(changes)
        key = self.current if self.link is Link.ONLINE else SERVER_KEY
        words = reply_words(event.code, event.params, event.text)
        if words is None:
            return  # the welcome burst: Registered says it in words
        if words != event.text:
            # The raw reply stays readable in the server conversation; words go where we look.
            raw = clean(f"{event.code} {event.text}")
            self._filing.info(SERVER_KEY, event.time, raw, changes)
        lines = self.conversations[key].lines if key in self.conversations else []
        if event.code == "404" and lines and lines[-1].text == clean(words):
            return  # refused twice in a row (a typing notice, then the message): said once
        file = self._filing.error if event.is_error else self._filing.info
        file(key, event.time, clean(words), changes)

    def _on_standard_reply(self, event: ev.StandardReply, changes: Changes) -> None:
        text = clean(event.description)
        if event.code == "DELIVERED_LATER" and event.context:
            # "bo is offline; your message will be delivered when they next log in"
            key = fold(event.context[0])
            if key not in self.conversations:
                self._filing.open(event.context[0], ConversationKind.DIRECT)
                changes.conversations = True
            self._filing.info(key, event.time, text, changes)
            return
        if event.command in ("CHATHISTORY", "MARKREAD"):
            # Asked by the client itself, not the person: noted where it bothers nobody.
            self._filing.error(SERVER_KEY, event.time, f"{event.command}: {text}", changes)
            return
        if event.kind == "NOTE":
            self._filing.info(self.current, event.time, text, changes)
        else:
            self._filing.error(self.current, event.time, text, changes)

    def _on_invited(self, event: ev.Invited, changes: Changes) -> None:
        if event.is_self:
            self._filing.info(self.current, event.time, invited_words(event), changes)

    # -- filing an event --------------------------------------------------------------------

    def _event_line(
        self,
        key: Folded,
        event: ev.Event,
        kind: LineKind,
        nick: str | None,
        text: str,
        is_self: bool,
        changes: Changes,
    ) -> None:
        conversation = self.conversations.get(key)
        if conversation is None:
            return
        line = Line(event.time, kind, text, clean(nick) if nick else None, is_self=is_self)
        self._filing.add(conversation, line, changes)


def _handlers() -> dict[type[ev.Event], Callable[[ChatModel, ev.Event, Changes], None]]:
    table: Iterable[tuple[type[ev.Event], Callable[..., None]]] = (
        (ev.Batch, ChatModel._on_batch),
        (ev.Connected, ChatModel._on_connected),
        (ev.Registered, ChatModel._on_registered),
        (ev.Motd, ChatModel._on_motd),
        (ev.NickRejected, ChatModel._on_nick_rejected),
        (ev.ServerError, ChatModel._on_server_error),
        (ev.Disconnected, ChatModel._on_disconnected),
        (ev.Reconnecting, ChatModel._on_reconnecting),
        (ev.Message, ChatModel._on_message),
        (ev.Joined, ChatModel._on_joined),
        (ev.Parted, ChatModel._on_parted),
        (ev.Kicked, ChatModel._on_kicked),
        (ev.Quit, ChatModel._on_quit),
        (ev.ChannelRenamed, ChatModel._on_renamed),
        (ev.NickChanged, ChatModel._on_nick_changed),
        (ev.TopicChanged, ChatModel._on_topic),
        (ev.Names, ChatModel._on_names),
        (ev.ModeChanged, ChatModel._on_mode),
        (ev.Away, ChatModel._on_away),
        (ev.MetadataChanged, ChatModel._on_metadata),
        (ev.WhoResult, ChatModel._on_who),
        (ev.WhoisResult, ChatModel._on_whois),
        (ev.ChannelList, ChatModel._on_list),
        (ev.ServerReply, ChatModel._on_server_reply),
        (ev.StandardReply, ChatModel._on_standard_reply),
        (ev.Invited, ChatModel._on_invited),
        (ev.LoggedIn, ChatModel._on_logged_in),
        (ev.LoggedOut, ChatModel._on_logged_out),
        (ev.LoginFailed, ChatModel._on_login_failed),
        (ev.AccountRegistered, ChatModel._on_account_registered),
        (ev.RegistrationFailed, ChatModel._on_registration_failed),
        (ev.NickProtected, ChatModel._on_nick_protected),
        (ev.ReadMarker, ChatModel._on_read_marker),
        (ev.Redacted, ChatModel._on_redacted),
        (ev.PresenceChanged, ChatModel._on_presence),
        (ev.Typing, ChatModel._on_typing),
    )
    return dict(table)


_EVENT_HANDLERS = _handlers()
"""Which method files each event type; events not listed change nothing on screen."""

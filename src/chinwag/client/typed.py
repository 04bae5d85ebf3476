"""What the person types, run on the chat model: messages and the commands of design.md section 6.

:func:`chinwag.client.commands.parse_input` reads a typed line into an
:class:`~chinwag.client.commands.Input` value; :class:`TypedInput` acts on it: it sends the
message or the command's intent through the :class:`~chinwag.client.protocol.ClientProtocol`
and files what the person should see (an answer, an error, a usage line) in the conversation
on screen. ``/register`` and ``/login`` send nothing: they ask the screen for a password
(:class:`~chinwag.client.values.PasswordRequest`), which comes back through
:meth:`TypedInput.provide_password`. Tab completion of what is being typed is here too.

:class:`TypedInput` is given the :class:`~chinwag.client.filing.ConversationFiling` it files
in and the protocol it sends through; :class:`~chinwag.client.chat.ChatModel` builds one and
screens call it there.
"""

from __future__ import annotations

from chinwag.client import commands as cmd
from chinwag.client.colors import PALETTE, ColorError, color_name, parse_color
from chinwag.client.filing import ConversationFiling, Held, now
from chinwag.client.moderation import Moderation
from chinwag.client.options import OptionError, check_password
from chinwag.client.protocol import ClientProtocol, NotRegistered
from chinwag.client.search import SearchResults
from chinwag.client.text import clean
from chinwag.client.values import Changes, ConversationKind, Line, LineKind, PasswordRequest
from chinwag.protocol.caps import ACCOUNT_REGISTRATION, MIN_PASSWORD_KEY, value_keys
from chinwag.protocol.casemap import fold
from chinwag.protocol.metadata import COLOR_KEY

_SERVER_WINDOW = "This is the server window: /join a room, or @nick someone to talk"
"""What typing a message in the server window says (it goes nowhere)."""


class TypedInput:
    """The part of the chat model that runs what the person types (and completes it).

    What it sends goes through ``protocol``; what the person should see is filed by
    ``filing``, which also says which conversation is on screen. With ``help_overlay`` the
    UI draws the command list itself (:attr:`Changes.help`); without, it goes into the log.
    """

    def __init__(
        self, filing: ConversationFiling, protocol: ClientProtocol, *, help_overlay: bool = False
    ) -> None:
        self._filing = filing
        self._protocol = protocol
        self._help_overlay = help_overlay
        self.search = SearchResults(protocol, filing)
        """``/search`` and ``/goto``, and the results they keep."""
        self.moderation = Moderation(filing, protocol)
        """``/kick``, ``/ban``, ``/mute``, ``/op``, ``/invite``... and the bans waiting for a
        WHOIS."""

    def _say(self, text: str, changes: Changes) -> None:
        """File ``text`` as an answer in the conversation on screen."""
        self._filing.info(self._filing.current, now(), text, changes)

    def _complain(self, text: str, changes: Changes) -> None:
        """File ``text`` as an error in the conversation on screen."""
        self._filing.error(self._filing.current, now(), text, changes)

    # -- what the person typed ----------------------------------------------------------------

    def submit(self, text: str) -> Changes:
        """Run one line the person typed: a command of design.md section 6 or a message."""
        changes = Changes()
        request = cmd.parse_input(text)
        if request is None:
            return changes
        try:
            self._submit(request, changes)
        except NotRegistered:
            self._complain("Not connected to the server: not sent", changes)
        return changes

    def _submit(self, request: cmd.Input, changes: Changes) -> None:
        conversation = self._filing.current_conversation
        match request:
            case cmd.Say(text, to_room):
                if to_room and conversation.kind is not ConversationKind.ROOM:
                    self._complain("@all works in a room", changes)
                elif conversation.kind is ConversationKind.SERVER:
                    self._complain(_SERVER_WINDOW, changes)
                else:
                    self._talk(conversation.name, text, changes)
            case cmd.DirectMessage(nick, text, go):
                self._direct(nick, text, changes, go=go or not text)
            case cmd.Action(text):
                if conversation.kind is ConversationKind.SERVER:
                    self._complain(_SERVER_WINDOW, changes)
                else:
                    self._talk(conversation.name, text, changes, action=True)
            case cmd.Help():
                self._help(changes)
            case cmd.Online():
                target = (
                    "*" if conversation.kind is not ConversationKind.ROOM else conversation.name
                )
                self._protocol.who(target)  # raises NotRegistered before anything is pending
                self._filing.show_who.add(fold(target))
            case cmd.Disconnect(reason):
                changes.quit = reason or ""
            case cmd.Join(room, key):
                room = self._room_name(room)
                known = self._filing.conversations.get(fold(room))
                if known is not None and known.joined:
                    changes.merge(self._filing.select(fold(room)))  # no JOIN echo will come
                else:
                    self._filing.select_on_join.add(fold(room))
                self._protocol.join(room, key)
            case cmd.Leave(room, reason):
                self._leave(room, reason, changes)
            case cmd.ListRooms():
                self._protocol.list_channels()
                self._filing.show_list = True
            case cmd.ChangeNick(nick):
                self._protocol.set_nick(nick)
            case cmd.ChangeColor(value):
                self._color(value, changes)
            case cmd.Topic(text):
                self._topic(text, changes)
            case cmd.Whois(nick):
                self._protocol.whois(nick)
            case cmd.SetAway(message):
                self._protocol.away(message)
            case cmd.Account(command, account):
                self._account_command(command, account, changes)
            case cmd.Search(query):
                self.search.search(query, changes)
            case cmd.Goto(number):
                self.search.goto(number, changes)
            case cmd.Moderate() | cmd.Invite() | cmd.SetMode():
                self.moderation.run(request, changes)
            case cmd.Unknown(command):
                text = f"Unknown command {command}: @help lists the commands"
                self._complain(text, changes)
            case cmd.Usage(text):
                self._complain(f"Usage: {text}", changes)

    def _account_command(self, command: str, account: str | None, changes: Changes) -> None:
        """``/register`` and ``/login``: ask the UI for the password (nothing is sent yet)."""
        if not self._protocol.ready:
            raise NotRegistered("not connected to the server")
        if self._protocol.account is not None:
            text = f"You are already logged in as {clean(self._protocol.account)}"
            self._complain(text, changes)
            return
        if command == "register":
            shortest = _min_password(self._protocol.caps_available)
            changes.password = PasswordRequest("register", self._protocol.nick, min_length=shortest)
        else:
            wanted = account or self._protocol.reclaim_nick or self._protocol.nick
            changes.password = PasswordRequest("login", wanted, self._filing.login_error)

    def _direct(self, nick: str, text: str, changes: Changes, *, go: bool) -> None:
        """``@nick text`` is one message: it is filed in the person's conversation (marked
        unread there) while the person stays where they are and sees a ``→ nick: text``
        line; only ``go`` (``/query``, ``@nick`` alone) moves them to the conversation."""
        if self._protocol.server.is_channel(nick) or not nick:
            self._complain("@<nick> <text>: name a person", changes)
            return
        key = fold(nick)
        if key not in self._filing.conversations:
            self._filing.open(nick, ConversationKind.DIRECT)
            changes.conversations = True
        if go:
            changes.merge(self._filing.select(key))
        if not text:
            return
        self._talk(nick, text, changes)
        if self._filing.current != key:
            self._filing.conversations[key].unread += 1
            changes.conversations = True
            self._say(f"→ {clean(nick)}: {clean(text)}", changes)

    def _talk(self, target: str, text: str, changes: Changes, *, action: bool = False) -> None:
        """Say ``text`` to ``target``; while disconnected (or while earlier messages still
        wait, so the order holds) keep it as a pending line, sent by :meth:`send_held`."""
        key = fold(target)
        conversation = self._filing.conversations.get(key)
        rejoining = (
            conversation is not None
            and conversation.kind is ConversationKind.ROOM
            and not conversation.joined
            and key in self._protocol.rooms
        )
        if self._protocol.ready and not self._filing.held and not rejoining:
            if action:
                self._protocol.action(target, text)
            else:
                self._protocol.privmsg(target, text)
            return
        kind = LineKind.ACTION if action else LineKind.MESSAGE
        line = Line(now(), kind, clean(text), clean(self._protocol.nick), True, pending=True)
        self._filing.held.append(Held(key, target, text, action, line))
        self._filing.add(self._filing.conversations[key], line, changes)

    def send_held(self, changes: Changes) -> None:
        """Send the messages typed while disconnected, in order, as far as we are back: a
        room's wait for the room to be rejoined, and so do those typed after them. The
        event handling calls it on registration and on each rejoin."""
        for held in self._filing.held:
            if held.sent:
                continue
            conversation = self._filing.conversations.get(held.key)
            room = conversation is not None and conversation.kind is ConversationKind.ROOM
            joined = conversation is not None and conversation.joined
            lost = room and not joined and held.key not in self._protocol.rooms
            if conversation is None or lost:
                # Closed meanwhile, or a room we are no longer going back to (kicked, or
                # refused on rejoin): nobody to say it to, and what follows must not wait.
                self._filing.held.remove(held)
                self._complain(f"Not sent to {clean(held.target)}: {clean(held.text)}", changes)
                self.send_held(changes)
                return
            if not self._protocol.ready or (room and not joined):
                return
            held.sent = True
            if held.action:
                self._protocol.action(held.target, held.text)
            else:
                self._protocol.privmsg(held.target, held.text)

    def _room_name(self, room: str) -> str:
        return room if self._protocol.server.is_channel(room) else "#" + room

    def _leave(self, room: str | None, reason: str | None, changes: Changes) -> None:
        conversation = self._filing.current_conversation
        if room is None:
            if conversation.kind is ConversationKind.DIRECT:
                self._filing.close(conversation.key, changes)
                return
            if conversation.kind is ConversationKind.SERVER:
                self._complain("/leave: you are not in a room here", changes)
                return
            room = conversation.name
        key = fold(room)
        target = self._filing.conversations.get(key)
        if target is not None and not target.joined:
            self._protocol.part(room, reason)  # forget it for reconnects, too
            self._filing.close(key, changes)
            return
        self._protocol.part(room, reason)

    def _color(self, value: str | None, changes: Changes) -> None:
        if value is None:
            own = self._protocol.own_metadata.get(COLOR_KEY)
            derived = self._filing.own_color
            mine = (
                f"Your colour is {color_name(own) or own}"
                if own
                else f"You have no colour set (yours is derived from your nick: {derived})"
            )
            self._say(mine, changes)
            self._say("Colours: " + ", ".join(PALETTE), changes)
            self._say("or any #rrggbb; /color none removes it", changes)
            return
        if value.strip().lower() == "none":
            self._protocol.set_metadata(COLOR_KEY, None)
            self._say("Your colour is now derived from your nick", changes)
            changes.members = True
            return
        try:
            color = parse_color(value)
        except ColorError as error:
            self._complain(str(error), changes)
            return
        self._protocol.set_metadata(COLOR_KEY, color)
        changes.members = changes.conversations = True
        shown = color_name(color) or color
        if self._protocol.ready and not self._protocol.shares_metadata:
            shown += " (this server does not share colours, so only you see it)"
        self._say(f"Your colour is now {shown}", changes)

    def _topic(self, text: str | None, changes: Changes) -> None:
        conversation = self._filing.current_conversation
        if conversation.kind is not ConversationKind.ROOM:
            self._complain("/topic: you are not in a room here", changes)
            return
        if text is None:
            topic = self._filing.topic
            shown = f"Topic: {topic}" if topic else "No topic is set: /topic <text> sets one"
            self._say(shown, changes)
            return
        self._protocol.set_topic(conversation.name, text)

    def _help(self, changes: Changes) -> None:
        """The command list: an overlay for a UI that draws one, else lines in the log (plain
        mode, and a UI without an overlay yet). Both show the one table, ``commands.HELP``."""
        if self._help_overlay:
            changes.help = True
            return
        when, key = now(), self._filing.current
        self._filing.info(key, when, "Commands:", changes)
        for row in cmd.HELP:
            self._filing.info(key, when, f"  {row.usage}: {row.does}", changes)
        self._filing.info(key, when, cmd.HELP_FOOTER, changes)

    # -- accounts ----------------------------------------------------------------------------

    def provide_password(self, request: PasswordRequest, password: str) -> Changes:
        """The person typed ``password`` for ``request``: log in or register with it.

        The model does not keep it (the core keeps one that works, for reconnecting).
        """
        changes = Changes()
        try:
            check_password(password)
        except OptionError as error:
            self._complain(str(error), changes)
            return changes
        too_short = request.too_short(password)
        if too_short is not None:
            # A prompt that checked it never gets here; one that did not still sends nothing.
            self._complain(f"{too_short}: not sent, /register to try again", changes)
            return changes
        account = clean(request.account)
        try:
            if request.purpose == "register":
                self._protocol.register_account(password)
                self._filing.registering = fold(request.account)
                self._say(f"Registering the account {account} …", changes)
            else:
                self._protocol.login(password, request.account)
                self._say(f"Logging in as {account} …", changes)
        except NotRegistered:
            self._complain("Not connected to the server: not sent", changes)
        return changes

    def cancel_password(self, request: PasswordRequest) -> Changes:
        """The person closed the password prompt without typing one."""
        changes = Changes()
        if not request.typed and self._filing.protected is not None:
            text = "Not logged in: /login to log in, or /nick to choose another nick"
            self._say(text, changes)
        return changes

    # -- completing --------------------------------------------------------------------------

    def completions(self, word: str, *, at_start: bool) -> list[str]:
        """Candidates for tab-completing ``word``: commands at the start of the line, nicks
        of the current conversation everywhere (``@nick`` forms too), sorted."""
        folded = fold(word)
        found: set[str] = set()
        if at_start and word[:1] in ("/", "@"):
            found.update(name for name in cmd.COMMAND_NAMES if name.startswith(word.lower()))
        nicks = [
            view.nick for view in self._filing.members() if not self._protocol.is_me(view.nick)
        ]
        nicks += [
            c.name for c in self._filing.conversations.values() if c.kind is ConversationKind.DIRECT
        ]
        if word.startswith("@") and at_start:
            found.update("@" + nick for nick in nicks if fold(nick).startswith(folded[1:]))
        elif not word.startswith(("/", "@")):
            found.update(nick for nick in nicks if fold(nick).startswith(folded))
        return sorted(found, key=lambda item: (fold(item), item))


def _min_password(caps: dict[str, str | None]) -> int | None:
    """The shortest password the server takes for a new account, if its
    ``draft/account-registration`` value says (:data:`~chinwag.protocol.caps.MIN_PASSWORD_KEY`)."""
    value = value_keys(caps.get(ACCOUNT_REGISTRATION)).get(MIN_PASSWORD_KEY)
    # isascii too: str.isdigit accepts digits int() refuses, such as superscripts.
    if value is None or not (value.isascii() and value.isdigit()):
        return None
    return int(value)

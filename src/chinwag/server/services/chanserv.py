"""ChanServ: channel registration (issue 17, "Moderation"), after Ergo's ChanServ.

``/msg ChanServ <command>`` (or ``CHANSERV``, ``CS``), answered with NOTICEs from
``ChanServ!ChanServ@services``:

- ``REGISTER <#channel>``: the asker, logged in and a channel operator there, registers it
  and its account becomes the founder (at most :data:`MAX_CHANNELS_PER_ACCOUNT` each, as
  Ergo's ``max-channels-per-account``; server operators are not held to it);
- ``INFO <#channel>``: its founder and when it was registered, to anyone who may know the
  channel exists (a secret or private room is "not registered" to a non-member); the access
  list too to its founder, its operators and server operators;
- ``DROP <#channel>`` (also ``UNREGISTER``): the founder or a server operator unregisters it;
- ``AMODE <#channel> [+o|-o|+v|-v <account>]``: alone, the access list (founder, channel
  operators, server operators); with a change, the founder or a server operator gives or
  takes the status an account gets on joining, applied at once to members logged in to it;
- ``OP <#channel> [<nick>]``: the asker gets the status its account has there (the founder
  or an access-list operator +o, a voiced account +v); the founder may op another member;
- ``TRANSFER <#channel> <account>``: the founder (or a server operator) makes another
  account the founder;
- ``HELP [<command>]``.

The state of a registered room is persisted and brought back by
:mod:`chinwag.server.services.chanreg`; ChanServ's own changes are saved at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from chinwag.protocol.casemap import fold
from chinwag.protocol.message import Message
from chinwag.server import sources
from chinwag.server.context import Context
from chinwag.server.dispatch import command
from chinwag.server.services import chanreg, run_service_command, service
from chinwag.server.services.nicks import CHANSERV_SOURCE
from chinwag.server.state import Channel, ChannelRegistration

MAX_CHANNELS_PER_ACCOUNT = 15
"""Channels one account may found (Ergo's default ``max-channels-per-account``)."""

HELP: dict[str, tuple[str, ...]] = {
    "REGISTER": (
        "REGISTER <#channel>",
        "Registers a channel you are an operator of; your account becomes its founder.",
        "The room then stays when everyone has left and across restarts, with its modes,",
        "topic and lists, and you get +o whenever you join. You must be logged in.",
    ),
    "INFO": (
        "INFO <#channel>",
        "Shows who founded a registered channel and when. Its founder and operators also",
        "see its access list.",
    ),
    "DROP": (
        "DROP <#channel>",
        "Unregisters a channel (its founder or a server operator). The room itself stays",
        "while anyone is in it.",
    ),
    "AMODE": (
        "AMODE <#channel> [+o|-o|+v|-v <account>]",
        "The access list: accounts that get +o or +v whenever they join. Alone, it lists",
        "them (founder and operators); the founder changes it. Accounts, not nicks.",
    ),
    "OP": (
        "OP <#channel> [<nick>]",
        "Gives you the status your account has in a registered channel (+o for its founder",
        "and operators, +v for voiced accounts). The founder may op another member.",
    ),
    "TRANSFER": (
        "TRANSFER <#channel> <account>",
        "Makes another account the founder of a channel you founded.",
    ),
    "HELP": ("HELP [<command>]", "Shows this help, or help on one command."),
}


def _say(ctx: Context, *lines: str) -> None:
    for line in lines:
        ctx.reply.add(Message("NOTICE", (ctx.session.target, line), CHANSERV_SOURCE))


@service("ChanServ")
def chanserv(ctx: Context, text: str) -> None:
    """Handle one message to ChanServ: the first word is the command."""
    run_service_command(ctx, text, "ChanServ", COMMANDS, _say)


def _syntax(ctx: Context, name: str) -> None:
    _say(ctx, "Syntax: " + HELP[name][0])


def _visible(ctx: Context, name: str) -> Channel | None:
    """The channel called ``name`` if the user may know of it (a secret or private room
    only to its members), else ``None``."""
    channel = ctx.network.find_channel(name)
    if channel is None:
        return None
    if not {"s", "p"}.isdisjoint(channel.modes) and ctx.user not in channel.members:
        return None
    return channel


def _registered(ctx: Context, name: str) -> Channel | None:
    """The registered channel called ``name``; if there is none the user may know of, they
    are told it is not registered (the same words whether or not it exists)."""
    channel = _visible(ctx, name)
    if channel is None or channel.registration is None:
        _say(ctx, f"{name[:64]} is not registered.")
        return None
    return channel


def _save(ctx: Context, done: str, undo: Callable[[], None]) -> None:
    """Save every registered channel now; then say ``done``, or on failure ``undo`` the
    change and say so."""

    def then(ctx: Context, _: None) -> None:
        _say(ctx, done)

    def broken(ctx: Context, error: Exception) -> None:
        undo()
        _say(ctx, "The change could not be saved right now; try again later.")

    saving = ctx.deps.store.save_registered_channels(chanreg.snapshot(ctx.network))
    ctx.later(saving, then, broken)


def _register(ctx: Context, args: list[str]) -> None:
    if len(args) != 1:
        _syntax(ctx, "REGISTER")
        return
    user = ctx.user
    account = ctx.deps.accounts.get(user.account or "")
    if account is None:
        _say(ctx, "You must be logged in to register a channel (/msg NickServ HELP).")
        return
    channel = _visible(ctx, args[0])
    if channel is None or user not in channel.members:
        _say(ctx, f"You must be in {args[0][:64]} to register it.")
        return
    if channel.registration is not None:
        _say(ctx, f"{channel.name} is already registered.")
        return
    if not channel.is_operator(user):
        _say(ctx, f"You must be an operator of {channel.name} to register it.")
        return
    if (
        len(chanreg.founded_by(ctx.network, account.name)) >= MAX_CHANNELS_PER_ACCOUNT
        and not user.is_oper
    ):
        _say(ctx, f"You have already registered {MAX_CHANNELS_PER_ACCOUNT} channels; DROP one.")
        return
    channel.registration = ChannelRegistration(account.name, int(sources.now()))

    def undo() -> None:
        channel.registration = None

    _save(ctx, f"{channel.name} is registered; {account.name} is its founder.", undo)


def _info(ctx: Context, args: list[str]) -> None:
    if len(args) != 1:
        _syntax(ctx, "INFO")
        return
    channel = _registered(ctx, args[0])
    if channel is None or channel.registration is None:
        return
    registration = channel.registration
    when = datetime.fromtimestamp(registration.registered_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    _say(ctx, f"{channel.name} was registered {when} by {registration.founder} (founder).")
    if chanreg.may_see_access(channel, ctx.user):
        _list_access(ctx, channel, registration)


def _list_access(ctx: Context, channel: Channel, registration: ChannelRegistration) -> None:
    if not registration.access:
        _say(ctx, f"{channel.name}'s access list is empty.")
        return
    _say(ctx, f"{channel.name}'s access list ({len(registration.access)}):")
    for folded, mode in sorted(registration.access.items()):
        shown = ctx.deps.accounts.get(folded)
        _say(ctx, f"  {shown.name if shown is not None else folded}: +{mode}")


def _may_manage(ctx: Context, channel: Channel) -> bool:
    """Whether the user is the channel's founder or a server operator; if not, told so."""
    if chanreg.is_founder(channel, ctx.user) or ctx.user.is_oper:
        return True
    _say(ctx, f"Only the founder of {channel.name} can do that.")
    return False


def _drop(ctx: Context, args: list[str]) -> None:
    if len(args) != 1:
        _syntax(ctx, "DROP")
        return
    channel = _registered(ctx, args[0])
    if channel is None or channel.registration is None or not _may_manage(ctx, channel):
        return
    registration = channel.registration
    chanreg.unregister(ctx.network, channel)

    def undo() -> None:
        channel.registration = registration
        ctx.network.channels.setdefault(channel.folded, channel)

    _save(ctx, f"{channel.name} is no longer registered.", undo)


def _amode(ctx: Context, args: list[str]) -> None:
    if not args or len(args) == 2 or len(args) > 3:
        _syntax(ctx, "AMODE")
        return
    channel = _registered(ctx, args[0])
    if channel is None or channel.registration is None:
        return
    registration = channel.registration
    if len(args) == 1:
        if not chanreg.may_see_access(channel, ctx.user):
            _say(ctx, f"Only the founder and operators of {channel.name} can see its access list.")
            return
        _list_access(ctx, channel, registration)
        return
    change, name = args[1], args[2]
    if change not in ("+o", "-o", "+v", "-v"):
        _syntax(ctx, "AMODE")
        return
    if not _may_manage(ctx, channel):
        return
    folded = fold(name)
    account = ctx.deps.accounts.get(name)
    if change[0] == "+" and account is None:
        _say(ctx, f"There is no account {name[:64]}.")
        return
    if folded == fold(registration.founder):
        _say(ctx, f"{registration.founder} founded {channel.name}: it always gets +o.")
        return
    mode, before = change[1], registration.access.get(folded)
    if change[0] == "+":
        registration.access[folded] = mode
    elif before == mode:
        del registration.access[folded]
    else:
        _say(ctx, f"{name[:64]} does not get +{mode} in {channel.name}.")
        return
    _apply_to_members(ctx, channel, folded, mode, change[0] == "+", before)

    def undo() -> None:
        if before is None:
            registration.access.pop(folded, None)
        else:
            registration.access[folded] = before

    shown = account.name if account is not None else name
    verb = f"gets +{mode}" if change[0] == "+" else f"no longer gets +{mode}"
    _save(ctx, f"{shown} {verb} when joining {channel.name}.", undo)


def _apply_to_members(
    ctx: Context, channel: Channel, account: str, mode: str, add: bool, before: str | None
) -> None:
    """An access change applies at once to the members logged in to ``account`` (as Ergo):
    they get the new status, or lose the one taken (and one replaced)."""
    deps, actor = ctx.deps, ctx.session
    for member in list(channel.members):
        if member.account is None or fold(member.account) != account:
            continue
        if before is not None and before != mode:
            _reply(ctx, channel, chanreg.take_status(deps, channel, member, before, actor))
        change = chanreg.give_status if add else chanreg.take_status
        _reply(ctx, channel, change(deps, channel, member, mode, actor))


def _reply(ctx: Context, channel: Channel, message: Message | None) -> None:
    """Give the asker a status change ChanServ announced, if they are a member (a server
    operator outside the room must not see it)."""
    if message is not None and ctx.user in channel.members:
        ctx.reply.add(message)


def _op(ctx: Context, args: list[str]) -> None:
    if not args or len(args) > 2:
        _syntax(ctx, "OP")
        return
    channel = _registered(ctx, args[0])
    if channel is None or channel.registration is None:
        return
    user = ctx.user
    if user.account is None:
        _say(ctx, "You are not logged in.")
        return
    target = ctx.network.find_user(args[1]) if len(args) == 2 else user
    if target is None or target not in channel.members:
        _say(ctx, f"{args[-1][:64]} is not in {channel.name}.")
        return
    if target is not user:
        if not chanreg.is_founder(channel, user):
            _say(ctx, f"Only the founder of {channel.name} can op someone else.")
            return
        status = "o"
    else:
        status = channel.registration.status_for(user.account)
        if not status:
            _say(ctx, f"Your account has no status in {channel.name}.")
            return
    _reply(ctx, channel, chanreg.give_status(ctx.deps, channel, target, status, ctx.session))
    _say(ctx, f"{target.nick} has +{status} in {channel.name}.")


def _transfer(ctx: Context, args: list[str]) -> None:
    if len(args) != 2:
        _syntax(ctx, "TRANSFER")
        return
    channel = _registered(ctx, args[0])
    if channel is None or channel.registration is None or not _may_manage(ctx, channel):
        return
    account = ctx.deps.accounts.get(args[1])
    if account is None:
        _say(ctx, f"There is no account {args[1][:64]}.")
        return
    registration = channel.registration
    before = registration.founder
    registration.founder = account.name
    # The new founder needs no access entry; the old one keeps none (it may be given one).
    kept = registration.access.pop(account.folded, None)

    def undo() -> None:
        registration.founder = before
        if kept is not None:
            registration.access[account.folded] = kept

    _save(ctx, f"{account.name} is now the founder of {channel.name}.", undo)


def _help(ctx: Context, args: list[str]) -> None:
    if args and args[0].upper() in HELP:
        _say(ctx, *HELP[args[0].upper()])
        return
    _say(
        ctx,
        "ChanServ lets you register a channel, so that it keeps its founder, modes, topic",
        "and lists across restarts and gives your account (and those you name) their status.",
        *(f"  {lines[0]}" for lines in HELP.values()),
    )


COMMANDS: dict[str, Callable[[Context, list[str]], None]] = {
    "REGISTER": _register,
    "INFO": _info,
    "DROP": _drop,
    "UNREGISTER": _drop,
    "AMODE": _amode,
    "OP": _op,
    "TRANSFER": _transfer,
    "HELP": _help,
}


@command("CHANSERV", min_params=1)
def chanserv_command(ctx: Context, message: Message) -> None:
    """``CHANSERV <command>`` (also ``CS``): the same as ``/msg ChanServ <command>``."""
    chanserv(ctx, " ".join(message.params))


@command("CS", min_params=1)
def cs_command(ctx: Context, message: Message) -> None:
    """``CS <command>``: short for ``CHANSERV``."""
    chanserv(ctx, " ".join(message.params))

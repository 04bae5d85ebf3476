"""A bot's commands: declared with :func:`command`, found in what people say, bound to arguments.

A command is an ``async`` method of a :class:`~chinwag.bots.bot.Bot` subclass decorated with
:func:`command`. Its parameters after the :class:`~chinwag.bots.said.Call` say what it takes,
and the usage line shown to people is drawn from them::

    @command("roll", help="roll dice, e.g. !roll 2d6")
    async def roll(self, call: Call, dice: str = "1d6") -> None: ...

- ``name: str`` is one word, required; with a default it is optional (``[name]``);
- ``count: int`` is one whole number (a word that is not one gets the usage line back);
- ``*words: str`` takes every remaining word;
- ``text: Text`` (last) takes the rest of the line as written (``<text…>``).

:func:`invocation` finds a command in a message: in a room only with the bot's prefix
(``!roll 2d6``) or addressed to the bot (``dicebot: roll 2d6``); in a direct message the
prefix may be left out.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, NewType, TypeVar

from chinwag.protocol.casemap import fold

Text = NewType("Text", str)
"""The annotation of a last parameter that takes the rest of the line as written."""

Where = Literal["anywhere", "room", "direct"]
"""Where a command may be used: anywhere, only in a room, only in a direct message."""

MAX_NAME = 32
"""Longest command word looked at; a longer first word is not a command."""

Handler = Callable[..., Awaitable[None]]
F = TypeVar("F", bound=Handler)

_SPEC_ATTRIBUTE = "__chinwag_command__"


class UsageError(ValueError):
    """The words given do not fit the command: the bot answers with its usage line."""


@dataclass(frozen=True, slots=True)
class Parameter:
    """One argument of a command, read from the handler's signature."""

    name: str
    kind: Literal["word", "number", "words", "text"]
    required: bool
    default: object = None

    def usage(self) -> str:
        """How the parameter shows in a usage line: ``<name>``, ``[name]``, ``[name…]``."""
        label = f"{self.name}…" if self.kind in ("words", "text") else self.name
        return f"<{label}>" if self.required else f"[{label}]"


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """What :func:`command` records on a handler: its name, aliases, help and where it works."""

    name: str
    help: str
    aliases: tuple[str, ...] = ()
    where: Where = "anywhere"
    hidden: bool = False

    def names(self) -> tuple[str, ...]:
        """The name and every alias, folded to lower case."""
        return (self.name.lower(), *(alias.lower() for alias in self.aliases))


@dataclass(frozen=True, slots=True)
class Command:
    """A command bound to its handler's parameters (made by :func:`commands_of`)."""

    spec: CommandSpec
    method: str
    parameters: tuple[Parameter, ...]

    def usage(self, prefix: str) -> str:
        """``!roll [dice]``: how to call it."""
        words = [f"{prefix}{self.spec.name}", *(p.usage() for p in self.parameters)]
        return " ".join(words)

    def bind(self, argument_text: str) -> list[Any]:
        """The handler's arguments from the text after the command word; raises
        :class:`UsageError` when they do not fit."""
        words = argument_text.split()
        values: list[Any] = []
        for index, parameter in enumerate(self.parameters):
            if parameter.kind == "text":
                rest = _rest_after(argument_text, index)
                if not rest and parameter.required:
                    raise UsageError(parameter.name)
                values.append(rest or parameter.default)
                return values
            if parameter.kind == "words":
                values.extend(words[index:])
                return values
            if index >= len(words):
                if parameter.required:
                    raise UsageError(parameter.name)
                values.append(parameter.default)
                continue
            word = words[index]
            if parameter.kind == "number":
                try:
                    values.append(int(word))
                except ValueError:
                    raise UsageError(parameter.name) from None
            else:
                values.append(word)
        if len(words) > len(self.parameters):
            raise UsageError("too many words")
        return values


def command(
    name: str, *, help: str, aliases: tuple[str, ...] = (), where: Where = "anywhere"
) -> Callable[[F], F]:
    """Mark an ``async`` method of a bot as the command ``name``, with a line of ``help``.

    ``aliases`` are other names for it; ``where`` limits it to rooms or direct messages.
    """
    if not name or len(name) > MAX_NAME or not name.replace("-", "").isalnum():
        raise ValueError(f"a command name is one word of letters and digits, not {name!r}")

    def mark(handler: F) -> F:
        setattr(handler, _SPEC_ATTRIBUTE, CommandSpec(name, help, aliases, where))
        return handler

    return mark


def commands_of(cls: type) -> dict[str, Command]:
    """Every command of a bot class (its own and inherited), by each of its folded names.

    Raises :class:`TypeError` for a handler whose parameters this module cannot bind, or a
    name two commands share, when the class is defined (so a mistake shows at once).
    """
    found: dict[str, Command] = {}
    seen: set[str] = set()
    for klass in cls.__mro__:
        for attribute, value in vars(klass).items():
            spec = getattr(value, _SPEC_ATTRIBUTE, None)
            if not isinstance(spec, CommandSpec) or attribute in seen:
                continue
            seen.add(attribute)
            bound = Command(spec, attribute, _parameters(value))
            for name in spec.names():
                if name in found:
                    raise TypeError(f"{cls.__name__}: two commands are called {name!r}")
                found[name] = bound
    return found


def _parameters(handler: Handler) -> tuple[Parameter, ...]:
    signature = inspect.signature(handler, eval_str=True)
    listed = list(signature.parameters.values())[2:]  # self, call
    parameters: list[Parameter] = []
    for position, item in enumerate(listed):
        last = position == len(listed) - 1
        required = item.default is inspect.Parameter.empty
        default = None if required else item.default
        if item.kind is inspect.Parameter.VAR_POSITIONAL and item.annotation is str:
            parameters.append(Parameter(item.name, "words", False))
        elif item.annotation is Text and last:
            parameters.append(Parameter(item.name, "text", required, default))
        elif item.annotation is int:
            parameters.append(Parameter(item.name, "number", required, default))
        elif item.annotation is str:
            parameters.append(Parameter(item.name, "word", required, default))
        else:
            raise TypeError(
                f"{handler.__qualname__}: parameter {item.name!r} must be str, int, "
                "*words: str, or a last text: Text"
            )
    return tuple(parameters)


def _rest_after(text: str, skip: int) -> str:
    """``text`` after its first ``skip`` words, as written (inner spacing kept)."""
    rest = text.strip()
    for _ in range(skip):
        parts = rest.split(None, 1)
        rest = parts[1] if len(parts) > 1 else ""
    return rest.strip()


@dataclass(frozen=True, slots=True)
class Invocation:
    """A command word found in a message and the text after it."""

    name: str
    arguments: str


def invocation(text: str, *, prefix: str, nick: str, direct: bool) -> Invocation | None:
    """The command ``text`` asks of the bot called ``nick``, or None when it asks none.

    In a room a command starts with ``prefix`` or with the bot's nick and ``:`` or ``,``;
    in a direct message (``direct``) the prefix may also be left out.
    """
    body = text.strip()
    if body.startswith(prefix):
        body = body[len(prefix) :]
    else:
        head, _, rest = body.partition(" ")
        if head[-1:] in (":", ",") and fold(head[:-1]) == fold(nick):
            body = rest.strip()
            if body.startswith(prefix):
                body = body[len(prefix) :]
        elif not direct:
            return None
    word, _, rest = body.partition(" ")
    if not word or len(word) > MAX_NAME or not word.replace("-", "").isalnum():
        return None
    return Invocation(word.lower(), rest.strip())

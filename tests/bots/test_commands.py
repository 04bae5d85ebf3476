"""Commands: found in what people say, bound to the handler's parameters, refused clearly."""

from __future__ import annotations

import pytest

from chinwag.bots import Bot, Call, Text, command
from chinwag.bots.commands import UsageError, commands_of, invocation


class Sample(Bot):
    name = "sample"

    @command("roll", help="roll dice", aliases=("r",))
    async def roll(self, call: Call, dice: str = "1d6") -> None: ...

    @command("add", help="add two numbers")
    async def add(self, call: Call, first: int, second: int = 0) -> None: ...

    @command("say", help="say something")
    async def say_it(self, call: Call, target: str, text: Text) -> None: ...

    @command("all", help="every word")
    async def every(self, call: Call, *words: str) -> None: ...


def test_a_room_command_needs_the_prefix_or_the_bots_nick() -> None:
    assert invocation("!roll 2d6", prefix="!", nick="dice", direct=False) is not None
    found = invocation("Dice: ROLL 2d6", prefix="!", nick="dice", direct=False)
    assert found is not None and (found.name, found.arguments) == ("roll", "2d6")
    assert invocation("roll 2d6", prefix="!", nick="dice", direct=False) is None
    assert invocation("dicey: roll", prefix="!", nick="dice", direct=False) is None


def test_a_direct_message_may_leave_the_prefix_out() -> None:
    found = invocation("roll   3d4 ", prefix="!", nick="dice", direct=True)
    assert found is not None and (found.name, found.arguments) == ("roll", "3d4")


def test_a_first_word_that_cannot_be_a_command_is_not_one() -> None:
    assert invocation("!", prefix="!", nick="dice", direct=False) is None
    assert invocation("!<b>hi</b>", prefix="!", nick="dice", direct=False) is None
    assert invocation("!" + "x" * 100, prefix="!", nick="dice", direct=False) is None


def test_arguments_are_bound_to_the_parameters() -> None:
    table = Sample.commands
    assert table["roll"].bind("") == ["1d6"]
    assert table["r"].bind("2d6") == ["2d6"]
    assert table["add"].bind("2 3") == [2, 3]
    assert table["add"].bind("2") == [2, 0]
    assert table["say"].bind("#games  hello   there ") == ["#games", "hello   there"]
    assert table["all"].bind("a b  c") == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("name", "text"),
    [("add", ""), ("add", "two"), ("add", "1 2 3"), ("say", "#games"), ("roll", "a b")],
)
def test_words_that_do_not_fit_are_a_usage_error(name: str, text: str) -> None:
    with pytest.raises(UsageError):
        Sample.commands[name].bind(text)


def test_the_usage_line_is_drawn_from_the_signature() -> None:
    assert Sample.commands["add"].usage("!") == "!add <first> [second]"
    assert Sample.commands["say"].usage("!") == "!say <target> <text…>"
    assert Sample.commands["all"].usage("!") == "!all [words…]"


def test_builtin_commands_are_inherited() -> None:
    assert {"help", "scores", "leave", "roll"} <= set(Sample.commands)


def test_a_parameter_that_cannot_be_bound_is_refused_when_the_class_is_made() -> None:
    with pytest.raises(TypeError, match="must be str, int"):

        class Broken(Bot):
            @command("bad", help="takes a float")
            async def bad(self, call: Call, amount: float) -> None: ...


def test_two_commands_may_not_share_a_name() -> None:
    class Twice:
        @command("go", help="one")
        async def one(self, call: Call) -> None: ...

        @command("GO", help="two")
        async def two(self, call: Call) -> None: ...

    with pytest.raises(TypeError, match="two commands"):
        commands_of(Twice)


def test_a_command_name_is_one_word() -> None:
    with pytest.raises(ValueError, match="one word"):
        command("two words", help="no")

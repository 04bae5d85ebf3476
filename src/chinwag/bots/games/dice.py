"""Dice, coins and the magic 8-ball: the smallest bundled bot, and docs/bots.md's example."""

from __future__ import annotations

import re

from chinwag.bots import Bot, Call, Text, command

DICE = re.compile(r"(\d{0,2})d(\d{1,3})([+-]\d{1,3})?", re.IGNORECASE)
ANSWERS = "Yes|It is certain|Signs point to yes|Ask again later|Doubtful|No way".split("|")


class DiceBot(Bot):
    """Rolls dice, tosses coins and answers yes-or-no questions."""

    name = "dice"
    summary = "I roll dice, toss coins and answer questions."

    @command("roll", help="roll dice: !roll 2d6+1 (up to 20 dice of up to 100 sides)")
    async def roll(self, call: Call, dice: str = "1d6") -> None:
        found = DICE.fullmatch(dice)
        count, sides = (int(found[1] or 1), int(found[2])) if found else (0, 0)
        if not found or not 1 <= count <= 20 or not 2 <= sides <= 100:
            self.reply(call, f"{call.nick}: I roll things like 2d6, d20 or 3d8+2")
            return
        rolls = [self.random.randint(1, sides) for _ in range(count)]
        total = sum(rolls) + int(found[3] or 0)
        self.reply(call, f"{call.nick} rolls {dice}: {' + '.join(map(str, rolls))} = {total}")

    @command("coin", help="toss a coin", aliases=("flip",))
    async def coin(self, call: Call) -> None:
        self.reply(call, f"{call.nick} tosses a coin: {self.random.choice(['heads', 'tails'])}")

    @command("8ball", help="ask a yes-or-no question: !8ball will it rain?")
    async def eight_ball(self, call: Call, question: Text) -> None:
        self.reply(call, f"{call.nick}: {self.random.choice(ANSWERS)}.")

"""docs/bots.md's promises: the dice example is the shipped bot, short, and runs as written."""

from __future__ import annotations

import re
from pathlib import Path

from chinwag.bots.catalogue import BUNDLED
from chinwag.server.app import ChinwagServer
from tests.bots.harness import bot_program, bot_says, player

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "bots.md").read_text(encoding="utf-8")
EXAMPLE = re.search(r"## Writing a bot.*?```python\n(.*?)```", DOC, re.DOTALL)


def test_the_docs_dice_bot_is_the_shipped_one_in_under_40_lines() -> None:
    assert EXAMPLE is not None
    shipped = (ROOT / "src" / "chinwag" / "bots" / "games" / "dice.py").read_text()
    assert EXAMPLE[1] == shipped
    assert len(EXAMPLE[1].splitlines()) < 40


def test_every_bundled_bot_is_in_the_docs_table_with_its_page() -> None:
    for name in BUNDLED:
        assert f"| `{name}` |" in DOC
        if name != "dice":
            assert (ROOT / "docs" / "bots" / f"{name}.md").is_file()


async def test_the_example_saved_as_a_file_runs_with_chinwag_bot(
    server: ChinwagServer, tmp_path: Path
) -> None:
    assert EXAMPLE is not None
    mine = tmp_path / "mybot.py"
    mine.write_text(EXAMPLE[1].replace('name = "dice"', 'name = "mydice"'))
    memory = str(tmp_path / "memory")
    options = ("--room", "#games", "--data-dir", memory)
    async with bot_program(server.addresses[0], tmp_path, str(mine), "mydice", *options):
        ana = await player(server.addresses[0], "ana", "#games", account=False)
        await ana.send("PRIVMSG", "#games", "mydice: roll d20")
        assert re.fullmatch(r"ana rolls d20: (\d+) = \1", await bot_says(ana, "mydice", "#games"))

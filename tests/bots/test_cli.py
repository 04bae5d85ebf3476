"""``chinwag bot``: the real program, started as a person would start it."""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from pathlib import Path

from chinwag.server.app import ChinwagServer
from tests.bots.harness import bot_program, bot_says, player
from tests.serve import FAST_HASHING, serve_env


def bot_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "chinwag", "bot", *arguments]


async def run(tmp_path: Path, *arguments: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *bot_command(*arguments),
        env=serve_env(tmp_path, **FAST_HASHING),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_list_names_every_bundled_bot(tmp_path: Path) -> None:
    status, out, _ = await run(tmp_path, "--list")
    assert status == 0
    names = [line.split()[0] for line in out.splitlines()]
    assert names == sorted(names) and {"boards", "dice"} <= set(names)
    assert "roll dice" in out and "tic-tac-toe" in out


async def test_a_wrong_name_or_setting_is_a_readable_error(tmp_path: Path) -> None:
    status, _, err = await run(tmp_path, "juggler")
    assert status == 2 and "there is no bot called 'juggler'" in err
    status, _, err = await run(tmp_path, "dice", "--set", "speed=9")
    assert status == 2 and "unknown setting 'speed'" in err
    status, _, err = await run(tmp_path, "boards", "--set", "rps_best_of=4")
    assert status == 2 and "rps_best_of must be an odd number" in err
    status, _, err = await run(tmp_path, "boards", "--set", "win_points=lots")
    assert status == 2 and "setting 'win_points' wants a whole number" in err


async def test_chinwag_bot_runs_a_bot_that_answers_in_its_room(
    server: ChinwagServer, tmp_path: Path
) -> None:
    async with bot_program(
        server.addresses[0], tmp_path, "dice", "dice", "--room", "games"
    ) as process:
        ana = await player(server.addresses[0], "ana", "#games", account=False)
        await ana.send("PRIVMSG", "#games", "!coin")
        assert "ana tosses a coin" in await bot_says(ana, "dice", "#games")
    if os.name == "posix":
        assert process.returncode == 0  # SIGTERM stops it gracefully: QUIT sent, games saved
    made = tmp_path / "data" / "chinwag" / "bots" / "dice" / "password"
    assert made.read_text().strip()  # the password the bot made for its account
    if os.name == "posix":
        assert stat.S_IMODE(made.stat().st_mode) == 0o600

"""Operator status: nobody guesses an operator password, and none sits in config in clear.

Issue 24, item 8. ``OPER`` attempts take their place in a limit per operator name and per
address before the password is checked (the mechanism of logins, see
``test_login_attempts``); an address the operator has opered from before is exempt from the
name's limit, so an attack never locks the operator out. Operator passwords are accepted in
config only as argon2 hashes, which ``chinwag hash-password`` makes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher

import chinwag
from chinwag.config import AccountSettings, ConfigError, Operator, load_config
from tests.ircclient import IrcClient, Line, is_
from tests.security.conftest import SecureFactory

PASSWORD = "oper-sesame-42"
HASHED = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash(PASSWORD)
LIMIT = AccountSettings().login_failures
OPERATOR_HOME = "127.0.0.1"
ATTACKER = "127.0.0.20"


def oper_reply(line: Line) -> bool:
    return line.command in ("381", "464", "491")


async def test_forty_wrong_guesses_then_the_right_one_is_refused_but_not_the_operator(
    start_server: SecureFactory,
) -> None:
    server = await start_server(operators=(Operator("admin", HASHED),))
    # The operator opers from her usual address before the attack.
    home = await IrcClient.connect(server.addresses[0], source=OPERATOR_HOME)
    await home.register("olga")
    await home.send("OPER", "admin", PASSWORD)
    assert (await home.expect(oper_reply)).command == "381"
    await home.close()

    mallory = await IrcClient.connect(server.addresses[0], source=ATTACKER)
    await mallory.register("mallory")
    replies = []
    for index in range(40):
        await mallory.send("OPER", "admin", f"guess-{index}")
        replies.append(await mallory.expect(oper_reply))
    await mallory.send("OPER", "admin", PASSWORD)
    last = await mallory.expect(oper_reply)

    assert all(line.command == "464" for line in replies)
    checked = [line for line in replies if line.params[-1] == "Password incorrect"]
    assert len(checked) == LIMIT
    assert all("try again in" in line.params[-1] for line in replies[LIMIT:])
    assert last.command == "464" and "try again in" in last.params[-1]
    assert not any(line.command in ("381", "MODE") for line in mallory.received)

    # The operator, at her usual address, is not held back by the attack on her name.
    again = await IrcClient.connect(server.addresses[0], source=OPERATOR_HOME)
    await again.register("olga")
    await again.send("OPER", "admin", PASSWORD)
    assert (await again.expect(oper_reply)).command == "381"
    await again.expect(is_("MODE", "olga", "+o"))


def write_config(tmp_path: Path, password: str) -> Path:
    path = tmp_path / "chinwag.toml"
    path.write_text(
        f'[[operators]]\nname = "admin"\npassword = "{password}"\nhostmask = "*@127.0.0.1"\n',
        encoding="utf-8",
    )
    return path


def test_a_plaintext_operator_password_is_refused_at_load(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(tmp_path, "hunter2"))
    message = str(caught.value)
    assert "admin" in message
    assert "chinwag hash-password" in message
    assert "hunter2" not in message  # the error does not repeat the secret


def test_something_that_only_looks_like_an_argon2_hash_is_refused_at_load(
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigError, match="chinwag hash-password"):
        load_config(write_config(tmp_path, "$argon2id$v=19$not-a-hash"))


async def test_the_hash_password_command_makes_what_the_config_takes(
    tmp_path: Path, start_server: SecureFactory
) -> None:
    made = subprocess.run(
        [sys.executable, "-m", "chinwag", "hash-password"],
        input=PASSWORD + "\n",
        env={**os.environ, "PYTHONPATH": str(Path(chinwag.__file__).parents[1])},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    hashed = made.stdout.strip()
    assert hashed.startswith("$argon2id$") and PASSWORD not in made.stdout
    config = load_config(write_config(tmp_path, hashed))

    server = await start_server(operators=config.operators)
    wrong = await IrcClient.connect(server.addresses[0])
    await wrong.register("eve")
    await wrong.send("OPER", "admin", PASSWORD + "x")
    assert (await wrong.expect(oper_reply)).command == "464"
    olga = await IrcClient.connect(server.addresses[0])
    await olga.register("olga")
    await olga.send("OPER", "admin", PASSWORD)
    assert (await olga.expect(oper_reply)).command == "381"

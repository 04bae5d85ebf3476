"""Bots against a real server, for tests: start one, play it with scripted raw clients.

:func:`running_bot` runs a :class:`~chinwag.bots.host.BotHost` as a task against a real
server on a loopback port and waits until it is logged in and in its rooms. Players are
:class:`~tests.ircclient.IrcClient` connections (irctokens, a parser nobody here wrote); with
:func:`player` they register an account first, so the bot sees their account (account-tag).
:func:`bot_says` waits for the bot's next message to a target and returns its text, the
multiline batch's lines joined with ``\\n``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from irctokens.line import Line, build

from chinwag.bots.bot import Bot
from chinwag.bots.host import BotHost, BotOptions
from chinwag.client.runner import Backoff
from chinwag.protocol.casemap import fold
from tests.ircclient import IrcClient, is_
from tests.serve import serve_env

PASSWORD = "correct horse battery"
QUICK = Backoff(initial=0.05, maximum=0.2, jitter=0.0)


def bot_options(
    address: tuple[str, int], data_dir: Path, nick: str, rooms: tuple[str, ...]
) -> BotOptions:
    """Options for a bot on ``address`` keeping its memory in ``data_dir``."""
    return BotOptions(
        host=address[0],
        port=address[1],
        nick=nick,
        password=PASSWORD,
        data_dir=data_dir,
        rooms=rooms,
    )


@contextlib.asynccontextmanager
async def running_bot(
    address: tuple[str, int],
    kind: type[Bot],
    data_dir: Path,
    *rooms: str,
    nick: str | None = None,
    settings: Any = None,
    seed: int = 1,
) -> AsyncIterator[BotHost]:
    """A started bot of class ``kind`` in ``rooms``; it quits when the block ends."""
    options = bot_options(address, data_dir, nick or kind.name, rooms)
    host = BotHost(kind, options, backoff=QUICK, rng=random.Random(seed), settings=settings)
    task = asyncio.create_task(host.run())
    try:
        await in_rooms(host, task, *rooms)
        yield host
    finally:
        await host.stop()
        with contextlib.suppress(asyncio.CancelledError):
            async with asyncio.timeout(5):
                await task


async def in_rooms(host: BotHost, task: asyncio.Task[None], *rooms: str) -> None:
    """Wait until ``host`` is ready and in every room of ``rooms`` (or its task ended)."""
    async with asyncio.timeout(10):
        while not (
            host.ready.is_set() and all(host.protocol.channel(room) is not None for room in rooms)
        ):
            if task.done():
                task.result()  # raises what stopped it
                raise AssertionError(f"the bot stopped: {host.problem}")
            await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def bot_program(
    address: tuple[str, int], tmp_path: Path, bot: str, nick: str, *options: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``chinwag bot BOT`` run as a person runs it, against ``address``, its data under
    ``tmp_path``; it has joined (a raw client saw its JOIN) when the block starts, and is sent
    SIGTERM when the block ends (its exit status is then on the process)."""
    host, port = address
    process = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "chinwag", "bot", bot, f"irc://{host}:{port}", *options],
        env=serve_env(tmp_path),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        watcher = await player(address, "watcher", account=False)
        room = options[options.index("--room") + 1] if "--room" in options else "#lobby"
        await watcher.join(room if room[0] in "#&" else "#" + room)
        prefix = f"{nick}!"
        await watcher.expect(
            lambda line: line.command == "JOIN" and line.source.startswith(prefix), timeout=20
        )
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
        await asyncio.wait_for(process.wait(), 10)


async def raw_bot(address: tuple[str, int], nick: str = "dice", room: str = "#lobby") -> IrcClient:
    """A raw client that says it is a bot (``MODE nick +B``) and is in ``room``: what the
    clients' tests send bot lines from, word for word."""
    client = await IrcClient.connect(address)
    await client.send("CAP", "REQ", "draft/multiline batch message-tags")
    await client.expect(is_("CAP", "*", "ACK"))
    await client.send("CAP", "END")
    await client.register(nick)
    await client.send("MODE", nick, "+B")
    await client.expect(is_("MODE", nick))
    await client.join(room)
    return client


async def player(
    address: tuple[str, int], nick: str, *rooms: str, account: bool = True
) -> IrcClient:
    """A raw client registered as ``nick`` (with an account of that name unless
    ``account=False``) in ``rooms``."""
    client = await IrcClient.connect(address)
    await client.send("CAP", "REQ", "batch draft/multiline message-tags")
    await client.expect(is_("CAP", "*", "ACK"))
    await client.send("CAP", "END")
    await client.register(nick)
    if account:
        await client.send("REGISTER", "*", "*", PASSWORD)
        await client.expect(is_("REGISTER", "SUCCESS"))
    for room in rooms:
        await client.join(room)
    return client


async def bot_silent(client: IrcClient, bot: str, target: str | None, seconds: float) -> None:
    """Fail if ``bot`` says anything (to ``target``) within ``seconds``."""
    try:
        said = await bot_says(client, bot, target, timeout=seconds)
    except AssertionError:
        return  # nothing came: as it should be
    raise AssertionError(f"{bot} said {said!r}")


async def multiline(client: IrcClient, target: str, lines: list[str]) -> None:
    """Send ``lines`` as one draft/multiline message to ``target``."""
    await client.send("BATCH", "+ml", "draft/multiline", target)
    for line in lines:
        client.encoder.push(build("PRIVMSG", [target, line], tags={"batch": "ml"}))
    data = client.encoder.pending()
    client.encoder.pop(len(data))
    await client.send_raw(data)
    await client.send("BATCH", "-ml")


async def bot_says(
    client: IrcClient, bot: str, target: str | None = None, timeout: float = 5.0
) -> str:
    """The text of the next message ``bot`` sends (to ``target``, default: anywhere the
    client reads it); a multiline batch comes back as its lines joined with ``\\n``."""
    want = fold(target) if target is not None else None

    def from_bot(line: Line) -> bool:
        if line.command not in ("PRIVMSG", "BATCH") or line.source is None:
            return False
        if fold(line.hostmask.nickname) != fold(bot):
            return False
        if line.command == "BATCH":
            opening = line.params[0].startswith("+") and line.params[1:2] == ["draft/multiline"]
            return opening and (want is None or fold(line.params[2]) == want)
        inside = "batch" in line.tags
        return not inside and (want is None or fold(line.params[0]) == want)

    line = await client.expect(from_bot, timeout)
    if line.command == "PRIVMSG":
        return line.params[-1]
    reference = line.params[0][1:]
    parts: list[str] = []
    while True:
        inner = await client.expect(
            lambda x: (
                (x.command == "BATCH" and x.params[0] == "-" + reference)
                or x.tags.get("batch") == reference
            ),
            timeout,
        )
        if inner.command == "BATCH":
            return "\n".join(parts)
        if parts and "draft/multiline-concat" in inner.tags:
            parts[-1] += inner.params[-1]
        else:
            parts.append(inner.params[-1])

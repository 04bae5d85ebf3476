"""A bot on a real server: its account, +B, rooms, invitations, reconnection, and safety."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from chinwag.bots import Call, command
from chinwag.bots.bot import BURST
from chinwag.bots.games.boardgames import BoardGamesBot
from chinwag.bots.games.dice import DiceBot
from chinwag.bots.host import BotHost
from chinwag.server.app import ChinwagServer
from tests.bots.harness import (
    QUICK,
    bot_options,
    bot_says,
    bot_silent,
    in_rooms,
    multiline,
    player,
    running_bot,
)
from tests.conftest import ServerFactory
from tests.ircclient import IrcClient, is_


async def whois(client: IrcClient, nick: str) -> dict[str, list[str]]:
    """The WHOIS replies for ``nick`` by numeric."""
    await client.send("WHOIS", nick)
    replies: dict[str, list[str]] = {}
    while True:
        line = await client.expect(lambda x: x.command.isdigit() and x.params[1:2] == [nick])
        replies.setdefault(line.command, []).append(" ".join(line.params[2:]))
        if line.command == "318":
            return replies


async def test_on_first_start_a_bot_registers_its_account_and_says_it_is_a_bot(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    async with running_bot(address, DiceBot, tmp_path, "#games"):
        ana = await player(address, "ana", "#games", account=False)
        replies = await whois(ana, "dice")
        assert "335" in replies  # RPL_WHOISBOT: +B is set
        assert replies["330"][0].startswith("dice")  # logged in as the account "dice"
        assert "#games" in replies["319"][0]


async def test_a_restarted_bot_logs_in_to_the_account_it_made(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    async with running_bot(address, DiceBot, tmp_path, "#games") as first:
        assert first.protocol.account == "dice"
    async with running_bot(address, DiceBot, tmp_path, "#games") as second:
        assert second.protocol.account == "dice"
        assert second.problem is None


async def test_an_account_with_another_password_stops_the_bot_with_a_reason(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    squatter = await IrcClient.registered(address, "dice")
    await squatter.send("REGISTER", "*", "*", "someone else's password")
    await squatter.expect(is_("REGISTER", "SUCCESS"))
    await squatter.send("QUIT")
    await squatter.expect_closed()
    host = BotHost(DiceBot, bot_options(address, tmp_path, "dice", ("#games",)), backoff=QUICK)
    async with asyncio.timeout(10):
        await host.run()
    assert host.problem is not None and "password" in host.problem


async def test_a_bot_reconnects_and_rejoins_its_rooms(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#games", account=False)
    async with running_bot(address, DiceBot, tmp_path, "#games") as host:
        assert host.runner is not None and host.connections == 1
        host.runner.drop()
        async with asyncio.timeout(5):
            while not (host.connections == 2 and host.protocol.channel("#games")):
                await asyncio.sleep(0.01)
        await ana.send("PRIVMSG", "#games", "!coin")
        assert "tosses a coin" in await bot_says(ana, "dice", "#games")


async def test_an_invited_bot_joins_and_comes_back_there_after_a_restart(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#den")  # the room's founder, an operator
    async with running_bot(address, DiceBot, tmp_path, "#games") as host:
        await ana.send("INVITE", "dice", "#den")
        await ana.expect(lambda line: line.command == "JOIN" and line.source.startswith("dice!"))
        assert host.runner is not None
        await in_rooms(host, asyncio.create_task(asyncio.sleep(10)), "#den")
    async with running_bot(address, DiceBot, tmp_path, "#games", "#den"):
        pass  # in_rooms waited for #den too


async def test_a_room_operator_sends_the_bot_away_and_it_stays_away(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#den")
    bob = await player(address, "bob", account=False)
    async with running_bot(address, DiceBot, tmp_path, "#games"):
        await ana.send("INVITE", "dice", "#den")
        await ana.expect(lambda line: line.command == "JOIN" and line.source.startswith("dice!"))
        await bob.join("#den")
        await bob.send("PRIVMSG", "#den", "!leave")
        assert "only an operator" in await bot_says(bob, "dice", "#den")
        await ana.send("PRIVMSG", "#den", "!leave someotherbot")
        await ana.send("PRIVMSG", "#den", "!leave")
        await ana.expect(lambda line: line.command == "PART" and line.source.startswith("dice!"))
        assert "someotherbot" not in " ".join(" ".join(x.params) for x in ana.received[-5:])
    async with running_bot(address, DiceBot, tmp_path, "#games") as again:
        await asyncio.sleep(0.2)  # a rejoin would have been sent with the other rooms
        assert again.protocol.channel("#den") is None


async def test_help_lists_the_commands_and_a_wrong_call_gets_its_usage(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#games", account=False)
    async with running_bot(address, DiceBot, tmp_path, "#games"):
        await ana.send("PRIVMSG", "#games", "!help")
        listing = await bot_says(ana, "dice", "#games")
        assert "!roll" in listing and "!coin" in listing and "!8ball" in listing
        assert "!scores" not in listing  # dice keeps no scores
        await ana.send("PRIVMSG", "#games", "!help roll")
        assert (await bot_says(ana, "dice", "#games")).startswith("!roll [dice] — roll dice")
        await ana.send("PRIVMSG", "#games", "!8ball")
        assert (await bot_says(ana, "dice", "#games")).startswith("usage: !8ball <question…>")
        await ana.send("PRIVMSG", "dice", "juggle")
        assert "I don't know 'juggle'" in await bot_says(ana, "dice", "ana")


async def test_someone_flooding_the_bot_gets_a_few_answers_and_one_warning(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#games", account=False)
    async with running_bot(address, DiceBot, tmp_path, "#games"):
        for _ in range(BURST + 10):
            await ana.send("PRIVMSG", "#games", "!coin")
        answers = [await bot_says(ana, "dice", "#games") for _ in range(BURST)]
        assert all("tosses a coin" in answer for answer in answers)
        assert "faster than I can keep up" in await bot_says(ana, "dice", "ana")
        await bot_silent(ana, "dice", "#games", 1.0)


async def test_hostile_input_is_answered_safely(server: ChinwagServer, tmp_path: Path) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#games", account=False)
    async with running_bot(address, DiceBot, tmp_path, "#games") as host:
        await ana.send("PRIVMSG", "#games", "!roll \x1b[31m2d6\x07")  # cleaned: "!roll 2d6"
        assert "rolls 2d6" in await bot_says(ana, "dice", "#games")
        await ana.send("PRIVMSG", "#games", "!roll <script>alert(1)</script>")
        refused = await bot_says(ana, "dice", "#games")
        assert "<script>" not in refused and "I roll things like" in refused
        await ana.send_raw(b"PRIVMSG #games :!8ball " + b"why? " * 2000 + b"\r\n")
        await ana.expect(is_("417"))  # the server refuses a 10 KB line: the bot never sees it
        await multiline(ana, "#games", ["!8ball " + "why? " * 80] + ["\x02<b>why</b> " * 30] * 9)
        answer = await bot_says(ana, "dice", "#games")
        assert answer.startswith("ana: ") and len(answer) < 100
        await ana.send("PRIVMSG", "#games", "!coin")
        assert "tosses a coin" in await bot_says(ana, "dice", "#games")
        assert host.runner is not None and host.runner.connected


async def test_bots_never_answer_each_other(server: ChinwagServer, tmp_path: Path) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#games", account=False)
    async with (
        running_bot(address, DiceBot, tmp_path / "one", "#games", nick="dice"),
        running_bot(address, DiceBot, tmp_path / "two", "#games", nick="dice2") as second,
    ):
        assert second.runner is not None
        second.protocol.privmsg("#games", "!coin")  # as if the second bot asked the first
        await ana.expect(lambda line: line.command == "PRIVMSG" and line.params[-1] == "!coin")
        await bot_silent(ana, "dice", "#games", 1.0)


async def test_dice_coin_and_8ball_answer_from_the_bots_generator(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#games", account=False)
    expected = random.Random(7)
    rolls = [expected.randint(1, 20) for _ in range(3)]
    coin = expected.choice(["heads", "tails"])
    async with running_bot(address, DiceBot, tmp_path, "#games", seed=7):
        await ana.send("PRIVMSG", "#games", "!roll 3d20+2")
        total = sum(rolls) + 2
        spelled = " + ".join(map(str, rolls))
        assert await bot_says(ana, "dice", "#games") == f"ana rolls 3d20+2: {spelled} = {total}"
        await ana.send("PRIVMSG", "#games", "!flip")
        assert await bot_says(ana, "dice", "#games") == f"ana tosses a coin: {coin}"
        await ana.send("PRIVMSG", "dice", "8ball will it snow?")
        answer = await bot_says(ana, "dice", "ana")
        assert answer.startswith("ana: ") and answer.endswith((".", "!"))
        await ana.send("PRIVMSG", "#games", "!roll 99d6")
        assert "I roll things like" in await bot_says(ana, "dice", "#games")


class Chatty(DiceBot):
    """A bot told to say a lot at once, to show its lines keep to the server's pace."""

    allowance = (1000, 0.01)

    @command("count", help="count to N, a line each")
    async def count(self, call: Call, upto: int) -> None:
        for number in range(1, upto + 1):
            self.reply(call, str(number))


async def test_a_bot_saying_a_lot_keeps_to_the_servers_flood_limits(
    make_server: ServerFactory, tmp_path: Path
) -> None:
    # The server's flood control, tighter than deployed: 15 lines unpaced would lag 2 s,
    # past flood_max_lag, and be disconnected with Excess Flood.
    server = await make_server(fakelag=True, flood_burst=5, flood_rate=5.0, flood_max_lag=1.0)
    address = server.addresses[0]
    ana = await player(address, "ana", "#games", account=False)
    async with running_bot(address, Chatty, tmp_path, "#games", nick="chatty") as host:
        await ana.send("PRIVMSG", "#games", "!count 15")
        heard = [await bot_says(ana, "chatty", "#games", timeout=30) for _ in range(15)]
        assert heard == [str(number) for number in range(1, 16)]
        assert host.connections == 1  # never disconnected for flooding


async def test_a_bot_sent_away_ends_the_game_it_ran_there(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#den")
    bob = await player(address, "bob", "#den")
    async with running_bot(address, BoardGamesBot, tmp_path, "#games") as host:
        await ana.send("INVITE", "boards", "#den")
        await in_rooms(host, asyncio.create_task(asyncio.sleep(10)), "#den")
        await ana.send("PRIVMSG", "#den", "!ttt bob")
        await bot_says(ana, "boards", "#den")
        await bob.send("PRIVMSG", "#den", "!accept")
        assert "Game on!" in await bot_says(ana, "boards", "#den")
        await ana.send("PRIVMSG", "#den", "!leave")
        await ana.expect(lambda line: line.command == "PART" and line.source.startswith("boards!"))
        await ana.send("INVITE", "boards", "#den")
        await ana.expect(lambda line: line.command == "JOIN" and line.source.startswith("boards!"))
        await ana.send("PRIVMSG", "#den", "!board")
        assert await bot_says(ana, "boards", "#den") == "ana: no game here"

"""The board-games bot on a real server: challenges, whole games, leavers, restarts, scores."""

from __future__ import annotations

from pathlib import Path

from chinwag.bots.games.boardgames import BoardGamesBot, BoardSettings
from chinwag.server.app import ChinwagServer
from tests.bots.harness import bot_says, multiline, player, running_bot
from tests.ircclient import IrcClient

QUICK = BoardSettings(challenge_seconds=5.0, forfeit_seconds=0.5)


class Boards(BoardGamesBot):
    """The bot with an allowance for scripted players, who move faster than people."""

    allowance = (1000, 0.01)


async def start(ana: IrcClient, bob: IrcClient, room: str, kind: str = "ttt") -> str:
    """Ana challenges bob in ``room`` and bob accepts; the first board shown."""
    await ana.send("PRIVMSG", room, f"!{kind} bob")
    assert "bob: ana challenges you" in await bot_says(ana, "boards", room)
    await bob.send("PRIVMSG", room, "!accept")
    return await bot_says(ana, "boards", room)


async def moves(client: IrcClient, room: str, *cells: str) -> None:
    for cell in cells:
        await client.send("PRIVMSG", room, cell)


async def test_tic_tac_toe_played_to_a_win_with_wrong_moves_refused(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#games")
    bob = await player(address, "bob", "#games")
    async with running_bot(address, Boards, tmp_path, "#games", settings=QUICK):
        board = await start(ana, bob, "#games")
        assert board.startswith("Game on!") and "ana (X) vs bob (O)" in board
        assert "\x11 1 | 2 | 3 \x11" in board.split("\n")  # a monospace line per row
        await bob.send("PRIVMSG", "#games", "5")
        assert await bot_says(ana, "boards", "#games") == "bob: It is not your turn."
        await ana.send("PRIVMSG", "#games", "!move 10")
        assert "Choose a free cell" in await bot_says(ana, "boards", "#games")
        await moves(ana, "#games", "1")
        await bot_says(ana, "boards", "#games")
        await moves(bob, "#games", "1")
        assert await bot_says(ana, "boards", "#games") == "bob: Cell 1 is taken."
        for mover, cell in ((bob, "4"), (ana, "2"), (bob, "5")):
            await moves(mover, "#games", cell)
            await bot_says(ana, "boards", "#games")
        await moves(ana, "#games", "3")
        final = await bot_says(ana, "boards", "#games")
        assert final.startswith("tic-tac-toe: ana wins!")
        assert "\x11[X]|[X]|[X]\x11" in final.split("\n")
        await ana.send("PRIVMSG", "#games", "5")  # the game is over: plain numbers are chat
        await ana.send("PRIVMSG", "#games", "!scores")
        assert "1. ana 3" in await bot_says(ana, "boards", "#games")


async def test_two_rooms_play_connect_four_and_tic_tac_toe_at_once(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#one", "#two")
    bob = await player(address, "bob", "#one", "#two")
    async with running_bot(address, Boards, tmp_path, "#one", "#two", settings=QUICK):
        await start(ana, bob, "#one", "c4")
        await start(ana, bob, "#two", "ttt")
        # Connect four in #one: ana stacks column 4, bob column 5; tic-tac-toe in #two: a draw.
        tic = iter([(ana, "1"), (bob, "2"), (ana, "3"), (bob, "5"), (ana, "4"), (bob, "6"),
                    (ana, "8"), (bob, "7"), (ana, "9")])  # fmt: skip
        for turn in range(7):
            mover, column = (ana, "4") if turn % 2 == 0 else (bob, "5")
            await moves(mover, "#one", column)
            shown = await bot_says(ana, "boards", "#one")
            if turn < 8:
                mover2, cell = next(tic)
                await moves(mover2, "#two", cell)
                shown2 = await bot_says(ana, "boards", "#two")
        assert shown.startswith("connect four: ana wins!")
        for mover2, cell in tic:
            await moves(mover2, "#two", cell)
            shown2 = await bot_says(ana, "boards", "#two")
        assert shown2.startswith("tic-tac-toe: A draw!")
        await ana.send("PRIVMSG", "#one", "!scores")
        assert "1. ana 3" in await bot_says(ana, "boards", "#one")
        await bob.send("PRIVMSG", "#two", "!scores")
        assert "ana 1" in (answer := await bot_says(ana, "boards", "#two")) and "bob 1" in answer


async def test_a_player_who_leaves_and_does_not_come_back_loses(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#games")
    bob = await player(address, "bob", "#games")
    async with running_bot(address, Boards, tmp_path, "#games", settings=QUICK):
        await start(ana, bob, "#games")
        await bob.send("PART", "#games")
        assert "bob left the game" in await bot_says(ana, "boards", "#games")
        assert "bob did not come back" in await bot_says(ana, "boards", "#games")
        assert "ana wins!" in await bot_says(ana, "boards", "#games")


async def test_a_player_who_comes_back_in_time_plays_on(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#games")
    bob = await player(address, "bob", "#games")
    patient = BoardSettings(forfeit_seconds=1.5)
    async with running_bot(address, Boards, tmp_path, "#games", settings=patient):
        await start(ana, bob, "#games")
        await bob.send("PART", "#games")
        assert "bob left the game" in await bot_says(ana, "boards", "#games")
        await bob.join("#games")
        assert "bob is back" in await bot_says(ana, "boards", "#games")
        assert "ana's turn" in await bot_says(ana, "boards", "#games")
        await moves(ana, "#games", "5")
        assert "bob's turn" in await bot_says(ana, "boards", "#games")


async def test_a_restarted_bot_carries_on_the_game_and_keeps_the_scores(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#games")
    bob = await player(address, "bob", "#games")
    async with running_bot(address, Boards, tmp_path, "#games", settings=QUICK):
        await start(ana, bob, "#games")
        for mover, cell in ((ana, "1"), (bob, "4"), (ana, "2"), (bob, "5")):
            await moves(mover, "#games", cell)
            await bot_says(ana, "boards", "#games")
        await ana.send("PRIVMSG", "#games", "!scores all")
        assert "nobody has scored" in await bot_says(ana, "boards", "#games")
    async with running_bot(address, Boards, tmp_path, "#games", settings=QUICK):
        resumed = await bot_says(ana, "boards", "#games")
        assert resumed.startswith("The game goes on.") and "ana's turn" in resumed
        await moves(ana, "#games", "3")
        assert "ana wins!" in await bot_says(ana, "boards", "#games")
    async with running_bot(address, Boards, tmp_path, "#games", settings=QUICK):
        await bob.send("PRIVMSG", "#games", "!scores")
        assert "1. ana 3" in await bot_says(ana, "boards", "#games")


async def test_scores_follow_the_account_and_guests_are_told_theirs_are_not_kept(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#games")
    bob = await player(address, "bob", "#games", account=False)
    async with running_bot(address, Boards, tmp_path, "#games", settings=QUICK):
        await start(ana, bob, "#games")
        await ana.send("NICK", "anabel")
        await bob.send("PRIVMSG", "#games", "!move 5")
        await bot_says(ana, "boards", "#games")
        await ana.send("PRIVMSG", "#games", "!resign")  # ana, now anabel, resigns: bob wins
        assert "anabel resigns" in await bot_says(ana, "boards", "#games")
        won = await bot_says(ana, "boards", "#games")
        assert "bob wins!" in won and "guests' points are not kept" in won
        await bob.send("PRIVMSG", "#games", "!scores all")
        scores = await bot_says(ana, "boards", "#games")
        assert "nobody has scored" in scores and "log in to an account" in scores


async def test_hostile_moves_and_challenges_are_answered_safely(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#games")
    bob = await player(address, "bob", "#games")
    async with running_bot(address, Boards, tmp_path, "#games", settings=QUICK):
        await ana.send("PRIVMSG", "#games", "!ttt <b>\x1b[2Jbob</b>")
        answer = await bot_says(ana, "boards", "#games")
        assert "\x1b" not in answer and "is not in #games" in answer
        await start(ana, bob, "#games")
        await ana.send("PRIVMSG", "#games", "!move \x035,4\x02\u0661")  # an Arabic-Indic one
        assert "Choose a free cell" in await bot_says(ana, "boards", "#games")
        await multiline(ana, "#games", ["!move 5" + " [bold]x[/bold]" * 20] * 8)
        assert "usage: !move" in await bot_says(ana, "boards", "#games")
        await moves(ana, "#games", "5")
        assert "bob's turn" in await bot_says(ana, "boards", "#games")

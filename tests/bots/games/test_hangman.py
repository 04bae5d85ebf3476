"""The hangman bot on a real server, played to the end by scripted clients: a word of the
bot's and a word set by direct message, right and wrong guesses and refusals, two rooms at
once, players leaving, a restart mid-game, hostile input, and scores kept by account.

In each test a watcher (``eve``, a guest who only listens) reads what the bot says in a room,
so the players' own connections are read only for what the bot tells them directly. No player
makes the bot act more than its allowance at once (:data:`chinwag.bots.bot.BURST`)."""

from __future__ import annotations

import random
from pathlib import Path

from chinwag.bots.games.hangman import HangmanBot, HangmanSettings
from chinwag.bots.games.hangman_rules import SOLVE_BONUS, random_word
from chinwag.server.app import ChinwagServer
from tests.bots.harness import bot_says, multiline, player, running_bot
from tests.ircclient import IrcClient, is_

BOT = "hangman"
ROOM = "#games"


async def said(watcher: IrcClient, room: str = ROOM) -> str:
    """The bot's next message in ``room`` (a board comes as its caption and lines)."""
    return await bot_says(watcher, BOT, room)


async def told(client: IrcClient) -> str:
    """The bot's next direct message to ``client``."""
    return await bot_says(client, BOT, client.nick)


async def set_word(client: IrcClient, room: str, word: str) -> str:
    """``client`` sets ``word`` for ``room`` by direct message; the bot's answer."""
    await client.send("PRIVMSG", BOT, f"setword {room} {word}")
    return await told(client)


def plain(text: str) -> str:
    """A board's text without the monospace codes round each line."""
    return text.replace("\x11", "")


async def test_a_game_with_the_bots_own_word_is_played_to_a_win(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    word = random_word(random.Random(3))
    first = word[0]
    wrong = next(c for c in "qzxjkvwyfbgpmhucdlnrstoiea" if c not in word)
    async with running_bot(address, HangmanBot, tmp_path, ROOM, seed=3):
        eve = await player(address, "eve", ROOM, account=False)
        ana = await player(address, "ana", ROOM)
        bob = await player(address, "bob", ROOM)
        await ana.send("PRIVMSG", ROOM, "!hangman")
        board = plain(await said(eve))
        assert board.startswith(f"Hangman! ana starts: {len(word)} letters.")
        assert " ".join("_" * len(word)) in board and " +---+" in board

        await ana.send("PRIVMSG", ROOM, first.upper())  # a bare letter is a guess
        hit = await said(eve)
        assert hit.startswith(f"'{first}' is in the word")
        assert f": ana +{word.count(first)}." in hit
        await bob.send("PRIVMSG", ROOM, f"!guess {wrong}")
        miss = plain(await said(eve))
        assert miss.startswith(f"No '{wrong}' in the word. Misses: 1 of 7.\n")
        assert " |   |" in miss  # the rope: the drawing has started
        await ana.send("PRIVMSG", ROOM, f"!guess {first}")
        assert await said(eve) == "ana: That letter has been tried already."
        await ana.send("PRIVMSG", ROOM, "!hangman")
        assert plain(await said(eve)).startswith("A game is on:\n")

        await bob.send("PRIVMSG", ROOM, f"!guess {word}")
        hidden = len(word) - word.count(first)
        assert await said(eve) == (
            f"bob solved it: {word}! +{hidden + SOLVE_BONUS} "
            f"({hidden} hidden + {SOLVE_BONUS} for solving)."
        )
        summary = await said(eve)
        assert summary.startswith(f"The word was {word}, solved by bob. Points: bob ")
        await bob.send("PRIVMSG", ROOM, "!guess e")
        assert await said(eve) == "bob: no game is on here: !hangman starts one"
        await eve.send("PRIVMSG", ROOM, "!scores")
        scores = await said(eve)
        assert f"bob {hidden + SOLVE_BONUS}" in scores and f"ana {word.count(first)}" in scores


async def test_a_word_set_by_direct_message_is_lost_by_the_room(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    settings = HangmanSettings(misses=3)
    async with running_bot(address, HangmanBot, tmp_path, ROOM, settings=settings):
        eve = await player(address, "eve", ROOM, account=False)
        ana = await player(address, "ana", ROOM)
        bob = await player(address, "bob", ROOM)
        await ana.send("PRIVMSG", ROOM, "!setword #games quiz")
        assert "in a direct message" in await told(ana)
        assert await set_word(ana, "#elsewhere", "quiz") == "I am not in that room."
        assert await set_word(ana, ROOM, "ab") == "That word is too short: at least 3 letters."
        assert await set_word(ana, ROOM, "Quiz") == (
            "Your word is set in #games. You cannot guess it, of course."
        )
        assert plain(await said(eve)).startswith("Hangman! ana set a word: 4 letters.")
        await ana.send("PRIVMSG", ROOM, "!guess q")
        assert await said(eve) == "ana: You set this word, so you cannot guess it."

        await bob.send("PRIVMSG", ROOM, "!guess a")
        assert plain(await said(eve)).startswith("No 'a' in the word. Misses: 1 of 3.\n")
        await bob.send("PRIVMSG", ROOM, "u")
        assert await said(eve) == "'u' is in the word once: bob +1. _ u _ _  (misses: 1 of 3)"
        await bob.send("PRIVMSG", ROOM, "!guess quit")
        assert plain(await said(eve)).startswith("'quit' is not the word. Misses: 2 of 3.")
        await bob.send("PRIVMSG", ROOM, "!guess e")
        last = plain(await said(eve))
        assert last.startswith("No 'e' in the word. Hanged! The word was quiz.\n")
        assert " |  / \\" in last  # the whole figure
        assert await said(eve) == "The word was quiz; nobody found it. Points: bob 1."


async def test_two_rooms_play_two_games_at_once(server: ChinwagServer, tmp_path: Path) -> None:
    address = server.addresses[0]
    async with running_bot(address, HangmanBot, tmp_path, "#one", "#two"):
        eve = await player(address, "eve", "#one", account=False)
        fay = await player(address, "fay", "#two", account=False)
        ana = await player(address, "ana", "#one", "#two")
        bob = await player(address, "bob", "#one", "#two")
        assert (await set_word(ana, "#one", "apple")).startswith("Your word is set in #one")
        assert (await set_word(bob, "#two", "lemon")).startswith("Your word is set in #two")
        assert "5 letters" in await said(eve, "#one")
        assert "5 letters" in await said(fay, "#two")

        await bob.send("PRIVMSG", "#one", "!guess p")
        assert (await said(eve, "#one")).startswith("'p' is in the word twice: bob +2.")
        await ana.send("PRIVMSG", "#two", "!guess p")
        assert plain(await said(fay, "#two")).startswith("No 'p' in the word. Misses: 1 of 7.")
        await ana.send("PRIVMSG", "#two", "!guess lemon")
        assert (await said(fay, "#two")).startswith("ana solved it: lemon! +10")
        assert (await said(fay, "#two")).endswith("Points: ana 10.")
        await bob.send("PRIVMSG", "#one", "!guess apple")
        assert (await said(eve, "#one")).startswith("bob solved it: apple! +8")
        assert (await said(eve, "#one")).endswith("Points: bob 10.")
        await eve.send("PRIVMSG", "#one", "!scores")
        one = await said(eve, "#one")
        await fay.send("PRIVMSG", "#two", "!scores")
        two = await said(fay, "#two")
        assert "1. bob 10" in one and "2." not in one
        assert "1. ana 10" in two and "2." not in two


async def test_players_leaving_mid_game_are_said_and_an_empty_room_ends_it(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    async with running_bot(address, HangmanBot, tmp_path, ROOM):
        eve = await player(address, "eve", ROOM, account=False)
        ana = await player(address, "ana", ROOM)
        bob = await player(address, "bob", ROOM)
        await set_word(ana, ROOM, "kettle")
        await said(eve)
        await bob.send("PRIVMSG", ROOM, "!guess e")
        assert (await said(eve)).startswith("'e' is in the word twice: bob +2.")
        await ana.send("PART", ROOM)
        assert await said(eve) == "ana, who set the word, has left; the game goes on."
        await bob.send("PART", ROOM)
        assert await said(eve) == "bob has left with 2 points in this game."
        cal = await player(address, "cal", ROOM, account=False)
        await cal.send("PRIVMSG", ROOM, "!guess k")
        assert (await said(eve)).startswith("'k' is in the word once: cal +1.")
        await cal.send("QUIT", "bye")  # a guest's QUIT takes them away (an account stays on)
        assert await said(eve) == "cal has left with 1 point in this game."
        await eve.send("PART", ROOM)
        await eve.send("PRIVMSG", BOT, "help")  # answered once the bot has seen the PART
        assert "Commands:" in await told(eve)
        await eve.join(ROOM)  # the room's last lines, replayed on JOIN, say the game ended
        ended = await eve.expect(
            lambda line: line.params[-1:] == ["Everybody left, so the game ends."]
        )
        assert ended.source is not None and ended.source.startswith(f"{BOT}!")
        await eve.send("PING", "replayed")  # pass over the rest of the replay
        await eve.expect(is_("PONG"))
        await eve.send("PRIVMSG", ROOM, "!hangman")
        assert (await said(eve)).startswith("Hangman! eve starts:")


async def test_a_restarted_bot_carries_on_the_game_and_keeps_the_points(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    eve = await player(address, "eve", ROOM, account=False)
    ana = await player(address, "ana", ROOM)
    bob = await player(address, "bob", ROOM)
    async with running_bot(address, HangmanBot, tmp_path, ROOM):
        await set_word(ana, ROOM, "banana")
        await said(eve)
        await bob.send("PRIVMSG", ROOM, "!guess a")
        assert (await said(eve)).startswith("'a' is in the word 3 times: bob +3.")
        await bob.send("PRIVMSG", ROOM, "!guess z")
        await said(eve)
    async with running_bot(address, HangmanBot, tmp_path, ROOM):
        assert await said(eve) == "The game goes on: _ a _ a _ a  (misses: 1 of 7)"
        await ana.send("PRIVMSG", ROOM, "!guess b")
        assert await said(eve) == "ana: You set this word, so you cannot guess it."
        await bob.send("PRIVMSG", ROOM, "!guess a")
        assert await said(eve) == "bob: That letter has been tried already."
        await bob.send("PRIVMSG", ROOM, "!guess banana")
        assert (await said(eve)).startswith("bob solved it: banana! +8")
        assert await said(eve) == "The word was banana, solved by bob. Points: bob 11."
        await bob.send("PRIVMSG", ROOM, "!scores")
        assert "1. bob 11" in await said(eve)


async def test_hostile_input_is_answered_safely(server: ChinwagServer, tmp_path: Path) -> None:
    address = server.addresses[0]
    async with running_bot(address, HangmanBot, tmp_path, ROOM) as host:
        eve = await player(address, "eve", ROOM, account=False)
        ana = await player(address, "ana", ROOM)
        bob = await player(address, "bob", ROOM)
        assert await set_word(ana, ROOM, "<b>bold</b>") == (
            "A word to guess is one word of letters a-z only."
        )
        assert await set_word(ana, ROOM, "\x1b[31mmarble\x07") == (
            "Your word is set in #games. You cannot guess it, of course."
        )
        assert "6 letters" in await said(eve)
        await bob.send("PRIVMSG", ROOM, "!guess <b>m</b>")
        refused = await said(eve)
        assert refused == "bob: Guess one letter or the whole word, letters a-z only."
        await bob.send("PRIVMSG", ROOM, "!guess [bold]x[/bold]")
        assert "[bold]" not in await said(eve)
        await multiline(bob, ROOM, ["!guess " + "m" * 300] + ["\x02<i>m</i>\x1b]0;t\x07" * 20] * 9)
        usage = await said(eve)  # more than one word: the command's usage, nothing echoed
        assert usage.startswith("usage: !guess <letters>") and "<i>" not in usage
        await bob.send("PRIVMSG", ROOM, "!guess " + "m" * 300)
        assert await said(eve) == "bob: The word has 6 letters."
        await bob.send_raw(b"PRIVMSG #games :!guess " + b"m" * 10_000 + b"\r\n")
        await bob.expect(is_("417"))  # a 10 KB line never reaches the bot
        await bob.send("PRIVMSG", ROOM, "\x1b[1mm\x1b[0m")  # a bare letter, once cleaned
        assert (await said(eve)).startswith("'m' is in the word once: bob +1.")
        assert host.runner is not None and host.runner.connected


async def test_scores_follow_the_account_and_guests_are_told_theirs_are_not_kept(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    async with running_bot(address, HangmanBot, tmp_path, ROOM):
        eve = await player(address, "eve", ROOM, account=False)
        ana = await player(address, "ana", ROOM)
        cal = await player(address, "cal", ROOM, account=False)
        await set_word(eve, ROOM, "parrot")
        await said(eve)
        await ana.send("PRIVMSG", ROOM, "!guess r")
        assert (await said(eve)).startswith("'r' is in the word twice: ana +2.")
        await ana.send("NICK", "anna")
        await ana.expect(is_("NICK"))
        await cal.send("PRIVMSG", ROOM, "!guess p")
        assert (await said(eve)).startswith("'p' is in the word once: cal +1.")
        assert await told(cal) == "Log in to an account to keep your points: guests' are not kept."
        await ana.send("PRIVMSG", ROOM, "!guess parrot")
        assert (await said(eve)).startswith("anna solved it: parrot! +8")
        assert await said(eve) == ("The word was parrot, solved by anna. Points: anna 10, cal 1.")
        await ana.send("PRIVMSG", ROOM, "!scores")
        board = await said(eve)
        assert "1. ana 10" in board and "cal" not in board and "anna" not in board
        await cal.send("PRIVMSG", ROOM, "!scores all")
        assert (await said(eve)).endswith("log in to an account to keep your scores")


async def test_a_game_nobody_plays_ends_by_itself(server: ChinwagServer, tmp_path: Path) -> None:
    address = server.addresses[0]
    settings = HangmanSettings(idle_seconds=0.5)
    async with running_bot(address, HangmanBot, tmp_path, ROOM, settings=settings):
        eve = await player(address, "eve", ROOM, account=False)
        ana = await player(address, "ana", ROOM)
        await set_word(ana, ROOM, "tulip")
        await said(eve)
        assert await said(eve) == "Nobody has guessed for a while, so the game ends."
        assert await said(eve) == "The word was tulip. Nobody guessed."


async def test_only_the_starter_or_a_room_operator_stops_a_game(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    eve = await player(address, "eve", ROOM, account=False)  # founds #games: an operator
    async with running_bot(address, HangmanBot, tmp_path, ROOM):
        ana = await player(address, "ana", ROOM)
        bob = await player(address, "bob", ROOM)
        await ana.send("PRIVMSG", ROOM, "!hangman stop")
        assert await said(eve) == "ana: no game is on here"
        await ana.send("PRIVMSG", ROOM, "!hangman")
        await said(eve)
        await bob.send("PRIVMSG", ROOM, "!hangman stop")
        assert await said(eve) == (
            "bob: only ana, who started it, or an operator can stop this game"
        )
        await bob.send("PRIVMSG", ROOM, "!hangman now")
        assert await said(eve) == "bob: !hangman starts a game; !hangman stop ends it"
        await eve.send("PRIVMSG", ROOM, "!hangman stop")
        assert await said(eve) == "eve stops the game."
        assert (await said(eve)).startswith("The word was ")
        await ana.send("PRIVMSG", ROOM, "!hangman")
        await said(eve)
        await ana.send("PRIVMSG", ROOM, "!hangman stop")
        assert await said(eve) == "ana stops the game."

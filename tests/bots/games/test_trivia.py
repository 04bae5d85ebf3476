"""The trivia bot played by scripted clients against a real server."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path

from chinwag.bots.games.trivia import TriviaBot, TriviaSettings
from chinwag.bots.games.trivia_answers import hint
from chinwag.bots.games.trivia_questions import bundled_questions
from chinwag.server.app import ChinwagServer
from tests.bots.harness import bot_says, bot_silent, multiline, player, running_bot
from tests.ircclient import IrcClient, is_
from tests.serve import serve_env

# Long enough that no question times out or shows a hint unless a test wants it to.
STEADY = TriviaSettings(questions=2, answer_seconds=30, hint_every=20, max_hints=1, pause=0.1)
QUESTIONS = {question.text: question for question in bundled_questions()}
ASKED = re.compile(r"Question \d+/\d+ \([^)]*\): (.*)")


def answer_in(message: str) -> str:
    """The (first accepted) answer to the question the bot asked in ``message``."""
    for line in message.split("\n"):
        found = ASKED.fullmatch(line)
        if found:
            return QUESTIONS[found[1]].answers[0]
    raise AssertionError(f"no question in {message!r}")


async def say(client: IrcClient, room: str, text: str) -> None:
    await client.send("PRIVMSG", room, text)


async def trivia_says(client: IrcClient, room: str) -> str:
    return await bot_says(client, "trivia", room)


async def catch_up(client: IrcClient, room: str, part: str) -> str:
    """The bot's next message to ``room`` that has ``part`` in it, passing over those before
    it (what ``client`` has not read yet because another client played them)."""
    while part not in (said := await trivia_says(client, room)):
        pass
    return said


async def test_a_round_played_to_the_end_scores_right_answers_only(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#quiz")
    bob = await player(address, "bob", "#quiz")
    async with running_bot(address, TriviaBot, tmp_path, "#quiz", settings=STEADY):
        await say(ana, "#quiz", "!trivia")
        opening = await trivia_says(ana, "#quiz")
        assert opening.startswith("Trivia! 2 questions, 30 seconds to answer each.")
        first = answer_in(opening)
        await catch_up(bob, "#quiz", "Trivia!")
        await say(bob, "#quiz", "surely not this")
        await bot_silent(bob, "trivia", "#quiz", 0.3)
        await say(ana, "#quiz", first.upper())
        assert await trivia_says(ana, "#quiz") == f"ana got it: {first}! +2 points (2 this round)"
        asked = await trivia_says(ana, "#quiz")
        assert asked.startswith("Question 2/2 ")
        second = answer_in(asked)
        await catch_up(bob, "#quiz", "Question 2/2 ")
        await say(bob, "#quiz", f"  {second}  ")
        assert await trivia_says(ana, "#quiz") == (
            f"bob got it: {second}! +2 points (2 this round)\n"
            "Round over! ana and bob tie with 2 points each."
        )
        await catch_up(bob, "#quiz", "Round over!")
        await say(bob, "#quiz", second)
        await bot_silent(bob, "trivia", "#quiz", 0.3)
        await say(bob, "#quiz", "!scores")
        board = await trivia_says(bob, "#quiz")
        assert board == "trivia in #quiz, this week: 1. ana 2 · 2. bob 2"


async def test_refusals_say_why(server: ChinwagServer, tmp_path: Path) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#quiz")  # first in: the room's operator
    bob = await player(address, "bob", "#quiz")
    cy = await player(address, "cy", "#quiz")
    async with running_bot(address, TriviaBot, tmp_path, "#quiz", settings=STEADY):
        await say(bob, "#quiz", "!trivia stop")
        assert await trivia_says(bob, "#quiz") == "No trivia round is on here."
        await say(bob, "#quiz", "!trivia 99")
        assert await trivia_says(bob, "#quiz") == "bob: a round has 1 to 50 questions"
        await say(bob, "#quiz", "!trivia again")
        assert await trivia_says(bob, "#quiz") == "No question is open right now."
        await say(bob, "trivia", "trivia")
        assert "works in a room" in await bot_says(bob, "trivia", "bob")
        await say(bob, "#quiz", "!quiz 1")
        asked = (await trivia_says(bob, "#quiz")).split("\n")[1]
        await catch_up(cy, "#quiz", "Trivia!")
        await say(cy, "#quiz", "!trivia")
        assert await trivia_says(cy, "#quiz") == (
            "A round is already on here (question 1 of 1); !trivia stop ends it."
        )
        await say(cy, "#quiz", "!trivia again")
        assert await trivia_says(cy, "#quiz") == asked
        await say(cy, "#quiz", "!trivia stop")
        assert await trivia_says(cy, "#quiz") == (
            "cy: only whoever started the round or a room operator can stop it"
        )
        await say(ana, "#quiz", "!trivia stop")
        assert await catch_up(ana, "#quiz", "Stopped.") == (
            f"Stopped. The answer was: {answer_in(asked)}\nRound over: nobody scored this time."
        )


async def test_hints_come_then_an_unanswered_question_times_out(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#quiz")
    quick = TriviaSettings(questions=1, answer_seconds=1.2, hint_every=0.4, max_hints=2, pause=0.1)
    async with running_bot(address, TriviaBot, tmp_path, "#quiz", settings=quick):
        await say(ana, "#quiz", "!trivia")
        answer = answer_in(await trivia_says(ana, "#quiz"))
        assert await trivia_says(ana, "#quiz") == f"Hint: {hint(answer, 1)}"
        assert await trivia_says(ana, "#quiz") == f"Hint: {hint(answer, 2)}"
        assert await trivia_says(ana, "#quiz") == (
            f"Time's up! The answer was: {answer}\nRound over: nobody scored this time."
        )
        await say(ana, "#quiz", answer)
        await bot_silent(ana, "trivia", "#quiz", 0.3)


async def test_two_rooms_play_two_rounds_at_once(server: ChinwagServer, tmp_path: Path) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#one")
    bob = await player(address, "bob", "#two")
    one = TriviaSettings(questions=1, answer_seconds=30, hint_every=20, max_hints=1)
    async with running_bot(address, TriviaBot, tmp_path, "#one", "#two", settings=one):
        await say(ana, "#one", "!trivia")
        in_one = answer_in(await trivia_says(ana, "#one"))
        await say(bob, "#two", "!trivia")
        in_two = answer_in(await trivia_says(bob, "#two"))
        assert in_one != in_two
        await say(bob, "#two", in_one)  # the other room's answer counts for nothing here
        await bot_silent(bob, "trivia", "#two", 0.3)
        await say(ana, "#one", in_one)
        assert await trivia_says(ana, "#one") == (
            f"ana got it: {in_one}! +2 points (2 this round)\nRound over! ana wins with 2 points."
        )
        await say(bob, "#two", in_two)
        assert await trivia_says(bob, "#two") == (
            f"bob got it: {in_two}! +2 points (2 this round)\nRound over! bob wins with 2 points."
        )
        await say(bob, "#two", "!scores all")
        assert await trivia_says(bob, "#two") == "trivia in #two, all time: 1. bob 2"


async def test_a_player_leaving_mid_round_keeps_their_points_in_the_summary(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#quiz")
    bob = await player(address, "bob", "#quiz")
    async with running_bot(address, TriviaBot, tmp_path, "#quiz", settings=STEADY):
        await say(ana, "#quiz", "!trivia")
        await say(ana, "#quiz", answer_in(await trivia_says(ana, "#quiz")))
        second = answer_in(await catch_up(bob, "#quiz", "Question 2/2 "))
        await ana.send("PART", "#quiz", "dinner")
        await bob.expect(is_("PART", "#quiz"))
        await say(bob, "#quiz", second)
        assert await trivia_says(bob, "#quiz") == (
            f"bob got it: {second}! +2 points (2 this round)\n"
            "Round over! ana and bob tie with 2 points each."
        )


async def test_a_round_stops_when_everyone_has_left(server: ChinwagServer, tmp_path: Path) -> None:
    address = server.addresses[0]
    bob = await player(address, "bob", "#quiz")
    async with running_bot(address, TriviaBot, tmp_path, "#quiz", settings=STEADY):
        await say(bob, "#quiz", "!trivia")
        await trivia_says(bob, "#quiz")
        await bob.send("PART", "#quiz")
        await bob.expect(is_("PART", "#quiz"))
        await bob.join("#quiz")  # a new round can start: the old one stopped
        await say(bob, "#quiz", "!trivia")
        said = await trivia_says(bob, "#quiz")
        if said.startswith("Everyone left"):  # replayed on joining, from the room's history
            assert said.endswith("Round over: nobody scored this time.")
            said = await trivia_says(bob, "#quiz")
        assert said.startswith("Trivia! 2 questions")


async def test_a_restarted_bot_carries_on_with_the_round_and_its_scores(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#quiz")
    three = TriviaSettings(questions=3, answer_seconds=30, hint_every=20, max_hints=1, pause=0.1)
    async with running_bot(address, TriviaBot, tmp_path, "#quiz", settings=three):
        await say(ana, "#quiz", "!trivia")
        await say(ana, "#quiz", answer_in(await trivia_says(ana, "#quiz")))
        assert (await trivia_says(ana, "#quiz")).endswith("+2 points (2 this round)")
        asked = await trivia_says(ana, "#quiz")
        assert asked.startswith("Question 2/3 ")
    async with running_bot(address, TriviaBot, tmp_path, "#quiz", settings=three):
        assert await trivia_says(ana, "#quiz") == f"Trivia carries on where it stopped.\n{asked}"
        await say(ana, "#quiz", answer_in(asked))
        assert (await trivia_says(ana, "#quiz")).endswith("+2 points (4 this round)")
        third = await trivia_says(ana, "#quiz")
        assert third.startswith("Question 3/3 ")
        await say(ana, "#quiz", "!scores")
        assert await trivia_says(ana, "#quiz") == "trivia in #quiz, this week: 1. ana 4"
        await say(ana, "#quiz", "!trivia stop")
        assert (await trivia_says(ana, "#quiz")).endswith("Round over! ana wins with 4 points.")
    async with running_bot(address, TriviaBot, tmp_path, "#quiz", settings=three):
        await say(ana, "#quiz", "!trivia again")
        assert await trivia_says(ana, "#quiz") == "No question is open right now."


async def test_hostile_input_is_answered_safely(server: ChinwagServer, tmp_path: Path) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#quiz")
    async with running_bot(address, TriviaBot, tmp_path, "#quiz", settings=STEADY):
        await say(ana, "#quiz", "!trivia <b>[bold]\x1b[2J")
        refusal = await trivia_says(ana, "#quiz")
        assert refusal.startswith("ana: !trivia takes a number of questions")
        assert "<b>" not in refusal and "[bold]" not in refusal and "\x1b" not in refusal
        await say(ana, "#quiz", "!trivia")
        answer = answer_in(await trivia_says(ana, "#quiz"))
        await say(ana, "#quiz", f"<b>{answer}</b>")  # markup is not the answer
        await say(ana, "#quiz", f"[bold]\x1b]0;{answer}\x07")
        await multiline(ana, "#quiz", ["\x02<i>guess</i> " * 40] * 10)
        await ana.send_raw(b"PRIVMSG #quiz :" + b"A" * 10_000 + b"\r\n")
        await ana.expect(is_("417"))  # the server refuses a 10 KB line
        await bot_silent(ana, "trivia", "#quiz", 0.5)
        await say(ana, "#quiz", f"\x02{answer}\x0f")
        announced = await trivia_says(ana, "#quiz")
        assert announced == f"ana got it: {answer}! +2 points (2 this round)"


async def test_points_follow_the_account_and_a_guest_is_told_they_are_not_kept(
    server: ChinwagServer, tmp_path: Path
) -> None:
    address = server.addresses[0]
    ana = await player(address, "ana", "#quiz")
    gus = await player(address, "gus", "#quiz", account=False)
    async with running_bot(address, TriviaBot, tmp_path, "#quiz", settings=STEADY):
        await say(ana, "#quiz", "!trivia")
        await say(ana, "#quiz", answer_in(await trivia_says(ana, "#quiz")))
        await trivia_says(ana, "#quiz")
        second = answer_in(await trivia_says(ana, "#quiz"))
        await ana.send("NICK", "anna")
        await ana.expect(is_("NICK", "anna"))
        await say(ana, "#quiz", second)
        assert await trivia_says(ana, "#quiz") == (
            f"anna got it: {second}! +2 points (4 this round)\nRound over! anna wins with 4 points."
        )
        await catch_up(gus, "#quiz", "Round over!")
        await say(gus, "#quiz", "!trivia 1")
        await say(gus, "#quiz", answer_in(await trivia_says(gus, "#quiz")))
        assert "Log in (or /register) to keep yours." in await bot_says(gus, "trivia", "gus")
        assert (await trivia_says(gus, "#quiz")).endswith("Round over! gus wins with 2 points.")
        await say(gus, "#quiz", "!scores")
        assert await trivia_says(gus, "#quiz") == (
            "trivia in #quiz, this week: 1. ana 4 — log in to an account to keep your scores"
        )


async def test_a_broken_question_file_stops_the_bot_saying_what_to_fix(tmp_path: Path) -> None:
    questions = tmp_path / "questions.json"
    questions.write_text(json.dumps([{"q": "Who?", "a": "me"}]), encoding="utf-8")
    process = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "chinwag", "bot", "trivia", "irc://127.0.0.1:1"],
        *["--data-dir", str(tmp_path / "data"), "--set", f"question_file={questions}"],
        env=serve_env(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert err.decode().strip().splitlines()[-1] == (
        "chinwag bot: trivia: questions.json, question 1: 'a' must be a list of strings"
    )

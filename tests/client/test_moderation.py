"""Moderation from the first-party client core against a real server (issue 17, "Moderation"):
every command typed in the chat model (``/kick``, ``/ban``, ``/unban``, ``/kickban``,
``/mute``, ``/unmute``, ``/op``, ``/deop``, ``/voice``, ``/devoice``, ``/invite``, ``/mode``)
has its effect on the server's room, and the person it concerns is told in words: kicked
(the room marked left), banned, muted, voiced, made an operator, invited; a message the
server refuses says which rule refused it.

References: Modern IRC "KICK message", "INVITE message", "MODE message", "Channel Modes";
https://ircv3.net/specs/extensions/account-extban; the server's ``m:`` mute extban.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from chinwag.client.chat import ChatModel
from chinwag.client.protocol import ClientProtocol
from chinwag.client.runner import Endpoint, Runner
from chinwag.client.values import LineKind, PasswordRequest
from chinwag.protocol.casemap import fold
from chinwag.server.app import ChinwagServer
from chinwag.server.state import Channel
from tests.client.chat_harness import BO, in_lobby, is_safe
from tests.waiting import until

pytestmark = pytest.mark.on_redis  # also on two nodes whose log is on Redis

LOBBY = fold("#lobby")


@dataclass
class Person:
    """One first-party client (core, chat model, runner) connected to the test server."""

    nick: str
    model: ChatModel
    task: asyncio.Task[None]

    def type(self, text: str) -> None:
        self.model.submit(text)

    def texts(self, key: str = "#lobby") -> list[str]:
        conversation = self.model.conversations.get(fold(key))
        return [] if conversation is None else [line.text for line in conversation.lines]

    async def sees(self, wanted: str, key: str = "#lobby") -> str:
        """Wait until a line of conversation ``key`` holds ``wanted``; that line."""
        await until(lambda: any(wanted in text for text in self.texts(key)), repr(wanted))
        return next(text for text in self.texts(key) if wanted in text)


@pytest.fixture
async def people(server: ChinwagServer) -> AsyncIterator[Callable[[str], object]]:
    started: list[asyncio.Task[None]] = []

    async def start(nick: str) -> Person:
        protocol = ClientProtocol(nick, rooms=("#lobby",))
        model = ChatModel(protocol)
        runner = Runner(protocol, Endpoint(*server.addresses[0]), model.handle)
        task = asyncio.create_task(runner.run())
        started.append(task)
        person = Person(nick, model, task)
        await until(lambda: model.current == LOBBY and model.members(), f"{nick} in #lobby")
        return person

    yield start
    for task in started:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def op_and_member(
    server: ChinwagServer, people: Callable[[str], object]
) -> tuple[Person, Person]:
    ana = await people("ana")  # type: ignore[misc]
    bo = await people("bo")  # type: ignore[misc]
    assert isinstance(ana, Person) and isinstance(bo, Person)
    await until(lambda: len(room(server).members) == 2, "both in #lobby")
    return ana, bo


def room(server: ChinwagServer) -> Channel:
    found = server.core.network.find_channel("#lobby")
    assert found is not None
    return found


def status(server: ChinwagServer, nick: str) -> str:
    return "".join(sorted(next(s for u, s in room(server).members.items() if u.nick == nick)))


def bans(server: ChinwagServer) -> list[str]:
    return [entry.mask for entry in room(server).bans]


async def register(person: Person) -> None:
    """``/register`` from the chat model, the password given as the prompt would."""
    changes = person.model.submit("/register")
    assert isinstance(changes.password, PasswordRequest)
    person.model.provide_password(changes.password, "correct horse battery")
    await until(lambda: person.model.account is not None, f"{person.nick} logged in")


async def test_kick_removes_the_member_and_tells_them_who_and_why(
    server: ChinwagServer, people: Callable[[str], object]
) -> None:
    ana, bo = await op_and_member(server, people)
    ana.type("/kick bo be \x02nice\x02\x07 \x1b[31mnow")
    said = await bo.sees("kicked you from #lobby")
    assert said.startswith("ana kicked you from #lobby: be nice")
    assert not any(ord(char) < 32 or ord(char) == 127 for char in said)
    assert [user.nick for user in room(server).members] == ["ana"]
    assert not bo.model.conversations[LOBBY].joined  # left, not silently gone
    kicked = next(line for line in bo.model.conversations[LOBBY].lines if "kicked" in line.text)
    assert kicked.kind is LineKind.ERROR
    await ana.sees("was removed from #lobby by ana (be nice")


async def test_op_deop_voice_devoice_change_the_status_and_say_so(
    server: ChinwagServer, people: Callable[[str], object]
) -> None:
    ana, bo = await op_and_member(server, people)
    ana.type("/voice bo")
    await bo.sees("ana gave you voice in #lobby")
    assert status(server, "bo") == "v"
    ana.type("/op bo")
    await bo.sees("ana made you an operator of #lobby")
    assert status(server, "bo") == "ov"
    await until(lambda: any(m.nick == "bo" and m.prefix == "@" for m in ana.model.members()), "@bo")
    ana.type("/deop bo")
    await bo.sees("ana took your operator status in #lobby")
    ana.type("/devoice bo")
    await bo.sees("ana took your voice in #lobby")
    assert status(server, "bo") == ""


async def test_mute_by_host_quiets_a_guest_who_is_told_why_and_unmute_lifts_it(
    server: ChinwagServer, people: Callable[[str], object]
) -> None:
    ana, bo = await op_and_member(server, people)
    host = next(user.host for user in room(server).members if user.nick == "bo")
    ana.type("/mute bo")
    await bo.sees("ana muted you in #lobby")
    assert bans(server) == [f"m:*!*@{host}"]
    bo.type("can anyone hear me")
    await bo.sees("You are muted in #lobby: your message was not sent")
    assert not any("can anyone hear me" in text for text in ana.texts())
    assert bo.nick in [user.nick for user in room(server).members]  # muted, still there
    ana.type("/unmute bo")
    await bo.sees("ana unmuted you in #lobby")
    assert bans(server) == []
    bo.type("back again")
    await ana.sees("back again")


async def test_ban_by_account_for_someone_logged_in_then_unban(
    server: ChinwagServer, people: Callable[[str], object]
) -> None:
    ana, bo = await op_and_member(server, people)
    await register(bo)
    ana.type("/ban bo")
    await bo.sees("ana banned you from #lobby")
    assert bans(server) == ["a:bo"]
    bo.type("hello?")
    await bo.sees("You are banned from #lobby: your message was not sent")
    ana.type("/unban bo")
    await bo.sees("ana lifted your ban in #lobby")
    assert bans(server) == []


async def test_mute_by_account_and_kickban_by_host(
    server: ChinwagServer, people: Callable[[str], object]
) -> None:
    ana, bo = await op_and_member(server, people)
    await register(bo)
    ana.type("/mute bo")
    await bo.sees("ana muted you in #lobby")
    assert bans(server) == ["m:a:bo"]
    ana.type("/unmute bo")
    await until(lambda: bans(server) == [], "unmuted")
    cy = await people("cy")  # type: ignore[misc]
    assert isinstance(cy, Person)
    host = next(user.host for user in room(server).members if user.nick == "cy")
    ana.type("/kickban cy go away")
    await cy.sees("ana kicked you from #lobby: go away")
    assert bans(server) == [f"*!*@{host}"]
    assert "cy" not in [user.nick for user in room(server).members]
    cy.type("/join #lobby")
    await cy.sees("You are banned from #lobby")


async def test_a_mask_is_used_as_given(
    server: ChinwagServer, people: Callable[[str], object]
) -> None:
    ana, _bo = await op_and_member(server, people)
    ana.type("/ban *!*@example.org")
    ana.type("/mute *!spam@*")
    await until(lambda: len(bans(server)) == 2, "two masks")
    assert bans(server) == ["*!*@example.org", "m:*!spam@*"]
    ana.type("/unban *!*@example.org")
    ana.type("/unmute *!spam@*")
    await until(lambda: bans(server) == [], "lifted")


async def test_moderated_room_tells_the_unvoiced_why_and_voice_lets_them_speak(
    server: ChinwagServer, people: Callable[[str], object]
) -> None:
    ana, bo = await op_and_member(server, people)
    ana.type("/mode +m")
    await bo.sees("#lobby is now moderated (+m)")
    assert "m" in room(server).modes
    bo.type("hi")
    await bo.sees("#lobby is moderated (+m): you need voice to speak there")
    ana.type("/voice bo")
    await bo.sees("ana gave you voice")
    bo.type("voiced now")
    await ana.sees("voiced now")


async def test_invite_lets_someone_into_an_invite_only_room(
    server: ChinwagServer, people: Callable[[str], object]
) -> None:
    ana, bo = await op_and_member(server, people)
    ana.type("/mode #lobby +i")
    await bo.sees("#lobby is now invitation only")
    bo.type("/part")
    await until(lambda: len(room(server).members) == 1, "bo left")
    bo.type("/join #lobby")
    await bo.sees("#lobby is invitation only", "*")
    ana.type("/invite bo")
    await ana.sees("You invited bo to #lobby")
    seen = await bo.sees("ana invites you to #lobby: /join #lobby", "*")
    assert seen
    bo.type("/join #lobby")
    await until(lambda: len(room(server).members) == 2, "bo back in")


async def test_invite_and_ban_exceptions_set_with_mode_let_someone_in_and_speak(
    server: ChinwagServer, people: Callable[[str], object]
) -> None:
    ana, bo = await op_and_member(server, people)
    host = next(user.host for user in room(server).members if user.nick == "bo")
    ana.type(f"/mode +iI *!*@{host}")
    await bo.sees("#lobby is now invitation only")
    assert [entry.mask for entry in room(server).invexes] == [f"*!*@{host}"]
    bo.type("/part")
    await until(lambda: len(room(server).members) == 1, "bo left")
    bo.type("/join #lobby")  # no invitation needed: the exception names bo's host
    await until(lambda: len(room(server).members) == 2, "bo back in")
    ana.type("/ban bo")
    await bo.sees("ana banned you from #lobby")
    ana.type(f"/mode +e *!*@{host}")
    await until(lambda: len(room(server).excepts) == 1, "the exception")
    bo.type("excepted from the ban")
    await ana.sees("excepted from the ban")


async def test_someone_not_an_operator_is_told_so_and_an_unknown_nick_is_named(
    server: ChinwagServer, people: Callable[[str], object]
) -> None:
    ana, bo = await op_and_member(server, people)
    bo.type("/kick ana")
    await bo.sees("You are not a channel operator in #lobby")
    bo.type("/voice bo")
    await until(lambda: sum("not a channel operator" in t for t in bo.texts()) == 2, "twice")
    ana.type("/ban nobody")
    await ana.sees("No such nick: nobody is not online")
    ana.type("/kick nobody")
    await ana.sees("nobody")
    assert [user.nick for user in room(server).members] == ["ana", "bo"]
    assert bans(server) == []


def test_the_same_refusal_twice_in_a_row_is_said_once() -> None:
    chat = in_lobby()
    refusal = ":irc.test 404 ana #lobby :Cannot send to channel (you're muted)"
    chat.feed(refusal, refusal)  # the typing notice refused, then the message
    said = [text for text in chat.texts("#lobby") if "muted" in text]
    assert said == ["You are muted in #lobby: your message was not sent"]


def test_a_ban_on_someone_else_or_on_an_unknown_host_is_not_news_to_us() -> None:
    chat = in_lobby()
    before = len(chat.texts("#lobby"))
    chat.feed(f"{BO} MODE #lobby +bb *!*@h1 m:*!*@elsewhere")
    assert chat.texts("#lobby")[before:] == ["sets mode +b *!*@h1 +b m:*!*@elsewhere"]


def test_a_kick_reason_from_the_network_is_shown_without_control_characters() -> None:
    chat = in_lobby()
    chat.feed(f"{BO} KICK #lobby ana :\x1b]0;owned\x07go\x1b[31m away\u202e")
    said = chat.last("#lobby").text
    assert said.startswith("bo kicked you from #lobby: ")
    assert is_safe(said)

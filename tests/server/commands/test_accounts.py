"""``REGISTER`` (IRCv3 draft/account-registration): claiming the current nick as an account.

Logging in, what a login brings back and account-notify are in
tests/server/services/test_logins.py; nick protection in tests/server/services/test_nicks.py.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Coroutine
from typing import Any

from chinwag.config import AccountSettings, Config, ServerInfo
from chinwag.protocol import numerics as n
from chinwag.server.accounts import check_password
from chinwag.server.effects import Done, ImmediateEffects
from chinwag.storage.base import Account
from chinwag.storage.memory import MemoryStore
from tests.server.harness import HOST, Client, Harness

PASSWORD = "correct-horse-battery"


def register(client: Client, password: str = PASSWORD) -> list[tuple[str, ...]]:
    client.send(f"REGISTER * :{password}")
    return client.lines()


def owner_logs_in(h: Harness, nick: str = "ana", caps: tuple[str, ...] = ()) -> Client:
    """A new connection that logs in to ``nick`` with SASL PLAIN and registers."""
    client = h.connect()
    client.send("CAP LS 302", "CAP REQ :" + " ".join(("sasl", *caps)))
    client.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}", "AUTHENTICATE PLAIN")
    token = base64.b64encode(f"\0{nick}\0{PASSWORD}".encode()).decode()
    client.send(f"AUTHENTICATE {token}", "CAP END")
    return client


def registered(h: Harness, nick: str = "ana") -> None:
    """Register ``nick`` from a connection that then leaves."""
    client = h.client(nick)
    assert register(client)[0][:3] == ("REGISTER", "SUCCESS", nick)
    client.send("QUIT")


# -- REGISTER ----------------------------------------------------------------------------------


def test_register_claims_the_current_nick_and_logs_in() -> None:
    h = Harness()
    ana = h.client("ana", caps=["draft/account-registration"])
    replies = register(ana)
    assert replies[0] == ("REGISTER", "SUCCESS", "ana", "Account ana registered; you are logged in")
    assert replies[1][:4] == (n.RPL_LOGGEDIN, "ana", f"ana!~ana@{HOST}", "ana")
    assert h.user("ana").account == "ana"
    assert "ana" in h.core.deps.accounts


def test_register_with_the_account_named_explicitly_and_an_email() -> None:
    h = Harness()
    ana = h.client("Ana")
    ana.send(f"REGISTER ana ana@example.org :{PASSWORD}")
    assert ana.lines()[0][:3] == ("REGISTER", "SUCCESS", "Ana")


def test_the_account_must_be_named_after_the_nick() -> None:
    h = Harness()
    ana = h.client("ana", caps=["standard-replies"])
    ana.send(f"REGISTER bo * :{PASSWORD}")
    assert ana.lines() == [
        (
            "FAIL",
            "REGISTER",
            "ACCOUNT_NAME_MUST_BE_NICK",
            "bo",
            "The account must be named after your current nick",
        )
    ]


def test_register_works_before_connection_registration_and_logs_that_session_in() -> None:
    h = Harness()
    client = h.connect()
    client.send("CAP LS 302", "CAP REQ draft/account-registration", "NICK ana")
    client.take()
    client.send(f"REGISTER * * :{PASSWORD}")
    assert client.lines()[0][:3] == ("REGISTER", "SUCCESS", "ana")
    client.send("USER ana 0 * :Ana", "CAP END")
    client.take()
    assert h.user("ana").account == "ana"


def test_register_before_nick_needs_a_nick() -> None:
    h = Harness()
    client = h.connect()
    client.send("CAP LS 302", f"REGISTER * * :{PASSWORD}")
    assert client.lines()[-1][:4] == ("FAIL", "REGISTER", "NEED_NICK", "*")


def test_a_taken_name_is_refused_in_any_case() -> None:
    h = Harness()
    registered(h, "ana")
    other = h.client("ANA")
    assert register(other)[0][:4] == ("FAIL", "REGISTER", "ACCOUNT_EXISTS", "ANA")


def test_short_passwords_are_weak_and_control_characters_unacceptable() -> None:
    h = Harness()
    ana = h.client("ana")
    assert register(ana, "short")[0][:3] == ("FAIL", "REGISTER", "WEAK_PASSWORD")
    assert register(ana, "long enough\x01")[0][:3] == ("FAIL", "REGISTER", "UNACCEPTABLE_PASSWORD")
    assert h.user("ana").account is None


def test_the_capability_advertises_the_shortest_password_the_server_accepts() -> None:
    h = Harness(accounts=AccountSettings(min_password_length=12))
    client = h.connect()

    client.send("CAP LS 302")

    advertised = " ".join(reply[-1] for reply in client.lines()).split()
    value = "before-connect,chinwag.im/min-password=12"
    assert f"draft/account-registration={value}" in advertised
    ana = h.client("ana")
    assert register(ana, "x" * 11)[0][:3] == ("FAIL", "REGISTER", "WEAK_PASSWORD")
    assert register(ana, "x" * 12)[0][:3] == ("REGISTER", "SUCCESS", "ana")


def test_registering_twice_is_refused() -> None:
    h = Harness()
    ana = h.client("ana")
    register(ana)
    assert register(ana)[0][:3] == ("FAIL", "REGISTER", "ALREADY_AUTHENTICATED")


def test_registration_can_be_switched_off() -> None:
    h = Harness(accounts=AccountSettings(registration=False))
    ana = h.client("ana")
    assert register(ana)[0][:3] == ("FAIL", "REGISTER", "TEMPORARILY_UNAVAILABLE")


def test_register_before_connecting_does_not_get_round_the_server_password() -> None:
    config = Config(server=ServerInfo(name="irc.test", password="letmein"))
    h = Harness(config)
    client = h.connect()
    client.send("CAP LS 302", "NICK ana", f"REGISTER * * :{PASSWORD}")
    assert client.lines()[-1][:3] == ("FAIL", "REGISTER", "TEMPORARILY_UNAVAILABLE")


def test_the_account_is_stored() -> None:
    h = Harness()
    registered(h, "ana")
    stored = h.core.deps.effects  # the harness runs store calls at once
    accounts: list[str] = []

    async def names() -> None:
        accounts.extend(account.name for account in await h.core.deps.store.accounts())

    stored.run(names(), lambda _result, _error: None)
    assert accounts == ["ana"]


# -- registrations that race -------------------------------------------------------------------


class HeldEffects(ImmediateEffects):
    """Deferred work runs at once, except the one started while ``hold`` is set: it waits
    for :meth:`go`, as a password hash in a thread does in the running server."""

    def __init__(self) -> None:
        self.hold = False
        self.waiting: list[tuple[Coroutine[Any, Any, Any], Done]] = []

    def run(self, work: Coroutine[Any, Any, Any], done: Done) -> Awaitable[None] | None:
        if not self.hold:
            return super().run(work, done)
        self.hold = False
        self.waiting.append((work, done))
        return None

    def go(self) -> None:
        while self.waiting:
            super().run(*self.waiting.pop(0))


def test_a_registration_racing_one_being_hashed_finds_the_account_taken() -> None:
    effects = HeldEffects()
    h = Harness(effects=effects)
    first = h.client("ana", caps=["standard-replies"])
    effects.hold = True
    first.send("REGISTER * :first-password")  # hashing...
    assert effects.waiting and first.lines() == []
    # ... and the connection drops meanwhile, letting the nick go.
    h.core.connection_lost(first.session)
    second = h.client("ana", caps=["standard-replies"])
    second.send("REGISTER * :second-password")
    assert second.lines()[0][:4] == ("FAIL", "REGISTER", "ACCOUNT_EXISTS", "ana")
    assert h.user("ana").account is None
    effects.go()
    # The first registration, which came first, holds the name: in the store and the
    # registry both, with its own password, although its connection is gone.
    account = h.core.deps.accounts.get("ana")
    assert account is not None and check_password(account, "first-password")
    login = h.connect()
    login.send("CAP LS 302", "CAP REQ :sasl", "NICK cy", "USER cy 0 * :cy", "AUTHENTICATE PLAIN")
    login.send("AUTHENTICATE " + base64.b64encode(b"\0ana\0first-password").decode())
    assert n.RPL_SASLSUCCESS in login.commands()


class FailingStore(MemoryStore):
    """A store that cannot create accounts (its disk is full, say)."""

    async def create_account(self, account: Account) -> bool:
        raise OSError("disk full")


def test_a_registration_that_fails_gives_the_name_back() -> None:
    effects = HeldEffects()
    h = Harness(effects=effects, store=FailingStore())
    first = h.client("ana", caps=["standard-replies"])
    effects.hold = True
    first.send("REGISTER * :first-password")
    h.core.connection_lost(first.session)
    effects.go()
    second = h.client("ana", caps=["standard-replies"])
    second.send("REGISTER * :second-password")
    assert second.lines()[0][:3] == ("FAIL", "REGISTER", "TEMPORARILY_UNAVAILABLE")


def test_someone_elses_nick_cannot_be_registered_from_another_nick() -> None:
    h = Harness()
    h.client("ana")  # holds the nick without an account
    bo = h.client("bo", caps=["standard-replies"])
    bo.send(f"REGISTER ana * :{PASSWORD}")
    assert bo.lines()[0][:4] == ("FAIL", "REGISTER", "ACCOUNT_NAME_MUST_BE_NICK", "ana")
    assert "ana" not in h.core.deps.accounts
    assert "bo" not in h.core.deps.accounts

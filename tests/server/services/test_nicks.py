"""Nick protection (:mod:`chinwag.server.services.nicks`): a registered nick belongs to its
account; holders are warned, renamed to a guest after the grace period, and give way to the
owner at once."""

from __future__ import annotations

from chinwag.protocol import numerics as n
from tests.server.commands.test_accounts import PASSWORD, owner_logs_in, registered
from tests.server.harness import Harness

# -- nick protection -----------------------------------------------------------------------------


def test_holding_a_registered_nick_is_warned_then_renamed_after_the_grace_period() -> None:
    h = Harness()
    registered(h, "ana")
    mallory = h.connect().register("ana", caps=["standard-replies"])
    warning = [line for line in mallory.lines() if line[0] == "NOTE"]
    assert warning == [
        (
            "NOTE",
            "NICK",
            "NICK_PROTECTED",
            "ana",
            "30",
            "This nick belongs to a registered account; log in within 30 seconds or you "
            "will be renamed",
        )
    ]
    h.clock.advance(29)
    h.core.tick()
    assert h.core.network.find_user("ana") is not None
    h.clock.advance(2)
    h.core.tick()
    renamed = [m for m in mallory.take() if m.command == "NICK"]
    assert len(renamed) == 1 and renamed[0].params[0].startswith("Guest")
    assert h.core.network.find_user("ana") is None


def test_a_client_without_standard_replies_hears_it_from_nickserv() -> None:
    h = Harness()
    registered(h, "ana")
    mallory = h.connect().register("ana")
    notices = [m for m in mallory.take() if m.command == "NOTICE"]
    assert notices[-1].source == "NickServ!NickServ@services"
    assert "/msg NickServ IDENTIFY" in notices[-1].params[1]


def test_logging_in_within_the_grace_period_keeps_the_nick() -> None:
    h = Harness()
    registered(h, "ana")
    ana = h.connect().register("ana")
    ana.take()
    ana.send(f"PRIVMSG NickServ :IDENTIFY {PASSWORD}")
    assert any("logged in" in m.params[-1] for m in ana.take())
    h.clock.advance(60)
    h.core.tick()
    assert h.user("ana").account == "ana"


def test_changing_to_a_registered_nick_starts_the_grace_period_and_leaving_it_ends_it() -> None:
    h = Harness()
    registered(h, "ana")
    mallory = h.client("mallory")
    mallory.send("NICK ana")
    assert "NOTICE" in mallory.commands()
    mallory.send("NICK mallory")
    mallory.take()
    h.clock.advance(60)
    h.core.tick()
    assert h.user("mallory").nick == "mallory"


def test_coming_back_to_a_registered_nick_keeps_the_first_deadline() -> None:
    h = Harness()
    registered(h, "ana")
    mallory = h.client("mallory")
    mallory.send("NICK ana")
    h.clock.advance(20)
    mallory.send("NICK mallory", "NICK ana")
    assert "within 10 seconds" in mallory.take()[-1].params[-1]
    h.clock.advance(11)
    h.core.tick()
    assert h.core.network.find_user("ana") is None
    renamed = [m for m in mallory.take() if m.command == "NICK"]
    assert len(renamed) == 1 and renamed[0].params[0].startswith("Guest")
    mallory.send("NICK ana")  # the claim is spent: no second grace period
    assert mallory.commands() == [n.ERR_NICKNAMEINUSE]


def test_logging_in_to_another_account_keeps_the_countdown() -> None:
    h = Harness()
    registered(h, "ana")
    registered(h, "mallory")
    squatter = h.connect().register("ana")
    squatter.send(f"NS IDENTIFY mallory {PASSWORD}")
    assert n.RPL_LOGGEDIN in squatter.commands()
    h.clock.advance(31)
    h.core.tick()
    assert h.core.network.find_user("ana") is None


def test_the_owner_logging_in_takes_the_nick_from_a_guest_at_once() -> None:
    h = Harness()
    registered(h, "ana")
    mallory = h.connect().register("ana")
    mallory.take()
    ana = owner_logs_in(h)
    assert n.RPL_WELCOME in ana.commands()
    assert h.user("ana").account == "ana"
    renamed = [m for m in mallory.take() if m.command == "NICK"]
    assert renamed and renamed[0].params[0].startswith("Guest")


def test_an_owner_renamed_while_logging_in_late_can_take_the_nick_back() -> None:
    h = Harness()
    registered(h, "ana")
    mallory = h.connect().register("ana")
    ana = h.client("ana_")
    ana.send(f"NS IDENTIFY ana {PASSWORD}")
    ana.take()
    ana.send("NICK ana")
    assert ("NICK", "ana") in [(m.command, *m.params) for m in ana.take()]
    assert any(m.command == "NICK" for m in mallory.take())


def test_service_nicks_cannot_be_taken() -> None:
    h = Harness()
    client = h.client("ana")
    client.send("NICK NickServ")
    assert client.commands() == [n.ERR_NICKNAMEINUSE]

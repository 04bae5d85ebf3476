"""NickServ: accounts for clients that only know ``/msg``."""

from __future__ import annotations

from chinwag.protocol import numerics as n
from tests.server.harness import HOST, Client, Harness

PASSWORD = "correct-horse-battery"


def says(client: Client) -> list[str]:
    """What NickServ told the client since the last read."""
    return [
        m.params[1]
        for m in client.take()
        if m.command == "NOTICE" and m.source == "NickServ!NickServ@services"
    ]


def test_register_logs_in_and_is_answered_by_nickserv() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send(f"PRIVMSG NickServ :REGISTER {PASSWORD}")
    assert says(ana) == ["Account ana registered. You are now logged in."]
    assert h.user("ana").account == "ana"


def test_identify_with_the_current_nick_or_a_named_account() -> None:
    h = Harness()
    owner = h.client("ana")
    owner.send(f"PRIVMSG NickServ :REGISTER {PASSWORD}")
    owner.send("QUIT")
    ana = h.client("ana")
    ana.send(f"PRIVMSG nickserv :IDENTIFY {PASSWORD}")
    assert "You are now logged in as ana." in says(ana)
    other = h.client("ana_laptop")
    other.send(f"NS IDENTIFY ana {PASSWORD}")
    assert "You are now logged in as ana." in says(other)
    assert h.user("ana_laptop").account == "ana"


def test_a_wrong_password_is_refused() -> None:
    h = Harness()
    owner = h.client("ana")
    owner.send(f"PRIVMSG NickServ :REGISTER {PASSWORD}", "QUIT")
    ana = h.client("ana")
    ana.send("PRIVMSG NickServ :IDENTIFY guessing")
    assert "Invalid password for ana." in says(ana)
    assert h.user("ana").account is None


def test_set_password_replaces_the_old_one() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send(f"PRIVMSG NickServ :REGISTER {PASSWORD}")
    ana.send("PRIVMSG NickServ :SET PASSWORD brand-new-secret")
    assert says(ana)[-1] == "Your password has been changed."
    ana.send("QUIT")
    again = h.client("ana")
    again.send(f"PRIVMSG NickServ :IDENTIFY {PASSWORD}")
    assert "Invalid password for ana." in says(again)
    again.send("PRIVMSG NickServ :IDENTIFY brand-new-secret")
    assert "You are now logged in as ana." in says(again)


def test_set_password_needs_a_login() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("NICKSERV SET PASSWORD brand-new-secret")
    assert says(ana) == ["You are not logged in."]


def test_info_tells_when_registered_and_whether_online() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send(f"PRIVMSG NickServ :REGISTER {PASSWORD}")
    ana.take()
    bo = h.client("bo")
    bo.send("PRIVMSG NickServ :INFO ana")
    (line,) = says(bo)
    assert line.startswith("Account ana: registered ") and line.endswith("online as ana.")
    bo.send("PRIVMSG NickServ :INFO bo")
    assert says(bo) == ["bo is not registered."]


def test_drop_needs_the_password_and_then_frees_the_nick() -> None:
    h = Harness()
    ana = h.client("ana", caps=["account-notify"])
    ana.send(f"PRIVMSG NickServ :REGISTER {PASSWORD}")
    ana.take()
    ana.send("PRIVMSG NickServ :DROP guessing")
    assert says(ana) == ["Invalid password for ana."]
    ana.send(f"PRIVMSG NickServ :DROP {PASSWORD}")
    replies = ana.take()
    assert (n.RPL_LOGGEDOUT, ("ana", f"ana!~ana@{HOST}", "You are now logged out")) in [
        (m.command, m.params) for m in replies
    ]
    assert replies[-1].params[1] == "Account ana has been dropped."
    assert "ana" not in h.core.deps.accounts
    assert h.user("ana").account is None


def test_help_and_unknown_commands() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("PRIVMSG NickServ :HELP")
    lines = says(ana)
    assert any("REGISTER <password>" in line for line in lines)
    ana.send("PRIVMSG NickServ :HELP identify")
    assert says(ana)[0] == "IDENTIFY [<account>] <password>"
    ana.send("PRIVMSG NickServ :FROBNICATE")
    assert says(ana) == ["Unknown command FROBNICATE. Type /msg NickServ HELP for the commands."]


def test_messages_to_nickserv_are_never_echoed_or_stored() -> None:
    h = Harness()
    ana = h.client("ana", caps=["echo-message"])
    ana.send(f"PRIVMSG NickServ :REGISTER {PASSWORD}")
    assert all(m.command != "PRIVMSG" for m in ana.take())
    found: list[object] = []

    async def everything() -> None:
        for target in ("nickserv", "ana nickserv"):
            found.extend(await h.core.deps.store.latest(target, 10))  # type: ignore[arg-type]

    h.core.deps.effects.run(everything(), lambda _r, _e: None)
    assert found == []


def test_a_password_with_a_space_is_refused_rather_than_cut_short() -> None:
    h = Harness()
    ana = h.client("ana")
    ana.send("PRIVMSG NickServ :REGISTER my secret")
    assert says(ana) == [
        "Syntax: REGISTER <password> [<email>] (the password cannot contain spaces)"
    ]
    assert "ana" not in h.core.deps.accounts
    ana.send(f"PRIVMSG NickServ :REGISTER {PASSWORD} ana@example.org")
    assert says(ana) == ["Account ana registered. You are now logged in."]

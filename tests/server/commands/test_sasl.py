"""SASL: PLAIN and SCRAM-SHA-256 logins before and after registration (sasl-3.1, sasl-3.2).

SCRAM is driven by scramp's client, an implementation nobody here wrote.
"""

from __future__ import annotations

import base64

from scramp import ScramClient

from chinwag.config import AccountSettings
from chinwag.protocol import numerics as n
from chinwag.server.accounts import make_account
from chinwag.server.commands.sasl import MAX_PAYLOAD
from tests.server.harness import HOST, Client, Harness


def b64(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return base64.b64encode(data).decode()


def registered_account(h: Harness, name: str = "ana", password: str = "correct horse") -> None:
    """Register ``name`` from a throw-away connection, then disconnect it."""
    owner = h.client(name)
    owner.send(f"REGISTER * :{password}")
    assert any(line[:2] == ("REGISTER", "SUCCESS") for line in owner.lines())
    owner.send("QUIT")


def sasl_client(h: Harness, nick: str = "ana", ip: str | None = None) -> Client:
    client = h.connect() if ip is None else h.connect(ip)
    client.send("CAP LS 302", "CAP REQ :sasl", f"NICK {nick}", f"USER {nick} 0 * :{nick}")
    client.take()
    return client


def test_the_capability_lists_the_mechanisms() -> None:
    h = Harness()
    client = h.connect()
    client.send("CAP LS 302")
    assert "sasl=PLAIN,SCRAM-SHA-256,EXTERNAL" in " ".join(
        " ".join(m.params) for m in client.take()
    )


def test_plain_logs_in_before_registration_completes() -> None:
    h = Harness()
    registered_account(h)
    client = sasl_client(h)
    client.send("AUTHENTICATE PLAIN")
    assert client.lines() == [("AUTHENTICATE", "+")]
    client.send("AUTHENTICATE " + b64("\0ana\0correct horse"))
    replies = client.lines()
    assert replies[0][:4] == (n.RPL_LOGGEDIN, "ana", f"ana!~ana@{HOST}", "ana")
    assert replies[1][0] == n.RPL_SASLSUCCESS
    client.send("CAP END")
    assert n.RPL_WELCOME in [line[0] for line in client.lines()]
    assert h.user("ana").account == "ana"


def test_plain_with_an_authorization_identity_equal_to_the_account_is_accepted() -> None:
    h = Harness()
    registered_account(h)
    client = sasl_client(h)
    client.send("AUTHENTICATE PLAIN", "AUTHENTICATE " + b64("ana\0ana\0correct horse"))
    assert n.RPL_SASLSUCCESS in client.commands()


def test_a_wrong_password_fails_and_leaves_the_client_logged_out() -> None:
    h = Harness()
    registered_account(h)
    client = sasl_client(h)
    client.send("AUTHENTICATE PLAIN", "AUTHENTICATE " + b64("\0ana\0wrong horse"))
    assert client.commands() == ["AUTHENTICATE", n.ERR_SASLFAIL]
    client.send("CAP END")
    client.take()
    assert h.user("ana").account is None


def test_an_unknown_account_fails_like_a_wrong_password() -> None:
    h = Harness()
    client = sasl_client(h, "zed")
    client.send("AUTHENTICATE PLAIN", "AUTHENTICATE " + b64("\0zed\0whatever123"))
    assert client.commands() == ["AUTHENTICATE", n.ERR_SASLFAIL]


def test_an_unknown_mechanism_lists_the_available_ones() -> None:
    h = Harness()
    client = sasl_client(h)
    client.send("AUTHENTICATE GSSAPI")
    assert client.lines() == [
        (n.RPL_SASLMECHS, "ana", "PLAIN,SCRAM-SHA-256,EXTERNAL", "are available SASL mechanisms"),
        (n.ERR_SASLFAIL, "ana", "SASL authentication failed"),
    ]


def test_aborting_says_so_and_a_new_exchange_can_start() -> None:
    h = Harness()
    registered_account(h)
    client = sasl_client(h)
    client.send("AUTHENTICATE PLAIN", "AUTHENTICATE *")
    assert client.commands() == ["AUTHENTICATE", n.ERR_SASLABORTED]
    client.send("AUTHENTICATE PLAIN", "AUTHENTICATE " + b64("\0ana\0correct horse"))
    assert n.RPL_SASLSUCCESS in client.commands()


def test_malformed_data_fails_without_harm() -> None:
    h = Harness()
    client = sasl_client(h)
    client.send("AUTHENTICATE PLAIN", "AUTHENTICATE !!!notbase64")
    assert client.commands() == ["AUTHENTICATE", n.ERR_SASLFAIL]
    client.send("AUTHENTICATE PLAIN", "AUTHENTICATE " + b64("only-one-field"))
    assert client.commands() == ["AUTHENTICATE", n.ERR_SASLFAIL]


def test_data_is_taken_in_400_byte_chunks_and_too_much_is_refused() -> None:
    h = Harness()
    registered_account(h, password="p" * 299)
    client = sasl_client(h)
    encoded = b64("ana\0ana\0" + "p" * 299)
    assert len(encoded) > 400
    client.send("AUTHENTICATE PLAIN")
    client.take()
    client.send(f"AUTHENTICATE {encoded[:400]}")
    assert client.take() == []  # waits for the rest
    client.send(f"AUTHENTICATE {encoded[400:]}")
    assert n.RPL_SASLSUCCESS in client.commands()

    other = sasl_client(h, "bo")
    other.send("AUTHENTICATE PLAIN")
    other.take()
    for _ in range(11):
        other.send("AUTHENTICATE " + "A" * 400)
    assert other.commands()[-1] == n.ERR_SASLTOOLONG


def test_logging_in_twice_is_refused() -> None:
    h = Harness()
    registered_account(h)
    client = sasl_client(h)
    client.send("AUTHENTICATE PLAIN", "AUTHENTICATE " + b64("\0ana\0correct horse"))
    client.take()
    client.send("AUTHENTICATE PLAIN")
    assert client.commands() == [n.ERR_SASLALREADY]


def test_plain_works_after_registration_too() -> None:
    h = Harness()
    registered_account(h)
    client = h.client("ana", caps=["sasl", "standard-replies"])
    client.send("AUTHENTICATE PLAIN", "AUTHENTICATE " + b64("\0ana\0correct horse"))
    assert {n.RPL_LOGGEDIN, n.RPL_SASLSUCCESS} <= set(client.commands())
    assert h.user("ana").account == "ana"


def test_cap_end_waits_for_the_password_check() -> None:
    h = Harness()
    registered_account(h)
    client = sasl_client(h)
    # All at once, as a pipelining client sends them: the login still precedes the welcome.
    client.send("AUTHENTICATE PLAIN", "AUTHENTICATE " + b64("\0ana\0correct horse"), "CAP END")
    commands = client.commands()
    assert commands.index(n.RPL_SASLSUCCESS) < commands.index(n.RPL_WELCOME)


def scram_login(client: Client, user: str, password: str) -> list[str]:
    """Run a SCRAM-SHA-256 exchange with scramp's client; the commands of the final reply."""
    scram = ScramClient(["SCRAM-SHA-256"], user, password)
    client.send("AUTHENTICATE SCRAM-SHA-256")
    assert client.lines() == [("AUTHENTICATE", "+")]
    client.send("AUTHENTICATE " + b64(scram.get_client_first()))
    first = client.take()
    if first[-1].command != "AUTHENTICATE":
        return [message.command for message in first]
    scram.set_server_first(base64.b64decode(first[0].params[0]).decode())
    client.send("AUTHENTICATE " + b64(scram.get_client_final()))
    final = client.take()
    if final[-1].command != "AUTHENTICATE":
        return [message.command for message in final]
    scram.set_server_final(base64.b64decode(final[0].params[0]).decode())  # checks the server
    client.send("AUTHENTICATE +")
    return client.commands()


def test_scram_sha_256_logs_in_with_scramps_client() -> None:
    h = Harness()
    registered_account(h)
    client = sasl_client(h)
    assert scram_login(client, "ana", "correct horse") == [n.RPL_LOGGEDIN, n.RPL_SASLSUCCESS]
    client.send("CAP END")
    client.take()
    assert h.user("ana").account == "ana"


def test_scram_with_a_wrong_password_fails() -> None:
    h = Harness()
    registered_account(h)
    client = sasl_client(h)
    assert scram_login(client, "ana", "wrong horse") == [n.ERR_SASLFAIL]


def test_scram_for_an_unknown_account_fails_only_at_the_proof() -> None:
    h = Harness()
    client = sasl_client(h, "zed")
    assert scram_login(client, "zed", "anything1") == [n.ERR_SASLFAIL]


def plain(client: Client, password: str) -> list[tuple[str, ...]]:
    client.send("AUTHENTICATE PLAIN", "AUTHENTICATE " + b64(f"\0ana\0{password}"))
    return client.lines()


def test_repeated_failures_are_throttled_per_account_and_per_address() -> None:
    # Issue 24 changed this test: failures from the address ana registered from no longer
    # count against her account (that address is known); a stranger's still do.
    h = Harness(accounts=None)
    registered_account(h)  # from HOST, which is known for ana from then on
    limit = h.core.config.accounts.login_failures
    stranger = sasl_client(h, "mal", "192.0.2.7")
    for _ in range(limit):
        assert plain(stranger, "wrong horse")[-1][0] == n.ERR_SASLFAIL
    # Even the right password is refused now, without being checked,
    last = plain(stranger, "correct horse")[-1]
    assert last[0] == n.ERR_SASLFAIL and "try again in" in last[2]
    # ... from another unknown address too, since the account itself is full,
    elsewhere = sasl_client(h, "x", "192.0.2.9")
    assert "try again in" in plain(elsewhere, "correct horse")[-1][2]
    # ... but not from the address that has logged in to it before,
    home = sasl_client(h)
    assert n.RPL_SASLSUCCESS in [line[0] for line in plain(home, "correct horse")]
    # ... and for the others only until the window has passed.
    h.clock.advance(h.core.config.accounts.login_window + 1)
    assert n.RPL_SASLSUCCESS in [line[0] for line in plain(elsewhere, "correct horse")]


def test_failures_at_a_known_address_fill_only_that_address_limit() -> None:
    h = Harness(accounts=None)
    registered_account(h)
    limit = h.core.config.accounts.login_failures
    home = sasl_client(h)
    for _ in range(limit):
        assert plain(home, "wrong horse")[-1][0] == n.ERR_SASLFAIL
    assert "try again in" in plain(home, "correct horse")[-1][2]
    # The account's own limit is untouched: a new address with the right password gets in.
    phone = sasl_client(h, "x", "192.0.2.9")
    assert n.RPL_SASLSUCCESS in [line[0] for line in plain(phone, "correct horse")]


def long_password_harness(max_password_length: int = 1024) -> Harness:
    return Harness(
        accounts=AccountSettings(
            argon2_time_cost=1,
            argon2_memory_kib=64,
            argon2_parallelism=1,
            max_password_length=max_password_length,
        )
    )


def long_password_account(h: Harness, password: str) -> None:
    """Register ``ana`` with a password too long for one REGISTER line (straight into the
    registry, as NickServ SET PASSWORD or an earlier registration would leave it)."""
    h.core.deps.accounts.put(make_account("ana", password, h.core.config.accounts))


def test_a_payload_of_exactly_two_chunks_ends_with_a_plus() -> None:
    h = long_password_harness()
    password = "p" * (600 - len("ana\0ana\0"))
    long_password_account(h, password)
    client = sasl_client(h)
    encoded = b64("ana\0ana\0" + password)
    assert len(encoded) == 800
    client.send("AUTHENTICATE PLAIN")
    client.take()
    client.send(f"AUTHENTICATE {encoded[:400]}", f"AUTHENTICATE {encoded[400:]}")
    assert client.take() == []  # a full last chunk: the client says "+" when it is done
    client.send("AUTHENTICATE +")
    assert client.commands() == [n.RPL_LOGGEDIN, n.RPL_SASLSUCCESS]


def test_a_payload_of_three_chunks_with_a_short_last_one_logs_in() -> None:
    h = long_password_harness()
    password = "p" * 700
    long_password_account(h, password)
    client = sasl_client(h)
    encoded = b64("\0ana\0" + password)
    assert 800 < len(encoded) < 1200
    client.send("AUTHENTICATE PLAIN")
    client.take()
    for start in range(0, len(encoded), 400):
        client.send(f"AUTHENTICATE {encoded[start : start + 400]}")
    assert client.commands() == [n.RPL_LOGGEDIN, n.RPL_SASLSUCCESS]


def test_the_longest_password_the_configuration_allows_fits() -> None:
    h = long_password_harness(max_password_length=6000)
    password = "p" * 6000
    long_password_account(h, password)
    client = sasl_client(h)
    encoded = b64("ana\0ana\0" + password)
    assert len(encoded) > MAX_PAYLOAD
    client.send("AUTHENTICATE PLAIN")
    client.take()
    for start in range(0, len(encoded), 400):
        client.send(f"AUTHENTICATE {encoded[start : start + 400]}")
    if len(encoded) % 400 == 0:
        client.send("AUTHENTICATE +")
    assert client.commands() == [n.RPL_LOGGEDIN, n.RPL_SASLSUCCESS]


def test_an_endless_stream_of_chunks_is_cut_off_at_the_limit() -> None:
    h = Harness()
    client = sasl_client(h)
    client.send("AUTHENTICATE PLAIN")
    client.take()
    sent = 0
    while not (replies := client.commands()):
        client.send("AUTHENTICATE " + "A" * 400)
        sent += 1
        assert sent * 400 <= MAX_PAYLOAD + 400, "still buffering past the limit"
    assert replies == [n.ERR_SASLTOOLONG]
    assert client.session.sasl is None  # the exchange is over: nothing more is kept

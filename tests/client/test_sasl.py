"""SASL mechanisms and AUTHENTICATE's chunks: checked against scramp's own server side."""

from __future__ import annotations

import base64

import pytest
from scramp import ScramMechanism

from chinwag.client.sasl import (
    CHUNK,
    MECHANISMS,
    ChallengeReader,
    Plain,
    SaslError,
    ScramSha256,
    encode_response,
    new_mechanism,
)


def test_scram_is_preferred_to_plain() -> None:
    assert MECHANISMS == ("SCRAM-SHA-256", "PLAIN")
    assert new_mechanism("PLAIN", "ana", "pw").name == "PLAIN"
    assert new_mechanism("SCRAM-SHA-256", "ana", "pw").name == "SCRAM-SHA-256"
    with pytest.raises(ValueError, match="GSSAPI"):
        new_mechanism("GSSAPI", "ana", "pw")


def test_external_answers_with_one_empty_response() -> None:
    external = new_mechanism("EXTERNAL", "", "")
    assert external.respond(b"") == b""
    assert encode_response(b"") == ["+"]
    with pytest.raises(SaslError):
        external.respond(b"")


def test_plain_sends_account_and_password_once() -> None:
    plain = Plain("ana", "correct horse")
    assert plain.respond(b"") == b"\0ana\0correct horse"
    with pytest.raises(SaslError):
        plain.respond(b"")


def test_scram_exchange_is_accepted_by_a_server_that_knows_the_password() -> None:
    mechanism = ScramMechanism("SCRAM-SHA-256")
    auth_info = mechanism.make_auth_info("correct horse", iteration_count=4096)
    server = mechanism.make_server(lambda username: auth_info)
    client = ScramSha256("ana", "correct horse")

    client_first = client.respond(b"")
    assert client_first.startswith(b"n,,n=ana,r=")  # no channel binding, no authzid
    server.set_client_first(client_first.decode())
    client_final = client.respond(server.get_server_first().encode())
    server.set_client_final(client_final.decode())  # raises if the proof is wrong
    assert client.respond(server.get_server_final().encode()) == b""
    with pytest.raises(SaslError):
        client.respond(b"more?")


def test_scram_refuses_a_server_that_does_not_know_the_password() -> None:
    mechanism = ScramMechanism("SCRAM-SHA-256")
    # The server's keys come from another password: its final signature cannot be right.
    impostor_info = mechanism.make_auth_info("something else", iteration_count=4096)
    impostor = mechanism.make_server(lambda username: impostor_info)
    client = ScramSha256("ana", "correct horse")
    impostor.set_client_first(client.respond(b"").decode())
    client.respond(impostor.get_server_first().encode())
    forged = base64.b64encode(b"x" * 32).decode()
    with pytest.raises(SaslError, match="not valid") as caught:
        client.respond(f"v={forged}".encode())
    assert "correct horse" not in str(caught.value)


def test_scram_rejects_a_malformed_server_first() -> None:
    client = ScramSha256("ana", "pw")
    client.respond(b"")
    with pytest.raises(SaslError):
        client.respond(b"this is not scram")


def test_responses_are_base64_in_400_byte_chunks() -> None:
    assert encode_response(b"") == ["+"]
    assert encode_response(b"\0ana\0sesame") == [base64.b64encode(b"\0ana\0sesame").decode()]
    exactly = encode_response(b"a" * 300)  # 300 bytes are 400 characters of base64
    assert [len(chunk) for chunk in exactly] == [CHUNK, 1] and exactly[-1] == "+"
    longer = encode_response(b"b" * 450)
    assert [len(chunk) for chunk in longer] == [CHUNK, 200]
    assert base64.b64decode("".join(longer)) == b"b" * 450


def test_challenges_are_put_back_together_from_their_chunks() -> None:
    reader = ChallengeReader()
    assert reader.feed("+") == b""
    parts = encode_response(b"c" * 450)
    assert reader.feed(parts[0]) is None
    assert reader.feed(parts[1]) == b"c" * 450
    exactly = encode_response(b"d" * 300)
    assert reader.feed(exactly[0]) is None
    assert reader.feed(exactly[1]) == b"d" * 300


def test_bad_or_endless_challenges_are_errors() -> None:
    with pytest.raises(SaslError, match="base64"):
        ChallengeReader().feed("not base64!")
    reader = ChallengeReader()
    with pytest.raises(SaslError, match="too long"):
        for _ in range(100):
            reader.feed("A" * CHUNK)

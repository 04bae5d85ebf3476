"""METADATA: user and channel metadata, IRCv3 draft/metadata-2.

Reference: https://ircv3.net/specs/extensions/metadata (where the draft leaves a choice, as
Ergo does). chinwag gives the key ``color`` a meaning: the user's name colour, ``#rrggbb``.
"""

from __future__ import annotations

import pytest

from chinwag.protocol.message import Message
from tests.server.harness import Client, Harness

CAPS = ["draft/metadata-2", "batch"]
"""What a metadata client enables: the spec needs batch alongside."""

OK = "761"  # RPL_KEYVALUE
NOT_SET = "766"  # RPL_KEYNOTSET
SUB_OK = "770"  # RPL_METADATASUBOK
UNSUB_OK = "771"  # RPL_METADATAUNSUBOK
SUBS = "772"  # RPL_METADATASUBS


def fail(code: str, *context: str) -> tuple[str, ...]:
    """The start of a ``FAIL METADATA <code> <context>...`` line (the description follows)."""
    return ("FAIL", "METADATA", code, *context)


def batch_of(messages: list[Message], kind: str) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The ``BATCH +`` parameters after the reference, and the batch's messages as
    ``(command, *params)``, checking that the batch is opened and closed around them."""
    opening, *inner, closing = messages
    assert opening.command == "BATCH" and opening.params[0].startswith("+")
    assert opening.params[1] == kind
    ref = opening.params[0][1:]
    assert (closing.command, closing.params) == ("BATCH", ("-" + ref,))
    assert all(message.tags.get("batch") == ref for message in inner)
    return opening.params[2:], [(message.command, *message.params) for message in inner]


def subscribed(h: Harness, nick: str, *keys: str) -> Client:
    """A registered metadata client subscribed to ``keys``."""
    client = h.client(nick, caps=CAPS)
    client.send("METADATA * SUB " + " ".join(keys))
    client.take()
    return client


# -- the capability -------------------------------------------------------------------------


def test_the_capability_advertises_before_connect_and_the_configured_limits() -> None:
    client = Harness(
        metadata_max_subs=7, metadata_max_keys=3, metadata_max_value_bytes=64
    ).connect()

    client.send("CAP LS 302")

    advertised = " ".join(reply[-1] for reply in client.lines()).split()
    assert "draft/metadata-2=before-connect,max-subs=7,max-keys=3,max-value-bytes=64" in advertised


def test_registration_ends_with_the_users_own_metadata_batch_even_when_empty() -> None:
    client = Harness().connect().register("ana", CAPS)

    messages = client.take()

    assert messages[-3].command == "376"  # after the MOTD
    params, inner = batch_of(messages[-2:], "metadata")
    assert params == ("ana",)
    assert inner == []


def test_without_the_capability_registration_sends_no_metadata_batch() -> None:
    client = Harness().connect().register("ana", ["batch"])

    assert client.take()[-1].command == "376"


def test_enabling_the_capability_later_sends_the_users_own_metadata() -> None:
    h = Harness()
    ana = h.client("ana", caps=["batch"])
    ana.send("METADATA * SET color #00d700")
    ana.take()

    ana.send("CAP REQ draft/metadata-2")

    ack, *rest = ana.take()
    assert (ack.command, ack.params[1]) == ("CAP", "ACK")
    _, inner = batch_of(rest, "metadata")
    assert inner == [("METADATA", "ana", "color", "*", "#00d700")]


# -- one's own keys -------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["*", "ana", "ANA"])
def test_a_user_sets_and_gets_their_own_key(target: str) -> None:
    ana = Harness().client("ana", caps=CAPS)

    ana.send(f"METADATA {target} SET url :https://example.org/ana")
    assert ana.lines() == [(OK, "ana", "ana", "url", "*", "https://example.org/ana")]

    ana.send(f"METADATA {target} GET url")
    params, inner = batch_of(ana.take(), "metadata")
    assert params == ("ana",)
    assert inner == [(OK, "ana", "ana", "url", "*", "https://example.org/ana")]


def test_get_answers_every_key_in_order() -> None:
    ana = Harness().client("ana", caps=CAPS)
    ana.send("METADATA * SET color #ff0000")
    ana.take()

    ana.send("METADATA * GET status Bad:Key color")

    _, inner = batch_of(ana.take(), "metadata")
    assert [line[:4] for line in inner] == [
        (NOT_SET, "ana", "ana", "status"),
        fail("KEY_INVALID", "Bad:Key"),
        (OK, "ana", "ana", "color"),
    ]


def test_list_gives_every_key_in_a_batch() -> None:
    ana = Harness().client("ana", caps=CAPS)
    ana.send("METADATA * SET color #ff0000", "METADATA * SET url :https://a.example")
    ana.take()

    ana.send("METADATA * LIST")

    _, inner = batch_of(ana.take(), "metadata")
    assert inner == [
        (OK, "ana", "ana", "color", "*", "#ff0000"),
        (OK, "ana", "ana", "url", "*", "https://a.example"),
    ]


def test_list_of_nothing_is_an_empty_batch() -> None:
    ana = Harness().client("ana", caps=CAPS)

    ana.send("METADATA * LIST")

    assert batch_of(ana.take(), "metadata") == (("ana",), [])


def test_setting_again_replaces_the_value() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)

    ana.send("METADATA * SET status :at lunch", "METADATA * SET status :back")

    assert [line[-1] for line in ana.lines()] == ["at lunch", "back"]
    assert h.user("ana").metadata == {"status": "back"}


def test_an_empty_value_is_a_value() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)

    ana.send("METADATA * SET status :")

    assert ana.lines() == [(OK, "ana", "ana", "status", "*", "")]
    assert h.user("ana").metadata == {"status": ""}


def test_set_without_a_value_removes_the_key() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)
    ana.send("METADATA * SET url :https://a.example")
    ana.take()

    ana.send("METADATA * SET url")

    assert [line[:4] for line in ana.lines()] == [(NOT_SET, "ana", "ana", "url")]
    assert h.user("ana").metadata == {}


def test_removing_a_key_that_is_not_set_fails() -> None:
    ana = Harness().client("ana", caps=CAPS)

    ana.send("METADATA * SET url")

    assert [line[:5] for line in ana.lines()] == [fail("KEY_NOT_SET", "ana", "url")]


def test_clear_removes_every_key_and_lists_them_without_values() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)
    ana.send("METADATA * SET color #ff0000", "METADATA * SET url :https://a.example")
    ana.take()

    ana.send("METADATA * CLEAR")

    _, inner = batch_of(ana.take(), "metadata")
    assert inner == [(OK, "ana", "ana", "color", "*"), (OK, "ana", "ana", "url", "*")]
    assert h.user("ana").metadata == {}


# -- the colour -----------------------------------------------------------------------------


def test_color_is_stored_in_lower_case() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)

    ana.send("METADATA * SET color #FFaF00")

    assert ana.lines() == [(OK, "ana", "ana", "color", "*", "#ffaf00")]
    assert h.user("ana").metadata == {"color": "#ffaf00"}


@pytest.mark.parametrize("value", ["red", "#fff", "#gggggg", "ffaf00", "#ffaf000", " #ffaf00", ""])
def test_a_color_that_is_not_rrggbb_is_refused(value: str) -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)

    ana.send(f"METADATA * SET color :{value}")

    assert [line[:3] for line in ana.lines()] == [fail("VALUE_INVALID")]
    assert h.user("ana").metadata == {}


# -- keys and permissions -------------------------------------------------------------------


@pytest.mark.parametrize("key", ["Color", "a:b", "url:", "$url", "url!", "é", "k" * 101])
def test_invalid_key_names_are_refused(key: str) -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)

    ana.send(f"METADATA * SET {key} :x")

    assert [line[:4] for line in ana.lines()] == [fail("KEY_INVALID", key)]
    assert h.user("ana").metadata == {}


@pytest.mark.parametrize("key", ["display-name", "im.xmpp", "a_b/c", "0", "k" * 100])
def test_lower_case_letters_digits_and_some_punctuation_make_keys(key: str) -> None:
    ana = Harness().client("ana", caps=CAPS)

    ana.send(f"METADATA * SET {key} :x")

    assert ana.lines() == [(OK, "ana", "ana", key, "*", "x")]


def test_nobody_sets_another_users_key_but_anyone_reads_it() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)
    bo = h.client("bo", caps=CAPS)
    bo.send("METADATA * SET color #0000ff")
    bo.take()

    ana.send("METADATA bo SET color :#ff0000", "METADATA bo CLEAR")
    assert [line[:5] for line in ana.lines()] == [
        fail("KEY_NO_PERMISSION", "bo", "color"),
        fail("KEY_NO_PERMISSION", "bo", "*"),
    ]
    assert h.user("bo").metadata == {"color": "#0000ff"}

    ana.send("METADATA bo GET color")
    _, inner = batch_of(ana.take(), "metadata")
    assert inner == [(OK, "ana", "bo", "color", "*", "#0000ff")]


@pytest.mark.parametrize("target", ["nobody", "#nowhere", "$a:user"])
def test_an_unknown_target_is_invalid(target: str) -> None:
    ana = Harness().client("ana", caps=CAPS)

    ana.send(f"METADATA {target} LIST")

    assert [line[:4] for line in ana.lines()] == [fail("INVALID_TARGET", target)]


def test_an_unknown_subcommand_fails() -> None:
    ana = Harness().client("ana", caps=CAPS)

    ana.send("METADATA * DESTROY")

    assert [line[:4] for line in ana.lines()] == [fail("SUBCOMMAND_INVALID", "DESTROY")]


# -- channels -------------------------------------------------------------------------------


def test_channel_operators_set_channel_keys_and_members_read_them() -> None:
    h = Harness()
    op = h.client("op", caps=CAPS)
    member = h.client("member", caps=CAPS)
    h.join("#tea", op, member)

    op.send("METADATA #TEA SET url :https://tea.example")
    assert op.lines() == [(OK, "op", "#tea", "url", "*", "https://tea.example")]
    assert h.channel("#tea").metadata == {"url": "https://tea.example"}

    member.send("METADATA #tea GET url")
    _, inner = batch_of(member.take(), "metadata")
    assert inner == [(OK, "member", "#tea", "url", "*", "https://tea.example")]


def test_members_who_are_not_operators_cannot_set_channel_keys() -> None:
    h = Harness()
    op = h.client("op", caps=CAPS)
    member = h.client("member", caps=CAPS)
    h.join("#tea", op, member)

    member.send("METADATA #tea SET url :https://evil.example", "METADATA #tea CLEAR")

    assert [line[:5] for line in member.lines()] == [
        fail("KEY_NO_PERMISSION", "#tea", "url"),
        fail("KEY_NO_PERMISSION", "#tea", "*"),
    ]
    assert h.channel("#tea").metadata == {}


def test_outsiders_may_not_read_channel_keys_and_do_not_see_secret_channels() -> None:
    h = Harness()
    op = h.client("op", caps=CAPS)
    outsider = h.client("outsider", caps=CAPS)
    h.join("#tea", op)
    h.join("#hush", op)
    op.send("MODE #hush +s")
    op.take()

    outsider.send("METADATA #tea LIST", "METADATA #hush LIST")

    assert [line[:5] for line in outsider.lines()] == [
        fail("KEY_NO_PERMISSION", "#tea", "*"),
        fail("INVALID_TARGET", "#hush", "Invalid metadata target"),
    ]


# -- limits ---------------------------------------------------------------------------------


def test_a_user_may_set_only_max_keys_keys() -> None:
    h = Harness(metadata_max_keys=2)
    ana = h.client("ana", caps=CAPS)
    ana.send("METADATA * SET a :1", "METADATA * SET b :2")
    ana.take()

    ana.send("METADATA * SET c :3")
    assert [line[:4] for line in ana.lines()] == [fail("LIMIT_REACHED", "ana")]

    ana.send("METADATA * SET b :two")  # changing a key already set is fine
    assert ana.lines() == [(OK, "ana", "ana", "b", "*", "two")]
    assert h.user("ana").metadata == {"a": "1", "b": "two"}


def test_a_channel_may_have_only_max_keys_keys() -> None:
    h = Harness(metadata_max_keys=1)
    op = h.client("op", caps=CAPS)
    h.join("#tea", op)
    op.send("METADATA #tea SET a :1")
    op.take()

    op.send("METADATA #tea SET b :2")

    assert [line[:4] for line in op.lines()] == [fail("LIMIT_REACHED", "#tea")]


def test_values_longer_than_max_value_bytes_are_refused() -> None:
    h = Harness(metadata_max_value_bytes=8)
    ana = h.client("ana", caps=CAPS)

    ana.send("METADATA * SET status :12345678")
    assert ana.lines() == [(OK, "ana", "ana", "status", "*", "12345678")]

    ana.send("METADATA * SET status :💜💜💜")  # 3 characters, 12 bytes
    assert [line[:3] for line in ana.lines()] == [fail("VALUE_INVALID")]
    assert h.user("ana").metadata == {"status": "12345678"}


# -- subscriptions --------------------------------------------------------------------------


def test_sub_unsub_and_subs() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)

    ana.send("METADATA * SUB color avatar")
    assert ana.lines() == [(SUB_OK, "ana", "color", "avatar")]

    ana.send("METADATA * SUBS")
    assert batch_of(ana.take(), "metadata-subs") == ((), [(SUBS, "ana", "avatar", "color")])

    ana.send("METADATA * UNSUB avatar website")
    assert ana.lines() == [(UNSUB_OK, "ana", "avatar", "website")]
    assert h.core.network.sessions[ana.session.id].metadata_subs == {"color"}


def test_subscribing_again_is_acknowledged_and_listed_once() -> None:
    ana = Harness().client("ana", caps=CAPS)

    ana.send("METADATA * SUB color", "METADATA * SUB color color")

    assert ana.lines() == [(SUB_OK, "ana", "color"), (SUB_OK, "ana", "color")]
    ana.send("METADATA * SUBS")
    assert batch_of(ana.take(), "metadata-subs")[1] == [(SUBS, "ana", "color")]


def test_no_subscriptions_list_as_an_empty_batch() -> None:
    ana = Harness().client("ana", caps=CAPS)

    ana.send("METADATA * SUBS")

    assert batch_of(ana.take(), "metadata-subs") == ((), [])


def test_invalid_keys_are_reported_and_the_others_subscribed() -> None:
    ana = Harness().client("ana", caps=CAPS)

    ana.send("METADATA * SUB color $url avatar")

    assert [line[:4] for line in ana.lines()] == [
        fail("KEY_INVALID", "$url"),
        (SUB_OK, "ana", "color", "avatar"),
    ]


def test_past_max_subs_the_first_refused_key_is_named_and_the_rest_ignored() -> None:
    h = Harness(metadata_max_subs=3)
    ana = h.client("ana", caps=CAPS)
    ana.send("METADATA * SUB website avatar")
    ana.take()

    ana.send("METADATA * SUB email city country bar")

    assert [line[:4] for line in ana.lines()] == [
        fail("TOO_MANY_SUBS", "city"),
        (SUB_OK, "ana", "email"),
    ]
    assert ana.session.metadata_subs == {"website", "avatar", "email"}


# -- notifications --------------------------------------------------------------------------


def test_a_change_reaches_subscribed_capability_holders_who_share_a_channel() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)
    fan = subscribed(h, "fan", "color")  # subscribed, capability, shares #tea: told
    unsubscribed = h.client("unsub", caps=CAPS)  # capability, shares #tea, no subscription
    no_cap = h.client("nocap")  # subscribed without the capability
    no_cap.send("METADATA * SUB color")
    away = subscribed(h, "away", "color")  # subscribed but shares no channel
    h.join("#tea", ana, fan, unsubscribed, no_cap)
    h.join("#elsewhere", away)

    ana.send("METADATA * SET color #FF00AF")

    assert ana.lines() == [(OK, "ana", "ana", "color", "*", "#ff00af")]  # not told twice
    assert fan.events() == [("irc.test", "METADATA", ("ana", "color", "*", "#ff00af"))]
    for other in (unsubscribed, no_cap, away):
        assert other.take() == [], other.session.target


def test_removing_a_key_is_announced_without_a_value() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)
    fan = subscribed(h, "fan", "color", "url")
    h.join("#tea", ana, fan)
    ana.send("METADATA * SET color #ff0000", "METADATA * SET url :https://a.example")
    ana.take()
    fan.take()

    ana.send("METADATA * SET color", "METADATA * CLEAR")

    assert fan.lines() == [
        ("METADATA", "ana", "color", "*"),
        ("METADATA", "ana", "url", "*"),
    ]


def test_an_unchanged_value_is_not_announced_again() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)
    fan = subscribed(h, "fan", "color")
    h.join("#tea", ana, fan)
    ana.send("METADATA * SET color #ff0000")
    fan.take()

    ana.send("METADATA * SET color #FF0000")

    assert fan.take() == []


def test_a_refused_change_is_not_announced() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)
    fan = subscribed(h, "fan", "color")
    h.join("#tea", ana, fan)

    ana.send("METADATA * SET color :not a colour")

    assert fan.take() == []


def test_a_users_other_sessions_are_told_of_the_change() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)
    # A second device of the same user (attached by hand: the harness has no bouncer).
    phone = h.connect()
    phone.session.set_caps(set(CAPS))
    phone.session.metadata_subs |= {"color"}
    phone.session.user = h.user("ana")
    h.user("ana").add_session(phone.session)

    ana.send("METADATA * SET color #008787")

    assert phone.lines() == [("METADATA", "ana", "color", "*", "#008787")]


def test_a_channel_change_reaches_its_subscribed_members() -> None:
    h = Harness()
    op = h.client("op", caps=CAPS)
    fan = subscribed(h, "fan", "url")
    outsider = subscribed(h, "outsider", "url")
    h.join("#tea", op, fan)

    op.send("METADATA #tea SET url :https://tea.example")

    assert fan.lines() == [("METADATA", "#tea", "url", "*", "https://tea.example")]
    assert outsider.take() == []


# -- JOIN and SYNC --------------------------------------------------------------------------


def test_after_join_the_joiner_gets_the_channel_and_members_subscribed_keys() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)
    h.join("#tea", ana)
    ana.send(
        "METADATA * SET color #ff0000",
        "METADATA * SET status :busy",
        "METADATA #tea SET color #00ffff",
    )
    ana.take()
    bo = subscribed(h, "bo", "color")

    bo.send("JOIN #tea")

    messages = bo.take()
    end_of_names = [m.command for m in messages].index("366")
    params, inner = batch_of(messages[end_of_names + 1 :], "metadata")
    assert params == ("#tea",)
    assert inner == [
        ("METADATA", "#tea", "color", "*", "#00ffff"),
        ("METADATA", "ana", "color", "*", "#ff0000"),
    ]


def test_a_joiner_without_subscriptions_gets_no_metadata() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)
    h.join("#tea", ana)
    ana.send("METADATA * SET color #ff0000")
    bo = h.client("bo", caps=CAPS)

    bo.send("JOIN #tea")

    assert "METADATA" not in bo.commands()


def test_members_get_the_joiners_keys_unless_they_already_shared_a_channel() -> None:
    h = Harness()
    fan = subscribed(h, "fan", "color")
    friend = subscribed(h, "friend", "color")
    ana = h.client("ana", caps=CAPS)
    h.join("#tea", fan, friend)
    h.join("#old", friend, ana)
    ana.send("METADATA * SET color #8700ff")
    fan.take()
    friend.take()  # told when ana set it: they share #old

    ana.send("JOIN #tea")

    assert fan.lines() == [
        ("JOIN", "#tea"),
        ("METADATA", "ana", "color", "*", "#8700ff"),
    ]
    assert friend.lines() == [("JOIN", "#tea")]


def test_sync_sends_the_subscribed_keys_of_a_channel_and_its_members() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)
    bo = h.client("bo", caps=CAPS)
    h.join("#tea", ana, bo)
    ana.send("METADATA * SET color #ff0000", "METADATA * SET status :busy")
    ana.send("METADATA #tea SET url :https://tea.example")
    bo.send("METADATA * SUB color url")
    bo.take()

    bo.send("METADATA #tea SYNC")

    params, inner = batch_of(bo.take(), "metadata")
    assert params == ("#tea",)
    assert inner == [
        ("METADATA", "#tea", "url", "*", "https://tea.example"),
        ("METADATA", "ana", "color", "*", "#ff0000"),
    ]


# -- before connecting ------------------------------------------------------------------------


def test_metadata_set_before_registration_becomes_the_users() -> None:
    h = Harness()
    client = h.connect()
    client.send("CAP LS 302", "CAP REQ :draft/metadata-2 batch")
    client.take()

    client.send("METADATA * SET color #FFFF00")
    assert client.lines() == [(OK, "*", "*", "color", "*", "#ffff00")]

    client.send("NICK ana", "USER ana 0 * :Ana", "CAP END")
    params, inner = batch_of(client.take()[-3:], "metadata")
    assert params == ("ana",)
    assert inner == [("METADATA", "ana", "color", "*", "#ffff00")]
    assert h.user("ana").metadata == {"color": "#ffff00"}
    assert client.session.metadata is None


def test_before_registration_only_clients_with_the_capability_may_use_it() -> None:
    client = Harness().connect()

    client.send("METADATA * SET color #ffff00")

    assert client.lines() == [("451", "*", "You have not registered")]


def test_before_registration_the_only_target_is_oneself() -> None:
    h = Harness()
    h.client("bo")
    client = h.connect()
    client.send("CAP REQ :draft/metadata-2 batch")
    client.take()

    client.send("METADATA bo GET color")

    assert [line[:4] for line in client.lines()] == [fail("INVALID_TARGET", "bo")]


# -- leaving --------------------------------------------------------------------------------


def test_metadata_goes_with_the_user_and_the_channel() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)
    h.join("#tea", ana)
    ana.send("METADATA * SET color #ff0000", "METADATA #tea SET url :https://tea.example")
    ana.send("QUIT")

    again = h.client("ana", caps=CAPS)
    again.send("METADATA * LIST")
    assert batch_of(again.take(), "metadata")[1] == []
    again.send("JOIN #tea")
    again.take()
    assert h.channel("#tea").metadata == {}


# -- WHOIS ----------------------------------------------------------------------------------


def test_whois_shows_the_color() -> None:
    h = Harness()
    ana = h.client("ana", caps=CAPS)
    ana.send("METADATA * SET color #ff00af", "METADATA * SET status :busy")
    bo = h.client("bo")

    bo.send("WHOIS ana")

    whois = [line for line in bo.lines() if line[0] == "760"]
    assert whois == [("760", "bo", "ana", "color", "*", "#ff00af")]


def test_a_labelled_get_nests_the_metadata_batch_in_the_labelled_response() -> None:
    ana = Harness().client("ana", caps=[*CAPS, "labeled-response"])

    ana.send("@label=q1 METADATA * GET color")

    outer, inner_open, keynotset, inner_close, outer_close = ana.take()
    assert (outer.command, outer.params[1], outer.tags["label"]) == (
        "BATCH",
        "labeled-response",
        "q1",
    )
    ref = outer.params[0][1:]
    assert inner_open.tags["batch"] == ref and inner_open.params[1:] == ("metadata", "ana")
    assert keynotset.command == NOT_SET and keynotset.tags["batch"] == inner_open.params[0][1:]
    assert inner_close.tags["batch"] == ref
    assert outer_close.params == ("-" + ref,)

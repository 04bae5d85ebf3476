"""The capability table."""

from __future__ import annotations

from chinwag.protocol.caps import (
    BY_NAME,
    CAPABILITIES,
    METADATA,
    STICKY,
    Capability,
    account_registration_value,
    metadata_value,
    value_keys,
)


def test_names_are_unique_and_indexed() -> None:
    names = [cap.name for cap in CAPABILITIES]
    assert len(names) == len(set(names))
    assert set(BY_NAME) == set(names)
    assert all(BY_NAME[cap.name] is cap for cap in CAPABILITIES)


def test_every_capability_links_its_spec() -> None:
    # IRCv3's own (a draft not yet published there: its pull request), or a vendor's
    # (soju.im/...) in that vendor's documentation.
    for cap in CAPABILITIES:
        if cap.name.startswith("soju.im/"):
            assert cap.spec.startswith("https://codeberg.org/emersion/soju/"), cap
        else:
            assert cap.spec.startswith(
                ("https://ircv3.net/", "https://github.com/ircv3/ircv3-specifications/pull/")
            ), cap


def test_the_core_capabilities_are_offered() -> None:
    for name in [
        "cap-notify",
        "message-tags",
        "server-time",
        "echo-message",
        "batch",
        "labeled-response",
        "multi-prefix",
        "userhost-in-names",
        "away-notify",
        "account-tag",
        "account-notify",
        "extended-join",
        "invite-notify",
        "setname",
        "standard-replies",
        "draft/metadata-2",
        "draft/chathistory",
        "draft/event-playback",
        "draft/read-marker",
    ]:
        assert name in BY_NAME, name


def test_sticky_capabilities_exist() -> None:
    sticky = set(STICKY)
    assert sticky == {"cap-notify"}
    assert sticky <= set(BY_NAME)


def test_values_are_advertised_from_302_on() -> None:
    cap = Capability("sasl", "https://ircv3.net/specs/extensions/sasl-3.2", "PLAIN,SCRAM-SHA-256")
    assert cap.advertised(0) == "sasl"
    assert cap.advertised(301) == "sasl"
    assert cap.advertised(302) == "sasl=PLAIN,SCRAM-SHA-256"


def test_capability_without_value_is_just_its_name() -> None:
    cap = BY_NAME["server-time"]
    assert cap.advertised(302) == "server-time"
    assert cap.advertised(0) == "server-time"


def test_metadata_is_offered_with_a_value_the_server_fills_in() -> None:
    cap = BY_NAME[METADATA]
    value = metadata_value(max_subs=50, max_keys=20, max_value_bytes=300)
    assert value == "before-connect,max-subs=50,max-keys=20,max-value-bytes=300"
    assert cap.advertised(302, value) == f"draft/metadata-2={value}"
    assert cap.advertised(0, value) == "draft/metadata-2"


def test_capability_values_are_read_as_keys_with_optional_values() -> None:
    keys = value_keys("before-connect,chinwag.im/min-password=8,,email-required")
    assert keys == {"before-connect": None, "chinwag.im/min-password": "8", "email-required": None}
    assert value_keys(None) == {}
    assert value_keys(account_registration_value(10))["chinwag.im/min-password"] == "10"

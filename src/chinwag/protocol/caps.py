"""The capability table: every IRCv3 capability the server offers, with its spec.

Capability negotiation itself is https://ircv3.net/specs/extensions/capability-negotiation;
this module is data, read by the ``CAP`` handler and by whatever needs to know what a session
has enabled.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Capability:
    """One capability: its name, the spec that defines it and its ``CAP LS 302`` value."""

    name: str
    spec: str
    value: str | None = None

    def advertised(self, version: int, value: str | None = None) -> str:
        """The token for ``CAP LS``: with its value from version 302 on.

        ``value``, when given, replaces the table's value: the server passes the values that
        depend on its configuration (see :func:`metadata_value`).
        """
        value = self.value if value is None else value
        if value is not None and version >= 302:
            return f"{self.name}={value}"
        return self.name


_IRCV3 = "https://ircv3.net/specs/extensions/"

METADATA = "draft/metadata-2"
"""User and channel metadata (the ``color`` key): https://ircv3.net/specs/extensions/metadata,
the version notifying with ``METADATA`` messages, kept for older clients. Its value depends on
the configured limits; see :func:`metadata_value`."""

METADATA_3 = "draft/metadata-3"
"""The current metadata draft (ircv3-specifications pull request #613, "Update metadata
spec"): notifications as RPL_KEYVALUE / RPL_KEYNOTSET, renamed standard-reply codes, ``SYNC
*ALL``, metadata with MONITOR. Its value is :func:`metadata_value` with ``max-key-bytes``.
A session has at most one of the two (the spec: servers "MUST NOT accept" a request for
both); what each one changes is :data:`chinwag.protocol.metadata.DIALECTS`."""

METADATA_CAPS: tuple[str, ...] = (METADATA_3, METADATA)
"""The metadata capabilities, the one a client should prefer first."""

SASL = "sasl"
"""SASL authentication, https://ircv3.net/specs/extensions/sasl-3.2; its value lists the
mechanisms."""

ACCOUNT_REGISTRATION = "draft/account-registration"
"""The ``REGISTER`` command, https://ircv3.net/specs/extensions/account-registration;
its value depends on the configured registration and password rules; see
:func:`account_registration_value`."""

MIN_PASSWORD_KEY = "chinwag.im/min-password"
"""Our vendor key in the ``draft/account-registration`` value: the shortest password, in
characters, that ``REGISTER`` accepts."""

CHATHISTORY = "draft/chathistory"
"""The ``CHATHISTORY`` command, https://ircv3.net/specs/extensions/chathistory; a client with
it gets no automatic replay on JOIN."""

EVENT_PLAYBACK = "draft/event-playback"
"""History batches include JOIN, PART, KICK, TOPIC and MODE lines (chathistory spec)."""

READ_MARKER = "draft/read-marker"
"""The ``MARKREAD`` command, https://ircv3.net/specs/extensions/read-marker."""

SEARCH = "soju.im/search"
"""The ``SEARCH`` command, soju's search extension (doc/ext/search.md in soju's repository,
a work-in-progress vendor spec): a server-side search of the history the client may read."""

PRE_AWAY = "draft/pre-away"
"""``AWAY`` before connection registration completes, https://ircv3.net/specs/extensions/pre-away;
``AWAY *`` marks the user away with no reason given."""

EXTENDED_ISUPPORT = "draft/extended-isupport"
"""The ``ISUPPORT`` command, also before registration, and ``draft/isupport`` batches around
every RPL_ISUPPORT, https://ircv3.net/specs/extensions/extended-isupport."""

ISUPPORT_BATCH = "draft/isupport"
"""The batch type of the RPL_ISUPPORT lines (extended-isupport spec)."""

MESSAGE_REDACTION = "draft/message-redaction"
"""The ``REDACT`` command, https://ircv3.net/specs/extensions/message-redaction."""
CHANNEL_RENAME = "draft/channel-rename"
"""RENAME of a channel by its operators: https://ircv3.net/specs/extensions/channel-rename."""

MULTILINE = "draft/multiline"
"""Multiline messages, https://ircv3.net/specs/extensions/multiline; its value names the
configured limits (:func:`chinwag.protocol.multiline.cap_value`)."""

CHANNEL_FLOOD_LIMITS = "draft/channel-flood-limits"
"""Flood limits announced with ``CHANLIMITS`` (IRCv3 PR #589, work in progress, hence the
draft name): the connection's fakelag as network defaults, and channels' ``+f``."""

NO_IMPLICIT_NAMES = "no-implicit-names"
"""No NAMES reply after the client's own JOIN,
https://ircv3.net/specs/extensions/no-implicit-names."""

_SOJU = "https://codeberg.org/emersion/soju/src/branch/master/doc/ext/"

CAPABILITIES: tuple[Capability, ...] = (
    Capability("account-notify", _IRCV3 + "account-notify"),
    Capability(ACCOUNT_REGISTRATION, _IRCV3 + "account-registration", "before-connect"),
    Capability("account-tag", _IRCV3 + "account-tag"),
    Capability("away-notify", _IRCV3 + "away-notify"),
    Capability("batch", _IRCV3 + "batch"),
    Capability("cap-notify", _IRCV3 + "capability-negotiation#cap-notify"),
    Capability(CHANNEL_FLOOD_LIMITS, "https://github.com/ircv3/ircv3-specifications/pull/589"),
    Capability(CHATHISTORY, _IRCV3 + "chathistory"),
    Capability(EVENT_PLAYBACK, _IRCV3 + "chathistory"),
    Capability(METADATA, _IRCV3 + "metadata"),
    Capability(METADATA_3, "https://github.com/ircv3/ircv3-specifications/pull/613"),
    Capability(READ_MARKER, _IRCV3 + "read-marker"),
    Capability(EXTENDED_ISUPPORT, _IRCV3 + "extended-isupport"),
    Capability(PRE_AWAY, _IRCV3 + "pre-away"),
    Capability(MESSAGE_REDACTION, _IRCV3 + "message-redaction"),
    Capability("echo-message", _IRCV3 + "echo-message"),
    Capability("extended-join", _IRCV3 + "extended-join"),
    Capability("extended-monitor", _IRCV3 + "extended-monitor"),
    Capability("invite-notify", _IRCV3 + "invite-notify"),
    Capability("labeled-response", _IRCV3 + "labeled-response"),
    Capability("message-tags", _IRCV3 + "message-tags"),
    Capability("multi-prefix", _IRCV3 + "multi-prefix"),
    Capability(MULTILINE, _IRCV3 + "multiline", "max-bytes=4096,max-lines=100"),
    Capability(NO_IMPLICIT_NAMES, _IRCV3 + "no-implicit-names"),
    Capability(CHANNEL_RENAME, _IRCV3 + "channel-rename"),
    Capability(SASL, _IRCV3 + "sasl-3.2", "PLAIN,SCRAM-SHA-256,EXTERNAL"),
    Capability("server-time", _IRCV3 + "server-time"),
    Capability("setname", _IRCV3 + "setname"),
    Capability(SEARCH, _SOJU + "search.md"),
    Capability("standard-replies", _IRCV3 + "standard-replies"),
    Capability("userhost-in-names", _IRCV3 + "userhost-in-names"),
)

BY_NAME: dict[str, Capability] = {cap.name: cap for cap in CAPABILITIES}

STS = Capability("sts", _IRCV3 + "sts")
"""Strict Transport Security: advertised (with :func:`sts_value`) when the server has a TLS
listener and ``[tls] sts_duration``, but never in :data:`CAPABILITIES` or :data:`BY_NAME`:
it is a policy to read in ``CAP LS``, not something a client may ``REQ`` (the spec: "the
sts capability ... MUST NOT be requested"), so a request for it is refused (``NAK``)."""


def sts_value(secure: bool, port: int, duration: int, preload: bool) -> str:
    """The ``sts`` value for a connection (sts spec, "Server policy keys"): a plain one is
    told only where TLS is (``port``, which it must use to reconnect; ``duration`` would be
    ignored there), a secure one how long to keep to TLS (``duration``, and ``preload`` if
    the policy may be preloaded)."""
    if not secure:
        return f"port={port}"
    return f"duration={duration}" + (",preload" if preload else "")


STICKY: frozenset[str] = frozenset({"cap-notify"})
"""Capabilities a client cannot disable once version 302 enabled them implicitly."""


def metadata_value(
    max_subs: int, max_keys: int, max_value_bytes: int, max_key_bytes: int | None = None
) -> str:
    """The ``draft/metadata-2`` value: METADATA works before registration (``before-connect``)
    and the limits on subscriptions, keys per target and value size; with ``max_key_bytes``
    the ``draft/metadata-3`` value, which adds the longest key (its "Capability" section)."""
    keys = f",max-key-bytes={max_key_bytes}" if max_key_bytes is not None else ""
    return (
        f"before-connect,max-subs={max_subs},max-keys={max_keys}{keys},"
        f"max-value-bytes={max_value_bytes}"
    )


def account_registration_value(
    min_password: int, before_connect: bool = True, email_required: bool = False
) -> str:
    """The ``draft/account-registration`` value: ``before-connect`` if ``REGISTER`` works
    before connection registration, ``email-required`` if it needs an address to mail a
    ``VERIFY`` code to (``custom-account-name`` never: accounts are named after the nick),
    and the shortest password
    accepted, as the vendor key :data:`MIN_PASSWORD_KEY`, so that a client can refuse a
    too-short password in its prompt instead of after a round trip.

    The spec makes the value "a comma-separated list of key-value pairs" but defines no
    password keys, so ours is vendor-prefixed (IRCv3 vendor namespacing), and clients that do
    not know it ignore it. The capability rather than an ISUPPORT token because ``REGISTER``
    works before connection registration (``before-connect``), when ISUPPORT has not been
    sent yet.
    """
    keys = ["before-connect"] if before_connect else []
    if email_required:
        keys.append("email-required")
    keys.append(f"{MIN_PASSWORD_KEY}={min_password}")
    return ",".join(keys)


def value_keys(value: str | None) -> dict[str, str | None]:
    """The ``key[=value]`` pairs of a comma-separated capability value (the format of the
    account-registration, metadata and multiline drafts), by key; unknown keys are the
    caller's to ignore."""
    keys: dict[str, str | None] = {}
    for item in (value or "").split(","):
        key, equals, data = item.partition("=")
        if key:
            keys[key] = data if equals else None
    return keys

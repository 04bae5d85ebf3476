"""The input buffer of a stream connection: what one read brought, kept without a copy, cut a
slice at a time for the core, and nothing at all once it is handed over (issue 20: idle
connections are counted in thousands)."""

from __future__ import annotations

from typing import Any, cast

from chinwag.transport.tcp import IrcStreamProtocol


class _Link:
    """Records that the protocol told its link that input arrived."""

    def __init__(self) -> None:
        self.told = 0

    def received(self) -> None:
        self.told += 1


def _protocol() -> IrcStreamProtocol:
    protocol = IrcStreamProtocol(cast(Any, None), set(), cast(Any, None))
    protocol.link = cast(Any, _Link())
    return protocol


def test_a_read_handed_over_whole_leaves_no_buffer_behind() -> None:
    protocol = _protocol()
    protocol.data_received(b"NICK ana\r\nUSER a 0 * :A\r\n")
    assert protocol.pending()
    assert protocol.take(4096) == ["NICK ana", "USER a 0 * :A"]
    assert not protocol.pending()
    assert isinstance(protocol._buffer, bytes) and not protocol._buffer  # no buffer of its own


def test_a_large_read_is_handed_over_a_slice_at_a_time_in_order() -> None:
    protocol = _protocol()
    lines = [f"PRIVMSG #a :{index}" for index in range(1000)]
    protocol.data_received("".join(line + "\r\n" for line in lines[:600]).encode())
    protocol.data_received("".join(line + "\r\n" for line in lines[600:]).encode())
    taken = []
    while protocol.pending():
        taken += protocol.take(4096)
    assert taken == lines
    assert isinstance(protocol._buffer, bytes) and not protocol._buffer


def test_rest_and_clear_empty_the_buffer() -> None:
    protocol = _protocol()
    protocol.data_received(b"PING :a\r\nPING :b\r\nPIN")
    assert protocol.take(9) == ["PING :a"]
    assert protocol.rest() == ["PING :b"]
    assert not protocol.pending()
    protocol.data_received(b"PING :c\r\n")
    protocol.clear()
    assert not protocol.pending()

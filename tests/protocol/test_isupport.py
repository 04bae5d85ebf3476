"""ISUPPORT: the tokens we announce and how they are packed into 005 lines."""

from __future__ import annotations

import pytest

from chinwag.protocol import isupport
from chinwag.protocol.isupport import TOKENS_PER_LINE, SupportLimits, lines, tokens
from chinwag.protocol.message import Message


def make_limits(network: str = "TestNet", nicklen: int = 30) -> SupportLimits:
    return SupportLimits(
        network=network,
        nicklen=nicklen,
        channellen=64,
        topiclen=390,
        kicklen=255,
        awaylen=200,
        userlen=16,
        max_channels=50,
        max_targets=4,
        max_bans=100,
        monitor=100,
        max_list_modes=100,
        chathistory=50,
    )


def wire_005(server: str, nick: str, group: list[str]) -> bytes:
    return Message("005", (nick, *group, isupport.TRAILER), server).to_bytes()


def test_tokens_announce_the_limits() -> None:
    announced = tokens(make_limits())
    for token in [
        "CASEMAPPING=ascii",
        "NICKLEN=30",
        "NETWORK=TestNet",
        "CHANTYPES=#",
        "CHANMODES=Ibe,k,fl,CRimnst",
        "PREFIX=(ov)@+",
        "UTF8ONLY",
        "BOT=B",
        "MONITOR=100",
        "AWAYLEN=200",
        "TOPICLEN=390",
        "MAXTARGETS=4",
        "CHATHISTORY=50",
        "MSGREFTYPES=msgid,timestamp",
        "EXCEPTS=e",
        "INVEX=I",
        "EXTBAN=,am",
        "STATUSMSG=@+",
    ]:
        assert token in announced
    assert len(announced) == len(set(announced))
    names = [token.split("=")[0] for token in announced]
    assert len(names) == len(set(names))


def test_lines_hold_every_token_once_in_order() -> None:
    limits = make_limits()
    assert [token for group in lines(limits, "irc.test") for token in group] == tokens(limits)


def test_at_most_thirteen_tokens_per_line() -> None:
    assert all(len(group) <= TOKENS_PER_LINE for group in lines(make_limits(), "irc.test"))


@pytest.mark.parametrize("network_length", [7, 100, 200, 300, 350])
def test_every_line_fits_in_512_bytes(network_length: int) -> None:
    server = "irc." + "s" * 59  # a 63-character host name
    limits = make_limits(network="N" * network_length)
    groups = list(lines(limits, server))
    assert [t for group in groups for t in group] == tokens(limits)
    for group in groups:
        assert len(wire_005(server, "n" * 30, group)) <= 512


def test_no_line_is_empty() -> None:
    assert all(lines(make_limits("N" * 400), "irc.test"))

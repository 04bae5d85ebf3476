"""Small protocol slips answered properly (issue 24, item 12).

An empty ban mask gets an answer, an absurd channel limit is refused with
ERR_INVALIDMODEPARAM (Modern IRC "Channel mode", 696) while a sane one still works, and a
read marker of year 1 is echoed in the format the read-marker spec gives
(``YYYY-MM-DDThh:mm:ss.sssZ``, four digits of year).
"""

from __future__ import annotations

from tests.ircclient import IrcClient, is_
from tests.security.conftest import SecureFactory


async def test_an_empty_ban_mask_is_the_ban_list_query(start_server: SecureFactory) -> None:
    server = await start_server()
    op = await IrcClient.registered(server.addresses[0], "op", "#c")
    await op.send("MODE", "#c", "+b", "spammer!*@*")
    await op.expect(is_("MODE", "#c", "+b", "spammer!*@*"))
    await op.send("MODE", "#c", "+b", "")
    entry = await op.expect(is_("367", "op", "#c"))
    assert entry.params[2] == "spammer!*@*"
    await op.expect(is_("368", "op", "#c"))


async def test_an_absurd_limit_is_refused_and_a_sane_one_is_set(
    start_server: SecureFactory,
) -> None:
    server = await start_server()
    op = await IrcClient.registered(server.addresses[0], "op", "#c")
    absurd = "9" * 26
    await op.send("MODE", "#c", "+l", absurd)
    refused = await op.expect(is_("696", "op", "#c", "l", absurd))
    assert refused.params[-1]
    await op.send("MODE", "#c", "+l", "25")
    await op.expect(is_("MODE", "#c", "+l", "25"))
    await op.send("MODE", "#c")
    modes = await op.expect(is_("324", "op", "#c"))
    assert "l" in modes.params[2] and modes.params[-1] == "25"


async def test_a_read_marker_of_year_one_keeps_four_digits(start_server: SecureFactory) -> None:
    server = await start_server()
    ana = await IrcClient.connect(server.addresses[0])
    await ana.send("CAP", "REQ", "draft/read-marker")
    await ana.send("CAP", "END")
    await ana.register("ana")
    await ana.join("#c")
    await ana.send("MARKREAD", "#c", "timestamp=0001-01-01T00:00:00.000Z")
    answer = await ana.expect(is_("MARKREAD", "#c"))
    assert answer.params[1] == "timestamp=0001-01-01T00:00:00.000Z"
    # A later marker still moves it forward.
    await ana.send("MARKREAD", "#c", "timestamp=2024-05-06T07:08:09.010Z")
    later = await ana.expect(is_("MARKREAD", "#c"))
    assert later.params[1] == "timestamp=2024-05-06T07:08:09.010Z"

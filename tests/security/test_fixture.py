"""The security fixture itself: a restart keeps the port and the SQLite file."""

from __future__ import annotations

from tests.ircclient import IrcClient, is_
from tests.security.conftest import SecureFactory


async def test_a_restarted_server_listens_on_the_same_port_over_the_same_file(
    start_server: SecureFactory,
) -> None:
    first = await start_server()
    address = first.addresses[0]
    ana = await IrcClient.connect(address)
    await ana.register("ana")
    await ana.send("REGISTER", "*", "*", "hunter2hunter2")
    await ana.expect(is_("REGISTER", "SUCCESS"))
    await first.stop()
    second = await start_server()
    assert second.addresses == [address]
    again = await IrcClient.connect(second.addresses[0])
    await again.register("bob")
    await again.send("NickServ", "IDENTIFY", "ana", "hunter2hunter2")
    await again.expect(is_("900"))

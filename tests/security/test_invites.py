"""An invitation belongs to the person invited, and only a channel operator's lets anyone past
the room's rules (issue 24, item 10).

An invite is bound to the invited user's account if they are logged in, else to that very
user (connection), never to the nick: whoever takes the nick later neither joins with it nor
sees it. An invite from a member who is not a channel operator is a notification only: it
never gets anyone past a ban (``+b``) or the limit (``+l``). With always-on (issue 16) an
account's user stays when its owner leaves, holding the nick: the invite waits for the
account's next login, and nobody else can take the nick to get at it.
"""

from __future__ import annotations

from tests.ircclient import IrcClient, is_
from tests.security.conftest import NOT_ALWAYS_ON, SecureFactory

PASSWORD = "hunter2hunter2"


async def invite_list(client: IrcClient) -> list[str]:
    """The channels ``INVITE`` (without parameters) says the client is invited to."""
    await client.send("INVITE")
    channels: list[str] = []
    while True:
        line = await client.expect(lambda line: line.command in ("336", "337"))
        if line.command == "337":
            return channels
        channels.append(line.params[1])


async def test_an_invite_does_not_pass_to_the_next_holder_of_the_nick(
    start_server: SecureFactory,
) -> None:
    server = await start_server()
    address = server.addresses[0]
    op = await IrcClient.registered(address, "op", "#club")
    await op.send("MODE", "#club", "+i")
    await op.expect(is_("MODE", "#club", "+i"))
    vip = await IrcClient.registered(address, "vip")
    await op.send("INVITE", "vip", "#club")
    await vip.expect(is_("INVITE", "vip", "#club"))
    await vip.send("NICK", "vip_away")
    await vip.expect(is_("NICK", "vip_away"))
    mallory = await IrcClient.registered(address, "vip")
    assert await invite_list(mallory) == []
    await mallory.send("JOIN", "#club")
    await mallory.expect(is_("473", "vip", "#club"))
    # The person invited still gets in, under whatever nick.
    assert await invite_list(vip) == ["#club"]
    await vip.join("#club")
    await op.expect(lambda line: line.command == "JOIN" and line.source.startswith("vip_away!"))


async def test_an_invite_to_an_account_follows_the_account_not_the_nick(
    start_server: SecureFactory,
) -> None:
    server = await start_server(accounts=NOT_ALWAYS_ON)
    address = server.addresses[0]
    vip = await IrcClient.registered(address, "vip")
    await vip.send("REGISTER", "*", "*", PASSWORD)
    await vip.expect(is_("REGISTER", "SUCCESS", "vip"))
    op = await IrcClient.registered(address, "op", "#club")
    await op.send("MODE", "#club", "+i")
    await op.expect(is_("MODE", "#club", "+i"))
    await op.send("INVITE", "vip", "#club")
    await vip.expect(is_("INVITE", "vip", "#club"))
    await vip.send("QUIT")
    await vip.expect_closed()
    # Someone takes the nick (not the account) while its owner is away.
    mallory = await IrcClient.registered(address, "vip")
    assert await invite_list(mallory) == []
    await mallory.send("JOIN", "#club")
    await mallory.expect(is_("473", "vip", "#club"))
    await mallory.send("QUIT")
    await mallory.expect_closed()
    # The owner comes back on a new connection, logs in, and the invitation is there.
    back = await IrcClient.registered(address, "vip_phone")
    await back.send("PRIVMSG", "NickServ", f"IDENTIFY vip {PASSWORD}")
    await back.expect(is_("900"))
    assert await invite_list(back) == ["#club"]
    await back.join("#club")


async def test_an_invite_to_an_always_on_account_waits_for_its_login_and_no_one_else(
    start_server: SecureFactory,
) -> None:
    server = await start_server()
    address = server.addresses[0]
    vip = await IrcClient.registered(address, "vip")
    await vip.send("REGISTER", "*", "*", PASSWORD)
    await vip.expect(is_("REGISTER", "SUCCESS", "vip"))
    await vip.send("QUIT")
    await vip.expect_closed()
    op = await IrcClient.registered(address, "op", "#club")
    await op.send("MODE", "#club", "+i")
    await op.expect(is_("MODE", "#club", "+i"))
    # vip is gone but still here (always-on): the invite is the account's.
    await op.send("INVITE", "vip", "#club")
    await op.expect(is_("341", "op", "vip", "#club"))
    mallory = await IrcClient.connect(address)
    await mallory.send("NICK", "vip")
    await mallory.expect(is_("433", "*", "vip"))
    await mallory.register("mallory")
    await mallory.send("NICK", "vip")
    await mallory.expect(is_("433", "mallory", "vip"))
    assert await invite_list(mallory) == []
    await mallory.send("JOIN", "#club")
    await mallory.expect(is_("473", "mallory", "#club"))
    # The owner logs in from a new connection: the invitation is there, and it lets her in.
    back = await IrcClient.registered(address, "vip_phone")
    await back.send("PRIVMSG", "NickServ", f"IDENTIFY vip {PASSWORD}")
    await back.expect(is_("900"))
    await back.expect(is_("NICK", "vip"))
    assert await invite_list(back) == ["#club"]
    await back.send("JOIN", "#club")
    await op.expect(lambda line: line.command == "JOIN" and line.source.startswith("vip!"))


async def test_an_invite_from_a_member_who_is_not_an_operator_passes_neither_limit_nor_ban(
    start_server: SecureFactory,
) -> None:
    server = await start_server()
    address = server.addresses[0]
    op = await IrcClient.registered(address, "op", "#room")
    bob = await IrcClient.registered(address, "bob", "#room")
    carol = await IrcClient.registered(address, "carol")
    await op.send("MODE", "#room", "+l", "2")
    await op.expect(is_("MODE", "#room", "+l", "2"))
    await bob.send("INVITE", "carol", "#room")
    await carol.expect(is_("INVITE", "carol", "#room"))
    await carol.send("JOIN", "#room")
    await carol.expect(is_("471", "carol", "#room"))
    await op.send("MODE", "#room", "-l+b", "carol!*@*")
    await op.expect(is_("MODE", "#room", "-l+b", "carol!*@*"))
    await bob.send("INVITE", "carol", "#room")
    await carol.expect(is_("INVITE", "carol", "#room"))
    await carol.send("JOIN", "#room")
    await carol.expect(is_("474", "carol", "#room"))
    # The channel operator's invitation is what lets carol in.
    await op.send("INVITE", "carol", "#room")
    await carol.expect(is_("INVITE", "carol", "#room"))
    await carol.join("#room")

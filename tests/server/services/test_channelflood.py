"""Channel flood protection ``+f <lines>:<seconds>`` and the limits announced with
``CHANLIMITS`` (draft/channel-flood-limits): a sender past the limit is muted for a while,
told so with 404, never kicked; voiced members and operators are exempt."""

from __future__ import annotations

from chinwag.protocol import numerics as n
from tests.server.harness import Client, Harness

CAP = "draft/channel-flood-limits"


def said(client: Client) -> list[str]:
    return [message.params[1] for message in client.take() if message.command == "PRIVMSG"]


def flooded_room(**limits: object) -> tuple[Harness, Client, Client, Client]:
    """ana (operator) set ``+f 3:10`` on #room, where bo and cy are plain members."""
    h = Harness(channel_flood_mute=30.0, **limits)
    ana, bo, cy = h.room("ana", "bo", "cy")
    ana.send("MODE #room +f 3:10")
    for client in (ana, bo, cy):
        client.take()
    return h, ana, bo, cy


def test_setting_f_is_announced_and_shown_in_the_channel_modes() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    ana.send("MODE #room +f 5:10")
    assert ana.lines() == [("MODE", "#room", "+f", "5:10")]
    assert bo.lines() == [("MODE", "#room", "+f", "5:10")]
    bo.send("MODE #room")
    assert bo.lines()[0] == (n.RPL_CHANNELMODEIS, "bo", "#room", "+ntf", "5:10")


def test_a_bad_f_setting_is_refused_with_696() -> None:
    h = Harness()
    (ana,) = h.room("ana")
    for bad in ("5", "0:10", "5:0", "x:y", "5:10:2", "99999999999999:1", "1001:5"):
        ana.send(f"MODE #room +f {bad}")
        replies = ana.lines()
        assert replies[0][0] == n.ERR_INVALIDMODEPARAM, bad
    assert h.channel("#room").flood is None


def test_only_channel_operators_set_f() -> None:
    h = Harness()
    _ana, bo = h.room("ana", "bo")
    bo.send("MODE #room +f 5:10")
    assert bo.lines()[0][0] == n.ERR_CHANOPRIVSNEEDED
    assert h.channel("#room").flood is None


def test_a_sender_past_the_limit_is_muted_with_404_saying_how_long_and_not_kicked() -> None:
    h, ana, bo, cy = flooded_room()
    bo.send(*(f"PRIVMSG #room :{i}" for i in range(5)))
    assert said(cy) == ["0", "1", "2"]
    refusals = [line for line in bo.lines() if line[0] == n.ERR_CANNOTSENDTOCHAN]
    assert len(refusals) == 2
    assert "muted for 30 seconds" in refusals[0][-1]
    assert "more seconds" in refusals[1][-1]
    assert h.user("bo") in h.channel("#room").members  # muted, not kicked
    # Others speak on.
    cy.send("PRIVMSG #room :me too")
    assert said(ana)[-1] == "me too"


def test_the_mute_ends_after_its_time() -> None:
    h, _ana, bo, cy = flooded_room()
    bo.send(*(f"PRIVMSG #room :{i}" for i in range(4)))
    said(cy)
    h.clock.advance(20.0)
    bo.send("PRIVMSG #room :still muted")
    assert said(cy) == []
    assert "muted for 10 more seconds" in bo.lines()[-1][-1]
    h.clock.advance(11.0)
    bo.send("PRIVMSG #room :back")
    assert said(cy) == ["back"]


def test_leaving_and_coming_back_does_not_lift_the_mute() -> None:
    _h, _ana, bo, cy = flooded_room()
    bo.send(*(f"PRIVMSG #room :{i}" for i in range(4)))
    bo.send("PART #room", "JOIN #room")
    bo.take()
    said(cy)
    bo.send("PRIVMSG #room :again")
    assert said(cy) == []


def test_voiced_members_and_operators_are_exempt() -> None:
    _h, ana, bo, cy = flooded_room()
    ana.send("MODE #room +v bo")
    ana.send(*(f"PRIVMSG #room :op {i}" for i in range(10)))
    bo.send(*(f"PRIVMSG #room :voice {i}" for i in range(10)))
    texts = said(cy)
    assert len([t for t in texts if t.startswith("op")]) == 10
    assert len([t for t in texts if t.startswith("voice")]) == 10


def test_typing_notices_do_not_count_and_a_slow_sender_is_never_muted() -> None:
    h, _ana, bo, cy = flooded_room()
    bo.send(*("@+typing=active TAGMSG #room" for _ in range(10)))
    for i in range(20):
        bo.send(f"PRIVMSG #room :{i}")
        h.clock.advance(4.0)
    assert said(cy) == [str(i) for i in range(20)]


def test_removing_f_lifts_the_mutes() -> None:
    _h, ana, bo, cy = flooded_room()
    bo.send(*(f"PRIVMSG #room :{i}" for i in range(4)))
    ana.send("MODE #room -f")
    said(cy)
    bo.send("PRIVMSG #room :free")
    assert said(cy) == ["free"]


# -- CHANLIMITS (draft/channel-flood-limits) ------------------------------------------------


def test_the_network_defaults_follow_the_welcome_for_clients_with_the_capability() -> None:
    h = Harness(fakelag=True, flood_burst=20, flood_rate=2.0)
    with_cap = h.connect().register("ana", [CAP])
    lines = with_cap.lines()
    assert ("CHANLIMITS", "*", "user:message=20/10") in lines
    assert lines.index(("CHANLIMITS", "*", "user:message=20/10")) > [
        line[0] for line in lines
    ].index(n.RPL_WELCOME)
    without = h.connect().register("bo")
    assert not [line for line in without.lines() if line[0] == "CHANLIMITS"]


def test_without_fakelag_the_network_has_no_limits() -> None:
    h = Harness(fakelag=False)
    ana = h.connect().register("ana", [CAP])
    assert ("CHANLIMITS", "*", "*") in ana.lines()
    exempt = Harness(fakelag=True, flood_exempt_cidrs=("192.0.2.0/24",))
    bot = exempt.connect("192.0.2.1").register("bot", [CAP])
    assert ("CHANLIMITS", "*", "*") in bot.lines()


def test_joining_a_channel_with_f_tells_the_stricter_limit() -> None:
    h = Harness(fakelag=True, flood_burst=20, flood_rate=2.0)
    ana = h.client("ana", [CAP])
    ana.send("JOIN #room", "MODE #room +f 3:10")
    bo = h.client("bo", [CAP])
    bo.send("JOIN #room")
    assert ("CHANLIMITS", "#room", "user:message=3/10") in bo.lines()
    # Lax +f: the connection's own fakelag is the stricter.
    ana.send("MODE #room +f 100:10")
    assert ("CHANLIMITS", "#room", "user:message=20/10") in bo.lines()


def test_changes_are_told_to_members_with_the_capability_and_operators_are_unlimited() -> None:
    h = Harness()
    ana, bo = h.client("ana", [CAP]), h.client("bo", [CAP])
    cy = h.client("cy")
    h.join("#room", ana, bo, cy)
    ana.send("MODE #room +f 3:10")
    assert ("CHANLIMITS", "#room", "*") in ana.lines()  # an operator: exempt
    assert ("CHANLIMITS", "#room", "user:message=3/10") in bo.lines()
    assert not [line for line in cy.lines() if line[0] == "CHANLIMITS"]
    ana.send("MODE #room +v bo")
    assert ("CHANLIMITS", "#room", "*") in bo.lines()
    ana.send("MODE #room -v bo")
    assert ("CHANLIMITS", "#room", "user:message=3/10") in bo.lines()
    ana.send("MODE #room -f")
    assert ("CHANLIMITS", "#room", "*") in bo.lines()

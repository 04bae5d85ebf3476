"""Server state classes: a channel's list of member sessions follows every change of
membership, and stays the same list while nothing changes."""

from __future__ import annotations

from chinwag.protocol.casemap import fold
from chinwag.server.lines import Lines
from chinwag.server.state import Channel, ChannelRegistration, User
from tests.server.commands.test_messaging import second_device
from tests.server.harness import Harness


def test_the_member_list_is_one_list_while_nothing_changes() -> None:
    h = Harness()
    h.room("ana", "bo")
    channel = h.channel("#room")
    assert channel.all_sessions is channel.all_sessions
    assert [s.target for s in channel.all_sessions] == ["ana", "bo"]


def test_the_member_list_follows_joins_parts_and_quits() -> None:
    h = Harness()
    ana, bo = h.room("ana", "bo")
    channel = h.channel("#room")
    before = channel.all_sessions
    cy = h.client("cy")
    cy.send("JOIN #room")
    assert [s.target for s in channel.all_sessions] == ["ana", "bo", "cy"]
    assert [s.target for s in before] == ["ana", "bo"]  # a list handed out never changes
    bo.send("PART #room")
    assert [s.target for s in channel.all_sessions] == ["ana", "cy"]
    cy.send("QUIT :bye")
    assert [s.target for s in channel.all_sessions] == ["ana"]
    ana.send("KICK #room ana")
    assert h.core.network.find_channel("#room") is None


def test_the_member_list_follows_a_members_devices() -> None:
    h = Harness()
    h.room("ana", "bo")
    channel = h.channel("#room")
    phone = second_device(h, "ana")
    assert phone.session in channel.all_sessions
    phone.send("QUIT :phone off")
    assert phone.session not in channel.all_sessions
    assert [s.target for s in channel.all_sessions] == ["ana", "bo"]


# -- Lines: output shared by many outboxes -------------------------------------------------------


def test_lines_know_their_size_and_bytes_back_to_back() -> None:
    lines = Lines([b"PING :a\r\n", b"PING :bc\r\n"])
    assert lines.size == 19 and len(lines.items) == 2
    assert lines.data == b"PING :a\r\nPING :bc\r\n"
    assert lines.data is lines.data  # joined once, however many outboxes ask


def test_lines_joined_from_pieces_keep_their_order_both_ways() -> None:
    run = Lines([b"PRIVMSG #a :1\r\n", b"PRIVMSG #a :2\r\n"])
    turn = Lines.joining([b"NOTICE x :before\r\n", run, b"PING :after\r\n"], 0)
    assert turn.data == b"NOTICE x :before\r\nPRIVMSG #a :1\r\nPRIVMSG #a :2\r\nPING :after\r\n"
    assert turn.items == [
        b"NOTICE x :before\r\n",
        b"PRIVMSG #a :1\r\n",
        b"PRIVMSG #a :2\r\n",
        b"PING :after\r\n",
    ]
    assert run.items == [b"PRIVMSG #a :1\r\n", b"PRIVMSG #a :2\r\n"]  # shared piece untouched


def test_an_invitation_is_bound_to_the_person_not_the_nick() -> None:
    channel = Channel("#club")
    vip = User("vip", "~vip", "host", "V")
    channel.invite(vip, by_operator=True)
    vip.nick = "vip_away"
    assert channel.invitation(vip) is True
    assert channel.invitation(User("vip", "~m", "host", "M")) is None


def test_an_invitation_to_a_logged_in_user_is_bound_to_their_account() -> None:
    channel = Channel("#club")
    vip = User("vip", "~vip", "host", "V")
    vip.account, vip.account_id = "VIP", "1f"
    channel.invite(vip, by_operator=False)
    again = User("vip_phone", "~vip", "host", "V")
    again.account, again.account_id = "vip", "1f"
    assert channel.invitation(again) is False  # invited, but not by an operator
    # A later account of the same name (another id) is someone else.
    heir = User("vip", "~vip", "host", "V")
    heir.account, heir.account_id = "vip", "2e"
    assert channel.invitation(heir) is None
    channel.invite(again, by_operator=True)
    assert channel.invitation(vip) is True
    channel.uninvite(again)
    assert channel.invitation(vip) is None


def test_a_registration_gives_the_founder_op_and_the_access_list_its_status() -> None:
    registration = ChannelRegistration("Ana", 1, {fold("bo"): "v", fold("cy"): "o"})
    assert registration.status_for("ANA") == "o"
    assert registration.status_for("Bo") == "v"
    assert registration.status_for("cy") == "o"
    assert registration.status_for("eve") == ""
    assert registration.status_for(None) == ""


def test_idle_users_share_their_empty_sets_until_one_changes() -> None:
    # Issue 20: an empty set per connection costs 216 bytes; the idle ones share one.
    h = Harness()
    ana_client, _bo_client = h.room("ana", "bo")
    ana, bo = h.user("ana"), h.user("bo")
    assert ana.modes is bo.modes
    assert ana.sessions[0].caps is bo.sessions[0].caps
    assert ana.sessions[0].monitoring is bo.sessions[0].monitoring
    assert ana.sessions[0].metadata_subs is bo.sessions[0].metadata_subs
    ana_client.send("MODE ana +i")
    assert ana.modes == {"i"} and bo.modes == set()


def test_members_with_the_same_status_share_it_and_a_change_is_theirs_alone() -> None:
    h = Harness()
    h.room("ana", "bo", "cy")
    room = h.channel("#room")
    ana, bo, cy = h.user("ana"), h.user("bo"), h.user("cy")
    assert room.members[bo] is room.members[cy]
    assert room.set_status(bo, "v", True)
    assert not room.set_status(bo, "v", True)  # had it already
    assert (room.members[ana], room.members[bo], room.members[cy]) == ({"o"}, {"v"}, set())
    assert room.set_status(bo, "v", False)
    assert room.members[bo] is room.members[cy]


def test_an_idle_registered_user_keeps_no_empty_dicts_until_it_needs_one() -> None:
    # Issue 20: an empty dict costs 64 bytes, idle connections are counted in thousands.
    h = Harness()
    h.room("ana", "bo")
    ana = h.user("ana")
    session = ana.sessions[0]
    assert session.metadata is None  # nothing set before registering
    assert ana.read_markers is None and ana.marker(fold("#room")) is None
    assert ana.nick_claims is None
    ana.move_marker(fold("#room"), 1234.5)
    assert ana.marker(fold("#room")) == 1234.5
    assert h.user("bo").read_markers is None  # one user's marker is theirs alone

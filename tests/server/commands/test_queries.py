"""WHO (with WHOX), WHOIS, WHOWAS, ISON and USERHOST, as Modern IRC and IRCv3 describe them.

References: https://modern.ircdocs.horse/#user-based-queries, https://ircv3.net/specs/extensions/whox,
https://ircv3.net/specs/extensions/multi-prefix, https://ircv3.net/specs/extensions/bot-mode.
"""

from __future__ import annotations

import time

from tests.server.harness import ADDRESS, HOST, Harness


def who_reply(asker: str, channel: str, nick: str, flags: str) -> tuple[str, ...]:
    return ("352", asker, channel, f"~{nick}", HOST, "irc.test", nick, flags, f"0 {nick} Example")


# -- WHO ------------------------------------------------------------------------------------


def test_who_channel_lists_every_member_with_its_prefix_then_the_end() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.join("#tea", ana, bo)

    bo.send("WHO #tea")

    assert bo.lines() == [
        who_reply("bo", "#tea", "ana", "H@"),
        who_reply("bo", "#tea", "bo", "H"),
        ("315", "bo", "#tea", "End of WHO list"),
    ]


def test_who_shows_only_the_highest_prefix_without_multi_prefix() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.join("#tea", ana)
    h.core.network.channels["#tea"].set_status(h.user("ana"), "v", True)

    bo.send("WHO #tea")

    assert bo.lines()[0] == who_reply("bo", "#tea", "ana", "H@")


def test_who_shows_every_prefix_with_multi_prefix() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo", caps=["multi-prefix"])
    h.join("#tea", ana)
    h.core.network.channels["#tea"].set_status(h.user("ana"), "v", True)

    bo.send("WHO #tea")

    assert bo.lines()[0] == who_reply("bo", "#tea", "ana", "H@+")


def test_who_flags_mark_away_operator_and_bot_in_spec_order() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.join("#tea", ana)
    ana.send("AWAY :lunch")
    h.user("ana").modes |= {"o", "B"}

    bo.send("WHO #tea")

    assert bo.lines()[0] == who_reply("bo", "#tea", "ana", "G*@B")


def test_who_exact_nick_names_a_channel_they_are_in() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.join("#tea", ana)

    bo.send("WHO ANA")

    assert bo.lines() == [
        who_reply("bo", "#tea", "ana", "H@"),
        ("315", "bo", "ANA", "End of WHO list"),
    ]


def test_who_exact_nick_without_channels_uses_a_star() -> None:
    h = Harness()
    h.client("ana")
    bo = h.client("bo")

    bo.send("WHO ana")

    assert bo.lines()[0] == who_reply("bo", "*", "ana", "H")


def test_who_does_not_name_a_secret_channel_the_asker_is_not_in() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.join("#hidden", ana)
    h.core.network.channels["#hidden"].modes.add("s")

    bo.send("WHO ana")

    assert bo.lines()[0] == who_reply("bo", "*", "ana", "H")


def test_who_unknown_nick_or_channel_gives_only_the_end() -> None:
    h = Harness()
    bo = h.client("bo")

    bo.send("WHO nobody", "WHO #nowhere")

    assert bo.lines() == [
        ("315", "bo", "nobody", "End of WHO list"),
        ("315", "bo", "#nowhere", "End of WHO list"),
    ]


def test_who_mask_matches_nick_username_host_and_realname() -> None:
    h = Harness()
    h.client("ana")
    h.client("bo")
    cy = h.client("cy")
    h.user("bo").realname = "Bo the Builder"

    cy.send("WHO a*", "WHO ~b*", "WHO *builder*", "WHO *.cloak")

    builder = (*who_reply("cy", "*", "bo", "H")[:-1], "0 Bo the Builder")
    assert cy.lines() == [
        who_reply("cy", "*", "ana", "H"),
        ("315", "cy", "a*", "End of WHO list"),
        builder,
        ("315", "cy", "~b*", "End of WHO list"),
        builder,
        ("315", "cy", "*builder*", "End of WHO list"),
        who_reply("cy", "*", "ana", "H"),
        builder,
        who_reply("cy", "*", "cy", "H"),
        ("315", "cy", "*.cloak", "End of WHO list"),
    ]


def test_who_mask_hides_invisible_users_who_share_no_channel() -> None:
    h = Harness()
    h.client("ana")
    bo = h.client("bo")
    h.user("ana").modes |= {"i"}

    bo.send("WHO *")

    assert bo.lines() == [who_reply("bo", "*", "bo", "H"), ("315", "bo", "*", "End of WHO list")]


def test_who_mask_shows_invisible_users_who_share_a_channel() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.user("ana").modes |= {"i"}
    h.join("#tea", ana, bo)

    bo.send("WHO a*")

    assert bo.lines()[0] == who_reply("bo", "#tea", "ana", "H@")


def test_who_exact_nick_finds_an_invisible_user() -> None:
    h = Harness()
    h.client("ana")
    bo = h.client("bo")
    h.user("ana").modes |= {"i"}

    bo.send("WHO ana")

    assert bo.lines()[0] == who_reply("bo", "*", "ana", "H")


def test_who_channel_from_outside_hides_invisible_members() -> None:
    h = Harness()
    ana, bo, cy = h.client("ana"), h.client("bo"), h.client("cy")
    h.join("#tea", ana, bo)
    h.user("bo").modes |= {"i"}

    cy.send("WHO #tea")

    assert cy.lines() == [
        who_reply("cy", "#tea", "ana", "H@"),
        ("315", "cy", "#tea", "End of WHO list"),
    ]


def test_who_secret_channel_from_outside_lists_nobody() -> None:
    h = Harness()
    ana, cy = h.client("ana"), h.client("cy")
    h.join("#hidden", ana)
    h.core.network.channels["#hidden"].modes.add("s")

    cy.send("WHO #hidden")

    assert cy.lines() == [("315", "cy", "#hidden", "End of WHO list")]


def test_who_o_flag_lists_only_operators() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.join("#tea", ana, bo)
    h.user("bo").modes |= {"o"}

    ana.send("WHO #tea o")

    assert ana.lines() == [
        who_reply("ana", "#tea", "bo", "H*"),
        ("315", "ana", "#tea", "End of WHO list"),
    ]


def test_who_without_a_mask_lists_every_visible_user() -> None:
    h = Harness()
    h.client("ana")
    bo = h.client("bo")

    bo.send("WHO")

    assert bo.lines() == [
        who_reply("bo", "*", "ana", "H"),
        who_reply("bo", "*", "bo", "H"),
        ("315", "bo", "*", "End of WHO list"),
    ]


# -- WHOX -----------------------------------------------------------------------------------


def test_whox_returns_every_field_in_canonical_order_with_the_token() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.join("#tea", ana, bo)
    h.user("bo").account = "bob"

    ana.send("WHO #tea %tcuihsnfdlaor,42")

    assert ana.lines() == [
        (
            "354",
            "ana",
            "42",
            "#tea",
            "~ana",
            ADDRESS,  # her own address: WHOX "i" shows it to her and operators only
            HOST,
            "irc.test",
            "ana",
            "H@",
            "0",
            "0",
            "0",
            "n/a",
            "ana Example",
        ),
        (
            "354",
            "ana",
            "42",
            "#tea",
            "~bo",
            "255.255.255.255",
            HOST,
            "irc.test",
            "bo",
            "H",
            "0",
            "0",
            "bob",
            "n/a",
            "bo Example",
        ),
        ("315", "ana", "#tea", "End of WHO list"),
    ]


def test_whox_orders_fields_canonically_whatever_order_they_are_asked_in() -> None:
    h = Harness()
    h.client("ana")
    bo = h.client("bo")

    bo.send("WHO ana %nacu")

    assert bo.lines() == [
        ("354", "bo", "*", "~ana", "ana", "0"),
        ("315", "bo", "ana", "End of WHO list"),
    ]


def test_whox_without_a_token_answers_t_with_zero_and_ignores_unknown_fields() -> None:
    h = Harness()
    h.client("ana")
    bo = h.client("bo")

    bo.send("WHO ana %tnXZ")

    assert bo.lines()[0] == ("354", "bo", "0", "ana")


def test_whox_reports_idle_seconds() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    ana.session.last_message = time.time() - 300

    bo.send("WHO ana %nl")

    reply = bo.lines()[0]
    assert reply[:3] == ("354", "bo", "ana")
    assert 300 <= int(reply[3]) <= 302


def test_whox_combines_with_the_o_flag() -> None:
    h = Harness()
    h.client("ana")
    h.client("bo")
    cy = h.client("cy")
    h.user("bo").modes |= {"o"}

    cy.send("WHO * o%n")

    assert cy.lines() == [("354", "cy", "bo"), ("315", "cy", "*", "End of WHO list")]


# -- WHOIS ----------------------------------------------------------------------------------


def test_whois_of_a_plain_user() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    h.join("#tea", ana, bo)
    bo.session.last_message = time.time() - 120
    signon = h.user("bo").signon

    ana.send("WHOIS bo")

    replies = ana.lines()
    idle = replies[3]
    assert replies[:3] == [
        ("311", "ana", "bo", "~bo", HOST, "*", "bo Example"),
        ("319", "ana", "bo", "#tea"),
        ("312", "ana", "bo", "irc.test", "a chinwag chat server"),
    ]
    assert idle[:3] == ("317", "ana", "bo")
    assert 120 <= int(idle[3]) <= 122
    assert idle[4:] == (str(signon), "seconds idle, signon time")
    assert replies[4:] == [("318", "ana", "bo", "End of /WHOIS list")]


def test_whois_of_an_away_operator_bot_with_an_account() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    bo.send("AWAY :gone fishing")
    target = h.user("bo")
    target.modes |= {"o", "B"}
    target.account = "bob"

    ana.send("WHOIS bo")

    replies = [reply for reply in ana.lines() if reply[0] != "317"]
    assert replies == [
        ("311", "ana", "bo", "~bo", HOST, "*", "bo Example"),
        ("312", "ana", "bo", "irc.test", "a chinwag chat server"),
        ("313", "ana", "bo", "is an IRC operator"),
        ("301", "ana", "bo", "gone fishing"),
        ("330", "ana", "bo", "bob", "is logged in as"),
        ("335", "ana", "bo", "is a bot on TestNet"),
        ("318", "ana", "bo", "End of /WHOIS list"),
    ]


def test_whois_channels_carry_prefixes_and_all_of_them_with_multi_prefix() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo", caps=["multi-prefix"])
    cy = h.client("cy")
    h.join("#tea", ana)
    h.join("#cake", cy, ana)
    h.core.network.channels["#tea"].set_status(h.user("ana"), "v", True)

    bo.send("WHOIS ana")
    cy.send("WHOIS ana")

    assert ("319", "bo", "ana", "@+#tea #cake") in bo.lines()
    assert ("319", "cy", "ana", "@#tea #cake") in cy.lines()


def test_whois_hides_secret_channels_the_asker_is_not_in() -> None:
    h = Harness()
    ana, bo, cy = h.client("ana"), h.client("bo"), h.client("cy")
    h.join("#public", ana)
    h.join("#hidden", ana, bo)
    h.core.network.channels["#hidden"].modes.add("s")

    cy.send("WHOIS ana")
    bo.send("WHOIS ana")

    assert ("319", "cy", "ana", "@#public") in cy.lines()
    assert ("319", "bo", "ana", "@#public @#hidden") in bo.lines()


def test_whois_without_visible_channels_sends_no_channel_line() -> None:
    h = Harness()
    h.client("ana")
    bo = h.client("bo")

    bo.send("WHOIS ana")

    assert "319" not in [reply[0] for reply in bo.lines()]


def test_whois_unknown_nick_is_no_such_nick_then_the_end() -> None:
    h = Harness()
    bo = h.client("bo")

    bo.send("WHOIS Nobody")

    assert bo.lines() == [
        ("401", "bo", "Nobody", "No such nick/channel"),
        ("318", "bo", "Nobody", "End of /WHOIS list"),
    ]


def test_whois_end_repeats_the_nick_exactly_as_asked() -> None:
    h = Harness()
    h.client("ana")
    bo = h.client("bo")

    bo.send("WHOIS ANA")

    replies = bo.lines()
    assert replies[0][:3] == ("311", "bo", "ana")
    assert replies[-1] == ("318", "bo", "ANA", "End of /WHOIS list")


def test_whois_with_a_server_accepts_this_server_or_a_nick() -> None:
    h = Harness()
    h.client("ana")
    bo = h.client("bo")

    bo.send("WHOIS irc.test ana")
    first = bo.lines()
    bo.send("WHOIS ana ana")
    second = bo.lines()

    assert first[0][:3] == second[0][:3] == ("311", "bo", "ana")
    assert first[-1] == second[-1] == ("318", "bo", "ana", "End of /WHOIS list")


def test_whois_with_an_unknown_server_is_no_such_server() -> None:
    h = Harness()
    h.client("ana")
    bo = h.client("bo")

    bo.send("WHOIS elsewhere.example ana")

    assert bo.lines() == [("402", "bo", "elsewhere.example", "No such server")]


def test_whois_without_a_nick_is_no_nickname_given() -> None:
    h = Harness()
    bo = h.client("bo")

    bo.send("WHOIS")

    assert bo.lines() == [("431", "bo", "No nickname given")]


# -- WHOWAS ---------------------------------------------------------------------------------


def test_whowas_remembers_a_user_who_left() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    bo.send("QUIT :bye")

    ana.send("WHOWAS BO")

    replies = ana.lines()
    assert replies[0] == ("314", "ana", "bo", "~bo", HOST, "*", "bo Example")
    assert replies[1][:4] == ("312", "ana", "bo", "irc.test")
    assert replies[2:] == [("369", "ana", "BO", "End of WHOWAS")]


def test_whowas_remembers_a_nick_given_up_by_a_nick_change() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    bo.send("NICK robert")

    ana.send("WHOWAS bo")

    assert ana.lines()[0] == ("314", "ana", "bo", "~bo", HOST, "*", "bo Example")


def test_whowas_lists_most_recent_first_and_honours_the_count() -> None:
    h = Harness()
    ana = h.client("ana")
    for realname in ("First Bo", "Second Bo"):
        bo = h.client("bo")
        bo.send(f"SETNAME :{realname}", "QUIT")

    ana.send("WHOWAS bo")
    every = [reply for reply in ana.lines() if reply[0] == "314"]
    ana.send("WHOWAS bo 1")
    one = [reply for reply in ana.lines() if reply[0] == "314"]

    assert [reply[-1] for reply in every] == ["Second Bo", "First Bo"]
    assert [reply[-1] for reply in one] == ["Second Bo"]


def test_whowas_unknown_nick_is_was_no_such_nick_then_the_end() -> None:
    h = Harness()
    ana = h.client("ana")

    ana.send("WHOWAS ghost")

    assert ana.lines() == [
        ("406", "ana", "ghost", "There was no such nickname"),
        ("369", "ana", "ghost", "End of WHOWAS"),
    ]


def test_whowas_needs_a_nick() -> None:
    h = Harness()
    ana = h.client("ana")

    ana.send("WHOWAS")

    assert ana.lines() == [("461", "ana", "WHOWAS", "Not enough parameters")]


# -- ISON -----------------------------------------------------------------------------------


def test_ison_lists_the_online_nicks_as_their_owners_spell_them() -> None:
    h = Harness()
    h.client("Ana")
    bo = h.client("bo")

    bo.send("ISON ana ghost BO")

    assert bo.lines() == [("303", "bo", "Ana bo")]


def test_ison_accepts_nicks_in_one_trailing_parameter() -> None:
    h = Harness()
    h.client("ana")
    bo = h.client("bo")

    bo.send("ISON :ghost ana")

    assert bo.lines() == [("303", "bo", "ana")]


def test_ison_with_nobody_online_is_an_empty_reply() -> None:
    h = Harness()
    bo = h.client("bo")

    bo.send("ISON ghost")

    assert bo.lines() == [("303", "bo", "")]


# -- USERHOST -------------------------------------------------------------------------------


def test_userhost_marks_operators_and_away_users() -> None:
    h = Harness()
    ana, bo = h.client("ana"), h.client("bo")
    ana.send("AWAY :out")
    h.user("bo").modes |= {"o"}

    bo.send("USERHOST ana bo ghost")

    assert bo.lines() == [("302", "bo", f"ana=-~ana@{HOST} bo*=+~bo@{HOST}")]


def test_userhost_answers_at_most_five_nicks() -> None:
    h = Harness()
    nicks = ["n1", "n2", "n3", "n4", "n5", "n6"]
    for nick in nicks:
        h.client(nick)
    asker = h.client("asker")

    asker.send("USERHOST " + " ".join(nicks))

    (reply,) = asker.lines()
    assert reply[-1].split() == [f"{nick}=+~{nick}@{HOST}" for nick in nicks[:5]]


def test_userhost_needs_a_nick() -> None:
    h = Harness()
    ana = h.client("ana")

    ana.send("USERHOST")

    assert ana.lines() == [("461", "ana", "USERHOST", "Not enough parameters")]


def test_who_with_a_mask_of_many_stars_answers_at_once() -> None:
    # Found by fuzzing: such a mask once took minutes per user matched (docs/security.md).
    h = Harness()
    h.client("ana")
    h.user("ana").realname = "a" * 200
    bo = h.client("bo")
    mask = "*a" * 12 + "*b"

    started = time.perf_counter()
    bo.send(f"WHO {mask}")

    assert bo.lines() == [("315", "bo", mask, "End of WHO list")]
    assert time.perf_counter() - started < 1


def test_whowas_with_a_count_of_non_ascii_digits_lists_every_entry() -> None:
    # Found while fuzzing (docs/security.md): "²".isdigit() holds but int("²") raises,
    # which was a 400 Internal error.
    h = Harness()
    h.client("bo").send("QUIT")
    ana = h.client("ana")

    ana.send("WHOWAS bo ²")

    assert [line[0] for line in ana.lines()] == ["314", "312", "369"]

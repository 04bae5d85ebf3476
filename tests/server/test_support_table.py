"""The support table in docs/protocol.md: every entry has a spec, and it matches the tables."""

from __future__ import annotations

from chinwag.protocol import caps, isupport
from chinwag.server import commands, dispatch, helptext, support_table


def test_every_command_has_a_spec_link() -> None:
    commands.load_all()
    missing = sorted(set(dispatch.REGISTRY) - set(helptext.COMMAND_SPECS))
    assert not missing, f"add these commands to helptext.COMMAND_SPECS: {missing}"
    assert all(helptext.COMMAND_SPECS[name] for name in dispatch.REGISTRY)


def test_no_spec_link_for_a_command_that_does_not_exist() -> None:
    commands.load_all()
    assert set(helptext.COMMAND_SPECS) <= set(dispatch.REGISTRY)


def test_every_capability_has_a_spec_link() -> None:
    for cap in (*caps.CAPABILITIES, caps.STS):
        assert cap.spec.startswith("https://"), cap.name


def test_every_isupport_token_has_a_spec_link() -> None:
    names = isupport.token_names(support_table._LIMITS)
    missing = sorted(set(names) - set(isupport.TOKEN_SPECS))
    assert not missing, f"add these tokens to isupport.TOKEN_SPECS: {missing}"
    assert set(isupport.TOKEN_SPECS) == set(names)
    assert all(url.startswith("https://") for url in isupport.TOKEN_SPECS.values())


def test_the_table_lists_every_command_cap_and_token() -> None:
    commands.load_all()
    rendered = support_table.render()
    for name in dispatch.REGISTRY:
        assert f"| `{name}` |" in rendered
    for cap in (*caps.CAPABILITIES, caps.STS):
        assert f"| `{cap.name}` |" in rendered
    for token in isupport.token_names(support_table._LIMITS):
        assert f"| `{token}` |" in rendered
    assert "(no spec)" not in rendered


def test_docs_protocol_md_is_up_to_date() -> None:
    text = support_table.DOC.read_text(encoding="utf-8")
    assert support_table.current(text) == support_table.render(), (
        f"docs/protocol.md's support table is out of date: run `{support_table.COMMAND}`"
    )


def test_update_keeps_the_hand_written_text() -> None:
    text = f"# Title\nbefore\n{support_table.BEGIN}\nstale\n{support_table.END}\nafter\n"
    updated = support_table.update(text)
    assert updated.startswith("# Title\nbefore\n")
    assert updated.endswith("\nafter\n")
    assert support_table.current(updated) == support_table.render()

"""``CAP``: capability negotiation, https://ircv3.net/specs/extensions/capability-negotiation.

``CAP LS``/``CAP REQ`` before registration suspend it until ``CAP END``; ``LS 302`` enables
values in the list and cap-notify implicitly. ``REQ`` is all or nothing: any unknown name
(or an attempt to disable a sticky capability) gets the whole request ``NAK``-ed, as does one
that would leave both ``draft/metadata-2`` and ``draft/metadata-3`` enabled (metadata-3:
"Servers MUST NOT accept these requests").
"""

from __future__ import annotations

from chinwag.protocol import numerics as n
from chinwag.protocol.caps import BY_NAME, CAPABILITIES, METADATA_CAPS, STICKY, STS
from chinwag.protocol.message import Message
from chinwag.protocol.metadata import dialect_for
from chinwag.server.context import Context
from chinwag.server.dispatch import command
from chinwag.server.replies import LIST_BUDGET, pack
from chinwag.server.services.metadata import send_own_metadata
from chinwag.server.services.welcome import try_complete_registration
from chinwag.server.state import NONE_SET


def _send_list(ctx: Context, subcommand: str, tokens: list[str]) -> None:
    """Send ``CAP <nick> LS|LIST``, split over several lines with ``*`` markers if long.

    A client before version 302 knows no ``*`` marker: its list takes the whole line
    (512 bytes) before it is split at all."""
    target = ctx.session.target
    multiline = ctx.session.cap_version >= 302
    budget = LIST_BUDGET
    if not multiline:
        budget = max(budget, 510 - len(f":{ctx.deps.name} CAP {target} {subcommand} :"))
    chunks = pack(tokens, budget) or [[]]
    for index, chunk in enumerate(chunks):
        more = multiline and index < len(chunks) - 1
        params = (
            (target, subcommand, "*", " ".join(chunk))
            if more
            else (target, subcommand, " ".join(chunk))
        )
        ctx.reply.add(Message("CAP", params, ctx.deps.name))


@command("CAP", min_params=1, before_registration=True)
def cap(ctx: Context, message: Message) -> None:
    """CAP LS / LIST / REQ / END."""
    session = ctx.session
    subcommand = message.params[0].upper()
    if subcommand == "LS":
        version = 0
        if len(message.params) > 1 and message.params[1].isascii() and message.params[1].isdigit():
            version = int(message.params[1])
        session.cap_version = max(session.cap_version, version)
        if session.user is None:
            session.cap_negotiating = True
        if version >= 302:
            session.set_caps(session.caps | {"cap-notify"})
        values = ctx.deps.facts.cap_values
        tokens = [c.advertised(session.cap_version, values.get(c.name)) for c in CAPABILITIES]
        sts = ctx.deps.facts.sts_value(session.secure)
        if sts is not None and session.cap_version >= 302:
            # Without values (before 302) the policy would be an empty word: not sent.
            tokens.append(STS.advertised(session.cap_version, sts))
        _send_list(ctx, "LS", tokens)
    elif subcommand == "LIST":
        _send_list(ctx, "LIST", sorted(session.caps))
    elif subcommand == "REQ":
        if len(message.params) < 2:
            ctx.numeric(n.ERR_NEEDMOREPARAMS, "CAP", "Not enough parameters")
            return
        if session.user is None:
            session.cap_negotiating = True
        requested = message.params[1]
        enable: set[str] = set()
        disable: set[str] = set()
        acceptable = True
        for token in requested.split():
            name = token.removeprefix("-")
            sticky = name in STICKY and session.cap_version >= 302
            if name not in BY_NAME or (token.startswith("-") and sticky):
                acceptable = False
                break
            (disable if token.startswith("-") else enable).add(name)
        caps = (session.caps | enable) - disable
        if sum(name in caps for name in METADATA_CAPS) > 1:
            acceptable = False  # one metadata draft per session
        verdict = "ACK" if acceptable else "NAK"
        before = dialect_for(session.caps)
        after = dialect_for(caps) if acceptable else before
        newly_metadata = after is not None and before is None
        if acceptable:
            session.set_caps(caps)
            lost_batch = before is not None and before.batch_bound and "batch" in disable
            if before is not None and (after is not before or lost_batch):
                # "If a client removes this capability or the batch capability from
                # themselves, servers MUST clear that client's subscription list".
                session.metadata_subs = NONE_SET
        ctx.reply.add(Message("CAP", (session.target, verdict, requested), ctx.deps.name))
        if newly_metadata and session.user is not None:
            # "Upon requesting the capability, clients receive their metadata"; during
            # registration the welcome burst sends it instead.
            send_own_metadata(ctx)
    elif subcommand == "END":
        if session.user is None:
            session.cap_negotiating = False
            try_complete_registration(ctx)
    else:
        ctx.numeric(n.ERR_INVALIDCAPCMD, message.params[0], "Invalid CAP command")

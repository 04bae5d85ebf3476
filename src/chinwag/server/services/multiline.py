"""Client multiline batches while they are open (IRCv3 ``draft/multiline``).

Spec: https://ircv3.net/specs/extensions/multiline. ``BATCH +<ref> draft/multiline
<target>`` (:func:`open_batch`, called by the ``BATCH`` handler) starts a
:class:`~chinwag.protocol.multiline.Collector` on the session; from then on the dispatcher
hands every line to :func:`intercept` before the command table, so the batch's PRIVMSG or
NOTICE lines are collected instead of relayed one by one. ``BATCH -<ref>`` takes the
collector back (:func:`close_batch`) and the messaging commands relay the whole message.

Memory stays bounded: a batch passing ``max-bytes`` or ``max-lines`` is refused with its
``FAIL BATCH`` code at the line that passes it and its lines are dropped; what follows of it
is swallowed until it ends. Anything else sent while a batch is open (the spec: clients
"MUST NOT send messages other than PRIVMSG while a multiline batch is open") refuses it
with ``MULTILINE_INVALID``; a line that carried no ``batch`` tag is then handled as usual.
"""

from __future__ import annotations

from chinwag.protocol import multiline as ml
from chinwag.protocol.message import Message
from chinwag.server.context import Context


def fail(ctx: Context, code: str, description: str, *context: str) -> None:
    """Refuse a multiline batch with ``FAIL BATCH <code>`` (spec, "Errors")."""
    ctx.fail("BATCH", code, description, *context)


def open_batch(ctx: Context, ref: str, params: tuple[str, ...]) -> None:
    """``BATCH +<ref> draft/multiline <target>``: start collecting, or refuse a batch the
    session may not open (no capability, no target, another one still open)."""
    session = ctx.session
    if not (session.has(ml.CAP) and session.has("batch")):
        fail(ctx, ml.INVALID_ERROR, "Multiline batches need draft/multiline and batch")
        return
    if len(params) < 3 or not params[2] or not ref:
        fail(ctx, ml.INVALID_ERROR, "A multiline batch needs a reference and a target")
        return
    limits = ctx.deps.limits
    tags = {key: value for key, value in ctx.message.tags.items() if key.startswith("+")}
    session.multiline = ml.Collector(
        ref,
        params[2],
        limits.multiline_max_bytes,
        limits.multiline_max_lines,
        tags,
        ctx.reply.label,
    )
    # The response to a labelled batch is its echo, sent when it closes: nothing now (not
    # even an ACK, which would end the labelled exchange before the message is said).
    ctx.reply.label = None


def close_batch(ctx: Context, ref: str) -> ml.Collector | None:
    """``BATCH -<ref>``: the collected batch if it may be relayed; otherwise ``None``
    (refused now, unless it was refused already)."""
    session = ctx.session
    collector = session.multiline
    if collector is None or collector.ref != ref:
        fail(ctx, ml.INVALID_ERROR, "No such multiline batch is open", ref)
        return None
    session.multiline = None
    _answer_label(ctx, collector)
    if collector.discarding:
        return None
    problem = collector.problem()
    if problem is not None:
        fail(ctx, ml.INVALID_ERROR, problem)
        return None
    return collector


def intercept(ctx: Context, message: Message) -> bool:
    """Whether ``message``, arriving while the session has a multiline batch open, was
    taken by the batch (collected, swallowed or refused): if not, the caller dispatches it
    as usual."""
    collector = ctx.session.multiline
    assert collector is not None
    ref = message.tags.get("batch")
    if message.command == "BATCH" and message.params[:1] == ("-" + collector.ref,):
        return False  # the end: the BATCH handler relays it
    if ref is not None and ref == collector.ref:
        if collector.discarding:
            return True
        refusal = collector.add(message)
        if refusal is not None:
            code, context, description = refusal
            _answer_label(ctx, collector)
            fail(ctx, code, description, *context)
        return True
    # Anything else breaks the batch: an opening inside it, another reference, a command
    # that is not part of it.
    if not collector.discarding:
        _answer_label(ctx, collector)
        fail(ctx, ml.INVALID_ERROR, "Invalid multiline batch", collector.ref)
        collector.discard()
    if message.command == "BATCH" and message.params[:1] and message.params[0][:1] == "+":
        # The refused opening's lines are swallowed too, not relayed one by one.
        collector.ref = message.params[0][1:]
        return True
    if ref is not None or message.command == "BATCH":
        return True
    ctx.session.multiline = None
    return False


def _answer_label(ctx: Context, collector: ml.Collector) -> None:
    """Label what is said now with the opening ``BATCH``'s label, once: a refusal (or the
    echo) is the response a client that labelled the batch waits for (labeled-response)."""
    if collector.label is not None:
        ctx.reply.label = collector.label
        collector.label = None

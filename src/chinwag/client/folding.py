"""Messages as rows of a conversation: the row a message becomes, and changes to a message
already shown folded onto its row, one function per kind of change, shared by every client
(design.md section 4: an edit, a redaction or a reaction refers to the original msgid, and
the client core folds it onto the message). Only redaction (IRCv3
``draft/message-redaction``) exists so far.
"""

from __future__ import annotations

from collections.abc import MutableSequence
from dataclasses import replace

from chinwag.client import events as ev
from chinwag.client.text import clean, clean_monospace
from chinwag.client.values import REDACTED_TEXT, Line, LineKind


def message_line(event: ev.Message, mention: bool) -> Line:
    """The row of a received (or echoed, or replayed) message: a ``/me`` action, a notice or
    a plain message, its text cleaned of control characters (a multiline message keeps its
    line breaks) and its monospace runs noted."""
    kind = (
        LineKind.ACTION
        if event.is_action
        else LineKind.NOTICE
        if event.is_notice
        else LineKind.MESSAGE
    )
    formatted = clean_monospace(event.text)
    return Line(
        event.time,
        kind,
        formatted.text,
        clean(event.sender),
        is_self=event.is_self,
        mention=mention,
        history=event.history,
        msgid=event.msgid,
        missed=event.missed,
        bot=event.bot,
        monospace=formatted.monospace,
    )


def redact(lines: MutableSequence[Line], msgid: str) -> bool:
    """Show the message ``msgid`` among ``lines`` as deleted (its time and nick stay, its
    text becomes :data:`~chinwag.client.values.REDACTED_TEXT`); whether a row changed."""
    for index, line in enumerate(lines):
        if line.msgid == msgid and not line.redacted:
            lines[index] = replace(
                line, text=REDACTED_TEXT, redacted=True, mention=False, monospace=()
            )
            return True
    return False

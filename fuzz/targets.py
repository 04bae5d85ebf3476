"""The fuzz targets: plain functions of one input, with no atheris import.

``python -m fuzz`` runs them under atheris; ``tests/fuzz/test_corpus.py`` replays the kept
corpus through them as an ordinary test. Each raises :class:`~fuzz.invariants.Finding` (or
whatever escaped the code under test) when something is wrong, and returns otherwise.

* :func:`protocol`: framing (``protocol/framing.py``), the message grammar
  (``protocol/message.py``), and the small parsers beside them (multiline, metadata, modes,
  masks, capability values, the client's ``client/wire.py`` helpers).
* :func:`server`: the server core through :class:`fuzz.world.World`, fed a script of byte
  chunks from four sessions (see :func:`script`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from chinwag.client.wire import format_server_time, nick_of, numeric_reply, parse_server_time
from chinwag.protocol import masks, metadata, multiline
from chinwag.protocol.caps import value_keys
from chinwag.protocol.errors import ProtocolError
from chinwag.protocol.framing import (
    CLIENT_MAX_LINE_BYTES,
    MAX_BODY_BYTES,
    MAX_TAG_BYTES,
    LineFramer,
    truncate_utf8,
)
from chinwag.protocol.message import escape_tag_value, parse, unescape_tag_value
from chinwag.protocol.modes import CHANNEL_MODES, parse_mode_changes, takes_param
from fuzz.invariants import check, check_round_trip
from fuzz.world import World

# -- target 1: the protocol ------------------------------------------------------------------


def _items(framer: LineFramer, data: bytes, chunk: int) -> list[object]:
    """What ``framer`` yields for ``data`` fed ``chunk`` bytes at a time, as comparable values
    (a refused line as its error class: the command it names may depend on the cut)."""
    out: list[object] = []
    for start in range(0, len(data), chunk):
        for item in framer.feed(data[start : start + chunk]):
            out.append(item if isinstance(item, str) else type(item))
    return out


def _check_framed_line(line: str, strict: bool) -> None:
    """A framed line holds no terminator or NUL and, on a server, keeps the limits."""
    check("\r" not in line and "\n" not in line and "\0" not in line, f"framed {line!r}")
    if not strict:
        return
    raw = line.encode()
    tags = raw.find(b" ") + 1 if raw.startswith(b"@") else 0
    if raw.startswith(b"@") and tags == 0:
        tags = len(raw)
    check(tags <= MAX_TAG_BYTES, f"framed a tag section of {tags} bytes")
    check(len(raw) - tags + 2 <= MAX_BODY_BYTES, f"framed a {len(raw) - tags}-byte body")


def _check_message(line: str) -> None:
    """Parse a framed line: only protocol errors may come out; a message round-trips and
    the client's readers take it."""
    try:
        message = parse(line)
    except ProtocolError:
        return
    check_round_trip(message)
    nick_of(message.source)
    moment = parse_server_time(message.tags.get("time"))
    if moment is not None:
        format_server_time(moment)
    if message.command.isdigit() and len(message.command) == 3:
        numeric_reply(message)


def _check_framing(data: bytes) -> None:
    chunk = data[0] % 32 + 1 if data else 1
    whole = _items(LineFramer(), data, max(len(data), 1))
    check(whole == _items(LineFramer(), data, chunk), f"framing depends on cuts of {chunk}")
    for item in whole:
        if isinstance(item, str):
            _check_framed_line(item, True)
            _check_message(item)
    for item in _items(LineFramer(CLIENT_MAX_LINE_BYTES), data, chunk):
        if isinstance(item, str):
            _check_framed_line(item, False)
            _check_message(item)


def _check_multiline(text: str, room: int) -> None:
    lines = multiline.split_text(text, room)
    for line in lines:
        size = len(line.text.encode())
        check(size <= room or len(line.text) == 1, f"split_text made a {size}-byte line")
    check(not lines or not lines[0].concat, "split_text began with a concatenated line")
    for max_lines in (None, 1 + room % 5):
        groups = multiline.batches(lines, room * 4 + 1, max_lines)
        check(all(not group[0].concat for group in groups), "a batch begins concatenated")
        check(
            [line.text for group in groups for line in group] == [line.text for line in lines],
            "batches lost or changed text",
        )
    text_part, _, value = text.partition("\t")
    stored = multiline.stored_lines(text_part, value)
    if stored is not None:
        check(multiline.stored_lines(*multiline.stored_form(stored)) == stored, "stored form")
    multiline.parse_cap_value(text)


def _check_small_parsers(text: str, room: int) -> None:
    check(unescape_tag_value(escape_tag_value(text)) == text, "tag value escaping")
    unescape_tag_value(text)
    value_keys(text)
    metadata.is_valid_key(text)
    metadata.normalise_value(text[:room], text, 300)
    words = text.split(" ")
    parsed = parse_mode_changes(words[0], words[1:], CHANNEL_MODES)
    for change in parsed.changes:
        check(change.param is None or takes_param(CHANNEL_MODES[change.mode], change.adding), "")
    # A mask is compiled to a pattern (cached); short ones keep the target quick.
    mask = masks.normalize_list_mask(words[0][:24], True)
    masks.matches(mask, text)
    masks.matches(words[-1][:64], text)
    cut = truncate_utf8(text, room)
    check(len(cut.encode()) <= room and text.startswith(cut), "truncate_utf8")


def protocol(data: bytes) -> None:
    """Target 1: frame ``data`` as a server and as a client, parse every line, and feed the
    decoded text to the protocol's other parsers, checking their invariants."""
    _check_framing(data)
    text = data.decode("utf-8", "replace")
    room = data[0] if data else 0
    _check_multiline(text, room)
    _check_small_parsers(text, room)


# -- target 2: the server core ---------------------------------------------------------------

MAX_STEPS = 64
"""Steps taken from one input at most, so that no input takes long."""


def script(data: bytes) -> Iterator[tuple[str, int, bytes]]:
    """The steps ``data`` asks for. Each line of ``data`` is one step; its first byte says
    what happens: ``0``-``3`` that connection receives the rest of the line and a LF;
    ``4``-``7`` connection 0-3 receives the rest without one (a line cut across reads);
    ``t`` a minute per byte after it passes and the ticker runs; ``q`` the connection the next
    byte names is lost. Any other first byte sends the whole line to connection (byte % 4)."""
    for piece in data.split(b"\n")[:MAX_STEPS]:
        if not piece:
            continue
        op, rest = piece[0], piece[1:]
        if 0x30 <= op <= 0x33:
            yield "send", op - 0x30, rest + b"\n"
        elif 0x34 <= op <= 0x37:
            yield "send", op - 0x34, rest
        elif op == 0x74:  # t
            yield "tick", 0, rest
        elif op == 0x71:  # q
            yield "lose", rest[0] if rest else 0, b""
        else:
            yield "send", op, piece + b"\n"


def run_script(world: World, data: bytes) -> None:
    """Play ``data`` (see :func:`script`) on ``world``; every step checks the invariants."""
    for action, index, chunk in script(data):
        if action == "send":
            world.step(index, chunk)
        elif action == "tick":
            world.tick(60.0 * (len(chunk) + 1))
        else:
            world.lose(index)


def server(data: bytes) -> None:
    """Target 2: a fresh :class:`World` plays ``data``; every step checks that no handler
    raised, every line written is valid, and the state is consistent."""
    run_script(World(), data)


class ReusedWorld:
    """For the fuzzer's speed: one world serves many inputs (building one costs more than
    most inputs), rebuilt every ``uses`` inputs or once its seeded users are gone. A finding
    is then checked on a fresh world by replaying the input (:func:`server`)."""

    def __init__(self, uses: int = 1000) -> None:
        self.uses = uses
        self.world: World | None = None
        self.count = 0

    def __call__(self, data: bytes) -> None:
        if self.world is None or self.count >= self.uses or not self.world.healthy:
            self.world = World()
            self.count = 0
        self.count += 1
        world = self.world
        try:
            run_script(world, data)
        except BaseException:
            self.world = None  # never reuse a world an input broke
            raise


TARGETS: dict[str, Callable[[bytes], None]] = {"protocol": protocol, "server": server}
"""Every target by name, as the corpus folders are named."""

"""Log entries as bytes (chinwag.server.replication.codec): what a node may append comes back
equal, and bytes naming anything but chinwag's classes (and a few standard ones) are refused
rather than run."""

from __future__ import annotations

import os
import pickle

import pytest

from chinwag.protocol.errors import ProtocolError
from chinwag.server.replication.codec import RemoteError, decode, encode, portable_error
from chinwag.storage.base import StoreError


def test_an_entry_comes_back_as_it_went_with_its_sequence_number() -> None:
    entry = ("lines", "a~1f2e3d/7", ["PRIVMSG #lobby :hi", ProtocolError("bad")])
    sequence, back = decode(encode(entry, 41))
    assert sequence == 41
    assert back[:2] == entry[:2]
    assert back[2][0] == "PRIVMSG #lobby :hi"
    assert isinstance(back[2][1], ProtocolError)


class _RunsACommand:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, ("touch should-not-exist",)


class _Evaluates:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return eval, ("1 + 1",)


@pytest.mark.parametrize("call", [_RunsACommand(), _Evaluates()], ids=["os.system", "eval"])
def test_bytes_that_name_a_function_are_refused_not_run(call: object) -> None:
    data = pickle.dumps((None, ("tick", call)))
    with pytest.raises(ValueError, match="not a log entry"):
        decode(data)


def test_a_chinwag_module_attribute_that_is_not_a_class_is_refused() -> None:
    # chinwag.workers imports subprocess: naming it through a chinwag module must not work.
    data = b"\x80\x05\x8c\x0fchinwag.workers\x8c\nsubprocess\x93."
    with pytest.raises(ValueError, match="not a log entry"):
        decode(data)


def test_failures_travel_as_their_text_never_as_the_original_object() -> None:
    assert isinstance(portable_error(StoreError("disk full")), StoreError)
    carried = portable_error(KeyError("secret internals"))
    assert isinstance(carried, RemoteError) and "KeyError" in str(carried)

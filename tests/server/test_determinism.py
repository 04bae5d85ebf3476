"""The server core is deterministic given its inputs (issue 18): two replicas agree.

The workload of :mod:`tests.server.determinism_workload` runs in two fresh processes with
different ``PYTHONHASHSEED`` values and different object addresses; under the same
:class:`~chinwag.server.sources.SeededSources` every connection must receive the same lines
in the same order, and :func:`~chinwag.server.digest.describe` must give the same text. The
same comparison under :class:`~chinwag.server.sources.SystemSources` must find differences,
or it could not fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import chinwag

ROOT = Path(__file__).resolve().parents[2]
"""The project root: ``tests`` is imported from here."""

SRC = Path(chinwag.__file__).resolve().parents[1]
"""Where the ``chinwag`` under test lives."""


def run_replicas(kind: str, *runs: tuple[int, int]) -> list[dict[str, Any]]:
    """The workload's results with sources of ``kind`` in one subprocess per
    ``(PYTHONHASHSEED, padding objects)`` pair, run side by side."""
    processes = []
    for hash_seed, padding in runs:
        env = {
            **os.environ,
            "PYTHONHASHSEED": str(hash_seed),
            "PYTHONPATH": os.pathsep.join([str(SRC), str(ROOT)]),
        }
        command = [sys.executable, "-m", "tests.server.determinism_workload", kind, str(padding)]
        processes.append(
            subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        )
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
        results.append(json.loads(out))
    return results


REPLICAS = ((1, 0), (4242, 2), (99, 3))
"""Hash seeds and paddings of the replicas compared. A set of strings iterates in another
order under another hash seed; a set of users or sessions (hashed by address) does only if
they sit at other offsets in their allocator pools, which paddings 0, 2 and 3 give (checked
by hand: WHO iterating ``set(channel.members)`` makes them disagree)."""


def test_replicas_with_the_same_seed_hear_the_same_lines_and_end_in_the_same_state() -> None:
    first, *others = run_replicas("seeded", *REPLICAS)
    for other in others:
        assert first["transcripts"].keys() == other["transcripts"].keys()
        for name, lines in first["transcripts"].items():
            assert lines == other["transcripts"][name], name
        assert first["digest"] == other["digest"]


def test_the_workload_reaches_what_it_is_meant_to() -> None:
    # A workload that failed early would agree with itself trivially.
    (result,) = run_replicas("seeded", (7, 0))
    heard = "\n".join(line for lines in result["transcripts"].values() for line in lines)
    for expected in (
        "REGISTER SUCCESS ana",  # draft/account-registration
        "Account bo registered. You are now logged in.",  # NickServ REGISTER
        "903 ana_ :SASL authentication successful",  # PLAIN
        "903 bo_ :SASL authentication successful",  # SCRAM-SHA-256
        "KICK #room dee",
        "INVITE dee #side",
        "BATCH +",  # multiline and chathistory batches
        "draft/multiline-concat",
        "You have 2 messages that arrived while you were away",  # always-on
        "ana is its founder",  # ChanServ
        "NICK Guest",  # nick protection, with a random guest nick
        ";msgid=",
        "@time=2026-01-01T00:",
        "730 dee",  # MONITOR
        "761 ana ana color",  # METADATA
        "MARKREAD #room",
        "354 dee 42",  # WHOX
    ):
        assert expected in heard, expected
    digest = json.loads(result["digest"])
    assert [user["nick"] for user in digest["users"]] == ["ana", "bo"]
    assert digest["users"][0]["always_on"] is not None
    assert [account["name"] for account in digest["accounts"]] == ["ana", "bo", "cy"]
    room = next(channel for channel in digest["channels"] if channel["name"] == "#room")
    assert room["registration"]["founder"] == "ana"


def test_without_seeded_sources_two_runs_differ() -> None:
    # The negative check: the comparison above can fail. With the operating system's clock
    # and randomness, msgids, times, tokens and account ids all differ between runs.
    first, second = run_replicas("system", (1, 0), (1, 0))
    assert first["digest"] != second["digest"]
    assert first["transcripts"] != second["transcripts"]

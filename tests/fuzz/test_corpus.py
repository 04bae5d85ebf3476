"""The kept fuzz corpus replays cleanly: every input the fuzzer found interesting, and every
input that once broke an invariant (``crash-*``, ``hang-*``), runs through its target with
nothing raised (issue 17, "Fuzzing"; fuzz/README.md). No atheris needed: the targets are plain
functions."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzz.targets import TARGETS

CORPUS = Path(__file__).resolve().parents[2] / "fuzz" / "corpus"

INPUTS = sorted(
    (target, path) for target in TARGETS for path in (CORPUS / target).iterdir() if path.is_file()
)


@pytest.mark.parametrize(
    ("target", "path"), INPUTS, ids=[f"{target}/{path.name}" for target, path in INPUTS]
)
def test_corpus_input_keeps_every_invariant(target: str, path: Path) -> None:
    TARGETS[target](path.read_bytes())


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_every_target_has_a_small_corpus_with_its_findings(target: str) -> None:
    names = [path.name for path in (CORPUS / target).iterdir()]
    assert 10 <= len(names) <= 200
    assert any(name.startswith(("crash-", "hang-")) for name in names)

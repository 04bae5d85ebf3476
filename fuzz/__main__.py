"""``python -m fuzz <target> [libFuzzer options]``: run one target under atheris.

Targets: ``protocol`` and ``server`` (see :mod:`fuzz.targets`). Options go to libFuzzer as
they are, e.g. ``-runs=1000000``, ``-dict=fuzz/irc.dict``, ``-max_len=4096``,
``-merge=1 NEW_DIR OLD_DIR``. With no directory given the run starts from, and adds to, the
kept corpus ``fuzz/corpus/<target>``. The server target reuses one world for many inputs
(:class:`fuzz.targets.ReusedWorld`); ``--fresh`` builds one per input (slower, exact).
"""

from __future__ import annotations

import logging
import shlex
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> None:
    """Parse the target name, instrument chinwag, hand the rest to libFuzzer."""
    import atheris  # type: ignore[import-untyped]  # the "fuzz" extra: pip install .[fuzz]

    if not argv or argv[0] not in ("protocol", "server"):
        sys.exit("usage: python -m fuzz protocol|server [--fresh] [libFuzzer options] [dirs]")
    name, rest = argv[0], argv[1:]
    fresh = "--fresh" in rest
    rest = [arg for arg in rest if arg != "--fresh"]
    # Only chinwag is instrumented: the invariant checks in fuzz/ need no coverage.
    with atheris.instrument_imports(include=["chinwag"]):
        from fuzz import targets

    # The server's records are reported as findings, not printed once per input.
    logging.getLogger("chinwag").propagate = False
    target = targets.TARGETS[name]
    if name == "server" and not fresh:
        target = targets.ReusedWorld()
    if not any(not arg.startswith("-") for arg in rest):
        corpus = HERE / "corpus" / name
        corpus.mkdir(parents=True, exist_ok=True)
        rest.append(str(corpus))
    # libFuzzer's -merge and -fork run the program again through the shell, by its argv[0]:
    # make that this very command, so the children fuzz the same target.
    again = shlex.join([sys.executable, "-m", "fuzz", name, *(["--fresh"] if fresh else [])])
    atheris.Setup([again, *rest], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv[1:])

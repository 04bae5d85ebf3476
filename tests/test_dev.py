"""``./dev test`` says which system packages it needs, and why, before doing anything."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

DEV = Path(__file__).resolve().parent.parent / "dev"


@pytest.mark.skipif(shutil.which("bash") is None, reason="./dev is a bash script")
def test_missing_system_packages_are_listed_one_a_line_with_the_reason(tmp_path: Path) -> None:
    # The script's own function, run where nothing is installed and the user is not root,
    # so it only says what it would need (and nothing is installed for real).
    empty = tmp_path / "bin"
    empty.mkdir()
    script = (
        f"venv={tmp_path}/no-venv; id() {{ echo 1000; }}; "
        f'source <(sed -n "/^system_packages()/,/^}}/p" {DEV}); system_packages'
    )
    bash = shutil.which("bash")
    assert bash is not None
    sed = shutil.which("sed")
    assert sed is not None
    (empty / "sed").symlink_to(sed)
    result = subprocess.run(
        [bash, "-c", script],
        env={"PATH": str(empty)},
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )

    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "note: these are missing; the tests that need them will skip:"
    assert "  tmux: a terminal for the chat client's tests" in lines
    assert "  xvfb: a virtual display for chinwag gui's tests" in lines
    assert "  python3-tk: tkinter, for chinwag gui" in lines
    assert (
        "  chromium: a browser for the web page's tests (headless, driven by Playwright)" in lines
    )


def test_the_readme_says_that_dev_test_installs_system_packages_as_root() -> None:
    readme = (DEV.parent / "README.md").read_text()
    top = readme[: readme.index("\n## ")]
    assert "./dev test         # set up and run every test" in top
    assert "apt-get" in top

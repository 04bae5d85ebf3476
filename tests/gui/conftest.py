"""Fixtures for the window's tests: a virtual display (Xvfb) and accounts on the test server."""

from __future__ import annotations

import gc
import os
import select
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from chinwag.server.app import ChinwagServer
from tests.ircclient import IrcClient, is_

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _tk_garbage_freed_on_tks_thread() -> Iterator[None]:
    """After each test, free its closed windows here, on Tk's thread.

    A closed window still held by the test (its ``Window``, the ``ChinwagGui``) becomes
    cyclic garbage only when the test returns; left to the collector, it may be freed in the
    next test's client thread, and Tcl aborts the process when an interpreter is deleted from
    a thread other than its own ("Fatal Python error: Aborted" while garbage-collecting)."""
    yield
    gc.collect()


XVFB_START = 10.0
"""Seconds Xvfb may take to say which display it chose."""


async def register_account(server: ChinwagServer, nick: str = "ana") -> None:
    """``nick`` is a registered account with :data:`PASSWORD` (made by a raw client that
    then leaves)."""
    client = await IrcClient.registered(server.addresses[0], nick)
    await client.send("REGISTER", "*", PASSWORD)
    await client.expect(is_("REGISTER", "SUCCESS"))
    await client.send("QUIT")
    await client.expect_closed()


def restore_display() -> None:
    """Tk sets DISPLAY in the process's environment (for its children) behind os.environ's
    back: put back what the rest of the suite started with."""
    if "DISPLAY" in os.environ:
        os.putenv("DISPLAY", os.environ["DISPLAY"])
    else:
        os.unsetenv("DISPLAY")


def _unavailable(reason: str) -> None:
    """Skip on a workstation without it; fail in CI, where ``./dev test`` installs it."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: ./dev test should have installed it)")
    pytest.skip(f"{reason}: ./dev test installs it (apt-get install xvfb python3-tk)")


@pytest.fixture(scope="session")
def display() -> Iterator[str]:
    """An X display of its own (Xvfb on the first free display number, which Xvfb picks
    and reports through ``-displayfd``), for the whole session; ``":N"``."""
    try:
        import tkinter  # noqa: F401
    except ImportError:
        _unavailable("this Python has no tkinter")
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        _unavailable("Xvfb is not installed")
        raise AssertionError("unreachable")
    read, write = os.pipe()
    process = subprocess.Popen(
        [xvfb, "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        number = b""
        while not number.endswith(b"\n"):
            ready, _, _ = select.select([read], [], [], XVFB_START)
            chunk = os.read(read, 16) if ready else b""
            if not chunk:
                raise RuntimeError(f"Xvfb did not start (exit status {process.poll()})")
            number += chunk
        yield ":" + number.decode().strip()
    finally:
        restore_display()
        os.close(read)
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

"""The fuzz targets' world catches the server logger's errors while a test replays inputs;
afterwards the logging of the rest of the run is as it was."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fuzz.world import stop_catching


@pytest.fixture(autouse=True)
def no_catcher_left_behind() -> Iterator[None]:
    """Take the world's error catcher off the ``chinwag`` logger after each test."""
    yield
    stop_catching()

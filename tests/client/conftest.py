"""Client tests talk to devices on 127.0.0.1 only."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _loopback_sockets(socket_enabled: None) -> None:
    """Allow sockets (the test harness limits them to 127.0.0.1)."""

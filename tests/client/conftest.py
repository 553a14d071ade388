"""Client tests talk to devices on 127.0.0.1 only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from custom_components.dvrip.client import DvripClient
from simulator import CameraSimulator
from tests.simulator_fixtures import PASSWORD


@pytest.fixture(autouse=True)
def _loopback_sockets(socket_enabled: None) -> None:
    """Allow sockets (the test harness limits them to 127.0.0.1)."""


@pytest.fixture
async def open_client() -> AsyncIterator[Callable[..., Any]]:
    """Connect clients (password PASSWORD, 3 s timeout unless given); all closed after the test."""
    clients: list[DvripClient] = []

    async def open_(camera: CameraSimulator, **kwargs: Any) -> DvripClient:
        kwargs.setdefault("timeout", 3.0)
        client = DvripClient(camera.host, camera.port, "admin", PASSWORD, **kwargs)
        clients.append(client)
        await client.connect()
        return client

    yield open_
    for client in clients:
        await client.close()

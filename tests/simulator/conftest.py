"""Simulator tests run real TCP servers and clients on 127.0.0.1 with ephemeral ports."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from simulator import CameraSimulator
from tests.simulator_fixtures import PASSWORD, StartCamera

from .raw_client import RawClient

__all__ = ["PASSWORD", "Connect", "StartCamera"]

Connect = Callable[..., Awaitable[RawClient]]


@pytest.fixture(autouse=True)
def _loopback_sockets(socket_enabled: None) -> None:
    """Allow sockets (the test harness limits them to 127.0.0.1)."""


@pytest.fixture
async def camera(start_camera: StartCamera) -> CameraSimulator:
    return await start_camera()


@pytest.fixture
async def connect() -> AsyncIterator[Connect]:
    """Open raw clients; all are closed after the test."""
    clients: list[RawClient] = []

    async def open_client(camera: CameraSimulator, *, login: bool = False) -> RawClient:
        client = await RawClient.connect(camera.port)
        clients.append(client)
        if login:
            reply = await client.login(PASSWORD)
            assert reply["Ret"] == 100
        return client

    yield open_client
    for client in clients:
        await client.close()

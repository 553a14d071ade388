"""Fixtures that start simulated cameras, shared by the client and simulator tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from simulator import CameraSimulator, SimulatorConfig

PASSWORD = "s3cret"

StartCamera = Callable[..., Awaitable[CameraSimulator]]


@pytest.fixture
async def start_camera() -> AsyncIterator[StartCamera]:
    """Start simulators (password PASSWORD unless given); all are stopped after the test."""
    cameras: list[CameraSimulator] = []

    async def start(**config: Any) -> CameraSimulator:
        config.setdefault("password", PASSWORD)
        camera = CameraSimulator(SimulatorConfig(**config))
        await camera.start()
        cameras.append(camera)
        return camera

    yield start
    for camera in cameras:
        await camera.stop()

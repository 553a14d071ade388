"""Alarm-picture tests: a simulated camera on 127.0.0.1 and a client logged in to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import Future
import contextlib
from datetime import datetime, timedelta
import threading
from typing import Any

import pytest

from custom_components.dvrip.client import DvripClient
from simulator import CameraSimulator, SimulatorConfig

USER = "admin"
PASSWORD = "secret"


@pytest.fixture(autouse=True)
def _loopback_sockets(socket_enabled: None) -> None:
    """Allow sockets (the test harness limits them to 127.0.0.1)."""


def simulator_config(**settings: Any) -> SimulatorConfig:
    return SimulatorConfig(port=0, user=USER, password=PASSWORD, **settings)


@pytest.fixture
def simulator_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """SimulatorConfig fields, from an indirect parametrization (none: the defaults)."""
    settings: dict[str, Any] = getattr(request, "param", {})
    return settings


@pytest.fixture
async def camera(simulator_settings: dict[str, Any]) -> AsyncIterator[CameraSimulator]:
    async with CameraSimulator(simulator_config(**simulator_settings)) as simulator:
        yield simulator


@pytest.fixture
async def client(camera: CameraSimulator) -> AsyncIterator[DvripClient]:
    async with DvripClient(camera.host, camera.port, USER, PASSWORD, timeout=5.0) as dvrip:
        yield dvrip


def alarm_time(camera: CameraSimulator, minutes_ago: int = 10) -> datetime:
    """A whole-minute camera time in the past, clear of the window's edges."""
    return camera.now().replace(second=0) - timedelta(minutes=minutes_ago)


class SimulatorThread:
    """A simulated camera on an event loop of its own, for code that runs `asyncio.run`."""

    def __init__(self, config: SimulatorConfig) -> None:
        self._config = config
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="camera simulator")
        self.camera = CameraSimulator(config)

    def __enter__(self) -> SimulatorThread:
        self._thread.start()
        self.run(self.camera.start)
        return self

    def __exit__(self, *exc_info: object) -> None:
        with contextlib.suppress(Exception):
            self.run(self.camera.stop)
        # Its executor's threads end here: closing the loop would leave them to end later.
        self.run(self._loop.shutdown_default_executor)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def run[T](self, function: Callable[[], Coroutine[Any, Any, T]]) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(function(), self._loop)
        return future.result(timeout=30)


@pytest.fixture
def camera_thread() -> Iterator[SimulatorThread]:
    with SimulatorThread(simulator_config()) as running:
        yield running

"""Helpers for the integration tests: wait for states and events without sleeping."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
import socket
from typing import Any

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, State, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dvrip.client import DvripCommandError
from custom_components.dvrip.const import DOMAIN
from simulator import CameraSimulator, SimulatorConfig

WAIT_TIMEOUT = 10.0
CAMERA_PASSWORD = "pw"

type StateCheck = str | Callable[[State | None], bool]


def entity_id(hass: HomeAssistant, domain: str, unique_id: str) -> str:
    """The entity id of one of our entities, from its unique id."""
    found = er.async_get(hass).async_get_entity_id(domain, DOMAIN, unique_id)
    assert found is not None, f"no {domain} entity with unique id {unique_id}"
    return found


def _matches(state: State | None, check: StateCheck) -> bool:
    if callable(check):
        return check(state)
    return state is not None and state.state == check


async def async_wait_for_state(
    hass: HomeAssistant, entity: str, check: StateCheck, timeout: float = WAIT_TIMEOUT
) -> State | None:
    """Return the entity's state once it matches `check` (a state string or a predicate)."""
    state = hass.states.get(entity)
    if _matches(state, check):
        return state
    future: asyncio.Future[State | None] = hass.loop.create_future()

    @callback
    def _changed(event: Event[EventStateChangedData]) -> None:
        new_state = event.data["new_state"]
        if not future.done() and _matches(new_state, check):
            future.set_result(new_state)

    unsubscribe = async_track_state_change_event(hass, [entity], _changed)
    try:
        async with asyncio.timeout(timeout):
            return await future
    finally:
        unsubscribe()


def picture_shown(moment: datetime | None = None, method: str | None = None) -> StateCheck:
    """An image entity state that shows a picture (of the alarm at `moment`, by `method`).

    In the automatic mode the live still shows first and the recording's picture replaces it.
    """

    def check(state: State | None) -> bool:
        if state is None or state.state in ("unknown", "unavailable"):
            return False
        if method is not None and state.attributes.get("method") != method:
            return False
        return moment is None or state.attributes.get("camera_time") == moment.isoformat()

    return check


class StateRecorder:
    """Collects the new states of some entities, and waits for the n-th one."""

    def __init__(self, hass: HomeAssistant, entities: list[str]) -> None:
        self.states: list[State] = []
        self._changed = asyncio.Event()
        self._unsubscribe = async_track_state_change_event(hass, entities, self._record)

    @callback
    def _record(self, event: Event[EventStateChangedData]) -> None:
        if (new_state := event.data["new_state"]) is not None:
            self.states.append(new_state)
            self._changed.set()

    async def wait_for_count(self, count: int, timeout: float = WAIT_TIMEOUT) -> list[State]:
        async with asyncio.timeout(timeout):
            while len(self.states) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.states

    def close(self) -> None:
        self._unsubscribe()


class AlarmEventLog:
    """The alarms an event entity fires: each new event time once (a restore is no event)."""

    def __init__(self, hass: HomeAssistant, entity: str) -> None:
        self.states: list[State] = []
        self._times: set[str] = set()
        self._changed = asyncio.Event()
        self._unsubscribe = async_track_state_change_event(hass, [entity], self._record)

    @callback
    def _record(self, event: Event[EventStateChangedData]) -> None:
        new_state = event.data["new_state"]
        if new_state is None or new_state.state in ("unavailable", "unknown"):
            return
        if new_state.state in self._times:
            return
        self._times.add(new_state.state)
        self.states.append(new_state)
        self._changed.set()

    @property
    def attributes(self) -> list[dict[str, Any]]:
        return [dict(state.attributes) for state in self.states]

    async def wait_for_count(self, count: int, timeout: float = WAIT_TIMEOUT) -> list[State]:
        async with asyncio.timeout(timeout):
            while len(self.states) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.states

    def close(self) -> None:
        self._unsubscribe()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def camera_config(**overrides: Any) -> SimulatorConfig:
    """A simulator configuration on an ephemeral loopback port."""
    settings: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "user": "admin",
        "password": CAMERA_PASSWORD,
        "alive_interval": 2,
    }
    settings.update(overrides)
    return SimulatorConfig(**settings)


def entry_data(simulator: CameraSimulator, password: str = CAMERA_PASSWORD) -> dict[str, Any]:
    """Config entry data that logs in to the simulator."""
    return {
        CONF_HOST: simulator.host,
        CONF_PORT: simulator.port,
        CONF_USERNAME: simulator.config.user,
        CONF_PASSWORD: password,
    }


def one_socket_downloads(entry: MockConfigEntry) -> None:
    """Tell a loaded entry's client that the recorder serves downloads on one socket only.

    The client finds that out by itself, but only after a five-second wait for data on a
    second socket; the recorder tests skip that wait.
    """
    entry.runtime_data.coordinator.client.two_socket_downloads = False


async def async_change_options(hass: HomeAssistant, entry: MockConfigEntry, **options: Any) -> None:
    """Change a loaded entry's options through its options flow, as a user does.

    The form's sections are filled from `options` and the entry's current options; the
    alarm centre's port, when given, goes to the step that asks for it. The entry reloads
    with them: by the options flow itself on newer releases, by the entry's update listener
    on 2025.4 (see `ha_versions`).
    """
    result = await hass.config_entries.options.async_init(entry.entry_id)
    sections = {
        str(name): {
            str(key): options.get(str(key), key.default())
            for key in field.schema.schema  # the section's own schema
        }
        for name, field in result["data_schema"].schema.items()
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], user_input=sections
    )
    if result["type"] == "form" and result["step_id"] == "alarm_centre":
        [port] = result["data_schema"].schema
        await hass.config_entries.options.async_configure(
            result["flow_id"], user_input={str(port): options.get(str(port), port.default())}
        )
    await hass.async_block_till_done()
    for key, value in options.items():
        assert entry.options[key] == value


def camera_device(hass: HomeAssistant, entry: MockConfigEntry) -> dr.DeviceEntry:
    """The camera's (or recorder's) device: the entry's one with the serial as identifier.

    Looked up through the entry, as every supported release allows: since 2026.x identifiers
    are unique only within a config entry and `async_get_device` is deprecated.
    """
    assert entry.unique_id is not None
    device = entry_device(hass, entry, entry.unique_id)
    assert device is not None
    return device


def entry_device(
    hass: HomeAssistant, entry: MockConfigEntry, identifier: str
) -> dr.DeviceEntry | None:
    """The entry's device with this identifier (a channel's: `naming.channel_device_id`)."""
    devices = entry_devices(hass, entry)
    found = [device for device in devices if (DOMAIN, identifier) in device.identifiers]
    return found[0] if found else None


def entry_devices(hass: HomeAssistant, entry: MockConfigEntry) -> list[dr.DeviceEntry]:
    """The devices of an entry: the camera's, and a recorder's channels' ones."""
    return dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)


def entity_device(hass: HomeAssistant, entity: str) -> dr.DeviceEntry:
    """The device an entity belongs to."""
    registered = er.async_get(hass).async_get(entity)
    assert registered is not None
    assert registered.device_id is not None
    device = dr.async_get(hass).async_get(registered.device_id)
    assert device is not None
    return device


def device_id(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """The id of the camera's device, as a service call targets it."""
    return camera_device(hass, entry).id


async def export_last_alarms(
    hass: HomeAssistant, entry: MockConfigEntry, **data: Any
) -> dict[str, Any]:
    """Call the export action for the entry's camera and return its response."""
    response = await hass.services.async_call(
        DOMAIN,
        "export_last_alarms",
        {"device_id": device_id(hass, entry), **data},
        blocking=True,
        return_response=True,
    )
    assert isinstance(response, dict)
    return response


def refuse_streams(entry: MockConfigEntry) -> None:
    """The device refuses its live stream too (OPMonitor's claim, Ret 103)."""
    client = entry.runtime_data.coordinator.client

    async def live_keyframe(*_args: object) -> None:
        raise DvripCommandError("OPMonitor", 103)

    client.live_keyframe = live_keyframe  # type: ignore[method-assign,assignment]

"""Finding cameras on the network: the search broadcast at start-up and every 15 minutes.

Each device that answers with an identity (serial number, else MAC address) starts an
integration-discovery flow: a new one is offered under Settings > Devices & services, a
known one whose address changed has its entry moved to the new address once a login there
finds it (the flow aborts with the update; see the config flow for when it stays). Devices
that answer without an identity cannot be recognised again, and are left out.

The search goes to the local network's broadcast address. `DVRIP_DISCOVERY_TARGETS` in Home
Assistant's environment replaces that with the addresses it lists ("host:port", comma
separated; empty: no search at all), so that a Home Assistant on a test bench or the demo
searches its own machine only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
import ipaddress
import os
from typing import Any

from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import discovery_flow
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.start import async_at_started

from .client import DISCOVERY_PORT, DiscoveredDevice, discover
from .const import DOMAIN, LOGGER

# Where the search goes: the local network's broadcast address (tests ask the loopback).
DISCOVERY_TARGETS: tuple[tuple[str, int], ...] = (("255.255.255.255", DISCOVERY_PORT),)
# Replaces DISCOVERY_TARGETS when set: "host:port,host:port" (empty: no search).
TARGETS_VARIABLE = "DVRIP_DISCOVERY_TARGETS"
SCAN_INTERVAL = timedelta(minutes=15)
# How long answers are gathered; devices answer within a second.
SCAN_TIMEOUT = 3.0

# The keys of a discovery flow's data; the identity is the unique id of the device's entry.
ATTR_IDENTITY = "identity"
ATTR_SERIAL = "serial"
ATTR_MAC = "mac"
ATTR_MODEL = "model"
ATTR_NAME = "name"


def flow_data(device: DiscoveredDevice) -> dict[str, Any]:
    """A found device as a discovery flow's data."""
    return {
        "host": device.host,
        "port": device.port,
        ATTR_IDENTITY: device.identity,
        ATTR_SERIAL: device.serial,
        ATTR_MAC: device.mac,
        ATTR_MODEL: device.model,
        ATTR_NAME: device.name,
    }


def parse_targets(text: str) -> tuple[tuple[str, int], ...]:
    """The addresses a `DVRIP_DISCOVERY_TARGETS` value lists; ValueError names a bad one."""
    targets: list[tuple[str, int]] = []
    for item in text.split(","):
        if not (item := item.strip()):
            continue
        host, _, port = item.rpartition(":")
        try:
            address = str(ipaddress.IPv4Address(host))
            number = int(port)
        except ValueError:
            raise ValueError(f"{item!r} is not an IPv4 address and port") from None
        if not 0 < number < 65536:
            raise ValueError(f"{item!r}: the port must be between 1 and 65535")
        targets.append((address, number))
    return tuple(targets)


def discovery_targets(environ: Mapping[str, str] = os.environ) -> tuple[tuple[str, int], ...]:
    """Where the search goes: the environment's list if set, else the broadcast address.

    A list that cannot be read sends the search nowhere (it was meant to narrow it).
    """
    text = environ.get(TARGETS_VARIABLE)
    if text is None:
        return DISCOVERY_TARGETS
    try:
        return parse_targets(text)
    except ValueError as err:
        LOGGER.error("%s: %s; the device search is off", TARGETS_VARIABLE, err)
        return ()


async def async_scan() -> list[DiscoveredDevice]:
    """The devices that answer the search now, those without an identity left out."""
    targets = discovery_targets()
    if not targets:
        return []
    found = await discover(timeout=SCAN_TIMEOUT, targets=targets)
    LOGGER.debug("Device search: %d answered", len(found))
    return [device for device in found if device.identity is not None]


async def _async_scan_and_offer(hass: HomeAssistant) -> None:
    for device in await async_scan():
        discovery_flow.async_create_flow(
            hass, DOMAIN, {"source": SOURCE_INTEGRATION_DISCOVERY}, flow_data(device)
        )


@callback
def async_start_discovery(hass: HomeAssistant) -> None:
    """Search once Home Assistant has started, then every `SCAN_INTERVAL` until it stops."""

    @callback
    def _scan(_now: datetime | HomeAssistant | None = None) -> None:
        hass.async_create_background_task(
            _async_scan_and_offer(hass), f"{DOMAIN} device search", eager_start=True
        )

    async_at_started(hass, _scan)
    async_track_time_interval(hass, _scan, SCAN_INTERVAL, cancel_on_shutdown=True)

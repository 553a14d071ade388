"""The alarm-centre listener: one TCP port shared by every camera that reports to it.

Some firmware sends its alarms only to an "alarm centre": it connects out (to port 15002 by
default) and writes a 1508 message naming itself by serial number. One listener per port
routes each message to its camera's alarm path; it is shared between entries, so it lives in
`hass.data` and closes with the last entry that uses it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from string import hexdigits
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey

from .client import AlarmCentreMessage, AlarmCentreServer, ip_address_of
from .const import DOMAIN, LOGGER

# Every interface: cameras connect from the network. Tests listen on the loopback only.
LISTEN_HOST = "0.0.0.0"  # noqa: S104 - the camera has to reach it
DATA_ALARM_CENTRE: HassKey[AlarmCentreHub] = HassKey(f"{DOMAIN}_alarm_centre")

type AlarmCentreHandler = Callable[[AlarmCentreMessage, str], None]


@dataclass(slots=True)
class _Listener:
    """One listening port and the cameras (by serial number) that report to it."""

    server: AlarmCentreServer
    port: int
    routes: dict[str, AlarmCentreHandler] = field(default_factory=dict)
    # Cameras known by MAC address (no serial number), by their host: their messages may
    # name them by some other id.
    by_host: dict[str, AlarmCentreHandler] = field(default_factory=dict)
    unknown: int = 0


class AlarmCentreHub:
    """The alarm-centre listeners of one Home Assistant, by configured port."""

    def __init__(self) -> None:
        self._listeners: dict[int, _Listener] = {}
        self._lock = asyncio.Lock()

    async def async_register(
        self, port: int, identity: str, handler: AlarmCentreHandler, host: str | None = None
    ) -> tuple[int, Callable[[], Coroutine[Any, Any, None]]]:
        """Route `port`'s messages naming `identity` (or, given `host`, sent from it) to `handler`.

        Returns the bound port and an undo; `OSError` when the port cannot be listened on.
        """
        key = _identity_key(identity)
        async with self._lock:
            listener = self._listeners.get(port)
            if listener is None:
                server = AlarmCentreServer(
                    lambda message, peer: self._dispatch(port, message, peer)
                )
                bound = await server.start(LISTEN_HOST, port)
                listener = _Listener(server, bound)
                self._listeners[port] = listener
                LOGGER.debug("Listening for alarm-centre messages on port %d", bound)
            listener.routes[key] = handler
            if host is not None:
                listener.by_host[_address_key(host)] = handler

        async def unregister() -> None:
            async with self._lock:
                if listener.routes.get(key) is handler:
                    del listener.routes[key]
                if host is not None and listener.by_host.get(_address_key(host)) is handler:
                    del listener.by_host[_address_key(host)]
                if not listener.routes and self._listeners.get(port) is listener:
                    del self._listeners[port]
                    await listener.server.close()

        return listener.port, unregister

    def status(self, port: int) -> dict[str, int] | None:
        """What a listener has received, for diagnostics."""
        listener = self._listeners.get(port)
        if listener is None:
            return None
        return {
            "port": listener.port,
            "received": listener.server.received,
            "rejected_connections": listener.server.rejected,
            "unknown_devices": listener.unknown,
            "cameras": len(listener.routes),
        }

    def _dispatch(self, port: int, message: AlarmCentreMessage, peer: str) -> None:
        listener = self._listeners.get(port)
        if listener is None:
            return
        handler = listener.routes.get(_identity_key(message.serial)) or listener.by_host.get(
            _address_key(peer)
        )
        if handler is None:
            listener.unknown += 1
            LOGGER.debug("Alarm-centre message from %s for an unknown device", peer)
            return
        handler(message, peer)


def _identity_key(identity: str) -> str:
    """A serial number, or a MAC address however a message spells it."""
    folded = identity.strip().casefold()
    compact = folded.replace(":", "").replace("-", "")
    return compact if len(compact) == 12 and all(c in hexdigits for c in compact) else folded


def _address_key(host: str) -> str:
    """A host, an IP address in one spelling (`::ffff:a.b.c.d` as IPv4)."""
    address = ip_address_of(host)
    return str(address) if address is not None else host.casefold()


def alarm_centre_hub(hass: HomeAssistant) -> AlarmCentreHub:
    """The hub of this Home Assistant (created on first use)."""
    hub = hass.data.get(DATA_ALARM_CENTRE)
    if hub is None:
        hub = hass.data[DATA_ALARM_CENTRE] = AlarmCentreHub()
    return hub

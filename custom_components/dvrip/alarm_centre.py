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
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey

from .client import AlarmCentreMessage, AlarmCentreServer
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
    unknown: int = 0


class AlarmCentreHub:
    """The alarm-centre listeners of one Home Assistant, by configured port."""

    def __init__(self) -> None:
        self._listeners: dict[int, _Listener] = {}
        self._lock = asyncio.Lock()

    async def async_register(
        self, port: int, serial: str, handler: AlarmCentreHandler
    ) -> tuple[int, Callable[[], Coroutine[Any, Any, None]]]:
        """Route `serial`'s messages on `port` to `handler`; returns the bound port and an undo.

        Raises `OSError` when the port cannot be listened on.
        """
        async with self._lock:
            listener = self._listeners.get(port)
            if listener is None:
                server = AlarmCentreServer(
                    lambda message, peer: self._dispatch(port, message, peer)
                )
                bound = await server.start(LISTEN_HOST, port)
                listener = _Listener(server, bound)
                self._listeners[port] = listener
                LOGGER.info("Listening for alarm-centre messages on port %d", bound)
            listener.routes[serial.casefold()] = handler

        async def unregister() -> None:
            async with self._lock:
                if listener.routes.get(serial.casefold()) is handler:
                    del listener.routes[serial.casefold()]
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
        handler = listener.routes.get(message.serial.casefold())
        if handler is None:
            listener.unknown += 1
            LOGGER.debug("Alarm-centre message from %s for an unknown device", peer)
            return
        handler(message, peer)


def alarm_centre_hub(hass: HomeAssistant) -> AlarmCentreHub:
    """The hub of this Home Assistant (created on first use)."""
    hub = hass.data.get(DATA_ALARM_CENTRE)
    if hub is None:
        hub = hass.data[DATA_ALARM_CENTRE] = AlarmCentreHub()
    return hub

"""The simulated camera: a real DVRIP TCP server on 127.0.0.1 with a Python API for tests.

    async with CameraSimulator(SimulatorConfig(password="pw", alive_interval=2)) as sim:
        ...connect to sim.host, sim.port...
        record = await sim.raise_alarm(channel=0)      # pushes 1504, adds a clip and a picture
        await sim.inject_fault("silence", 3)           # half-open link for 3 s
        await sim.wait_for(lambda: sim.stats.downloads == 1, timeout=5)

`CameraSimulator` is the `Device` (device.py: its state, alarms, recordings, faults) with its
sockets: the DVRIP server (one `Connection` of session.py per socket), the device search on
UDP (discovery.py) and the HTTP control API (control.py). Where each behaviour is described:
the clock in state.py, alarms and the alarm centre in alarms.py, faults and slow replies in
faults.py, logins and the lockout in accounts.py, the protocol in session.py and download.py.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Self

from simulator.config import (
    FIRST_SESSION_ID,
    HUGE_LENGTH,
    AlarmRecord,
    FaultKind,
    MotionDetection,
    SimulatorConfig,
    SimulatorStats,
)
from simulator.control import ControlServer
from simulator.device import Device
from simulator.discovery import start_responder
from simulator.quirks import Quirk
from simulator.session import Connection

__all__ = [
    "FIRST_SESSION_ID",
    "HUGE_LENGTH",
    "AlarmRecord",
    "CameraSimulator",
    "FaultKind",
    "MotionDetection",
    "SimulatorConfig",
    "SimulatorStats",
]

_LOGGER = logging.getLogger(__name__)


class CameraSimulator(Device):
    """A Xiongmai camera or recorder speaking DVRIP on a local TCP port."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        super().__init__(config)
        self._server: asyncio.Server | None = None
        self._control: ControlServer | None = None
        self._control_port: int | None = None
        self._discovery: asyncio.DatagramTransport | None = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        if self._running:
            return
        self._server = await self._listen(self.config.port)
        self._running = True
        if self.config.history_days > 0:
            self.seed_history(days=self.config.history_days)
        if self.config.discovery_port is not None:
            self._discovery, self._discovery_port = await start_responder(
                self, self.config.discovery_host, self.config.discovery_port
            )
        if self.config.control_port is not None:
            self._control = ControlServer(self)
            self._control_port = await self._control.start(self.config.control_port)
        if self.config.alarm_every:
            self._spawn(self._alarm_loop(self.config.alarm_every), "alarm loop")
        _LOGGER.info(
            "DVRIP camera (%s) listening on %s:%d", self.profile.name, self.host, self.port
        )

    async def stop(self) -> None:
        """Close every socket and end every task the simulator started."""
        if not self._running:
            return
        self._running = False
        if self._control is not None:
            await self._control.stop()
            self._control = None
        if self._discovery is not None:
            self._discovery.close()
            self._discovery = None
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for connection in list(self._connections):
            connection.abort()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if server is not None:
            await server.wait_closed()
        self._fault = None
        self._fault_task = None
        self._audible.set()
        self._notify()

    async def _listen(self, port: int) -> asyncio.Server:
        server = await asyncio.start_server(
            self._accept, self.config.host, port, reuse_address=True
        )
        self._port = server.sockets[0].getsockname()[1]
        return server

    @property
    def control_port(self) -> int | None:
        """The bound HTTP control port, or None when the control API is off."""
        return self._control_port

    @property
    def discovery_port(self) -> int | None:
        """The bound UDP port answering the device search, or None when that is off."""
        return self._discovery_port

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if not self._running or task is None:
            writer.close()
            return
        if self._fault in (FaultKind.DISCONNECT, FaultKind.REBOOT):
            # Down: the connection is reset before a byte is read, like a refused one.
            writer.transport.abort()
            return
        if self.has(Quirk.CONNECTION_LIMIT) and self.open_connection_count >= self.max_connections:
            # TCPMaxConn used up: turned away like a refused connection.
            self._counters.connections_refused += 1
            writer.transport.abort()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self._counters.connections += 1
        connection = Connection(self, reader, writer, self._counters.connections)
        self._connections.add(connection)
        self._counters.peak_connections = max(
            self._counters.peak_connections, self.open_connection_count
        )
        self._notify()
        try:
            await connection.serve()
        finally:
            self._connections.discard(connection)
            self._detach(connection)
            self._notify()

    def _detach(self, connection: Connection) -> None:
        """A socket is gone: its login session ends and transfers feeding it stop."""
        if connection.login is not None:
            self.close_session(connection.login)
        self.live.end(connection)
        self.speaker.end(connection)
        for session in self._sessions.values():
            session.forget_data_connection(connection)

"""What the device keeps of each connection: its login session and its download claims.

The device (device.py and the modules it is made of) sees a connection only as a `Link`, a
protocol that session.py's `Connection` satisfies, so that the layers below the socket never
import it. A `LoginSession` belongs to the socket it logged in on; a `DownloadClaim` names
the file a session claimed and the socket its data will go to (download.py runs it).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from simulator.history import HistoryEntry
from simulator.wire import MessageId


class Link(Protocol):
    """One TCP connection to the device, as the device and the request handlers use it."""

    login: LoginSession | None
    # The connection's number, in the order they came (names it in logs and records).
    number: int

    @property
    def session_id(self) -> int: ...

    @property
    def closed(self) -> bool: ...

    async def reply(
        self, message_id: int, body: dict[str, Any], *, session_id: int | None = None
    ) -> bool: ...

    async def push_alarm(self, body: dict[str, Any], session_id: int) -> bool: ...

    async def send_binary(self, message_id: int, payload: bytes) -> bool: ...

    async def send_media(
        self,
        payload: bytes,
        *,
        session_id: int,
        channel: int,
        end: bool,
        message_id: int = MessageId.DOWNLOAD_DATA,
    ) -> bool: ...

    async def write_raw(self, data: bytes) -> bool: ...

    def corrupt_next_json(self, message_id: int | None = None) -> None: ...

    def wrong_session_next_push(self) -> None: ...

    async def force_logout(self) -> None: ...

    def close_soon(self) -> None: ...

    async def close(self) -> None: ...

    def abort(self) -> None: ...


class RunningTransfer(Protocol):
    """A download under way (download.py's `Transfer`)."""

    claim: DownloadClaim

    @property
    def done(self) -> bool: ...

    def cancel(self) -> None: ...


@dataclass(eq=False, slots=True)
class DownloadClaim:
    """A claimed file waiting for DownloadStart, and the socket its data will go to."""

    entry: HistoryEntry
    data_connection: Link
    session: LoginSession
    # The part of the file asked for (OPPlayBack StartTime/EndTime); None: all of it.
    window: tuple[datetime, datetime] | None = None


@dataclass(eq=False, slots=True)
class LoginSession:
    """A successful login: owned by the socket it logged in on."""

    session_id: int
    user: str
    connection: Link
    subscribed: bool = False
    claims: list[DownloadClaim] = field(default_factory=list)
    transfer: RunningTransfer | None = None
    # A DownloadStart waiting for its claim to arrive on the other socket.
    pending_start: asyncio.Task[None] | None = None

    def cancel_pending_start(self) -> None:
        task, self.pending_start = self.pending_start, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    def cancel_transfer(self) -> bool:
        """Stop the running transfer, if any; True if one was running."""
        transfer, self.transfer = self.transfer, None
        if transfer is None or transfer.done:
            return False
        transfer.cancel()
        return True

    def end(self) -> None:
        """The session is over: stop its transfer and close its data sockets."""
        data_connections = {claim.data_connection for claim in self.claims}
        if self.transfer is not None:
            data_connections.add(self.transfer.claim.data_connection)
        self.cancel_pending_start()
        self.cancel_transfer()
        self.claims.clear()
        for connection in data_connections:
            if connection is not self.connection:
                connection.close_soon()

    def forget_data_connection(self, connection: Link) -> None:
        """A data socket closed: drop its claims and the transfer feeding it."""
        self.claims = [claim for claim in self.claims if claim.data_connection is not connection]
        if self.transfer is not None and self.transfer.claim.data_connection is connection:
            self.transfer.cancel()
            self.transfer = None

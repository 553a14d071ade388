"""One TCP connection to a device: a reader task that routes packets by message id.

Devices keep their own sequence counters and replies carry no request id, so a reply is
matched to its request by message id (request id + 1), with at most one request of a reply
id in flight (each reply id has its own lock).

Firmware ignores requests it does not know instead of refusing them (a SystemInfo of another
name, a ConfigGet of a section it lacks or too large to assemble), and the connection stays
usable. So only a request whose answer proves the link alive (login, keepalive: `required`)
closes the connection when unanswered. Any other request that times out is abandoned: its
reply id and the `Name` it asked for are remembered, and a reply that comes late is known by
that `Name` (JSON replies echo it: `{"Name": "NetWork.ChnStatus", ...}`) and dropped instead
of being taken for the answer to the next request of that id. Media is routed by id alone:
its payload is never read to match anything.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
import contextlib
from dataclasses import dataclass
import itertools
import logging
from typing import Any, Final

from .const import MessageId
from .errors import (
    DvripConnectionError,
    DvripError,
    DvripProtocolError,
    DvripTimeoutError,
)
from .framing import (
    FragmentAssembler,
    Packet,
    PacketDecoder,
    decode_json,
    encode_json,
    encode_packet,
    format_session_id,
)

_LOGGER = logging.getLogger(__name__)

# How long a logout's answer, and the device closing the socket after it, are waited for.
LOGOUT_TIMEOUT: Final = 2.0

_READ_CHUNK: Final = 64 * 1024
# Media packets waiting for a slow sink; beyond this the reader stops reading (TCP backpressure).
_MEDIA_QUEUE_PACKETS: Final = 64

# Abandoned requests remembered at most, and for at most this long: a reply later than that
# is not coming, and what is remembered must stay bounded on a device that never answers.
_ABANDONED_KEPT: Final = 32
_ABANDONED_TTL: Final = 600.0

# An alarm push's JSON and the session id its header carries.
type AlarmHandler = Callable[[dict[str, Any], int], None]
type CloseHandler = Callable[[DvripError | None], None]


@dataclass(frozen=True, slots=True)
class _Abandoned:
    """A request given up on whose reply may still come: its reply id and the name asked."""

    reply_id: int
    name: str
    # Loop time after which it is forgotten.
    until: float


class DvripConnection:
    """A framed connection; knows nothing of logins beyond carrying the session id."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        name: str = "control",
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._name = name
        self.session_id = 0
        self._sequence = itertools.count()
        self._decoder = PacketDecoder()
        self._fragments = FragmentAssembler()
        self._pending: dict[int, asyncio.Future[Packet]] = {}
        # The `Name` each request in flight asked for, by reply id ("" when none).
        self._pending_names: dict[int, str] = {}
        self._abandoned: deque[_Abandoned] = deque(maxlen=_ABANDONED_KEPT)
        # Until when (loop time) an abandoned request may still hold up the device's answers.
        self._late_until = 0.0
        self._locks: dict[int, asyncio.Lock] = {}
        # When each request in flight gives up (loop time), by reply id.
        self._deadlines: dict[int, float] = {}
        self._media_queue: asyncio.Queue[Packet] | None = None
        self._closed = asyncio.Event()
        self._close_reason: DvripError | None = None
        # The device closed the socket in order (end of stream), rather than resetting it.
        self.closed_by_device = False
        self.on_alarm: AlarmHandler | None = None
        self.on_close: CloseHandler | None = None
        self._reader_task = asyncio.create_task(self._read_loop(), name=f"dvrip {name} reader")

    @classmethod
    async def open(
        cls, host: str, port: int, *, timeout: float, name: str = "control"
    ) -> DvripConnection:
        """Connect, or raise `DvripConnectionError` / `DvripTimeoutError`."""
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(host, port)
        except TimeoutError:
            raise DvripTimeoutError(f"no answer from {host}:{port} within {timeout} s") from None
        except OSError as err:
            raise DvripConnectionError(f"cannot connect to {host}:{port}: {err}") from err
        return cls(reader, writer, name=name)

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    @property
    def closed_event(self) -> asyncio.Event:
        return self._closed

    @property
    def close_reason(self) -> DvripError | None:
        return self._close_reason

    async def wait_closed(self) -> None:
        await self._closed.wait()

    def send(self, msg_id: int, message: dict[str, Any] | bytes) -> None:
        """Write one packet without waiting for a reply."""
        if self.closed:
            raise self._close_reason or DvripConnectionError("connection closed")
        payload = message if isinstance(message, bytes) else encode_json(message)
        self._writer.write(
            encode_packet(
                msg_id, payload, session_id=self.session_id, sequence=next(self._sequence)
            )
        )

    async def request(
        self,
        msg_id: int,
        message: dict[str, Any],
        *,
        timeout: float,
        reply_id: int | None = None,
        required: bool = False,
    ) -> Packet:
        """Send a request and return its reply packet; `DvripTimeoutError` when none comes.

        `required`: only a dead link leaves this request unanswered (login, keepalive), so a
        timeout closes the connection. Any other request is abandoned on timeout and the
        connection stays up; a late reply to it is dropped (see the module docstring).
        """
        reply_id = msg_id + 1 if reply_id is None else reply_id
        name = _name_of(message)
        lock = self._locks.setdefault(reply_id, asyncio.Lock())
        async with lock:
            waiter = self.expect(reply_id)
            self._pending_names[reply_id] = name
            loop = asyncio.get_running_loop()
            self._deadlines[reply_id] = loop.time() + timeout
            try:
                self.send(msg_id, message)
                return await self._reply(waiter, loop.time() + timeout, timeout, required=required)
            except TimeoutError:
                if required:
                    error = DvripTimeoutError(
                        f"no reply to message {msg_id} within {timeout} s; connection dropped"
                    )
                    self.close(error)
                    raise error from None
                now = loop.time()
                self._abandoned.append(_Abandoned(reply_id, name, now + _ABANDONED_TTL))
                # A device answers in order: one still working on it holds up what comes next
                # for up to as long again.
                self._late_until = max(self._late_until, now + timeout)
                raise DvripTimeoutError(
                    f"no reply to message {msg_id} {name!r} within {timeout} s"
                ) from None
            finally:
                self._deadlines.pop(reply_id, None)
                self._pending_names.pop(reply_id, None)
                self.forget(reply_id, waiter)

    async def _reply(
        self, waiter: asyncio.Future[Packet], deadline: float, timeout: float, *, required: bool
    ) -> Packet:
        """The reply, by `deadline`; for a required request, later when a request abandoned
        meanwhile holds it up.

        Devices answer in order: a reply queued behind one that the device is still working
        on after it was given up comes only after that one. A required request (a keepalive)
        must not take that for a dead link; any other keeps its own timeout.
        """
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    return await asyncio.shield(waiter)
            except TimeoutError:
                held_until = self._late_until + timeout if self._late_until else 0.0
                if not required or held_until <= deadline:
                    raise
                deadline = held_until

    def abandoned(self, reply_id: int, name: str) -> bool:
        """Whether a request of this reply id and name was given up on and may still answer."""
        self._expire_abandoned()
        return any(item.reply_id == reply_id and item.name == name for item in self._abandoned)

    def settle_abandoned(self, reply_id: int, name: str) -> None:
        """Forget the abandoned requests of this reply id and name: their replies are not coming
        (the caller made sure, for example with a round trip the device answers in order).
        """
        kept = [item for item in self._abandoned if (item.reply_id, item.name) != (reply_id, name)]
        self._abandoned.clear()
        self._abandoned.extend(kept)
        if not kept:
            self._late_until = 0.0

    def _expire_abandoned(self) -> None:
        now = asyncio.get_running_loop().time()
        while self._abandoned and self._abandoned[0].until <= now:
            self._abandoned.popleft()

    def _late_reply(self, msg_id: int, payload: bytes) -> bool:
        """Whether a JSON reply answers an abandoned request rather than the one in flight.

        Known by the `Name` it echoes: one that an abandoned request of this id asked for and
        the request in flight did not. Such a reply is consumed: it is not coming twice.
        """
        self._expire_abandoned()
        if not any(item.reply_id == msg_id for item in self._abandoned):
            return False
        try:
            name = _name_of(decode_json(payload))
        except DvripProtocolError:
            return False
        if not name:
            return False
        for item in self._abandoned:
            if item.reply_id == msg_id and item.name == name:
                self._abandoned.remove(item)
                if not self._abandoned:
                    # What the device answers next comes right behind: a required request
                    # waiting now still gets its own timeout from here.
                    self._late_until = asyncio.get_running_loop().time()
                # A request in flight that asked for the same name takes it: the answer to
                # either says the same.
                return self._pending_names.get(msg_id) != name
        return False

    def busy_for(self) -> float:
        """Seconds until the slowest request in flight gives up, or an abandoned one's grace
        ends (0 when there is none).

        Devices answer in order: a reply queued behind a slow one (a busy recorder's file
        search, or one given up on that the device is still working on) comes only after
        it, and is not late for that.
        """
        if not self._abandoned:
            self._late_until = 0.0
        until = max([self._late_until, *self._deadlines.values()])
        return max(0.0, until - asyncio.get_running_loop().time())

    def expect(self, reply_id: int) -> asyncio.Future[Packet]:
        """A future for the next packet with this id (for replies a device may not send)."""
        if self.closed:
            raise self._close_reason or DvripConnectionError("connection closed")
        waiter: asyncio.Future[Packet] = asyncio.get_running_loop().create_future()
        self._pending[reply_id] = waiter
        return waiter

    def forget(self, reply_id: int, waiter: asyncio.Future[Packet]) -> None:
        if self._pending.get(reply_id) is waiter:
            del self._pending[reply_id]
        waiter.cancel()

    def route_media(self, queue: asyncio.Queue[Packet] | None) -> None:
        """Send media packets to this queue (None drops them)."""
        self._media_queue = queue

    def close(self, reason: DvripError | None = None) -> None:
        """Close now; waiters fail with `reason` (or a plain connection error)."""
        if self.closed:
            return
        self._close_reason = reason
        self._closed.set()
        error = reason or DvripConnectionError("connection closed")
        for waiter in self._pending.values():
            if not waiter.done():
                waiter.set_exception(error)
        self._pending.clear()
        self._abandoned.clear()
        if self._reader_task is not asyncio.current_task():
            self._reader_task.cancel()
        self._writer.close()
        if self.on_close is not None:
            self.on_close(reason)

    async def log_out(self, timeout: float = LOGOUT_TIMEOUT) -> None:
        """Log out where the device still listens, and close once the device has.

        A device closes the socket after it answers a logout (the interface document;
        python-dvr `close()`): waiting for that (`timeout` at most) frees its connection
        slot before this client opens another, so it never counts one too many.
        """
        try:
            if not self.closed:
                with contextlib.suppress(DvripError):
                    await self.request(
                        MessageId.LOGOUT_REQ,
                        {"Name": "", "SessionID": format_session_id(self.session_id)},
                        timeout=timeout,
                    )
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        await self.closed_event.wait()
        finally:
            self.on_close = None
            await self.aclose()

    async def aclose(self, reason: DvripError | None = None) -> None:
        """Close and wait until the reader task and the socket are gone."""
        self.close(reason)
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader_task
        with contextlib.suppress(OSError, asyncio.CancelledError):
            await self._writer.wait_closed()

    async def _read_loop(self) -> None:
        reason: DvripError | None = None
        try:
            while True:
                chunk = await self._reader.read(_READ_CHUNK)
                if not chunk:
                    self.closed_by_device = True
                    reason = DvripConnectionError(f"{self._name} connection closed by the device")
                    break
                for packet in self._decoder.feed(chunk):
                    await self._dispatch(packet)
        except asyncio.CancelledError:
            raise
        except DvripError as err:
            reason = err
        except OSError as err:
            reason = DvripConnectionError(f"{self._name} connection failed: {err}")
        self.close(reason)

    async def _dispatch(self, packet: Packet) -> None:
        msg_id = packet.msg_id
        if packet.is_media:
            if self._media_queue is not None:
                await self._media_queue.put(packet)
            return
        try:
            payload = self._fragments.add(packet)
        except DvripProtocolError:
            _LOGGER.warning("Dropped an oversized fragmented message %d", msg_id)
            return
        if payload is None:
            return
        whole = Packet(packet.header, payload)
        if msg_id == MessageId.ALARM_INFO:
            self._deliver_alarm(whole)
        elif msg_id == MessageId.FORCED_LOGOUT:
            self.close(DvripConnectionError("the device ended the login (forced logout)"))
        elif self._late_reply(msg_id, payload):
            _LOGGER.debug(
                "Dropped a late reply %d to a request given up on (%s connection)",
                msg_id,
                self._name,
            )
        elif (waiter := self._pending.pop(msg_id, None)) is not None and not waiter.done():
            waiter.set_result(whole)
        else:
            _LOGGER.debug("Dropped unexpected message %d on the %s connection", msg_id, self._name)

    def _deliver_alarm(self, packet: Packet) -> None:
        if self.on_alarm is None:
            return
        try:
            message = decode_json(packet.payload)
        except DvripProtocolError as err:
            _LOGGER.warning("Ignored an unreadable alarm push: %s", err)
            return
        try:
            self.on_alarm(message, packet.header.session_id)
        except Exception:
            _LOGGER.exception("Alarm handler failed")


def _name_of(message: dict[str, Any]) -> str:
    name = message.get("Name")
    return name.strip() if isinstance(name, str) else ""


def media_queue() -> asyncio.Queue[Packet]:
    """A bounded queue for `DvripConnection.route_media`."""
    return asyncio.Queue(maxsize=_MEDIA_QUEUE_PACKETS)

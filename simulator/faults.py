"""Faults the device can be told to show, and answers it holds back.

Faults that last N seconds: "disconnect" resets every connection (RST) and resets new ones
at once, before a byte is read; "silence" keeps every connection open but answers, pushes
and sends nothing, and requests read in that time are dropped, as on a half-open link;
"reboot" is "disconnect" plus a restart: session ids start again from the first value,
uptime restarts and alarm states clear.

Faults that happen once, at once (``seconds`` is ignored): "garbage" writes random bytes to
every connection between packets and carries on; "huge_length" writes a header announcing a
4 GiB payload (then a little junk) to every connection and carries on; "invalid_json" makes
the next JSON packet of every connection unparseable (``corrupt_json`` picks a message id);
"wrong_session" sends the next push of every connection with another session's id;
"logout" sends a forced logout (1004) to every login session and closes its socket;
"cut_download" resets the data socket of the next download halfway through the file.

Slow replies: ``reply_delay`` (config) delays every answer; ``delay_replies`` delays the
answers to one message id, or the next few. A connection answers in order, so a reply held
back holds back the ones after it, as on real devices.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
import logging

from simulator.config import HUGE_LENGTH, INSTANT_FAULTS, FaultKind, ReplyDelay
from simulator.state import DeviceState
from simulator.wire import Header, MessageId

_LOGGER = logging.getLogger(__name__)


class Faults(DeviceState):
    """Injected faults and held-back answers."""

    async def inject_fault(self, kind: FaultKind | str, seconds: float = 0.0) -> None:
        """Start a fault now; it ends by itself after ``seconds`` (see INSTANT_FAULTS)."""
        kind = FaultKind(kind)
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise ValueError("seconds must be a non-negative number")
        if not self._running:
            raise RuntimeError("the simulator is not running")
        await self._end_fault()
        _LOGGER.info("Fault %s for %.1f s", kind, seconds)
        if kind in INSTANT_FAULTS:
            await self._instant_fault(kind)
            return
        self._fault = kind
        if kind is FaultKind.SILENCE:
            self._audible.clear()
        else:
            # The listening socket stays open (closing it races with connections being
            # accepted); what connects meanwhile is reset at once (see _accept).
            for connection in list(self._connections):
                connection.abort()
            if kind is FaultKind.REBOOT:
                self._reboot()
        self._fault_task = self._spawn(self._fault_timer(seconds), f"fault {kind}")
        self._notify()

    async def _instant_fault(self, kind: FaultKind) -> None:
        connections = list(self._connections)
        if kind is FaultKind.GARBAGE:
            for connection in connections:
                junk = self._random.randbytes(self._random.randrange(32, 512))
                # A first byte other than 0xFF makes sure a parser sees bad magic at once.
                await connection.write_raw(b"\x00" + junk)
        elif kind is FaultKind.HUGE_LENGTH:
            for connection in connections:
                header = Header(
                    message_id=MessageId.ALARM_INFO,
                    length=HUGE_LENGTH,
                    session_id=connection.session_id,
                    version=self.profile.reply_version,
                )
                # The header's length is a lie: only a little junk follows.
                await connection.write_raw(header.pack() + self._random.randbytes(64))
        elif kind is FaultKind.INVALID_JSON:
            self.corrupt_json()
        elif kind is FaultKind.WRONG_SESSION:
            for connection in connections:
                connection.wrong_session_next_push()
        elif kind is FaultKind.LOGOUT:
            for connection in connections:
                if connection.login is not None:
                    await connection.force_logout()
        elif kind is FaultKind.CUT_DOWNLOAD:
            self._cut_next_download = True
        self._notify()

    async def clear_fault(self) -> None:
        """End the current fault now instead of when its time is up."""
        await self._end_fault()

    def _reboot(self) -> None:
        self._counters.reboots += 1
        for session in list(self._sessions.values()):
            session.end()
        self._sessions.clear()
        self._next_session_id = self._first_session_id()
        self._active_alarms.clear()
        self._stills_stuck = False
        self._recording_now.clear()
        self._boot = datetime.now(self._zone)
        if (epoch := self.clock_epoch) is not None:
            # No clock battery: the clock starts again at its epoch and runs on from there.
            self.set_clock(epoch)

    async def _fault_timer(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        self._fault_task = None
        await self._end_fault()

    async def _end_fault(self) -> None:
        task, self._fault_task = self._fault_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._fault is None:
            return
        _LOGGER.info("Fault %s over", self._fault)
        self._fault = None
        self._audible.set()
        self._notify()

    def delay_replies(
        self, seconds: float, *, message_id: int | None = None, count: int | None = None
    ) -> None:
        """Hold back the answers to `message_id` (any request when None) by `seconds`.

        With `count`, only that many answers are held back; `seconds` 0 clears every delay
        set this way (``reply_delay`` of the config stays).
        """
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise ValueError("seconds must be a non-negative number")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
            raise TypeError("count must be an integer")
        if not seconds:
            self._reply_delays.clear()
            return
        self._reply_delays.append(ReplyDelay(float(seconds), message_id, count))

    def corrupt_json(self, message_id: int | None = None) -> int:
        """Make the next JSON packet (of `message_id`, or any) of every connection invalid.

        Returns how many connections will send one.
        """
        connections = list(self._connections)
        for connection in connections:
            connection.corrupt_next_json(message_id)
        return len(connections)

    def reply_delay(self, message_id: int) -> float:
        """Seconds to wait before answering a request (used once per request)."""
        delay = self.config.reply_delay
        for held in list(self._reply_delays):
            if held.message_id is None or held.message_id == message_id:
                delay = max(delay, held.seconds)
                if held.count is not None:
                    held.count -= 1
                    if held.count <= 0:
                        self._reply_delays.remove(held)
                break
        return delay

"""Alarms: pushed to the login sessions that subscribed, recorded, and sent to an alarm centre.

``raise_alarm`` pushes 1504 to every login session that sent AlarmSet (unless the profile
never pushes or a fault is active). A Start of a video-analytics event adds a motion clip
("[M]", BeginTime = the alarm's StartTime) and a picture ("Type jpg", kind chosen by the
profile) to history; a Start of an alarm-input event adds "[A]" entries. Alarms raised during
a fault still go into history. With motion detection off a motion event is not seen at all
(no push, no history); with only its upload (MessageEnable) off it is recorded, not pushed.

Alarm centre: with ``alarm_centre_host`` set, each alarm is also sent as a 1508 message to
that host and ``alarm_centre_port``, on a connection the camera opens for it (the way
firmware reports to an "alarm centre" server). ``set_alarm_centre`` changes the target.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
import logging
from typing import Any

from simulator.config import (
    ALARM_CENTRE_TIMEOUT,
    ALARM_INPUT_EVENTS,
    DEFAULT_ALARM_CENTRE_PORT,
    MOTION_EVENTS,
    PUSH_TIMEOUT,
    AlarmRecord,
)
from simulator.history import RecordEvent
from simulator.link import LoginSession
from simulator.quirks import VENDOR_EVENT_NAMES, Quirk
from simulator.recorder import Recorder
from simulator.wire import Header, MessageId, encode_json, encode_packet, format_time

_LOGGER = logging.getLogger(__name__)


class Alarms(Recorder):
    """Raising alarms: the push, the recording and the alarm centre."""

    async def raise_alarm(
        self,
        channel: int = 0,
        event: str = "VideoMotion",
        status: str = "Start",
        *,
        time: datetime | None = None,
    ) -> AlarmRecord:
        """Push an AlarmInfo to subscribed sessions and, on Start, record it in history."""
        self._check_channel(channel)
        if not isinstance(event, str) or not event:
            raise ValueError("event must be a non-empty string")
        if not isinstance(status, str) or not status:
            raise ValueError("status must be a non-empty string")
        if self.has(Quirk.MOTIONDETECT):
            event = VENDOR_EVENT_NAMES.get(event, event)
        moment = (time or self.now()).replace(microsecond=0, tzinfo=None)
        motion = self._motion[channel]
        is_motion = event in MOTION_EVENTS
        if is_motion and not motion.enabled:
            # The camera does not see motion at all when detection is off.
            record = AlarmRecord(channel, event, status, moment, 0, detected=False)
            self.alarms.append(record)
            return record
        clip = picture = None
        if status == "Start":
            self._active_alarms.add((channel, event))
            letter = RecordEvent.MOTION if is_motion else None
            if event in ALARM_INPUT_EVENTS:
                letter = RecordEvent.ALARM
            if letter is not None:
                clip, picture = self._record(moment, channel, letter)
        else:
            self._active_alarms.discard((channel, event))
        pushed = 0
        if self.profile.push_alarms and not (is_motion and not motion.upload):
            pushed = await self._push(
                {
                    "AlarmInfo": {
                        "Channel": channel,
                        "Event": event,
                        "StartTime": format_time(moment),
                        "Status": status,
                    },
                    "Name": "AlarmInfo",
                }
            )
        if self._alarm_centre is not None and self._fault is None:
            await self._send_alarm_centre(channel, event, status, moment)
        record = AlarmRecord(channel, event, status, moment, pushed, clip, picture)
        self.alarms.append(record)
        self._notify()
        return record

    async def _push(self, body: dict[str, Any]) -> int:
        if self._fault is not None:
            return 0
        targets = [session for session in self._sessions.values() if session.subscribed]

        async def push_one(session: LoginSession) -> bool:
            try:
                async with asyncio.timeout(PUSH_TIMEOUT):
                    return await session.connection.push_alarm(body, session.session_id)
            except TimeoutError:
                _LOGGER.warning("Push to session 0x%08X timed out", session.session_id)
                return False

        results = await asyncio.gather(*(push_one(session) for session in targets))
        pushed = sum(results)
        self._counters.pushes_sent += pushed
        return pushed

    async def _send_alarm_centre(
        self, channel: int, event: str, status: str, moment: datetime
    ) -> None:
        """Connect out to the alarm centre, write one 1508 message and hang up."""
        assert self._alarm_centre is not None
        host, port = self._alarm_centre
        address = int.from_bytes(bytes(int(part) for part in _ipv4(self.config.host)), "little")
        body = {
            "Address": f"0x{address:08X}",
            "Channel": channel,
            "Descrip": "",
            "Event": event,
            "SerialID": self.config.serial,
            "StartTime": format_time(moment),
            "Status": status,
            "Type": "Alarm",
        }
        packet = encode_packet(
            Header(message_id=MessageId.ALARM_CENTER, length=0, version=1),
            encode_json(body, b"\n"),
        )
        try:
            async with asyncio.timeout(ALARM_CENTRE_TIMEOUT):
                _reader, writer = await asyncio.open_connection(host, port)
                try:
                    writer.write(packet)
                    await writer.drain()
                finally:
                    writer.close()
                    with contextlib.suppress(OSError):
                        await writer.wait_closed()
        except (OSError, TimeoutError) as err:
            _LOGGER.warning("Cannot reach the alarm centre at %s:%d: %s", host, port, err)
            return
        self._counters.alarm_centre_sent += 1
        self._notify()

    def set_alarm_centre(self, host: str | None, port: int = DEFAULT_ALARM_CENTRE_PORT) -> None:
        """Send each alarm to an alarm centre at `host:port` as well; None stops that."""
        if host is None:
            self._alarm_centre = None
            return
        if not isinstance(host, str) or not host:
            raise ValueError("host must be a non-empty string")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise ValueError("port must be between 1 and 65535")
        self._alarm_centre = (host, port)

    @property
    def alarm_centre(self) -> tuple[str, int] | None:
        """Where alarms are also sent as 1508 messages, if anywhere."""
        return self._alarm_centre

    async def _alarm_loop(self, every: float) -> None:
        """Raise VideoMotion Start, then Stop a while later, on each channel in turn."""
        channel = 0
        while True:
            await asyncio.sleep(every)
            await self.raise_alarm(channel=channel, event="VideoMotion", status="Start")
            await asyncio.sleep(min(self.config.alarm_duration, every / 2))
            await self.raise_alarm(channel=channel, event="VideoMotion", status="Stop")
            channel = (channel + 1) % self.camera_channels


def _ipv4(host: str) -> tuple[int, int, int, int]:
    """The four bytes of a dotted IPv4 address; 0.0.0.0 for anything else."""
    parts = host.split(".")
    if len(parts) == 4 and all(part.isdigit() and int(part) < 256 for part in parts):
        return (int(parts[0]), int(parts[1]), int(parts[2]), int(parts[3]))
    return (0, 0, 0, 0)

"""Media and recordings: what the device records (clips and pictures in its history), finds
for a file query, serves as a still, and holds back from downloads.

Alarms record a clip and a picture; a recording still going on is extended instead, and with
``continuous_recording`` alarms fall inside hour-long files (see alarms.py). History entries
keep the time they were stamped with when the clock moves later, as recorders do.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from simulator.config import HOUR_SECONDS, LARGE_STILL_BYTES
from simulator.history import FileQuery, HistoryEntry, RecordEvent, RecordType
from simulator.media import PictureKind, jpeg_picture, padded_jpeg, without_jfif
from simulator.quirks import Quirk
from simulator.state import DeviceState

# What `stall_downloads` holds when no file is named: every download.
_EVERY_FILE = "*"


class Recorder(DeviceState):
    """The device's recordings, stills and the downloads held back."""

    def next_picture_kind(self) -> PictureKind:
        kinds = self.profile.picture_kinds
        kind = kinds[self._picture_turn % len(kinds)]
        self._picture_turn += 1
        return kind

    def add_history(
        self,
        begin: datetime,
        *,
        channel: int = 0,
        event: RecordEvent | str = RecordEvent.MOTION,
        video: bool = True,
        picture: bool = True,
        picture_kind: PictureKind | None = None,
        seconds: int | None = None,
        file_names: tuple[str | None, str | None] = (None, None),
    ) -> list[HistoryEntry]:
        """Record a clip and/or a picture starting at ``begin`` (camera clock, naive).

        ``file_names`` replaces the names the clip and the picture would get (hostile firmware
        can name a file ``../../x``); None keeps a name.
        """
        self._check_channel(channel)
        letter = RecordEvent(event)
        added: list[HistoryEntry] = []
        if video:
            added.append(
                self.history.add(
                    channel=channel,
                    record_type=RecordType.VIDEO,
                    event=letter,
                    begin=begin,
                    clip_spec=self.clip_spec,
                    seconds=seconds,
                    file_name=file_names[0],
                )
            )
        if picture:
            added.append(
                self.history.add(
                    channel=channel,
                    record_type=RecordType.PICTURE,
                    event=letter,
                    begin=begin,
                    clip_spec=self.clip_spec,
                    picture_kind=picture_kind or self.next_picture_kind(),
                    file_name=file_names[1],
                )
            )
        self._notify()
        return added

    def _record(
        self, moment: datetime, channel: int, event: RecordEvent
    ) -> tuple[HistoryEntry, HistoryEntry]:
        """An alarm's clip and picture: a recording still going on is extended instead.

        Cameras keep recording while motion goes on, so alarms during a recording do not
        each make a new file (a file already downloaded is closed: a new one starts).
        """
        if self.config.continuous_recording:
            return self._hour_file(moment, channel, event), self._picture(moment, channel, event)
        until = moment + timedelta(seconds=self.clip_spec.seconds)
        ongoing = self._recording_now.get((channel, event))
        if (
            ongoing is not None
            and not ongoing.media_ready
            and ongoing.begin <= moment <= ongoing.end
        ):
            self.history.extend(ongoing, until)
            return ongoing, self._picture(moment, channel, event)
        clip, picture = self.add_history(moment, channel=channel, event=event)
        self._recording_now[channel, event] = clip
        return clip, picture

    def _picture(self, moment: datetime, channel: int, event: RecordEvent) -> HistoryEntry:
        (picture,) = self.add_history(moment, channel=channel, event=event, video=False)
        return picture

    def _hour_file(self, moment: datetime, channel: int, event: RecordEvent) -> HistoryEntry:
        """The hour-long recording `moment` falls in (continuous recording), made if new."""
        hour = moment.replace(minute=0, second=0, microsecond=0)
        found = self.history.recording(channel, event, moment)
        if found is not None and found.begin == hour:
            return found
        (clip,) = self.add_history(
            hour, channel=channel, event=event, picture=False, seconds=HOUR_SECONDS
        )
        return clip

    def seed_history(
        self, days: float, *, interval: timedelta | None = None, end: datetime | None = None
    ) -> list[HistoryEntry]:
        """Pre-seed motion events on every channel over the last ``days`` days."""
        step = interval or self.config.history_interval
        end = end or self.now()
        moment = end - timedelta(days=days)
        added: list[HistoryEntry] = []
        while moment < end:
            for channel in range(self.camera_channels):
                jitter = timedelta(seconds=self._random.randrange(0, max(1, int(step.seconds / 2))))
                added.extend(self.add_history(moment + jitter, channel=channel))
            moment += step
        return added

    async def file_query(self, query: FileQuery, limit: int) -> list[HistoryEntry]:
        """Entries for a search, with their FileLength as stored (see history.py)."""
        self._counters.queries += 1
        self._notify()
        found = self.history.query(
            query, any_event_only=self.profile.event_filter_any_only, limit=limit
        )
        for entry in found:
            if entry.made_before_listing:
                await entry.media()
        return found

    async def snapshot(self, channel: int) -> bytes:
        """A live JPEG of a channel (generated in a worker thread once, then reused)."""
        self._counters.snapshots += 1
        picture = self._snapshots.get(channel)
        if picture is None:
            picture = await asyncio.to_thread(
                jpeg_picture,
                width=self.profile.clip_width,
                height=self.profile.clip_height,
                seed=self.config.seed + channel,
            )
            self._snapshots[channel] = picture
        if self.has(Quirk.SNAP_LARGE):
            picture = padded_jpeg(picture, LARGE_STILL_BYTES)
        if self.has(Quirk.JPEG_NO_JFIF):
            picture = without_jfif(picture)
        self._notify()
        return picture

    async def stuck_still(self) -> None:
        """snap-stuck: the first still takes `snap_stuck_delay`; from then on stills are stuck."""
        self._counters.snapshots += 1
        self._notify()
        if self._stills_stuck:
            return
        self._stills_stuck = True
        await asyncio.sleep(self.config.snap_stuck_delay)

    def stall_downloads(self, file_name: str | None = None, *, stalled: bool = True) -> None:
        """Hold the downloads of one file (None: of every file) before their first byte.

        As a camera stuck on its SD card; ``stalled=False`` lets them go on.
        """
        name = file_name or _EVERY_FILE
        if stalled:
            self._stalled.add(name)
        else:
            self._stalled.discard(name)
        self._notify()

    async def wait_downloads_flowing(self, entry: HistoryEntry) -> None:
        await self.wait_for(
            lambda: not self._stalled & {_EVERY_FILE, entry.file_name}, timeout=None
        )

    def take_download_cut(self) -> bool:
        """Whether the transfer starting now is to be cut halfway ("cut_download")."""
        cut, self._cut_next_download = self._cut_next_download, False
        return cut

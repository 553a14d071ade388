"""Alarm clips: each alarm's few seconds of video, kept as MP4 beside its picture.

When a channel's alarm picture is kept, the recording that holds the alarm is looked for (the
camera may list it only once it has written it: it is asked again after a while) and the
alarm's window of it written next to the picture. Clips are kept within the size the user set
(*Alarm clips* option, 0 = none), the oldest written removed first. A new clip is announced on
`signal_clip`: the image entity shows its URLs, a signed one that needs no login included, so
that a notification can attach it (as Frigate's notification proxy offers its clips).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
import logging
from typing import TYPE_CHECKING, Final

from homeassistant.components.http.auth import async_sign_path
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect, async_dispatcher_send

from .client import DvripError
from .models import signal_picture
from .pictures.clips import (
    clip_file_name,
    find_alarm_recording,
    keep_clips_within,
    write_alarm_clip,
)
from .pictures.kept import KeptPicture
from .pictures.remux import RemuxError
from .storage import PICTURES_FOLDER, media_root

if TYPE_CHECKING:
    from .coordinator import DvripCoordinator

_LOGGER = logging.getLogger(__name__)

# The camera writes an alarm's recording while the alarm goes on: asked again after these.
RETRY_DELAYS: Final = (15.0, 30.0, 60.0, 120.0)
CLIP_DOWNLOAD_TIMEOUT: Final = 60.0
# How long a signed clip URL lets anyone with it fetch the clip.
SIGNED_URL_LIFETIME: Final = timedelta(hours=1)
ATTR_CLIP_URL: Final = "clip_url"
ATTR_CLIP_SIGNED_URL: Final = "clip_signed_url"


def signal_clip(entry_id: str, channel: int) -> str:
    """Dispatcher signal: a channel's new alarm clip (an `AlarmClipInfo`)."""
    return f"dvrip_clip_{entry_id}_{channel}"


@dataclass(frozen=True, slots=True)
class AlarmClipInfo:
    """A kept clip: the alarm it belongs to and where it is served."""

    channel: int
    camera_time: datetime
    file_name: str
    url: str
    signed_url: str

    def attributes(self) -> dict[str, str]:
        return {ATTR_CLIP_URL: self.url, ATTR_CLIP_SIGNED_URL: self.signed_url}


class AlarmClips:
    """Makes each kept alarm picture's clip, within the size budget."""

    def __init__(
        self, hass: HomeAssistant, coordinator: DvripCoordinator, budget_bytes: int
    ) -> None:
        self.hass = hass
        self.coordinator = coordinator
        self.budget_bytes = budget_bytes
        self.root = media_root(hass)
        entry_id = coordinator.entry.entry_id
        self.folder = self.root.camera_dir(entry_id) / PICTURES_FOLDER if self.root else None
        self._done: set[tuple[int, datetime]] = set()
        self._clips: dict[int, AlarmClipInfo] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        # One clip at a time: they share the camera's downloads with pictures and playback.
        self._turn = asyncio.Lock()

    def clip(self, channel: int) -> AlarmClipInfo | None:
        """The channel's newest clip, if one was made since Home Assistant started."""
        return self._clips.get(channel)

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        entry_id = self.coordinator.entry.entry_id
        removers = [
            async_dispatcher_connect(
                self.hass, signal_picture(entry_id, channel), self._handle_picture
            )
            for channel in self.coordinator.active_channels
        ]

        @callback
        def stop() -> None:
            for remove in removers:
                remove()
            for task in self._tasks:
                task.cancel()

        return stop

    @callback
    def _handle_picture(self, picture: KeptPicture) -> None:
        key = (picture.channel, picture.camera_time)
        if self.folder is None or self.budget_bytes <= 0 or key in self._done:
            return
        self._done.add(key)
        task = self.coordinator.entry.async_create_background_task(
            self.hass,
            self._async_make(picture.channel, picture.camera_time),
            f"dvrip alarm clip {picture.channel}",
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _async_make(self, channel: int, camera_time: datetime) -> None:
        assert self.folder is not None
        assert self.root is not None
        client = self.coordinator.client
        folder = self.folder
        name = clip_file_name(camera_time, channel)
        for delay in (0.0, *RETRY_DELAYS):
            if delay:
                await asyncio.sleep(delay)
            try:
                async with self._turn:
                    recording = await find_alarm_recording(client, channel, camera_time)
                    if recording is None:
                        continue
                    await self.hass.async_add_executor_job(
                        lambda: folder.mkdir(parents=True, exist_ok=True)
                    )
                    await write_alarm_clip(
                        client,
                        recording,
                        camera_time,
                        folder / name,
                        timeout=CLIP_DOWNLOAD_TIMEOUT,
                    )
            except (DvripError, RemuxError, OSError) as err:
                _LOGGER.debug("No clip of the alarm at %s yet: %s", camera_time, err)
                continue
            removed = await self.hass.async_add_executor_job(
                keep_clips_within, folder, self.budget_bytes
            )
            if name in removed:
                return  # larger than the whole budget
            url = self.root.url(self.coordinator.entry.entry_id, PICTURES_FOLDER, name)
            info = AlarmClipInfo(
                channel,
                camera_time,
                name,
                url,
                async_sign_path(self.hass, url, SIGNED_URL_LIFETIME, use_content_user=True),
            )
            self._clips[channel] = info
            async_dispatcher_send(
                self.hass, signal_clip(self.coordinator.entry.entry_id, channel), info
            )
            return
        _LOGGER.debug("No recording of the alarm at %s on channel %d", camera_time, channel + 1)

"""The "Speaker" media player: audio played on the camera's speaker (OPTalk).

Anything Home Assistant can give (TTS, a media source, a URL) is fetched, decoded and
resampled to 8 kHz mono G.711 A-law in the executor, then sent on the client's second
connection at real time (`client.talk`). One channel's device each; the device reports a
speaker as `SystemFunction.PreviewFunction.Talk` (python-dvr's README), and a speaker not
reported starts disabled (abilities are unreliable: the user can enable it). OPTalk names
no channel: a recorder plays every channel's talk on its own speaker output.

`play_media` returns once the camera has opened its speaker (a refusal is the caller's
error); the audio goes on playing in the background. Playing while playing replaces the
audio, or queues it with `enqueue` add / next, as media players do.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, Final

import aiohttp
from homeassistant.components import media_source
from homeassistant.components.media_player import (
    MediaPlayerDeviceClass,
    MediaPlayerEnqueue,
    MediaPlayerEntity,
)
from homeassistant.components.media_player.browse_media import (
    BrowseMedia,
    async_process_play_media_url,
)
from homeassistant.components.media_player.const import (
    ATTR_MEDIA_ENQUEUE,
    MediaPlayerEntityFeature,
    MediaPlayerState,
    MediaType,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import DvripCommandError, DvripError
from .const import DOMAIN, LOGGER
from .coordinator import DvripCoordinator
from .entity import DvripEntity
from .runtime import DvripConfigEntry
from .speaker_audio import MAX_FILE_BYTES, AudioError, to_alaw

# Talks take turns on the client's second connection.
PARALLEL_UPDATES = 0

TALK_SECTION: Final = "PreviewFunction"
TALK_ABILITY: Final = "Talk"
FETCH_TIMEOUT: Final = 30.0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DvripConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One speaker per channel."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        DvripSpeaker(coordinator, channel) for channel in coordinator.active_channels
    )


def _log_failure(opened: asyncio.Future[None]) -> None:
    """Log why a queued talk did not start (nobody waits for it)."""
    if not opened.cancelled() and (error := opened.exception()) is not None:
        LOGGER.warning("%s", error)


def talk_reported(coordinator: DvripCoordinator) -> bool:
    """Whether the device reports a speaker (unknown counts as not reported)."""
    abilities = coordinator.abilities
    return abilities is not None and abilities.supports(TALK_ABILITY, TALK_SECTION)


class DvripSpeaker(DvripEntity, MediaPlayerEntity):
    """Plays audio on the camera's speaker; idle between talks."""

    _attr_device_class = MediaPlayerDeviceClass.SPEAKER
    _attr_media_content_type = MediaType.MUSIC
    _attr_supported_features = (
        MediaPlayerEntityFeature.PLAY_MEDIA
        | MediaPlayerEntityFeature.BROWSE_MEDIA
        | MediaPlayerEntityFeature.MEDIA_ENQUEUE
        | MediaPlayerEntityFeature.STOP
    )

    def __init__(self, coordinator: DvripCoordinator, channel: int) -> None:
        DvripEntity.__init__(self, coordinator, "speaker", channel)
        self._attr_entity_registry_enabled_default = talk_reported(coordinator)
        self._queue: deque[bytes] = deque()
        self._task: asyncio.Task[None] | None = None

    @property
    def state(self) -> MediaPlayerState:
        if self._task is not None and not self._task.done():
            return MediaPlayerState.PLAYING
        return MediaPlayerState.IDLE

    async def async_browse_media(
        self, media_content_type: MediaType | str | None = None, media_content_id: str | None = None
    ) -> BrowseMedia:
        """Audio from the media sources (TTS, local media, ...)."""
        return await media_source.async_browse_media(
            self.hass,
            media_content_id,
            content_filter=lambda item: item.media_content_type.startswith("audio/"),
        )

    async def async_play_media(
        self, media_type: MediaType | str, media_id: str, **kwargs: Any
    ) -> None:
        """Play (or queue) the audio; returns once the camera's speaker is open."""
        if media_source.is_media_source_id(media_id):
            resolved = await media_source.async_resolve_media(self.hass, media_id, self.entity_id)
            media_id = resolved.url
        alaw = await self._async_audio(async_process_play_media_url(self.hass, media_id))
        enqueue = kwargs.get(ATTR_MEDIA_ENQUEUE)
        if self.state is MediaPlayerState.PLAYING and enqueue in (
            MediaPlayerEnqueue.ADD,
            MediaPlayerEnqueue.NEXT,
        ):
            if enqueue is MediaPlayerEnqueue.NEXT:
                self._queue.appendleft(alaw)
            else:
                self._queue.append(alaw)
            return
        self._queue.clear()
        await self._async_cancel()
        await self._async_start(alaw)

    async def async_media_stop(self) -> None:
        """Stop the audio now (the camera's speaker is shut) and forget the queue."""
        self._queue.clear()
        await self._async_cancel()
        self.async_write_ha_state()

    async def async_will_remove_from_hass(self) -> None:
        self._queue.clear()
        await self._async_cancel()
        await super().async_will_remove_from_hass()

    async def _async_audio(self, url: str) -> bytes:
        """The audio at `url` as 8 kHz A-law; a translated error when it cannot be had."""
        session = async_get_clientsession(self.hass)
        try:
            async with (
                asyncio.timeout(FETCH_TIMEOUT),
                session.get(url) as response,
            ):
                response.raise_for_status()
                data = bytearray()
                async for chunk in response.content.iter_chunked(64 * 1024):
                    data += chunk
                    if len(data) > MAX_FILE_BYTES:
                        break  # refused as too large
            return await self.hass.async_add_executor_job(to_alaw, bytes(data))
        except (aiohttp.ClientError, TimeoutError, AudioError) as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="audio_unreadable",
                translation_placeholders={
                    "media": url.split("?")[0],
                    "error": str(err) or "timeout",
                },
            ) from err

    async def _async_start(self, alaw: bytes) -> None:
        """Start a talk; wait until the speaker is open (or the talk failed)."""
        opened = self.hass.loop.create_future()
        self._task = self.coordinator.entry.async_create_background_task(
            self.hass, self._async_talk(alaw, opened), f"{DOMAIN} talk {self.entity_id}"
        )
        self.async_write_ha_state()
        await asyncio.shield(opened)

    async def _async_talk(self, alaw: bytes, opened: asyncio.Future[None]) -> None:
        def speaker_open() -> None:
            if not opened.done():
                opened.set_result(None)

        try:
            await self.coordinator.client.speak(alaw, on_started=speaker_open)
        except DvripError as err:
            error = self._error(err)
            if not opened.done():
                opened.set_exception(error)
            else:
                LOGGER.warning("%s", error)
        except asyncio.CancelledError:
            if not opened.done():
                opened.cancel()
            raise
        finally:
            if self._task is asyncio.current_task():
                # Ended by itself (not replaced): the queue goes on.
                self._task = None
                self.hass.loop.call_soon(self._next)

    def _next(self) -> None:
        """The next queued audio, if any, once a talk has ended."""
        if self._task is None and self._queue and self.hass.is_running:
            alaw = self._queue.popleft()
            opened = self.hass.loop.create_future()
            # Nobody waits for a queued talk's start: its error is logged.
            opened.add_done_callback(_log_failure)
            self._task = self.coordinator.entry.async_create_background_task(
                self.hass, self._async_talk(alaw, opened), f"{DOMAIN} talk {self.entity_id}"
            )
        if self.platform is not None:
            self.async_write_ha_state()

    async def _async_cancel(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task])

    def _error(self, err: DvripError) -> HomeAssistantError:
        if isinstance(err, DvripCommandError):
            return HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="talk_refused",
                translation_placeholders={
                    "name": self.coordinator.entry.title,
                    "ret": str(err.ret),
                },
            )
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="talk_failed",
            translation_placeholders={"name": self.coordinator.entry.title, "error": str(err)},
        )

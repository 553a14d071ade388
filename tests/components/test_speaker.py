"""The Speaker media player: audio played on the camera's speaker (OPTalk), at real time."""

from __future__ import annotations

from collections.abc import AsyncIterator
import contextlib
import io
import time
import wave

from aiohttp import web
from homeassistant.components.camera import async_get_image
from homeassistant.components.media_player import (
    ATTR_MEDIA_CONTENT_ID,
    ATTR_MEDIA_CONTENT_TYPE,
    ATTR_MEDIA_ENQUEUE,
    DOMAIN as MEDIA_PLAYER_DOMAIN,
    SERVICE_PLAY_MEDIA,
)
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_MEDIA_STOP
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import numpy as np
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import CameraSimulator
from simulator.talk import TalkRecord, decode_alaw, dominant_frequency
from tests.simulator.raw_client import RawClient

from .common import CAMERA_PASSWORD, async_wait_for_state, entity_id

TONE_HZ = 1000.0
TONE_SECONDS = 1.5


def _tone_wav(seconds: float, frequency: float = TONE_HZ, rate: int = 44100) -> bytes:
    """A stereo 16-bit WAV of a sine tone, as a TTS engine or a sound file would give."""
    samples = np.sin(2 * np.pi * frequency * np.arange(int(seconds * rate)) / rate) * 12000
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(np.repeat(samples.astype("<i2"), 2).tobytes())
    return out.getvalue()


@pytest.fixture
async def audio_url(camera: CameraSimulator) -> AsyncIterator[str]:
    """An HTTP server on 127.0.0.1 with `tone.wav`, `short.wav` and `junk.wav`."""
    files = {
        "tone.wav": _tone_wav(TONE_SECONDS),
        "short.wav": _tone_wav(0.4, 500.0),
        "junk.wav": b"this is not audio" * 100,
    }

    async def serve(request: web.Request) -> web.Response:
        return web.Response(body=files[request.match_info["name"]], content_type="audio/wav")

    app = web.Application()
    app.router.add_get("/{name}", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


def _speaker(hass: HomeAssistant, entry: MockConfigEntry, channel: int = 0) -> str:
    return entity_id(hass, "media_player", f"{entry.unique_id}_{channel}_speaker")


async def _play(hass: HomeAssistant, speaker: str, url: str, **extra: object) -> None:
    await hass.services.async_call(
        MEDIA_PLAYER_DOMAIN,
        SERVICE_PLAY_MEDIA,
        {
            ATTR_ENTITY_ID: speaker,
            ATTR_MEDIA_CONTENT_ID: url,
            ATTR_MEDIA_CONTENT_TYPE: "music",
            **extra,
        },
        blocking=True,
    )


def _check_tone(talk: TalkRecord, seconds: float, frequency: float) -> None:
    """The speaker played the tone: its frequency, and its length to the packet."""
    samples = decode_alaw(talk.audio)
    assert abs(dominant_frequency(samples) - frequency) < 10
    assert seconds <= len(samples) / 8000 < seconds + 0.04 + 0.01
    assert talk.rejected == 0


async def test_a_tone_arrives_as_the_same_tone_at_real_time(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator, audio_url: str
) -> None:
    """A TTS-like WAV (44.1 kHz stereo) reaches the camera as 8 kHz A-law of the same tone,
    40 ms a packet, sent at real time; the speaker shows playing meanwhile, idle after.
    """
    speaker = _speaker(hass, loaded_entry)
    assert hass.states.get(speaker).state == "idle"
    called = time.monotonic()
    await _play(hass, speaker, f"{audio_url}/tone.wav")
    assert hass.states.get(speaker).state == "playing"
    await camera.wait_for(
        lambda: bool(camera.speaker.talks) and camera.speaker.talks[-1].stopped,
        timeout=TONE_SECONDS + 5,
    )
    await async_wait_for_state(hass, speaker, "idle")
    talk = camera.speaker.talks[-1]
    assert talk.encode_type == "G711_ALAW"
    _check_tone(talk, TONE_SECONDS, TONE_HZ)
    assert {len(data) for _, data in talk.packets} == {320}
    first = talk.packets[0][0]
    assert first - called < 1.0
    assert talk.stopped_at is not None
    assert 1.0 <= (talk.stopped_at - first) / TONE_SECONDS <= 1.1
    # Paced, not sent in a burst: no second of audio came in much less than a second.
    arrivals = [at for at, _ in talk.packets]
    assert arrivals[25] - arrivals[0] >= 0.9


async def test_playing_again_replaces_or_queues(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator, audio_url: str
) -> None:
    """Played while playing: the new audio replaces the old; with enqueue it follows it."""
    speaker = _speaker(hass, loaded_entry)
    await _play(hass, speaker, f"{audio_url}/tone.wav")
    await _play(hass, speaker, f"{audio_url}/short.wav")
    await _play(hass, speaker, f"{audio_url}/tone.wav", **{ATTR_MEDIA_ENQUEUE: "add"})
    await camera.wait_for(
        lambda: len(camera.speaker.talks) == 3 and camera.speaker.talks[-1].stopped,
        timeout=TONE_SECONDS + 5,
    )
    replaced, short, queued = camera.speaker.talks
    assert replaced.stopped
    assert len(replaced.audio) < TONE_SECONDS * 8000  # cut short
    _check_tone(short, 0.4, 500.0)
    _check_tone(queued, TONE_SECONDS, TONE_HZ)
    assert queued.packets[0][0] >= short.stopped_at  # type: ignore[operator]
    await async_wait_for_state(hass, speaker, "idle")


async def test_stop_shuts_the_speaker(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator, audio_url: str
) -> None:
    speaker = _speaker(hass, loaded_entry)
    await _play(hass, speaker, f"{audio_url}/tone.wav")
    await hass.services.async_call(
        MEDIA_PLAYER_DOMAIN, SERVICE_MEDIA_STOP, {ATTR_ENTITY_ID: speaker}, blocking=True
    )
    await camera.wait_for(lambda: camera.speaker.talks[-1].stopped)
    assert len(camera.speaker.talks[-1].audio) < TONE_SECONDS * 8000
    assert hass.states.get(speaker).state == "idle"


async def test_a_refused_claim_is_a_clear_error(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator, audio_url: str
) -> None:
    """Another client holds the speaker (Ret 503): a translated error, nothing played."""
    other = await RawClient.connect(camera.port)
    try:
        assert (await other.login(CAMERA_PASSWORD))["Ret"] == 100
        claim = {"Name": "OPTalk", "OPTalk": {"Action": "Claim"}, "SessionID": other.session_text()}
        assert (await other.request(1434, claim))["Ret"] == 100
        speaker = _speaker(hass, loaded_entry)
        with pytest.raises(HomeAssistantError) as refused:
            await _play(hass, speaker, f"{audio_url}/tone.wav")
        assert refused.value.translation_key == "talk_refused"
        assert refused.value.translation_placeholders["ret"] == "503"
        assert hass.states.get(speaker).state == "idle"
        assert len(camera.speaker.talks) == 1
    finally:
        await other.close()


async def test_audio_that_cannot_be_read_is_a_clear_error(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator, audio_url: str
) -> None:
    speaker = _speaker(hass, loaded_entry)
    with pytest.raises(HomeAssistantError) as unreadable:
        await _play(hass, speaker, f"{audio_url}/junk.wav")
    assert unreadable.value.translation_key == "audio_unreadable"
    assert not camera.speaker.talks


@pytest.mark.parametrize("camera_settings", [{"profile": "nvr"}])
async def test_speaker_not_reported_starts_disabled(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """A recorder that reports no speaker: the entity exists, disabled, for the user to enable."""
    registry = er.async_get(hass)
    for channel in (0, 1):
        entry = registry.async_get(_speaker(hass, loaded_entry, channel))
        assert entry is not None
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION


async def test_a_still_during_a_talk_keeps_to_two_connections(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator, audio_url: str
) -> None:
    """A talk takes the second connection: a still asked meanwhile waits its turn (or the
    view keeps its last one), and the camera never sees a third connection.
    """
    camera.reset_peak_connections()
    speaker = _speaker(hass, loaded_entry)
    await _play(hass, speaker, f"{audio_url}/tone.wav")
    camera_id = entity_id(hass, "camera", f"{loaded_entry.unique_id}_0_snapshot")
    with contextlib.suppress(HomeAssistantError):
        await async_get_image(hass, camera_id)
    assert hass.states.get(speaker).state == "playing"
    await camera.wait_for(lambda: camera.speaker.talks[-1].stopped, timeout=TONE_SECONDS + 5)
    _check_tone(camera.speaker.talks[-1], TONE_SECONDS, TONE_HZ)
    assert camera.stats.peak_connections == 2

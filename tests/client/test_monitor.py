"""The first keyframe of a live stream (OPMonitor), decoded into a still."""

from __future__ import annotations

import io

from PIL import Image
import pytest

from custom_components.dvrip.client import (
    DvripCommandError,
    LiveStreamType,
    VideoCodec,
)
from custom_components.dvrip.pictures.keyframe import keyframe_jpeg
from tests.simulator_fixtures import StartCamera


@pytest.mark.parametrize(
    ("profile", "stream", "codec", "size"),
    [
        ("ipc", LiveStreamType.EXTRA, VideoCodec.H264, (160, 120)),
        ("h265", LiveStreamType.MAIN, VideoCodec.H265, (320, 240)),
        ("nvr", LiveStreamType.EXTRA, VideoCodec.H264, (160, 120)),
    ],
)
async def test_live_keyframe_decodes_to_a_still(
    start_camera: StartCamera,
    open_client: StartCamera,
    profile: str,
    stream: LiveStreamType,
    codec: VideoCodec,
    size: tuple[int, int],
) -> None:
    """Also from a recorder that refuses OPSNAP; the stream ends once the keyframe is had,
    and the second connection is the only one besides the session.
    """
    camera = await start_camera(profile=profile)
    client = await open_client(camera)
    camera.reset_peak_connections()
    frame = await client.live_keyframe(0, stream)
    assert frame.codec is codec
    assert (frame.width, frame.height) == size
    assert frame.timestamp is not None
    picture = Image.open(io.BytesIO(keyframe_jpeg(frame)))
    assert picture.format == "JPEG"
    assert picture.size == size
    await camera.wait_for(lambda: not camera.live.running)
    assert camera.stats.peak_connections == 2
    # The session is untouched and the next still logs in again.
    assert (await client.live_keyframe(0, stream)).codec is codec


async def test_refused_claim(start_camera: StartCamera, open_client: StartCamera) -> None:
    camera = await start_camera()
    client = await open_client(camera)
    with pytest.raises(DvripCommandError) as refused:
        await client.live_keyframe(1)
    assert refused.value.ret == 103
    assert not camera.live.started

"""Every way a device ends a download, and the timeouts that fit a slow link."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from custom_components.dvrip.client import (
    DvripClient,
    DvripTimeoutError,
    FileType,
    RecordFile,
    client as client_module,
)
from simulator import CameraSimulator, EndMarker
from tests.simulator_fixtures import PASSWORD, StartCamera


async def _clip(camera: CameraSimulator, client: DvripClient) -> tuple[bytes, RecordFile]:
    begin = camera.now() - timedelta(minutes=5)
    camera.add_history(begin, picture=False)
    (record,) = await client.query_files(begin - timedelta(minutes=1), begin + timedelta(minutes=1))
    entry = camera.history.find(record.name)
    assert entry is not None
    return await entry.media(), record


@pytest.mark.parametrize("two_sockets", [True, False], ids=["two sockets", "one socket"])
@pytest.mark.parametrize("marker", list(EndMarker), ids=str)
async def test_every_end_of_data_is_a_whole_file(
    start_camera: StartCamera, tmp_path: Path, marker: EndMarker, two_sockets: bool
) -> None:
    """The bytes received are the file, the EOF notice not among them, whatever ends it."""
    camera = await start_camera(
        profile_overrides={"end_marker": marker, "two_socket_download": two_sockets}
    )
    async with DvripClient(
        camera.host, camera.port, "admin", PASSWORD, two_socket_downloads=two_sockets
    ) as client:
        media, record = await _clip(camera, client)
        target = tmp_path / "clip.bin"
        result = await client.download(record, target, timeout=20)
        assert result.bytes_received == len(media)
        assert target.read_bytes() == media
        assert result.sockets == (2 if two_sockets else 1)


async def test_a_slow_first_packet_keeps_two_sockets(
    start_camera: StartCamera, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A device that confirmed the claim on the second socket is waited for, however slow."""
    # Any wait for the first packet outlasts this: the confirmed claim must be what counts.
    monkeypatch.setattr(client_module, "_TWO_SOCKET_START_TIMEOUT", 0.001)
    camera = await start_camera()
    async with DvripClient(camera.host, camera.port, "admin", PASSWORD) as client:
        media, record = await _clip(camera, client)
        camera.stall_downloads(record.name)
        task = asyncio.ensure_future(client.download(record, tmp_path / "clip.bin"))
        await camera.wait_for(lambda: camera.stats.downloads == 1)
        camera.stall_downloads(record.name, stalled=False)
        result = await task
        assert result.sockets == 2
        assert result.bytes_received == len(media)
        assert client.two_socket_downloads is True


async def test_silence_gives_a_download_up_and_keeps_the_session(
    start_camera: StartCamera, tmp_path: Path
) -> None:
    camera = await start_camera()
    async with DvripClient(camera.host, camera.port, "admin", PASSWORD) as client:
        _media, record = await _clip(camera, client)
        camera.stall_downloads(record.name)
        with pytest.raises(DvripTimeoutError, match="no data for 0.2 s"):
            await client.download(record, tmp_path / "clip.bin", timeout=30, silence_timeout=0.2)
        assert client.connected
        assert (
            await client.query_files(
                camera.now() - timedelta(hours=1), camera.now(), file_type=FileType.PICTURE
            )
            == []
        )

"""The speaker (OPTalk): claim, start, audio, stop; one talk at a time; what it played."""

from __future__ import annotations

from typing import Any

import numpy as np

from simulator import CameraSimulator
from simulator.talk import decode_alaw, dominant_frequency
from tests.simulator_fixtures import StartCamera

from .conftest import Connect

TALK = 1430
TALK_DATA = 1432
TALK_CLAIM = 1434
KEEPALIVE = 1006


def _talk_body(session: str, action: str) -> dict[str, Any]:
    return {
        "Name": "OPTalk",
        "OPTalk": {"Action": action, "AudioFormat": {"EncodeType": "G711_ALAW"}},
        "SessionID": session,
    }


def _alaw_tone(frequency: float, packets: int) -> list[bytes]:
    """320-byte A-law packets of a tone, encoded from the G.711 segment table."""
    samples = np.sin(2 * np.pi * frequency * np.arange(packets * 320) / 8000) * 8000
    table = decode_alaw(bytes(range(256))).astype(np.int32)
    # The A-law code whose value is nearest each sample (an encoder written from the decoder).
    codes = np.abs(samples[:, None] - table[None, :]).argmin(axis=1).astype(np.uint8)
    data = codes.tobytes()
    return [data[i : i + 320] for i in range(0, len(data), 320)]


def _frame(audio: bytes) -> bytes:
    return b"\x00\x00\x01\xfa\x0e\x02" + len(audio).to_bytes(2, "little") + audio


async def test_a_talk_is_played_and_recorded(camera: CameraSimulator, connect: Connect) -> None:
    client = await connect(camera, login=True)
    session = client.session_text()
    assert (await client.request(TALK_CLAIM, _talk_body(session, "Claim")))["Ret"] == 100
    packets = _alaw_tone(440.0, 10)
    # Before Start the speaker is shut: not played.
    await client.send(TALK_DATA, _frame(packets[0]))
    await client.send(TALK, _talk_body(session, "Start"))
    for packet in packets:
        await client.send(TALK_DATA, _frame(packet))
    await client.send(TALK, _talk_body(session, "Stop"))
    # Start, the audio and Stop are not answered: the next answer is the keepalive's.
    assert (await client.request(KEEPALIVE, {"Name": "KeepAlive", "SessionID": session}))[
        "Ret"
    ] == 100
    (talk,) = camera.speaker.talks
    assert talk.stopped
    assert talk.rejected == 1
    assert len(talk.packets) == 10
    assert talk.audio == b"".join(packets)
    assert abs(dominant_frequency(decode_alaw(talk.audio)) - 440.0) < 15
    assert [at for at, _ in talk.packets] == sorted(at for at, _ in talk.packets)


async def test_one_talk_at_a_time(camera: CameraSimulator, connect: Connect) -> None:
    """A claim while another connection holds the speaker: Ret 503; free again once that
    connection closes. A Start without a claim: Ret 504.
    """
    first = await connect(camera, login=True)
    second = await connect(camera, login=True)
    assert (await first.request(TALK_CLAIM, _talk_body(first.session_text(), "Claim")))[
        "Ret"
    ] == 100
    assert (await second.request(TALK_CLAIM, _talk_body(second.session_text(), "Claim")))[
        "Ret"
    ] == 503
    assert (await second.request(TALK, _talk_body(second.session_text(), "Start")))["Ret"] == 504
    await first.close()
    await camera.wait_for(lambda: camera.speaker.talks[0].stopped)
    assert (await second.request(TALK_CLAIM, _talk_body(second.session_text(), "Claim")))[
        "Ret"
    ] == 100


async def test_a_camera_without_a_speaker(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(profile="nvr")
    client = await connect(camera, login=True)
    reply = await client.request(TALK_CLAIM, _talk_body(client.session_text(), "Claim"))
    assert reply["Ret"] == 103
    abilities = await client.request(1360, {"Name": "SystemFunction"})
    assert abilities["SystemFunction"]["PreviewFunction"]["Talk"] is False

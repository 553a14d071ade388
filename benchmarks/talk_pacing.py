"""Talk pacing: audio played on the Speaker media player, as the camera receives it.

Runs Home Assistant's core in this process (the test harness's `async_test_home_assistant`),
sets up the integration against the camera simulator on 127.0.0.1, serves WAV tones
(44.1 kHz stereo, as a TTS engine gives) over HTTP and plays each with
`media_player.play_media`. The simulator records when each talk packet arrives and when
Stop comes. For each play:

- first packet: from the action's call to the first audio packet at the camera
  (fetching, decoding, resampling and encoding the file, the second login and the claim);
- pacing: from the first packet to Stop, over the audio's duration (1.0 is real time;
  below, the camera would get audio faster than it plays it);
- largest gap between two packets (40 ms each at real time).

Targets: pacing within 1.0-1.1, first packet within 1 s.

    .venv/bin/python benchmarks/talk_pacing.py [--seconds 1 5 20] [--runs 3] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
import io
import itertools
import logging
from pathlib import Path
import platform
import sys
import time
import wave

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The repository first on the path: `custom_components` is ours, not the test harness's.
from aiohttp import web  # noqa: E402
from ha_support import async_set_up_camera  # noqa: E402
from homeassistant.helpers import entity_registry as er  # noqa: E402
import numpy as np  # noqa: E402
from pytest_homeassistant_custom_component.common import async_test_home_assistant  # noqa: E402

from custom_components.dvrip.const import DOMAIN  # noqa: E402
from simulator import CameraSimulator, SimulatorConfig  # noqa: E402

DOC = ROOT / "docs" / "benchmarks-talk.md"
PACING_RANGE = (1.0, 1.1)
FIRST_PACKET_TARGET = 1.0


@dataclass(frozen=True)
class Play:
    seconds: float
    first_packet: float
    pacing: float
    largest_gap: float


def tone_wav(seconds: float, frequency: float = 1000.0, rate: int = 44100) -> bytes:
    samples = np.sin(2 * np.pi * frequency * np.arange(int(seconds * rate)) / rate) * 12000
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(np.repeat(samples.astype("<i2"), 2).tobytes())
    return out.getvalue()


async def run(lengths: list[float], runs: int) -> list[Play]:
    files = {f"{seconds:g}.wav": tone_wav(seconds) for seconds in lengths}

    async def serve(request: web.Request) -> web.Response:
        return web.Response(body=files[request.match_info["name"]], content_type="audio/wav")

    app = web.Application()
    app.router.add_get("/{name}", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    plays: list[Play] = []
    try:
        async with (
            async_test_home_assistant() as hass,
            CameraSimulator(SimulatorConfig(password="pw")) as camera,
        ):
            entry = await async_set_up_camera(hass, camera, "pw")
            speaker = er.async_get(hass).async_get_entity_id(
                "media_player", DOMAIN, f"{entry.unique_id}_0_speaker"
            )
            assert speaker is not None
            for seconds in lengths:
                for _ in range(runs):
                    talks = len(camera.speaker.talks)
                    called = time.monotonic()
                    await hass.services.async_call(
                        "media_player",
                        "play_media",
                        {
                            "entity_id": speaker,
                            "media_content_id": f"http://127.0.0.1:{port}/{seconds:g}.wav",
                            "media_content_type": "music",
                        },
                        blocking=True,
                    )
                    await camera.wait_for(
                        lambda talks=talks: len(camera.speaker.talks) > talks
                        and camera.speaker.talks[-1].stopped,
                        timeout=seconds + 10,
                    )
                    talk = camera.speaker.talks[-1]
                    arrivals = [at for at, _ in talk.packets]
                    assert talk.stopped_at is not None
                    played = len(talk.audio) / 8000
                    plays.append(
                        Play(
                            seconds,
                            arrivals[0] - called,
                            (talk.stopped_at - arrivals[0]) / played,
                            max(b - a for a, b in itertools.pairwise(arrivals)),
                        )
                    )
            await hass.async_stop(force=True)
    finally:
        await runner.cleanup()
    return plays


def report(plays: list[Play]) -> str:
    lines = [
        "| audio (s) | plays | first packet, worst (s) | pacing, min | pacing, max "
        "| largest gap (ms) |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for seconds in sorted({play.seconds for play in plays}):
        group = [play for play in plays if play.seconds == seconds]
        lines.append(
            f"| {seconds:g} | {len(group)} | {max(p.first_packet for p in group):.3f} "
            f"| {min(p.pacing for p in group):.3f} | {max(p.pacing for p in group):.3f} "
            f"| {max(p.largest_gap for p in group) * 1000:.0f} |"
        )
    met = all(
        PACING_RANGE[0] <= play.pacing <= PACING_RANGE[1]
        and play.first_packet <= FIRST_PACKET_TARGET
        for play in plays
    )
    lines += [
        "",
        f"Targets: pacing within {PACING_RANGE[0]}-{PACING_RANGE[1]}, first packet within "
        f"{FIRST_PACKET_TARGET:g} s: {'met' if met else 'NOT met'}.",
    ]
    return "\n".join(lines)


def write_markdown(table: str) -> None:
    machine = (
        f"{platform.python_implementation()} {platform.python_version()} on {platform.machine()}"
    )
    DOC.write_text(
        "# Benchmarks: talk pacing\n\n"
        "Audio played on the Speaker media player, as the simulated camera receives it "
        "(`benchmarks/talk_pacing.py`): WAV tones (44.1 kHz stereo) fetched over HTTP, "
        "converted to 8 kHz A-law and sent in 40 ms packets. *First packet*: from the "
        "`media_player.play_media` call to the first packet at the camera. *Pacing*: from the "
        "first packet to Stop over the audio's duration (1.0 is real time).\n\n"
        f"{table}\n\n"
        f"Measured {datetime.now(UTC):%Y-%m-%d} with {machine}, on a machine shared with "
        "other work.\n",
        encoding="utf-8",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, nargs="+", default=[1.0, 5.0, 20.0])
    parser.add_argument("--runs", type=int, default=3, help="plays of each length (default 3)")
    parser.add_argument("--write", action="store_true", help=f"also write {DOC.name}")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    table = report(asyncio.run(run(args.seconds, args.runs)))
    print(table)
    if args.write:
        write_markdown(table)


if __name__ == "__main__":
    main()

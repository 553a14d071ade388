"""What the alarm-picture benchmarks share: generated clips cached on disk, and the results file.

Clips are encoded on the fly by the simulator's clip generator (a panning texture, every
frame blurred but one) and kept in the system's temporary folder, outside the repository,
so a second run does not pay for the encoding again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import os
from pathlib import Path
import platform
import re
import sys
import tempfile

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fractions import Fraction  # noqa: E402

import av  # noqa: E402
import numpy as np  # noqa: E402

from custom_components.dvrip.client.media import demux_video  # noqa: E402
from simulator.media import FrameType, motion_clip, pack_frame  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "dvrip-benchmarks"
RESULTS = ROOT / "docs" / "benchmarks-pictures.md"
CLIP_START = datetime(2026, 11, 25, 13, 0, 0)

_HEADER = """# Alarm-picture benchmarks

Written by the scripts in `benchmarks/` (`pictures_extraction.py`, `pictures_export.py`,
`pictures_memory.py`); each replaces its own section. How they measure is described in
[Benchmarks](benchmarks.md).
"""


def cached_clip(
    name: str, *, width: int, height: int, fps: int, frames: int, seed: int = 1
) -> tuple[Path, int]:
    """A clip in the camera's container, as a file; (path, index of its sharpest frame)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{name}.bin"
    index_path = CACHE / f"{name}.sharpest"
    if not path.exists() or not index_path.exists():
        print(f"encoding {name} ({width}x{height}, {frames} frames) ...", flush=True)
        clip = motion_clip(
            width=width, height=height, fps=fps, frames=frames, start=CLIP_START, seed=seed
        )
        _write_atomically(path, clip.data)
        _write_atomically(index_path, str(clip.sharpest_index).encode())
    return path, int(index_path.read_text())


def annexb_of(path: Path) -> Path:
    """The clip's video as a raw Annex-B file (what a plain H.264 decoder reads)."""
    target = path.with_suffix(".h264")
    if not target.exists():
        _write_atomically(target, demux_video(path.read_bytes()).annexb)
    return target


def reencoded(path: Path, *, bitrate: int, fps: int = 25) -> Path:
    """The clip re-encoded at a camera's usual bit rate, in the same container.

    The simulator encodes at a high quality (tens of Mbit/s at 1080p); cameras record at a
    few. Decoding gets cheaper with the bit rate, so the extraction's own costs weigh more.
    """
    target = path.with_name(f"{path.stem}_{bitrate // 1000}kbps.bin")
    if target.exists():
        return target
    print(f"re-encoding {path.name} at {bitrate // 1000} kbit/s ...", flush=True)
    encoder = av.CodecContext.create("libx264", "w")
    parts: list[bytes] = []
    noise = np.random.default_rng(0)
    with av.open(str(annexb_of(path)), format="h264") as source:
        for index, decoded in enumerate(source.decode(video=0)):
            # Sensor noise, as every camera has: without it the panning texture repeats
            # every third frame and compresses to almost nothing.
            luma = decoded.to_ndarray(format="gray").astype(np.int16)
            luma += noise.integers(-6, 7, size=luma.shape, dtype=np.int16)
            frame = av.VideoFrame.from_ndarray(
                np.clip(luma, 0, 255).astype(np.uint8), format="gray"
            ).reformat(format="yuv420p")
            if index == 0:
                encoder.width, encoder.height = frame.width, frame.height
                encoder.pix_fmt = "yuv420p"
                encoder.time_base = Fraction(1, fps)
                encoder.framerate = Fraction(fps, 1)
                encoder.bit_rate = bitrate
                encoder.options = {"preset": "veryfast", "bf": "0", "g": str(fps)}
            frame.pts = index
            parts.extend(_pack(packet, encoder, fps) for packet in encoder.encode(frame))
    parts.extend(_pack(packet, encoder, fps) for packet in encoder.encode(None))
    _write_atomically(target, b"".join(parts))
    return target


def _pack(packet: av.Packet, encoder: av.CodecContext, fps: int) -> bytes:
    if not packet.is_keyframe:
        return pack_frame(FrameType.P_FRAME, bytes(packet))
    return pack_frame(
        FrameType.I_FRAME,
        bytes(packet),
        codec="h264",
        width=encoder.width,
        height=encoder.height,
        fps=fps,
        timestamp=CLIP_START + timedelta(seconds=(packet.pts or 0) // fps),
    )


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + f".{os.getpid()}.part")
    partial.write_bytes(data)
    partial.replace(path)


def machine() -> str:
    return f"CPython {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs"


def show_results(key: str, title: str, table: str, summary: str, *, write: bool) -> None:
    """Print a benchmark's table and summary, and record them as its section when asked."""
    print(table)
    print()
    print(summary)
    if write:
        path = write_section(key, f"## {title}\n\n{table}\n\n{summary}")
        print(f"\nwritten to {path}")


def write_section(key: str, markdown: str) -> Path:
    """Replace the `key` section of docs/benchmarks-pictures.md (add it if missing)."""
    begin, end = f"<!-- {key}:begin -->", f"<!-- {key}:end -->"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    block = f"{begin}\n{markdown.rstrip()}\n\nMeasured {stamp} with {machine()}.\n{end}"
    text = RESULTS.read_text() if RESULTS.exists() else _HEADER
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text)
    return RESULTS

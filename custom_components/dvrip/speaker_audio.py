"""Audio for the camera's speaker: any file PyAV reads, as 8 kHz mono G.711 A-law.

Plain synchronous CPU work (PyAV decodes, resamples and encodes): callers run it in an
executor.
"""

from __future__ import annotations

import io
from typing import Final

import av
from av.audio.codeccontext import AudioCodecContext
from av.audio.resampler import AudioResampler

SAMPLE_RATE: Final = 8000
# The longest audio played in one go (A-law is a byte a sample).
MAX_SECONDS: Final = 600
MAX_ALAW_BYTES: Final = MAX_SECONDS * SAMPLE_RATE
# The largest audio file read.
MAX_FILE_BYTES: Final = 50 * 1024 * 1024


class AudioError(Exception):
    """The data is no audio PyAV can read, or too long to play."""


def to_alaw(data: bytes) -> bytes:
    """The first audio stream of a file (WAV, MP3, AAC, Ogg, FLAC...) as 8 kHz mono A-law;
    `AudioError` for anything else, or audio longer than `MAX_SECONDS`.
    """
    if len(data) > MAX_FILE_BYTES:
        raise AudioError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise AudioError("the file has no audio")
            resampler = AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            encoder = av.CodecContext.create("pcm_alaw", "w")
            if not isinstance(encoder, AudioCodecContext):
                raise AudioError("no A-law encoder")
            encoder.sample_rate = SAMPLE_RATE
            encoder.layout = "mono"
            encoder.format = "s16"
            out = bytearray()
            for frame in container.decode(container.streams.audio[0]):
                for resampled in resampler.resample(frame):
                    out += b"".join(bytes(packet) for packet in encoder.encode(resampled))
                if len(out) > MAX_ALAW_BYTES:
                    raise AudioError(f"longer than {MAX_SECONDS} s")
            for resampled in resampler.resample(None):
                out += b"".join(bytes(packet) for packet in encoder.encode(resampled))
            out += b"".join(bytes(packet) for packet in encoder.encode(None))
    except av.FFmpegError as err:
        raise AudioError(f"not audio that can be read: {err}") from err
    return bytes(out)

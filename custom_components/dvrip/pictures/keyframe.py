"""A keyframe of a live stream as a JPEG: the still of a device whose OPSNAP fails.

Plain synchronous CPU work (PyAV decodes, Pillow encodes): callers run it in an executor.
"""

from __future__ import annotations

from typing import Final

import av
from av.video.codeccontext import VideoCodecContext

from ..client.media import MediaFrame, VideoCodec, annexb_payload
from .frames import NoFrameError, encode_jpeg

_DECODERS: Final = {VideoCodec.H264: "h264", VideoCodec.H265: "hevc", VideoCodec.MPEG4: "mpeg4"}


def keyframe_jpeg(frame: MediaFrame) -> bytes:
    """The picture of an I-frame (its Annex-B payload carries the parameter sets) as a JPEG;
    `NoFrameError` when it does not decode.
    """
    if frame.codec is None:
        raise NoFrameError("a keyframe without a codec")
    context = av.CodecContext.create(_DECODERS[frame.codec], "r")
    if not isinstance(context, VideoCodecContext):
        raise NoFrameError(f"{_DECODERS[frame.codec]} is not a video decoder")
    try:
        for packet in [*context.parse(annexb_payload(frame)), *context.parse(None)]:
            for picture in context.decode(packet):
                return encode_jpeg(picture)
        for picture in context.decode(None):
            return encode_jpeg(picture)
    except av.FFmpegError as err:
        raise NoFrameError(f"the keyframe does not decode: {err}") from err
    raise NoFrameError("the keyframe decoded to no picture")

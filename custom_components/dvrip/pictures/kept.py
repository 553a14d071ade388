"""The last alarm pictures kept on disk: a picture and a small JSON document per channel.

They are read back at startup, so the image entity shows the last alarm's picture again
after a restart. A reader sees the old file or the new one, never half of one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
import json
import logging
import os
from pathlib import Path
from typing import Any, Final

from .export import PICTURE_FILE_NAME, is_picture_name

_LOGGER = logging.getLogger(__name__)

ATTR_PICTURE_URL: Final = "picture_url"
_DOCUMENT_VERSION: Final = 1


@dataclass(frozen=True, slots=True)
class KeptPicture:
    """The picture of one alarm on one channel (counted from 0), and where it came from.

    `time` is the alarm's time, aware; `camera_time` the same on the camera's own clock.
    `backfilled`: the alarm was found in the camera's history, not told when it happened.
    `shown` is when a picture of this alarm was first shown (aware; a better picture of the
    same alarm keeps it), None in a document written before it was kept. `order_time` orders
    the alarms (aware: when a live one was told, when a backfilled one happened; the camera's
    clock jumps), None in a document written before it was kept.
    `file_name` and `url` say where it is kept (None when it could not be written). `alarm`
    is the pushed alarm it belongs to, while Home Assistant runs (not kept on disk).
    """

    channel: int
    jpeg: bytes = field(repr=False)
    time: datetime
    camera_time: datetime
    kind: str
    event: str
    method: str
    source_file: str | None = None
    backfilled: bool = False
    shown: datetime | None = None
    order_time: datetime | None = None
    file_name: str | None = None
    url: str | None = None
    alarm: object | None = field(default=None, compare=False)

    def attributes(self) -> dict[str, Any]:
        """State attributes of the image entity."""
        return {
            "event_type": str(self.kind),
            "event": self.event,
            "channel": self.channel + 1,
            "alarm_time": self.time.isoformat(),
            "camera_time": self.camera_time.isoformat(),
            "backfilled": self.backfilled,
            "method": self.method,
            "source_file": self.source_file,
            ATTR_PICTURE_URL: self.url,
        }

    def document(self) -> dict[str, Any]:
        """The JSON kept next to the picture."""
        return {
            "version": _DOCUMENT_VERSION,
            "file": self.file_name,
            "time": self.time.isoformat(),
            "camera_time": self.camera_time.isoformat(),
            "kind": str(self.kind),
            "event": self.event,
            "method": self.method,
            "source_file": self.source_file,
            "backfilled": self.backfilled,
            "shown": self.shown.isoformat() if self.shown is not None else None,
            "order_time": self.order_time.isoformat() if self.order_time is not None else None,
        }

    @property
    def order(self) -> datetime:
        """Where this picture's alarm stands among the channel's alarms (see `order_time`)."""
        return self.order_time or self.shown or self.time

    @classmethod
    def from_document(cls, channel: int, document: dict[str, Any], jpeg: bytes) -> KeptPicture:
        """Read back `document()`; ValueError, KeyError or TypeError when it is not one."""
        time = datetime.fromisoformat(document["time"])
        if time.tzinfo is None:
            raise ValueError("a kept picture's time has no zone")
        source_file = document.get("source_file")
        shown = document.get("shown")
        shown_at = datetime.fromisoformat(shown) if isinstance(shown, str) else None
        if shown_at is not None and shown_at.tzinfo is None:
            raise ValueError("a kept picture's shown time has no zone")
        order = document.get("order_time")
        order_time = datetime.fromisoformat(order) if isinstance(order, str) else None
        if order_time is not None and order_time.tzinfo is None:
            raise ValueError("a kept picture's order time has no zone")
        return cls(
            channel=channel,
            jpeg=jpeg,
            time=time,
            camera_time=datetime.fromisoformat(document["camera_time"]).replace(tzinfo=None),
            kind=str(document["kind"]),
            event=str(document["event"]),
            method=str(document["method"]),
            source_file=source_file if isinstance(source_file, str) else None,
            backfilled=document.get("backfilled") is True,
            shown=shown_at,
            order_time=order_time,
            file_name=str(document["file"]),
        )


def _document_name(channel: int) -> str:
    return f"last_ch{channel}.json"


def _write_atomically(path: Path, data: bytes) -> None:
    """A reader sees the old file or the new one, never half of one."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_kept_picture(folder: Path, picture: KeptPicture, keep: int) -> None:
    """Write a picture and its document, then drop the channel's oldest (blocking I/O)."""
    assert picture.file_name is not None
    assert is_picture_name(picture.file_name)
    folder.mkdir(parents=True, exist_ok=True)
    _write_atomically(folder / picture.file_name, picture.jpeg)
    document = json.dumps(picture.document(), indent=2) + "\n"
    _write_atomically(folder / _document_name(picture.channel), document.encode())
    # Newest written first: names carry the camera's time, which jumps back after a reboot.
    kept = sorted(
        (
            (path.stat().st_mtime_ns, path.name)
            for path in folder.iterdir()
            if (match := PICTURE_FILE_NAME.fullmatch(path.name)) is not None
            and int(match.group(2)) == picture.channel
        ),
        reverse=True,
    )
    for _written, name in kept[max(1, keep) :]:
        if name != picture.file_name:
            (folder / name).unlink(missing_ok=True)


def read_kept_pictures(folder: Path, channels: Iterable[int]) -> dict[int, KeptPicture]:
    """What `write_kept_picture` left, by channel (blocking I/O); damaged files are skipped."""
    found: dict[int, KeptPicture] = {}
    for channel in channels:
        try:
            document = json.loads((folder / _document_name(channel)).read_text("utf-8"))
            name = document["file"]
            # The name becomes a path: only one we could have written.
            if not isinstance(name, str) or not is_picture_name(name):
                _LOGGER.debug("Ignored a kept picture named %r in %s", name, folder)
                continue
            found[channel] = KeptPicture.from_document(
                channel, document, (folder / name).read_bytes()
            )
        except FileNotFoundError:
            continue
        except (OSError, ValueError, KeyError, TypeError) as err:
            _LOGGER.debug("Ignored the kept picture of channel %d in %s: %s", channel, folder, err)
    return found

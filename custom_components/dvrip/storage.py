"""Where alarm pictures and exports live: a `dvrip` folder in Home Assistant's media folder.

    <media>/dvrip/<config entry id>/
        alarm_pictures/                  the newest alarm pictures of each channel
            20261125_130510_ch0.jpg
            last_ch0.json                what the image entity shows after a restart
        last_alarms_20261125_131000/     an export (action dvrip.export_last_alarms)
            20261125_130510_ch0.jpg
            report.json

A camera's folder is named after its config entry id: it survives a rename or a new address,
and puts no serial number into URLs. Every name below the media folder is checked against the
patterns here before it becomes a path, so nothing can reach outside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
import re
from typing import Final
from urllib.parse import quote

from homeassistant.core import HomeAssistant

from .const import DOMAIN

MEDIA_FOLDER: Final = DOMAIN
PICTURES_FOLDER: Final = "alarm_pictures"
# The media folder Home Assistant creates by itself; another one only when it is missing.
PREFERRED_MEDIA_DIR: Final = "local"

CAMERA_FOLDER_NAME: Final = re.compile(r"[0-9A-Za-z_-]{1,64}")
EXPORT_FOLDER_NAME: Final = re.compile(r"last_alarms_(\d{8}_\d{6})(?:_\d+)?")


@dataclass(frozen=True, slots=True)
class MediaRoot:
    """One of Home Assistant's media folders: its key in `/media/<key>/...` URLs and its path."""

    key: str
    path: Path

    @property
    def dvrip(self) -> Path:
        return self.path / MEDIA_FOLDER

    def camera_dir(self, entry_id: str) -> Path:
        """The folder of one camera's pictures and exports."""
        if not CAMERA_FOLDER_NAME.fullmatch(entry_id):
            raise ValueError(f"not a camera folder name: {entry_id!r}")
        return self.dvrip / entry_id

    def url(self, *parts: str) -> str:
        """The `/media/<key>/dvrip/...` URL that Home Assistant's media view serves a file at.

        Fetching it needs a logged-in user (the companion apps send their own login).
        """
        path = "/".join(quote(part, safe="") for part in (MEDIA_FOLDER, *parts))
        return f"/media/{quote(self.key, safe='')}/{path}"


def media_root(hass: HomeAssistant) -> MediaRoot | None:
    """The media folder pictures go to; None when Home Assistant has none configured."""
    media_dirs = hass.config.media_dirs
    if PREFERRED_MEDIA_DIR in media_dirs:
        return MediaRoot(PREFERRED_MEDIA_DIR, Path(media_dirs[PREFERRED_MEDIA_DIR]))
    for key, path in media_dirs.items():
        return MediaRoot(key, Path(path))
    return None


def is_folder_name(name: str) -> bool:
    """A folder below a camera's that we wrote: the alarm pictures, or an export."""
    return name == PICTURES_FOLDER or EXPORT_FOLDER_NAME.fullmatch(name) is not None

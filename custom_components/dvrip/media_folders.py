"""The folders of the Media panel's "DVRIP" folder, as `media_source` (alarm pictures and
exports) and `recording_browse` (recordings) build them.
"""

from __future__ import annotations

from homeassistant.components.media_player.const import MediaClass
from homeassistant.components.media_source import BrowseMediaSource

from .const import DOMAIN


def media_folder(
    identifier: str,
    title: str,
    children: list[BrowseMediaSource] | None = None,
    *,
    children_class: MediaClass = MediaClass.DIRECTORY,
) -> BrowseMediaSource:
    """A folder to open, holding `children_class` items; the empty identifier is "DVRIP"."""
    return BrowseMediaSource(
        domain=DOMAIN,
        identifier=identifier or None,
        media_class=MediaClass.DIRECTORY,
        media_content_type="",
        title=title,
        can_play=False,
        can_expand=True,
        children=children,
        children_media_class=children_class,
    )

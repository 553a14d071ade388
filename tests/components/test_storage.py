"""Where pictures and exports go, and the names allowed below the media folder."""

from __future__ import annotations

from pathlib import Path

from homeassistant.core import HomeAssistant
import pytest

from custom_components.dvrip.storage import MediaRoot, media_root


async def test_media_root(hass: HomeAssistant, tmp_path: Path) -> None:
    """The `local` media folder when there is one, else the first configured."""
    hass.config.media_dirs = {"recordings": str(tmp_path / "rec"), "local": str(tmp_path)}
    assert media_root(hass) == MediaRoot("local", tmp_path)
    hass.config.media_dirs = {"recordings": str(tmp_path / "rec"), "nas": str(tmp_path)}
    root = media_root(hass)
    assert root == MediaRoot("recordings", tmp_path / "rec")
    assert root.url("01ABC", "alarm_pictures", "x y.jpg") == (
        "/media/recordings/dvrip/01ABC/alarm_pictures/x%20y.jpg"
    )
    hass.config.media_dirs = {}
    assert media_root(hass) is None


@pytest.mark.parametrize("name", ["..", "a/b", "", "x" * 65, "a.b"])
def test_camera_folder_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="not a camera folder name"):
        MediaRoot("local", tmp_path).camera_dir(name)

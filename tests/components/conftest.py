"""Home Assistant's media folder in a temporary folder, allowed as a real installation has it.

The test harness points media at a folder inside its own package and allows no path at all;
alarm pictures and exports would otherwise land there (or be refused).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dvrip import backfill, history_checks, last_picture

from .common import AlarmEventLog, entity_id


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    """The media folder of the test's Home Assistant."""
    return tmp_path / "media"


@pytest.fixture(autouse=True)
def _media_in_tmp(request: pytest.FixtureRequest, media_dir: Path) -> None:
    if "hass" not in request.fixturenames:
        return
    hass = request.getfixturevalue("hass")
    media_dir.mkdir()
    hass.config.media_dirs = {"local": str(media_dir)}
    hass.config.allowlist_external_dirs = {str(media_dir)}


@pytest.fixture
def fast_pictures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Look for an alarm's picture at once, and retry every 50 ms (20 times)."""
    monkeypatch.setattr(last_picture, "SETTLE_SECONDS", 0.0)
    monkeypatch.setattr(last_picture, "RETRY_DELAYS", (0.05,) * 20)
    monkeypatch.setattr(last_picture, "PICTURE_DOWNLOAD_TIMEOUT", 20.0)


@pytest.fixture
def fast_history(monkeypatch: pytest.MonkeyPatch) -> None:
    """History checks look right up to the subscription, or to now, without margins.

    The margins leave the last seconds to the next check, minutes later; a test's alarms
    are all within those seconds.
    """
    monkeypatch.setattr(history_checks, "SUBSCRIBE_MARGIN", timedelta(0))
    monkeypatch.setattr(history_checks, "HISTORY_SETTLE", timedelta(0))
    monkeypatch.setattr(backfill, "SAVE_MARGIN", timedelta(0))


@pytest.fixture
async def events(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> AsyncIterator[AlarmEventLog]:
    """The alarm events of channel 1, from the entry's setup on."""
    log = AlarmEventLog(hass, entity_id(hass, "event", f"{loaded_entry.unique_id}_0_alarm"))
    yield log
    log.close()

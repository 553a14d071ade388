"""The repair issues of a camera entry, and what raises them from the camera's settings."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .client import DvripClient, detection_problems
from .const import DOMAIN, LOGGER

MOTION_DETECT_CONFIG = "Detect.MotionDetect"


class Issue(StrEnum):
    """The repair issues of an entry (their translation keys)."""

    DETECTION_DISABLED = "detection_disabled"
    UPLOAD_DISABLED = "upload_disabled"
    PUSH_MISSING = "push_missing"
    ACCOUNT_LOCKED = "account_locked"
    WRONG_DEVICE = "wrong_device"


@callback
def async_raise_issue(
    hass: HomeAssistant, entry: ConfigEntry, issue: str, **placeholders: str
) -> None:
    """Raise one of an entry's repair issues (its title is the `name` placeholder)."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"{issue}_{entry.entry_id}",
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=issue,
        translation_placeholders={"name": entry.title, **placeholders},
    )


@callback
def async_clear_issue(hass: HomeAssistant, entry: ConfigEntry, issue: str) -> None:
    ir.async_delete_issue(hass, DOMAIN, f"{issue}_{entry.entry_id}")


@callback
def async_has_issue(hass: HomeAssistant, entry: ConfigEntry, issue: str) -> bool:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{issue}_{entry.entry_id}") is not None


@callback
def async_update_issue(
    hass: HomeAssistant, entry: ConfigEntry, issue: str, raised: bool, **placeholders: str
) -> None:
    """Raise `issue` (with these placeholders), or clear it."""
    if raised:
        async_raise_issue(hass, entry, issue, **placeholders)
    else:
        async_clear_issue(hass, entry, issue)


@callback
def async_update_locked_issue(hass: HomeAssistant, entry: ConfigEntry, *, locked: bool) -> None:
    """Say (or stop saying) that the camera has locked the account."""
    async_update_issue(hass, entry, Issue.ACCOUNT_LOCKED, locked, host=entry.data[CONF_HOST])


def delete_issues(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Remove this entry's repair issues (when the entry is removed)."""
    for issue in Issue:
        async_clear_issue(hass, entry, issue)


async def async_check_detection(
    hass: HomeAssistant, entry: ConfigEntry, client: DvripClient, channels: int
) -> Any:
    """Raise (or clear) the issues of motion detection or alarm upload being off.

    Returns the camera's `Detect.MotionDetect` (for diagnostics); None where it has none.
    """
    config = await client.get_optional_config(MOTION_DETECT_CONFIG)
    if config is None:
        # Refused or never answered (some firmware answers no ConfigGet): nothing to say.
        LOGGER.debug("%s does not tell its %s", entry.title, MOTION_DETECT_CONFIG)
        return None
    for issue, found in zip(
        (Issue.DETECTION_DISABLED, Issue.UPLOAD_DISABLED),
        detection_problems(config, channels),
        strict=True,
    ):
        channel_list = ", ".join(str(channel) for channel in found)
        async_update_issue(hass, entry, issue, bool(found), channels=channel_list)
    return config

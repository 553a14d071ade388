"""The repair issues of a camera entry, and what raises them from the camera's settings."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .client import DvripClient, DvripCommandError
from .const import DOMAIN, LOGGER

MOTION_DETECT_CONFIG = "Detect.MotionDetect"
ISSUE_DETECTION_DISABLED = "detection_disabled"
ISSUE_UPLOAD_DISABLED = "upload_disabled"
ISSUE_PUSH_MISSING = "push_missing"
ISSUE_ACCOUNT_LOCKED = "account_locked"
ISSUE_WRONG_DEVICE = "wrong_device"
ISSUES = (
    ISSUE_DETECTION_DISABLED,
    ISSUE_UPLOAD_DISABLED,
    ISSUE_PUSH_MISSING,
    ISSUE_ACCOUNT_LOCKED,
    ISSUE_WRONG_DEVICE,
)


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
    async_update_issue(hass, entry, ISSUE_ACCOUNT_LOCKED, locked, host=entry.data[CONF_HOST])


def delete_issues(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Remove this entry's repair issues (when the entry is removed)."""
    for issue in ISSUES:
        async_clear_issue(hass, entry, issue)


def detection_problems(config: Any, channels: int) -> tuple[list[int], list[int]]:
    """Channels (from 1) whose motion detection is off, and those that do not upload alarms.

    `Detect.MotionDetect` is a list with one object per channel; a single object is taken
    as channel 1. A missing flag counts as enabled: only a clear "off" raises a repair issue.
    """
    entries = config if isinstance(config, list) else [config]
    disabled: list[int] = []
    no_upload: list[int] = []
    for channel, entry in enumerate(entries[:channels], start=1):
        if not isinstance(entry, dict):
            continue
        if _flag_off(entry.get("Enable")):
            disabled.append(channel)
            continue
        handler = entry.get("EventHandler")
        if isinstance(handler, dict) and _flag_off(handler.get("MessageEnable")):
            no_upload.append(channel)
    return disabled, no_upload


def _flag_off(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("false", "0", "off")
    return value is False or value == 0


async def async_check_detection(
    hass: HomeAssistant, entry: ConfigEntry, client: DvripClient, channels: int
) -> Any:
    """Raise (or clear) the issues of motion detection or alarm upload being off.

    Returns the camera's `Detect.MotionDetect` (for diagnostics); None where it has none.
    """
    try:
        config = await client.get_config(MOTION_DETECT_CONFIG)
    except DvripCommandError as err:
        # Some firmware has no such section; nothing can be said then.
        LOGGER.debug("%s has no %s: %s", entry.title, MOTION_DETECT_CONFIG, err)
        return None
    for issue, found in zip(
        (ISSUE_DETECTION_DISABLED, ISSUE_UPLOAD_DISABLED),
        detection_problems(config, channels),
        strict=True,
    ):
        channel_list = ", ".join(str(channel) for channel in found)
        async_update_issue(hass, entry, issue, bool(found), channels=channel_list)
    return config
